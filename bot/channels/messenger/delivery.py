"""Showing screens to Messenger people: what the bridge does for the journeys' Bot API calls
and the outbox sender for what the bot owes them.

A message gets its own id (storage.messenger) before it is sent, so that its buttons can name
it; an edit keeps the id, sends a new message (Messenger cannot edit) and then stores what it
shows. Sends keep Messenger's own pace (BOLDEN_MESSENGER_RATE), apart from Telegram's budget;
Meta's "slow down" pauses them all for a while.

The 24-hour window: inside it a reply is RESPONSE and anything else UPDATE; outside it only a
tag that fits the screen's purpose may go (an event the person said yes to, something of
their own), and the rest is held until they write again.
"""

from __future__ import annotations

import html
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from telegram.error import TelegramError

from bot.channels import channel_file_number
from bot.channels.messenger.channel import Messenger
from bot.channels.messenger.graph import (
    BadToken,
    GraphError,
    GraphUnavailable,
    OutsideWindow,
    Throttled,
    Unreachable,
)
from bot.channels.messenger.render import buttons_of, change, markup_of, page_of, render
from bot.channels.screen import Attachment, Button, Purpose, Screen
from bot.delivery.budget import Budget
from bot.i18n import Translator
from bot.sanitise import readable
from bot.services.delivery import Outcome
from storage import messenger as store

logger = logging.getLogger(__name__)

WINDOW = timedelta(hours=24)
RECENT = 1000  # people whose page-scoped id is kept in memory (see MessengerOut._recent)
TAGS = {Purpose.EVENT: "CONFIRMED_EVENT_UPDATE", Purpose.ACCOUNT: "ACCOUNT_UPDATE"}
THROTTLE_WAIT = 10.0  # seconds every send to Messenger waits after Meta said "slow down"
BAD_TOKEN_WAIT = 60.0  # seconds before an owed message is tried again with a refused token
KINDS = {"photo": "image", "voice": "audio", "document": "file"}  # Bot API field: Meta's type
_NAMES = {"image": "photo.jpg", "audio": "voice.ogg", "file": "file"}
_OUTSIDE = "outside Messenger's 24-hour window"

Json = dict[str, Any]
# A Telegram file's bytes and type (a photo a coordinator sent in Telegram, for a Messenger
# person): asked of the Bot API.
Fetch = Callable[[str], Awaitable[tuple[bytes, str]]]
Languages = Callable[[int], Awaitable[Translator]]


class UnknownChat(Exception):
    """No Messenger person has this user id."""


class UnknownMessage(Exception):
    """An edit of a message that was never shown."""


class NotModified(Exception):
    """An edit that shows what the message shows already."""


class UnknownFile(Exception):
    """A `bolden-file-N` id with no file kept."""


@dataclass(frozen=True)
class Sending:
    messaging_type: str  # RESPONSE | UPDATE | MESSAGE_TAG
    tag: str | None = None


def sending_for(purpose: Purpose, last_message_at: datetime, now: datetime) -> Sending | None:
    """How a screen of this purpose may go to a person who last wrote at `last_message_at`;
    None: not now, it waits until they write."""
    if now - last_message_at < WINDOW:
        return Sending("RESPONSE" if purpose is Purpose.REPLY else "UPDATE")
    tag = TAGS.get(purpose)
    return Sending("MESSAGE_TAG", tag) if tag else None


