"""Messenger's webhook: Meta POSTs signed events to /messenger/webhook, and each becomes the
update a Telegram person's would be, for the same journeys. What the journeys received is read
from what they stored (the replies to Messenger people go out through the outbound side); Meta
itself is a small loopback stand-in for the calls the inbound side makes.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from bot.app import BoldenApp, build_application, running, web_of
from bot.channels import MESSENGER_FIRST_ID, channel_file_id
from bot.channels.messenger import payloads
from bot.channels.messenger.channel import SET_UP_JOB, messenger_in
from bot.config import Settings, load_settings
from bot.sandbox.emulator import BotApiEmulator
from bot.scheduling import SEEN_UPDATES
from tests.conftest import COORDINATOR_ID, TOKEN, FakeClock, until
from tests.web import Answer, fetch

APP_SECRET = "app-secret-of-the-test"
VERIFY_TOKEN = "verify-token-of-the-test"
PAGE_TOKEN = "page-token-of-the-test"
PHOTO = b"\xff\xd8\xff\xe0 a photo of a broken bench"
# A voice clip of 7 seconds as Messenger sends it: an MP4 file whose movie header says so.
MVHD = bytes(12) + (1000).to_bytes(4) + (7000).to_bytes(4) + bytes(80)
MOOV = (16 + len(MVHD)).to_bytes(4) + b"moov" + (8 + len(MVHD)).to_bytes(4) + b"mvhd" + MVHD
VOICE = (16).to_bytes(4) + b"ftypM4A " + bytes(4) + MOOV
FIRST = MESSENGER_FIRST_ID + 1  # the first Messenger person's user id

Rows = Callable[..., list[sqlite3.Row]]


class Meta:
    """The part of Meta's Graph API the inbound side calls: the page, people's profiles, the
    Messenger Profile API, and the links to files people sent."""

    def __init__(self) -> None:
        self.profiles: dict[str, dict[str, Any]] = {}
        self.profile_asks: list[str] = []
        self.set_profiles: list[dict[str, Any]] = []
        self.files: dict[str, bytes] = {}
        self.down = False
        self.url = ""
        app = web.Application(middlewares=[self._maybe_down])
        app.router.add_get("/v25.0/me", self._page)
        app.router.add_post("/v25.0/me/messenger_profile", self._messenger_profile)
        app.router.add_get("/v25.0/{psid}", self._profile)
        app.router.add_get("/files/{name}", self._file)
        self._runner = web.AppRunner(app, access_log=None)

    async def start(self) -> None:
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        await self._runner.cleanup()

    @web.middleware
    async def _maybe_down(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if self.down:
            return web.Response(status=503)
        response: web.StreamResponse = await handler(request)
        return response

    async def _page(self, request: web.Request) -> web.Response:
        return web.json_response({"id": "1000", "name": "Bolden", "username": "boldenfredericia"})

    async def _messenger_profile(self, request: web.Request) -> web.Response:
        self.set_profiles.append(await request.json())
        return web.json_response({"result": "success"})

    async def _profile(self, request: web.Request) -> web.Response:
        psid = request.match_info["psid"]
        self.profile_asks.append(psid)
        if psid not in self.profiles:
            error = {"message": "Unsupported get request", "type": "GraphMethodException"}
            return web.json_response({"error": error | {"code": 100}}, status=400)
        return web.json_response({"id": psid, **self.profiles[psid]})

    async def _file(self, request: web.Request) -> web.Response:
        return web.Response(body=self.files[request.match_info["name"]], content_type="image/jpeg")


class Webhook:
    """Meta's side of /messenger/webhook: signed POSTs of events, as Meta sends them."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.sent = 0

    async def post(self, *events: dict[str, Any], signature: str | None = "") -> int:
        body = json.dumps(
            {"object": "page", "entry": [{"id": "1000", "time": 1, "messaging": list(events)}]}
        ).encode()
        if signature == "":
            signature = "sha256=" + hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
        headers = {"Content-Type": "application/json"}
        if signature is not None:
            headers["X-Hub-Signature-256"] = signature
        answer = await fetch(self.url, "POST", data=body, headers=headers)
        return answer.status

    def event(self, psid: str, **what: Any) -> dict[str, Any]:
        self.sent += 1
        return {
            "sender": {"id": psid},
            "recipient": {"id": "1000"},
            "timestamp": 1_795_000_000_000 + self.sent,
            **what,
        }

    def text(self, psid: str, text: str, mid: str | None = None) -> dict[str, Any]:
        return self.event(psid, message={"mid": mid or f"m-{self.sent + 1}", "text": text})

    def postback(self, psid: str, payload: str, **more: Any) -> dict[str, Any]:
        return self.event(psid, postback={"title": "Knap", "payload": payload, **more})


