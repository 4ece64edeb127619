"""A local Graph API server on 127.0.0.1: the part of Meta's Messenger Platform that Bolden uses,
over real HTTP, next to the Bot API emulator (bot/sandbox/emulator.py), in its shape.

It serves the Send API (`/me/messages`), attachment uploads (`/me/message_attachments`), people's
names (`/{psid}`), the page (`/me`) and the Messenger Profile API (`/me/messenger_profile`), with
Meta's limits and error envelope (`{"error": {"message", "type", "code", "error_subcode",
"fbtrace_id"}}`): 190 for a wrong token, 100 for a broken limit, 10/2018278 outside the 24-hour
window (kept on the clock it is given, the tests' FakeClock), 551/1545041 for a person who blocked
the page, 613 when throttled.

Simulated Messenger people (`SimulatedMessengerPerson`) type, tap quick replies, press template
buttons and the persistent menu, send photos and voice notes and open m.me links: each act is a
webhook POST to the bot, signed as Meta signs it (`X-Hub-Signature-256`), tried again after a
growing pause until it is answered 2xx. Tests make it misbehave with the same switches (`Fault`)
as the Bot API emulator: `fail`, `hang` and `throttle`, and `stall` (a slow Meta: a request
waits until the test heals it).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import re
import secrets
import time
from collections import defaultdict
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web

from bot.clock import Clock, utc_now
from bot.sandbox.waiting import Waitable

Json = dict[str, Any]
VERSION = "v25.0"
MAX_TEXT, MAX_TEMPLATE_TEXT, MAX_TITLE, MAX_PAYLOAD = 2000, 640, 20, 1000
MAX_BUTTONS, MAX_QUICK_REPLIES = 3, 13
MAX_MENU_ITEMS, MAX_MENU_TITLE, MAX_GREETING = 20, 30, 160
MAX_UPLOAD = 25 * 1024 * 1024
WINDOW = timedelta(hours=24)
HUMAN_AGENT_WINDOW = timedelta(days=7)
MESSAGING_TYPES = {"RESPONSE", "UPDATE", "MESSAGE_TAG"}
TAGS = {"CONFIRMED_EVENT_UPDATE", "POST_PURCHASE_UPDATE", "ACCOUNT_UPDATE", "HUMAN_AGENT"}
SENDER_ACTIONS = {"typing_on", "typing_off", "mark_seen"}
MEDIA = {"image", "audio", "video", "file"}
_MESSAGE_KEYS = {"text", "attachment", "quick_replies", "metadata"}
_PROFILE_FIELDS = {"get_started", "persistent_menu", "greeting"}
# Meta tries a failed delivery again for hours; here the pauses are short so that tests stay
# quick, and grow the same way. A delivery never answered 2xx fails the test after a while.
_WEBHOOK_FIRST_WAIT, _WEBHOOK_MAX_WAIT, _WEBHOOK_GIVE_UP = 0.05, 1.0, 30.0
_WEBHOOK_TIMEOUT = 20.0
_URL = re.compile(r"^https?://[^\s/]+")

Endpoint = Literal["messages", "message_attachments", "messenger_profile", "person", "page"]


class Refusal(Exception):
    """A refusal in Meta's envelope."""

    def __init__(
        self, code: int, message: str, subcode: int | None = None, status: int = 400
    ) -> None:
        super().__init__(message)
        self.code, self.message, self.subcode, self.status = code, message, subcode, status


def _invalid(message: str, subcode: int | None = None) -> Refusal:
    return Refusal(100, f"(#100) {message}", subcode)


@dataclass
class Upload:
    attachment_id: str
    kind: str
    data: bytes
    name: str
    mime_type: str


@dataclass
class MessengerMessage:
    """A message the page sent a person, as Messenger shows it."""

    mid: str
    psid: str
    messaging_type: str
    tag: str | None
    time: datetime
    raw: Json  # the `message` object as the bot sent it
    text: str = ""  # the text, or the button template's text
    quick_replies: list[Json] = field(default_factory=list)
    buttons: list[Json] = field(default_factory=list)  # the button template's, as sent
    attachment_type: str | None = None  # image | audio | video | file
    attachment: bytes | None = None
    attachment_name: str | None = None

    @property
    def labels(self) -> list[str]:
        """The titles of its buttons, then of its quick replies."""
        return [str(choice["title"]) for choice in self.choices]

    @property
    def choices(self) -> list[Json]:
        return self.buttons + self.quick_replies

    def button(self, label: str) -> Json:
        return _choice(self.buttons, label, "button")

    def quick_reply(self, label: str) -> Json:
        return _choice(self.quick_replies, label, "quick reply")


