"""The Bot API boundary of the Messenger channel: the journeys call Telegram's methods, and a
call for a Messenger person is answered here instead of by Telegram.

`MessengerBridge` wraps the real request of a PTB `Bot`. A call whose chat (or button press) is
a Messenger person's becomes a screen shown through `MessengerOut`, answered with a Bot API
result or error of Telegram's shape, so PTB returns its usual objects and raises its usual
errors (Forbidden for a person who cannot be reached, RetryAfter, BadRequest, TimedOut); any
other call goes to Telegram unchanged, except that a file a Messenger person sent
(`bolden-file-N`) is uploaded from its stored bytes, since Telegram does not know that id.
"""

from __future__ import annotations

import html
import json
import logging
import mimetypes
from datetime import datetime
from typing import Any

from telegram import Bot, InputFile
from telegram._utils.defaultvalue import DEFAULT_NONE
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData
from telegram.request._requestparameter import RequestParameter

from bot.channels import channel_file_number, on_messenger
from bot.channels.messenger import payloads
from bot.channels.messenger.delivery import (
    KINDS,
    THROTTLE_WAIT,
    Fetch,
    MessengerOut,
    NotModified,
    UnknownChat,
    UnknownFile,
    UnknownMessage,
    shown_of,
)
from bot.channels.messenger.graph import (
    BadToken,
    GraphError,
    GraphUnavailable,
    OutsideWindow,
    Throttled,
    Unreachable,
)
from bot.channels.messenger.render import buttons_of
from bot.channels.screen import Attachment, Screen
from bot.request import WrappingRequest

logger = logging.getLogger(__name__)

OUT = "messenger-out"  # the MessengerOut in the Application's bot_data, while Messenger runs
Json = dict[str, Any]
_FILE_FIELDS = ("photo", "voice", "document", "audio", "video", "animation")
_COMMANDS = {"setMyCommands": True, "deleteMyCommands": True, "getMyCommands": []}
_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)