@pytest.fixture
async def meta() -> AsyncIterator[Meta]:
    stand_in = Meta()
    await stand_in.start()
    stand_in.profiles["P1"] = {"first_name": "Mette", "last_name": "Hansen", "locale": "da_DK"}
    stand_in.profiles["P2"] = {"first_name": "Joan", "locale": "en_GB"}
    try:
        yield stand_in
    finally:
        await stand_in.stop()


@pytest.fixture
def messenger_settings(tmp_path: Path, emulator: BotApiEmulator, meta: Meta) -> Settings:
    return load_settings(
        token=TOKEN,
        api_base_url=emulator.url,
        database=tmp_path / "bolden.sqlite3",
        coordinators=str(COORDINATOR_ID),
        messenger_page_token=PAGE_TOKEN,
        messenger_app_secret=APP_SECRET,
        messenger_verify_token=VERIFY_TOKEN,
        messenger_api_base_url=f"{meta.url}/v25.0",
    )


@pytest.fixture
async def bot(messenger_settings: Settings, clock: FakeClock) -> AsyncIterator[BoldenApp]:
    async with running(build_application(messenger_settings, clock=clock)) as application:
        yield application


@pytest.fixture
def hook(bot: BoldenApp) -> Webhook:
    return Webhook(f"{web_of(bot).url}/messenger/webhook")


@pytest.fixture
def query(messenger_settings: Settings) -> Rows:
    def run(sql: str, *params: object) -> list[sqlite3.Row]:
        with closing(sqlite3.connect(messenger_settings.database)) as connection:
            connection.row_factory = sqlite3.Row
            return list(connection.execute(sql, params))

    return run


async def _handshake(bot: BoldenApp, **query: str) -> Answer:
    params = "&".join(f"{name.replace('_', '.', 1)}={value}" for name, value in query.items())
    return await fetch(f"{web_of(bot).url}/messenger/webhook?{params}")


async def test_meta_s_handshake_gets_the_challenge_back_only_with_our_verify_token(
    bot: BoldenApp,
) -> None:
    right = await _handshake(
        bot, hub_mode="subscribe", hub_verify_token=VERIFY_TOKEN, hub_challenge="1158201444"
    )
    assert (right.status, right.text) == (200, "1158201444")
    wrong = await _handshake(
        bot, hub_mode="subscribe", hub_verify_token="guessed", hub_challenge="1158201444"
    )
    assert wrong.status == 403
    assert "1158201444" not in wrong.text
    unsubscribe = await _handshake(
        bot, hub_mode="unsubscribe", hub_verify_token=VERIFY_TOKEN, hub_challenge="1"
    )
    assert unsubscribe.status == 403


