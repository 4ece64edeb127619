"""The citizen's journeys on Facebook Messenger, end to end: the real bot behind its Messenger
webhook, Meta's Graph API emulated on loopback (limits, the 24-hour window on the test's clock,
tags), simulated Messenger people posting signed webhooks, and the coordinators and networks
in Telegram. The same journeys run on Telegram in the other test modules, unchanged."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bot.app import BoldenApp
from bot.channels import MESSENGER_FIRST_ID
from bot.channels.messenger import payloads
from bot.config import Settings
from bot.sandbox.emulator import BotApiEmulator, SimulatedGroup, SimulatedPerson
from bot.sandbox.messenger import GraphApiEmulator, MessengerMessage, SimulatedMessengerPerson
from tests.conftest import FakeClock, pick, sign_up
from tests.e2e.test_bolde import add_rule, ask_the_sender, invite_code, join, new_network
from tests.e2e.test_broadcast import finished, write_newsletter
from tests.e2e.test_events import publish, run_due

Rows = Callable[..., list]


def received(person: SimulatedMessengerPerson, text: str) -> list[MessengerMessage]:
    return [m for m in person.messages if text in m.text]


async def sign_up_on_messenger(person: SimulatedMessengerPerson, name: str) -> None:
    """The shortest sign-up, as a person on Messenger taps it."""
    await person.get_started()
    await pick(person, "Ambassadør")
    await pick(person, "Borger")
    await pick(person, name)
    await pick(person, "Nej tak")  # no e-mail
    await pick(person, "Nej tak")  # not on the public list
    welcome = await pick(person, "Ja, det er i orden")
    assert welcome[-1].text.startswith("🎉 Velkommen som ambassadør")


async def invited(
    karim: SimulatedPerson, mette: SimulatedMessengerPerson, graph: GraphApiEmulator
) -> MessengerMessage:
    """Mette signs up on Messenger, Karim invites every ambassador to »Suppe og snak« in
    Telegram; her invitation, once it is there."""
    await karim.send("/start")
    await sign_up_on_messenger(mette, "Mette Holm")
    confirm = await publish(
        karim,
        "/event",
        ["[Workshop]", "Suppe og snak", "Vi laver suppe sammen.", "3.12.2026 18:00", "21:00",
         "Medborgerhuset, Danmarksgade 12", "20", "[Kun inviterede]",
         "[Alle aktive ambassadører]"],
    )  # fmt: skip
    await karim.press(confirm, "Send invitationer nu")
    await graph.wait_for(lambda: received(mette, "Suppe og snak"), what="the invitation")
    [invitation] = received(mette, "Suppe og snak")
    return invitation


async def network_in_telegram(
    emulator: BotApiEmulator, karim: SimulatedPerson, query: Rows
) -> tuple[SimulatedPerson, SimulatedGroup]:
    """The network »Fællesskab« at work in its Telegram group, with Bo in it, and ideas routed
    there: where a Messenger person's bold lands."""
    bo = emulator.person(1003, "Bo", "da")
    await sign_up(bo)
    await karim.send("/start")
    await new_network(karim, "Fællesskab")
    await join(bo, query, "Fællesskab")
    group = emulator.group(-1001, "Fællesskab")
    await group.send(karim, f"/start@bolden_sandbox_bot netg-{invite_code(query, 'Fællesskab')}")
    await add_rule(karim, "Idé", "", "alle", "Fællesskab")
    return bo, group