class MessengerOut:
    """The Messenger side of sending, made at start-up when Messenger is set."""

    def __init__(self, messenger: Messenger, languages: Languages, fetch: Fetch) -> None:
        self.graph = messenger.graph
        self.db = messenger.db
        self.clock = messenger.clock
        self.hold = timedelta(days=messenger.settings.messenger_hold_days)
        self.budget = Budget(messenger.settings.messenger_rate)
        self._languages = languages
        self._fetch = fetch
        self._token_refused = False
        # The people written to lately, so that the answer to /deleteme still finds the person
        # whose rows it has just erased (and stores nothing of them again).
        self._recent: OrderedDict[int, str] = OrderedDict()
        # Quick replies show only under the newest message: per person, in the answer being
        # given now, the last message shown with them, and whether the last message of the
        # answer carried choices (see end_turn).
        self._choices: dict[int, int] = {}
        self._turn: dict[int, bool] = {}

    # -- the journeys' screens (the bridge) ----------------------------------------------------

    async def show(
        self,
        user_id: int,
        screen: Screen,
        edit: int | None = None,
        sending: Sending | None = None,
        outbox: bool = False,
    ) -> int:
        """Show the screen (a new message, or `edit`'s replacement, of which a new message
        shows only what changed: render.change); the message id. Raises
        UnknownChat, UnknownMessage, NotModified, UnknownFile, OutsideWindow and the Graph
        client's errors."""
        found = await store.psid_of(self.db, user_id)
        if found is None and user_id in self._recent:  # erased just now: only the farewell
            for message in render(screen, 0, await self._languages(user_id)):
                await self._send(self._recent[user_id], message, Sending("RESPONSE"), outbox)
            return edit or 0
        psid, last = self._known(user_id, found)
        how = sending or sending_for(screen.purpose, last, self.clock())
        if how is None:
            raise OutsideWindow(400, 10, 2018278, _OUTSIDE)
        shown = shown_of(screen)
        before: Json | None = None
        if edit is None:
            async with self.db.transaction() as connection:
                message_id = await store.remember_message(connection, user_id, shown, self.clock())
        else:
            before = await store.shown_in(self.db, user_id, edit)
            if before is None:
                raise UnknownMessage
            if before == shown and screen.attachment is None:
                raise NotModified
            message_id = edit
        if screen.attachment is not None:
            await self._attach(psid, screen.attachment, how, outbox)
        anew = screen if before is None or screen.attachment else change(before, screen)
        if anew is not None:
            rendered = render(anew, message_id, await self._languages(user_id))
            for message in rendered:
                await self._send(psid, message, how, outbox)
            self._note_choices(user_id, message_id, rendered, outbox)
        if edit is not None:
            async with self.db.transaction() as connection:
                await store.replace_shown(connection, user_id, edit, shown)
        return message_id

    async def rebutton(self, user_id: int, message_id: int, markup: Json | None) -> Json:
        """New buttons for a message shown before (editMessageReplyMarkup): without buttons
        they are only forgotten (a press on them is then stale); else the labels that changed
        are shown with them. What the message shows now."""
        before = await store.shown_in(self.db, user_id, message_id)
        if before is None:
            raise UnknownMessage
        buttons = buttons_of(markup)
        if markup_of(buttons) == before.get("reply_markup"):
            raise NotModified
        shown = {**before, "reply_markup": markup_of(buttons)}
        if buttons:
            screen = Screen(html.escape(str(before.get("text", ""))), buttons)
            await self.show(user_id, screen, edit=message_id)
        else:
            async with self.db.transaction() as connection:
                await store.replace_shown(connection, user_id, message_id, shown)
        return shown

    async def show_page(self, user_id: int, message_id: int, page: int) -> bool:
        """The next page of a message's choices ("More ›" pressed, `payloads.page`); False when
        the message is unknown. Its presses name the message, as the first page's do."""
        shown = await store.shown_in(self.db, user_id, message_id)
        if shown is None:
            return False
        psid, _ = await self._person(user_id)
        screen = page_of(shown, page)
        for message in render(screen, message_id, await self._languages(user_id)):
            await self._send(psid, message, Sending("RESPONSE"), outbox=False)
        return True

    def _note_choices(
        self, user_id: int, message_id: int, rendered: list[Json], outbox: bool
    ) -> None:
        if outbox:  # what the outbox sends is not part of the answer to what the person did
            return
        if any(message.get("quick_replies") for message in rendered):
            self._choices[user_id] = message_id
        self._turn[user_id] = any(_has_choices(message) for message in rendered)

    async def end_turn(self, user_id: int) -> None:
        """After the answer to what the person did: when it showed quick replies and then
        messages without choices (the certificate and its PDF after the menu), those quick
        replies are gone from sight, so they are shown once more under a short line. Their
        presses still name the message they belong to. Choices of earlier answers are not
        repeated: they belong to what the person has moved on from."""
        last_had_choices = self._turn.pop(user_id, True)
        keep = self._choices.pop(user_id, None)
        if last_had_choices or keep is None:
            return
        shown = await store.shown_in(self.db, user_id, keep)
        if shown is None or not shown.get("reply_markup"):
            return
        t = await self._languages(user_id)
        screen = Screen(html.escape(t.plain("messenger.choose")), buttons_of(shown["reply_markup"]))
        psid, _ = await self._person(user_id)
        for message in render(screen, keep, t):
            await self._send(psid, message, Sending("RESPONSE"), outbox=False)

    async def typing(self, user_id: int) -> None:
        psid, _ = await self._person(user_id)
        await self.graph.action(psid, "typing_on")

    async def note(self, user_id: int, text: str) -> None:
        """A short note (the answer to a button press), as a plain message."""
        psid, _ = await self._person(user_id)
        await self._send(psid, {"text": text}, Sending("RESPONSE"), outbox=False)
        self._turn[user_id] = False  # it carries no choices: those above it are out of sight

    # -- what the outbox owes them ---------------------------------------------------------------

    async def owed(self, user_id: int, payload: Json) -> Outcome:
        """An outbox item for a Messenger person, sent or held, as the sender records it."""
        try:
            found = await store.psid_of(self.db, user_id)
            if found is None:
                return Outcome(state="blocked", error="no such Messenger person")
            sending = sending_for(_purpose(payload), found[1], self.clock())
            if sending is None:
                return self._held(_OUTSIDE)
            await self.show(user_id, screen_of(payload), payload.get("edit"), sending, outbox=True)
        except NotModified:
            pass  # the same text again: it is shown, that is enough
        except OutsideWindow as error:  # Meta's clock said so
            return self._held(error.message)
        except Unreachable as error:
            return Outcome(state="blocked", error=error.message)
        except Throttled as error:
            return Outcome(state="retry", wait=THROTTLE_WAIT, error=error.message)
        except BadToken as error:
            self.refused(error)
            return Outcome(state="retry", wait=BAD_TOKEN_WAIT, error=error.message)
        except GraphUnavailable as error:
            return Outcome(state="maybe" if error.left else "retry", error=str(error))
        except (GraphError, UnknownMessage, UnknownFile, TelegramError) as error:
            # Meta refused it for another reason, or its file could not be had from Telegram.
            return Outcome(state="failed", error=str(error) or type(error).__name__)
        self._token_refused = False
        return Outcome(state="sent")

    def refused(self, error: BadToken) -> None:
        """The page token is refused: said once in the log, until a send succeeds again."""
        if not self._token_refused:
            logger.error(
                "Meta refuses the page token (%s): check BOLDEN_MESSENGER_PAGE_TOKEN", error
            )
        self._token_refused = True

    def _held(self, why: str) -> Outcome:
        return Outcome(state="held", wait=self.hold.total_seconds(), error=why)

    # -- the parts -------------------------------------------------------------------------------

    async def _person(self, user_id: int) -> tuple[str, datetime]:
        return self._known(user_id, await store.psid_of(self.db, user_id))

    def _known(self, user_id: int, found: tuple[str, datetime] | None) -> tuple[str, datetime]:
        if found is None:
            raise UnknownChat
        self._recent[user_id] = found[0]
        self._recent.move_to_end(user_id)
        if len(self._recent) > RECENT:
            self._recent.popitem(last=False)
        return found

    async def _send(self, psid: str, message: Json, how: Sending, outbox: bool) -> None:
        async with self.budget.slot(None, outbox=outbox):
            try:
                await self.graph.send(psid, message, how.messaging_type, how.tag)
            except Throttled:
                self.budget.pause(THROTTLE_WAIT, self.budget.clock())
                raise

    async def _attach(self, psid: str, attachment: Attachment, how: Sending, outbox: bool) -> None:
        data, mime_type = attachment.data, attachment.mime_type
        if data is None:
            assert attachment.file_id is not None, "an attachment has its bytes or a file id"
            data, mime_type = await self.file(attachment.file_id)
        name = attachment.name or _NAMES.get(attachment.kind, "file")
        uploaded = await self.graph.upload(
            attachment.kind, data, name, mime_type or "application/octet-stream"
        )
        message = {"attachment": {"type": attachment.kind, "payload": {"attachment_id": uploaded}}}
        await self._send(psid, message, how, outbox)

    async def file(self, file_id: str) -> tuple[bytes, str]:
        """A file's bytes and type: one a Messenger person sent (kept), or Telegram's."""
        number = channel_file_number(file_id)
        if number is None:
            return await self._fetch(file_id)
        kept = await store.file(self.db, number)
        if kept is None:
            raise UnknownFile(file_id)
        return kept


