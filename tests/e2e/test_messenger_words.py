"""Messenger in Messenger's words, end to end: people there do not type slash commands, so a
message that is only »hjælp«, »menu« or »stop« does what /help, /start and /cancel do, at any
step; and the texts they read name what they can do there, not Telegram's commands."""

from __future__ import annotations

from bot.app import BoldenApp
from bot.sandbox.messenger import GraphApiEmulator, SimulatedMessengerPerson
from tests.conftest import pick


async def test_words_typed_on_messenger_do_what_their_commands_do_anywhere(
    messenger_bot: BoldenApp, mette: SimulatedMessengerPerson, graph: GraphApiEmulator
) -> None:
    await mette.get_started()
    [helped] = await mette.send("Hjælp!")
    assert helped.text.startswith("Det kan du her")
    [home] = await mette.send("  MENU ")
    assert home.text.startswith("Hej Mette!")
    [nothing] = await mette.send("stop.")
    assert nothing.text.startswith("Der er ikke noget at stoppe.")

    await pick(mette, "Send en bold")
    [asked] = await pick(mette, "En idé")
    assert asked.text.startswith("Skriv med dine egne ord")
    [helped] = await mette.send("hjælp")
    assert helped.text.startswith("Det kan du her"), "help at the bold's text step, as on Telegram"
    [asked] = await mette.send("Hjælp til lektier i biblioteket om tirsdagen")
    assert "Har du et billede" in asked.text, "a word among others is her bold's text"
    [stopped, *_] = await mette.send("Stop")
    assert stopped.text.startswith("Din bold er stoppet")
    assert graph.refusals == []


async def test_an_english_volunteer_gets_started_and_help_in_his_words(
    messenger_bot: BoldenApp, graph: GraphApiEmulator
) -> None:
    john = graph.person("7000000000000202", "John", "Smith", "en_GB")
    [home] = await john.send("Get started")
    assert home.text.startswith("Hi John!")
    [helped] = await john.send("help?")
    assert helped.text.startswith("What you can do here")
    [again] = await john.send("Start")
    assert again.text.startswith("Hi John!")


async def test_what_she_reads_on_messenger_names_words_and_the_menu_not_commands(
    messenger_bot: BoldenApp, mette: SimulatedMessengerPerson, graph: GraphApiEmulator
) -> None:
    await mette.get_started()
    [helped] = await mette.send("hjælp")
    assert "Menuen ≡ nederst i chatten har altid Menu, Send en bold, Mine bolde og Hjælp" in (
        helped.text
    )
    assert "• hjælp – viser denne side." in helped.text
    assert not [line for line in helped.text.splitlines() if line.startswith("/")], "no list"
    assert "Spørgsmål?" in helped.text, "whom to contact, as on Telegram"

    [answer] = await mette.send("Okay")
    assert answer.text.startswith("Tak for din besked. Den er ikke sendt videre.")
    assert "Skriv »hjælp«, hvis du vil i kontakt med et menneske." in answer.text
    [unknown] = await mette.send("/hvad")
    assert "Skriv »hjælp« for at se, hvad du kan her" in unknown.text

    await pick(mette, "Send en bold")
    await pick(mette, "En idé")
    await mette.send("Bænke langs stien ved Madsby Sø, så man kan hvile sig på turen")
    [stopped, *_] = await mette.send("stop")
    assert "Du kan starte igen med Send en bold i menuen ≡ nederst i chatten." in stopped.text

    await mette.send("menu")
    await pick(mette, "Ambassadør")
    [name] = await pick(mette, "Borger")
    [stopped, *_] = await pick(mette, "Stop")
    assert "Vil du prøve igen, så skriv »menu« og tryk 🤝 Ambassadør." in stopped.text
    late, *_ = await mette.press(name, "Mette Holm")  # then her last choices again
    assert (
        late.text
        == "Den knap hører til noget, der er afsluttet. Skriv »menu« for at se, hvad du kan."
    )
    assert not [m.text for m in mette.messages if "/start" in m.text or "/help" in m.text]
    assert graph.refusals == []


async def test_newsletters_promised_on_messenger_say_they_wait_for_her_to_write(
    messenger_bot: BoldenApp, mette: SimulatedMessengerPerson, graph: GraphApiEmulator
) -> None:
    await mette.get_started()
    await pick(mette, "Send en bold")
    await pick(mette, "En idé")
    await mette.send("Et fælles spisested i Ullerup, hvor alle kan spise med for 20 kr.")
    await pick(mette, "Spring over")  # no photo
    await pick(mette, "Videre")  # no themes
    [sent, *_] = await pick(mette, "Send")
    assert "Under Mine bolde i menuen ≡ nederst i chatten" in sent.text
    given, *_ = await pick(mette, "Få nyhedsbreve")
    assert given.text == (
        "Tak! Du får nyhedsbreve og invitationer her. Har du ikke skrevet til os det sidste "
        "døgn, venter de nogle dage på, at du skriver igen. Sig fra under /newsletters."
    )

    await mette.send("menu")
    await pick(mette, "Ambassadør")
    await pick(mette, "Borger")
    await pick(mette, "Mette Holm")
    await pick(mette, "Nej tak")  # no e-mail
    [consent] = await pick(mette, "Nej tak")  # not on the public list
    assert (
        "På Messenger venter nyhedsbreve og invitationer nogle dage på, at du skriver til os, "
        "hvis du ikke har skrevet det sidste døgn. Har du givet din e-mail, kan du også få "
        "nyhedsbrevet på e-mail under /me."
    ) in consent.text
    assert graph.refusals == []


async def test_privacy_on_messenger_says_what_passes_through_meta_and_where_the_chat_stays(
    messenger_bot: BoldenApp, mette: SimulatedMessengerPerson, graph: GraphApiEmulator
) -> None:
    await mette.get_started()
    notice = "\n".join(m.text for m in await mette.send("/privacy"))  # long: in parts
    kept, meta = notice.split("Det gemmer vi")[1].split("Messenger og Meta")
    assert "Dit id på Messenger" in kept
    assert "Alt, du skriver og sender til Bolden, og alt, Bolden svarer, går gennem Meta" in meta
    assert "Meta gemmer samtalen hos sig" in meta
    assert "Det, Bolden selv gemmer, er det, der står ovenfor." in meta
    assert "gemmer kun" not in notice, "no second, shorter list"

    [question] = await mette.send("/deleteme")
    assert question.text.startswith("Vil du have alt om dig slettet? Det kan ikke fortrydes.")
    assert "Samtalen her bliver i Messenger hos Meta. Den kan du selv slette i Messenger" in (
        question.text
    )
    [done] = await pick(mette, "Ja, slet alt")
    assert "Samtalen her ligger stadig i Messenger hos Meta." in done.text
    assert graph.refusals == []