async def test_a_neighbour_follows_an_ambassadors_link_and_signs_up_to_the_certificate(
    messenger_bot: BoldenApp,
    anna: SimulatedPerson,
    mette: SimulatedMessengerPerson,
    graph: GraphApiEmulator,
    query: Rows,
) -> None:
    await sign_up(anna)  # in Telegram
    [code] = [r["referral_code"] for r in query("SELECT referral_code FROM ambassadors")]

    [menu] = await mette.open_link(f"ref-{code}")  # m.me/<page>?ref=…, never written before
    assert menu.text.startswith(
        "Hej Mette! 👋\n\n🤝 Anna har inviteret dig til at blive ambassadør."
    )
    assert "<" not in menu.text, "the catalogs' HTML is turned into plain text"
    assert menu.messaging_type == "RESPONSE"
    assert menu.labels[:3] == ["🤝 Bliv ambassadør", "📨 Send en bold", "📋 Mine bolde"]
    assert len(menu.quick_replies) == 7, "more than three choices: quick replies"

    [question] = await pick(mette, "Bliv ambassadør")
    assert question.text.startswith("Bliv ambassadør\nSom ambassadør er du med")
    assert "Forening eller…" in question.labels, "a title is at most 20 characters"
    assert "\n\n• Forening eller organisation" in question.text, "the choice in full"
    [question] = await pick(mette, "Borger")
    assert question.labels == ["✅ Mette Holm", "⬅️ Tilbage", "✖️ Stop"], "the name Meta gave"
    assert question.buttons, "up to three choices: buttons that stay"
    await pick(mette, "Mette Holm")
    await pick(mette, "Nej tak")  # no e-mail
    [consent] = await pick(mette, "Nej tak")  # not on the public list
    assert consent.text.startswith("Dine oplysninger\nVi gemmer dit navn")
    [welcome] = await pick(mette, "Ja, det er i orden")
    assert welcome.text.startswith("🎉 Velkommen som ambassadør nr. 2, Mette Holm!")
    assert "Temaer (side 1 af 3)" in welcome.text
    assert "Næste ▶️" in welcome.labels

    [chosen] = await pick(mette, "En by for alle")
    assert "✅ En by for alle" in chosen.labels, "Messenger cannot edit: the new state is shown"
    [done, *_] = await pick(mette, "Færdig")
    assert done.text.startswith("Gemt. Du har valgt 1 tema.")
    await graph.wait_for(
        lambda: any((m.attachment_name or "").endswith(".pdf") for m in mette.messages),
        what="the certificate and its print version",
    )
    assert mette.last.text == "Vælg her:", "the menu's choices come again after the files"
    assert mette.last.labels == done.labels
    files = [m for m in mette.messages if m.attachment_type]
    assert [(m.attachment_type, m.attachment_name) for m in files] == [
        ("image", "ambassador-2.png"),
        ("file", "ambassador-2.pdf"),
    ]
    assert files[0].attachment is not None
    assert files[0].attachment.startswith(b"\x89PNG"), "the picture itself, uploaded"

    [caption] = [m for m in mette.messages if m.text.startswith("Dit ambassadørbevis")]
    [new_code] = [r[0] for r in query("SELECT referral_code FROM ambassadors WHERE number = 2")]
    assert f"https://m.me/boldenfredericia?ref=ref-{new_code}" in caption.text, "her own chat"
    assert not [m.text for m in mette.messages if "Telegram" in m.text], "no word of Telegram"
    [row] = query("SELECT user_id, referred_by, display_name FROM ambassadors WHERE number = 2")
    assert row["user_id"] > MESSENGER_FIRST_ID
    assert (row["referred_by"], row["display_name"]) == (anna.id, "Mette Holm")
    await anna.emulator.wait_for(lambda: anna.last.text.startswith("🎉 Mette"), what="her notice")
    assert all(m.messaging_type == "RESPONSE" for m in mette.messages[: mette.messages.index(done)])
    assert graph.refusals == [], "nothing the bot sent broke one of Meta's limits"