async def test_a_first_message_makes_a_person_with_the_name_and_language_meta_gives_once(
    hook: Webhook, meta: Meta, query: Rows
) -> None:
    assert await hook.post(hook.text("P1", "/start")) == 200
    assert await hook.post(hook.text("P1", "/help")) == 200
    assert await hook.post(hook.text("P2", "/start")) == 200

    people = query("SELECT user_id, psid, first_name, last_name, locale FROM messenger_people")
    assert [tuple(row) for row in people] == [
        (FIRST, "P1", "Mette", "Hansen", "da_DK"),
        (FIRST + 1, "P2", "Joan", None, "en_GB"),
    ]
    assert meta.profile_asks == ["P1", "P2"]  # asked once, on the first message
    seen = query("SELECT user_id, language, name FROM people ORDER BY user_id")
    assert [tuple(row) for row in seen] == [
        (FIRST, "da", "Mette Hansen"),
        (FIRST + 1, "en", "Joan"),
    ]
    # The person's own messages take the chat's message ids, in order.
    shown = query("SELECT message_id, shown FROM messenger_messages WHERE user_id = ?", FIRST)
    assert [(row[0], json.loads(row[1])) for row in shown] == [
        (1, {"text": "/start"}),
        (2, {"text": "/help"}),
    ]


async def test_a_person_whose_profile_meta_will_not_give_is_met_without_a_name(
    hook: Webhook, meta: Meta, query: Rows
) -> None:
    assert await hook.post(hook.text("P9", "Hej")) == 200
    assert meta.profile_asks == ["P9"]
    [person] = query("SELECT user_id, first_name, locale FROM messenger_people")
    assert tuple(person) == (FIRST, None, None)
    [seen] = query("SELECT language FROM people WHERE user_id = ?", FIRST)
    assert seen["language"] == "da"  # the bot's default language


async def test_a_forged_or_missing_signature_is_refused_changes_nothing_and_is_logged_rarely(
    hook: Webhook,
    clock: FakeClock,
    query: Rows,
    caplog: pytest.LogCaptureFixture,
) -> None:
    event = hook.text("P1", "Mit cpr-nummer er hemmeligt")
    for _ in range(5):
        assert await hook.post(event, signature="sha256=" + "0" * 64) == 403
    assert await hook.post(event, signature="sha1=abc") == 403
    clock.advance(minutes=1)
    assert await hook.post(event, signature=None) == 403

    assert query("SELECT 1 FROM messenger_people") == []
    assert query("SELECT 1 FROM messenger_events") == []
    said = [r.getMessage() for r in caplog.records if r.name.startswith("bot.web")]
    assert len(said) == 2
    assert said[0].startswith("Refused 1 webhook request(s)")
    assert "a wrong X-Hub-Signature-256 header" in said[0]
    assert said[1].startswith("Refused 6 webhook request(s)")
    assert "no X-Hub-Signature-256 header" in said[1]
    assert not any("cpr" in r.getMessage() or "P1" in r.getMessage() for r in caplog.records)

    assert await hook.post(event) == 200  # the same event, signed, is handled
    assert len(query("SELECT 1 FROM messenger_people")) == 1


async def test_a_body_that_is_not_a_page_s_events_is_refused(hook: Webhook, query: Rows) -> None:
    body = json.dumps({"object": "instagram", "entry": []}).encode()
    signature = "sha256=" + hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
    headers = {"X-Hub-Signature-256": signature}
    assert (await fetch(hook.url, "POST", data=body, headers=headers)).status == 400
    signature = "sha256=" + hmac.new(APP_SECRET.encode(), b"{", hashlib.sha256).hexdigest()
    headers = {"X-Hub-Signature-256": signature}
    assert (await fetch(hook.url, "POST", data=b"{", headers=headers)).status == 400


