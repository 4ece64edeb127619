"""Telegram's updates over the webhook (BOLDEN_WEBHOOK_URL) instead of polling.

Telegram is answered 200 only once its update has been handled: an update the process took in
and then lost (a crash, a stop that could not wait for it) was never confirmed, so Telegram
delivers it again and nothing is lost. Each update's id is recorded when it arrives (an insert
that a repeat cannot make), so a repeat of an update already handled is confirmed and not
handled again, and a repeat of one still being handled is told to come back later (503), as
is an update the database cannot take now (locked by another process). A request without the
secret header is refused before anything is read or stored.
"""

from __future__ import annotations

import asyncio
import base64
import hmac
import logging
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Update
from telegram.error import BadRequest

from bot.config import ConfigError, Settings
from bot.context import BoldenApp
from bot.ordering import InOrderPerPerson
from bot.polling import readable
from bot.services import Services
from bot.services.updates import SeenUpdates
from bot.web.context import site_of
from bot.web.signing import key
from storage.database import ERRORS

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Seconds a stop waits for the updates in hand to be handled; those left are answered 503 and
# Telegram delivers them again after the restart.
STOP_WAIT = 10.0
REFUSALS_LOGGED_EVERY = timedelta(minutes=1)


def secret_token(settings: Settings) -> str:
    """What Telegram sends in SECRET_HEADER: 43 characters of A-Za-z0-9_-, derived from the
    token, so nothing new must be configured."""
    return base64.urlsafe_b64encode(key(settings, "webhook")).decode().rstrip("=")


def path_of(settings: Settings) -> str:
    assert settings.webhook_url is not None
    return urlsplit(settings.webhook_url).path or "/"


class Acknowledging(InOrderPerPerson):
    """Handles updates as InOrderPerPerson does, and tells the webhook when one is handled."""

    def __init__(self) -> None:
        super().__init__()
        self._waiting: dict[int, asyncio.Future[None]] = {}
        self._requests = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self.accepting = True
        self._gave_up = False

    def handled(self, update_id: int) -> asyncio.Future[None]:
        """Done once the update is handled (whatever its handler did, errors included);
        cancelled when the bot stops before handling it, at once when it already has."""
        future = asyncio.get_running_loop().create_future()
        if self._gave_up:
            future.cancel()
        else:
            self._waiting[update_id] = future
        return future

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        waiter = self._waiting.pop(update.update_id, None) if isinstance(update, Update) else None
        try:
            await super().do_process_update(update, coroutine)
        except BaseException:
            if waiter is not None:
                waiter.cancel()
            raise
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def enter(self) -> bool:
        """A request starts; False once the bot is stopping."""
        if not self.accepting:
            return False
        self._requests += 1
        self._idle.clear()
        return True

    def leave(self) -> None:
        self._requests -= 1
        if not self._requests:
            self._idle.set()

    async def close(self) -> None:
        """Take no more updates; wait a while for those in hand, then give up on the rest
        (their requests are answered 503, so Telegram keeps them)."""
        self.accepting = False
        try:
            await asyncio.wait_for(self._idle.wait(), STOP_WAIT)
        except TimeoutError:
            logger.warning("%s update(s) not handled before stopping", len(self._waiting))
        self._gave_up = True
        for waiter in self._waiting.values():
            waiter.cancel()
        self._waiting.clear()
        await self._idle.wait()


def acknowledging(application: BoldenApp) -> Acknowledging:
    processor = application.update_processor
    assert isinstance(processor, Acknowledging), "build_application sets it"
    return processor


@dataclass
class Refusals:
    """Requests refused for their secret header (or signature), logged at most once a minute
    (a flood cannot fill the log), so an operator notices a proxy that drops the header or a
    secret that does not match. Nothing of the request is logged."""

    header: str = SECRET_HEADER
    hint: str = "if Telegram sent them, a proxy in front may drop the header"
    count: int = 0
    logged_at: datetime | None = None

    def refused(self, now: datetime, header: str) -> None:
        self.count += 1
        if self.logged_at is not None and now - self.logged_at < REFUSALS_LOGGED_EVERY:
            return
        logger.warning(
            "Refused %s webhook request(s) since the last such line, the last with %s %s "
            "header; %s",
            self.count,
            header,
            self.header,
            self.hint,
        )
        self.count = 0
        self.logged_at = now


REFUSALS = web.AppKey("webhook-refusals", Refusals)


