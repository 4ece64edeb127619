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