async def test_an_event_meta_delivers_again_is_handled_once(hook: Webhook, query: Rows) -> None:
    link = hook.event(
        "P1", referral={"ref": "ev-ABC123", "source": "SHORTLINK", "type": "OPEN_THREAD"}
    )
    assert await hook.post(link) == 200
    assert await hook.post(link) == 200  # confirmed again, not handled again
    message = hook.text("P1", "Hej igen", mid="m-again")
    assert await hook.post(message) == 200
    assert await hook.post(message) == 200

    links = query("SELECT user_id, kind, argument FROM deep_links")
    assert [tuple(row) for row in links] == [(FIRST, "ev", "ABC123")]
    assert len(query("SELECT 1 FROM messenger_messages")) == 2
    assert len(query("SELECT 1 FROM messenger_events")) == 2
    handled = query("SELECT update_id, handled_at IS NOT NULL AS done FROM seen_updates")
    assert [tuple(row) for row in handled] == [
        (MESSENGER_FIRST_ID + 1, 1),
        (MESSENGER_FIRST_ID + 2, 1),
    ]


async def test_get_started_from_an_m_me_link_starts_with_the_link_s_reference(
    hook: Webhook, query: Rows
) -> None:
    started = hook.postback(
        "P1", payloads.GET_STARTED, referral={"ref": "ref-MET7E", "source": "SHORTLINK"}
    )
    assert await hook.post(started) == 200
    # A reference no Telegram link could carry is left out: a plain start.
    odd = hook.event("P2", referral={"ref": "ref MET7E; drop", "source": "SHORTLINK"})
    assert await hook.post(odd) == 200

    links = query("SELECT user_id, kind, argument FROM deep_links")
    assert [tuple(row) for row in links] == [(FIRST, "ref", "MET7E")]
    typed = query("SELECT user_id, shown FROM messenger_messages ORDER BY user_id")
    assert [(row[0], json.loads(row[1])["text"]) for row in typed] == [
        (FIRST, "/start ref-MET7E"),
        (FIRST + 1, "/start"),
    ]


async def test_a_photo_is_kept_at_once_and_offered_as_a_bold(
    hook: Webhook, meta: Meta, query: Rows
) -> None:
    meta.files["bench.jpg"] = PHOTO
    photo = {"type": "image", "payload": {"url": f"{meta.url}/files/bench.jpg"}}
    assert await hook.post(hook.text("P1", "/start")) == 200
    assert (
        await hook.post(hook.event("P1", message={"mid": "m-photo", "attachments": [photo]})) == 200
    )

    [kept] = query("SELECT id, data, mime_type FROM channel_files")
    assert (bytes(kept["data"]), kept["mime_type"]) == (PHOTO, "image/jpeg")
    [draft] = query("SELECT answers FROM conversations WHERE user_id = ?", FIRST)
    assert channel_file_id(kept["id"]) in draft["answers"]


async def test_a_voice_note_is_kept_with_its_length_and_offered_as_a_bold(
    hook: Webhook, meta: Meta, query: Rows
) -> None:
    meta.files["clip.mp4"] = VOICE
    clip = {"type": "audio", "payload": {"url": f"{meta.url}/files/clip.mp4"}}
    assert await hook.post(hook.text("P1", "/start")) == 200
    assert (
        await hook.post(hook.event("P1", message={"mid": "m-clip", "attachments": [clip]})) == 200
    )

    [kept] = query("SELECT id, data FROM channel_files")
    assert bytes(kept["data"]) == VOICE
    [draft] = query("SELECT answers FROM conversations WHERE user_id = ?", FIRST)
    said = json.loads(draft["answers"])
    assert (said["voice"], said["voice_seconds"]) == (channel_file_id(kept["id"]), 7)


async def test_a_file_meta_cannot_give_now_is_asked_for_again(
    hook: Webhook, meta: Meta, query: Rows
) -> None:
    photo = {"type": "image", "payload": {"url": f"{meta.url}/files/gone.jpg"}}
    event = hook.event("P1", message={"mid": "m-photo", "attachments": [photo]})
    assert await hook.post(event) == 503  # Meta delivers it again
    assert query("SELECT 1 FROM channel_files") == []
    meta.files["gone.jpg"] = PHOTO
    assert await hook.post(event) == 200
    assert len(query("SELECT 1 FROM channel_files")) == 1


