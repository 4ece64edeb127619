"""/help, the command menus and /language, in Danish and English, with forged presses."""

from __future__ import annotations

import pytest

from bot.sandbox.emulator import BotApiEmulator, SimulatedPerson

pytestmark = pytest.mark.usefixtures("bot")


async def test_help_lists_the_commands_and_the_contact(anna: SimulatedPerson) -> None:
    reply = await anna.send("/help")

    lines = reply.text.splitlines()
    assert lines[:3] == [
        "Det kan du her",
        "/start – Start og menu",
        "/bold – Send en idé, en bekymring eller et problem",
    ]
    assert "/deleteme – Slet alt om mig" in lines
    assert "For koordinatorer" not in lines
    assert "Kontakt Fredericia Kommune" in reply.text
    assert "Telefon: +45 72 10 70 00" in reply.text


async def test_help_from_the_menu_in_english(john: SimulatedPerson) -> None:
    menu = await john.send("/start")

    page = await john.press(menu, "Help")

    assert page.text.startswith("What you can do here\n/start – Start and menu")
    assert "Phone: +45 72 10 70 00" in page.text


async def test_command_menus_are_registered_for_both_languages(emulator: BotApiEmulator) -> None:
    def names(scope: str, language: str) -> list[tuple[str, str]]:
        return [(c["command"], c["description"]) for c in emulator.commands[(scope, language)]]

    assert names("default", "da")[0] == ("start", "Start og menu")
    assert names("default", "en")[0] == ("start", "Start and menu")
    assert names("default", "") == names("default", "da"), "BOLDEN_LANGUAGE is the default"
    assert [n for n, _ in names("default", "en")][:3] == ["start", "bold", "mybolde"]
    assert "stats" not in [n for n, _ in names("default", "en")]


async def test_language_switch_is_stored_and_wins_over_telegram(
    anna: SimulatedPerson, emulator: BotApiEmulator, query
) -> None:
    question = await anna.send("/language")
    assert question.text.startswith("Hvilket sprog vil du tale med mig på?")

    answer = await anna.press(question, "English")

    assert answer.text.startswith("Fine, we will speak English from now on.")
    assert "ℹ️ About the strategy" in [b["text"] for b in answer.buttons]
    [person] = query("SELECT language, language_chosen FROM people WHERE user_id = 1001")
    assert tuple(person) == ("en", 1)
    assert (await anna.send("/start")).text.startswith("Hi Anna!"), "Telegram says da; she chose en"
    chat_menu = emulator.commands[("chat:1001", "")]
    assert chat_menu[0] == {"command": "start", "description": "Start and menu"}


async def test_language_from_the_menu_and_back_to_danish(john: SimulatedPerson, query) -> None:
    menu = await john.send("/start")
    question = await john.press(menu, "Language")

    answer = await john.press(question, "Dansk")

    assert answer.text.startswith("Fint, nu taler vi dansk.")
    assert query("SELECT language FROM people")[0]["language"] == "da"


@pytest.mark.parametrize(
    "data", ["lang:set:xx", "lang:set", "lang:set:da:1", "menu:nothing", "menu:about:1", "x" * 64]
)
async def test_forged_or_stale_presses_change_nothing(
    anna: SimulatedPerson, query, data: str
) -> None:
    menu = await anna.send("/start")

    answer = await anna.press_data(menu, data)

    assert answer["text"] == "Den knap virker ikke længere. Skriv /start for at begynde forfra."
    assert answer["show_alert"] is True
    [person] = query("SELECT language, language_chosen FROM people")
    assert tuple(person) == ("da", 0)
    assert menu.edits == 0


async def test_a_double_tap_shows_the_page_once_and_raises_no_error(
    anna: SimulatedPerson, emulator: BotApiEmulator
) -> None:
    menu = await anna.send("/start")
    await anna.press(menu, "Hjælp")

    answer = await anna.press_data(menu, "menu:help")
    await emulator.wait_for(lambda: ("editMessageText", 400) in emulator.refusals)
    # Updates are handled in order: once /about is answered, an error message would be there.
    about = await anna.send("/about")

    assert answer["answered"] is True
    assert menu.edits == 1
    assert anna.messages == [menu, about], "no error message after the second tap"
