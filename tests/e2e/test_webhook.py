"""Webhook mode (BOLDEN_WEBHOOK_URL): Telegram POSTs each update to the bot's web server with a
secret header. A person's journey works as with polling; a request without the secret changes
nothing; an update Telegram delivers again is handled once; and what arrives while the bot is
down is handled after the restart."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import sqlite3
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import closing
from pathlib import Path

import pytest
from telegram.error import BadRequest, Conflict

from bot.app import BoldenApp, build_application, running, web_of
from bot.config import Settings, load_settings
from bot.sandbox.emulator import BotApiEmulator, SimulatedPerson
from bot.scheduling import SEEN_UPDATES
from bot.web.context import site_in
from bot.web.webhook import secret_token
from tests.conftest import COORDINATOR_ID, TOKEN, FakeClock, all_handled, sign_up
from tests.web import fetch

START = 60.0  # seconds a fresh process may take to import and start on a busy machine


def _free_port() -> int:
    """A port for the web server that Telegram's webhook URL can name before it starts."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def hooked_settings(tmp_path: Path, emulator: BotApiEmulator) -> Settings:
    port = _free_port()
    return load_settings(
        token=TOKEN,
        api_base_url=emulator.url,
        database=tmp_path / "bolden.sqlite3",
        coordinators=str(COORDINATOR_ID),
        web_port=port,
        webhook_url=f"http://127.0.0.1:{port}/telegram/webhook",
    )


@pytest.fixture
async def hooked(hooked_settings: Settings, clock: FakeClock) -> AsyncIterator[BoldenApp]:
    async with running(build_application(hooked_settings, clock=clock)) as application:
        yield application


def _polls(emulator: BotApiEmulator) -> int:
    return sum(method == "getUpdates" for method, _ in emulator.requests)