async def test_a_sticker_a_video_and_a_file_are_answered_and_nothing_is_kept(
    hook: Webhook, query: Rows
) -> None:
    like = {
        "type": "image",
        "payload": {"url": "http://127.0.0.1:9/like.png", "sticker_id": 369239263222822},
    }
    video = {"type": "video", "payload": {"url": "http://127.0.0.1:9/clip.mp4"}}
    file = {"type": "file", "payload": {"url": "http://127.0.0.1:9/cv.pdf"}}
    for n, attachment in enumerate((like, video, file)):
        event = hook.event("P1", message={"mid": f"m-{n}", "attachments": [attachment]})
        assert await hook.post(event) == 200
    assert query("SELECT 1 FROM channel_files") == []
    assert len(query("SELECT 1 FROM seen_updates WHERE handled_at IS NOT NULL")) == 3


async def test_a_button_press_reaches_its_journey(hook: Webhook, query: Rows) -> None:
    assert await hook.post(hook.text("P1", "/language")) == 200
    press = hook.postback("P1", payloads.action(1, "lang:set:en"))
    assert await hook.post(press) == 200
    [person] = query("SELECT language, language_chosen FROM people WHERE user_id = ?", FIRST)
    assert tuple(person) == ("en", 1)
    # A quick reply carries its payload beside the title the person saw.
    quick = hook.event(
        "P1",
        message={
            "mid": "m-quick",
            "text": "Dansk",
            "quick_reply": {"payload": payloads.action(1, "lang:set:da")},
        },
    )
    assert await hook.post(quick) == 200
    [person] = query("SELECT language FROM people WHERE user_id = ?", FIRST)
    assert person["language"] == "da"


async def test_the_menu_types_its_command(hook: Webhook, query: Rows) -> None:
    assert await hook.post(hook.postback("P1", payloads.command("/language"))) == 200
    assert await hook.post(hook.postback("P1", payloads.typed("Hej med dig"))) == 200
    typed = query("SELECT shown FROM messenger_messages WHERE user_id = ?", FIRST)
    assert [json.loads(row[0])["text"] for row in typed] == ["/language", "Hej med dig"]


async def test_echoes_receipts_and_unknown_events_are_acknowledged_and_left_alone(
    hook: Webhook, query: Rows
) -> None:
    echo = hook.event("P1", message={"mid": "m-echo", "text": "Tak", "is_echo": True})
    delivered = hook.event("P1", delivery={"mids": ["m-1"], "watermark": 1})
    read = hook.event("P1", read={"watermark": 1})
    reaction = hook.event("P1", reaction={"reaction": "love", "action": "react"})
    foreign = hook.postback("P1", "SOMETHING_WE_NEVER_SENT")
    assert await hook.post(echo, delivered, read, reaction, foreign) == 200
    assert query("SELECT 1 FROM messenger_people") == []
    assert query("SELECT 1 FROM seen_updates") == []


async def test_the_events_of_one_post_are_handled_in_order(hook: Webhook, query: Rows) -> None:
    assert await hook.post(hook.text("P1", "/language")) == 200
    choices = [
        hook.postback("P1", payloads.action(1, f"lang:set:{code}"))
        for code in ["en", "da", "en", "da"]
    ]
    assert await hook.post(*choices) == 200
    [person] = query("SELECT language FROM people WHERE user_id = ?", FIRST)
    assert person["language"] == "da"  # the last choice
    assert len(query("SELECT 1 FROM seen_updates WHERE handled_at IS NOT NULL")) == 5


async def test_an_event_delivered_again_while_it_is_handled_is_told_to_come_back(
    hook: Webhook, emulator: BotApiEmulator, query: Rows
) -> None:
    # The reply is held back for a moment, so /start is still being handled.
    emulator.throttle(1.5, retry_after=1, method="sendMessage", chats={FIRST})
    event = hook.text("P1", "/start")
    first = asyncio.create_task(hook.post(event))
    await emulator.wait_for(
        lambda: ("sendMessage", 429) in emulator.refusals, what="the reply held back"
    )
    assert await hook.post(event) == 503
    assert await first == 200
    assert await hook.post(event) == 200
    assert len(query("SELECT 1 FROM messenger_messages")) == 1


