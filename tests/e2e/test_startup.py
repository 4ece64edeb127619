"""`bolden run` and `bolden migrate` when the environment is broken: a damaged, read-only or
misplaced database, a Bot API that does not answer, a second process on the same database.
Each stops with one line on stderr, or keeps going where it should."""

from __future__ import annotations

import asyncio
import logging
import random
import signal
import socket
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest

from bot.app import build_application, running, web_of
from bot.config import Settings
from bot.sandbox.emulator import BotApiEmulator
from bot.web.context import site_in
from tests.conftest import TOKEN, FakeClock, until
from tests.e2e.test_cli import _run_in_background, bolden
from tests.web import fetch

STOP = 60.0  # seconds a process may take to start and give up on a busy machine


def _valid_database(path: Path) -> Path:
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.execute("CREATE TABLE notes (body BLOB)")
        connection.executemany(
            "INSERT INTO notes VALUES (?)", [(random.Random(n).randbytes(900),) for n in range(50)]
        )
    return path


def random_bytes(folder: Path) -> Path:
    path = folder / "bolden.sqlite3"
    path.write_bytes(random.Random(11).randbytes(64 * 1024))
    return path


def a_valid_header_then_random_pages(folder: Path) -> Path:
    path = _valid_database(folder / "bolden.sqlite3")
    data = path.read_bytes()
    path.write_bytes(data[:100] + random.Random(12).randbytes(len(data) - 100))
    return path


def a_read_only_file(folder: Path) -> Path:
    path = _valid_database(folder / "bolden.sqlite3")
    path.chmod(0o444)
    return path


def a_folder_that_does_not_exist(folder: Path) -> Path:
    return folder / "no-such-folder" / "bolden.sqlite3"


def _nothing_listening() -> str:
    """The URL of a port on this machine that no one listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.mark.parametrize("command", ["run", "migrate"])
@pytest.mark.parametrize(
    ("database", "problem"),
    [
        (random_bytes, "is not a usable SQLite database: file is not a database"),
        (a_valid_header_then_random_pages, "is not a usable SQLite database"),
        (a_read_only_file, "is read-only; Bolden must be able to write to it"),
        (a_folder_that_does_not_exist, "no-such-folder does not exist"),
    ],
)
def test_a_database_bolden_cannot_use_stops_start_up_with_one_line_and_exit_code_2(
    tmp_path: Path, command: str, database: Callable[[Path], Path], problem: str
) -> None:
    path = database(tmp_path)

    # Were the database accepted, `run` would go on to a Bot API that is not there and fail
    # with exit code 1 instead.
    result = bolden(command, token=TOKEN, api_base_url=_nothing_listening(), database=str(path))

    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert result.stderr.startswith(f"bolden: BOLDEN_DATABASE {path}")
    assert problem in result.stderr
    assert result.stderr.count("\n") == 1, "one line, no traceback"
    assert not (tmp_path / "no-such-folder").exists(), "a missing folder is not created"


def test_migrate_creates_the_database_in_a_folder_that_exists(tmp_path: Path) -> None:
    result = bolden("migrate", database=str(tmp_path / "new.sqlite3"))

    assert result.returncode == 0, result.stderr
    assert (tmp_path / "new.sqlite3").is_file()


def test_a_bot_api_that_nobody_answers_ends_start_up_with_one_line_after_the_retries(
    tmp_path: Path,
) -> None:
    url = _nothing_listening()

    result = bolden("run", token=TOKEN, api_base_url=url, database=str(tmp_path / "b.sqlite3"))

    assert result.returncode == 1
    assert result.stderr.startswith(f"bolden: the Bot API at {url} did not answer after 5 attempts")
    assert result.stderr.count("\n") == 1, "one line, no traceback"
    assert TOKEN not in result.stderr


async def test_a_bot_api_that_answers_500_ends_start_up_after_a_bounded_number_of_tries(
    emulator: BotApiEmulator, tmp_path: Path
) -> None:
    emulator.fail(500, times=None, method="getMe")

    process = await _run_in_background(TOKEN, emulator.url, tmp_path)
    try:
        _, stderr = await asyncio.wait_for(process.communicate(), STOP)
    finally:
        await _killed_if_still_running(process)

    assert process.returncode == 1
    lines = stderr.decode().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"bolden: the Bot API at {emulator.url} did not answer after 5")
    assert [method for method, _ in emulator.requests] == ["getMe"] * 5


async def test_a_second_bolden_run_on_the_same_database_refuses_and_the_first_keeps_answering(
    emulator: BotApiEmulator, tmp_path: Path
) -> None:
    anna = emulator.person(1001, "Anna", "da")
    first = await _run_in_background(TOKEN, emulator.url, tmp_path)
    try:
        await anna.send("/start", wait=False)
        await emulator.wait_for(lambda: anna.messages, STOP, "the first bot's greeting")

        second = await _run_in_background(TOKEN, emulator.url, tmp_path)
        try:
            _, stderr = await asyncio.wait_for(second.communicate(), STOP)
        finally:
            await _killed_if_still_running(second)
        answered = len(anna.messages)
        reply = await anna.send("/help")
    finally:
        first.send_signal(signal.SIGINT)
        await first.communicate()

    assert second.returncode == 2
    database = tmp_path / "bolden.sqlite3"
    assert stderr.decode() == (
        f"bolden: BOLDEN_DATABASE {database} is in use by another bolden run "
        f"(process {first.pid}); stop that one first\n"
    )
    assert reply.text
    assert len(anna.messages) == answered + 1, "one answer to /help, not two"
    assert first.returncode == 0


async def test_a_killed_bolden_run_leaves_no_lock_behind(
    emulator: BotApiEmulator, tmp_path: Path
) -> None:
    anna = emulator.person(1001, "Anna", "da")
    killed = await _run_in_background(TOKEN, emulator.url, tmp_path)
    await anna.send("/start", wait=False)
    await emulator.wait_for(lambda: anna.messages, STOP, "the first bot's greeting")
    killed.send_signal(signal.SIGKILL)
    await killed.communicate()

    again = await _run_in_background(TOKEN, emulator.url, tmp_path)
    try:
        await anna.send("/help", wait=False)
        await emulator.wait_for(lambda: len(anna.messages) > 1, STOP, "the new bot's answer")
    finally:
        again.send_signal(signal.SIGINT)
        await again.communicate()

    assert again.returncode == 0


async def test_a_stop_signal_in_the_middle_of_shutdown_still_closes_the_database_and_exits(
    emulator: BotApiEmulator, tmp_path: Path
) -> None:
    anna = emulator.person(1001, "Anna", "da")
    process = await _run_in_background(TOKEN, emulator.url, tmp_path)
    await anna.send("/start", wait=False)
    await emulator.wait_for(lambda: anna.messages, STOP, "the bot's greeting")
    # From now on Telegram takes getUpdates and never answers: the last one PTB sends while
    # shutting down waits for its timeout, and a second Ctrl-C arrives meanwhile.
    emulator.hang(times=None, method="getUpdates")
    try:
        process.send_signal(signal.SIGINT)
        await until(lambda: _last_poll_of_shutdown(emulator), STOP)
        process.send_signal(signal.SIGINT)
        await asyncio.wait_for(process.communicate(), STOP)
    finally:
        await _killed_if_still_running(process)

    assert process.returncode is not None
    # SQLite removes the write-ahead log when the last connection closes cleanly.
    assert (tmp_path / "bolden.sqlite3").is_file()
    assert not (tmp_path / "bolden.sqlite3-wal").exists()


def _last_poll_of_shutdown(emulator: BotApiEmulator) -> bool:
    """PTB's getUpdates without a long poll, which marks the fetched updates as read."""
    return any(
        method == "getUpdates" and int(str(params.get("timeout", -1))) == 0
        for method, params in emulator.requests
    )