async def test_a_bold_with_a_photo_reaches_the_network_in_telegram_and_its_answer_comes_back(
    messenger_bot: BoldenApp,
    emulator: BotApiEmulator,
    karim: SimulatedPerson,
    mette: SimulatedMessengerPerson,
    graph: GraphApiEmulator,
    clock: FakeClock,
    query: Rows,
) -> None:
    bo, group = await network_in_telegram(emulator, karim, query)

    await mette.get_started()
    await pick(mette, "Send en bold")
    [asked] = await pick(mette, "En idé")
    assert asked.text.startswith("Skriv med dine egne ord, hvad det handler om")
    [asked] = await mette.send("Et fælles spisested i Ullerup, hvor alle kan spise med for 20 kr.")
    assert "Har du et billede" in asked.text
    photo = b"\xff\xd8\xff\xe0 a photo of the old school kitchen"
    await mette.send_photo(photo)
    [summary] = await pick(mette, "Videre")
    assert summary.text.startswith("Sådan ser din bold ud:")
    [sent] = await pick(mette, "Send")
    assert sent.text.startswith("✅ Tak! Din bold er modtaget.\nReference: B-2026-0001")

    await emulator.wait_for(lambda: len(group.messages) >= 3, what="the card in the group")
    shown, card = group.messages[-2], group.messages[-1]
    assert shown.file is not None
    assert shown.file.data == photo, "her photo, kept by the bot, reaches the group in Telegram"
    assert "Fra: Mette Holm (på Messenger)" in card.text, "the network knows she is on Messenger"

    clock.advance(days=2)  # she has not written since: her 24-hour window is closed
    taken = await bo.press(card, "Tag den")
    await graph.wait_for(lambda: received(mette, "arbejder nu på din bold"), what="the notice")
    [notice] = received(mette, "arbejder nu på din bold")
    assert (notice.messaging_type, notice.tag) == ("MESSAGE_TAG", "ACCOUNT_UPDATE")
    await bo.press(taken, "💬 Svar")
    preview = await bo.send("Vi starter tirsdag i medborgerhuset.")
    await bo.press(preview, "Send")
    await graph.wait_for(lambda: received(mette, "Svar på din bold"), what="the answer")
    [answer] = received(mette, "Svar på din bold")
    assert answer.text.startswith(
        "✅ Svar på din bold B-2026-0001:\n\nVi starter tirsdag i medborgerhuset."
    )
    assert answer.tag == "ACCOUNT_UPDATE", "her own bold's status may reach her after 24 hours"

    [mine] = await mette.send("/mybolde")
    assert mine.text.startswith("Din bold (1).")
    assert mine.text.endswith("\n\n• 💡 Idé · B-2026-0001 · Besvaret"), "its title is cut"
    [page] = await pick(mette, "💡 Idé · B-2026-0001")
    assert "Status: Besvaret · Fællesskab" in page.text
    assert graph.refusals == []
    [row] = query("SELECT sender_id, photo_file_id FROM bolde")
    assert row["sender_id"] > MESSENGER_FIRST_ID
    assert row["photo_file_id"].startswith("bolden-file-")


async def test_a_yes_to_an_event_brings_its_reminder_after_the_window_has_closed(
    messenger_bot: BoldenApp,
    karim: SimulatedPerson,
    mette: SimulatedMessengerPerson,
    graph: GraphApiEmulator,
    clock: FakeClock,
    query: Rows,
) -> None:
    invitation = await invited(karim, mette, graph)
    assert invitation.messaging_type == "UPDATE", "she wrote minutes ago: inside the window"
    assert invitation.labels == ["Ja", "Måske", "Nej", "📅 Læg i kalenderen"]

    answered = await pick(mette, "Ja")
    assert "Dejligt! Du er tilmeldt." in [m.text for m in answered]
    assert "✓ Ja" in answered[-1].labels, "her answer is marked on the invitation shown anew"
    *_, calendar = await pick(mette, "Læg i kalenderen")
    assert calendar.text.startswith("Åbn filen"), "the calendar file, and a line about it"
    assert not calendar.choices, "an earlier answer's choices are not repeated under it"
    [rsvp] = query("SELECT user_id, answer FROM rsvps")
    assert (rsvp["user_id"] > MESSENGER_FIRST_ID, rsvp["answer"]) == (True, "yes")

    clock.now = datetime(2026, 12, 2, 17, 30, tzinfo=UTC)  # the day before, ten days later
    await run_due(messenger_bot)
    await graph.wait_for(lambda: received(mette, "Påmindelse"), what="the reminder")
    [reminder] = received(mette, "Påmindelse")
    assert reminder.text.startswith("⏰ Påmindelse: Suppe og snak begynder 03.12.2026 18.00.")
    assert (reminder.messaging_type, reminder.tag) == ("MESSAGE_TAG", "CONFIRMED_EVENT_UPDATE")
    assert graph.refusals == []


