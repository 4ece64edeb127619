"""Messenger's webhook: Meta POSTs signed events to /messenger/webhook, and each becomes the
update a Telegram person's would be, for the same journeys. What the journeys received is read
from what they stored (the replies to Messenger people go out through the outbound side); Meta
is the Graph API emulator, which signs and posts the events these tests write.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import closing
from typing import Any, get_args

import pytest

from bot.app import BoldenApp, build_application, running, web_of
from bot.channels import MESSENGER_FIRST_ID, channel_file_id
from bot.channels.messenger import payloads
from bot.channels.messenger.channel import SET_UP_JOB, messenger_in
from bot.config import Settings
from bot.sandbox.messenger import Endpoint, Fault, GraphApiEmulator
from bot.scheduling import SEEN_UPDATES
from storage import messenger as store
from storage.database import Database
from tests.conftest import VERIFY_TOKEN, FakeClock, on_messenger, until
from tests.web import Answer, fetch

PHOTO = b"\xff\xd8\xff\xe0 a photo of a broken bench"
# A voice clip of 7 seconds as Messenger sends it: an MP4 file whose movie header says so.
MVHD = bytes(12) + (1000).to_bytes(4) + (7000).to_bytes(4) + bytes(80)
MOOV = (16 + len(MVHD)).to_bytes(4) + b"moov" + (8 + len(MVHD)).to_bytes(4) + b"mvhd" + MVHD
VOICE = (16).to_bytes(4) + b"ftypM4A " + bytes(4) + MOOV
FIRST = MESSENGER_FIRST_ID + 1  # the first Messenger person's user id

Rows = Callable[..., list[sqlite3.Row]]


class Webhook:
    """Meta's side of /messenger/webhook: events as Meta sends them, each with a time of its
    own, POSTed once by the Graph API emulator (signed, or with the given signature)."""

    def __init__(self, graph: GraphApiEmulator) -> None:
        assert graph.webhook is not None, "subscribed first"
        self.graph = graph
        self.url = graph.webhook
        self.sent = 0

    async def post(self, *events: dict[str, Any], signature: str | None = "") -> int | None:
        if signature == "":
            return await self.graph.post(*events)
        return await self.graph.post_raw(self.graph.body(*events), signature)

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
def messenger_settings(settings: Settings, graph: GraphApiEmulator) -> Settings:
    graph.person("P1", "Mette", "Hansen", "da_DK")
    graph.person("P2", "Joan", locale="en_GB")
    return on_messenger(settings, graph)


@pytest.fixture
async def bot(messenger_settings: Settings, clock: FakeClock) -> AsyncIterator[BoldenApp]:
    async with running(build_application(messenger_settings, clock=clock)) as application:
        yield application


async def hooked(graph: GraphApiEmulator, application: BoldenApp) -> Webhook:
    """Meta subscribed to this bot's webhook (the handshake), posting to it."""
    assert await graph.subscribe(f"{web_of(application).url}/messenger/webhook", VERIFY_TOKEN)
    return Webhook(graph)


@pytest.fixture
async def hook(graph: GraphApiEmulator, bot: BoldenApp) -> Webhook:
    return await hooked(graph, bot)


def written(query: Rows, user_id: int | None = None) -> list[sqlite3.Row]:
    """The messages Messenger people wrote, as stored, by person and in order (the bot's own
    messages to them, in the same table, carry their reply_markup)."""
    rows = query(
        "SELECT user_id, message_id, shown FROM messenger_messages "
        "WHERE json_type(shown, '$.reply_markup') IS NULL ORDER BY user_id, message_id"
    )
    return [row for row in rows if user_id in (None, row["user_id"])]


def with_buttons(query: Rows) -> int:
    """The id of the newest message the bot showed with buttons."""
    rows = query(
        "SELECT message_id FROM messenger_messages "
        "WHERE json_type(shown, '$.reply_markup') = 'object' ORDER BY message_id DESC LIMIT 1"
    )
    return int(rows[0][0])


def profile_asks(graph: GraphApiEmulator) -> list[str]:
    """Whose names the bot asked Meta for, in order."""
    return [query["id"] for endpoint, query in graph.requests if endpoint == "person"]


def profiles_set(graph: GraphApiEmulator) -> list[dict[str, Any]]:
    """The Messenger Profiles the bot set (each POST that Meta took in)."""
    return [body for endpoint, body in graph.requests if endpoint == "messenger_profile"]


