"""The outbox keeps its promises to Messenger people under Meta's faults, end to end: the real
bot behind its Messenger webhook, Meta's Graph API emulated on loopback answering 5xx, accepting
and never answering, throttling (613) and refusing a person who blocked the page (551), a real
`bolden run` SIGKILLed while it owes a Messenger person a message, and the same press delivered
twice at once. What arrived is counted at the Graph API emulator: nothing owed is lost, and no
message arrives more than twice."""

from __future__ import annotations

import asyncio
import re
import socket
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from bot.app import BoldenApp, budget_of, build_application, running, web_of
from bot.channels.messenger.bridge import outbound_in
from bot.channels.messenger.delivery import MessengerOut
from bot.config import Settings
from bot.sandbox.emulator import BotApiEmulator, ChatMessage, SimulatedPerson
from bot.sandbox.messenger import GraphApiEmulator, SimulatedMessengerPerson
from tests.conftest import VERIFY_TOKEN, on_messenger, until
from tests.e2e.test_broadcast import broadcast, finished
from tests.e2e.test_messenger_journeys import invited
from tests.faults.conftest import arrived
from tests.faults.test_crash import Bolden

TEXT = "Fællesspisning fredag kl. 18"
Rows = Callable[..., list[sqlite3.Row]]


@asynccontextmanager
async def both_channels(settings: Settings, graph: GraphApiEmulator) -> AsyncIterator[BoldenApp]:
    """The bot on the real clock (its retries wait real seconds) on Telegram and Messenger,
    with Meta's webhook subscribed."""
    async with running(build_application(on_messenger(settings, graph))) as application:
        assert await graph.subscribe(f"{web_of(application).url}/messenger/webhook", VERIFY_TOKEN)
        yield application


def messenger_people(graph: GraphApiEmulator, size: int) -> list[SimulatedMessengerPerson]:
    return [graph.person(f"71000000000{n:05}", f"M{n}", "Holm") for n in range(size)]


def got(person: SimulatedMessengerPerson, text: str) -> int:
    """How many times `text` reached the person, counted at the Graph API emulator."""
    return sum(text in message.text for message in person.messages)


def user_id_of(query: Rows, person: SimulatedMessengerPerson) -> int:
    [row] = query("SELECT user_id FROM messenger_people WHERE psid = ?", person.psid)
    return int(row[0])


def counts_of(summary: ChatMessage) -> dict[str, int]:
    """The summary's lines as {first word: number}, e.g. {"Sendt": 13, "Fejlet": 0, …}."""
    found = (re.match(r"\W*(\w+)[^:]*: (\d+)", line) for line in summary.text.splitlines()[1:])
    return {match[1]: int(match[2]) for match in found if match}


async def send_to_everyone(karim: SimulatedPerson, text: str) -> int:
    """Karim's broadcast to everyone who wrote, sent; how many it goes to, as the preview said."""
    confirm = await broadcast(karim, text, "Alle, der har skrevet")
    counted = re.search(r"Den går til (\d+) person", confirm.text)
    assert counted is not None, confirm.text
    await karim.press(confirm, "Send nu")
    return int(counted[1])


async def summary_after(emulator: BotApiEmulator, karim: SimulatedPerson, seen: int) -> ChatMessage:
    """The summary of the broadcast Karim started after his first `seen` messages."""

    def summary() -> ChatMessage | None:
        done = (m for m in karim.messages[seen:] if m.text.startswith("🏁 Færdig"))
        return next(done, None)

    await emulator.wait_for(summary, what="the summary")
    found = summary()
    assert found is not None
    return found


def paused(out: MessengerOut | None) -> bool:
    assert out is not None
    return out.budget.paused_until > out.budget.clock()


