"""The coordinator's commands, and polite refusals for everyone else."""

from __future__ import annotations

import csv
import io

import pytest

from bot.app import BoldenApp
from bot.sandbox.emulator import BotApiEmulator, SimulatedPerson
from tests.conftest import COORDINATOR_ID, FakeClock, sign_up
from tests.e2e.test_bolde import new_network, next_message, send_bold
from tests.e2e.test_broadcast import broadcast, finished, write_newsletter
from tests.e2e.test_events import publish, received

pytestmark = pytest.mark.usefixtures("bot")
COMMANDS = [
    "/coordinator add 5", "/coordinator remove 4242", "/coordinator", "/ambassadors anna",
    "/export", "/export audit", "/stats", "/audit",
]  # fmt: skip


@pytest.mark.parametrize("command", COMMANDS)
async def test_others_are_refused_every_coordinator_command(
    anna: SimulatedPerson, query, command: str
) -> None:
    reply = await anna.send(command)

    assert reply.text == (
        "Den kommando er kun for strategiens koordinatorer. Skriv /help for at se, hvad du kan."
    )
    assert reply.file is None
    assert query("SELECT * FROM coordinators") == []
    assert query("SELECT * FROM audit_log") == []


async def test_only_someone_the_bot_met_is_granted_the_role_named_and_audited(
    karim: SimulatedPerson, anna: SimulatedPerson, emulator: BotApiEmulator, query
) -> None:
    stranger = await karim.send(f"/coordinator add {anna.id}")
    assert stranger.text == (
        "1001 har ikke skrevet til botten endnu. Bed personen skrive /start først."
    ), "an id the bot never met (a typo, or someone yet to start it) gets no role"
    assert query("SELECT * FROM coordinators") == []
    await anna.send("/start")

    added = await karim.send(f"/coordinator add {anna.id}")
    assert added.text == "Anna (1001) er nu koordinator og har fået besked."
    await emulator.wait_for(
        lambda: anna.last.text.startswith("Du er nu koordinator for strategien."),
        what="the new coordinator is told",
    )
    assert (await anna.send("/stats")).text.startswith("Tal mod strategiens mål")
    help_page = await anna.send("/help")
    assert "For koordinatorer" in help_page.text
    menu = [c["command"] for c in emulator.commands[("chat:1001", "")]]
    assert menu[-5:] == ["ambassadors", "stats", "export", "audit", "coordinator"]

    removed = await karim.send(f"/coordinator remove {anna.id}")
    assert removed.text == "Anna (1001) er ikke længere koordinator."
    assert (await anna.send("/stats")).text.startswith("Den kommando er kun for")
    await emulator.wait_for(lambda: ("chat:1001", "") not in emulator.commands, 10)
    assert "For koordinatorer" not in (await anna.send("/help")).text, "a citizen's menu again"
    audit = [tuple(r) for r in query("SELECT actor, action, subject FROM audit_log ORDER BY id")]
    assert audit == [(4242, "coordinator.add", "1001"), (4242, "coordinator.remove", "1001")]


async def test_configured_coordinators_stay_and_bad_use_is_explained(
    karim: SimulatedPerson, query
) -> None:
    kept = await karim.send(f"/coordinator remove {COORDINATOR_ID}")
    usage = await karim.send("/coordinator promote anna")
    again = await karim.send("/coordinator remove 77")

    assert kept.text.startswith("Karim (4242) er koordinator via BOLDEN_COORDINATORS.")
    assert usage.text.startswith("Skriv /coordinator add 12345")
    assert again.text == "77 er ikke koordinator."
    assert query("SELECT * FROM audit_log") == []