async def _killed_if_still_running(process: asyncio.subprocess.Process) -> None:
    """A test that failed leaves no `bolden run` behind."""
    if process.returncode is None:
        process.kill()
        await process.wait()


async def test_a_server_on_every_address_links_to_the_loopback_and_warns_when_mail_cannot_link(
    settings: Settings, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.app")
    everywhere = settings.model_copy(
        update={"web_host": "0.0.0.0", "smtp_host": "smtp.example", "smtp_sender": "a@b.dk"}
    )
    async with running(build_application(everywhere, clock=clock)) as application:
        server = web_of(application)
        port = server.url.rsplit(":", 1)[1]
        assert server.url == f"http://127.0.0.1:{port}"
        assert site_in(application).public_url == server.url
        events = await fetch(f"{server.url}/events")
        assert f"http://127.0.0.1:{port}/events.ics" in events.text
        assert "0.0.0.0" not in events.text

    said = [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "bot.app"]
    assert (
        "INFO",
        f"Web server listening on 0.0.0.0:{port}, public address http://127.0.0.1:{port}, "
        "updates by polling",
    ) in said
    warnings = [message for level, message in said if level == "WARNING"]
    assert warnings == [
        f"BOLDEN_SMTP_HOST is set, but the public address http://127.0.0.1:{port} is on this "
        "machine only: the unsubscribe links in e-mails will not work; set BOLDEN_PUBLIC_URL"
    ]


async def test_a_public_url_set_is_where_links_point_and_mail_gives_no_warning(
    settings: Settings, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    public = settings.model_copy(
        update={
            "public_url": "https://bolden.fredericia.dk",
            "smtp_host": "smtp.example",
            "smtp_sender": "a@b.dk",
        }
    )
    async with running(build_application(public, clock=clock)) as application:
        events = await fetch(f"{web_of(application).url}/events")
    assert "https://bolden.fredericia.dk/events.ics" in events.text
    assert not [r for r in caplog.records if r.name == "bot.app" and r.levelno >= logging.WARNING]