async def test_a_newsletter_waits_outside_the_window_and_comes_when_she_writes_then_stops(
    messenger_bot: BoldenApp,
    emulator: BotApiEmulator,
    karim: SimulatedPerson,
    mette: SimulatedMessengerPerson,
    graph: GraphApiEmulator,
    clock: FakeClock,
    query: Rows,
) -> None:
    await karim.send("/start")
    await sign_up_on_messenger(mette, "Mette Holm")
    clock.advance(days=2)

    confirm = await write_newsletter(
        karim, "Julehilsen", "Tak for i år!", "Alle aktive ambassadører"
    )
    await karim.press(confirm, "Send nu")
    summary = await finished(emulator, karim)
    assert "💬 Venter på Messenger: 1 person har ikke skrevet i 24 timer." in summary.text
    assert received(mette, "Julehilsen") == [], "a newsletter is not sent outside the window"
    [held] = query("SELECT state, held_until FROM outbox WHERE user_id > ?", MESSENGER_FIRST_ID)
    assert (held["state"], held["held_until"]) == ("held", "2026-12-01T12:00:00.000000+00:00")

    clock.advance(hours=3)
    await mette.send("Hej, er der nyt?")
    await graph.wait_for(lambda: received(mette, "Julehilsen"), what="the newsletter")
    [letter] = received(mette, "Julehilsen")
    assert letter.text.startswith("📰 Julehilsen\n\nTak for i år!")
    assert letter.messaging_type == "UPDATE"
    await pick(mette, "Ingen flere")
    [row] = query("SELECT newsletter_off FROM people WHERE user_id > ?", MESSENGER_FIRST_ID)
    assert row["newsletter_off"] == 1
    await graph.wait_for(lambda: not query("SELECT 1 FROM outbox WHERE state = 'pending'"))
    assert graph.refusals == []


async def test_delete_me_on_messenger_leaves_nothing_of_her_in_the_database_file(
    messenger_bot: BoldenApp, graph: GraphApiEmulator, settings: Settings, query: Rows
) -> None:
    zebulon = graph.person("7000000000987654", "Zebulon", "Quillfeather", "da_DK")
    await zebulon.open_link("ref-TRACE42")
    await sign_up_on_messenger(zebulon, "Zebulon")
    await zebulon.send_photo(b"\xff\xd8\xff a photo that is not a bold")
    [question] = await zebulon.send("/deleteme")
    assert question.text.startswith("Vil du have alt om dig slettet? Det kan ikke fortrydes.")
    [done] = await pick(zebulon, "Ja, slet alt")
    assert done.text.startswith("Alt om dig er slettet")

    for table in ("people", "ambassadors", "messenger_people", "messenger_messages"):
        assert query(f"SELECT * FROM {table}") == [], table
    database = Path(settings.database)
    stored = b"".join(path.read_bytes() for path in database.parent.glob(database.name + "*"))
    for trace in (b"Zebulon", b"Quillfeather", b"TRACE42", zebulon.psid.encode()):
        assert trace not in stored, trace


async def test_an_old_yes_delete_button_pressed_after_no_keep_it_changes_nothing(
    messenger_bot: BoldenApp, mette: SimulatedMessengerPerson, query: Rows
) -> None:
    await sign_up_on_messenger(mette, "Mette Holm")
    [question] = await mette.send("/deleteme")
    assert question.buttons, "Messenger keeps these buttons pressable for good"
    await mette.press(question, "Nej, behold")
    await mette.send("/mybolde")

    refused = await mette.press(question, "Ja, slet alt")  # days later, by mistake

    [note] = refused
    assert note.text.startswith("Den knap"), "a stale button, said kindly, and nothing else"
    assert query("SELECT 1 FROM ambassadors"), "nothing was erased"
    assert query("SELECT 1 FROM messenger_people")


