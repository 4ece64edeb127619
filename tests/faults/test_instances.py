"""Two `bolden run` processes on one PostgreSQL database, behind a load balancer in webhook mode,
as compose.yaml deploys them: Telegram's updates go to either, one sends the outbox and runs the
jobs, and SIGKILL of that one half-way through a broadcast to 2,000 people loses nothing.

Counted at the emulator: every person gets the broadcast once (the one message in flight at the
kill may come twice, never more), the token's pace stays under Telegram's limit (the emulator
answers 429 past it), a reminder due during the test goes out once to each who said yes, and
people who write while it happens are answered, each once.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import asyncpg
import pytest
from aiohttp import web

from bot.sandbox.emulator import BotApiEmulator, SimulatedPerson
from tests.conftest import COORDINATOR_ID, TOKEN, until
from tests.e2e.test_broadcast import broadcast, finished, received
from tests.e2e.test_webhook import _free_port
from tests.faults.test_crash import Running
from tests.postgres import PostgresServer

pytestmark = pytest.mark.postgres

PEOPLE = 2_000
FIRST = 500_000  # the seeded people's ids: PEOPLE of them from here
RATE = 60  # messages a second the bot may send (BOLDEN_DELIVERY_RATE)
LIMIT = 70  # past this many a second, the emulator answers 429 as Telegram does
START = 60.0  # seconds a process may take to start on a busy machine
TEXT = "Fællesspisning på torsdag: alle er velkomne"
EVENT = "Sommerfest i Kongens Have"


class Balancer:
    """A load balancer on loopback, as Caddy in compose.yaml: each request goes to the next
    instance in turn, and to the other one when the first cannot be reached at all. A request
    an instance took and never answered (it was killed) is answered 502, as a proxy does, and
    Telegram delivers it again."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.backends: list[int] = []
        self.served: dict[int, int] = {}  # requests each instance answered, by its port
        self._turn = itertools.count()
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Balancer:
        app = web.Application()
        app.router.add_route("*", "/{path:.*}", self._forward)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60))
        return self

    async def __aexit__(self, *_: object) -> None:
        assert self._runner is not None
        assert self._session is not None
        await self._session.close()
        await self._runner.cleanup()

    async def _forward(self, request: web.Request) -> web.Response:
        assert self._session is not None
        body = await request.read()
        first = next(self._turn)
        for offset in range(len(self.backends)):
            port = self.backends[(first + offset) % len(self.backends)]
            url = f"http://127.0.0.1:{port}{request.path_qs}"
            try:
                async with self._session.request(
                    request.method, url, data=body, headers=request.headers
                ) as answer:
                    self.served[port] = self.served.get(port, 0) + 1
                    return web.Response(
                        status=answer.status,
                        body=await answer.read(),
                        content_type=answer.content_type,
                    )
            except aiohttp.ClientConnectorError:
                continue  # not reached: try the other one
            except (aiohttp.ClientError, TimeoutError):
                return web.Response(status=502)  # reached, then lost: Telegram tries again
        return web.Response(status=502)


class Instance(Running):
    """One `bolden run` on the shared database, with its own web port."""

    def __init__(self, name: str, url: str, folder: Path, balancer: Balancer | None) -> None:
        self.name = name
        self.port = _free_port()
        self.log = folder / f"{name}.log"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("BOLDEN_")}
        self.env |= {
            "BOLDEN_TOKEN": TOKEN,
            "BOLDEN_DATABASE": url,
            "BOLDEN_COORDINATORS": str(COORDINATOR_ID),
            "BOLDEN_WEB_PORT": str(self.port),
            "BOLDEN_DELIVERY_RATE": str(RATE),
        }
        if balancer is not None:  # else it polls
            self.env["BOLDEN_WEBHOOK_URL"] = f"http://127.0.0.1:{balancer.port}/telegram/webhook"
        self.process: asyncio.subprocess.Process | None = None

    async def start(self, emulator: BotApiEmulator) -> None:
        self.env["BOLDEN_API_BASE_URL"] = emulator.url
        with self.log.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", env=self.env, stdout=log, stderr=log
            )

    async def ready(self) -> dict[str, object]:
        """What /readyz says, once it answers."""
        async with asyncio.timeout(START), aiohttp.ClientSession() as session:
            while True:
                try:
                    async with session.get(f"http://127.0.0.1:{self.port}/readyz") as answer:
                        found: dict[str, object] = await answer.json()
                        return found
                except aiohttp.ClientConnectorError:
                    await asyncio.sleep(0.1)  # not listening yet: nothing to await but a look


@asynccontextmanager
async def two_instances(
    url: str, emulator: BotApiEmulator, folder: Path
) -> AsyncIterator[tuple[Balancer, list[Instance]]]:
    async with Balancer() as balancer:
        instances = [Instance(name, url, folder, balancer) for name in ("bolden-1", "bolden-2")]
        balancer.backends = [instance.port for instance in instances]
        try:
            for instance in instances:
                await instance.start(emulator)
            for instance in instances:
                ready = await instance.ready()
                assert (ready["database"], ready["outbox_sender"]) == ("ok", "running")
            yield balancer, instances
        finally:
            for instance in instances:
                await instance.stop()


