"""A local Bot API server on 127.0.0.1: the part of Telegram that Bolden uses, over real HTTP.

It answers with Telegram's envelopes and error codes (400 for bad requests, 401 for a wrong
token, 403 for a person who blocked the bot, 429 with retry_after past a configurable rate) and
lets simulated people (`SimulatedPerson`) type, press buttons and send photos and voice notes.
The end-to-end
tests and `bolden try` both run the real bot against it.

Tests make it misbehave as Telegram sometimes does, with switches (`Fault`): `fail` answers an
error code (5xx, 401) to the next requests, `hang` accepts a request (the message is delivered)
and then never answers, so the client times out, and `throttle` answers 429 for a while.

With a webhook set (setWebhook), updates are POSTed to it one at a time, in order, with the
secret header, and each is tried again, after a growing pause, until it is answered 2xx, as
Telegram does; getUpdates is then refused with 409. `repeat` delivers an update once more (as
Telegram does when it missed the answer) and `post_update` sends anything with any secret.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlencode

import aiohttp
from aiohttp import web

from bot.sandbox.entities import html_to_plain, telegram_length
from bot.sandbox.waiting import Waitable
from bot.services.exports import UPLOAD_LIMIT
from bot.web.initdata import signature

Json = dict[str, Any]
MAX_TEXT, MAX_CAPTION, MAX_CALLBACK_DATA, MAX_ANSWER, MAX_PLACEHOLDER = 4096, 1024, 64, 200, 64
# Parameters that stay strings even when they look like JSON ("42" sent as a message is text).
_STRING_PARAMETERS = {"text", "caption", "parse_mode", "callback_query_id", "language_code", "url"}
_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
_FAULTS = {
    401: "Unauthorized",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}
_SENDING = {
    "sendMessage", "sendPhoto", "sendVoice", "sendDocument", "editMessageText",
    "editMessageReplyMarkup",
}  # fmt: skip


_EDITABLE_FOR = 48 * 3600  # seconds: Telegram refuses to edit older messages
# Telegram waits longer between tries of an update the webhook refused; here the pauses are
# short so that tests stay quick, and grow the same way.
_WEBHOOK_FIRST_WAIT, _WEBHOOK_MAX_WAIT = 0.05, 1.0
_WEBHOOK_TIMEOUT = 60.0
_SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class ApiError(Exception):
    def __init__(
        self,
        code: int,
        description: str,
        retry_after: int | None = None,
        migrate_to_chat_id: int | None = None,
    ) -> None:
        super().__init__(description)
        self.code, self.description, self.retry_after = code, description, retry_after
        self.migrate_to_chat_id = migrate_to_chat_id


@dataclass
class StoredFile:
    file_id: str
    name: str
    data: bytes
    mime_type: str


@dataclass
class ChatMessage:
    """A message in a private chat, as the person sees it."""

    message_id: int
    chat_id: int
    from_bot: bool
    payload: Json
    html: str | None = None  # the text or caption as the bot sent it
    reply_markup: Json | None = None
    file: StoredFile | None = None
    edits: int = 0

    @property
    def text(self) -> str:
        """The visible text (or caption), without markup."""
        return str(self.payload.get("text") or self.payload.get("caption") or "")

    @property
    def buttons(self) -> list[Json]:
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [button for row in rows for button in row]

    def button(self, label: str) -> Json:
        for button in self.buttons:
            if label in button["text"]:
                return button
        raise AssertionError(f"no button {label!r} in {[b['text'] for b in self.buttons]}")


@dataclass
class Fault:
    """One switch a test flips: which requests go wrong, how, and for how many or how long.
    It applies to the methods that send (or only `method`), to any chat (or only `chats`)."""

    kind: Literal["fail", "hang", "throttle"]
    code: int = 500
    times: int | None = None  # how many more requests it hits; None: until `until` or `heal`
    until: float | None = None  # time.monotonic() after which it is over
    method: str | None = None
    chats: frozenset[int] | None = None
    retry_after: int = 1
    hits: int = 0

    def applies(self, method: str, chat_id: object) -> bool:
        if self.times is not None and self.hits >= self.times:
            return False
        if self.until is not None and time.monotonic() >= self.until:
            return False
        if method != self.method and (self.method is not None or method not in _SENDING):
            return False
        return self.chats is None or _chat(chat_id) in self.chats


@dataclass
class _Limiter:
    per_second: float | None
    sent: dict[object, deque[float]] = field(default_factory=lambda: defaultdict(deque))

    def check(self, key: object) -> None:
        if self.per_second is None:
            return
        now, window = time.monotonic(), self.sent[key]
        while window and now - window[0] >= 1:
            window.popleft()
        if len(window) >= self.per_second:
            raise ApiError(429, "Too Many Requests: retry after 1", retry_after=1)
        window.append(now)


class BotApiEmulator(Waitable):
    def __init__(
        self,
        token: str,
        *,
        username: str = "bolden_sandbox_bot",
        per_chat_rate: float | None = None,
        global_rate: float | None = None,
    ) -> None:
        super().__init__()
        self.token = token
        self.bot_user: Json = {
            "id": int(token.split(":")[0]),
            "is_bot": True,
            "first_name": "Bolden",
            "username": username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self.chats: dict[int, list[ChatMessage]] = defaultdict(list)
        self.people: dict[int, SimulatedPerson] = {}
        self.groups: dict[int, SimulatedGroup] = {}
        self.migrated: dict[int, int] = {}  # a group's old id: its supergroup's id
        self.requests: list[tuple[str, Json]] = []
        self.refusals: list[tuple[str, int]] = []  # (method, error code) of refused requests
        self.commands: dict[tuple[str, str], list[Json]] = {}
        self.callback_answers: dict[str, Json] = {}
        self.files: dict[str, StoredFile] = {}
        self.voices: dict[str, Json] = {}  # a voice note's file id: its duration and mime type
        self.blocked: set[int] = set()
        self.fail_once: set[int] = (
            set()
        )  # chats whose next message gets a 500, as Telegram sometimes does
        self.activity: dict[int, int] = defaultdict(int)  # bot actions per chat
        self.faults: list[Fault] = []
        self.unanswered: list[tuple[str, Json]] = []  # accepted, then left to time out (`hang`)
        self._updates: list[Json] = []
        self._sent_updates: dict[int, Json] = {}  # every update pushed, by id, for `repeat`
        self.webhook: Json | None = None  # what setWebhook set: url, secret_token
        # Each POST to the webhook: (update id, its answer's status; None: no answer).
        self.webhook_posts: list[tuple[int, int | None]] = []
        self._webhook_error: tuple[int, str] | None = None
        self._delivery: asyncio.Task[None] | None = None
        self._update_ids = itertools.count(1)
        self._ids = itertools.count(1)
        self._per_chat = _Limiter(per_chat_rate)
        self._global = _Limiter(global_rate)
        self._runner: web.AppRunner | None = None
        self.url = ""
        self.listeners: list[Callable[[str, ChatMessage | Json], None]] = []

    # -- the server ---------------------------------------------------------------------------

    async def start(self) -> BotApiEmulator:
        # Bots may upload files up to 50 MB; room for the form around the file too.
        app = web.Application(client_max_size=UPLOAD_LIMIT + 64 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        self._runner = web.AppRunner(app, access_log=None)  # the URL holds the token: never log it
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        """Answer the long polls that are still waiting, then shut the server down."""
        self._closing = True
        await self._notify()
        if self._delivery is not None:
            self._delivery.cancel()
            with suppress(asyncio.CancelledError):
                await self._delivery
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> BotApiEmulator:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.match_info["token"] != self.token:
            return _error(ApiError(401, "Unauthorized"))
        handler: Callable[[Json], Awaitable[Any]] | None = getattr(self, f"_api_{method}", None)
        if handler is None:
            return _error(ApiError(404, "Not Found"))
        params = await _parameters(request, self)
        self.requests.append((method, params))
        fault = self._fault(method, params.get("chat_id"))
        try:
            if fault is not None and fault.kind != "hang":
                wait = fault.retry_after if fault.kind == "throttle" else None
                raise ApiError(fault.code, _FAULTS.get(fault.code, "Error"), wait)
            if method in _SENDING:
                self._global.check("all")
                self._per_chat.check(params.get("chat_id"))
                self._fail_once(params.get("chat_id"))
            result = await handler(params)
        except ApiError as error:
            self.refusals.append((method, error.code))
            return _error(error)
        finally:
            await self._notify()
        if fault is not None:  # accepted and done, but the answer never comes
            self.unanswered.append((method, params))
            await self._hold()
        return web.json_response({"ok": True, "result": result})

    # -- faults -------------------------------------------------------------------------------

    def fail(
        self,
        code: int = 500,
        times: int | None = 1,
        *,
        method: str | None = None,
        chats: set[int] | None = None,
    ) -> Fault:
        """Answer `code` (500, 502, 401 …) to the next `times` requests (None: until healed)."""
        return self._add(Fault("fail", code, times, method=method, chats=_frozen(chats)))

    def hang(
        self, times: int | None = 1, *, method: str | None = None, chats: set[int] | None = None
    ) -> Fault:
        """Accept the next `times` requests (the message is delivered) and never answer them:
        the client times out not knowing that it arrived."""
        return self._add(Fault("hang", 0, times, method=method, chats=_frozen(chats)))

    def throttle(
        self,
        seconds: float,
        retry_after: int = 1,
        *,
        method: str | None = None,
        chats: set[int] | None = None,
    ) -> Fault:
        """Answer 429 with `retry_after` to every request for `seconds`."""
        until = time.monotonic() + seconds
        fault = Fault("throttle", 429, None, until, method, _frozen(chats), retry_after)
        return self._add(fault)

    def heal(self, fault: Fault) -> None:
        """Switch a fault off before it runs out."""
        if fault in self.faults:
            self.faults.remove(fault)

    def _add(self, fault: Fault) -> Fault:
        self.faults.append(fault)
        return fault

    def _fault(self, method: str, chat_id: object) -> Fault | None:
        for fault in self.faults:
            if fault.applies(method, chat_id):
                fault.hits += 1
                return fault
        return None

    async def _download(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.Response(status=401)
        file_id = request.match_info["path"].rsplit("/", 1)[-1]
        stored = self.files.get(file_id)
        if stored is None:
            return web.Response(status=404)
        return web.Response(body=stored.data, content_type=stored.mime_type)

    # -- what people do -----------------------------------------------------------------------

    def person(
        self, user_id: int, first_name: str, language_code: str | None = "da", **extra: Any
    ) -> SimulatedPerson:
        person = SimulatedPerson(
            self, {"id": user_id, "is_bot": False, "first_name": first_name, **extra}, language_code
        )
        self.people[user_id] = person
        return person

    def group(self, chat_id: int, title: str) -> SimulatedGroup:
        """A group chat the bot is a member of; people in it type and press buttons."""
        group = SimulatedGroup(self, chat_id, title)
        self.groups[chat_id] = group
        return group

    def chat(self, chat_id: int) -> Json:
        return self.groups[chat_id].chat if chat_id in self.groups else self.people[chat_id].chat

    def next_message_id(self) -> int:
        return next(self._ids)

    @property
    def pending(self) -> int:
        """Updates pushed that the bot has not yet confirmed having received (by the offset of
        its next getUpdates, or by answering the webhook's POST with 2xx)."""
        return len(self._updates)

    def delete(self, message: ChatMessage) -> None:
        """The person deletes a message from the chat: it can no longer be edited."""
        self.chats[message.chat_id].remove(message)

    def age(self, message: ChatMessage, hours: float) -> None:
        """Make a message `hours` older: past 48 hours Telegram refuses to edit it."""
        message.payload["date"] = int(message.payload["date"] - hours * 3600)

    async def push_update(self, update: Json) -> int:
        update_id = next(self._update_ids)
        self._updates.append({"update_id": update_id, **update})
        self._sent_updates[update_id] = self._updates[-1]
        await self._notify()
        return update_id

    # -- the webhook ----------------------------------------------------------------------------

    async def _deliver_updates(self) -> None:
        """POST the oldest update to the webhook until it is answered 2xx, then the next."""
        wait = _WEBHOOK_FIRST_WAIT
        timeout = aiohttp.ClientTimeout(total=_WEBHOOK_TIMEOUT)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            while True:
                async with self._changed:
                    await self._changed.wait_for(lambda: bool(self.webhook and self._updates))
                assert self.webhook is not None
                update = self._updates[0]
                status = await self._post(session, update, self.webhook.get("secret_token"))
                if status is not None and 200 <= status < 300:
                    if self._updates and self._updates[0] is update:
                        self._updates.pop(0)
                    wait = _WEBHOOK_FIRST_WAIT
                    await self._notify()
                    continue
                problem = "Connection refused" if status is None else f"Wrong response: {status}"
                self._webhook_error = (int(time.time()), problem)
                await asyncio.sleep(wait)  # a pause before the next try, as Telegram makes
                wait = min(wait * 2, _WEBHOOK_MAX_WAIT)

    async def _post(
        self, session: aiohttp.ClientSession, update: Json, secret: str | None
    ) -> int | None:
        assert self.webhook is not None
        headers = {_SECRET_HEADER: secret} if secret is not None else {}
        try:
            async with session.post(self.webhook["url"], json=update, headers=headers) as answer:
                status: int | None = answer.status
        except (aiohttp.ClientError, TimeoutError):
            status = None
        self.webhook_posts.append((update["update_id"], status))
        await self._notify()
        return status

    @property
    def last_update_id(self) -> int:
        """The id of the update pushed last."""
        return max(self._sent_updates)

    async def repeat(self, update_id: int) -> int | None:
        """Deliver an update to the webhook once more, as Telegram does when it did not get
        the answer to it; returns the webhook's answer (None: no answer)."""
        assert self.webhook is not None, "no webhook is set"
        return await self.post_update(self._sent_updates[update_id], self.webhook["secret_token"])

    async def post_update(self, update: Json, secret: str | None) -> int | None:
        """POST one update to the webhook with this secret (None: without the header)."""
        assert self.webhook is not None, "no webhook is set"
        async with aiohttp.ClientSession() as session:
            return await self._post(session, update, secret)

    def posts_of(self, update_id: int) -> list[int | None]:
        """The webhook's answers to each delivery of this update, in order."""
        return [status for posted, status in self.webhook_posts if posted == update_id]

    # -- the Bot API methods ------------------------------------------------------------------

    async def _api_getMe(self, params: Json) -> Json:
        return self.bot_user

    async def _api_setWebhook(self, params: Json) -> bool:
        url = str(params.get("url") or "")
        if not url:
            return await self._api_deleteWebhook(params)
        loopback = re.match(r"^http://(127\.0\.0\.1|localhost)(:\d+)?/", url)
        if not url.startswith("https://") and not loopback:
            raise ApiError(
                400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
            )
        secret = params.get("secret_token")
        if secret is not None and not _SECRET.match(str(secret)):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        if params.get("drop_pending_updates"):
            self._updates.clear()
        self.webhook = {
            "url": url,
            "secret_token": None if secret is None else str(secret),
            "allowed_updates": params.get("allowed_updates"),
        }
        if self._delivery is None:
            self._delivery = asyncio.create_task(self._deliver_updates(), name="webhook delivery")
        return True

    async def _api_deleteWebhook(self, params: Json) -> bool:
        self.webhook = None
        self._webhook_error = None
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _api_getWebhookInfo(self, params: Json) -> Json:
        info: Json = {
            "url": self.webhook["url"] if self.webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self.webhook and self.webhook["allowed_updates"] is not None:
            info["allowed_updates"] = self.webhook["allowed_updates"]
        if self.webhook and self._webhook_error:
            info["last_error_date"], info["last_error_message"] = self._webhook_error
        return info

    async def _api_getUpdates(self, params: Json) -> list[Json]:
        if self.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = int(params.get("offset") or 0)
        if offset:
            confirmed = len(self._updates)
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            if len(self._updates) < confirmed:
                await self._notify()  # `pending` changed
        timeout = float(params.get("timeout") or 0)
        if not self._updates and timeout > 0:
            try:
                async with self._changed:
                    await asyncio.wait_for(
                        self._changed.wait_for(lambda: bool(self._updates) or self._closing),
                        timeout,
                    )
            except TimeoutError:
                pass
        return self._updates[: int(params.get("limit") or 100)]

    async def _api_sendMessage(self, params: Json) -> Json:
        chat_id = self._reachable_chat(params)
        text = _text(params)
        return self._deliver(chat_id, {"text": text}, params, html=params.get("text"))

    async def _api_sendPhoto(self, params: Json) -> Json:
        chat_id = self._reachable_chat(params)
        stored = self._file(params, "photo", "image/jpeg")
        sizes = [
            {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_id,
                "width": 800,
                "height": 600,
            }
        ]
        content: Json = {"photo": sizes}
        content.update(_caption(params))
        return self._deliver(chat_id, content, params, html=params.get("caption"), file=stored)

    async def _api_sendVoice(self, params: Json) -> Json:
        chat_id = self._reachable_chat(params)
        stored = self._file(params, "voice", "audio/ogg")
        voice = self.voices.get(stored.file_id, {"duration": 0})
        content: Json = {
            "voice": {**voice, "file_id": stored.file_id, "file_unique_id": stored.file_id}
        }
        content.update(_caption(params))
        return self._deliver(chat_id, content, params, html=params.get("caption"), file=stored)

    async def _api_sendDocument(self, params: Json) -> Json:
        chat_id = self._reachable_chat(params)
        stored = self._file(params, "document", "application/octet-stream")
        content: Json = {
            "document": {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_id,
                "file_name": stored.name,
                "mime_type": stored.mime_type,
                "file_size": len(stored.data),
            }
        }
        content.update(_caption(params))
        return self._deliver(chat_id, content, params, html=params.get("caption"), file=stored)

    async def _api_editMessageText(self, params: Json) -> Json:
        message = self._editable(params)
        if "text" not in message.payload:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        text = _text(params)
        markup = _markup(params)
        if text == message.text and markup == message.reply_markup:
            raise ApiError(400, _NOT_MODIFIED)
        message.payload["text"], message.html, message.reply_markup = (
            text,
            params.get("text"),
            markup,
        )
        return self._edited(message)

    async def _api_editMessageReplyMarkup(self, params: Json) -> Json:
        message = self._editable(params)
        markup = _markup(params)
        if markup == message.reply_markup:
            raise ApiError(400, _NOT_MODIFIED)
        message.reply_markup = markup
        return self._edited(message)

    async def _api_answerCallbackQuery(self, params: Json) -> bool:
        query_id = str(params.get("callback_query_id"))
        if query_id not in self.callback_answers or self.callback_answers[query_id]:
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        if len(str(params.get("text") or "")) > MAX_ANSWER:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        self.callback_answers[query_id] = {
            "text": params.get("text"),
            "show_alert": bool(params.get("show_alert")),
            "answered": True,
        }
        chat_id = int(query_id.split("-")[0])
        self.activity[chat_id] += 1
        for listener in self.listeners:
            listener("answer", {"chat_id": chat_id, **self.callback_answers[query_id]})
        return True

    async def _api_setMyCommands(self, params: Json) -> bool:
        scope = params.get("scope") or {}
        if "chat_id" in scope and int(scope["chat_id"]) not in self.people:
            raise ApiError(400, "Bad Request: chat not found")
        commands = params.get("commands") or []
        for command in commands:
            name, description = str(command.get("command", "")), str(command.get("description", ""))
            if not (1 <= len(name) <= 32 and name.islower() and name.replace("_", "").isalnum()):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= 256:
                raise ApiError(400, "Bad Request: command description must be 1-256 characters")
        self.commands[_scope_key(params)] = commands
        return True

    async def _api_deleteMyCommands(self, params: Json) -> bool:
        self.commands.pop(_scope_key(params), None)
        return True

    async def _api_getMyCommands(self, params: Json) -> list[Json]:
        return self.commands.get(_scope_key(params), [])

    async def _api_getFile(self, params: Json) -> Json:
        stored = self.files.get(str(params.get("file_id")))
        if stored is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_id,
            "file_size": len(stored.data),
            "file_path": f"files/{stored.file_id}",
        }

    # -- helpers ------------------------------------------------------------------------------

    def _fail_once(self, chat_id: object) -> None:
        chat = _chat(chat_id)
        if chat is not None and chat in self.fail_once:
            self.fail_once.discard(chat)
            raise ApiError(500, "Internal Server Error")

    def store_file(self, name: str, data: bytes, mime_type: str) -> StoredFile:
        stored = StoredFile(f"file-{self.next_message_id()}", name, data, mime_type)
        self.files[stored.file_id] = stored
        return stored

    def _reachable_chat(self, params: Json) -> int:
        try:
            chat_id = int(params.get("chat_id"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise ApiError(400, "Bad Request: chat not found") from None
        if chat_id in self.migrated:
            raise ApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                migrate_to_chat_id=self.migrated[chat_id],
            )
        if chat_id in self.groups:
            if self.groups[chat_id].bot_removed:
                raise ApiError(403, "Forbidden: bot was kicked from the group chat")
            return chat_id
        if chat_id not in self.people:
            raise ApiError(400, "Bad Request: chat not found")
        if chat_id in self.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat_id

    def _file(self, params: Json, name: str, mime_type: str) -> StoredFile:
        value = params.get(name)
        if isinstance(value, StoredFile):
            return value
        if isinstance(value, str) and value in self.files:
            return self.files[value]
        raise ApiError(400, f"Bad Request: wrong file identifier/HTTP URL specified for {name}")

    def _deliver(
        self,
        chat_id: int,
        content: Json,
        params: Json,
        html: object,
        file: StoredFile | None = None,
    ) -> Json:
        markup = _markup(params)
        message_id = self.next_message_id()
        payload: Json = {
            "message_id": message_id,
            "from": self.bot_user,
            "chat": self.chat(chat_id),
            "date": int(time.time()),
            **content,
        }
        if markup and "inline_keyboard" in markup:  # as in Telegram: a message shows only these
            payload["reply_markup"] = markup
        message = ChatMessage(
            message_id,
            chat_id,
            True,
            payload,
            html if isinstance(html, str) else None,
            markup,
            file,
        )
        self.chats[chat_id].append(message)
        self.activity[chat_id] += 1
        for listener in self.listeners:
            listener("message", message)
        return payload

    def _editable(self, params: Json) -> ChatMessage:
        chat_id, message_id = params.get("chat_id"), params.get("message_id")
        for message in self.chats.get(int(chat_id or 0), []):
            if message.message_id == int(message_id or 0):
                too_old = time.time() - message.payload["date"] > _EDITABLE_FOR
                if not message.from_bot or too_old:
                    raise ApiError(400, "Bad Request: message can't be edited")
                return message
        raise ApiError(400, "Bad Request: message to edit not found")

    def _edited(self, message: ChatMessage) -> Json:
        message.edits += 1
        message.payload["edit_date"] = int(time.time())
        if message.reply_markup:
            message.payload["reply_markup"] = message.reply_markup
        else:
            message.payload.pop("reply_markup", None)
        self.activity[message.chat_id] += 1
        for listener in self.listeners:
            listener("edit", message)
        return message.payload


class SimulatedPerson:
    """Someone in a private chat with the bot: types, presses buttons, sends photos, blocks."""

    def __init__(self, emulator: BotApiEmulator, user: Json, language_code: str | None) -> None:
        self.emulator = emulator
        self.user = {**user, **({"language_code": language_code} if language_code else {})}
        self.id: int = user["id"]
        self.chat: Json = {"id": self.id, "type": "private", "first_name": user["first_name"]}
        self._queries = itertools.count(1)

    def init_data(self, auth_date: float | None = None) -> str:
        """What Telegram hands a Mini App this person opens from the bot: who they are, when,
        signed with the bot's token (core.telegram.org/bots/webapps)."""
        fields = {
            "query_id": f"AA{self.id}",
            "user": json.dumps(self.user, separators=(",", ":"), ensure_ascii=False),
            "auth_date": str(int(time.time() if auth_date is None else auth_date)),
        }
        fields["hash"] = signature(self.emulator.token, fields)
        return urlencode(fields)

    @property
    def messages(self) -> list[ChatMessage]:
        """What the bot sent to this person, oldest first."""
        return [m for m in self.emulator.chats[self.id] if m.from_bot]

    @property
    def last(self) -> ChatMessage:
        return self.messages[-1]

    @property
    def keyboard(self) -> Json | None:
        """The reply keyboard shown in place of the letters now: the latest one the bot sent,
        until a message removes it."""
        for message in reversed(self.messages):
            markup = message.reply_markup or {}
            if markup.get("remove_keyboard"):
                return None
            if "keyboard" in markup:
                return markup
        return None

    async def block(self) -> None:
        """Block the bot; like Telegram, tell the bot with a my_chat_member update."""
        self.emulator.blocked.add(self.id)
        await self._membership("member", "kicked")

    async def unblock(self) -> None:
        self.emulator.blocked.discard(self.id)
        await self._membership("kicked", "member")

    async def _membership(self, old: str, new: str) -> None:
        bot = self.emulator.bot_user
        change = {
            "chat": self.chat,
            "from": self.user,
            "date": int(time.time()),
            "old_chat_member": {"user": bot, "status": old, "until_date": 0},
            "new_chat_member": {"user": bot, "status": new, "until_date": 0},
        }
        await self.emulator.push_update({"my_chat_member": change})

    async def send(self, text: str, *, wait: bool = True) -> ChatMessage:
        """Type a message; returns the bot's next message to this person."""
        content: Json = {"text": text}
        if text.startswith("/"):
            content["entities"] = [
                {"type": "bot_command", "offset": 0, "length": len(text.split()[0])}
            ]
        return await self._message(content, wait)

    async def send_photo(
        self, data: bytes = b"\xff\xd8\xff photo", caption: str | None = None
    ) -> ChatMessage:
        stored = self.emulator.store_file("photo.jpg", data, "image/jpeg")
        content: Json = {
            "photo": [
                {
                    "file_id": stored.file_id,
                    "file_unique_id": stored.file_id,
                    "width": 800,
                    "height": 600,
                    "file_size": len(data),
                }
            ]
        }
        if caption:
            content["caption"] = caption
        return await self._message(content, True)

    async def send_voice(
        self, seconds: int, caption: str | None = None, *, wait: bool = True
    ) -> ChatMessage:
        """Record and send a voice note `seconds` long."""
        stored = self.emulator.store_file("voice.ogg", b"OggS voice", "audio/ogg")
        voice: Json = {"duration": seconds, "mime_type": "audio/ogg", "file_size": len(stored.data)}
        self.emulator.voices[stored.file_id] = voice
        content: Json = {
            "voice": {**voice, "file_id": stored.file_id, "file_unique_id": stored.file_id}
        }
        if caption:
            content["caption"] = caption
        return await self._message(content, wait)

    async def press(self, message: ChatMessage, label: str) -> ChatMessage:
        """Press the button whose label contains `label`; returns the edited message, or the
        bot's next message to this person (or, for a group's message, in that group)."""
        chats = self.emulator.chats
        where = chats[message.chat_id] if message.chat_id != self.id else []
        before, edits, elsewhere = len(self.messages), message.edits, len(where)
        await self.press_data(message, str(message.button(label)["callback_data"]))
        await self.emulator.wait_for(
            lambda: message.edits > edits or len(self.messages) > before or len(where) > elsewhere,
            what=f"an answer to pressing {label!r}",
        )
        if message.edits > edits:
            return message
        return self.messages[before] if len(self.messages) > before else where[elsewhere]

    async def send_location(self, latitude: float, longitude: float) -> ChatMessage:
        """Share a location with Telegram's attachment menu."""
        return await self._message(
            {"location": {"latitude": latitude, "longitude": longitude}}, True
        )

    async def share(self, content: Json, *, wait: bool = True) -> ChatMessage:
        """Send any message content (a voice note, a sticker, a document, a contact …); returns
        the bot's next message to this person, or without `wait` the message sent."""
        return await self._message(content, wait)

    async def edit(self, message: ChatMessage, text: str) -> None:
        """Change the text of a message this person sent; Telegram tells the bot."""
        message.payload.update(text=text, edit_date=int(time.time()))
        await self.emulator.push_update({"edited_message": message.payload})

    async def press_data(self, message: ChatMessage, data: str) -> Json:
        """Send a button press with any data (a forged one too); returns the bot's answer to it."""
        query_id = await self.tap(message, data)
        await self.emulator.wait_for(
            lambda: bool(self.emulator.callback_answers[query_id]),
            what=f"an answer to the press {data!r}",
        )
        return self.emulator.callback_answers[query_id]

    async def tap(self, message: ChatMessage, data: str) -> str:
        """Press without waiting; returns the callback query id."""
        query_id = f"{self.id}-{next(self._queries)}"
        self.emulator.callback_answers[query_id] = {}
        query = {
            "id": query_id,
            "from": self.user,
            "message": message.payload,
            "chat_instance": str(message.chat_id),
            "data": data,
        }
        await self.emulator.push_update({"callback_query": query})
        return query_id

    async def tap_inline(self, data: str) -> str:
        """Press a button of an inline message (sent through the bot in another chat): the
        press names no message, only an inline message id. Returns the callback query id."""
        query_id = f"{self.id}-{next(self._queries)}"
        self.emulator.callback_answers[query_id] = {}
        query = {
            "id": query_id,
            "from": self.user,
            "inline_message_id": f"inline-{query_id}",
            "chat_instance": "inline",
            "data": data,
        }
        await self.emulator.push_update({"callback_query": query})
        return query_id

    async def _message(self, content: Json, wait: bool) -> ChatMessage:
        before = len(self.messages)
        payload: Json = {
            "message_id": self.emulator.next_message_id(),
            "from": self.user,
            "chat": self.chat,
            "date": int(time.time()),
            **content,
        }
        self.emulator.chats[self.id].append(
            ChatMessage(payload["message_id"], self.id, False, payload)
        )
        await self.emulator.push_update({"message": payload})
        if not wait:
            return self.emulator.chats[self.id][-1]
        await self.emulator.wait_for(
            lambda: len(self.messages) > before, what=f"a reply to {content}"
        )
        return self.messages[before]


class SimulatedGroup:
    """A group chat where an action network works: members type commands and press buttons."""

    def __init__(
        self, emulator: BotApiEmulator, chat_id: int, title: str, kind: str = "group"
    ) -> None:
        self.emulator = emulator
        self.id = chat_id
        self.chat: Json = {"id": chat_id, "type": kind, "title": title}
        self.bot_removed = False

    async def post(self, person: SimulatedPerson, text: str) -> Json:
        """`person` types in the group, without waiting for an answer; returns the message."""
        payload: Json = {
            "message_id": self.emulator.next_message_id(),
            "from": person.user,
            "chat": self.chat,
            "date": int(time.time()),
            "text": text,
        }
        if text.startswith("/"):
            length = len(text.split()[0])
            payload["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        self.emulator.chats[self.id].append(
            ChatMessage(payload["message_id"], self.id, False, payload)
        )
        await self.emulator.push_update({"message": payload})
        return payload

    async def upgrade(self, person: SimulatedPerson, new_id: int) -> SimulatedGroup:
        """`person` makes the group a supergroup, as Telegram does: a new chat id, a last
        message in the old group and a first one in the new, and sends to the old id refused
        with the new one named."""
        supergroup = SimulatedGroup(self.emulator, new_id, self.chat["title"], "supergroup")
        self.emulator.groups[new_id] = supergroup
        self.emulator.migrated[self.id] = new_id
        for chat, note in (
            (self.chat, "migrate_to_chat_id"),
            (supergroup.chat, "migrate_from_chat_id"),
        ):
            moved = {
                "message_id": self.emulator.next_message_id(),
                "from": person.user,
                "chat": chat,
                "date": int(time.time()),
                note: new_id if note == "migrate_to_chat_id" else self.id,
            }
            await self.emulator.push_update({"message": moved})
        return supergroup

    @property
    def messages(self) -> list[ChatMessage]:
        """What the bot posted in the group, oldest first."""
        return [m for m in self.emulator.chats[self.id] if m.from_bot]

    async def send(self, person: SimulatedPerson, text: str) -> ChatMessage:
        """`person` types in the group; returns the bot's next message in the group."""
        before = len(self.messages)
        await self.post(person, text)
        await self.emulator.wait_for(
            lambda: len(self.messages) > before, what=f"a reply in {self.chat['title']}"
        )
        return self.messages[before]


async def _parameters(request: web.Request, emulator: BotApiEmulator) -> Json:
    """Form fields as PTB sends them: JSON-encoded values, files as multipart parts."""
    if request.content_type == "application/json":
        body: Json = await request.json()
        return body
    raw: dict[str, Any] = dict(request.query)
    form = await request.post()
    for name, field_value in form.items():
        if isinstance(field_value, web.FileField):
            raw[name] = emulator.store_file(
                field_value.filename or name, field_value.file.read(), field_value.content_type
            )
        else:
            raw[name] = field_value
    params: Json = {}
    for name, value in raw.items():
        decoded: Any = value
        if isinstance(value, str) and value.startswith("attach://"):
            decoded = raw.get(value.removeprefix("attach://"))
        elif isinstance(value, str) and name not in _STRING_PARAMETERS:
            with suppress(ValueError):
                decoded = json.loads(value)
        params[name] = decoded
    return params


def _visible(text: object, parse_mode: object, limit: int, what: str) -> str:
    if not isinstance(text, str) or not text.strip():
        raise ApiError(400, f"Bad Request: {what} text is empty")
    if parse_mode == "HTML":
        try:
            text = html_to_plain(text)
        except ValueError as error:
            raise ApiError(400, f"Bad Request: can't parse entities: {error}") from None
    assert isinstance(text, str)
    if telegram_length(text) > limit:
        raise ApiError(400, f"Bad Request: {what} is too long")
    return text


def _text(params: Json) -> str:
    return _visible(params.get("text"), params.get("parse_mode"), MAX_TEXT, "message")


def _caption(params: Json) -> Json:
    if not params.get("caption"):
        return {}
    caption = _visible(params["caption"], params.get("parse_mode"), MAX_CAPTION, "message caption")
    return {"caption": caption}


def _markup(params: Json) -> Json | None:
    markup = params.get("reply_markup")
    if not markup:
        return None
    for row in markup.get("inline_keyboard", []):
        for button in row:
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
            if not button.get("text"):
                raise ApiError(
                    400, "Bad Request: text buttons are unallowed in the inline keyboard"
                )
            if "web_app" in button:
                _web_app(button["web_app"], params.get("chat_id"))
    if any(not button.get("text") for row in markup.get("keyboard", []) for button in row):
        raise ApiError(400, "Bad Request: keyboard button text is empty")
    placeholder = markup.get("input_field_placeholder")
    if placeholder is not None and not 1 <= len(str(placeholder)) <= MAX_PLACEHOLDER:
        raise ApiError(400, "Bad Request: input field placeholder must be 1-64 characters")
    result: Json = markup
    return result


def _web_app(info: Json, chat_id: object) -> None:
    """As Telegram: a Mini App button only in a private chat, and only to an https address."""
    chat = _chat(chat_id)
    if chat is not None and chat < 0:
        raise ApiError(400, "Bad Request: BUTTON_TYPE_INVALID")
    url = str(info.get("url", ""))
    if not url.startswith("https://"):
        raise ApiError(
            400,
            f"Bad Request: inline keyboard button Web App URL '{url}' is invalid: "
            "Only HTTPS links are allowed",
        )


def _scope_key(params: Json) -> tuple[str, str]:
    scope = params.get("scope") or {"type": "default"}
    where = scope["type"] + (f":{scope['chat_id']}" if "chat_id" in scope else "")
    return where, str(params.get("language_code") or "")


def _chat(chat_id: object) -> int | None:
    try:
        return int(str(chat_id))
    except ValueError:
        return None


def _frozen(chats: set[int] | None) -> frozenset[int] | None:
    return None if chats is None else frozenset(chats)


def _error(error: ApiError) -> web.Response:
    body: Json = {"ok": False, "error_code": error.code, "description": error.description}
    if error.retry_after is not None:
        body["parameters"] = {"retry_after": error.retry_after}
    if error.migrate_to_chat_id is not None:
        body["parameters"] = {"migrate_to_chat_id": error.migrate_to_chat_id}
    return web.json_response(body, status=error.code)
