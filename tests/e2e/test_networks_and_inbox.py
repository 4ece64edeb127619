"""Coordinators at work: networks and their members, routing rules, the inbox, moving a bold,
opening one by its reference, the export, the figures and the report of bolde that stand still."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

import pytest

from bot.app import BoldenApp
from bot.sandbox.emulator import BotApiEmulator, ChatMessage, SimulatedPerson
from bot.scheduling import STALE_BOLDE
from tests.conftest import FakeClock, sign_up
from tests.e2e.test_bolde import add_rule, invite_code, join, new_network, next_message, send_bold

pytestmark = pytest.mark.usefixtures("bot")


async def run_stale_report(application: BoldenApp) -> None:
    """Run the daily job now, as the JobQueue would at 08:00."""
    assert application.job_queue is not None
    [job] = application.job_queue.get_jobs_by_name(STALE_BOLDE)
    await job.run(application)


async def test_only_coordinators_manage_networks_rules_and_the_inbox(anna: SimulatedPerson) -> None:
    for command in ("/network", "/rules", "/inbox", "/export bolde"):
        reply = await anna.send(command)
        assert reply.text.startswith("Den kommando er kun for strategiens koordinatorer."), command


async def test_a_coordinator_builds_a_network_and_its_rules(
    karim: SimulatedPerson,
    anna: SimulatedPerson,
    emulator: BotApiEmulator,
    query: Callable[..., list],
) -> None:
    await karim.send("/start")
    await sign_up(anna)  # ambassador no. 1
    page = await new_network(karim, "Gadeteam", "Ad hoc")
    assert page.text.startswith("✅ Netværket er oprettet.\n\n🕸 Gadeteam · ad hoc")
    assert "Gør til det tværfaglige netværk" not in str(page.buttons), "only a standing one can be"
    assert (
        f"https://t.me/bolden_sandbox_bot?start=net-{invite_code(query, 'Gadeteam')}" in page.text
    )

    topics = await karim.press(page, "Temaer")
    topics = await karim.press(topics, "Vær en god ven")
    assert "✅ Vær en god ven" in str(topics.buttons)
    members = await karim.press(await karim.press(topics, "Færdig"), "Medlemmer")
    asked = await karim.press(members, "Tilføj med nummer")
    assert "Skriv ambassadørnumrene" in asked.text
    added = await karim.send("1, 99")
    assert added.text.startswith("✅ 1 ambassadør er tilføjet.\nIngen ambassadør har nummer 99.")
    assert query("SELECT user_id FROM network_members")[0][0] == anna.id
    await emulator.wait_for(
        lambda: "Du er nu med i handlingsnetværket Gadeteam." in anna.last.text,
        what="the new member's welcome",
    )
    assert "får du den her i chatten" in anna.last.text
    removed = await karim.press(added, "✖️ #1 Anna")
    assert removed.text.startswith("Gadeteam har 0 medlemmer.")

    outsider = emulator.person(1005, "Pia", "da")
    refused = await outsider.send(f"/start net-{invite_code(query, 'Gadeteam')}")
    assert refused.text.startswith("Du er inviteret til Gadeteam. Kun ambassadører kan være med")
    broken = await anna.send("/start net-doesnotexist")
    assert broken.text.startswith("Det link virker ikke længere.")
    group = emulator.group(-2002, "Ikke koordinator")
    denied = await group.send(
        anna, f"/start@bolden_sandbox_bot netg-{invite_code(query, 'Gadeteam')}"
    )
    assert denied.text == "Kun en koordinator kan forbinde en gruppe med et netværk."
    await group.post(anna, "/bold")  # no network works here: the bot says nothing
    again = await group.send(anna, f"/start netg-{invite_code(query, 'Gadeteam')}")
    assert again.text == denied.text, "Anna's /bold, handled before, got no answer"
    assert query("SELECT chat_id FROM networks")[0][0] is None

    await add_rule(karim, "Problem", "Nogen sover udenfor", "alle", "Gadeteam")
    rules = await karim.send("/rules")
    assert "1. Problem · Nogen sover udenfor · alle → Gadeteam" in rules.text
    assert "Der er intet tværfagligt netværk" in rules.text
    asked = await karim.press(rules, "🗑 1")
    assert asked.text.startswith(
        "Vil du slette regel 1?\nProblem · Nogen sover udenfor · alle → Gadeteam"
    )
    assert len(query("SELECT * FROM routing_rules")) == 1, "one tap deletes nothing"
    back = await karim.press(asked, "Tilbage")
    assert "1. Problem · Nogen sover udenfor · alle → Gadeteam" in back.text
    deleted = await karim.press(await karim.press(back, "🗑 1"), "Ja, slet")
    assert deleted.text.startswith("Reglen er slettet.")
    assert query("SELECT * FROM routing_rules") == []
    forged = await karim.press_data(deleted, "rule:n:problem:999:x:1")
    assert forged["show_alert"] is True
    assert query("SELECT * FROM routing_rules") == []
    actions = [r[0] for r in query("SELECT action FROM audit_log ORDER BY id")]
    assert actions == [
        "network.create", "member.add", "member.remove", "rule.add", "rule.remove"
    ]  # fmt: skip


async def test_unrouted_bolde_go_to_coordinators_who_move_them_and_close_networks(
    karim: SimulatedPerson,
    anna: SimulatedPerson,
    emulator: BotApiEmulator,
    query: Callable[..., list],
) -> None:
    await karim.send("/start")
    seen = len(karim.messages)
    sent = await send_bold(anna, "Kan biblioteket holde åbent om søndagen?", kind="En bekymring")
    assert "En koordinator sender den videre til det rigtige netværk." in sent.text
    card = await next_message(karim, seen)
    assert card.text.startswith("🧭 Ingen regel passede på denne bold.")
    assert "Fra: Anna" in card.text, "a concern shows the sender's name unless they hide it"

    bo = emulator.person(1003, "Bo", "da")
    await sign_up(anna)
    await sign_up(bo)
    await new_network(karim, "Kultur")
    await join(bo, query, "Kultur")
    choices = await karim.press(card, "Flyt")
    assert choices.text == "Hvilket netværk skal B-2026-0001 videre til?"
    seen_anna, seen_bo = len(anna.messages), len(bo.messages)
    move_to_kultur = choices.button("Kultur")["callback_data"]
    moved = await karim.press(choices, "Kultur")
    assert moved.text == "↪️ B-2026-0001 er sendt videre til Kultur."
    told = await next_message(anna, seen_anna)
    assert told.text.startswith("↪️ Din bold B-2026-0001 er sendt videre til Kultur.")
    arrived = await next_message(bo, seen_bo)
    assert arrived.text.startswith("📨 Ny bold til netværket\n\n😟 Bekymring · B-2026-0001")
    stale = await karim.press_data(choices, move_to_kultur)
    assert stale["text"].startswith("Der er ikke noget andet netværk")

    page = (await karim.send("/network")).button("Kultur")
    network = await karim.press(karim.last, page["text"])
    confirm = await karim.press(network, "Luk netværket")
    refused = await karim.press_data(confirm, confirm.button("Ja, luk det")["callback_data"])
    assert refused["text"].startswith("Netværket har åbne bolde.")
    assert query("SELECT closed_at FROM networks")[0][0] is None


async def test_the_inbox_the_reference_the_export_the_figures_and_the_stale_report(
    bot: BoldenApp,
    karim: SimulatedPerson,
    anna: SimulatedPerson,
    emulator: BotApiEmulator,
    clock: FakeClock,
    query: Callable[..., list],
) -> None:
    await karim.send("/start")
    page = await new_network(karim, "Tværfagligt")
    await karim.press(page, "Gør til det tværfaglige netværk")
    seen = len(karim.messages)
    await send_bold(anna, "En idé der får navn på: gratis kaffe i parken.")
    clock.advance(hours=1)
    await send_bold(anna, "En anonym idé: flere skraldespande.", anonymous=True)
    nobody_there = await next_message(karim, seen + 1)
    assert nobody_there.text.startswith("⚠️ Netværket har ingen, der kan få denne bold.")

    inbox = await karim.send("/inbox")
    assert inbox.text.startswith("2 åbne bolde (side 1 af 1). Ældste først.")
    labels = [b["text"] for b in inbox.buttons]
    assert labels[0].startswith("B-2026-0001 · 💡 Idé · Sendt til netværket · 0 d")
    assert labels[1].startswith("B-2026-0002")
    filtered = await karim.press(inbox, "I gang")
    assert filtered.text.startswith("0 åbne bolde")
    by_network = await karim.press(await karim.press(filtered, "Alle"), "Netværk: alle")
    assert "Netværk: Tværfagligt" in str(by_network.buttons)
    opened = await karim.press(by_network, "B-2026-0002")
    assert "Fra: Anonym" in opened.text
    assert "⬅️ Indbakken" in str(opened.buttons)

    clock.advance(hours=2)
    await karim.press(opened, "💬 Svar")
    seen_anna = len(anna.messages)
    await karim.press(await karim.send("Kommunen sætter ti nye op i foråret."), "Send")
    await next_message(anna, seen_anna)
    assert query("SELECT status FROM bolde WHERE reference = 'B-2026-0002'")[0][0] == "answered"

    mine = await anna.send("/bold B-2026-0002")
    assert "Svar: Kommunen sætter ti nye op i foråret." in mine.text
    assert "Det løste det ikke" in str(mine.buttons)
    theirs = await karim.send("/bold b-2026-0001")
    assert theirs.text.startswith("💡 Idé · B-2026-0001")
    nobody = emulator.person(1006, "Eva", "da")
    hidden = await nobody.send("/bold B-2026-0001")
    assert hidden.text.startswith("Jeg kan ikke finde en bold med referencen B-2026-0001")

    await karim.send("/export bolde")
    document = karim.last
    assert document.file is not None
    assert document.file.name == "bolde.csv"
    rows = list(csv.reader(io.StringIO(document.file.data.decode("utf-8-sig")), delimiter=";"))
    header = rows[0]
    assert [dict(zip(header, row, strict=True))["Afsender"] for row in rows[1:]] == ["Anna", ""]
    assert "1001" not in document.file.data.decode("utf-8-sig")
    assert (await karim.send("/export everything")).text.startswith("Skriv fx:\n/export")

    stats = await karim.send("/stats")
    assert "Bolde i alt: 2" in stats.text
    assert "Idé: 2" in stats.text
    assert "Mediantid til første svar: 2 timer" in stats.text

    seen = len(karim.messages)
    await run_stale_report(bot)
    assert len(karim.messages) == seen, "nothing has stood still for a week yet"
    clock.advance(days=8)
    await run_stale_report(bot)
    report = await next_message(karim, seen)
    assert report.text.startswith("⏰ 1 bold har ikke flyttet sig i 7 dage.")
    assert "B-2026-0001 · Sendt til netværket · Tværfagligt" in report.text
    await run_stale_report(bot)
    assert len(karim.messages) == seen + 1, "each bold is reported once a week, not every day"


async def arrived(person: SimulatedPerson, seen: int, start: str) -> ChatMessage:
    """The first message from number `seen` on that starts with `start`, once it is there."""

    def found() -> ChatMessage | None:
        return next((m for m in person.messages[seen:] if m.text.startswith(start)), None)

    await person.emulator.wait_for(found, what=f"a message starting {start!r}")
    message = found()
    assert message is not None
    return message


async def send_problem(
    anna: SimulatedPerson, text: str, category: str, show_name: bool = False
) -> ChatMessage:
    step = await anna.press(await anna.send("/bold"), "Et problem")
    seen = len(anna.messages)
    step = await anna.press(await anna.send(text), "Spring over")
    await anna.press(step, "Spring over")  # no place: the place button goes, and the next
    step = await arrived(anna, seen, "Hvad handler det om?")  # question comes below it
    summary = await anna.press(await anna.press(step, category), "Videre")
    if show_name:
        summary = await anna.press(summary, "Send anonymt")
    return await anna.press(summary, "📨 Send")


async def test_a_coordinator_works_on_an_unrouted_bold_and_the_senders_notes_find_its_handler(
    karim: SimulatedPerson,
    anna: SimulatedPerson,
    emulator: BotApiEmulator,
    query: Callable[..., list],
) -> None:
    await karim.send("/start")
    seen = len(karim.messages)
    sent = await send_problem(anna, "En mand sover i opgangen hver nat.", "Nogen sover udenfor")
    assert "En koordinator sender den videre til det rigtige netværk." in sent.text
    card = await arrived(karim, seen, "🔴 En bold, der haster.")
    assert card.text.startswith(
        "🔴 En bold, der haster. Ingen regel passede, så intet netværk har fået den."
    ), "no word of a network it never went to"
    assert [b["text"] for b in card.buttons] == [
        "✋ Tag den", "💬 Svar", "❓ Spørg afsenderen", "↪️ Flyt", "🚫 Afvis med svar", "📜 Forløb",
    ], "a coordinator may do everything with a bold no rule routed"  # fmt: skip

    await karim.press(card, "Spørg afsenderen")
    preview = await karim.send("Hvor i byen er det helt præcist?")
    assert preview.text.startswith(
        "Sådan får afsenderen det:\n\n❓ En af strategiens koordinatorer har et spørgsmål"
    )
    seen_anna = len(anna.messages)
    await karim.press(preview, "Send")
    question = await arrived(anna, seen_anna, "❓ En af strategiens koordinatorer")
    assert query("SELECT status, taken_by FROM bolde")[0][:] == ("in_progress", karim.id)

    bo = emulator.person(1003, "Bo", "da")
    await sign_up(bo)
    await new_network(karim, "Kultur")
    await join(bo, query, "Kultur")
    await karim.press(await karim.press(card, "Flyt"), "Kultur")
    assert query("SELECT status, taken_by FROM bolde")[0][:] == ("routed", None)

    seen_bo, seen_karim = len(bo.messages), len(karim.messages)
    await anna.press(question, "Svar på spørgsmålet")
    thanks = await anna.send("Kongensgade 12, bag kirken.")
    assert thanks.text == (
        "💬 Tak! Dit svar om B-2026-0001 er sendt til handlingsnetværket Kultur."
    ), "the bold moved on since the question: its new network gets the reply"
    relayed = await arrived(bo, seen_bo, "💬 Afsenderen af B-2026-0001 svarer:")
    assert relayed.text.startswith(
        "💬 Afsenderen af B-2026-0001 svarer:\n\nKongensgade 12, bag kirken.\n\n🔴 HASTER"
    )

    await bo.press(relayed, "Afvis med svar")
    seen_anna = len(anna.messages)
    await bo.press(await bo.send("Det er kommunens gadeteam, der hjælper her."), "Send")
    declined = await arrived(anna, seen_anna, "Din bold B-2026-0001 kan vi ikke gå videre med.")
    assert query("SELECT status, taken_by FROM bolde")[0][:] == ("declined", None)
    assert declined.text.endswith("Hvis du er uenig, så tryk »😕 Jeg er uenig« herunder.")
    assert "😕 Jeg er uenig" in str(declined.buttons), "the button the text names"

    seen_bo = len(bo.messages)
    await anna.press(declined, "Jeg er uenig")
    reopened = await anna.send("Han sover der stadig hver nat.")
    assert reopened.text == (
        "Tak, fordi du sagde det. B-2026-0001 er åbnet igen, og handlingsnetværket Kultur "
        "har fået din besked."
    )
    again = await arrived(bo, seen_bo, "😕 Afsenderen af B-2026-0001")
    assert again.text.startswith(
        "😕 Afsenderen af B-2026-0001 skriver, at svaret ikke løste det:\n\n"
        "Han sover der stadig hver nat."
    ), "not a 'new bold', and with the sender's note"
    assert "Tidligere svar: Det er kommunens gadeteam, der hjælper her." in again.text
    assert "✋ Tag den" in str(again.buttons)
    assert query("SELECT status, taken_by FROM bolde")[0][:] == ("routed", None)
    assert len(karim.messages) == seen_karim, "the coordinator was told nothing of it"


async def test_a_reopened_bold_no_network_has_goes_back_to_the_coordinators_with_the_note(
    karim: SimulatedPerson, anna: SimulatedPerson, query: Callable[..., list]
) -> None:
    await karim.send("/start")
    seen = len(karim.messages)
    await send_bold(anna, "Kan biblioteket holde åbent om søndagen?", kind="En bekymring")
    card = await arrived(karim, seen, "🧭 Ingen regel passede på denne bold.")
    assert "Tag den selv, eller send den til et netværk." in card.text
    await karim.press(card, "Afvis med svar")
    seen_anna = len(anna.messages)
    await karim.press(await karim.send("Biblioteket har ikke penge til det i år."), "Send")
    declined = await arrived(anna, seen_anna, "Din bold B-2026-0001 kan vi ikke")

    seen = len(karim.messages)
    await anna.press(declined, "Jeg er uenig")
    reopened = await anna.send("Hvem kan jeg så spørge?")
    assert reopened.text.endswith(
        "er åbnet igen, og strategiens koordinatorer har fået din besked. "
        "De finder det rigtige netværk til den."
    )
    back = await arrived(karim, seen, "😕 Afsenderen af B-2026-0001")
    assert "Hvem kan jeg så spørge?" in back.text
    assert query("SELECT status FROM bolde")[0][0] == "received"

    seen_anna = len(anna.messages)
    taken = await karim.press(back, "Tag den")
    assert "Status: I gang" in taken.text
    told = await arrived(anna, seen_anna, "🙌")
    assert told.text == "🙌 En af strategiens koordinatorer arbejder nu på din bold B-2026-0001."
    await karim.press(taken, "💬 Svar")
    await karim.press(await karim.send("Skriv til kulturudvalget; vi har sendt din idé."), "Send")
    await arrived(anna, seen_anna, "✅ Svar på din bold B-2026-0001")
    assert query("SELECT status, taken_by FROM bolde")[0][:] == ("answered", karim.id)


async def test_coordinators_and_members_are_named_to_coordinators_and_their_work_is_audited(
    karim: SimulatedPerson,
    anna: SimulatedPerson,
    emulator: BotApiEmulator,
    query: Callable[..., list],
) -> None:
    """Karim is no ambassador: his name in Telegram names him on the card, in the timeline,
    the log and the exports; Anna showed her name, so the question prompt says it is seen."""
    await karim.send("/start")
    seen = len(karim.messages)
    await send_problem(anna, "En mand sover i opgangen hver nat.", "Nogen sover udenfor", True)
    card = await arrived(karim, seen, "🔴 En bold, der haster.")
    taken = await karim.press(card, "Tag den")
    assert "Fra: Anna\nTaget af: Karim" in taken.text

    asking = await karim.press(taken, "Spørg afsenderen")
    assert asking.text.startswith(
        "Skriv dit spørgsmål til Anna, der sendte B-2026-0001. Anna ser ikke dit navn"
    ), "Anna chose to show her name: the prompt does not say it is hidden"
    seen_anna = len(anna.messages)
    await karim.press(await karim.send("Hvor i byen er det?"), "Send")
    question = await arrived(anna, seen_anna, "❓ En af strategiens koordinatorer")
    prompt = await anna.press(question, "Svar på spørgsmålet")
    assert prompt.text.startswith("Skriv dit svar til koordinatoren om B-2026-0001.")
    await anna.send("Kongensgade 12.")

    await karim.press(card, "Svar")
    seen_anna = len(anna.messages)
    await karim.press(await karim.send("Gadeteamet kommer i aften."), "Send")
    await arrived(anna, seen_anna, "")
    log = await karim.press(card, "Forløb")
    assert "Status: Besvaret · uden netværk" in log.text
    assert "· Karim (koordinator) tog bolden" in log.text
    assert "· Karim (koordinator) svarede: Gadeteamet kommer i aften." in log.text
    own = await anna.send("/bold B-2026-0001")
    assert "· En koordinator tog bolden" in own.text, "the sender is not told who"

    bo = emulator.person(1003, "Bo", "da", last_name="Hansen")
    await sign_up(bo)  # ambassador no. 1
    page = await new_network(karim, "Bolignetværket")
    members = await karim.press(page, "Medlemmer")
    added = await karim.send("1") if await karim.press(members, "Tilføj med nummer") else None
    assert added is not None
    assert added.text.startswith("✅ 1 ambassadør er tilføjet.")
    again = await karim.send("1") if await karim.press(added, "Tilføj med nummer") else None
    assert again is not None
    assert again.text.startswith("Ingen er tilføjet: de er allerede med i netværket.")
    nobody = await karim.send("99") if await karim.press(again, "Tilføj med nummer") else None
    assert nobody is not None
    assert nobody.text.startswith("Ingen ambassadør har nummer 99. Numrene står i /ambassadors.")
    await karim.press(nobody, "✖️")

    audit = (await karim.send("/audit")).text.splitlines()[1:]
    assert [line.split(" · ", 1)[1] for line in audit] == [
        "Karim: fjernede Bo Hansen fra netværket Bolignetværket",
        "Karim: tilføjede Bo Hansen til netværket Bolignetværket",
        "Karim: oprettede netværket Bolignetværket",
        "Karim: svarede på bolden B-2026-0001",
        "Karim: spurgte afsenderen om bolden B-2026-0001",
        "Karim: tog bolden B-2026-0001",
    ]
    await karim.send("/export audit")
    assert karim.last.file is not None
    rows = csv.reader(io.StringIO(karim.last.file.data.decode("utf-8-sig")), delimiter=";")
    assert ["Karim", "tilføjede", "Bo Hansen til netværket Bolignetværket"] in [
        [row[2], *row[4:]] for row in rows
    ]