def _start_from(person: SimulatedPerson, update_id: int) -> dict[str, object]:
    """An update in which `person` types /start, not yet delivered."""
    return {
        "update_id": update_id,
        "message": {
            "message_id": person.emulator.next_message_id(),
            "from": person.user,
            "chat": person.chat,
            "date": int(time.time()),
            "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }


async def test_a_person_signs_up_over_the_webhook_and_each_update_is_posted_once(
    hooked: BoldenApp,
    hooked_settings: Settings,
    emulator: BotApiEmulator,
    anna: SimulatedPerson,
    query: Callable[..., list[sqlite3.Row]],
) -> None:
    assert emulator.webhook is not None
    assert emulator.webhook["url"] == hooked_settings.webhook_url
    assert emulator.webhook["secret_token"] == secret_token(hooked_settings)
    assert emulator.webhook["allowed_updates"]  # every kind, as with polling

    welcome = await anna.send("/start")
    assert welcome.text.startswith("Hej Anna!")
    await sign_up(anna)
    await all_handled(hooked, emulator)
    assert query("SELECT status FROM ambassadors")[0]["status"] == "active"

    assert _polls(emulator) == 0  # no getUpdates in webhook mode
    assert emulator.webhook_posts
    assert all(status == 200 for _, status in emulator.webhook_posts)
    ids = [update_id for update_id, _ in emulator.webhook_posts]
    assert len(ids) == len(set(ids))  # each delivered once, in the order pushed
    assert ids == sorted(ids)


async def test_getupdates_is_refused_while_the_webhook_is_set(
    hooked: BoldenApp, hooked_settings: Settings
) -> None:
    with pytest.raises(Conflict):
        await hooked.bot.get_updates()
    info = await hooked.bot.get_webhook_info()
    assert info.url == hooked_settings.webhook_url
    assert info.pending_update_count == 0


async def test_forged_and_missing_secrets_are_refused_and_change_nothing(
    hooked: BoldenApp,
    hooked_settings: Settings,
    emulator: BotApiEmulator,
    anna: SimulatedPerson,
    query: Callable[..., list[sqlite3.Row]],
) -> None:
    forged = _start_from(anna, 9000)
    assert await emulator.post_update(forged, "not-the-secret") == 403
    assert await emulator.post_update(forged, None) == 403
    assert await emulator.post_update(forged, secret_token(hooked_settings)[:-1]) == 403

    # Anna's next update is answered, and it is the only answer she got: the refused ones
    # were neither handled nor remembered, so the same update with the secret is handled.
    await anna.send("/help")
    assert len(anna.messages) == 1
    assert query("SELECT 1 FROM seen_updates WHERE update_id = 9000") == []
    assert await emulator.post_update(forged, secret_token(hooked_settings)) == 200
    assert len(anna.messages) == 2
    assert anna.last.text.startswith("Hej Anna!")
    assert query("SELECT handled_at IS NOT NULL FROM seen_updates WHERE update_id = 9000")[0][0]


async def test_an_update_delivered_again_is_answered_once(
    hooked: BoldenApp, emulator: BotApiEmulator, anna: SimulatedPerson
) -> None:
    await anna.send("/start")
    update_id = emulator.last_update_id
    await all_handled(hooked, emulator)  # Telegram has its answer
    replies = len(anna.messages)

    assert await emulator.repeat(update_id) == 200  # confirmed again, not handled again
    await anna.send("/help")
    assert len(anna.messages) == replies + 1
    assert emulator.posts_of(update_id) == [200, 200]


async def test_an_update_delivered_again_while_it_is_handled_is_told_to_come_back(
    hooked: BoldenApp, emulator: BotApiEmulator, anna: SimulatedPerson
) -> None:
    # Telegram holds back the reply for a moment, so /start is still being handled.
    emulator.throttle(1.5, retry_after=1, method="sendMessage", chats={anna.id})
    await anna.send("/start", wait=False)
    await emulator.wait_for(
        lambda: ("sendMessage", 429) in emulator.refusals, what="the reply held back"
    )
    update_id = emulator.last_update_id
    assert await emulator.repeat(update_id) == 503  # Telegram tries again later

    await emulator.wait_for(lambda: anna.messages, what="the reply to /start")
    await all_handled(hooked, emulator)
    assert await emulator.repeat(update_id) == 200
    assert len(anna.messages) == 1
    # In the order answered: the repeat, then the first delivery once handled, then the last.
    assert emulator.posts_of(update_id) == [503, 200, 200]


async def test_what_arrives_while_the_bot_is_down_is_handled_after_a_restart(
    hooked_settings: Settings,
    clock: FakeClock,
    emulator: BotApiEmulator,
    anna: SimulatedPerson,
    john: SimulatedPerson,
) -> None:
    async with running(build_application(hooked_settings, clock=clock)):
        await anna.send("/start")
    assert emulator.webhook is not None  # stopping leaves the webhook to Telegram

    await anna.send("/help", wait=False)
    await john.send("/start", wait=False)
    await emulator.wait_for(
        lambda: any(status is None for _, status in emulator.webhook_posts),
        what="a delivery that found no one listening",
    )

    async with running(build_application(hooked_settings, clock=clock)) as application:
        await emulator.wait_for(lambda: john.messages, what="john's welcome after the restart")
        await all_handled(application, emulator)
    assert len(anna.messages) == 2  # the welcome, and the help that waited at Telegram
    assert len(john.messages) == 1
    assert _polls(emulator) == 0


async def test_without_a_webhook_url_the_bot_polls_and_takes_the_webhook_down(
    hooked_settings: Settings,
    settings: Settings,
    clock: FakeClock,
    emulator: BotApiEmulator,
    anna: SimulatedPerson,
) -> None:
    async with running(build_application(hooked_settings, clock=clock)):
        pass
    assert emulator.webhook is not None

    async with running(build_application(settings, clock=clock)):
        welcome = await anna.send("/start")
    assert welcome.text.startswith("Hej Anna!")
    assert emulator.webhook is None
    assert _polls(emulator) > 0


async def test_the_nightly_job_forgets_ids_too_old_to_be_repeated(
    hooked: BoldenApp,
    clock: FakeClock,
    emulator: BotApiEmulator,
    anna: SimulatedPerson,
    query: Callable[..., list[sqlite3.Row]],
) -> None:
    await anna.send("/start")
    old = emulator.last_update_id
    clock.advance(days=3)
    await anna.send("/help")
    await all_handled(hooked, emulator)

    assert hooked.job_queue is not None
    [job] = hooked.job_queue.get_jobs_by_name(SEEN_UPDATES)
    await job.run(hooked)

    kept = [row["update_id"] for row in query("SELECT update_id FROM seen_updates")]
    assert kept == [emulator.last_update_id]
    assert old not in kept


class WebhookRun:
    """`bolden run` with BOLDEN_WEBHOOK_URL set, as an operator starts it; stopped by a signal."""

    def __init__(self, emulator: BotApiEmulator, folder: Path) -> None:
        self.emulator = emulator
        self.database = folder / "bolden.sqlite3"
        self.log = folder / "bolden.log"
        port = _free_port()
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("BOLDEN_")}
        self.env |= {
            "BOLDEN_TOKEN": TOKEN,
            "BOLDEN_API_BASE_URL": emulator.url,
            "BOLDEN_DATABASE": str(self.database),
            "BOLDEN_COORDINATORS": str(COORDINATOR_ID),
            "BOLDEN_WEB_PORT": str(port),
            "BOLDEN_WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram/webhook",
        }
        self.process: asyncio.subprocess.Process | None = None

    async def launch(self) -> asyncio.subprocess.Process:
        with self.log.open("ab") as log:
            return await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", env=self.env, stdout=log, stderr=log
            )

    async def start(self) -> None:
        registered = self._registrations()
        self.process = await self.launch()
        await self.emulator.wait_for(
            lambda: self._registrations() > registered, START, "the webhook registered"
        )

    def _registrations(self) -> int:
        return sum(method == "setWebhook" for method, _ in self.emulator.requests)

    async def signal(self, number: int) -> int:
        assert self.process is not None
        self.process.send_signal(number)
        code = await self.process.wait()
        self.process = None
        return code

    def query(self, sql: str, *params: object) -> list[tuple[object, ...]]:
        with closing(sqlite3.connect(self.database)) as connection:
            return list(connection.execute(sql, params))