async def seed(url: str) -> None:
    """2,000 people who wrote to the bot, and an event in an hour whose two-hour reminder is due
    now, with ten of them coming."""
    now = datetime.now(UTC)
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(
            "INSERT INTO people (user_id, language, first_seen, last_seen) "
            "SELECT g, 'da', $1, $1 FROM generate_series($2::bigint, $3::bigint) AS g",
            now,
            FIRST,
            FIRST + PEOPLE - 1,
        )
        event_id = await connection.fetchval(
            "INSERT INTO events (kind, title, description, starts_at, ends_at, place, audience, "
            "status, publish_at, reminders, created_at, checkin_code) VALUES ('workshop', $1, "
            "'Vi griller.', $2, $3, 'Kongens Have', 'all', 'published', $4, $5, $4, 'Kh7') "
            "RETURNING id",
            EVENT,
            now + timedelta(hours=1),
            now + timedelta(hours=3),
            now - timedelta(days=7),
            json.dumps([120]),
        )
        await connection.executemany(
            "INSERT INTO rsvps (event_id, user_id, name, answer, answered_at, turn) "
            "VALUES ($1, $2, $3, 'yes', $4, $5)",
            [(event_id, FIRST + i, f"P{i}", now, i + 1) for i in range(10)],
        )
    finally:
        await connection.close()


async def leader(instances: list[Instance]) -> Instance:
    """The instance that leads (its /readyz says so), once one does."""
    async with asyncio.timeout(START):
        while True:
            for instance in instances:
                if instance.process is not None and (await instance.ready()).get("leads"):
                    return instance
            await asyncio.sleep(0.2)  # the lead is taken within a heartbeat: look again


async def test_two_instances_share_a_broadcast_and_a_sigkill_of_the_sender_loses_nothing(
    postgres_server: PostgresServer, tmp_path: Path
) -> None:
    url = await postgres_server.fresh()
    async with BotApiEmulator(TOKEN, global_rate=LIMIT) as emulator:
        people = [emulator.person(FIRST + i, f"P{i}", "da") for i in range(PEOPLE)]
        karim = emulator.person(COORDINATOR_ID, "Karim", "da")
        async with two_instances(url, emulator, tmp_path) as (balancer, instances):
            await seed(url)
            await karim.send("/start")
            # Telegram delivers it again, to both instances at once: it was handled once.
            seen = len(karim.messages)
            start = emulator.last_update_id
            await emulator.wait_for(lambda: emulator.posts_of(start) == [200], what="handled")
            assert await asyncio.gather(emulator.repeat(start), emulator.repeat(start)) == [200] * 2
            assert len(karim.messages) == seen
            assert len(balancer.served) == 2, "the load balancer gave one to each"
            confirm = await broadcast(karim, TEXT, "Alle, der har skrevet")
            await karim.press(confirm, "Send nu")

            sending = await leader(instances)
            await emulator.wait_for(
                lambda: sum(bool(received(p, TEXT)) for p in people) >= PEOPLE // 3,
                120,
                "a third of the broadcast",
            )
            await sending.kill()  # half-way, with a message perhaps in flight
            assert sum(bool(received(p, TEXT)) for p in people) < PEOPLE, "before the end"
            taking_over = await leader(instances)
            assert taking_over is not sending

            # People who have the broadcast write while the other one takes over: each is
            # answered once.
            writers: list[SimulatedPerson] = people[10:15]
            answers = [await person.send("/help") for person in writers]

            await emulator.wait_for(
                lambda: all(received(p, TEXT) for p in people), 180, "the whole broadcast"
            )
            await finished(emulator, karim)
            await emulator.wait_for(
                lambda: all(received(p, EVENT) for p in people[:10]), 60, "the reminders"
            )

            extra = sum(len(received(p, TEXT)) - 1 for p in people)
            assert all(received(p, TEXT) for p in people), "nothing owed is lost"
            assert extra <= 1, "only the message in flight at the kill may come twice"
            assert ("sendMessage", 429) not in emulator.refusals, "the pace stayed under"
            assert [len(received(p, EVENT)) for p in people[:10]] == [1] * 10
            assert all(len(received(p, EVENT)) == 0 for p in people[10:])
            for person, answer in zip(writers, answers, strict=True):
                assert [m.text for m in person.messages].count(answer.text) == 1


async def test_a_second_poller_stands_by_and_takes_over_when_the_first_is_killed(
    postgres_server: PostgresServer, tmp_path: Path
) -> None:
    """Without a webhook, Telegram gives updates to one poller: the second process waits."""
    url = await postgres_server.fresh()
    async with BotApiEmulator(TOKEN) as emulator:
        anna = emulator.person(1001, "Anna", "da")
        first, second = (Instance(n, url, tmp_path, None) for n in ("bolden-1", "bolden-2"))
        try:
            await first.start(emulator)
            await first.ready()
            await second.start(emulator)
            await until(lambda: "takes over when it stops" in second.log.read_text(), START)
            assert (await anna.send("/help")).text
            await first.kill()
            answer = await anna.send("/help")  # taken by the second once it polls
            assert answer.text
            assert "This instance leads" in second.log.read_text()
        finally:
            await first.stop()
            await second.stop()