async def test_5xx_timeouts_and_613_during_a_broadcast_reach_everyone_and_replies_go_on(
    emulator: BotApiEmulator,
    graph: GraphApiEmulator,
    settings: Settings,
    karim: SimulatedPerson,
    john: SimulatedPerson,
    query: Rows,
) -> None:
    on_telegram = [emulator.person(3000 + n, f"P{n}", "da") for n in range(3)]
    on_meta = messenger_people(graph, 8)
    twice_5xx, once_5xx, hung = on_meta[0], on_meta[1], {on_meta[3].psid, on_meta[6].psid}
    mette = on_meta[2]

    async with both_channels(settings, graph) as application:
        for person in [karim, john, *on_telegram]:
            await person.send("/start")
        for messenger_person in on_meta:
            await messenger_person.send("/start")
        confirm = await broadcast(karim, TEXT, "Alle, der har skrevet")
        preview = confirm.text
        # Meta's transient error twice in a row for one person, once for another; two sends
        # accepted and never answered (the client times out not knowing they arrived).
        graph.fail(500, times=2, people={twice_5xx.psid})
        graph.fail(503, times=1, people={once_5xx.psid})
        graph.hang(times=2, people=hung)
        await karim.press(confirm, "Send nu")
        await graph.wait_for(lambda: len(graph.unanswered) == 2, 30, "both timeouts")

        # Meta says "slow down" to every call for a moment; Mette types /help meanwhile.
        throttled = graph.throttle(5)
        helped = asyncio.create_task(mette.send("/help"))
        out = outbound_in(application.bot_data)
        await graph.wait_for(lambda: throttled.hits > 0, what="a 613")
        await until(lambda: paused(out))
        # Telegram's pace is its own: John is answered while Messenger waits out Meta's pause.
        telegram_paused = budget_of(application).paused_until > budget_of(application).clock()
        answer_in_telegram = await john.send("/help")
        messenger_still_waiting = not helped.done() and paused(out)
        answer_in_messenger = await helped

        summary = await finished(emulator, karim)
        await until(lambda: not query("SELECT 1 FROM outbox WHERE state IN ('pending', 'sending')"))

    assert answer_in_telegram.text.startswith("What you can do here")
    assert not telegram_paused, "Meta's 613 does not pause Telegram's budget"
    assert messenger_still_waiting, "John's answer did not wait for Meta's pause"
    assert any(m.text.startswith("Det kan du her") for m in answer_in_messenger), [
        m.text for m in answer_in_messenger
    ]
    assert ("messages", 613, None) in graph.refusals
    assert ("messages", 2, None) in graph.refusals

    at_meta = {person.psid: got(person, TEXT) for person in on_meta}
    assert all(1 <= n <= 2 for n in at_meta.values()), at_meta
    assert at_meta[twice_5xx.psid] == 1, "two 5xx in a row lose nothing and repeat nothing"
    assert {psid for psid, n in at_meta.items() if n == 2} == hung, "only the hung ones twice"
    assert set(arrived([john, *on_telegram], TEXT).values()) == {1}
    total = len(on_meta) + len(on_telegram) + 2  # and John, and Karim himself
    assert f"Den går til {total} personer" in preview
    counts = counts_of(summary)
    assert counts["Sendt"] == total, summary.text
    assert sum(counts.values()) == total, summary.text
    assert {row[0] for row in query("SELECT state FROM outbox")} == {"sent"}
    timed_out = query("SELECT user_id FROM outbox WHERE timeouts > 0")
    assert len(timed_out) == 2, "each hung send timed out once, and went through the next time"