@pytest.fixture
async def webhook_run(emulator: BotApiEmulator, tmp_path: Path) -> AsyncIterator[WebhookRun]:
    run = WebhookRun(emulator, tmp_path)
    await run.start()
    try:
        yield run
    finally:
        if run.process is not None:
            await run.signal(signal.SIGTERM)


async def test_bolden_run_serves_the_webhook_and_stops_cleanly_on_sigterm(
    webhook_run: WebhookRun, emulator: BotApiEmulator, anna: SimulatedPerson
) -> None:
    welcome = await anna.send("/start")
    assert welcome.text.startswith("Hej Anna!")

    assert await webhook_run.signal(signal.SIGTERM) == 0
    assert emulator.webhook is not None  # Telegram keeps what arrives until the next start
    assert _polls(emulator) == 0
    log = webhook_run.log.read_text()
    assert "Traceback" not in log
    assert TOKEN not in log
    assert secret_token(load_settings(token=TOKEN)) not in log


async def test_a_webhook_address_telegram_refuses_stops_start_up_with_one_line(
    emulator: BotApiEmulator, tmp_path: Path
) -> None:
    run = WebhookRun(emulator, tmp_path)
    run.env["BOLDEN_WEBHOOK_URL"] = "http://bolden.example.dk/telegram/webhook"
    process = await run.launch()

    assert await process.wait() == 2
    last = run.log.read_text().splitlines()[-1]
    assert last.startswith(
        "bolden: BOLDEN_WEBHOOK_URL http://bolden.example.dk/telegram/webhook "
        "was refused by the Bot API: "
    )
    assert "https" in last.lower()
    assert "Traceback" not in run.log.read_text()


async def test_an_update_taken_in_but_not_yet_handled_survives_a_sigkill(
    webhook_run: WebhookRun, emulator: BotApiEmulator, anna: SimulatedPerson
) -> None:
    # Telegram holds back the reply, so /start is taken in, stored as seen, and unfinished.
    held = emulator.throttle(120, retry_after=60, method="sendMessage", chats={anna.id})
    await anna.send("/start", wait=False)
    update_id = emulator.last_update_id
    await emulator.wait_for(
        lambda: ("sendMessage", 429) in emulator.refusals, START, "the reply held back"
    )
    unhandled = "SELECT 1 FROM seen_updates WHERE update_id = ? AND handled_at IS NULL"
    assert webhook_run.query(unhandled, update_id)

    assert await webhook_run.signal(signal.SIGKILL) == -signal.SIGKILL
    emulator.heal(held)
    await webhook_run.start()

    await emulator.wait_for(lambda: anna.messages, START, "the reply after the restart")
    await emulator.wait_for(lambda: not emulator.pending, START, "Telegram's update confirmed")
    assert len(anna.messages) == 1
    assert anna.last.text.startswith("Hej Anna!")
    assert emulator.posts_of(update_id)[-1] == 200
    assert None in emulator.posts_of(update_id)  # the first delivery got no answer


async def test_the_emulator_refuses_a_webhook_telegram_would_refuse(
    hooked: BoldenApp, hooked_settings: Settings, emulator: BotApiEmulator
) -> None:
    with pytest.raises(BadRequest, match=r"(?i)https url"):
        await hooked.bot.set_webhook("http://bolden.example.dk/telegram/webhook")
    with pytest.raises(BadRequest, match=r"(?i)unallowed characters"):
        await hooked.bot.set_webhook(str(hooked_settings.webhook_url), secret_token="not a secret!")
    assert emulator.webhook is not None