def _choice(choices: list[Json], label: str, what: str) -> Json:
    exact = [choice for choice in choices if choice.get("title") == label]
    found = exact or [choice for choice in choices if label in str(choice.get("title", ""))]
    if not found:
        raise AssertionError(f"no {what} {label!r} in {[c.get('title') for c in choices]}")
    return found[0]


@dataclass
class Fault:
    """One switch a test flips: which requests go wrong, how, and for how many or how long.
    It applies to the Send API (or only `endpoint`), to anyone (or only `people`)."""

    kind: Literal["fail", "hang", "throttle", "stall"]
    status: int = 500
    code: int = 2
    subcode: int | None = None
    message: str = "An unexpected error has occurred. Please retry your request later."
    times: int | None = None  # how many more requests it hits; None: until `until` or `heal`
    until: float | None = None  # time.monotonic() after which it is over
    endpoint: str | None = None
    people: frozenset[str] | None = None
    hits: int = 0
    released: asyncio.Event = field(default_factory=asyncio.Event)  # healed: stalls go on

    def applies(self, endpoint: str, psid: str | None) -> bool:
        if self.times is not None and self.hits >= self.times:
            return False
        if self.until is not None and time.monotonic() >= self.until:
            return False
        if endpoint != (self.endpoint or "messages"):
            return False
        return self.people is None or psid in self.people