async def test_overview_export_and_figures(
    karim: SimulatedPerson, anna: SimulatedPerson, john: SimulatedPerson
) -> None:
    await sign_up(anna, email="anna@example.dk")
    await anna.press(await anna.press(await anna.send("/themes"), "Næste"), "Vær en god ven")
    question = await john.press(await john.send("/ambassador"), "Business")
    await john.press(question, "✅ John")
    await john.send("Bakery & Co")
    for label in ("Skip", "Skip", "No thanks", "No thanks"):
        await john.press(john.last, label)
    await john.press(john.last, "Yes, that is fine")

    overview = await karim.send("/ambassadors")
    assert overview.text == "Ambassadører: 2 aktive og 0 passive\nFundet: 2 ambassadører"
    assert [b["text"] for b in overview.buttons][:2] == [
        "nr. 1 Anna (Borger)",
        "nr. 2 John (Virksomhed)",
    ]
    kinds = await karim.press(overview, "Efter type")
    assert "Borger · 1" in str(kinds.buttons)
    assert "Virksomhed · 1" in str(kinds.buttons)
    themes = await karim.press(await karim.press(kinds, "Alle typer"), "Efter tema")
    assert "Vær en god ven · 1" in str(themes.buttons)

    await karim.send("/export")
    document = karim.last
    assert document.file is not None
    assert document.file.name == "ambassadoerer.csv"
    assert document.file.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(document.file.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Nummer", "Navn", "Type"]
    assert [r[-2:] for r in rows[1:]] == [["aktiv", "0"], ["aktiv", "0"]]
    assert [r[:4] for r in rows[1:]] == [
        ["1", "Anna", "Borger", ""],
        ["2", "John", "Virksomhed", "Bakery & Co"],
    ]

    stats = await karim.send("/stats")
    assert stats.text.splitlines() == [
        "Tal mod strategiens mål",
        "Ambassadører nu: 2 aktive og 0 passive",
        "Borgerambassadører: 50\xa0%",
        "Strategifilen har ingen mål for 2026, så tallene måles ikke mod et mål. "
        "De tidligere mål står i /about.",
        "",
        "Bolde i alt: 0",
        "Ingen bolde er besvaret endnu.",
        "",
        "Aktiviteter (arrangementer og kald, der er holdt)",
        "Ingen endnu.",
    ]


async def test_a_coordinators_start_gives_them_their_command_menu(
    karim: SimulatedPerson, emulator: BotApiEmulator
) -> None:
    assert ("chat:4242", "") not in emulator.commands, "Telegram refused it before the chat existed"

    await karim.send("/start")

    await emulator.wait_for(lambda: ("chat:4242", "") in emulator.commands)
    menu = [c["command"] for c in emulator.commands[("chat:4242", "")]]
    assert menu[0] == "start"
    assert menu[-5:] == ["ambassadors", "stats", "export", "audit", "coordinator"]


async def test_a_coordinator_reads_the_figures_in_english(
    karim: SimulatedPerson, john: SimulatedPerson, emulator: BotApiEmulator
) -> None:
    await john.send("/start")
    await karim.send(f"/coordinator add {john.id}")
    await emulator.wait_for(
        lambda: john.last.text.startswith("You are now a coordinator of the strategy."),
        what="the new coordinator's welcome, in English",
    )

    stats = await john.send("/stats")

    assert stats.text.splitlines() == [
        "Figures against the strategy's targets",
        "Ambassadors now: 0 active and 0 passive",
        "Citizen ambassadors: 0%",
        "The strategy file has no targets for 2026, so the figures are not measured against a "
        "target. The earlier targets are in /about.",
        "",
        "Bolds in total: 0",
        "No bolds have been answered yet.",
        "",
        "Activities (events and calls held)",
        "None yet.",
    ]


async def test_a_coordinator_finds_people_opens_a_profile_and_adds_them_to_a_network(
    karim: SimulatedPerson, emulator: BotApiEmulator, query
) -> None:
    anna = emulator.person(1001, "Anna", "da", username="anna_h")
    mette = emulator.person(1003, "Mette", "da")
    await sign_up(anna)
    await sign_up(mette)
    await mette.press(await mette.press(await mette.send("/themes"), "Næste"), "Vær en god ven")
    john = emulator.person(1002, "John", "en")
    question = await john.press(await john.send("/ambassador"), "Business")
    await john.press(question, "✅ John")
    await john.send("Bakery & Co")
    for label in ("Skip", "Skip", "No thanks", "No thanks"):
        await john.press(john.last, label)
    await john.press(john.last, "Yes, that is fine")
    await karim.send("/start")
    await new_network(karim, "Gadeteam", "Ad hoc")

    by_organisation = await karim.send("/ambassadors bakery")
    by_kind = await karim.send("/ambassadors virksomhed")
    by_theme_and_name = await karim.send("/ambassadors ven mette")
    nobody = await karim.send("/ambassadors Kirsten")

    assert by_organisation.text == "Søgning: »bakery«\nFundet: 1 ambassadør"
    assert by_organisation.buttons[0]["text"] == "nr. 3 John (Virksomhed)"
    kinds = await karim.press(by_organisation, "Efter type")
    assert {"Borger · 0", "Virksomhed · 1"} <= {b["text"] for b in kinds.buttons}, (
        "counted within the search: each count is what the press will find"
    )
    assert "Fundet: 1 ambassadør" in (await karim.press(kinds, "Virksomhed · 1")).text
    assert by_kind.buttons[0]["text"] == "nr. 3 John (Virksomhed)"
    assert by_theme_and_name.buttons[0]["text"] == "nr. 2 Mette (Borger)"
    assert nobody.text.endswith("Ingen passer på det. Prøv andre ord, eller vis alle.")

    everyone = await karim.press(nobody, "Vis alle")
    assert everyone.text == "Ambassadører: 3 aktive og 0 passive\nFundet: 3 ambassadører"
    citizens = await karim.press(await karim.press(everyone, "Efter type"), "Borger · 2")
    assert citizens.text == "Type: Borger\nFundet: 2 ambassadører"
    friends = await karim.press(await karim.press(citizens, "Efter tema"), "Vær en god ven · 1")
    assert friends.text == "Type: Borger\nTema: Vær en god ven\nFundet: 1 ambassadør"

    profile = await karim.press(await karim.press(friends, "Vis alle"), "nr. 1 Anna")
    assert profile.text.startswith("Ambassadør nr. 1\nNavn: Anna\nType: Borger")
    assert profile.text.endswith(
        "Via personens kode: 0 nye ambassadører\nTelegram: @anna_h\nNetværk: (ingen)"
    )
    networks = await karim.press(profile, "Tilføj til et netværk")
    assert networks.text == "Hvilket netværk skal Anna med i? Personen får besked."
    added = await karim.press(networks, "Gadeteam")
    assert added.text.startswith("✅ Anna er nu med i Gadeteam og har fået besked.")
    assert added.text.endswith("Netværk: Gadeteam")
    await emulator.wait_for(
        lambda: "Du er nu med i handlingsnetværket Gadeteam." in anna.last.text,
        what="the new member's welcome",
    )
    again = await karim.press(added, "Tilføj til et netværk")
    assert again.text.startswith("Anna er allerede med i alle åbne netværk.")
    back = await karim.press(await karim.press(again, "Tilbage"), "Tilbage")
    assert back.text.startswith("Ambassadører: 3 aktive")

    far = await karim.press_data(back, "amc:list:9223372036854775807:-:-:-")
    assert far.get("text") is None, "a page past the end is the last one, not an error"
    assert back.text.startswith("Ambassadører: 3 aktive")
    forged = await karim.press_data(back, "amc:list:0:99:-:-")
    unknown = await karim.press_data(back, "amc:show:77:0:-:-:-")
    refused = await anna.press_data(anna.last, "amc:show:1:0:-:-:-")
    assert forged["text"].startswith("Den knap virker ikke længere.")
    assert unknown["text"].startswith("Den knap virker ikke længere.")
    assert refused["text"] == "Den knap er kun for koordinatorer."
    assert [tuple(r) for r in query("SELECT user_id FROM network_members")] == [(anna.id,)]
    log = (await karim.send("/audit")).text.splitlines()
    assert log[1].endswith(" · Karim: tilføjede Anna til netværket Gadeteam"), "from the profile"


async def test_coordinator_alone_lists_them_and_a_new_one_is_told(
    karim: SimulatedPerson, emulator: BotApiEmulator
) -> None:
    anna = emulator.person(1001, "Anna", "da", username="anna_h")
    await sign_up(anna)

    await karim.send(f"/coordinator add {anna.id}")
    await emulator.wait_for(
        lambda: anna.last.text.startswith("Du er nu koordinator for strategien."),
        what="the new coordinator's welcome",
    )
    listed = await karim.send("/coordinator")

    assert listed.text.splitlines()[:3] == [
        "Koordinatorer",
        "• Karim (4242) · fra opsætningen (BOLDEN_COORDINATORS)",
        "• Anna (1001) · siden 22. november 2026",
    ]
    assert listed.text.splitlines()[-1].startswith("Skriv /coordinator add 12345")
    seen = len(anna.messages)
    await karim.send(f"/coordinator add {anna.id}")
    assert len(anna.messages) == seen, "told once: she already was one"


async def test_exports_are_in_danish_with_local_times_contacts_and_filters(
    emulator: BotApiEmulator, query
) -> None:
    karim = emulator.person(COORDINATOR_ID, "Karim", "da", username="karim_k")
    anna = emulator.person(1001, "Anna", "da", username="anna_h")
    john = emulator.person(1002, "John", "da", username="john_j")
    await karim.send("/start")
    await karim.press(await new_network(karim, "Tværfagligt"), "Gør til det tværfaglige netværk")
    await send_bold(anna, "En idé der får navn på: gratis kaffe i parken.")
    await send_bold(john, "En anonym idé: flere skraldespande.", anonymous=True)
    opened = await karim.send("/bold B-2026-0001")
    await karim.press(opened, "💬 Svar")
    seen = len(anna.messages)
    preview = await karim.send("Vi stiller en kaffevogn op i april.")
    await karim.press(preview, "📨 Send")
    await next_message(anna, seen)

    await karim.send("/export bolde 22.11.2026 2026-11-22 tværfagligt")
    document = karim.last
    later = await karim.send("/export bolde 2026-12-01")
    listed = await karim.send("/network")
    assert "• Tværfagligt (nr. 1) · " in listed.text, "the number the export hint speaks of"
    await karim.send("/export bolde 1")
    assert karim.last.text.splitlines()[1:] == ["Netværk: Tværfagligt."]

    assert document.file is not None
    assert document.file.name == "bolde.csv"
    assert document.text.splitlines() == [
        "Boldene. Anonyme afsendere står ikke i filen.",
        "Fra 22. november 2026 til 22. november 2026.",
        "Netværk: Tværfagligt.",
    ]
    rows = list(csv.reader(io.StringIO(document.file.data.decode("utf-8-sig")), delimiter=";"))
    named, anonymous = (dict(zip(rows[0], row, strict=True)) for row in rows[1:])
    assert (named["Modtaget"], named["Type"], named["Status"]) == (
        "2026-11-22 13:00",
        "Idé",
        "Besvaret",
    )
    assert (named["Afsender"], named["Telegram"]) == ("Anna", "@anna_h")
    assert (named["Håndteret af"], named["Håndteret af (Telegram)"]) == ("Karim", "@karim_k")
    assert (named["Genåbnet (gange)"], named["Netværk"]) == ("0", "Tværfagligt")
    assert (anonymous["Afsender"], anonymous["Telegram"]) == ("", "")
    assert "john_j" not in document.file.data.decode("utf-8-sig")
    assert later.file is None, "no empty file"
    assert later.text == "Ingen bolde passer på det filter, så der er ingen fil."

    # Each bold's warning that its network has no one comes through the outbox; wait for both,
    # so that neither is taken for the answer to a command below.
    await emulator.wait_for(
        lambda: sum("Netværket har ingen" in m.text for m in karim.messages) == 2,
        what="the warnings about the empty network",
    )
    problems = [
        await karim.send(command)
        for command in (
            "/export bolde 31.2.2026", "/export bolde 2026-06-30 2026-01-01",
            "/export bolde Kultur", "/export audit Tværfagligt", "/export everything",
        )
    ]  # fmt: skip
    assert [p.text.split(".")[0] for p in problems] == [
        "Den dato kan jeg ikke læse",
        "Den sidste dag ligger før den første",
        "Jeg kender ikke det netværk",
        "Loggen kan ikke deles op efter netværk",
        "Skriv fx:\n/export ambassadors\n/export bolde 2026-01-01 2026-06-30\n/export bolde 1",
    ]
    assert all(p.file is None for p in problems)
    exports = query("SELECT action, subject FROM audit_log WHERE action LIKE 'export.%'")
    assert [tuple(r) for r in exports] == [
        ("export.bolde", "2026-11-22..2026-11-22 Tværfagligt"),
        ("export.bolde", "2026-12-01..…"),
        ("export.bolde", "Tværfagligt"),
    ]


async def test_the_event_export_holds_the_answers_and_the_check_ins(
    bot: BoldenApp,
    karim: SimulatedPerson,
    anna: SimulatedPerson,
    emulator: BotApiEmulator,
    clock: FakeClock,
    query,
) -> None:
    bo = emulator.person(1003, "Bo", "da", username="bo_b")
    await karim.send("/start")
    await sign_up(anna)
    await sign_up(bo)
    confirm = await publish(
        karim,
        "/event",
        ["[Workshop]", "Suppe og snak", "Vi laver suppe.", "22.11.2026 14:00", "[To timer]",
         "Medborgerhuset", "[Ingen grænse]", "[Kun inviterede]", "[Alle aktive ambassadører]"],
    )  # fmt: skip
    await karim.press(confirm, "Send invitationer nu")
    await emulator.wait_for(lambda: received(anna, "Suppe og snak"), what="the invitation")
    [invitation] = received(anna, "Suppe og snak")
    await anna.press_data(invitation, invitation.button("Ja")["callback_data"])
    clock.advance(hours=1, minutes=30)  # 13:30 UTC, half an hour after the start
    [code] = [r[0] for r in query("SELECT checkin_code FROM events")]
    for person in (anna, bo):
        await person.send(f"/start in-{code}")

    page = await karim.press(await karim.send("/events"), "Suppe og snak")
    seen = len(karim.messages)
    await karim.press_data(page, page.button("CSV")["callback_data"])
    document = await next_message(karim, seen)

    assert document.file is not None
    assert document.file.name.startswith("arrangement-")
    rows = list(csv.reader(io.StringIO(document.file.data.decode("utf-8-sig")), delimiter=";"))
    assert rows == [
        ["Navn", "Telegram", "Svar", "Svarede", "Tjekket ind"],
        ["Anna", "", "kommer", "2026-11-22 13:00", "2026-11-22 14:30"],
        ["Bo", "@bo_b", "", "", "2026-11-22 14:30"],
    ]
    [entry] = query("SELECT action FROM audit_log WHERE action = 'export.event'")
    assert entry[0] == "export.event"


async def test_the_audit_log_is_read_in_the_chat_exported_and_keeps_nothing_of_the_erased(
    karim: SimulatedPerson, emulator: BotApiEmulator, query
) -> None:
    anna = emulator.person(1001, "Anna", "da", username="anna_h")
    await sign_up(anna)
    await karim.send(f"/coordinator add {anna.id}")
    for _ in range(10):
        await karim.send("/export")
    await karim.send(f"/coordinator remove {anna.id}")
    question = await anna.send("/deleteme")
    await anna.press(question, "Ja, slet alt")

    first = await karim.send("/audit")
    lines = first.text.splitlines()
    second = await karim.press(first, "Næste")
    await karim.send("/export audit 2026-11-22")
    document = karim.last

    assert lines[0] == "Loggen: det seneste først"
    assert (
        lines[1] == "22.11.2026 13.00 · (slettet eller systemet): en person fik slettet sine data"
    )
    assert lines[2] == "22.11.2026 13.00 · Karim: fjernede som koordinator (en slettet person)"
    assert lines[3] == "22.11.2026 13.00 · Karim: hentede ambassadørlisten"
    assert lines[-1] == "Side 1 af 2"
    assert second.text.splitlines()[1:4] == [
        "22.11.2026 13.00 · Karim: hentede ambassadørlisten",
        "22.11.2026 13.00 · Karim: hentede ambassadørlisten",
        "22.11.2026 13.00 · Karim: gjorde til koordinator (en slettet person)",
    ]
    assert "Forrige" in str(second.buttons)
    await karim.press_data(second, "audit:page:9223372036854775807")
    assert second.text.splitlines()[-1] == "Side 2 af 2"
    assert document.file is not None
    assert document.file.name == "log.csv"
    rows = list(csv.reader(io.StringIO(document.file.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Tidspunkt", "Telegram-id", "Hvem", "Telegram", "Handling", "Om"]
    assert rows[-1] == ["2026-11-22 13:00", "4242", "Karim", "", "hentede loggen", "2026-11-22..…"]
    erased = [tuple(r) for r in query("SELECT actor, action, subject FROM audit_log")]
    assert (0, "person.erase", "") in erased
    assert not [r for r in erased if "1001" in str(r) or "anna" in str(r).lower()]


async def test_a_coordinator_writes_to_one_person_after_a_preview_and_it_goes_once(
    emulator: BotApiEmulator, john: SimulatedPerson, query
) -> None:
    karim = emulator.person(COORDINATOR_ID, "Karim", "da", username="karim_k")
    await sign_up(john, "Citizen")
    await karim.send("/start")
    before = len(john.messages)

    found = await karim.send("/ambassadors john")
    profile = await karim.press(found, "nr. 1 John")
    asked = await karim.press(profile, "Skriv til John")
    assert asked.text == "Skriv beskeden til John (højst 3.500 tegn). Du ser den, før den sendes."
    too_long = await karim.send("x" * 3501)
    assert too_long.text == "Beskeden er for lang. Skriv højst 3.500 tegn."
    preview = await karim.send("Kan du hjælpe <i>lørdag</i>?")
    assert preview.text == (
        "☝️ Sådan ser John beskeden:\n\n✉️ Message from a coordinator\n\n"
        "Kan du hjælpe <i>lørdag</i>?\n\nWant to answer? Write to @karim_k on Telegram."
    ), "as John will read it: in English, what was typed shown as typed"
    assert len(john.messages) == before, "nothing reached John yet"
    again = await karim.press(preview, "Ret teksten")
    assert again.text.endswith("Nu: Kan du hjælpe <i>lørdag</i>?")
    preview = await karim.send("Kan du hjælpe lørdag kl. 10?")
    seen, send = len(john.messages), str(preview.button("Send")["callback_data"])

    sent = await karim.press(preview, "Send")
    twice = await karim.press_data(preview, send)

    assert sent.text == "✅ Beskeden til John er sendt."
    letter = await next_message(john, seen)
    assert letter.text == (
        "✉️ Message from a coordinator\n\nKan du hjælpe lørdag kl. 10?\n\n"
        "Want to answer? Write to @karim_k on Telegram."
    )
    assert twice["text"].startswith("Den knap virker ikke længere.")
    await emulator.wait_for(lambda: not query("SELECT id FROM outbox WHERE state = 'pending'"))
    assert len(john.messages) == seen + 1, "once"
    entries = query("SELECT actor, action, subject FROM audit_log WHERE action = 'message.send'")
    assert [tuple(r) for r in entries] == [(COORDINATOR_ID, "message.send", str(john.id))]
    assert query("SELECT * FROM conversations WHERE user_id = ?", COORDINATOR_ID) == []


async def test_the_audit_log_covers_broadcasts_newsletters_and_events(
    bot: BoldenApp, karim: SimulatedPerson, anna: SimulatedPerson, emulator: BotApiEmulator, query
) -> None:
    await karim.send("/start")
    await sign_up(anna)
    confirm = await broadcast(karim, "Husk mødet i aften.", "Alle, der har skrevet")
    await karim.press(confirm, "Send nu")
    await finished(emulator, karim)
    letter = await write_newsletter(
        karim, "Julehilsen", "Tak for i år!", "Alle aktive ambassadører"
    )
    await karim.press(letter, "Planlæg")
    await karim.send("24.12.2026 09:00")
    await karim.press(await karim.press(await karim.send("/newsletter"), "Aflys"), "Ja, aflys")
    invitation = await publish(
        karim,
        "/event",
        ["[Workshop]", "Suppe og snak", "Vi laver suppe.", "3.12.2026 18:00", "[To timer]",
         "Medborgerhuset", "[Ingen grænse]", "[Kun inviterede]", "[Alle aktive ambassadører]"],
    )  # fmt: skip
    await karim.press(invitation, "Send invitationer nu")
    page = await karim.press(await karim.send("/events"), "Suppe og snak")
    await karim.press(await karim.press(page, "Aflys"), "Ja, aflys")
    await emulator.wait_for(lambda: not query("SELECT id FROM outbox WHERE state = 'pending'"))

    log = await karim.send("/audit")

    assert [line.split(": ", 1)[1] for line in log.text.splitlines()[1:]] == [
        "aflyste arrangement 1",
        "oprettede arrangement 1",
        "aflyste nyhedsbrev 1",
        "planlagde nyhedsbrev 1",
        "sendte en besked til mange: udsendelse 1",
    ]