def _answer(status: int) -> web.Response:
    return web.json_response({"ok": 200 <= status < 300}, status=status)


async def receive(request: web.Request) -> web.Response:
    """One update from Telegram: refused without the secret, confirmed once it is handled."""
    site = site_of(request)
    settings = site.services.settings
    given = request.headers.get(SECRET_HEADER, "").encode()
    if not hmac.compare_digest(given, secret_token(settings).encode()):
        request.app[REFUSALS].refused(site.services.clock(), "a wrong" if given else "no")
        return _answer(403)
    try:
        data = await request.json()
        update_id = int(data["update_id"])
    except (ValueError, KeyError, TypeError):
        return _answer(400)
    processor = acknowledging(site.application)
    if not processor.enter():
        return _answer(503)
    try:
        return await _handle(site.application, site.services, processor, update_id, data)
    finally:
        processor.leave()


async def _handle(
    application: BoldenApp,
    services: Services,
    processor: Acknowledging,
    update_id: int,
    data: dict[str, Any],
) -> web.Response:
    seen = SeenUpdates(services.db, services.clock, services.instance)
    person = _person(data)
    try:
        if not await seen.take(update_id, person):
            # Handled before: confirm it again. Still being handled: Telegram tries again later.
            return _answer(200 if await seen.was_handled(update_id) else 503)
    except ERRORS as error:
        # Locked by another process (a backup, a script), read-only, full: nothing was taken,
        # and Telegram delivers it again.
        logger.warning("Update %s not taken, Telegram will deliver it again: %s", update_id, error)
        await seen.release(update_id)
        return _answer(503)
    await seen.turn(update_id, person)
    return _answer(await hand_over(application, processor, seen, readable(data)))


def _person(data: dict[str, Any]) -> int | None:
    """Whose update it is (as bot/ordering.py sees it), from the update as it came."""
    for kind, value in data.items():
        if kind != "update_id" and isinstance(value, dict):
            sender = value.get("from") or value.get("user") or {}
            chat = value.get("chat") or {}
            found = sender.get("id") if isinstance(sender, dict) else None
            if found is None and isinstance(chat, dict):
                found = chat.get("id")
            return found if isinstance(found, int) else None
    return None


async def hand_over(
    application: BoldenApp, processor: Acknowledging, seen: SeenUpdates, data: dict[str, Any]
) -> int:
    """Give an update just taken to the journeys and wait until it is handled: 200, or 503
    when the bot stopped before handling it (the sender delivers it again)."""
    update_id = int(data["update_id"])
    handled = processor.handled(update_id)
    if not handled.cancelled():
        await application.update_queue.put(Update.de_json(data, application.bot))
    try:
        await handled
    except asyncio.CancelledError:
        if handled.cancelled() and not _cancelling():
            return 503
        raise
    await mark_handled(seen, update_id)
    return 200


async def mark_handled(seen: SeenUpdates, update_id: int) -> None:
    try:
        await seen.handled(update_id)
    except ERRORS as error:
        # It was handled, so the sender is told so; a repeat of it is told to come back until
        # the next start forgets the mark that is missing.
        logger.warning("Update %s handled but not marked so: %s", update_id, error)


def _cancelling() -> bool:
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


def add_route(app: web.Application, settings: Settings) -> None:
    """The webhook's address on this server is the path of BOLDEN_WEBHOOK_URL (a proxy in
    front passes it on); without the setting there is none."""
    if settings.webhook_url:
        app[REFUSALS] = Refusals()
        app.router.add_post(path_of(settings), receive)


async def prepare(services: Services) -> None:
    """Before the server takes requests: forget what a dead process took in and never
    confirmed, so Telegram's next delivery of it is handled."""
    forgotten = await SeenUpdates(services.db, services.clock, services.instance).forget_unhandled()
    if forgotten:
        logger.info(
            "%s update(s) left unconfirmed by the last run will be delivered again", forgotten
        )


async def register(application: BoldenApp, settings: Settings) -> None:
    """Tell Telegram where to send updates, with the secret and every kind of update; an
    address Telegram refuses (not https, a port it does not serve) stops start-up."""
    assert settings.webhook_url is not None
    try:
        await application.bot.set_webhook(
            url=settings.webhook_url,
            secret_token=secret_token(settings),
            allowed_updates=Update.ALL_TYPES,
        )
    except BadRequest as error:
        raise ConfigError(
            f"BOLDEN_WEBHOOK_URL {settings.webhook_url} was refused by the Bot API: {error.message}"
        ) from None
