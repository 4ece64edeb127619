"""Meta's webhook at /messenger/webhook: the verification handshake, and the events people send.

It keeps the Telegram webhook's guarantees (bot/web/webhook.py): a POST whose signature does
not match the app secret is refused before its body is read as JSON; each event is taken once
(by Meta's message id) and handed to the same Application as Telegram's updates, in order;
Meta is answered 200 only when every event of the POST was handled, so what a crash or a
stop interrupted is delivered again; a repeat of an event handled is confirmed without being
handled again, one still in hand is told to come back (503), as is a POST the database cannot
take now. Nothing of what people wrote is logged.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from typing import Any

from aiohttp import web

from bot.channels import MESSENGER_FIRST_ID
from bot.channels.messenger import inbound
from bot.channels.messenger.bridge import outbound_in
from bot.channels.messenger.channel import Messenger, messenger_in
from bot.channels.messenger.graph import GraphUnavailable
from bot.config import Settings
from bot.services.updates import SeenUpdates
from bot.web.context import Site, site_of
from bot.web.webhook import Acknowledging, Refusals, acknowledging, hand_over, mark_handled
from storage import messenger as store
from storage import seen_updates
from storage.database import ERRORS

logger = logging.getLogger(__name__)

PATH = "/messenger/webhook"
SIGNATURE_HEADER = "X-Hub-Signature-256"
REFUSALS = web.AppKey("messenger-refusals", Refusals)


def _answer(status: int) -> web.Response:
    return web.json_response({"ok": 200 <= status < 300}, status=status)


async def verify(request: web.Request) -> web.Response:
    """Meta's handshake when the webhook is set up: the challenge back, for our verify token."""
    settings = site_of(request).services.settings
    assert settings.messenger_verify_token is not None
    token = settings.messenger_verify_token.get_secret_value().encode()
    given = request.query.get("hub.verify_token", "").encode()
    challenge = request.query.get("hub.challenge", "")
    if request.query.get("hub.mode") == "subscribe" and hmac.compare_digest(given, token):
        return web.Response(text=challenge)
    return web.Response(status=403)


def signed(settings: Settings, body: bytes, signature: str) -> bool:
    """Whether the body was signed with the app secret (Meta's X-Hub-Signature-256)."""
    assert settings.messenger_app_secret is not None
    secret = settings.messenger_app_secret.get_secret_value().encode()
    expected = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(signature.encode(), expected.encode())


async def receive(request: web.Request) -> web.Response:
    """A POST of events: refused without the right signature, confirmed once all are handled."""
    site = site_of(request)
    body = await request.read()
    signature = request.headers.get(SIGNATURE_HEADER, "")
    if not signed(site.services.settings, body, signature):
        request.app[REFUSALS].refused(site.services.clock(), "a wrong" if signature else "no")
        return _answer(403)
    try:
        data = json.loads(body)
        if data.get("object") != "page":
            return _answer(400)
        events = [event for entry in data["entry"] for event in entry.get("messaging") or ()]
    except (ValueError, KeyError, TypeError, AttributeError):
        return _answer(400)
    messenger = messenger_in(site.application.bot_data)
    processor = acknowledging(site.application)
    if messenger is None or not processor.enter():
        return _answer(503)
    try:
        for event in events:
            status = await _take_in(site, messenger, processor, event)
            if status != 200:
                # The events after it wait for Meta's next delivery, so they keep their order.
                return _answer(status)
        return _answer(200)
    finally:
        processor.leave()


async def _take_in(site: Site, messenger: Messenger, processor: Acknowledging, raw: Any) -> int:
    """One event: taken once, recorded, handled; the status Meta should get for it."""
    event = inbound.read(raw) if isinstance(raw, dict) else None
    if event is None:
        return 200  # echoes, delivery and read receipts: nothing to do
    services = site.services
    db, clock = services.db, services.clock
    seen = SeenUpdates(db, clock, services.instance)
    update_id: int | None = None
    try:
        async with db.transaction() as connection:
            number, _ = await store.take_event(connection, event.key, clock())
        update_id = MESSENGER_FIRST_ID + number
        if await seen.was_handled(update_id):
            return 200
        fetched = await inbound.fetch(messenger.graph, db, event)
        async with db.transaction() as connection:
            recorded = None
            if await seen.take_in(connection, update_id, None):
                recorded = await inbound.record(connection, db, event, fetched, update_id, clock())
                await seen_updates.belongs_to(connection, update_id, recorded.user_id)
        if recorded is None:
            # Taken by a delivery of it that came at the same time.
            return 200 if await seen.was_handled(update_id) else 503
        await seen.turn(update_id, recorded.user_id)
    except ERRORS as error:
        # Locked by another process, read-only, full: nothing was taken, Meta delivers it again.
        logger.warning("A Messenger event was not taken, Meta will deliver it again: %s", error)
        if update_id is not None:
            await seen.release(update_id)
        return 503
    except GraphUnavailable as error:
        logger.warning("A Messenger person's file could not be fetched now: %s", error)
        return 503
    if recorded.update is None:
        await _turn_page(site, recorded.user_id, event)
        await mark_handled(seen, update_id)
        status = 200
    else:
        status = await hand_over(site.application, processor, seen, recorded.update)
    if status == 200:
        await _end_turn(site, recorded.user_id)
        await _release_held(site, recorded.user_id)
    return status


async def _turn_page(site: Site, user_id: int, event: inbound.Event) -> None:
    """A press of "more" under a message with many buttons: the next ones are shown."""
    press = event.press
    assert press is not None
    assert press.message_id is not None
    out = outbound_in(site.application.bot_data)
    if out is None or not press.value.isdigit():
        return
    try:
        await out.show_page(user_id, press.message_id, int(press.value))
    except Exception:
        logger.exception("Showing another page of a Messenger message's buttons failed")


async def _end_turn(site: Site, user_id: int) -> None:
    """The answer is complete: the choices shown last are put where the person sees them."""
    out = outbound_in(site.application.bot_data)
    if out is None:
        return
    try:
        await out.end_turn(user_id)
    except Exception:  # the answer itself arrived; only the repeated choices did not
        logger.exception("The choices could not be shown again under a Messenger answer")


async def _release_held(site: Site, user_id: int) -> None:
    """The person wrote, so what was held for them outside the 24-hour window goes out now,
    after the answer to what they did."""
    try:
        await site.services.delivery.release_held(user_id)
    except ERRORS as error:
        # Held until their next message.
        logger.warning("Messages held for a Messenger person were not released: %s", error)


def add_routes(app: web.Application, settings: Settings) -> None:
    """The webhook, when Messenger is set up (BOLDEN_MESSENGER_*)."""
    if settings.messenger:
        app[REFUSALS] = Refusals(
            header=SIGNATURE_HEADER,
            hint="if Meta sent them, BOLDEN_MESSENGER_APP_SECRET may not be the app's secret",
        )
        app.router.add_get(PATH, verify)
        app.router.add_post(PATH, receive)
