"""Events and ad hoc calls end to end: writing and inviting, answers with a waiting list, the
calendar file read back, reminders across a restart, check-in at the door, and a call that
fills, closes, reports and becomes an action network."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from icalendar import Calendar

from bot.app import BoldenApp, build_application, running
from bot.config import Settings
from bot.sandbox.emulator import BotApiEmulator, ChatMessage, SimulatedPerson
from handlers.compose import COMPOSE
from storage.database import iso
from tests.conftest import COORDINATOR_ID, FakeClock, sign_up, until
from tests.e2e.test_bolde import next_message
from tests.e2e.test_broadcast import finished


async def run_due(application: BoldenApp) -> None:
    """The minute job, now, as the JobQueue would run it."""
    assert application.job_queue is not None
    [job] = application.job_queue.get_jobs_by_name("events")
    await job.run(application)


def drained(query: Callable[..., list]) -> Callable[[], bool]:
    """Nothing left in the outbox to send."""
    return lambda: not query("SELECT id FROM outbox WHERE state IN ('pending', 'sending')")


def received(person: SimulatedPerson, text: str) -> list[ChatMessage]:
    return [m for m in person.messages if text in m.text]


async def publish(karim: SimulatedPerson, command: str, steps: list[str]) -> ChatMessage:
    """Walk /event or /call: a button or a typed answer per step; returns the confirm message."""
    asked = await karim.send(command)
    for number, step in enumerate(steps, 1):
        if step.startswith("[") and step.endswith("]"):
            seen = len(karim.messages)
            asked = await karim.press(asked, step[1:-1])
            if number == len(steps) and len(karim.messages) > seen:  # the preview, then this
                asked = await next_message(karim, seen + 1)
        else:
            asked = await karim.send(step)
    return asked


async def test_an_event_from_invitation_to_check_in(
    emulator: BotApiEmulator, settings: Settings, clock: FakeClock, query: Callable[..., list]
) -> None:
    karim = emulator.person(COORDINATOR_ID, "Karim", "da")
    anna, bo, john = (
        emulator.person(1001, "Anna", "da"),
        emulator.person(1003, "Bo", "da"),
        emulator.person(1002, "John", "en"),
    )
    async with running(build_application(settings, clock=clock)) as bot:
        await karim.send("/start")
        for person, kind in ((anna, "Borger"), (bo, "Borger"), (john, "Citizen")):
            await sign_up(person, kind)
        seen = len(karim.messages)
        await publish(
            karim,
            "/event",
            ["[Workshop]", "Suppe og snak", "Vi laver <suppe> sammen.", "i morgen"],
        )
        assert karim.last.text.startswith("Den dato forstår jeg ikke.")
        await publish(karim, "/cancel", [])
        confirm = await publish(
            karim,
            "/event",
            ["[Workshop]", "Suppe og snak", "Vi laver <suppe> sammen.", "3.12.2026 18:00",
             "17:00", "21:00", "Medborgerhuset, Danmarksgade 12", "nul", "1",
             "[Kun inviterede]", "[Alle aktive ambassadører]"],
        )  # fmt: skip
        assert received(karim, "Slutningen skal ligge efter starten.")
        assert received(karim, "Skriv et helt tal fra 1, tak.")
        assert confirm.text.startswith("☝️ Sådan ser invitationen ud. Den går til 3 personer")
        preview = karim.messages[karim.messages.index(confirm) - 1]
        assert preview.text.splitlines()[:4] == [
            "📅 Suppe og snak · Workshop",
            "🕒 03.12.2026 18.00–21.00",
            "📍 Medborgerhuset, Danmarksgade 12",
            "👥 1 plads",
        ]
        assert preview.text.endswith("Vi laver <suppe> sammen.")
        published = await karim.press(confirm, "Send invitationer nu")
        assert published.text.endswith(
            "⏰ Påmindelser sendes 1 dag før start og 2 timer før start."
        ), "each reminder a moment of its own"
        await emulator.wait_for(lambda: all(received(p, "Suppe og snak") for p in (anna, bo, john)))
        [invitation] = received(anna, "Suppe og snak")
        assert [b["text"] for b in invitation.buttons] == [
            "Ja",
            "Måske",
            "Nej",
            "📅 Læg i kalenderen",
        ]
        assert received(john, "Suppe og snak")[0].buttons[0]["text"] == "Yes"

        seen = len(karim.messages)
        answer = await anna.press_data(invitation, invitation.button("Ja")["callback_data"])
        assert answer["text"] == "Dejligt! Du er tilmeldt."
        await emulator.wait_for(lambda: "✓ Ja" in str(invitation.buttons), what="the tick")
        assert [b["text"] for b in invitation.buttons][:3] == ["✓ Ja", "Måske", "Nej"], "one mark"
        full = await next_message(karim, seen)
        assert full.text == "👥 »Suppe og snak« er fuldt (1 plads). Nye ja kommer på venteliste."
        [for_bo] = received(bo, "Suppe og snak")
        waiting = await bo.press_data(for_bo, for_bo.button("Ja")["callback_data"])
        assert waiting["text"].startswith("Der er fuldt lige nu. Du er nr. 1 på ventelisten")
        seen = len(bo.messages)
        await anna.press_data(invitation, invitation.button("Nej")["callback_data"])
        promoted = await next_message(bo, seen)
        assert promoted.text.startswith(
            "🎉 Der er blevet en plads fri: du er nu tilmeldt »Suppe og snak«."
        )
        answers = {r["user_id"]: r["answer"] for r in query("SELECT user_id, answer FROM rsvps")}
        assert answers == {anna.id: "no", bo.id: "yes"}
        page = await karim.press(await karim.send("/events"), "Suppe og snak")
        seen = len(karim.messages)
        await karim.press_data(page, page.button("Svar")["callback_data"])
        who = await next_message(karim, seen)
        assert who.text.splitlines()[1:] == ["• Bo: kommer", "• Anna: kommer ikke"], "3rd person"

        [for_john] = received(john, "Suppe og snak")
        seen = len(john.messages)
        await john.press_data(for_john, for_john.button("calendar")["callback_data"])
        document = await next_message(john, seen)
        assert document.file is not None
        assert document.file.name == "event.ics"
        calendar = Calendar.from_ical(document.file.data)
        [entry] = calendar.walk("VEVENT")
        assert str(entry["SUMMARY"]) == "Suppe og snak"
        assert entry.decoded("DTSTART") == datetime(2026, 12, 3, 17, 0, tzinfo=UTC)
        assert str(entry["DTSTART"].params["TZID"]) == "Europe/Copenhagen"
        assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Copenhagen"]
        assert str(entry["LOCATION"]) == "Medborgerhuset, Danmarksgade 12"
        [(event_id, code)] = [tuple(r) for r in query("SELECT id, checkin_code FROM events")]
        assert str(entry["UID"]) == f"event-{event_id}@www.fredericia.dk"
        assert code.encode() not in document.file.data, "the check-in code stays on the poster"

        await run_due(bot)
        assert received(bo, "Påmindelse") == [], "nothing is due yet"
        [code] = [r[0] for r in query("SELECT checkin_code FROM events")]
        early = await bo.send(f"/start in-{code}")
        assert early.text == (
            "Du er tidligt på den! Indtjekningen til »Suppe og snak« åbner 03.12.2026 17.00, "
            "en time før start. Scan koden igen, når du er der."
        )
    clock.now = datetime(2026, 12, 2, 17, 30, tzinfo=UTC)  # the day before, while the bot is down
    async with running(build_application(settings, clock=clock)) as bot:
        await run_due(bot)
        await emulator.wait_for(lambda: received(bo, "Påmindelse"), what="the first reminder")
        assert received(bo, "Påmindelse")[0].text.startswith(
            "⏰ Påmindelse: Suppe og snak begynder 03.12.2026 18.00. Kan du alligevel ikke, "
            "så tryk Nej, så går pladsen videre."
        ), "the seat is named: the event has a limit"
        await run_due(bot)
        clock.now = datetime(2026, 12, 3, 15, 30, tzinfo=UTC)  # 1.5 hours before
        await run_due(bot)
        await emulator.wait_for(lambda: len(received(bo, "Påmindelse")) == 2, what="the second one")
        clock.now = datetime(2026, 12, 3, 17, 10, tzinfo=UTC)  # it has begun
        await run_due(bot)
        assert received(anna, "Påmindelse") == [], "only those coming are reminded"
        welcome = await bo.send(f"/start in-{code}")
        assert welcome.text == "✅ Velkommen til »Suppe og snak«! Du er tjekket ind."
        again = await bo.send(f"/start in-{code}")
        assert again.text.startswith("Du er allerede tjekket ind")
        eva = emulator.person(1009, "Eva", "da")  # scans the poster, but was not invited
        refused = await eva.send(f"/start in-{code}")
        assert refused.text == (
            "»Suppe og snak« er kun for inviterede, og du står ikke på listen, så du er ikke "
            "tjekket ind. Spørg arrangøren ved døren, så hjælper de dig."
        )
        stats = await karim.send("/stats")
        assert "2026: 1 aktivitet, 1 tjekket ind" in stats.text
        assert "Workshop: 1" in stats.text

        page = await karim.press(await karim.send("/events"), "Suppe og snak")
        assert "👥 1 ja · 0 måske · 1 nej · 0 på venteliste · 1 tjekket ind" in page.text
        welcome = await john.send(f"/start in-{code}")  # invited, and never answered
        assert welcome.text == "✅ Welcome to “Suppe og snak”! You are checked in."
        page = await karim.press(page, "Opdater")
        assert page.text.endswith("· 2 tjekket ind"), "counted afresh"
        clock.now = datetime(2026, 12, 3, 20, 1, tzinfo=UTC)  # 21.01: it has ended
        late = await anna.send(f"/start in-{code}")
        assert late.text == (
            "»Suppe og snak« er slut, så indtjekningen er lukket. Tak, fordi du kiggede forbi!"
        )
    assert query("SELECT COUNT(*) FROM attendance")[0][0] == 2
    assert len(received(bo, "Påmindelse")) == 2, "each reminder once, across the restart"


async def test_a_call_fills_closes_reports_and_becomes_a_network(
    bot: BoldenApp,
    emulator: BotApiEmulator,
    karim: SimulatedPerson,
    anna: SimulatedPerson,
    john: SimulatedPerson,
    clock: FakeClock,
    query: Callable[..., list],
) -> None:
    bo = emulator.person(1003, "Bo", "da")
    await karim.send("/start")
    for person, kind in ((anna, "Borger"), (bo, "Borger"), (john, "Citizen")):
        await sign_up(person, kind)
    confirm = await publish(
        karim,
        "/call",
        ["Hænder til varmestuen", "Vi skal rede senge op.", "3.12.2026 20:00",
         "Varmestuen, Vesterbrogade 1", "2", "4.12.2026 12:00", "2.12.2026 12:00",
         "[Alle aktive ambassadører]"],
    )  # fmt: skip
    assert received(karim, "Svarfristen skal ligge før starten.")
    assert confirm.text.startswith("☝️ Sådan ser kaldet ud. Det går til 3 personer")
    await karim.press(confirm, "Send kaldet nu")
    await emulator.wait_for(
        lambda: all(received(p, "Hænder til varmestuen") for p in (anna, bo, john))
    )
    calls = {p.id: received(p, "Hænder til varmestuen")[0] for p in (anna, bo, john)}
    assert "🙋 Vi mangler 2 personer" in calls[anna.id].text
    assert [b["text"] for b in calls[anna.id].buttons] == ["Jeg er med", "Ikke denne gang"]

    seen = len(karim.messages)
    await anna.press_data(calls[anna.id], calls[anna.id].button("Jeg er med")["callback_data"])
    await bo.press_data(calls[bo.id], calls[bo.id].button("Jeg er med")["callback_data"])
    full = await next_message(karim, seen)
    assert full.text.startswith("🙋 »Hænder til varmestuen« er fuldt: 2 af 2 har meldt sig.")
    refused = await john.press_data(calls[john.id], calls[john.id].button("in")["callback_data"])
    assert refused["text"] == "The team is full. Thank you for offering!"
    await anna.press_data(calls[anna.id], calls[anna.id].button("Ikke denne gang")["callback_data"])
    joined = await john.press_data(calls[john.id], calls[john.id].button("in")["callback_data"])
    assert joined["text"] == "Thank you! You're in."

    seen = len(karim.messages)
    clock.now = datetime(2026, 12, 2, 11, 1, tzinfo=UTC)  # just past the deadline
    await run_due(bot)
    roster = await next_message(karim, seen)
    lines = roster.text.splitlines()
    assert lines[0] == "⏳ Svarfristen for »Hænder til varmestuen« er nået. 2 af 2 er med:"
    assert sorted(lines[1:]) == ["• Bo", "• John"]
    late = await anna.press_data(
        calls[anna.id], calls[anna.id].button("Jeg er med")["callback_data"]
    )
    assert late["text"] == "Svarfristen er overskredet."
    await run_due(bot)
    assert len(received(karim, "Svarfristen for")) == 1, "the roster is sent once"
    made = await karim.press_data(roster, roster.button("ad hoc")["callback_data"])
    assert made["text"].startswith("Ad hoc-netværket »Hænder til varmestuen« er oprettet")
    [network] = query("SELECT id, kind, name FROM networks")
    assert tuple(network) == (1, "adhoc", "Hænder til varmestuen")
    members = sorted(r[0] for r in query("SELECT user_id FROM network_members"))
    assert members == sorted([bo.id, john.id])
    audited = query(
        "SELECT action, subject, network_id FROM audit_log "
        "WHERE action IN ('network.create', 'member.add') ORDER BY action, subject"
    )
    assert sorted(tuple(r) for r in audited) == sorted(
        [
            ("network.create", "1", None),
            ("member.add", str(bo.id), 1),
            ("member.add", str(john.id), 1),
        ]
    ), "a call's network and its members are in the log, like any other"
    again = await karim.press_data(roster, roster.button("ad hoc")["callback_data"])
    assert again["show_alert"] is True, "one network per call"


async def test_scheduled_publishing_the_list_and_the_coordinators_tools(
    bot: BoldenApp,
    emulator: BotApiEmulator,
    karim: SimulatedPerson,
    anna: SimulatedPerson,
    clock: FakeClock,
    query: Callable[..., list],
) -> None:
    await karim.send("/start")
    await sign_up(anna)
    confirm = await publish(
        karim,
        "/event",
        ["[Stormøde]", "Stormøde 2026", "Hele netværket mødes.", "10.12.2026 17:00",
         "[To timer]", "Fredericia Idrætscenter", "[Ingen grænse]", "[Kun inviterede]",
         "[Alle aktive ambassadører]"],
    )  # fmt: skip
    asked = await karim.press(confirm, "Planlæg")
    scheduled = await karim.send("23.11.2026 09:00")
    assert scheduled.text.startswith(
        "🕒 Invitationerne til »Stormøde 2026« sendes 23.11.2026 09.00."
    )
    await run_due(bot)
    assert received(anna, "Stormøde 2026") == [], "not before its time"
    clock.advance(days=1)
    await run_due(bot)
    await emulator.wait_for(lambda: received(anna, "Stormøde 2026"), what="the invitation")
    [invitation] = received(anna, "Stormøde 2026")
    assert "🕒 10.12.2026 17.00–19.00" in invitation.text, "two hours when no end was given"
    await anna.press_data(invitation, invitation.button("Måske")["callback_data"])

    listed = await anna.send("/events")
    assert "• Stormøde 2026 · 10.12.2026 17.00–19.00 · måske" in listed.text
    page = await anna.press(listed, "Stormøde 2026")
    assert "Svar" not in str(page.buttons), "the tools are for coordinators"
    await anna.press_data(page, page.button("Ja")["callback_data"])
    await emulator.wait_for(lambda: "✓ Ja" in str(page.buttons), what="the tick on the page")
    assert "Tilbage til listen" in str(page.buttons), "answering on the page keeps the way back"
    listed = await anna.press(page, "Tilbage til listen")
    assert "• Stormøde 2026 · 10.12.2026 17.00–19.00 · du kommer" in listed.text
    page = await anna.press(listed, "Stormøde 2026")
    refused = await anna.press_data(page, f"ev:drop:{query('SELECT id FROM events')[0][0]}")
    assert refused["text"] == "Den knap er kun for koordinatorer."

    page = await karim.press(await karim.send("/events"), "Stormøde 2026")
    turn_off = page.button("1 dag før")["callback_data"]
    page = await karim.press(page, "1 dag før")
    assert "⬜ ⏰ 1 dag før" in str(page.buttons)
    assert query("SELECT reminders FROM events")[0][0] == "[120]"
    turn_on = page.button("1 dag før")["callback_data"]
    await karim.press_data(page, turn_off)  # the button as it was: a second tap asks off again
    await karim.press_data(page, turn_off.rsplit(":", 1)[0])  # forged: not saying on or off
    refused = await anna.press_data(page, turn_on)
    assert refused["text"] == "Den knap er kun for koordinatorer."
    assert query("SELECT reminders FROM events")[0][0] == "[120]", "off, as the first tap asked"
    seen = len(karim.messages)
    await karim.press_data(page, page.button("Svar")["callback_data"])
    who = await next_message(karim, seen)
    assert who.text.splitlines()[1:] == ["• Anna: kommer"]
    await karim.press_data(page, page.button("CSV")["callback_data"])
    csv_file = await next_message(karim, seen + 1)
    assert csv_file.file is not None
    rows = csv_file.file.data.decode("utf-8-sig").splitlines()
    assert rows[1].startswith("Anna;;kommer;"), "her latest answer"
    await karim.press_data(page, page.button("QR")["callback_data"])
    poster = await next_message(karim, seen + 2)
    assert poster.file is not None
    assert poster.file.name == f"poster-{query('SELECT id FROM events')[0][0]}.pdf"
    assert poster.file.data.startswith(b"%PDF-"), "a printable page"
    assert b"/MediaBox [ 0 0 595.44 842.04 ]" in poster.file.data, "A4, in points"
    assert "print den på A4" in poster.text
    assert "start=in-" in poster.text

    edit = await karim.press(page, "Ret")
    assert "Behold som før" not in str(edit.buttons), "the kind is chosen again"
    steps = [
        "[Stormøde]",
        "[Behold]",
        "[Behold]",
        "[Behold]",
        "[Behold]",
        "Idrætscentret, Hal 2",
        "[Ingen grænse]",
        "[Alle]",
    ]
    asked = edit
    for step in steps:
        if step.startswith("["):
            asked = await karim.press(asked, step[1:-1])
        else:
            asked = await karim.send(step)
    seen = len(karim.messages)
    await karim.press(asked, "Alle aktive ambassadører")
    confirm = await next_message(karim, seen + 1)
    seen_anna = len(anna.messages)
    assert confirm.text.startswith(
        "☝️ Sådan ser det ud efter ændringen. 1 person kommer og får besked om ændringen."
    ), "the preview says who is told"
    saved = await karim.press(confirm, "Gem ændringen")
    assert saved.text.startswith("✅ Ændringerne er gemt")
    changed = await next_message(anna, seen_anna)
    assert changed.text.startswith("✏️ Ændret: Stormøde 2026.")
    assert "📍 Idrætscentret, Hal 2" in changed.text
    assert query("SELECT checkin_open FROM events")[0][0] == 1, "open to all at the door"
    [code] = [r[0] for r in query("SELECT checkin_code FROM events")]
    clock.now = datetime(2026, 12, 10, 16, 30, tzinfo=UTC)  # 17.30, half an hour before
    eva = emulator.person(1009, "Eva", "da")  # never invited: the door is open to all
    welcome = await eva.send(f"/start in-{code}")
    assert welcome.text == "✅ Velkommen til »Stormøde 2026«! Du er tjekket ind."

    page = await karim.press(await karim.send("/events"), "Stormøde 2026")
    confirm_drop = await karim.press(page, "Aflys")
    seen_anna = len(anna.messages)
    dropped = await karim.press(confirm_drop, "Ja, aflys")
    assert dropped.text == "»Stormøde 2026« er aflyst. 1 person får besked."
    told = await next_message(anna, seen_anna)
    assert told.text.startswith("❌ Aflyst: Stormøde 2026")
    late = await anna.press_data(invitation, invitation.button("Ja")["callback_data"])
    assert late["text"] == "Arrangementet er aflyst."
    assert (await anna.send("/events")).text.startswith("Der er ingen arrangementer lige nu.")


async def test_a_reminder_already_past_at_publishing_is_skipped_and_late_answers_get_the_next(
    bot: BoldenApp,
    emulator: BotApiEmulator,
    karim: SimulatedPerson,
    anna: SimulatedPerson,
    clock: FakeClock,
    query: Callable[..., list],
) -> None:
    bo = emulator.person(1003, "Bo", "da")
    await karim.send("/start")
    for person in (anna, bo):
        await sign_up(person)
    confirm = await publish(
        karim,
        "/event",
        ["[Workshop]", "Morgenmad", "Vi spiser sammen.", "23.11.2026 10:00", "12:00",
         "Medborgerhuset", "[Ingen grænse]", "[Kun inviterede]", "[Alle aktive ambassadører]"],
    )  # fmt: skip
    published = await karim.press(confirm, "Send invitationer nu")
    assert published.text.endswith("⏰ Påmindelser sendes 2 timer før start."), "not the day-before"
    done = "SELECT offset_minutes, skipped FROM reminders_sent"
    await until(lambda: query(done))  # recorded with the invitations, just after the reply
    assert [tuple(r) for r in query(done)] == [(1440, 1)]
    await finished(emulator, karim)  # the batch's own messages come first
    page = await karim.press(await karim.send("/events"), "Morgenmad")
    page = await karim.press(page, "1 dag før")  # off: allowed
    assert query("SELECT reminders FROM events")[0][0] == "[120]"
    again = await karim.press_data(page, page.button("1 dag før")["callback_data"])
    assert again["text"].startswith("Den påmindelses tidspunkt er allerede gået"), "on: too late"
    assert query("SELECT reminders FROM events")[0][0] == "[120]", "nothing changed"
    await emulator.wait_for(lambda: received(anna, "Morgenmad") and received(bo, "Morgenmad"))
    [for_anna] = received(anna, "Morgenmad")
    await anna.press_data(for_anna, for_anna.button("Ja")["callback_data"])
    await run_due(bot)
    clock.now = datetime(2026, 11, 23, 7, 30, tzinfo=UTC)  # 10.00 in Copenhagen, in 1.5 hours
    await run_due(bot)
    await emulator.wait_for(lambda: received(anna, "Påmindelse"), what="the two-hour reminder")
    assert received(anna, "Påmindelse")[0].text.startswith(
        "⏰ Påmindelse: Morgenmad begynder 23.11.2026 10.00. Kan du alligevel ikke, så tryk Nej.\n"
    ), "no seat to pass on: the event has no limit"
    [for_bo] = received(bo, "Morgenmad")
    await bo.press_data(for_bo, for_bo.button("Ja")["callback_data"])
    await run_due(bot)
    await until(drained(query))
    assert len(received(anna, "Påmindelse")) == 1, "no late day-before reminder, the next one"
    assert received(bo, "Påmindelse") == [], "a yes after the reminder's time gets no late one"


async def test_the_list_shows_each_person_the_events_they_can_answer(
    bot: BoldenApp,
    emulator: BotApiEmulator,
    karim: SimulatedPerson,
    anna: SimulatedPerson,
    query: Callable[..., list],
) -> None:
    bo = emulator.person(1003, "Bo", "da")
    await karim.send("/start")
    await sign_up(anna)
    await sign_up(bo, kind="Frivillig")
    confirm = await publish(
        karim,
        "/event",
        ["[Workshop]", "Frivilligaften", "For de frivillige.", "10.12.2026 17:00",
         "[To timer]", "Medborgerhuset", "[Ingen grænse]", "[Kun inviterede]", "[Efter type …]",
         "[Frivillig]"],
    )  # fmt: skip
    await karim.press(confirm, "Send invitationer nu")
    await emulator.wait_for(lambda: received(bo, "Frivilligaften"), what="Bo's invitation")

    invitation = received(bo, "Frivilligaften")[0]
    yes = str(invitation.button("Ja")["callback_data"])
    assert (await bo.press_data(invitation, yes))["text"].startswith("Dejligt!")
    again = await bo.press_data(invitation, yes)  # a double tap: the same buttons again
    assert again["text"].startswith("Dejligt!")
    assert "Frivilligaften" in (await bo.send("/events")).text
    assert not any("noget gik galt" in m.text for m in bo.messages), "a double tap is no error"
    assert (await anna.send("/events")).text.startswith("Der er ingen arrangementer lige nu.")
    assert "Frivilligaften" in (await karim.send("/events")).text, "coordinators see them all"
    event_id = query("SELECT id FROM events")[0][0]
    forged = await anna.press_data(anna.last, f"ev:ans:{event_id}:yes")
    assert forged["text"].startswith("Invitationen er ikke sendt til dig")
    assert query("SELECT COUNT(*) FROM rsvps WHERE user_id = ?", anna.id)[0][0] == 0


# Words that name each kind in Danish: a question of one kind may use none of the others'.
KIND_WORDS = {
    "broadcast": ("besked", "udsendelse"),
    "newsletter": ("nyhedsbrev",),
    "event": ("arrangement", "invitation"),
    "call": ("kald", "opgave", "hjælper"),
}


async def questions(karim: SimulatedPerson, first: ChatMessage, steps: list[str]) -> list[str]:
    """The question asked first and after each step (a button pressed, or an answer typed), as
    it read when it was asked."""
    asked, texts = first, [first.text]
    for step in steps:
        if step.startswith("["):
            asked = await karim.press(asked, step[1:-1])
        else:
            asked = await karim.send(step)
        texts.append(asked.text)
    return texts


def naming_others(kind: str, texts: list[str]) -> list[str]:
    return [
        f"{kind} asks {text!r}, naming {word!r}"
        for text in texts
        for other, words in KIND_WORDS.items()
        if other != kind
        for word in words
        if word in text.lower()
    ]


async def test_each_kind_asks_its_own_questions_also_when_an_event_is_changed(
    bot: BoldenApp, karim: SimulatedPerson, anna: SimulatedPerson
) -> None:
    await karim.send("/start")
    await sign_up(anna)
    walks = {
        "broadcast": ("/broadcast", [], ["Varme tæpper søges til varmestuen."]),
        "newsletter": ("/newsletter", ["Nyt nyhedsbrev"], ["Forår", "Nu er det forår.", "[Uden"]),
        "call": ("/call", [], ["Hænder", "Vi rydder op.", "3.12.2026 18:00", "Varmestuen", "2",
                               "2.12.2026 12:00"]),
        "event": ("/event", [], ["[Workshop]", "Suppe", "Vi laver suppe.", "3.12.2026 18:00",
                                 "21:00", "Medborgerhuset", "20", "[Kun inviterede]"]),
    }  # fmt: skip
    for kind, (command, opening, steps) in walks.items():
        first = await karim.send(command)
        for label in opening:
            first = await karim.press(first, label)
        asked = await questions(karim, first, steps)
        assert len(set(asked)) == len(steps) + 1, f"{kind}: a new question after every answer"
        assert naming_others(kind, asked) == []
        assert any(word in asked[-1].lower() for word in KIND_WORDS[kind]), "the audience: whose?"
        if kind != "event":
            await karim.send("/cancel")

    seen = len(karim.messages)
    await karim.press(karim.last, "Alle aktive ambassadører")
    await karim.press(await next_message(karim, seen + 1), "Send invitationer nu")
    await finished(karim.emulator, karim)  # the batch's own messages come first
    page = await karim.press(await karim.send("/events"), "Suppe")
    changing = await karim.press(page, "Ret")
    steps = ["[Workshop]", *["[Behold]"] * 6, "[Kun inviterede]"]
    asked = await questions(karim, changing, steps)
    assert len(asked) == len(steps) + 1
    assert naming_others("event", asked) == [], "changing an event asks as writing one does"
    assert asked[1].startswith("Hvad hedder arrangementet?")


def stored_events(settings: Settings, count: int) -> None:
    """Published meetings "Møde 01", "Møde 02" …, one a day from 1 December, written by
    another process."""
    first = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)
    rows = [
        (f"Møde {n:02d}", iso(first + timedelta(days=n)), iso(first + timedelta(days=n, hours=2)),
         f"code{n}")
        for n in range(1, count + 1)
    ]  # fmt: skip
    connection = sqlite3.connect(settings.database)
    try:
        with connection:
            connection.executemany(
                "INSERT INTO events (kind, title, description, starts_at, ends_at, place, "
                "audience, status, publish_at, reminders, created_at, checkin_code) "
                "VALUES ('workshop', ?, 'Vi mødes.', ?, ?, 'Rådhuset', 'amb', 'published', "
                "'2026-11-01T00:00:00+00:00', '[1440, 120]', '2026-11-01T00:00:00+00:00', ?)",
                rows,
            )
    finally:
        connection.close()


async def test_the_list_turns_its_pages_and_an_event_leads_back_to_the_page_it_came_from(
    bot: BoldenApp, karim: SimulatedPerson, settings: Settings
) -> None:
    await karim.send("/start")
    stored_events(settings, 12)
    listed = await karim.send("/events")
    titles = [b["text"] for b in listed.buttons if b["text"].startswith("Møde")]
    assert titles == [f"Møde {n:02d}" for n in range(1, 11)], "ten on a page, soonest first"
    second = await karim.press(listed, "Næste")
    assert "• Møde 11 ·" in second.text
    assert "Møde 01" not in second.text
    page = await karim.press(second, "Møde 12")
    assert "👥 0 ja · 0 måske · 0 nej · 0 på venteliste · 0 tjekket ind" in page.text
    back = await karim.press(page, "Tilbage til listen")
    assert "• Møde 12 ·" in back.text
    assert "Møde 01" not in back.text, "back on the page it was opened from"

    page = await karim.press(back, "Møde 11")
    page = await karim.press(page, "2 timer før")  # a reminder off: the page is shown again
    assert "⬜ ⏰ 2 timer før" in str(page.buttons)
    back = await karim.press(page, "Tilbage til listen")
    assert "• Møde 11 ·" in back.text
    assert "Møde 01" not in back.text, "still the page it was opened from"


async def through(karim: SimulatedPerson, asked: ChatMessage, steps: list[str]) -> ChatMessage:
    """Answer question after question ("[label]" presses a button); the last one asked."""
    for step in steps:
        asked = await (karim.press(asked, step[1:-1]) if step.startswith("[") else karim.send(step))
    return asked


async def test_a_scheduled_event_is_listed_changed_with_its_end_moved_along_and_cancelled(
    bot: BoldenApp,
    karim: SimulatedPerson,
    anna: SimulatedPerson,
    clock: FakeClock,
    query: Callable[..., list],
) -> None:
    await karim.send("/start")
    await sign_up(anna)
    confirm = await publish(
        karim,
        "/event",
        ["[Workshop]", "Julefest", "Vi hygger.", "10.12.2026 kl. 18.00", "31.2.2027", "20.00",
         "Medborgerhuset", "[Ingen grænse]", "[Kun inviterede]", "[Alle aktive ambassadører]"],
    )  # fmt: skip
    assert received(karim, "Den dato findes ikke."), "a day February does not have"
    asked = await karim.press(confirm, "Planlæg")
    assert asked.text.startswith("Hvornår skal invitationerne sendes?")
    assert "03.12.2026 18:00" in asked.text, "the example: a week before the start"
    late = await karim.send("11.12.2026 08:00")
    assert late.text.startswith(
        "Invitationerne skal sendes, før arrangementet begynder (10.12.2026 18.00)."
    )
    assert query("SELECT id FROM events") == [], "nothing stored"
    scheduled = await karim.send("10.12.2026 17:00")
    assert "Du kan ændre eller aflyse den under /events." in scheduled.text
    assert scheduled.text.endswith(
        "⏰ Der sendes ingen påmindelser: deres tidspunkt ligger før invitationerne sendes."
    ), "not 'already passed': they fall before the invitations"
    assert (await anna.send("/events")).text.startswith("Der er ingen arrangementer")

    listed = await karim.send("/events")
    assert "• Julefest · 10.12.2026 18.00–20.00 · 🕒 sendes 10.12.2026 17.00" in listed.text
    page = await karim.press(listed, "Julefest")
    assert "Ikke sendt endnu: invitationerne sendes 10.12.2026 17.00." in page.text
    assert [b["text"] for b in page.buttons] == ["✏️ Ret", "🗑 Aflys", "⬅️ Tilbage til listen"]
    asked = await through(
        karim,
        await karim.press(page, "Ret"),
        ["[Workshop]", "[Behold]", "[Behold]", "11.12.2026 18:00", "[Behold]", "[Behold]",
         "[Ingen grænse]", "[Kun inviterede]"],
    )  # fmt: skip
    seen = len(karim.messages)
    await karim.press(asked, "Alle aktive ambassadører")
    confirm = await next_message(karim, seen + 1)
    assert "🕒 11.12.2026 18.00–20.00" in karim.messages[seen].text, "the end moved along"
    assert confirm.text.startswith(
        "☝️ Sådan ser invitationen ud efter ændringen. Den er ikke sendt endnu og sendes som "
        "planlagt 10.12.2026 17.00."
    )
    saved = await karim.press(confirm, "Gem ændringen")
    assert saved.text.startswith("✅ Ændringerne er gemt")
    [(starts, ends)] = [tuple(r) for r in query("SELECT starts_at, ends_at FROM events")]
    assert datetime.fromisoformat(ends) - datetime.fromisoformat(starts) == timedelta(hours=2)
    assert datetime.fromisoformat(starts) == datetime(2026, 12, 11, 17, 0, tzinfo=UTC)

    page = await karim.press(await karim.send("/events"), "Julefest")
    asking = await karim.press(page, "Aflys")
    back = await karim.press(asking, "Tilbage")
    assert "Ikke sendt endnu" in back.text, "back on the event's page, nothing cancelled"
    dropped = await karim.press(await karim.press(back, "Aflys"), "Ja, aflys")
    assert dropped.text.startswith("»Julefest« er aflyst.")
    clock.now = datetime(2026, 12, 10, 16, 30, tzinfo=UTC)
    await run_due(bot)
    assert received(anna, "Julefest") == [], "a cancelled scheduled event never goes out"


async def test_a_changed_call_start_moves_its_end_and_refuses_a_kept_deadline_after_it(
    bot: BoldenApp,
    emulator: BotApiEmulator,
    karim: SimulatedPerson,
    anna: SimulatedPerson,
    query: Callable[..., list],
) -> None:
    await karim.send("/start")
    await sign_up(anna)
    confirm = await publish(
        karim,
        "/call",
        ["Hænder", "Vi rydder op.", "3.12.2026 18:00", "Varmestuen", "2", "2.12.2026 12:00",
         "[Alle aktive ambassadører]"],
    )  # fmt: skip
    assert [b["text"] for b in confirm.buttons][:2] == ["📨 Send kaldet nu", "🕒 Planlæg"]
    await karim.press(confirm, "Send kaldet nu")
    await finished(emulator, karim)
    page = await karim.press(await karim.send("/events"), "Hænder")
    asked = await through(
        karim,
        await karim.press(page, "Ret"),
        ["[Behold]", "[Behold]", "1.12.2026 18:00", "[Behold]", "[Behold]", "[Behold]"],
    )
    assert asked.text.startswith("Svarfristen skal ligge før starten."), "the kept deadline"
    asked = await karim.send("1.12.2026 kl. 12")
    assert asked.text.startswith("Den dato forstår jeg ikke.")
    seen = len(karim.messages)
    await karim.press(await karim.send("1.12.2026 12:00"), "Alle aktive ambassadører")
    confirm = await next_message(karim, seen + 2)
    assert confirm.text.startswith(
        "☝️ Sådan ser det ud efter ændringen. Ingen har sagt ja endnu, så ingen får besked."
    )
    await karim.press(confirm, "Gem ændringen")
    [(starts, ends, deadline)] = [
        tuple(datetime.fromisoformat(v) for v in r)
        for r in query("SELECT starts_at, ends_at, deadline FROM events")
    ]
    assert deadline < starts < ends == starts + timedelta(hours=2)


async def test_the_waiting_list_shows_on_the_buttons_nobody_is_not_an_audience_and_late_answers(
    bot: BoldenApp,
    emulator: BotApiEmulator,
    karim: SimulatedPerson,
    anna: SimulatedPerson,
    clock: FakeClock,
) -> None:
    bo = emulator.person(1003, "Bo", "da")
    await karim.send("/start")
    for person in (anna, bo):
        await sign_up(person)
    asked = await publish(
        karim,
        "/event",
        ["[Workshop]", "Suppe", "Vi laver suppe.", "3.12.2026 18:00", "20:00", "Medborgerhuset",
         "1", "[Kun inviterede]"],
    )  # fmt: skip
    kinds = await karim.press(asked, "Efter type")
    assert "Borger (2)" in [b["text"] for b in kinds.buttons], "how many each reaches"
    main = await karim.press(kinds, "Tilbage")
    topics = await karim.press(main, "Efter tema")
    empty = next(b["text"] for b in topics.buttons if b["text"].endswith("(0)"))
    seen = len(karim.messages)
    await karim.press(topics, empty)
    nobody = await next_message(karim, seen + 1)
    assert nobody.text.startswith("☝️ Sådan ser det ud. Men målgruppen")
    assert [b["text"] for b in nobody.buttons] == ["⬅️ Vælg en anden målgruppe", "✖️ Stop"]
    forged = await karim.press_data(nobody, COMPOSE.data("send", draft="event"))
    assert forged["text"].startswith("Den målgruppe når ingen lige nu, så intet er sendt.")
    main = await karim.press(nobody, "Vælg en anden målgruppe")
    seen = len(karim.messages)
    await karim.press(main, "Alle aktive ambassadører")
    confirm = await next_message(karim, seen + 1)
    assert confirm.text.startswith("☝️ Sådan ser invitationen ud. Den går til 2 personer")
    await karim.press(confirm, "Send invitationer nu")
    await finished(emulator, karim)
    [for_anna], [for_bo] = received(anna, "Suppe"), received(bo, "Suppe")
    await anna.press_data(for_anna, for_anna.button("Ja")["callback_data"])
    await bo.press_data(for_bo, for_bo.button("Ja")["callback_data"])
    await emulator.wait_for(lambda: "venteliste" in str(for_bo.buttons), what="the place")
    assert [b["text"] for b in for_bo.buttons][:3] == ["⏳ På venteliste (nr. 1)", "Måske", "Nej"]
    page = await bo.press(await bo.send("/events"), "Suppe")
    assert page.buttons[0]["text"] == "⏳ På venteliste (nr. 1)", "on the page too"
    page = await karim.press(await karim.send("/events"), "Suppe")
    assert "👥 1 ja · 0 måske · 0 nej · 1 på venteliste · 0 tjekket ind" in page.text

    clock.now = datetime(2026, 12, 3, 19, 30, tzinfo=UTC)  # 20.30: it is over
    over = await anna.press_data(for_anna, for_anna.button("Nej")["callback_data"])
    assert over["text"] == "Arrangementet er slut."
