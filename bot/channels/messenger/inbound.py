"""Meta's webhook events as the journeys' updates: what a Messenger person typed, pressed or sent
becomes the Update a Telegram person's would be, for the same handlers.

An event is read (`read`), what must come from Meta is fetched before anything is stored
(`fetch`: the person's profile on their first message, a photo or voice note, whose link
expires), and then recorded in the same transaction that takes its update id (`record`).
Nothing of what a person wrote is logged here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.channels import channel_file_id
from bot.channels.messenger import payloads
from bot.channels.messenger.graph import GraphClient, GraphError, GraphUnavailable
from storage import messenger as store
from storage.database import Connection, Database

Json = dict[str, Any]
# Telegram's deep-link payloads: what `?start=` may carry, so a reference means the same on both.
_REFERENCE = re.compile(r"[A-Za-z0-9_-]{1,64}")
_COMMAND = re.compile(r"/[A-Za-z0-9_]{1,32}")
# People on Messenger do not type commands: a message that is only one of these words (in
# either language, any case, with a closing ! . or ?) is the command. Only commands that do
# the same at any step of a conversation, as they do typed on Telegram: /help and /start show
# a page and leave a draft as it was, /cancel stops it as its Stop button does (with Undo).
# No one's bold, name or answer is only one of these words.
_WORDS = {
    "hjælp": "/help",
    "help": "/help",
    "menu": "/start",
    "start": "/start",
    "kom i gang": "/start",
    "get started": "/start",
    "stop": "/cancel",
    "annuller": "/cancel",
    "cancel": "/cancel",
}
# The kinds of files that are kept for the journeys; others are answered as a file they
# cannot take, and not downloaded.
_KEPT = {"image": "photo", "audio": "voice"}
NOT_KEPT = "messenger-file-not-kept"


@dataclass(frozen=True)
class Attachment:
    kind: str  # image | audio | video | file | sticker ...
    url: str | None


@dataclass(frozen=True)
class Event:
    """One thing a person did on Messenger, as far as the journeys need it."""

    psid: str
    key: str  # the same for every delivery of this event
    sent_at: int  # seconds since the epoch
    text: str | None = None  # typed, or typed by a button or the menu; a file's caption
    press: payloads.Pressed | None = None  # a journey's button (c) or the next page (p)
    attachment: Attachment | None = None


@dataclass(frozen=True)
class Fetched:
    """What Meta gave before the event was recorded."""

    profile: Json | None = None  # a new person's, as Meta gives it
    data: bytes | None = None
    mime_type: str = ""


@dataclass(frozen=True)
class Recorded:
    user_id: int
    update: Json | None  # None for a page turn, which no journey sees


def read(raw: Json) -> Event | None:
    """The event, or None for what is acknowledged and left alone: the page's own messages
    (echoes), delivery and read receipts, and anything not understood."""
    sender = raw.get("sender")
    psid = str(sender.get("id") or "") if isinstance(sender, dict) else ""
    if not psid:
        return None
    # Meta's time in milliseconds: with the sender, what tells apart events without an id.
    stamp = raw.get("timestamp")
    stamp = stamp if isinstance(stamp, int) else 0
    sent_at = stamp // 1000
    if isinstance(raw.get("message"), dict):
        return _message(psid, sent_at, raw["message"])
    if isinstance(raw.get("postback"), dict):
        return _postback(psid, stamp, raw["postback"])
    if isinstance(raw.get("referral"), dict):
        reference = str(raw["referral"].get("ref") or "")
        key = f"{psid}:{stamp}:referral:{reference}"
        return Event(psid, key, sent_at, text=_start(reference))
    return None


def _message(psid: str, sent_at: int, message: Json) -> Event | None:
    mid = message.get("mid")
    if message.get("is_echo") or not isinstance(mid, str) or not mid:
        return None
    quick = message.get("quick_reply")
    pressed = payloads.read(str(quick.get("payload") or "")) if isinstance(quick, dict) else None
    if pressed is not None:
        return _pressed(psid, mid, sent_at, pressed)
    text = message.get("text")
    text = text if isinstance(text, str) and text else None
    attachment = _first_attachment(message.get("attachments"))
    # A photo or voice note with words has them as its caption; a link's preview (Meta's
    # "fallback") and other files beside words leave the words as they were typed.
    if attachment is not None and (attachment.kind in _KEPT or text is None):
        return Event(psid, mid, sent_at, text=text, attachment=attachment)
    return Event(psid, mid, sent_at, text=_as_command(text)) if text is not None else None


def _as_command(text: str) -> str:
    """The command a message that is only one of the _WORDS stands for; other text as it is."""
    word = " ".join(text.split()).rstrip("!.?").rstrip().casefold()
    return _WORDS.get(word, text)


def _first_attachment(attachments: object) -> Attachment | None:
    """Telegram gives each photo of an album its own message; the journeys take one."""
    if not isinstance(attachments, list) or not attachments or not isinstance(attachments[0], dict):
        return None
    first = attachments[0]
    payload = first.get("payload")
    payload = payload if isinstance(payload, dict) else {}
    kind = "sticker" if payload.get("sticker_id") else str(first.get("type") or "file")
    url = payload.get("url")
    return Attachment(kind, str(url) if url else None)


def _postback(psid: str, stamp: int, postback: Json) -> Event | None:
    payload = str(postback.get("payload") or "")
    key = str(postback.get("mid") or f"{psid}:{stamp}:postback:{payload}")
    sent_at = stamp // 1000
    pressed = payloads.read(payload)
    if pressed is None:
        return None
    if pressed.kind == "start":
        referral = postback.get("referral")
        reference = str(referral.get("ref") or "") if isinstance(referral, dict) else ""
        return Event(psid, key, sent_at, text=_start(reference))
    return _pressed(psid, key, sent_at, pressed)


def _pressed(psid: str, key: str, sent_at: int, pressed: payloads.Pressed) -> Event:
    if pressed.kind in ("c", "p"):
        return Event(psid, key, sent_at, press=pressed)
    return Event(psid, key, sent_at, text=_start("") if pressed.kind == "start" else pressed.value)


def _start(reference: str) -> str:
    """/start with the link's reference, as Telegram's ?start= gives it; one no Telegram link
    could carry is left out."""
    return f"/start {reference}" if _REFERENCE.fullmatch(reference) else "/start"


async def fetch(graph: GraphClient, db: Database, event: Event) -> Fetched:
    """The profile of a person writing for the first time (once: a profile Meta will not
    give leaves them without a name), and the photo or voice note they sent. A file Meta
    cannot give now raises GraphUnavailable, so Meta delivers the event again."""
    profile: Json | None = None
    if await store.person_with(db, event.psid) is None:
        try:
            profile = await graph.profile(event.psid)
        except (GraphError, GraphUnavailable):
            profile = {}
    attachment = event.attachment
    if attachment is None or attachment.kind not in _KEPT or attachment.url is None:
        return Fetched(profile)
    data, mime_type = await graph.download(attachment.url)
    return Fetched(profile, data, mime_type)


async def record(
    connection: Connection,
    db: Database,
    event: Event,
    fetched: Fetched,
    update_id: int,
    now: datetime,
) -> Recorded:
    """Store the person (their 24-hour window opens), the message's id and its file; the
    Update the journeys will handle."""
    user_id = await store.person_of(connection, event.psid, now)
    if fetched.profile is not None:
        await store.keep_profile(
            connection,
            user_id,
            _text(fetched.profile.get("first_name")),
            _text(fetched.profile.get("last_name")),
            _text(fetched.profile.get("locale")),
        )
    person = await store.person_with(db, event.psid)
    assert person is not None
    sender, date = _user(person), event.sent_at or int(now.timestamp())
    if event.press is not None and event.press.kind == "p":
        return Recorded(user_id, None)
    if event.press is not None:
        return Recorded(user_id, await _callback_query(db, update_id, sender, date, event))
    shown = {"text": event.text or ""}
    message: Json = {
        "message_id": await store.remember_message(connection, user_id, shown, now),
        "from": sender,
        "chat": _chat(sender),
        "date": date,
    }
    if event.attachment is not None:
        message |= await _attachment(connection, event.attachment, fetched, now)
        message |= {"caption": event.text} if event.text else {}
    elif event.text is not None:
        message |= _typed(event.text)
    return Recorded(user_id, {"update_id": update_id, "message": message})


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _user(person: store.MessengerPerson) -> Json:
    """The person as Telegram's `from` names them; the language from Meta's locale (da_DK)."""
    user: Json = {"id": person.user_id, "is_bot": False, "first_name": person.first_name or ""}
    if person.last_name:
        user["last_name"] = person.last_name
    if person.locale:
        user["language_code"] = person.locale.partition("_")[0]
    return user


def _chat(user: Json) -> Json:
    chat = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
    return chat | ({"last_name": user["last_name"]} if "last_name" in user else {})


def _typed(text: str) -> Json:
    """A text; a command is marked as Telegram marks it, so the journeys' commands match."""
    command = _COMMAND.match(text)
    if command is None:
        return {"text": text}
    length = len(command.group().encode("utf-16-le")) // 2
    return {"text": text, "entities": [{"type": "bot_command", "offset": 0, "length": length}]}


