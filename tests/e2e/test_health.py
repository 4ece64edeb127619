"""/healthz and /readyz: the process answers while it lives; it is ready while its database
answers and would take a write and its outbox sender runs. The answers tell when the Bot API
last answered and how many messages wait, and nothing about any person."""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from contextlib import closing

import pytest

from bot.app import BoldenApp
from bot.config import Settings
from bot.sandbox.emulator import SimulatedPerson
from bot.services import Services
from bot.web.health import VITALS, Vitals
from storage import outbox
from storage.database import iso
from tests.conftest import FakeClock
from tests.web import fetch

READY_FIELDS = {"ready", "database", "outbox_sender", "leads", "outbox_due", "last_bot_api_answer"}


async def _ready(site: str) -> tuple[int, dict[str, object]]:
    answer = await fetch(f"{site}/readyz")
    assert answer.headers["Content-Type"].startswith("application/json")
    found: dict[str, object] = json.loads(answer.text)
    assert set(found) == READY_FIELDS  # these and no more: nothing about a person
    return answer.status, found


async def _alive(site: str) -> int:
    answer = await fetch(f"{site}/healthz")
    assert json.loads(answer.text) == {"status": "ok"}
    return answer.status


async def test_a_running_bot_is_alive_and_ready(site: str, clock: FakeClock) -> None:
    assert await _alive(site) == 200
    status, found = await _ready(site)
    assert status == 200
    assert found == {
        "ready": True,
        "database": "ok",
        "outbox_sender": "running",
        "leads": True,  # the one process on a SQLite file
        "outbox_due": 0,
        "last_bot_api_answer": iso(clock()),  # getMe and the command menus at start-up
    }


async def test_the_last_bot_api_answer_moves_when_a_message_is_sent(
    site: str, clock: FakeClock, anna: SimulatedPerson
) -> None:
    started = clock()
    clock.advance(minutes=5)
    await anna.send("/start")
    _, found = await _ready(site)
    assert found["last_bot_api_answer"] == iso(clock())
    assert found["last_bot_api_answer"] != iso(started)


async def test_a_closed_database_makes_the_bot_unready_but_alive(bot: BoldenApp, site: str) -> None:
    services: Services = bot.bot_data["services"]
    await services.db.close()

    status, found = await _ready(site)
    assert status == 503
    assert found["ready"] is False
    assert found["database"] == "closed"
    assert found["outbox_due"] is None
    assert await _alive(site) == 200


async def test_a_database_file_that_is_gone_makes_the_bot_unready_and_is_not_made_anew(
    site: str, settings: Settings
) -> None:
    settings.database.unlink()

    status, found = await _ready(site)
    assert status == 503
    assert found["database"] == "missing"
    assert not settings.database.exists()


async def test_a_database_locked_by_another_process_makes_the_bot_unready_until_freed(
    site: str, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.web.health")
    other = sqlite3.connect(
        settings.database, timeout=60, isolation_level=None, check_same_thread=False
    )
    with closing(other):
        # In a thread: it may wait for the bot's own write, which needs this loop to finish.
        await asyncio.to_thread(other.execute, "BEGIN EXCLUSIVE")
        for _ in range(3):
            status, found = await _ready(site)
            assert status == 503
            assert found["database"] == "locked"
        assert await _alive(site) == 200
        other.execute("ROLLBACK")

    for _ in range(2):
        status, found = await _ready(site)
        assert status == 200
        assert found["database"] == "ok"
    # One line when it turned unready, one when it recovered: not one per probe.
    said = [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "bot.web.health"]
    assert said == [("WARNING", "Not ready: database locked"), ("INFO", "Ready again")]


async def test_a_read_only_database_makes_the_bot_unready_and_says_so(
    site: str, settings: Settings
) -> None:
    settings.database.chmod(0o444)
    try:
        status, found = await _ready(site)
    finally:
        settings.database.chmod(0o644)
    assert status == 503
    assert found["database"] == "read-only"


async def test_a_stopped_sender_makes_the_bot_unready_and_the_backlog_counts_what_is_due(
    bot: BoldenApp, site: str, clock: FakeClock
) -> None:
    vitals: Vitals = bot.bot_data[VITALS]
    assert vitals.sender is not None
    await vitals.sender.stop()
    services: Services = bot.bot_data["services"]
    async with services.db.transaction() as connection:
        await outbox.enqueue(
            connection,
            None,
            [("telegram", 1001, None, {"text": "a"}), ("telegram", 1002, None, {"text": "b"})],
            clock(),
        )
        # One more that is not due yet: it is not part of the backlog.
        await outbox.enqueue(connection, None, [("telegram", 1003, None, {"text": "c"})], clock())
        await connection.execute(
            "UPDATE outbox SET next_attempt_at = ? WHERE user_id = 1003",
            (outbox.moment(clock().replace(year=2030)),),
        )

    status, found = await _ready(site)
    assert status == 503
    assert found["outbox_sender"] == "stopped"
    assert found["outbox_due"] == 2
    assert found["database"] == "ok"
