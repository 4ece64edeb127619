"""A real `bolden run` SIGKILLed while it owes people messages: after a restart every message
owed arrives (counted at the emulator), none more than twice, and the bot answers again.

Each crash is forced into the window that matters: the emulator refuses the recipient's chat
with a 500, so the message is stored but not yet delivered when the process dies."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
from collections.abc import AsyncIterator
from contextlib import closing
from pathlib import Path

import pytest

from bot.sandbox.emulator import BotApiEmulator, SimulatedPerson
from bot.sandbox.messenger import GraphApiEmulator
from tests.conftest import (
    APP_SECRET,
    COORDINATOR_ID,
    PAGE_TOKEN,
    TOKEN,
    VERIFY_TOKEN,
    sign_up,
    until,
)
from tests.e2e.test_events import publish

START = 60.0  # seconds a fresh process may take to import and start polling on a busy machine


class Running:
    """A `bolden run` process: killed without mercy, or stopped as an operator stops it."""

    process: asyncio.subprocess.Process | None = None

    async def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        await self.process.wait()
        self.process = None

    async def stop(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGINT)
            await self.process.wait()
            self.process = None


class Bolden(Running):
    """`bolden run` as an operator starts it, against the emulator; killed without mercy.

    With `graph` (the Graph API emulator) it serves Messenger too, its web server on
    `web_port` (the same after a restart), and Meta's webhook is subscribed at each start."""

    def __init__(
        self,
        emulator: BotApiEmulator,
        folder: Path,
        graph: GraphApiEmulator | None = None,
        web_port: int = 0,
    ) -> None:
        self.emulator = emulator
        self.graph = graph
        self.web_port = web_port
        self.database = folder / "bolden.sqlite3"
        self.log = folder / "bolden.log"
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("BOLDEN_")}
        env |= {
            "BOLDEN_TOKEN": TOKEN,
            "BOLDEN_API_BASE_URL": self.emulator.url,
            "BOLDEN_DATABASE": str(self.database),
            "BOLDEN_COORDINATORS": str(COORDINATOR_ID),
            "BOLDEN_WEB_PORT": str(self.web_port),
        }
        if self.graph is not None:
            env |= {
                "BOLDEN_MESSENGER_PAGE_TOKEN": PAGE_TOKEN,
                "BOLDEN_MESSENGER_APP_SECRET": APP_SECRET,
                "BOLDEN_MESSENGER_VERIFY_TOKEN": VERIFY_TOKEN,
                "BOLDEN_MESSENGER_API_BASE_URL": self.graph.url,
            }
        polls = self._polls()
        with self.log.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", env=env, stdout=log, stderr=log
            )
        await self.emulator.wait_for(lambda: self._polls() > polls, START, "the bot polling")
        if self.graph is not None:
            await self._subscribe(self.graph)

    async def _subscribe(self, graph: GraphApiEmulator) -> None:
        """Meta's handshake with the webhook, once the web server answers it."""
        url = f"http://127.0.0.1:{self.web_port}/messenger/webhook"
        async with asyncio.timeout(START):
            # The server has no event to await from here: ask again until it answers.
            while not await graph.subscribe(url, VERIFY_TOKEN):  # noqa: ASYNC110
                await asyncio.sleep(0.05)

    def _polls(self) -> int:
        return sum(method == "getUpdates" for method, _ in self.emulator.requests)

    def query(self, sql: str, *params: object) -> list[tuple[object, ...]]:
        with closing(sqlite3.connect(self.database)) as connection:
            return list(connection.execute(sql, params))

    async def owes_after_a_failed_try(self, chat_id: int) -> None:
        """The message to `chat_id` is stored, and a try to deliver it has failed."""
        sql = "SELECT 1 FROM outbox WHERE user_id = ? AND state = 'pending' AND error IS NOT NULL"
        await until(lambda: self.query(sql, chat_id), 30)

    async def settled(self) -> None:
        """Nothing is left in the outbox to send or to try again."""
        sql = "SELECT 1 FROM outbox WHERE state IN ('pending', 'sending')"
        await until(lambda: not self.query(sql), 60)


@pytest.fixture
async def bolden(emulator: BotApiEmulator, tmp_path: Path) -> AsyncIterator[Bolden]:
    running = Bolden(emulator, tmp_path)
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


def received(person: SimulatedPerson, text: str) -> int:
    return sum(text in message.text for message in person.messages)


async def arrives_once(bolden: Bolden, person: SimulatedPerson, text: str) -> None:
    await person.emulator.wait_for(lambda: received(person, text), 30, repr(text))
    await bolden.settled()  # the outbox is the only way such a message travels
    assert received(person, text) == 1


async def test_a_bold_and_its_decline_survive_a_sigkill_before_delivery(
    emulator: BotApiEmulator, bolden: Bolden, anna: SimulatedPerson, karim: SimulatedPerson
) -> None:
    down = emulator.fail(500, times=None, chats={karim.id})
    step = await anna.press(await anna.send("/bold"), "En idé")
    step = await anna.send("Et fælles spisested i Ullerup for alle.")
    step = await anna.press(step, "Spring over")
    step = await anna.press(await anna.press(step, "Videre"), "📨 Send")
    assert step.text.startswith("✅ Tak! Din bold er modtaget.\nReference: B-2026-0001")
    await bolden.owes_after_a_failed_try(karim.id)

    await bolden.kill()
    emulator.heal(down)
    await bolden.start()
    await arrives_once(bolden, karim, "Ingen regel passede på denne bold.")

    card = karim.messages[-1]
    down = emulator.fail(500, times=None, chats={anna.id})
    prompt = await karim.press(card, "Afvis med svar")
    preview = await karim.send("Det hører under et andet udvalg; vi har sendt det videre.")
    done = await karim.press(preview, "Send")
    assert done.text.startswith("Bolden B-2026-0001 er afvist")
    await bolden.owes_after_a_failed_try(anna.id)
    assert prompt.text.startswith("Skriv kort, hvorfor")

    await bolden.kill()
    emulator.heal(down)
    await bolden.start()
    await arrives_once(bolden, anna, "kan vi ikke gå videre med")
    mine = await anna.send("/mybolde")
    assert "B-2026-0001 · Afvist med svar" in str(mine.buttons), "the bot answers again"
    assert bolden.query("SELECT status FROM bolde") == [("declined",)]