class GraphApiEmulator(Waitable):
    def __init__(
        self,
        page_token: str,
        app_secret: str,
        clock: Clock | None = None,
        page_id: str = "1000",
        page_username: str = "boldenfredericia",
    ) -> None:
        super().__init__()
        self.page_token = page_token
        self.app_secret = app_secret
        self.clock: Clock = clock or utc_now
        self.page: Json = {"id": page_id, "name": "Bolden", "username": page_username}
        self.people: dict[str, SimulatedMessengerPerson] = {}
        self.sent: dict[str, list[MessengerMessage]] = defaultdict(list)  # by psid
        self.actions: dict[str, list[str]] = defaultdict(list)  # sender actions, by psid
        self.activity: dict[str, int] = defaultdict(int)  # accepted sends and actions, by psid
        self.uploads: dict[str, Upload] = {}
        self.files: dict[str, tuple[bytes, str]] = {}  # what people send, by name: data, type
        self.profile: Json = {}  # the Messenger Profile: get_started, persistent_menu, greeting
        self.requests: list[tuple[str, Json]] = []  # (endpoint, body or query) of each call
        self.refusals: list[tuple[str, int, int | None]] = []  # (endpoint, code, subcode)
        self.blocked: set[str] = set()
        self.faults: list[Fault] = []
        self.unanswered: list[tuple[str, Json]] = []  # accepted, then left to time out (`hang`)
        self.webhook: str | None = None  # the bot's address, once it passed the handshake
        # Each POST to the webhook: (the mids and postbacks it carried, its answer's status;
        # None: no answer).
        self.webhook_posts: list[tuple[list[str], int | None]] = []
        self.webhook_timeout = _WEBHOOK_TIMEOUT
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self.root = ""  # http://127.0.0.1:<port>
        self.url = ""  # the Graph API's base: <root>/v25.0

    # -- the server ---------------------------------------------------------------------------

    async def start(self) -> GraphApiEmulator:
        app = web.Application(client_max_size=MAX_UPLOAD + 1024 * 1024)  # a too big file: 100
        base = f"/{VERSION}"
        app.router.add_post(base + "/{node}/messages", self._messages)
        app.router.add_post(base + "/{node}/message_attachments", self._attachments)
        app.router.add_route("*", base + "/{node}/messenger_profile", self._messenger_profile)
        app.router.add_get(base + "/{node}", self._node)
        app.router.add_get("/files/{name}", self._file)
        self._runner = web.AppRunner(app, access_log=None)  # the URL holds the token: never log it
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.root = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        self.url = f"{self.root}/{VERSION}"
        self._session = aiohttp.ClientSession()
        return self

    async def stop(self) -> None:
        self._closing = True
        for fault in self.faults:
            fault.released.set()
        await self._notify()
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> GraphApiEmulator:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _answer(
        self,
        request: web.Request,
        endpoint: Endpoint,
        psid: str | None,
        act: Callable[[], Any],
    ) -> web.Response:
        """Check the token and the faults, then act: Meta's envelope for any refusal."""
        hung: Fault | None = None
        try:
            if request.query.get("access_token") != self.page_token:
                raise Refusal(
                    190, "Invalid OAuth access token - Cannot parse access token", status=400
                )
            fault = self._fault(endpoint, psid)
            if fault is not None and fault.kind == "stall":
                await self._notify()  # a test waits for the stall to begin
                await fault.released.wait()
            elif fault is not None and fault.kind != "hang":
                raise Refusal(fault.code, fault.message, fault.subcode, fault.status)
            else:
                hung = fault
            result = await act()
        except Refusal as error:
            self.refusals.append((endpoint, error.code, error.subcode))
            return _error(error)
        finally:
            await self._notify()
        if hung is not None:  # accepted and done, but the answer never comes
            self.unanswered.append((endpoint, _untokened(request)))
            await self._hold()
        return web.json_response(result)

    # -- faults -------------------------------------------------------------------------------

    def fail(
        self,
        status: int = 500,
        times: int | None = 1,
        *,
        code: int | None = None,
        subcode: int | None = None,
        message: str | None = None,
        endpoint: Endpoint | None = None,
        people: set[str] | None = None,
    ) -> Fault:
        """Answer `status` with Meta's envelope to the next `times` requests (None: until
        healed): a 5xx is Meta's transient code 2; give `code` (4, 32, 613, 190 …) for others."""
        fault = Fault(
            "fail",
            status,
            code if code is not None else (2 if status >= 500 else 100),
            subcode,
            message or _FAULT_MESSAGES.get(code or 0, Fault.message),
            times,
            endpoint=endpoint,
            people=_frozen(people),
        )
        return self._add(fault)

    def hang(
        self,
        times: int | None = 1,
        *,
        endpoint: Endpoint | None = None,
        people: set[str] | None = None,
    ) -> Fault:
        """Accept the next `times` requests (the message is delivered) and never answer them:
        the client times out not knowing that it arrived."""
        return self._add(Fault("hang", times=times, endpoint=endpoint, people=_frozen(people)))

    def throttle(
        self, seconds: float, *, endpoint: Endpoint | None = None, people: set[str] | None = None
    ) -> Fault:
        """Answer Meta's rate limit (code 613) to every request for `seconds`."""
        until = time.monotonic() + seconds
        fault = Fault(
            "throttle", 400, 613, None, _FAULT_MESSAGES[613], None, until, endpoint, _frozen(people)
        )
        return self._add(fault)

    def stall(
        self,
        times: int | None = 1,
        *,
        endpoint: Endpoint | None = None,
        people: set[str] | None = None,
    ) -> Fault:
        """Keep the next `times` requests waiting until the fault is healed, then handle them
        as usual: a slow Meta, for a test that needs the bot busy meanwhile."""
        return self._add(Fault("stall", times=times, endpoint=endpoint, people=_frozen(people)))

    def heal(self, fault: Fault) -> None:
        """Switch a fault off before it runs out; a stalled request goes on."""
        fault.released.set()
        if fault in self.faults:
            self.faults.remove(fault)

    def _add(self, fault: Fault) -> Fault:
        self.faults.append(fault)
        return fault

    def _fault(self, endpoint: str, psid: str | None) -> Fault | None:
        for fault in self.faults:
            if fault.applies(endpoint, psid):
                fault.hits += 1
                return fault
        return None

    # -- people and the webhook ---------------------------------------------------------------

    def person(
        self, psid: str, first_name: str, last_name: str = "", locale: str = "da_DK"
    ) -> SimulatedMessengerPerson:
        person = SimulatedMessengerPerson(self, psid, first_name, last_name, locale)
        self.people[psid] = person
        return person

    def next_id(self) -> int:
        return next(self._ids)

    def keep_file(self, name: str, data: bytes, mime_type: str) -> str:
        """A file a person sends, served at /files/<name> (Meta's CDN); its URL."""
        unique = f"{self.next_id()}-{name}"
        self.files[unique] = (data, mime_type)
        return f"{self.root}/files/{unique}"

    def sign(self, body: bytes) -> str:
        """The X-Hub-Signature-256 header Meta puts on a webhook POST of this body."""
        digest = hmac.new(self.app_secret.encode(), body, hashlib.sha256).hexdigest()
        return f"sha256={digest}"

    def body(self, *events: Json) -> bytes:
        """A webhook body of these events, one entry each (as Meta batches them), escaped as
        Meta escapes it: non-ASCII as \\uXXXX and '/' as '\\/', so a bot that checks the
        signature of its own re-encoding fails here as it would with Meta."""
        now = _ms(self.clock())
        entries = [{"id": self.page["id"], "time": now, "messaging": [event]} for event in events]
        text = json.dumps({"object": "page", "entry": entries}, separators=(",", ":"))
        return text.replace("/", "\\/").encode("ascii")

    async def subscribe(self, url: str, verify_token: str) -> bool:
        """Meta's handshake: GET the address with a challenge; it becomes the webhook only if
        the bot echoes the challenge."""
        challenge = str(secrets.randbelow(10**9))
        query = {
            "hub.mode": "subscribe",
            "hub.verify_token": verify_token,
            "hub.challenge": challenge,
        }
        try:
            async with self._open().get(url, params=query) as answer:
                verified = answer.status == 200 and (await answer.text()) == challenge
        except (aiohttp.ClientError, TimeoutError):
            verified = False
        if verified:
            self.webhook = url
        return verified

    def _wrote(self, events: tuple[Json, ...]) -> None:
        """Each sender's 24-hour window opens when they act, whatever the webhook answers."""
        for event in events:
            person = self.people.get(str(event.get("sender", {}).get("id")))
            if person is not None:
                person.wrote = self.clock()

    async def post(self, *events: Json) -> int | None:
        """POST these events in one body once, signed (Meta's first try, for a test that checks
        the webhook's answer and tries again itself); the answer's status."""
        self._wrote(events)
        body = self.body(*events)
        return await self.post_raw(body, self.sign(body))

    async def deliver(self, *events: Json) -> bytes:
        """POST these events in one body until the webhook answers 2xx, pausing longer each time,
        as Meta does; fail the test if it never does. The body posted."""
        self._wrote(events)
        body = self.body(*events)
        wait, deadline = _WEBHOOK_FIRST_WAIT, time.monotonic() + _WEBHOOK_GIVE_UP
        while True:
            status = await self.post_raw(body, self.sign(body))
            if status is not None and 200 <= status < 300:
                return body
            if time.monotonic() > deadline:
                raise AssertionError(f"the webhook never answered 2xx (last: {status})")
            await asyncio.sleep(wait)  # a pause before the next try, as Meta makes
            wait = min(wait * 2, _WEBHOOK_MAX_WAIT)

    async def post_raw(self, body: bytes, signature: str | None) -> int | None:
        """POST any body to the webhook with this signature header (None: without it); the
        answer's status (None: no answer in time)."""
        assert self.webhook is not None, "no webhook: call subscribe() first"
        headers = {"Content-Type": "application/json"}
        if signature is not None:
            headers["X-Hub-Signature-256"] = signature
        timeout = aiohttp.ClientTimeout(total=self.webhook_timeout)
        try:
            async with self._open().post(
                self.webhook, data=body, headers=headers, timeout=timeout
            ) as answer:
                status: int | None = answer.status
        except (aiohttp.ClientError, TimeoutError):
            status = None
        self.webhook_posts.append((_carried(body), status))
        await self._notify()
        return status

    def _open(self) -> aiohttp.ClientSession:
        if self._session is None:
            raise RuntimeError("the emulator is not started")
        return self._session

    # -- the Graph API ------------------------------------------------------------------------

    async def _messages(self, request: web.Request) -> web.Response:
        body = await _body(request)
        self.requests.append(("messages", body))
        psid = str((body.get("recipient") or {}).get("id", "")) or None

        async def act() -> Json:
            self._own_node(request)
            return await self._send(body)

        return await self._answer(request, "messages", psid, act)

    async def _send(self, body: Json) -> Json:
        recipient = body.get("recipient")
        if not isinstance(recipient, dict) or "id" not in recipient:
            raise _invalid("The parameter recipient is required")
        psid, action = str(recipient["id"]), body.get("sender_action")
        if action is not None:
            if "message" in body:
                raise _invalid("sender_action cannot be sent with a message")
            if action not in SENDER_ACTIONS:
                raise _invalid(f"Param sender_action must be one of {sorted(SENDER_ACTIONS)}")
            self._reachable(psid, self._kind(body, required=False)[1])
            self.actions[psid].append(str(action))
            self.activity[psid] += 1
            return {"recipient_id": psid}
        message = body.get("message")
        if not isinstance(message, dict):
            raise _invalid("The parameter message is required")
        content = _message(message, self.uploads)
        messaging_type, tag = self._kind(body, required=True)
        self._reachable(psid, tag)
        sent = MessengerMessage(
            f"m_page_{self.next_id()}", psid, messaging_type, tag, self.clock(), message, **content
        )
        if sent.attachment_type is not None and sent.attachment is None:
            sent.attachment = await self._fetch(str(message["attachment"]["payload"]["url"]))
        self.sent[psid].append(sent)
        self.activity[psid] += 1
        return {"recipient_id": psid, "message_id": sent.mid}

    def _kind(self, body: Json, required: bool) -> tuple[str, str | None]:
        messaging_type, tag = body.get("messaging_type"), body.get("tag")
        if messaging_type is None and not required:
            return "RESPONSE", None
        if messaging_type not in MESSAGING_TYPES:
            raise _invalid(f"Param messaging_type must be one of {sorted(MESSAGING_TYPES)}")
        if messaging_type == "MESSAGE_TAG" and tag not in TAGS:
            raise _invalid(f"Param tag must be one of {sorted(TAGS)} with MESSAGE_TAG")
        if messaging_type != "MESSAGE_TAG" and tag is not None:
            raise _invalid("Param tag is only allowed with messaging_type MESSAGE_TAG")
        return str(messaging_type), tag

    def _reachable(self, psid: str, tag: str | None) -> None:
        person = self.people.get(psid)
        if person is None:
            raise _invalid("No matching user found", 2018001)
        if psid in self.blocked:
            raise Refusal(551, "(#551) This person isn't available right now.", 1545041)
        allowed = HUMAN_AGENT_WINDOW if tag == "HUMAN_AGENT" else WINDOW
        if tag not in (None, "HUMAN_AGENT"):
            return
        if person.wrote is None or self.clock() - person.wrote > allowed:
            raise Refusal(
                10,
                "(#10) This message is sent outside of allowed window. Learn more about the new "
                "policy here: https://developers.facebook.com/docs/messenger-platform/policy-overview",
                2018278,
            )

    async def _fetch(self, url: str) -> bytes | None:
        """Meta fetches a file sent by URL before it accepts the message, and refuses it when
        it cannot; so does this for an address on this machine (nothing here leaves it)."""
        if urlsplit(url).hostname not in ("127.0.0.1", "localhost"):
            return None
        try:
            async with self._open().get(url, timeout=aiohttp.ClientTimeout(total=10)) as answer:
                if answer.status < 400:
                    return await answer.read()
        except (aiohttp.ClientError, TimeoutError):
            pass
        raise _invalid("Failed to fetch the file from the url", 2018008)

    async def _attachments(self, request: web.Request) -> web.Response:
        async def act() -> Json:
            self._own_node(request)
            form = await request.post()
            message, filedata = form.get("message"), form.get("filedata")
            if not isinstance(message, str) or not isinstance(filedata, web.FileField):
                raise _invalid("Upload needs the fields message and filedata")
            try:
                kind = json.loads(message)["attachment"]["type"]
            except (ValueError, KeyError, TypeError):
                raise _invalid("Param message must name an attachment type") from None
            if kind not in MEDIA:
                raise _invalid(f"Param message[attachment][type] must be one of {sorted(MEDIA)}")
            data = filedata.file.read()
            if len(data) > MAX_UPLOAD:
                raise _invalid("Upload attachment failure: the file is larger than 25 MB")
            upload = Upload(
                str(10**15 + self.next_id()),
                kind,
                data,
                filedata.filename or "file",
                filedata.content_type,
            )
            self.uploads[upload.attachment_id] = upload
            self.requests.append(("message_attachments", {"type": kind, "name": upload.name}))
            return {"attachment_id": upload.attachment_id}

        return await self._answer(request, "message_attachments", None, act)

    async def _node(self, request: web.Request) -> web.Response:
        node, query = request.match_info["node"], _untokened(request)
        self.requests.append(("page", query) if node == "me" else ("person", {"id": node, **query}))
        fields = request.query.get("fields", "id").split(",")

        async def act() -> Json:
            if node in ("me", self.page["id"]):
                found = self.page
            elif node in self.people:
                found = self.people[node].profile
            else:
                raise _invalid(
                    f"Unsupported get request. Object with ID '{node}' does not exist", 33
                )
            return {"id": found["id"], **{k: found[k] for k in fields if k in found}}

        endpoint: Endpoint = "page" if node == "me" else "person"
        return await self._answer(request, endpoint, None if node == "me" else node, act)

    async def _messenger_profile(self, request: web.Request) -> web.Response:
        async def act() -> Json:
            self._own_node(request)
            body = await _body(request)
            self.requests.append(("messenger_profile", body))
            if request.method == "DELETE":
                for name in body.get("fields") or []:
                    self.profile.pop(name, None)
            elif request.method == "POST":
                self.profile.update(_profile(body, self.profile))
            else:
                return {"data": [self.profile]}
            return {"result": "success"}

        return await self._answer(request, "messenger_profile", None, act)

    async def _file(self, request: web.Request) -> web.Response:
        kept = self.files.get(request.match_info["name"])
        if kept is None:
            return web.Response(status=404)
        return web.Response(body=kept[0], content_type=kept[1])

    def _own_node(self, request: web.Request) -> None:
        if request.match_info["node"] not in ("me", self.page["id"]):
            raise _invalid("A page token can only act for its own page (me)")