async def test_an_answer_typed_without_the_button_reaches_the_network_that_asked(
    messenger_bot: BoldenApp,
    emulator: BotApiEmulator,
    karim: SimulatedPerson,
    mette: SimulatedMessengerPerson,
    graph: GraphApiEmulator,
    query: Rows,
) -> None:
    bo, group = await network_in_telegram(emulator, karim, query)
    await mette.get_started()
    await pick(mette, "Send en bold")
    await pick(mette, "En idé")
    await mette.send("Der mangler en skraldespand ved legepladsen.")
    await pick(mette, "Spring over")
    await pick(mette, "Videre")
    await pick(mette, "Send")
    await emulator.wait_for(lambda: len(group.messages) >= 2, what="the card in the group")
    taken = await bo.press(group.messages[-1], "Tag den")
    await ask_the_sender(bo, taken, "Hvor på legepladsen tænker du på?")
    await graph.wait_for(lambda: received(mette, "har et spørgsmål"), what="the question")

    [asked] = await mette.send("Ved gyngerne")
    assert asked.text == (
        "❓ Er det dit svar på spørgsmålet om din bold B-2026-0001?\n\n"
        "Tryk Ja, så sender vi det som svar til den, der spurgte. "
        "Tryk Nej, hvis det er en ny bold.\n\n"
        "• 💬 Ja, send det som svar\n• 📨 Nej, det er en ny bold"
    ), "typed without pressing Reply, the text is not taken for a new bold"
    seen = len(bo.messages)
    [thanks] = await pick(mette, "Ja, send det som")
    assert thanks.text == "💬 Tak! Dit svar om B-2026-0001 er sendt til den, der arbejder på den."
    await emulator.wait_for(lambda: len(bo.messages) > seen, what="the reply in Telegram")
    relayed = bo.messages[seen]
    assert relayed.text.startswith("💬 Afsenderen af B-2026-0001 svarer:\n\nVed gyngerne")
    events = [r["action"] for r in query("SELECT action, note FROM bold_events ORDER BY id")]
    assert events[-2:] == ["question", "reply"]
    [row] = query("SELECT note FROM bold_events WHERE action = 'reply'")
    assert row["note"] == "Ved gyngerne"

    await ask_the_sender(bo, relayed, "Og hvilken farve skal den have?")
    await graph.wait_for(lambda: received(mette, "hvilken farve"), what="the second question")
    await mette.send("Der mangler også lys på stien ved søen.")
    [offer] = await pick(mette, "Nej, det er en")
    assert offer.text.startswith("Tak for din besked. Vil du sende den som en bold?")
    [step] = await pick(mette, "En idé")
    assert "Har du et billede" in step.text, "the typed text is the new bold's"
    assert graph.refusals == [], "nothing the bot sent broke one of Meta's limits"


async def test_coordinators_commands_and_forged_presses_change_nothing_in_both_languages(
    messenger_bot: BoldenApp,
    mette: SimulatedMessengerPerson,
    graph: GraphApiEmulator,
    query: Rows,
) -> None:
    john = graph.person("7000000000000202", "John", "Smith", "en_GB")
    for person, refused in (
        (mette, "Den kommando er kun for strategiens koordinatorer. Skriv »hjælp«"),
        (john, "That command is for the strategy's coordinators only. Type “help”"),
    ):
        await person.get_started()
        for command in ("/broadcast", "/newsletter", "/event", "/export"):
            [answer] = await person.send(command)
            assert answer.text.startswith(refused), command
        # A forged press: a coordinator's action on a message that never showed it.
        seen = len(person.messages)
        await graph.deliver(
            {
                "sender": {"id": person.psid},
                "recipient": {"id": graph.page["id"]},
                "timestamp": int(graph.clock().timestamp() * 1000),
                "postback": {
                    "mid": f"forged-{person.psid}",
                    "title": "Send",
                    "payload": payloads.action(1, "cast:send:1"),
                },
            }
        )
        [note] = person.messages[seen:]
        assert note.text.startswith(("Den knap", "That button")), "refused as stale"
    assert query("SELECT 1 FROM batches") == []
    assert query("SELECT 1 FROM events") == []
    assert graph.refusals == []