def down(graph: GraphApiEmulator) -> list[Fault]:
    """Meta answers 503 to everything until the faults are healed."""
    return [graph.fail(503, times=None, endpoint=endpoint) for endpoint in get_args(Endpoint)]


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
    hook: Webhook, graph: GraphApiEmulator, query: Rows
) -> None:
    assert await hook.post(hook.text("P1", "/start")) == 200
    assert await hook.post(hook.text("P1", "/help")) == 200
    assert await hook.post(hook.text("P2", "/start")) == 200

    people = query("SELECT user_id, psid, first_name, last_name, locale FROM messenger_people")
    assert [tuple(row) for row in people] == [
        (FIRST, "P1", "Mette", "Hansen", "da_DK"),
        (FIRST + 1, "P2", "Joan", None, "en_GB"),
    ]
    assert profile_asks(graph) == ["P1", "P2"]  # asked once, on the first message
    seen = query("SELECT user_id, language, name FROM people ORDER BY user_id")
    assert [tuple(row) for row in seen] == [
        (FIRST, "da", "Mette Hansen"),
        (FIRST + 1, "en", "Joan"),
    ]
    # The person's own messages take the chat's message ids, in order, between the bot's.
    shown = written(query, FIRST)
    assert [json.loads(row["shown"]) for row in shown] == [{"text": "/start"}, {"text": "/help"}]
    chat = query("SELECT message_id FROM messenger_messages WHERE user_id = ?", FIRST)
    ids = sorted(row[0] for row in chat)
    assert ids == list(range(1, len(ids) + 1))
    assert shown[0]["message_id"] == 1 < shown[1]["message_id"]
    assert graph.sent["P1"], "the bot's replies reached Mette in Messenger"


async def test_a_person_whose_profile_meta_will_not_give_is_met_without_a_name(
    hook: Webhook, graph: GraphApiEmulator, query: Rows
) -> None:
    assert await hook.post(hook.text("P9", "Hej")) == 200
    assert profile_asks(graph) == ["P9"]
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


async def test_a_body_that_is_not_a_page_s_events_is_refused(
    hook: Webhook, graph: GraphApiEmulator, query: Rows
) -> None:
    body = json.dumps({"object": "instagram", "entry": []}).encode()
    assert await graph.post_raw(body, graph.sign(body)) == 400
    assert await graph.post_raw(b"{", graph.sign(b"{")) == 400


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
    assert len(written(query)) == 2
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
    assert [(row[0], json.loads(row["shown"])["text"]) for row in written(query)] == [
        (FIRST, "/start ref-MET7E"),
        (FIRST + 1, "/start"),
    ]


async def test_a_photo_is_kept_at_once_and_offered_as_a_bold(
    hook: Webhook, graph: GraphApiEmulator, query: Rows
) -> None:
    photo = {"type": "image", "payload": {"url": graph.keep_file("bench.jpg", PHOTO, "image/jpeg")}}
    assert await hook.post(hook.text("P1", "/start")) == 200
    assert (
        await hook.post(hook.event("P1", message={"mid": "m-photo", "attachments": [photo]})) == 200
    )

    [kept] = query("SELECT id, data, mime_type FROM channel_files")
    assert (bytes(kept["data"]), kept["mime_type"]) == (PHOTO, "image/jpeg")
    [draft] = query("SELECT answers FROM conversations WHERE user_id = ?", FIRST)
    assert channel_file_id(kept["id"]) in draft["answers"]


async def test_a_voice_note_is_kept_with_its_length_and_offered_as_a_bold(
    hook: Webhook, graph: GraphApiEmulator, query: Rows
) -> None:
    clip = {"type": "audio", "payload": {"url": graph.keep_file("clip.mp4", VOICE, "audio/mp4")}}
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
    hook: Webhook, graph: GraphApiEmulator, query: Rows
) -> None:
    photo = {"type": "image", "payload": {"url": f"{graph.root}/files/gone.jpg"}}
    event = hook.event("P1", message={"mid": "m-photo", "attachments": [photo]})
    assert await hook.post(event) == 503  # Meta delivers it again
    assert query("SELECT 1 FROM channel_files") == []
    graph.files["gone.jpg"] = (PHOTO, "image/jpeg")  # Meta's CDN has it again
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
    press = hook.postback("P1", payloads.action(with_buttons(query), "lang:set:en"))
    assert await hook.post(press) == 200
    [person] = query("SELECT language, language_chosen FROM people WHERE user_id = ?", FIRST)
    assert tuple(person) == ("en", 1)
    # A quick reply carries its payload beside the title the person saw.
    assert await hook.post(hook.text("P1", "/language")) == 200
    quick = hook.event(
        "P1",
        message={
            "mid": "m-quick",
            "text": "Dansk",
            "quick_reply": {"payload": payloads.action(with_buttons(query), "lang:set:da")},
        },
    )
    assert await hook.post(quick) == 200
    [person] = query("SELECT language FROM people WHERE user_id = ?", FIRST)
    assert person["language"] == "da"