_FAULT_MESSAGES = {
    4: "(#4) Application request limit reached",
    32: "(#32) Page request limit reached",
    190: "Invalid OAuth access token - Cannot parse access token",
    613: "(#613) Calls to this api have exceeded the rate limit.",
}


def _message(message: Json, uploads: dict[str, Upload]) -> Json:
    """Meta's checks of a message; what it shows (text, choices, attachment) for the record."""
    unknown = set(message) - _MESSAGE_KEYS
    if unknown:
        raise _invalid(f"Param message has unknown fields {sorted(unknown)}")
    if ("text" in message) == ("attachment" in message):
        raise _invalid("Param message must have exactly one of text and attachment")
    content: Json = {}
    if "text" in message:
        content["text"] = _limited(message["text"], MAX_TEXT, "message[text]")
    else:
        content.update(_attachment(message["attachment"], uploads))
    if "quick_replies" in message:
        content["quick_replies"] = _quick_replies(message["quick_replies"])
    return content


def _attachment(attachment: object, uploads: dict[str, Upload]) -> Json:
    if not isinstance(attachment, dict) or not isinstance(attachment.get("payload"), dict):
        raise _invalid("Param message[attachment] needs a type and a payload")
    kind, payload = attachment.get("type"), attachment["payload"]
    if kind == "template":
        return _template(payload)
    if kind not in MEDIA:
        raise _invalid(
            f"Param message[attachment][type] must be template or one of {sorted(MEDIA)}"
        )
    if ("url" in payload) == ("attachment_id" in payload):
        raise _invalid(
            "Param message[attachment][payload] needs exactly one of url and attachment_id"
        )
    if "url" in payload:
        if not _URL.match(str(payload["url"])):
            raise _invalid("Param message[attachment][payload][url] must be an http(s) URL")
        return {"attachment_type": kind, "attachment_name": str(payload["url"]).rsplit("/", 1)[-1]}
    upload = uploads.get(str(payload["attachment_id"]))
    if upload is None:
        raise _invalid(f"No attachment with id {payload['attachment_id']}", 2018047)
    return {"attachment_type": kind, "attachment": upload.data, "attachment_name": upload.name}


