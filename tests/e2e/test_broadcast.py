"""Broadcasts and newsletters through the outbox: blocked and failing recipients, stopping one,
a newsletter scheduled before a restart and sent after it, opting out, and e-mail."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.app import BoldenApp, build_application, running, web_of
from bot.config import Settings, load_settings
from bot.sandbox.emulator import BotApiEmulator, ChatMessage, SimulatedPerson
from bot.scheduling import NEWSLETTERS
from bot.web.unsubscribe import unsubscribe_link
from tests.conftest import (
    COORDINATOR_ID,
    TOKEN,
    FakeClock,
    mailing,
    make_coordinator,
    sign_up,
    until,
)
from tests.e2e.test_bolde import next_message
from tests.mailbox import Mailbox

TEXT = "Kom & vær med til fællesspisning fredag kl. 18!"


def received(person: SimulatedPerson, text: str) -> list[ChatMessage]:
    return [m for m in person.messages if text in m.text]


async def run_newsletters(application: BoldenApp) -> None:
    """The minute sweep of newsletters, now, as the JobQueue would run it."""
    assert application.job_queue is not None
    [job] = application.job_queue.get_jobs_by_name(NEWSLETTERS)
    await job.run(application)


async def broadcast(karim: SimulatedPerson, text: str, audience: str) -> ChatMessage:
    """Write, choose the audience, see the preview; returns the message with Send."""
    await karim.send("/broadcast")
    asked = await karim.send(text)
    assert asked.text == "Hvem skal have beskeden?"
    seen = len(karim.messages)
    preview = await karim.press(asked, audience)
    assert preview.text == text.replace("&amp;", "&"), "the preview is the message itself"
    return await next_message(karim, seen + 1)


async def finished(emulator: BotApiEmulator, karim: SimulatedPerson) -> ChatMessage:
    await emulator.wait_for(
        lambda: any(m.text.startswith("🏁 Færdig") for m in karim.messages), what="the summary"
    )
    return next(m for m in karim.messages if m.text.startswith("🏁 Færdig"))


async def test_a_broadcast_reaches_everyone_reachable_exactly_once(
    bot: BoldenApp,
    karim: SimulatedPerson,
    anna: SimulatedPerson,
    john: SimulatedPerson,
    emulator: BotApiEmulator,
    clock: FakeClock,
    query: Callable[..., list],
) -> None:
    await karim.send("/start")
    eva, ole, gry = (
        emulator.person(i, n, "da") for i, n in ((1005, "Eva"), (1006, "Ole"), (1007, "Gry"))
    )
    for person in (anna, john, eva, ole, gry):
        await person.send("/start")
    await gry.block()  # the bot knows: not counted, not sent to
    emulator.blocked.add(eva.id)  # the bot learns it when it sends
    emulator.fail_once.add(ole.id)  # Telegram answers 500 once

    confirm = await broadcast(karim, TEXT, "Alle, der har skrevet")
    assert confirm.text.startswith("☝️ Sådan ser beskeden ud. Den går til 5 personer")
    send_data = confirm.button("Send nu")["callback_data"]
    queued = await karim.press(confirm, "Send nu")
    assert queued.text.startswith("✅ Sat i kø.")

    await emulator.wait_for(lambda: ("sendMessage", 500) in emulator.refusals, what="the 500")
    await emulator.wait_for(lambda: ("sendMessage", 403) in emulator.refusals, what="the 403")
    await until(lambda: query("SELECT 1 FROM outbox WHERE state = 'pending' AND error IS NOT NULL"))
    clock.advance(seconds=5)  # past the retry's backoff
    summary = await finished(emulator, karim)

    assert summary.text.splitlines()[1:] == [
        "✅ Sendt: 4",
        "❌ Fejlet: 0",
        "🚫 Har blokeret botten: 1",
        "⏹ Stoppet før afsendelse: 0",
    ]
    for person in (anna, john, ole):
        [message] = received(person, "Kom & vær med")
        assert "&amp;" in (message.html or ""), "the coordinator's text is escaped as HTML"
    assert len(received(karim, "Kom & vær med")) == 2, "the preview, and the message itself"
    assert received(eva, "Kom") == []
    assert received(gry, "Kom") == []
    assert query("SELECT blocked_at IS NOT NULL FROM people WHERE user_id = ?", eva.id)[0][0] == 1
    twice = await karim.press_data(confirm, send_data)
    assert twice["show_alert"] is True, "a second tap sends nothing"
    assert len(query("SELECT * FROM batches")) == 1
    states = sorted(r[0] for r in query("SELECT state FROM outbox WHERE batch_id IS NOT NULL"))
    assert states == ["blocked", "sent", "sent", "sent", "sent"]

    assert summary.buttons == [], "nothing left to stop: the summary has no Stop"
    [(batch_id,)] = query("SELECT id FROM batches")
    late = await karim.press_data(summary, f"cast:stop:{batch_id}")  # pressed as it finished
    assert late["text"] == "Udsendelsen var allerede færdig."


async def test_only_coordinators_broadcast(anna: SimulatedPerson, bot: BoldenApp) -> None:
    for command in ("/broadcast", "/newsletter"):
        reply = await anna.send(command)
        assert reply.text.startswith("Den kommando er kun for strategiens koordinatorer.")


async def test_a_running_broadcast_can_be_stopped(
    emulator: BotApiEmulator, tmp_path: Path, clock: FakeClock
) -> None:
    settings = load_settings(
        token=TOKEN,
        api_base_url=emulator.url,
        database=tmp_path / "slow.sqlite3",
        coordinators=str(COORDINATOR_ID),
        delivery_rate=4,
        progress_every=0.1,
    )
    karim = emulator.person(COORDINATOR_ID, "Karim", "da")
    people = [emulator.person(2000 + i, f"P{i}", "da") for i in range(20)]
    async with running(build_application(settings, clock=clock)):
        for person in [karim, *people]:
            await person.send("/start")
        confirm = await broadcast(karim, "Husk mødet i aften.", "Alle, der har skrevet")
        await karim.press(confirm, "Send nu")
        await emulator.wait_for(
            lambda: any("Stop udsendelsen" in str(m.buttons) for m in karim.messages), what="Stop"
        )
        progress = next(m for m in karim.messages if "Stop udsendelsen" in str(m.buttons))
        answer = await karim.press_data(progress, progress.button("Stop")["callback_data"])
        assert answer["text"].startswith("Stoppet.")
        summary = await finished(emulator, karim)

    lines = dict(line.split(": ") for line in summary.text.splitlines()[1:])
    sent, stopped = int(lines["✅ Sendt"]), int(lines["⏹ Stoppet før afsendelse"])
    assert stopped > 0
    assert sent + stopped == 21
    previews = 1
    delivered = sum(len(received(p, "Husk mødet")) for p in [karim, *people]) - previews
    assert delivered == sent, "nothing stopped was sent"


async def write_newsletter(
    karim: SimulatedPerson, title: str, body: str, audience: str
) -> ChatMessage:
    """Through /newsletter to the preview; returns the message with Send now and Schedule."""
    page = await karim.send("/newsletter")
    asked = await karim.press(page, "Nyt nyhedsbrev")
    assert asked.text.startswith("Hvad er nyhedsbrevets titel?")
    asked = await karim.send(title)
    asked = await karim.send(body)
    assert asked.text.startswith("Vil du have et billede med?")
    asked = await karim.press(asked, "Uden billede")
    seen = len(karim.messages)
    await karim.press(asked, audience)
    return await next_message(karim, seen + 1)


async def planned(
    karim: SimulatedPerson, anna: SimulatedPerson, title: str, body: str
) -> ChatMessage:
    """Anna signs up; Karim writes a newsletter to ambassadors and presses Schedule."""
    await karim.send("/start")
    await sign_up(anna)
    confirm = await write_newsletter(karim, title, body, "Alle aktive ambassadører")
    return await karim.press(confirm, "Planlæg")


async def test_a_scheduled_newsletter_is_sent_after_a_restart_and_one_can_opt_out(
    emulator: BotApiEmulator, settings: Settings, clock: FakeClock, query: Callable[..., list]
) -> None:
    karim = emulator.person(COORDINATOR_ID, "Karim", "da")
    anna, john = emulator.person(1001, "Anna", "da"), emulator.person(1002, "John", "en")
    async with running(build_application(settings, clock=clock)):
        await karim.send("/start")
        await sign_up(anna)
        await sign_up(john, "Citizen")
        confirm = await write_newsletter(
            karim, "Julehilsen", "Tak for i år!", "Alle aktive ambassadører"
        )
        assert "Det går til 2 modtagere" in confirm.text
        asked = await karim.press(confirm, "Planlæg")
        assert asked.text.startswith("Hvornår skal det sendes?")
        wrong = await karim.send("i morgen")
        assert wrong.text.startswith("Den dato forstår jeg ikke.")
        scheduled = await karim.send("23.11.2026 09:00")
        assert scheduled.text.startswith("🕒 »Julehilsen« sendes 23.11.2026 09.00.")
    assert query("SELECT status, send_at FROM newsletters")[0][:] == (
        "scheduled",
        "2026-11-23T08:00:00+00:00",
    )

    clock.advance(days=1)  # the bot is down when the newsletter falls due
    async with running(build_application(settings, clock=clock)):
        await emulator.wait_for(
            lambda: received(anna, "Julehilsen") and received(john, "Julehilsen")
        )
        [letter] = received(anna, "Julehilsen")
        assert letter.text == "📰 Julehilsen\n\nTak for i år!"
        assert received(john, "Julehilsen")[0].buttons[0]["text"] == "🔕 No more newsletters"
        answer = await anna.press_data(letter, letter.button("Ingen flere")["callback_data"])
        assert answer["text"].startswith("Du får ikke flere nyhedsbreve her.")
        await emulator.wait_for(
            lambda: "Nyhedsbreve igen" in str(letter.buttons), what="the button"
        )

        confirm = await write_newsletter(karim, "Nytår", "Godt nytår!", "Alle aktive ambassadører")
        assert "Det går til 1 modtager (" in confirm.text
        await karim.press(confirm, "Send nu")
        await emulator.wait_for(lambda: received(john, "Nytår"), what="the second newsletter")
        assert received(anna, "Nytår") == []

        profile = await anna.send("/me")
        again = await anna.press(profile, "Få nyhedsbreve her i chatten")
        assert "Ingen nyhedsbreve i chatten" in str(again.buttons)
        listed = await anna.send("/newsletters")
        opened = await anna.press(listed, "Julehilsen")
        assert opened.text.startswith("📰 Julehilsen")
    assert [r[0] for r in query("SELECT status FROM newsletters ORDER BY id")] == ["sent", "sent"]
    assert len(received(john, "Julehilsen")) == 1, "sent once, also across the restart"


async def test_a_newsletter_goes_by_e_mail_to_those_who_asked_and_can_be_unsubscribed(
    emulator: BotApiEmulator,
    settings: Settings,
    clock: FakeClock,
    mailbox: tuple[Mailbox, int],
    query: Callable[..., list],
) -> None:
    box, port = mailbox
    settings = mailing(settings, port)
    karim = emulator.person(COORDINATOR_ID, "Karim", "da")
    anna, bo = emulator.person(1001, "Anna", "da"), emulator.person(1003, "Bo", "da")
    async with running(build_application(settings, clock=clock)) as application:
        await karim.send("/start")
        for person, address in ((anna, "anna@example.dk"), (bo, "bounce@example.dk")):
            await sign_up(person, email=address)  # an address is a yes to the newsletter
        confirm = await write_newsletter(
            karim, "Forårsnyt", "Vi <3 frivillige & foreninger.", "Alle aktive ambassadører"
        )
        assert "Det går til 4 modtagere" in confirm.text, "two in the chat, two by e-mail"
        await karim.press(confirm, "Send nu")
        await finished(emulator, karim)

        [mail] = box.messages
        assert mail["Subject"] == "Forårsnyt"
        assert mail["From"] == "nyhedsbrev@fredericia.example"
        assert mail["To"] == "anna@example.dk"
        assert mail["Date"].datetime == clock.now
        assert mail["Message-ID"].endswith("@fredericia.example>")
        [token] = [r[0] for r in query("SELECT email_token FROM ambassadors WHERE user_id = 1001")]
        link = f"https://t.me/bolden_sandbox_bot?start=unsub-{token}"
        page = unsubscribe_link(web_of(application).url, settings, token)
        # A long one comes folded.
        assert " ".join(str(mail["List-Unsubscribe"]).split()) == f"<{page}>, <{link}>"
        assert "List-Unsubscribe-Post" not in mail, (
            "one click needs https (see test_web_unsubscribe)"
        )
        assert box.connections == 1, "both e-mails went over one connection"
        await until(lambda: not box.open)  # closed once the e-mails stopped
        plain = mail.get_body(("plain",))
        html = mail.get_body(("html",))
        assert plain is not None
        assert html is not None
        assert "Vi <3 frivillige & foreninger." in plain.get_content()
        assert page in plain.get_content()
        assert "Vi &lt;3 frivillige &amp; foreninger." in html.get_content()
        [failed] = query("SELECT state, error FROM outbox WHERE address = 'bounce@example.dk'")
        assert failed["state"] == "failed"
        assert "550" in failed["error"]

        done = await anna.send(f"/start unsub-{token}")
        assert done.text.startswith("Du får ikke flere nyhedsbreve på e-mail.")
    assert query("SELECT newsletter_by_email FROM ambassadors WHERE user_id = 1001")[0][0] == 0


async def test_a_scheduled_newsletter_can_be_changed_and_cancelled_by_coordinators_only(
    bot: BoldenApp,
    karim: SimulatedPerson,
    anna: SimulatedPerson,
    clock: FakeClock,
    query: Callable[..., list],
) -> None:
    await planned(karim, anna, "Julemarked", "Kom forbi standen.")
    await karim.send("24.11.2026 10:00")
    page = await karim.send("/newsletter")
    assert "• Julemarked · 24.11.2026 10.00 · 🤝 Alle aktive ambassadører" in page.text

    asked = await karim.press(page, "✏️ Julemarked")
    asked = await karim.press(asked, "Behold som før")  # the title
    asked = await karim.send("Kom forbi standen på Axeltorv.")  # a new text
    asked = await karim.press(asked, "Uden billede")
    forged = await karim.press_data(asked, "cmp:aud:newsletter:kind-nope")
    assert forged["show_alert"] is False
    seen = len(karim.messages)
    await karim.press(asked, "Alle aktive ambassadører")
    confirm = await next_message(karim, seen + 1)
    kept = await karim.press(await karim.press(confirm, "Planlæg"), "Behold tidspunktet")
    assert kept.text.startswith("🕒 »Julemarked« sendes 24.11.2026 10.00.")
    [row] = query("SELECT id, body_text, status FROM newsletters")
    assert tuple(row) == (1, "Kom forbi standen på Axeltorv.", "scheduled")

    refused = await anna.press_data(page, "news:drop:1")
    assert refused["text"] == "Den knap er kun for koordinatorer."
    assert query("SELECT status FROM newsletters")[0][0] == "scheduled"
    page = await karim.send("/newsletter")
    asked = await karim.press(page, "Aflys")
    assert asked.text.startswith("Vil du aflyse »Julemarked«, der skulle sendes 24.11.2026 10.00?")
    assert query("SELECT status FROM newsletters")[0][0] == "scheduled", "one tap cancels nothing"
    back = await karim.press(asked, "Tilbage")
    assert back.text.startswith("Nyhedsbreve\nPlanlagte:")
    dropped = await karim.press(await karim.press(back, "Aflys"), "Ja, aflys")
    assert dropped.text.startswith("»Julemarked« er aflyst og bliver ikke sendt.")
    assert query("SELECT status FROM newsletters")[0][0] == "cancelled"
    clock.advance(days=3)
    await run_newsletters(bot)
    assert received(anna, "Julemarked") == [], "a cancelled newsletter is never due"


async def test_an_english_coordinator_broadcasts_in_english(
    bot: BoldenApp, karim: SimulatedPerson, john: SimulatedPerson, emulator: BotApiEmulator
) -> None:
    await john.send("/start")
    await make_coordinator(karim, john)
    asked = await john.send("/broadcast")
    assert asked.text.startswith("Write the message as it should look (at most 3,500 characters).")
    audience = await john.send("The winter shelter needs blankets.")
    assert audience.text == "Who should get the message?"
    seen = len(john.messages)
    await john.press(audience, "Everyone who has written to the bot")
    confirm = await next_message(john, seen + 1)
    assert confirm.text.startswith("☝️ This is how the message looks. It goes to 2 people")
    await john.press(confirm, "Send now")
    await emulator.wait_for(
        lambda: any(m.text.startswith("🏁 Done") for m in john.messages), what="the summary"
    )
    assert len(received(karim, "winter shelter")) == 1


async def test_a_newsletter_refuses_a_time_the_clocks_skip_and_a_failed_hand_over_is_retried(
    bot: BoldenApp,
    karim: SimulatedPerson,
    anna: SimulatedPerson,
    emulator: BotApiEmulator,
    clock: FakeClock,
    query: Callable[..., list],
) -> None:
    await planned(karim, anna, "Forår", "Nu kommer foråret.")
    skipped = await karim.send("28.03.2027 02:30")
    assert skipped.text.startswith("Det klokkeslæt findes ikke den dag: urene stilles en time frem")
    assert "Hvornår skal det sendes?" in skipped.text, "the question again"
    assert "Stop" in str(skipped.buttons), "with its buttons"
    scheduled = await karim.send("28.03.2027 03:30")
    assert scheduled.text.startswith("🕒 »Forår« sendes 28.03.2027 03.30.")

    # The next hand-over fails as on a full disk.
    query("CREATE TRIGGER full BEFORE INSERT ON batches BEGIN SELECT RAISE(ABORT, 'full'); END")
    clock.advance(days=200)
    await run_newsletters(bot)
    assert query("SELECT status FROM newsletters")[0][0] == "scheduled", "nothing half done"
    query("DROP TRIGGER full")
    await run_newsletters(bot)
    await emulator.wait_for(lambda: received(anna, "Forår"), what="the newsletter")
    await run_newsletters(bot)
    assert len(query("SELECT * FROM batches")) == 1, "handed over once"
    assert query("SELECT status FROM newsletters")[0][0] == "sent"


async def _after(yields: int, step: Awaitable[object]) -> object:
    """`step`, once the event loop has run others `yields` times: one interleaving of a race."""
    for _ in range(yields):
        await asyncio.sleep(0)
    return await step


async def test_cancel_racing_the_scheduled_send_either_cancels_it_or_says_it_was_too_late(
    bot: BoldenApp,
    karim: SimulatedPerson,
    anna: SimulatedPerson,
    emulator: BotApiEmulator,
    clock: FakeClock,
    query: Callable[..., list],
) -> None:
    await karim.send("/start")
    await sign_up(anna)
    # How many turns of the event loop the press and the sweep wait; -1: the other one first.
    races: list[tuple[int, int]] = [(0, -1), (-1, 0), (0, 0), (1, 0), (0, 1), (5, 0), (0, 20)]
    outcomes = []
    for round_number, (press_after, sweep_after) in enumerate(races, 1):
        title = f"Runde {round_number}"
        confirm = await write_newsletter(karim, title, "Tekst.", "Alle aktive ambassadører")
        await karim.press(confirm, "Planlæg")
        when = (clock.now + timedelta(hours=2)).astimezone(ZoneInfo("Europe/Copenhagen"))
        await karim.send(when.strftime("%d.%m.%Y %H:%M"))
        page = await karim.press(await karim.send("/newsletter"), "Aflys")
        shown = page.edits
        clock.advance(hours=2)  # it falls due while Karim confirms Cancel
        if press_after < 0:  # the sweep first, then the press
            await run_newsletters(bot)
            await karim.press(page, "Ja, aflys")
        elif sweep_after < 0:
            await karim.press(page, "Ja, aflys")
            await run_newsletters(bot)
        else:
            await asyncio.gather(
                _after(press_after, karim.press(page, "Ja, aflys")),
                _after(sweep_after, run_newsletters(bot)),
            )
        # A press returns at the bot's next message to Karim, which may be the batch's progress.
        await emulator.wait_for(lambda: page.edits > shown, what="the answer to Cancel")  # noqa: B023
        [(status,)] = query("SELECT status FROM newsletters WHERE title = ?", title)
        if status == "sent":
            assert page.text.startswith(f"For sent: »{title}« var allerede sendt")
            await emulator.wait_for(lambda: received(anna, title), what=title)  # noqa: B023
        else:
            assert status == "cancelled"
            assert page.text.startswith(f"»{title}« er aflyst og bliver ikke sendt.")
        outcomes.append(status)

    await until(lambda: not query("SELECT 1 FROM outbox WHERE state = 'pending'"))
    counted = [len(received(anna, f"Runde {n}")) for n in range(1, len(races) + 1)]
    assert counted == [1 if status == "sent" else 0 for status in outcomes]
    assert outcomes[:2] == ["cancelled", "sent"], "the two orders, one after the other"
    assert len(query("SELECT * FROM batches")) == outcomes.count("sent")


async def test_a_coordinator_removed_halfway_can_neither_write_on_nor_send_their_newsletter(
    bot: BoldenApp,
    karim: SimulatedPerson,
    john: SimulatedPerson,
    anna: SimulatedPerson,
    query: Callable[..., list],
) -> None:
    await karim.send("/start")
    await sign_up(anna)
    await john.send("/start")
    await make_coordinator(karim, john)
    page = await john.send("/newsletter")
    asked = await john.press(page, "New newsletter")
    await karim.send(f"/coordinator remove {john.id}")
    refused = await john.send("Winter news")
    assert refused.text.startswith("You are no longer a coordinator, so you cannot finish the")
    assert query("SELECT * FROM conversations WHERE user_id = ?", john.id) == [], "dropped"

    await make_coordinator(karim, john)
    asked = await john.press(await john.send("/newsletter"), "New newsletter")
    for answer in ("Winter news", "Blankets are needed."):
        asked = await john.send(answer)
    asked = await john.press(asked, "No photo")
    seen = len(john.messages)
    await john.press(asked, "All active ambassadors")
    confirm = await next_message(john, seen + 1)
    await karim.send(f"/coordinator remove {john.id}")
    pressed = await john.press_data(confirm, confirm.button("Send now")["callback_data"])
    assert pressed["text"].startswith("You are no longer a coordinator")
    assert pressed["show_alert"] is True
    assert query("SELECT * FROM newsletters") == []
    assert query("SELECT * FROM batches") == []
    assert received(anna, "Winter news") == [], "nothing sent"
    assert query("SELECT * FROM conversations WHERE user_id = ?", john.id) == []