async def test_a_person_who_blocked_the_page_is_marked_and_reachable_again_after_writing(
    emulator: BotApiEmulator,
    graph: GraphApiEmulator,
    settings: Settings,
    karim: SimulatedPerson,
    mette: SimulatedMessengerPerson,
    query: Rows,
) -> None:
    blocked = "SELECT blocked_at FROM people WHERE user_id = ?"
    async with both_channels(settings, graph):
        await karim.send("/start")
        await mette.send("/start")
        user_id = user_id_of(query, mette)
        mette.block()  # Meta tells the bot nothing: it learns it when it sends

        assert await send_to_everyone(karim, "Første besked") == 2
        summary = await summary_after(emulator, karim, 0)
        assert counts_of(summary)["Har"] == 1, summary.text  # "Har blokeret botten: 1"
        states = query("SELECT state FROM outbox WHERE user_id = ?", user_id)
        assert [row[0] for row in states] == ["blocked"]
        assert query(blocked, user_id)[0][0] is not None
        assert graph.refusals == [("messages", 551, 1545041)]

        seen = len(karim.messages)
        assert await send_to_everyone(karim, "Anden besked") == 1, "she is not counted"
        await summary_after(emulator, karim, seen)
        assert len(query("SELECT 1 FROM outbox WHERE user_id = ?", user_id)) == 1, "not tried"
        assert len(graph.refusals) == 1

        mette.unblock()
        await mette.send("Hej igen")
        assert query(blocked, user_id)[0][0] is None, "writing again clears the block"
        seen = len(karim.messages)
        assert await send_to_everyone(karim, "Tredje besked") == 2
        await summary_after(emulator, karim, seen)
        await graph.wait_for(lambda: got(mette, "Tredje besked"), what="the third message")

    assert (got(mette, "Første"), got(mette, "Anden"), got(mette, "Tredje")) == (0, 0, 1)
    assert len(graph.refusals) == 1


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_a_message_owed_to_a_messenger_person_survives_a_sigkill_before_delivery(
    emulator: BotApiEmulator,
    graph: GraphApiEmulator,
    karim: SimulatedPerson,
    mette: SimulatedMessengerPerson,
    tmp_path: Path,
) -> None:
    bolden = Bolden(emulator, tmp_path, graph, web_port=free_port())
    await bolden.start()
    try:
        await karim.send("/start")
        await mette.send("/start")
        [(user_id,)] = bolden.query("SELECT user_id FROM messenger_people")
        down = graph.fail(500, times=None, people={mette.psid})
        await send_to_everyone(karim, TEXT)
        await bolden.owes_after_a_failed_try(int(str(user_id)))

        await bolden.kill()
        graph.heal(down)
        await bolden.start()
        await graph.wait_for(lambda: got(mette, TEXT), 60, "the message owed")
        await bolden.settled()
        assert got(mette, TEXT) == 1
        answer = await mette.send("/help")
        assert any(m.text.startswith("Det kan du her") for m in answer), "answered again"
    finally:
        await bolden.stop()


async def test_yes_pressed_twice_in_one_batch_delivered_twice_gives_one_answer(
    messenger_bot: BoldenApp,
    graph: GraphApiEmulator,
    karim: SimulatedPerson,
    mette: SimulatedMessengerPerson,
    query: Rows,
) -> None:
    invitation = await invited(karim, mette, graph)
    seen = len(mette.messages)

    assert mette.last is invitation, "its answers are the quick replies under it"
    # A double tap on "Ja": two messages with the same quick reply's payload.
    first = mette.tap_event("Ja")
    second = {**first, "message": {**first["message"], "mid": first["message"]["mid"] + "-2"}}
    presses = (first, second)
    body = graph.body(*presses)
    # Meta delivers the batch, and delivers it again before the first delivery is answered.
    await asyncio.gather(graph.deliver(*presses), graph.deliver(*presses))
    assert await graph.post_raw(body, graph.sign(body)) == 200, "a repeat is confirmed"

    rows = query("SELECT answer FROM rsvps")
    assert [row["answer"] for row in rows] == ["yes"]
    shown = mette.messages[seen:]
    notes = [m.text for m in shown if not m.choices]
    assert notes == ["Dejligt! Du er tilmeldt."] * 2, "each press answered once, however often"
    renewed = [m for m in shown if m.choices]
    assert [m.text for m in renewed] == ["✓ Ja"], "what changed, once, not it all again"
    assert renewed[0].labels == ["✓ Ja", "Måske", "Nej", "📅 Læg i kalenderen"]
    assert graph.refusals == []