def _template(payload: Json) -> Json:
    if payload.get("template_type") != "button":
        raise _invalid("Param template_type must be button (the only template Bolden sends)")
    text = _limited(payload.get("text"), MAX_TEMPLATE_TEXT, "payload[text]")
    buttons = payload.get("buttons")
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= MAX_BUTTONS:
        raise _invalid(f"Param payload[buttons] must have 1 to {MAX_BUTTONS} buttons")
    for number, button in enumerate(buttons):
        _button(button, f"payload[buttons][{number}]", MAX_TITLE)
    return {"text": text, "buttons": buttons}


def _button(button: object, where: str, max_title: int) -> None:
    if not isinstance(button, dict):
        raise _invalid(f"Param {where} must be an object")
    _limited(button.get("title"), max_title, f"{where}[title]")
    if button.get("type") == "postback":
        _limited(button.get("payload"), MAX_PAYLOAD, f"{where}[payload]")
    elif button.get("type") == "web_url":
        if not _URL.match(str(button.get("url", ""))):
            raise _invalid(f"Param {where}[url] must be an http(s) URL")
    else:
        raise _invalid(f"Param {where}[type] must be postback or web_url")


def _quick_replies(replies: object) -> list[Json]:
    if not isinstance(replies, list) or not 1 <= len(replies) <= MAX_QUICK_REPLIES:
        raise _invalid(f"Param message[quick_replies] must have 1 to {MAX_QUICK_REPLIES} items")
    for number, reply in enumerate(replies):
        where = f"message[quick_replies][{number}]"
        if not isinstance(reply, dict) or reply.get("content_type") != "text":
            raise _invalid(f"Param {where}[content_type] must be text")
        _limited(reply.get("title"), MAX_TITLE, f"{where}[title]")
        _limited(reply.get("payload"), MAX_PAYLOAD, f"{where}[payload]")
    return replies