async def _callback_query(
    db: Database, update_id: int, sender: Json, date: int, event: Event
) -> Json:
    """A press, on the message it was shown with. Messenger keeps every button it ever showed
    pressable, where Telegram shows a message's buttons as they are now: a press of a button
    the message no longer has (a "Yes, delete" after "No, keep it"), of an unknown message
    (forged, or from a chat that was erased), is handed on as stale, and the journeys refuse it
    kindly and change nothing."""
    assert event.press is not None
    assert event.press.message_id is not None
    shown = await store.shown_in(db, sender["id"], event.press.message_id) or {}
    current = {
        button.get("callback_data")
        for row in (shown.get("reply_markup") or {}).get("inline_keyboard", [])
        for button in row
    }
    data = event.press.value if event.press.value in current else payloads.STALE
    message: Json = {
        "message_id": event.press.message_id,
        "chat": _chat(sender),
        "date": date,
        "text": str(shown.get("text") or ""),
    }
    if shown.get("reply_markup"):
        message["reply_markup"] = shown["reply_markup"]
    return {
        "update_id": update_id,
        "callback_query": {
            "id": payloads.callback_id(sender["id"]),
            "from": sender,
            "chat_instance": str(sender["id"]),
            "data": data,
            "message": message,
        },
    }


async def _attachment(
    connection: Connection, attachment: Attachment, fetched: Fetched, now: datetime
) -> Json:
    """A photo or voice note kept in channel_files under the file id the journeys see; a
    sticker, video or other file as Telegram's, which the journeys answer kindly."""
    unique = f"messenger-{attachment.kind}"
    if fetched.data is not None:
        number = await store.keep_file(connection, fetched.data, fetched.mime_type, now)
        file = {"file_id": channel_file_id(number), "file_unique_id": channel_file_id(number)}
        if _KEPT[attachment.kind] == "photo":
            return {"photo": [file | {"width": 0, "height": 0}]}
        seconds = seconds_of_mp4(fetched.data)
        return {"voice": file | {"duration": seconds, "mime_type": fetched.mime_type}}
    file = {"file_id": NOT_KEPT, "file_unique_id": unique}
    if attachment.kind == "sticker":
        sticker = {"width": 0, "height": 0, "is_animated": False, "is_video": False}
        return {"sticker": file | sticker | {"type": "regular"}}
    return {"document": file}


def seconds_of_mp4(data: bytes) -> int:
    """How long a voice clip is (Messenger sends them as MP4), from its movie header, so the
    journeys show its length as they do a Telegram voice note's; 0 when it cannot be read."""
    box = _box(data, b"moov")
    header = _box(box, b"mvhd") if box is not None else None
    if header is None or len(header) < 32:
        return 0
    if header[0] == 1:  # version 1: 64-bit times
        timescale, duration = int.from_bytes(header[20:24]), int.from_bytes(header[24:32])
    else:
        timescale, duration = int.from_bytes(header[12:16]), int.from_bytes(header[16:20])
    return round(duration / timescale) if timescale else 0


def _box(data: bytes, kind: bytes) -> bytes | None:
    """The content of the first box of this kind at this level of an MP4 file."""
    at = 0
    while at + 8 <= len(data):
        size = int.from_bytes(data[at : at + 4])
        if size < 8:
            return None
        if data[at + 4 : at + 8] == kind:
            return data[at + 8 : at + size]
        at += size
    return None