async def test_a_seat_given_up_reaches_the_first_who_waits_across_a_sigkill(
    emulator: BotApiEmulator, bolden: Bolden, anna: SimulatedPerson, karim: SimulatedPerson
) -> None:
    bo = emulator.person(1003, "Bo", "da")
    await karim.send("/start")
    for person in (anna, bo):
        await sign_up(person)
    confirm = await publish(
        karim,
        "/event",
        ["[Workshop]", "Suppe og snak", "Vi laver suppe sammen.", "24.12.2026 18:00", "21:00",
         "Medborgerhuset", "1", "[Kun inviterede]", "[Alle aktive ambassadører]"],
    )  # fmt: skip
    await karim.press(confirm, "Send invitationer nu")
    for person in (anna, bo):
        await emulator.wait_for(lambda p=person: received(p, "Suppe og snak"), 30)
    yes = [p.messages[-1].button("Ja")["callback_data"] for p in (anna, bo)]
    await anna.press_data(anna.messages[-1], str(yes[0]))
    waiting = await bo.press_data(bo.messages[-1], str(yes[1]))
    assert "venteliste" in waiting["text"]

    down = emulator.fail(500, times=None, chats={bo.id})
    no = anna.messages[-1].button("Nej")["callback_data"]
    await anna.press_data(anna.messages[-1], str(no))
    await bolden.owes_after_a_failed_try(bo.id)
    await bolden.kill()
    emulator.heal(down)
    await bolden.start()

    await arrives_once(bolden, bo, "Der er blevet en plads fri")
    seats = bolden.query("SELECT user_id, answer FROM rsvps ORDER BY user_id")
    assert seats == [(anna.id, "no"), (bo.id, "yes")]


async def test_a_broadcast_reports_its_summary_although_the_bot_died_before_showing_progress(
    emulator: BotApiEmulator, bolden: Bolden, anna: SimulatedPerson, karim: SimulatedPerson
) -> None:
    await anna.send("/start")
    await karim.send("/start")
    await karim.send("/broadcast")
    audience = await karim.send("Kom til fællesspisning fredag.")
    seen = len(karim.messages)
    await karim.press(audience, "Alle, der har skrevet")
    await emulator.wait_for(lambda: len(karim.messages) > seen + 1, 30, "the preview's Send")
    down = emulator.fail(500, times=None, chats={karim.id})
    await karim.press_data(
        karim.messages[-1], karim.messages[-1].button("Send nu")["callback_data"]
    )
    sent = "SELECT 1 FROM outbox WHERE user_id = ? AND state = 'sent'"
    await until(lambda: bolden.query(sent, anna.id), 30)  # Anna's is settled, not in flight
    await bolden.owes_after_a_failed_try(karim.id)  # the progress message is not shown yet

    await bolden.kill()
    emulator.heal(down)
    await bolden.start()
    await emulator.wait_for(
        lambda: any(m.text.startswith("🏁 Færdig") for m in karim.messages), 30, "the summary"
    )
    assert received(anna, "fællesspisning") == 1
    assert sum(m.text.startswith("🏁 Færdig") for m in karim.messages) == 1


async def test_the_yearly_question_survives_a_sigkill_half_way_through_the_run(
    emulator: BotApiEmulator, bolden: Bolden
) -> None:
    people = [emulator.person(2000 + n, f"Person {n}", "da") for n in range(6)]
    for person in people:
        await sign_up(person)
    await bolden.kill()
    # A year later: everyone is due for the question.
    with closing(sqlite3.connect(bolden.database)) as connection, connection:
        connection.execute("UPDATE ambassadors SET confirm_due_at = '2000-01-01T00:00:00+00:00'")
    late = people[3:]
    down = emulator.fail(500, times=None, chats={p.id for p in late})
    question = "Vil du fortsætte som ambassadør?"

    await bolden.start()  # the yearly job runs ten seconds after start-up
    for person in people[:3]:
        await emulator.wait_for(lambda p=person: received(p, question), 60, "the question")
    for person in late:
        await bolden.owes_after_a_failed_try(person.id)
    await bolden.kill()
    emulator.heal(down)
    await bolden.start()

    for person in people:
        await arrives_once(bolden, person, question)
    asked = bolden.query("SELECT COUNT(*) FROM ambassadors WHERE confirm_asked_at IS NOT NULL")
    assert asked == [(6,)]
    owed = bolden.query("SELECT COUNT(*) FROM outbox WHERE payload LIKE ?", f"%{question}%")
    assert owed == [(6,)], "each asked once, even across the crash"
    answer = await people[4].press(people[4].messages[-1], "Ja")
    assert answer.text  # the bot answers the question it asked before the crash