def _limited(value: object, limit: int, name: str) -> str:
    if not isinstance(value, str) or not value:
        raise _invalid(f"Param {name} must be a non-empty UTF-8 encoded string")
    if len(value) > limit:
        raise _invalid(f"Param {name} must be at most {limit} characters")
    return value


def _profile(body: Json, current: Json) -> Json:
    """Meta's checks of the Messenger Profile: a default locale, a flat menu of at most 20
    items (nested menus went with Graph API v8), and no menu without a Get Started button."""
    unknown = set(body) - _PROFILE_FIELDS
    if unknown or not body:
        raise _invalid(f"Param fields must be among {sorted(_PROFILE_FIELDS)}")
    if "get_started" in body:
        _limited((body["get_started"] or {}).get("payload"), MAX_PAYLOAD, "get_started[payload]")
    if "persistent_menu" in body:
        if "get_started" not in body and "get_started" not in current:
            raise _invalid("The persistent menu needs a Get Started button", 2018145)
        for menu in _localised(body["persistent_menu"], "persistent_menu"):
            items = menu.get("call_to_actions")
            if not isinstance(items, list) or not 1 <= len(items) <= MAX_MENU_ITEMS:
                raise _invalid(f"Param call_to_actions must have 1 to {MAX_MENU_ITEMS} items")
            for number, item in enumerate(items):
                _button(item, f"call_to_actions[{number}]", MAX_MENU_TITLE)
    if "greeting" in body:
        for greeting in _localised(body["greeting"], "greeting"):
            _limited(greeting.get("text"), MAX_GREETING, "greeting[text]")
    return body