def shown_of(screen: Screen) -> Json:
    """What a message shows, as kept in messenger_messages: its plain text and its buttons as
    the Bot API writes them (what the journeys read back from a press's message)."""
    return {"text": readable(screen.text).text, "reply_markup": markup_of(screen.buttons)}


def _purpose(payload: Json) -> Purpose:
    """An outbox payload's purpose; without one, it is treated as promotion (held outside the
    window), the safe side of Meta's rules."""
    try:
        return Purpose(payload.get("purpose", Purpose.PROMOTION))
    except ValueError:
        return Purpose.PROMOTION


def screen_of(payload: Json) -> Screen:
    """An outbox payload ({"text", "buttons", "photo", "voice", "purpose"}) as a screen."""
    buttons = tuple(
        tuple(Button(b["text"], action=b["data"]) for b in row)
        for row in payload.get("buttons") or ()
    )
    attachment = next(
        (
            Attachment(KINDS[field], file_id=str(payload[field]))
            for field in ("photo", "voice")
            if payload.get(field)
        ),
        None,
    )
    return Screen(payload.get("text") or "", buttons, attachment, _purpose(payload))


def _has_choices(message: Json) -> bool:
    """Quick replies, or a template's buttons (they stay under their message)."""
    payload = message.get("attachment", {}).get("payload", {})
    return bool(message.get("quick_replies") or payload.get("buttons"))