class Refused(Exception):
    """An answer of Telegram's shape to a call that cannot be done."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status, self.description, self.retry_after = status, description, retry_after

    def body(self) -> bytes:
        answer: Json = {"ok": False, "error_code": self.status, "description": self.description}
        if self.retry_after is not None:
            answer["parameters"] = {"retry_after": self.retry_after}
        return json.dumps(answer).encode()


def outbound_in(bot_data: dict[str, Any]) -> MessengerOut | None:
    found = bot_data.get(OUT)
    return found if isinstance(found, MessengerOut) else None


def telegram_files(bot: Bot) -> Fetch:
    """Telegram files by their id (getFile, then the file's URL), for a Messenger person."""

    async def fetch(file_id: str) -> tuple[bytes, str]:
        found = await bot.get_file(file_id)
        data = bytes(await found.download_as_bytearray())
        mime_type, _ = mimetypes.guess_type(found.file_path or "")
        return data, mime_type or "application/octet-stream"

    return fetch


class MessengerBridge(WrappingRequest):
    """A Bot API request that serves Messenger people itself. It finds the running channel in
    the Application's bot_data (`attach`), since Messenger starts after the Application is
    built; until then (or without Messenger) every call goes to Telegram."""

    def __init__(self, inner: BaseRequest) -> None:
        super().__init__(inner)
        self._bot_data: dict[str, Any] = {}
        self._unavailable: set[str] = set()

    def attach(self, bot_data: dict[str, Any]) -> None:
        self._bot_data = bot_data

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = DEFAULT_NONE,
        write_timeout: ODVInput[float] = DEFAULT_NONE,
        connect_timeout: ODVInput[float] = DEFAULT_NONE,
        pool_timeout: ODVInput[float] = DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        out = outbound_in(self._bot_data)
        parameters = request_data.parameters if request_data is not None else {}
        person = _person(parameters)
        if out is not None and request_data is not None:
            try:
                if person is not None:
                    result = await self._answer(out, url.rsplit("/", 1)[-1], person, request_data)
                    return 200, json.dumps({"ok": True, "result": result}).encode()
                request_data = await _uploaded(out, request_data)
            except Refused as refused:
                return refused.status, refused.body()
        return await super().do_request(
            url, method, request_data, read_timeout, write_timeout, connect_timeout, pool_timeout
        )

    async def _answer(
        self, out: MessengerOut, endpoint: str, person: int, request_data: RequestData
    ) -> object:
        try:
            return await self._serve(out, endpoint, person, request_data)
        except UnknownChat:
            raise Refused(400, "Bad Request: chat not found") from None
        except UnknownMessage:
            raise Refused(400, "Bad Request: message to edit not found") from None
        except NotModified:
            raise Refused(400, _NOT_MODIFIED) from None
        except UnknownFile:
            raise Refused(400, "Bad Request: wrong file identifier/HTTP URL specified") from None
        except Unreachable:
            raise Refused(403, "Forbidden: bot was blocked by the user") from None
        except Throttled:
            raise Refused(429, "Too Many Requests: retry later", int(THROTTLE_WAIT)) from None
        except OutsideWindow:
            raise Refused(
                400, "Bad Request: the person has not written on Messenger for 24 hours"
            ) from None
        except BadToken as error:
            out.refused(error)
            raise Refused(400, "Bad Request: Messenger refuses the page token") from None
        except GraphError as error:
            raise Refused(400, f"Bad Request: {error.message}") from None
        except GraphUnavailable as error:
            # As PTB's own request: a timeout after the request left, or a network error.
            raise (TimedOut if error.left else NetworkError)(str(error)) from None

    async def _serve(
        self, out: MessengerOut, endpoint: str, person: int, request_data: RequestData
    ) -> object:
        p = request_data.parameters
        if endpoint == "sendMessage":
            screen = Screen(_html(p, "text"), buttons_of(_markup(p)))
            sent = await out.show(person, screen)
            return _message(person, sent, shown_of(screen), out.clock(), "text")
        if endpoint in ("sendPhoto", "sendVoice", "sendDocument"):
            field = endpoint.removeprefix("send").lower()
            attachment = _attachment(field, request_data)
            screen = Screen(_html(p, "caption"), buttons_of(_markup(p)), attachment)
            sent = await out.show(person, screen)
            return _message(person, sent, shown_of(screen), out.clock(), "caption")
        if endpoint in ("editMessageText", "editMessageCaption"):
            field = "text" if endpoint == "editMessageText" else "caption"
            screen = Screen(_html(p, field), buttons_of(_markup(p)))
            edited = await out.show(person, screen, edit=_int(p.get("message_id")))
            return _message(person, edited, shown_of(screen), out.clock(), field)
        if endpoint == "editMessageReplyMarkup":
            message_id = _int(p.get("message_id"))
            shown = await out.rebutton(person, message_id, _markup(p))
            return _message(person, message_id, shown, out.clock(), "text")
        if endpoint == "answerCallbackQuery":
            if p.get("text"):
                await out.note(person, str(p["text"]))
            return True
        if endpoint == "sendChatAction":
            await out.typing(person)
            return True
        if endpoint == "deleteMessage":
            return True  # Messenger cannot take a message back; a new one follows anyway
        if endpoint in _COMMANDS:
            return _COMMANDS[endpoint]  # Messenger's menu is the page's persistent menu
        if endpoint == "getChat":
            return {"id": person, "type": "private"}
        if endpoint not in self._unavailable:
            self._unavailable.add(endpoint)
            logger.warning("%s was called for a Messenger person: not available there", endpoint)
        raise Refused(400, f"Bad Request: {endpoint} is not available on Messenger")


def _person(parameters: Json) -> int | None:
    """The Messenger person a call is for: its chat, the chat of its command scope, or the
    person whose button press it answers."""
    scope = parameters.get("scope")
    chat = parameters.get("chat_id", scope.get("chat_id") if isinstance(scope, dict) else None)
    if chat is not None and on_messenger(chat):
        return int(str(chat))
    pressed = parameters.get("callback_query_id")
    return payloads.person_of_callback(str(pressed)) if pressed else None


def _int(value: object) -> int:
    try:
        return int(str(value))
    except ValueError:
        raise Refused(400, "Bad Request: message to edit not found") from None


def _html(parameters: Json, field: str) -> str:
    """The text as the catalogs' HTML (a text sent without parse mode is escaped)."""
    text = str(parameters.get(field) or "")
    return text if str(parameters.get("parse_mode", "")).upper() == "HTML" else html.escape(text)


def _markup(parameters: Json) -> Json | None:
    markup = parameters.get("reply_markup")
    if isinstance(markup, str):
        markup = json.loads(markup)
    return markup if isinstance(markup, dict) else None


def _attachment(field: str, request_data: RequestData) -> Attachment:
    """The file of a sendPhoto/sendVoice/sendDocument: uploaded bytes, or a file id."""
    kind = KINDS[field]
    uploaded = request_data.multipart_data.get(field)
    if uploaded is None:
        return Attachment(kind, file_id=str(request_data.parameters.get(field, "")))
    name, content, mime_type = uploaded
    data = content if isinstance(content, bytes) else content.read()
    return Attachment(kind, data=data, name=name, mime_type=mime_type)


def _message(chat_id: int, message_id: int, shown: Json, now: datetime, field: str) -> Json:
    """The Bot API Message a call's answer carries: its text (or caption), buttons and date."""
    message: Json = {
        "message_id": message_id,
        "date": int(now.timestamp()),
        "chat": {"id": chat_id, "type": "private"},
        field: shown.get("text", ""),
    }
    if shown.get("reply_markup"):
        message["reply_markup"] = shown["reply_markup"]
    return message


async def _uploaded(out: MessengerOut, request_data: RequestData) -> RequestData:
    """A call to Telegram whose file is one a Messenger person sent: the file is uploaded."""
    parameters = request_data.parameters
    field = next(
        (f for f in _FILE_FIELDS if channel_file_number(str(parameters.get(f, ""))) is not None),
        None,
    )
    if field is None:
        return request_data
    try:
        data, mime_type = await out.file(str(parameters[field]))
    except UnknownFile:
        raise Refused(400, "Bad Request: wrong file identifier/HTTP URL specified") from None
    extension = mimetypes.guess_extension(mime_type) or ""
    upload = InputFile(data, filename=f"{parameters[field]}{extension}")
    return RequestData(
        [
            RequestParameter.from_input(name, value)
            for name, value in parameters.items()
            if name != field
        ]
        + [RequestParameter.from_input(field, upload)]
    )
