"""Shared fixtures: a guard against the internet, a clean environment, the emulator and the bot."""

from __future__ import annotations

import asyncio
import logging
import socket
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.app import BoldenApp, build_application, running, web_of
from bot.config import Settings, load_settings
from bot.sandbox.emulator import BotApiEmulator, ChatMessage, SimulatedPerson
from bot.sandbox.messenger import GraphApiEmulator, MessengerMessage, SimulatedMessengerPerson
from tests import postgres
from tests.mailbox import Mailbox, serving
from tests.postgres import postgres_server  # noqa: F401 - the fixture, for every test

TOKEN = "123456789:AAE-test-token-for-the-emulator-only"
COORDINATOR_ID = 4242
PAGE_TOKEN, APP_SECRET, VERIFY_TOKEN = "page-token-for-tests", "app-secret-for-tests", "verify-me"
DATA = Path(__file__).parent / "data"

_real_getaddrinfo = socket.getaddrinfo
_LOCAL = {"127.0.0.1", "localhost", "::1", None}


def _local_only(host: Any, *args: Any, **kwargs: Any) -> Any:
    if host not in _LOCAL and not str(host).startswith("127."):
        raise AssertionError(f"a test tried to reach {host}: tests stay on this machine")
    return _real_getaddrinfo(host, *args, **kwargs)


socket.getaddrinfo = _local_only


_POSTGRES_LEFT_OUT = pytest.StashKey[str]()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without PostgreSQL here, leave out the tests that need it (marked `postgres`, or run
    once per backend with a `postgresql` parameter) so that the rest runs, none skipped."""
    left_out = [item for item in items if _needs_postgres(item)]
    missing = postgres.available() if left_out else None
    if missing is not None:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if not _needs_postgres(item)]
        config.stash[_POSTGRES_LEFT_OUT] = (
            f"PostgreSQL tests left out ({len(left_out)}): {missing}."
        )


def _needs_postgres(item: pytest.Item) -> bool:
    callspec = getattr(item, "callspec", None)
    return item.get_closest_marker("postgres") is not None or (
        callspec is not None and "postgresql" in callspec.id
    )


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    """Say once, beside the count of deselected tests, which were left out and why."""
    if _POSTGRES_LEFT_OUT in config.stash:
        terminalreporter.write_line(config.stash[_POSTGRES_LEFT_OUT])


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No developer's BOLDEN_* variables or .env file leak into a test."""
    import os

    for name in list(os.environ):
        if name.startswith("BOLDEN_"):
            monkeypatch.delenv(name)
    # Every bot a test starts serves its web pages on a free port of its own.
    monkeypatch.setenv("BOLDEN_WEB_PORT", "0")
    monkeypatch.chdir(tmp_path)


@pytest.fixture
async def emulator() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator(TOKEN) as running_emulator:
        yield running_emulator