def _localised(value: object, name: str) -> list[Json]:
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise _invalid(f"Param {name} must be a list of objects with a locale")
    if "default" not in [item.get("locale") for item in value]:
        raise _invalid(f"Param {name} must have one with the locale default")
    return value


async def _body(request: web.Request) -> Json:
    """JSON, or form fields whose values are JSON (Meta takes both)."""
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise _invalid("The body is not valid JSON") from None
        if not isinstance(body, dict):
            raise _invalid("The body must be a JSON object")
        return body
    fields: Json = {}
    for name, value in (await request.post()).items():
        fields[name] = value
        if isinstance(value, str):
            with suppress(ValueError):
                fields[name] = json.loads(value)
    return fields


def _error(error: Refusal) -> web.Response:
    details: Json = {"message": error.message, "type": "OAuthException", "code": error.code}
    if error.subcode is not None:
        details["error_subcode"] = error.subcode
    details["fbtrace_id"] = secrets.token_urlsafe(8)
    return web.json_response({"error": details}, status=error.status)


def _untokened(request: web.Request) -> Json:
    """A request's query for the record, without the token."""
    return {name: value for name, value in request.query.items() if name != "access_token"}


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _carried(body: bytes) -> list[str]:
    """What a webhook body carried, for the record: each event's message id or postback."""
    try:
        entries = json.loads(body).get("entry") or []
    except (ValueError, AttributeError):
        return []
    found = []
    for entry in entries:
        for event in entry.get("messaging") or []:
            what = event.get("message") or event.get("postback") or event.get("referral") or {}
            found.append(str(what.get("mid") or what.get("payload") or what.get("ref") or ""))
    return found


def _frozen(people: set[str] | None) -> frozenset[str] | None:
    return None if people is None else frozenset(people)