async def test_what_was_held_for_a_person_goes_out_when_they_write(
    hook: Webhook, clock: FakeClock, query: Rows, messenger_settings: Settings
) -> None:
    assert await hook.post(hook.text("P1", "/start")) == 200
    later = (clock.now.replace(year=2027)).isoformat()
    with closing(sqlite3.connect(messenger_settings.database)) as connection, connection:
        connection.execute(
            "INSERT INTO outbox (channel, user_id, payload, state, next_attempt_at, held_until) "
            "VALUES ('telegram', ?, ?, 'held', ?, ?)",
            (FIRST, json.dumps({"text": "Nyhedsbrev"}), clock.now.isoformat(), later),
        )
    assert await hook.post(hook.text("P1", "Hej")) == 200
    await until(lambda: query("SELECT state FROM outbox")[0]["state"] != "held")


async def test_a_locked_database_tells_meta_to_come_back_and_the_event_is_handled_once(
    messenger_settings: Settings, clock: FakeClock, query: Rows, caplog: pytest.LogCaptureFixture
) -> None:
    quick = messenger_settings.model_copy(update={"database_busy_timeout": 0.2})
    async with running(build_application(quick, clock=clock)) as application:
        hook = Webhook(f"{web_of(application).url}/messenger/webhook")
        event = hook.text("P1", "/start")
        other = sqlite3.connect(
            quick.database, timeout=60, isolation_level=None, check_same_thread=False
        )
        with closing(other):
            await asyncio.to_thread(other.execute, "BEGIN EXCLUSIVE")
            assert await hook.post(event) == 503
            other.execute("ROLLBACK")
        assert await hook.post(event) == 200
    assert len(query("SELECT 1 FROM messenger_messages")) == 1
    refused = [r for r in caplog.records if r.name == "bot.channels.messenger.webhook"]
    assert [r.levelname for r in refused] == ["WARNING"]


async def test_the_page_s_get_started_menu_and_greeting_are_set_at_start(
    bot: BoldenApp, meta: Meta
) -> None:
    [profile] = meta.set_profiles
    assert profile["get_started"] == {"payload": payloads.GET_STARTED}
    menus = {menu["locale"]: menu["call_to_actions"] for menu in profile["persistent_menu"]}
    assert list(menus) == ["default", "en_US", "en_GB"]
    assert [item["title"] for item in menus["default"]] == [
        "Menu",
        "Send en bold",
        "Mine bolde",
        "Hjælp",
    ]
    assert [item["title"] for item in menus["en_GB"]] == ["Menu", "Send a bold", "My bolds", "Help"]
    assert [item["payload"] for item in menus["default"]] == [
        "m|/start",
        "m|/bold",
        "m|/mybolde",
        "m|/help",
    ]
    greetings = {greeting["locale"]: greeting["text"] for greeting in profile["greeting"]}
    assert greetings["default"].startswith("Send en idé")
    assert greetings["en_US"].startswith("Send the municipality")
    messenger = messenger_in(bot.bot_data)
    assert messenger is not None
    assert messenger.link == "https://m.me/boldenfredericia"