@pytest.fixture
def settings(tmp_path: Path, emulator: BotApiEmulator) -> Settings:
    return load_settings(
        token=TOKEN,
        api_base_url=emulator.url,
        database=tmp_path / "bolden.sqlite3",
        coordinators=str(COORDINATOR_ID),
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def bot(settings: Settings, clock: FakeClock) -> AsyncIterator[BoldenApp]:
    async with running(build_application(settings, clock=clock)) as application:
        yield application


@pytest.fixture
async def graph(clock: FakeClock) -> AsyncIterator[GraphApiEmulator]:
    """Meta's Graph API on loopback, on the test's clock (its 24-hour window moves with it)."""
    async with GraphApiEmulator(PAGE_TOKEN, APP_SECRET, clock=clock) as running_graph:
        yield running_graph


def on_messenger(settings: Settings, graph: GraphApiEmulator) -> Settings:
    """The test's settings with Messenger connected to the Graph API emulator."""
    messenger = {
        "messenger_page_token": PAGE_TOKEN,
        "messenger_app_secret": APP_SECRET,
        "messenger_verify_token": VERIFY_TOKEN,
        "messenger_api_base_url": graph.url,
    }
    kept = settings.model_dump(exclude_none=True, exclude={"token", "coordinators", *messenger})
    return load_settings(
        **kept,
        token=TOKEN,
        coordinators=",".join(map(str, settings.coordinators)),
        **messenger,
    )


@pytest.fixture
async def messenger_bot(
    settings: Settings, clock: FakeClock, graph: GraphApiEmulator
) -> AsyncIterator[BoldenApp]:
    """The bot on both channels: Telegram through the Bot API emulator, Messenger through the
    Graph API emulator, whose webhook is subscribed as Meta does it."""
    async with running(build_application(on_messenger(settings, graph), clock=clock)) as app:
        assert await graph.subscribe(f"{web_of(app).url}/messenger/webhook", VERIFY_TOKEN)
        yield app


@pytest.fixture
def mette(graph: GraphApiEmulator) -> SimulatedMessengerPerson:
    """A citizen who writes to the page in Messenger, in Danish."""
    return graph.person("7000000000000101", "Mette", "Holm", "da_DK")


async def pick(person: SimulatedMessengerPerson, label: str) -> list[MessengerMessage]:
    """Choose `label` as a person in Messenger would: a quick reply under the last message, or
    else the newest message's button of that name."""
    if any(label in str(reply["title"]) for reply in person.quick_replies):
        return await person.tap(label)
    for message in reversed(person.messages):
        if any(label in str(button["title"]) for button in message.buttons):
            return await person.press(message, label)
    raise AssertionError(f"nothing to choose {label!r} on: {person.last.labels}")


@pytest.fixture
def anna(emulator: BotApiEmulator) -> SimulatedPerson:
    return emulator.person(1001, "Anna", "da")


@pytest.fixture
def john(emulator: BotApiEmulator) -> SimulatedPerson:
    return emulator.person(1002, "John", "en")


@pytest.fixture
def karim(emulator: BotApiEmulator) -> SimulatedPerson:
    """The coordinator configured in BOLDEN_COORDINATORS."""
    return emulator.person(COORDINATOR_ID, "Karim", "da")


@pytest.fixture
def query(settings: Settings) -> Callable[..., list[sqlite3.Row]]:
    """Read the bot's database file directly, as another process would."""

    def run(sql: str, *params: object) -> list[sqlite3.Row]:
        connection = sqlite3.connect(settings.database)
        connection.row_factory = sqlite3.Row
        try:
            return list(connection.execute(sql, params))
        finally:
            connection.close()

    return run


class FakeClock:
    """Time the tests can move: the one thing that stands in for the outside world's clock."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or datetime(2026, 11, 22, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


async def sign_up(
    person: SimulatedPerson, kind: str = "Borger", email: str | None = None, listed: bool = False
) -> ChatMessage:
    """Walk the shortest sign-up: a kind, the Telegram name, the newsletter by e-mail (an
    address) or not, on the public list or not, consent. Returns the welcome with the theme
    toggles."""
    no = "Nej tak" if person.user.get("language_code") == "da" else "No thanks"
    question = await person.send("/ambassador")
    question = await person.press(question, kind)
    question = await person.press(question, "✅")
    question = await (person.send(email) if email else person.press(question, no))
    question = await person.press(question, "👀" if listed else no)
    return await person.press(question, "✅")


async def press_again(person: SimulatedPerson, message: ChatMessage, data: str) -> ChatMessage:
    """Press a button the message showed before its first press was answered (a double tap, a
    second phone); returns the message as the answer left it."""
    edits = message.edits
    await person.press_data(message, data)
    await person.emulator.wait_for(lambda: message.edits > edits, what="the answer in place")
    return message


async def make_coordinator(karim: SimulatedPerson, person: SimulatedPerson) -> None:
    """/coordinator add, and the new coordinator's welcome, which comes through the outbox (so
    that the person's next reply is not taken for it)."""
    seen = len(person.messages)
    await karim.send(f"/coordinator add {person.id}")
    await person.emulator.wait_for(lambda: len(person.messages) > seen, what="the welcome")


def logged_errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    """What was logged at ERROR or above: a calm bot logs nothing there."""
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


async def all_handled(application: BoldenApp, emulator: BotApiEmulator) -> None:
    """Wait until the bot has received every update pushed so far and finished handling it."""
    await emulator.wait_for(lambda: not emulator.pending, what="the bot to fetch every update")
    async with asyncio.timeout(10):
        await application.update_queue.join()


async def until(condition: Callable[[], object], seconds: float = 10.0) -> None:
    """Wait for something outside the emulator (a database row) to become true."""
    async with asyncio.timeout(seconds):
        # A row in SQLite has no event to await, so look again until it is there.
        while not condition():  # noqa: ASYNC110
            await asyncio.sleep(0.02)


@pytest.fixture
def site(bot: BoldenApp) -> str:
    """The address of the running bot's web server."""
    return web_of(bot).url


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    """A real SMTP server on loopback and its port."""
    box = Mailbox()
    with serving(box) as (port, _):
        yield box, port


def mailing(settings: Settings, port: int, **more: object) -> Settings:
    """The test's settings with newsletters by e-mail through the mailbox on `port`."""
    return settings.model_copy(
        update={
            "smtp_host": "127.0.0.1",
            "smtp_port": port,
            "smtp_tls": "none",
            "smtp_sender": "nyhedsbrev@fredericia.example",
            **more,
        }
    )
