"""A small stand-in for Meta's Graph API (and the Bot API calls a bridge passes on) on
loopback, for the Messenger sending tests: it records what arrives and answers each send with
a message id, or with the answer a test queued (Meta's error envelope, a 5xx)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bot.channels.messenger.channel import Messenger
from bot.channels.messenger.delivery import Fetch, MessengerOut
from bot.i18n import Translator
from bot.services import Services
from storage import messenger as store

PAGE_TOKEN = "page-token-for-tests"
BOT_TOKEN = "123:bridge-test-token"
OUTSIDE_WINDOW = (400, {"error": {"message": "outside", "code": 10, "error_subcode": 2018278}})
UNREACHABLE = (400, {"error": {"message": "gone", "code": 551, "error_subcode": 1545041}})
THROTTLED = (400, {"error": {"message": "slow down", "code": 613}})
BAD_TOKEN = (400, {"error": {"message": "bad token", "code": 190}})
UNAVAILABLE = (500, {})
TELEGRAM_FILE = b"a photo kept by Telegram"


@dataclass
class FakeMeta:
    url: str = ""  # the Graph API's base, as BOLDEN_MESSENGER_API_BASE_URL
    telegram: str = ""  # the Bot API's base, as BOLDEN_API_BASE_URL
    sent: list[dict[str, Any]] = field(default_factory=list)  # bodies of POST /me/messages
    uploads: list[tuple[str, bytes]] = field(default_factory=list)  # (type, bytes)
    telegram_calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    answers: list[tuple[int, dict[str, Any]]] = field(default_factory=list)  # queued

    @property
    def messages(self) -> list[dict[str, Any]]:
        """The messages sent (not the sender actions), each a Send API `message`."""
        return [body["message"] for body in self.sent if "message" in body]

    async def _messages(self, request: web.Request) -> web.Response:
        body = await request.json()
        if self.answers:
            status, answer = self.answers.pop(0)
            return web.json_response(answer, status=status)
        self.sent.append(body)
        return web.json_response({"recipient_id": "x", "message_id": f"m.{len(self.sent)}"})

    async def _upload(self, request: web.Request) -> web.Response:
        form = await request.post()
        kind = str(form["message"]).split('"type": "')[1].split('"')[0]
        data = form["filedata"]
        assert isinstance(data, web.FileField)
        self.uploads.append((kind, data.file.read()))
        return web.json_response({"attachment_id": f"a.{len(self.uploads)}"})

    async def _file(self, request: web.Request) -> web.Response:
        return web.Response(body=TELEGRAM_FILE, content_type="image/jpeg")

    async def _page(self, request: web.Request) -> web.Response:
        return web.json_response({"id": "4711", "name": "Bolden", "username": "bolden.dk"})

    async def _telegram(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        form = await request.post() if request.content_type.startswith("multipart") else {}
        found = {k: (v.file.read() if isinstance(v, web.FileField) else v) for k, v in form.items()}
        self.telegram_calls.append((method, found))
        if method == "getMe":
            bot = {"id": 123, "is_bot": True, "first_name": "Bolden", "username": "bolden_bot"}
            return web.json_response({"ok": True, "result": bot})
        if method == "getFile":
            found_file = {"file_id": "tg", "file_unique_id": "u", "file_path": "photos/p.jpg"}
            return web.json_response({"ok": True, "result": found_file})
        chat = {"id": -100, "type": "group", "title": "Net"}
        message = {"message_id": 1, "date": 0, "chat": chat}
        return web.json_response({"ok": True, "result": message})


@asynccontextmanager
async def fake_meta() -> AsyncIterator[FakeMeta]:
    meta = FakeMeta()
    app = web.Application()
    app.router.add_post("/v25.0/me/messages", meta._messages)
    app.router.add_post("/v25.0/me/message_attachments", meta._upload)
    app.router.add_get("/v25.0/me", meta._page)
    app.router.add_post(f"/bot{BOT_TOKEN}/{{method}}", meta._telegram)
    app.router.add_get(f"/file/bot{BOT_TOKEN}/{{path:.*}}", meta._file)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    meta.url = f"http://127.0.0.1:{port}/v25.0"
    meta.telegram = f"http://127.0.0.1:{port}"
    try:
        yield meta
    finally:
        await runner.cleanup()


def messenger_settings(meta: FakeMeta) -> dict[str, object]:
    """The settings that turn Messenger on, against this stand-in."""
    return {
        "messenger_page_token": PAGE_TOKEN,
        "messenger_app_secret": "app-secret",
        "messenger_verify_token": "verify-token",
        "messenger_api_base_url": meta.url,
    }


async def no_telegram_files(file_id: str) -> tuple[bytes, str]:
    raise AssertionError(f"a Telegram file was asked for: {file_id}")


@asynccontextmanager
async def outbound(
    services: Services, fetch: Fetch = no_telegram_files
) -> AsyncIterator[MessengerOut]:
    """The Messenger side of sending, started as bot/app.py starts it."""
    messenger = Messenger(services.settings, services.db, services.clock)
    await messenger.start()

    async def language(user_id: int) -> Translator:
        return services.translator(await services.people.language_of(user_id))

    try:
        yield MessengerOut(messenger, language, fetch)
    finally:
        await messenger.close()


async def messenger_person(services: Services, psid: str, language: str = "da") -> int:
    """A Messenger person who writes now (their 24-hour window opens)."""
    async with services.db.transaction() as connection:
        user_id = await store.person_of(connection, psid, services.clock())
    await services.people.seen(user_id, language)
    return user_id