async def test_meta_unreachable_at_start_up_does_not_stop_the_bot_and_a_job_tries_again(
    messenger_settings: Settings,
    clock: FakeClock,
    meta: Meta,
    query: Rows,
    caplog: pytest.LogCaptureFixture,
) -> None:
    meta.down = True
    async with running(build_application(messenger_settings, clock=clock)) as application:
        assert any(
            r.getMessage().startswith("Setting up the Messenger page failed")
            for r in caplog.records
        )
        hook = Webhook(f"{web_of(application).url}/messenger/webhook")
        assert await hook.post(hook.text("P1", "/start")) == 200  # people are heard meanwhile
        assert query("SELECT first_name FROM messenger_people")[0][0] is None

        meta.down = False
        assert application.job_queue is not None
        [job] = application.job_queue.get_jobs_by_name(SET_UP_JOB)
        await job.run(application)
        assert len(meta.set_profiles) == 1
        messenger = messenger_in(application.bot_data)
        assert messenger is not None
        assert messenger.link == "https://m.me/boldenfredericia"


async def test_the_nightly_job_forgets_old_events_but_never_reuses_an_update_id(
    bot: BoldenApp, hook: Webhook, clock: FakeClock, query: Rows
) -> None:
    assert await hook.post(hook.text("P1", "/start"), hook.text("P1", "/help")) == 200
    clock.advance(days=3)
    assert bot.job_queue is not None
    [job] = bot.job_queue.get_jobs_by_name(SEEN_UPDATES)
    await job.run(bot)
    assert [row[0] for row in query("SELECT n FROM messenger_events")] == [2]  # the newest kept
    assert await hook.post(hook.text("P1", "/language")) == 200
    assert [row[0] for row in query("SELECT n FROM messenger_events")] == [2, 3]
    ids = query("SELECT update_id FROM seen_updates")
    assert [row[0] for row in ids] == [MESSENGER_FIRST_ID + 3]


async def test_nothing_a_person_wrote_or_is_called_reaches_the_log(
    hook: Webhook, meta: Meta, caplog: pytest.LogCaptureFixture
) -> None:
    # The level a running bot logs at, and everything of our own.
    caplog.set_level(logging.INFO)
    for ours in ("bot", "handlers", "storage"):
        caplog.set_level(logging.DEBUG, logger=ours)
    meta.files["back.jpg"] = PHOTO
    photo = {"type": "image", "payload": {"url": f"{meta.url}/files/back.jpg"}}
    events = [
        hook.text("P1", "Min nabo slår sine børn"),
        hook.postback("P1", payloads.typed("Jeg hedder Mette og bor på Vestre Ringvej")),
        hook.event("P1", message={"mid": "m-photo", "attachments": [photo]}),
        hook.event("P1", referral={"ref": "ref-SECRET1", "source": "SHORTLINK"}),
    ]
    assert await hook.post(*events) == 200
    assert await hook.post(*events) == 200  # the repeats too
    logged = "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    for secret in ("nabo", "Vestre Ringvej", "Mette", "Hansen", "SECRET1", "back.jpg", "P1"):
        assert secret not in logged


async def test_an_event_a_dead_process_took_in_but_never_handled_is_handled_after_a_restart(
    messenger_settings: Settings, clock: FakeClock, query: Rows
) -> None:
    async with running(build_application(messenger_settings, clock=clock)) as application:
        hook = Webhook(f"{web_of(application).url}/messenger/webhook")
        event = hook.text("P1", "/start", mid="m-lost")
    # What a process killed while handling it leaves: the event taken, its update unhandled.
    with closing(sqlite3.connect(messenger_settings.database)) as connection, connection:
        connection.execute(
            "INSERT INTO messenger_events (n, mid, seen_at) VALUES (1, 'm-lost', ?)",
            (clock.now.isoformat(),),
        )
        connection.execute(
            "INSERT INTO seen_updates (update_id, seen_at) VALUES (?, ?)",
            (MESSENGER_FIRST_ID + 1, clock.now.isoformat()),
        )
    async with running(build_application(messenger_settings, clock=clock)) as application:
        hook.url = f"{web_of(application).url}/messenger/webhook"
        assert await hook.post(event) == 200  # Meta's next delivery is handled
    assert len(query("SELECT 1 FROM messenger_messages")) == 1
    assert query("SELECT handled_at IS NOT NULL FROM seen_updates")[0][0] == 1