async def test_a_stop_finishes_the_updates_in_hand_before_the_bot_goes_down(
    hooked_settings: Settings, clock: FakeClock, emulator: BotApiEmulator, anna: SimulatedPerson
) -> None:
    async with running(build_application(hooked_settings, clock=clock)):
        emulator.throttle(1.5, retry_after=1, method="sendMessage", chats={anna.id})
        await anna.send("/start", wait=False)
        await emulator.wait_for(
            lambda: ("sendMessage", 429) in emulator.refusals, what="the reply held back"
        )
    # The stop waited for /start to be handled and confirmed: nothing is left at Telegram.
    assert anna.last.text.startswith("Hej Anna!")
    await emulator.wait_for(lambda: not emulator.pending, what="the confirmation to arrive")
    assert emulator.posts_of(emulator.last_update_id) == [200]


async def test_an_update_the_locked_database_cannot_take_is_told_to_come_back_and_handled_once(
    hooked_settings: Settings,
    clock: FakeClock,
    emulator: BotApiEmulator,
    anna: SimulatedPerson,
    query: Callable[..., list[sqlite3.Row]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    quick = hooked_settings.model_copy(update={"database_busy_timeout": 0.2})
    async with running(build_application(quick, clock=clock)) as application:
        update = _start_from(anna, 9100)
        secret = secret_token(quick)
        other = sqlite3.connect(
            quick.database, timeout=60, isolation_level=None, check_same_thread=False
        )
        with closing(other):
            # In a thread: it may wait for the bot's own write, which needs this loop to finish.
            await asyncio.to_thread(other.execute, "BEGIN EXCLUSIVE")
            caplog.clear()
            assert await emulator.post_update(update, secret) == 503
            assert await emulator.post_update(update, secret) == 503
            other.execute("ROLLBACK")

        assert await emulator.post_update(update, secret) == 200
        await all_handled(application, emulator)
    assert len(anna.messages) == 1  # handled once
    assert anna.last.text.startswith("Hej Anna!")
    assert query("SELECT handled_at IS NOT NULL FROM seen_updates WHERE update_id = 9100")[0][0]
    refused = [r for r in caplog.records if r.name == "bot.web.webhook"]
    assert [r.levelname for r in refused] == ["WARNING", "WARNING"]
    assert all("\n" not in r.getMessage() and r.exc_info is None for r in refused)
    # No unhandled error in the web server (the outbox sender logs its own retries).
    assert not [
        r for r in caplog.records if r.name.startswith("aiohttp") and r.levelno >= logging.ERROR
    ]


async def test_without_a_public_url_links_point_at_the_webhooks_origin(
    hooked_settings: Settings,
    clock: FakeClock,
    anna: SimulatedPerson,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="bot.app")
    port = hooked_settings.web_port
    # The name Telegram reaches this server by, not the address it listens on.
    webhook_url = f"http://localhost:{port}/telegram/webhook"
    named = hooked_settings.model_copy(update={"webhook_url": webhook_url})
    async with running(build_application(named, clock=clock)) as application:
        assert site_in(application).public_url == f"http://localhost:{port}"
        welcome = await anna.send("/start")
        assert welcome.text.startswith("Hej Anna!")
        events = await fetch(f"{web_of(application).url}/events")
    assert f"http://localhost:{port}/events.ics" in events.text
    assert (
        f"Web server listening on 127.0.0.1:{port}, public address http://localhost:{port}, "
        f"updates by webhook at {webhook_url}"
    ) in caplog.messages


async def test_refused_requests_are_logged_at_most_once_a_minute_without_their_content(
    hooked: BoldenApp,
    emulator: BotApiEmulator,
    anna: SimulatedPerson,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    forged = _start_from(anna, 9200)
    for _ in range(20):  # a flood
        assert await emulator.post_update(forged, "not-the-secret") == 403
    clock.advance(seconds=59)
    assert await emulator.post_update(forged, None) == 403
    clock.advance(seconds=1)
    assert await emulator.post_update(forged, None) == 403

    said = [r for r in caplog.records if r.name == "bot.web.webhook"]
    assert [r.levelname for r in said] == ["WARNING", "WARNING"]
    header = "X-Telegram-Bot-Api-Secret-Token header"
    assert (
        said[0]
        .getMessage()
        .startswith(
            f"Refused 1 webhook request(s) since the last such line, the last with a wrong {header}"
        )
    )
    assert (
        said[1]
        .getMessage()
        .startswith(
            f"Refused 21 webhook request(s) since the last such line, the last with no {header}"
        )
    )
    assert not any("not-the-secret" in r.getMessage() or "Anna" in r.getMessage() for r in said)