async def test_the_menu_types_its_command(hook: Webhook, query: Rows) -> None:
    assert await hook.post(hook.postback("P1", payloads.command("/language"))) == 200
    assert await hook.post(hook.postback("P1", payloads.typed("Hej med dig"))) == 200
    typed = written(query, FIRST)
    assert [json.loads(row["shown"])["text"] for row in typed] == ["/language", "Hej med dig"]


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
    menu = with_buttons(query)
    choices = [
        hook.postback("P1", payloads.action(menu, f"lang:set:{code}"))
        for code in ["en", "da", "en", "da"]
    ]
    assert await hook.post(*choices) == 200
    [person] = query("SELECT language FROM people WHERE user_id = ?", FIRST)
    # The first press chose, and the menu it answered has no such buttons any more: the
    # three presses after it are stale, as on Telegram, where the buttons are gone.
    assert person["language"] == "en"
    assert len(query("SELECT 1 FROM seen_updates WHERE handled_at IS NOT NULL")) == 5


async def test_an_event_delivered_again_while_it_is_handled_is_told_to_come_back(
    hook: Webhook, graph: GraphApiEmulator, query: Rows
) -> None:
    # The reply is held back, so /start is still being handled.
    held = graph.stall(people={"P1"})
    event = hook.text("P1", "/start")
    first = asyncio.create_task(hook.post(event))
    await graph.wait_for(lambda: held.hits == 1, what="the reply held back")
    assert await hook.post(event) == 503
    graph.heal(held)
    assert await first == 200
    assert await hook.post(event) == 200
    assert len(written(query)) == 1


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
    messenger_settings: Settings,
    graph: GraphApiEmulator,
    clock: FakeClock,
    query: Rows,
    caplog: pytest.LogCaptureFixture,
) -> None:
    quick = messenger_settings.model_copy(update={"database_busy_timeout": 0.2})
    async with running(build_application(quick, clock=clock)) as application:
        hook = await hooked(graph, application)
        event = hook.text("P1", "/start")
        other = sqlite3.connect(
            quick.database, timeout=60, isolation_level=None, check_same_thread=False
        )
        with closing(other):
            await asyncio.to_thread(other.execute, "BEGIN EXCLUSIVE")
            assert await hook.post(event) == 503
            other.execute("ROLLBACK")
        assert await hook.post(event) == 200
    assert len(written(query)) == 1
    refused = [r for r in caplog.records if r.name == "bot.channels.messenger.webhook"]
    assert [r.levelname for r in refused] == ["WARNING"]


async def test_the_page_s_get_started_menu_and_greeting_are_set_at_start(
    bot: BoldenApp, graph: GraphApiEmulator
) -> None:
    [profile] = profiles_set(graph)
    assert graph.profile == profile
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
    graph: GraphApiEmulator,
    query: Rows,
    caplog: pytest.LogCaptureFixture,
) -> None:
    outage = down(graph)
    async with running(build_application(messenger_settings, clock=clock)) as application:
        assert any(
            r.getMessage().startswith("Setting up the Messenger page failed")
            for r in caplog.records
        )
        hook = await hooked(graph, application)
        assert await hook.post(hook.text("P1", "/start")) == 200  # people are heard meanwhile
        assert query("SELECT first_name FROM messenger_people")[0][0] is None

        for fault in outage:
            graph.heal(fault)
        assert application.job_queue is not None
        [job] = application.job_queue.get_jobs_by_name(SET_UP_JOB)
        await job.run(application)
        assert len(profiles_set(graph)) == 1
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
    hook: Webhook, graph: GraphApiEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    # The level a running bot logs at, and everything of our own.
    caplog.set_level(logging.INFO)
    for ours in ("bot", "handlers", "storage"):
        caplog.set_level(logging.DEBUG, logger=ours)
    photo = {"type": "image", "payload": {"url": graph.keep_file("back.jpg", PHOTO, "image/jpeg")}}
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
    messenger_settings: Settings, graph: GraphApiEmulator, clock: FakeClock, query: Rows
) -> None:
    async with running(build_application(messenger_settings, clock=clock)) as application:
        hook = await hooked(graph, application)
        event = hook.text("P1", "/start", mid="m-lost")
    # What a process killed while handling it leaves: the event taken, its update unhandled.
    db = await Database.open(messenger_settings.database)
    try:
        async with db.transaction() as connection:
            assert await store.take_event(connection, "m-lost", clock()) == (1, True)
            await connection.execute(
                "INSERT INTO seen_updates (update_id, seen_at) VALUES (?, ?)",
                (MESSENGER_FIRST_ID + 1, clock.now.isoformat()),
            )
    finally:
        await db.close()
    async with running(build_application(messenger_settings, clock=clock)) as application:
        hook = await hooked(graph, application)
        assert await hook.post(event) == 200  # Meta's next delivery is handled
    assert len(written(query)) == 1
    assert query("SELECT handled_at IS NOT NULL FROM seen_updates")[0][0] == 1