class SimulatedMessengerPerson:
    """Someone writing to the page in Messenger: types, taps quick replies, presses buttons and
    the menu, sends photos and voice notes, opens m.me links, blocks the page.

    Each act is a webhook POST; it returns the messages the page sent this person while the POST
    was being answered (the bot answers 200 once it has handled the event)."""

    def __init__(
        self,
        emulator: GraphApiEmulator,
        psid: str,
        first_name: str,
        last_name: str,
        locale: str,
    ) -> None:
        self.emulator = emulator
        self.psid = psid
        self.locale = locale
        self.profile: Json = {
            "id": psid, "first_name": first_name, "last_name": last_name, "locale": locale,
        }  # fmt: skip
        self.wrote: datetime | None = None  # the last time they wrote: the 24-hour window
        self._tapped: str | None = None  # the message whose quick replies were used up
        self._last_body: bytes | None = None

    @property
    def messages(self) -> list[MessengerMessage]:
        """What the page sent this person, oldest first."""
        return self.emulator.sent[self.psid]

    @property
    def last(self) -> MessengerMessage:
        return self.messages[-1]

    @property
    def quick_replies(self) -> list[Json]:
        """The quick replies under the page's last message: gone after a tap or a newer
        message."""
        if not self.messages or self.last.mid == self._tapped:
            return []
        return self.last.quick_replies

    def block(self) -> None:
        """Block the page: Meta tells the bot nothing, and refuses its messages (551)."""
        self.emulator.blocked.add(self.psid)

    def unblock(self) -> None:
        self.emulator.blocked.discard(self.psid)

    # -- events, to deliver now or in a batch -------------------------------------------------

    def _event(self, **content: Json) -> Json:
        return {
            "sender": {"id": self.psid},
            "recipient": {"id": self.emulator.page["id"]},
            "timestamp": _ms(self.emulator.clock()),
            **content,
        }

    def _mid(self) -> str:
        return f"m_{self.psid}_{self.emulator.next_id()}"

    def message_event(self, text: str) -> Json:
        return self._event(message={"mid": self._mid(), "text": text})

    def tap_event(self, label: str) -> Json:
        """A tap on one of the quick replies shown now (refused when it is not there)."""
        if not self.quick_replies:
            raise AssertionError(f"no quick replies to tap {label!r} on")
        reply = _choice(self.quick_replies, label, "quick reply")
        self._tapped = self.last.mid
        message = {
            "mid": self._mid(),
            "text": reply["title"],
            "quick_reply": {"payload": reply["payload"]},
        }
        return self._event(message=message)

    def press_event(self, message: MessengerMessage, label: str) -> Json:
        """A press on a template button of any earlier message (they stay pressable)."""
        return self._postback(message.button(label))

    def _postback(self, button: Json, referral: Json | None = None) -> Json:
        if button.get("type", "postback") != "postback":
            raise AssertionError(
                f"{button['title']!r} opens {button.get('url')}: nothing reaches the bot"
            )
        postback: Json = {
            "mid": self._mid(),
            "title": button["title"],
            "payload": button["payload"],
        }
        if referral is not None:
            postback["referral"] = referral
        return self._event(postback=postback)

    def attachment_event(self, kind: str, data: bytes, name: str, mime_type: str) -> Json:
        url = self.emulator.keep_file(name, data, mime_type)
        attachment = {"type": kind, "payload": {"url": url}}
        return self._event(message={"mid": self._mid(), "attachments": [attachment]})

    def link_event(self, ref: str) -> Json:
        """An m.me link with ?ref=: Get Started with the referral for someone who never wrote,
        else a referral in the open conversation."""
        referral = {"ref": ref, "source": "SHORTLINK", "type": "OPEN_THREAD"}
        if self.wrote is None:
            return self._postback(self._get_started(), referral)
        return self._event(referral=referral)

    def _get_started(self) -> Json:
        started = self.emulator.profile.get("get_started")
        if not started:
            raise AssertionError("the page has no Get Started button (messenger_profile)")
        return {"title": "Kom i gang" if self.locale.startswith("da") else "Get Started", **started}

    # -- acts ---------------------------------------------------------------------------------

    async def _act(self, event: Json) -> list[MessengerMessage]:
        before = len(self.messages)
        self._last_body = await self.emulator.deliver(event)
        return self.messages[before:]

    async def send(self, text: str) -> list[MessengerMessage]:
        return await self._act(self.message_event(text))

    async def tap(self, label: str) -> list[MessengerMessage]:
        return await self._act(self.tap_event(label))

    async def press(self, message: MessengerMessage, label: str) -> list[MessengerMessage]:
        return await self._act(self.press_event(message, label))

    async def send_photo(
        self, data: bytes = b"\xff\xd8\xff photo", mime: str = "image/jpeg"
    ) -> list[MessengerMessage]:
        return await self._act(self.attachment_event("image", data, "photo.jpg", mime))

    async def send_audio(self, data: bytes = b"\x00\x00\x00\x18ftypmp4a") -> list[MessengerMessage]:
        """A voice note (Messenger records them as MP4 audio)."""
        return await self._act(self.attachment_event("audio", data, "audioclip.mp4", "audio/mp4"))

    async def open_link(self, ref: str) -> list[MessengerMessage]:
        return await self._act(self.link_event(ref))

    async def get_started(self) -> list[MessengerMessage]:
        return await self._act(self._postback(self._get_started()))

    async def menu(self, title: str) -> list[MessengerMessage]:
        """Press an item of the persistent menu (the person's locale's, else the default)."""
        menus = {m["locale"]: m for m in self.emulator.profile.get("persistent_menu") or []}
        menu = menus.get(self.locale) or menus.get("default")
        if menu is None:
            raise AssertionError("the page has no persistent menu (messenger_profile)")
        return await self._act(self._postback(_choice(menu["call_to_actions"], title, "menu item")))

    async def repeat(self) -> int | None:
        """POST this person's last body once more, byte for byte (Meta's duplicate delivery);
        the webhook's answer."""
        assert self._last_body is not None, "nothing was posted yet"
        return await self.emulator.post_raw(self._last_body, self.emulator.sign(self._last_body))
