"""/help, the command menus and /language, in Danish and English, with forged presses."""

from __future__ import annotations

import re

import pytest

from bot.sandbox.emulator import BotApiEmulator, SimulatedPerson
from tests.conftest import sign_up

pytestmark = pytest.mark.usefixtures("bot")


BOLD_DA = (
    "En bold er en idé, en bekymring eller et problem, som du giver videre til dem, der kan gøre"
    " noget ved det."
)
BOLD_EN = (
    "A bold (Danish for “ball”) is an idea, a worry or a problem you pass on to the people who"
    " can act on it."
)


def commands(help_page: str) -> list[str]:
    return [line.split(" – ")[0] for line in help_page.splitlines() if line.startswith("/")]


async def test_help_lists_what_a_citizen_can_use_and_the_contact(anna: SimulatedPerson) -> None:
    reply = await anna.send("/help")

    lines = reply.text.splitlines()
    assert lines[:5] == [
        "Det kan du her",
        BOLD_DA,
        "",
        "/start – Start og menu",
        "/bold – Send en idé, en bekymring eller et problem",
    ]
    assert "/events – Arrangementer og kald på hjælp, der kommer" in lines
    assert "/ambassador – Bliv ambassadør" in lines
    assert "/deleteme – Slet alt om mig" in lines
    assert not {"/me", "/themes", "/certificate", "/leave", "/stats", "/call"} & set(
        commands(reply.text)
    ), "only ambassadors and coordinators can use these"
    assert "For koordinatorer" not in lines
    assert "Kontakt Fredericia Kommune" in reply.text
    assert "Telefon: +45 72 10 70 00" in reply.text


async def test_an_ambassadors_help_and_menu_have_their_profile_until_they_leave(
    anna: SimulatedPerson, emulator: BotApiEmulator
) -> None:
    await sign_up(anna)
    await emulator.wait_for(lambda: ("chat:1001", "") in emulator.commands, 10, "her own menu")

    mine = commands((await anna.send("/help")).text)
    menu = ["/" + c["command"] for c in emulator.commands[("chat:1001", "")]]
    assert {"/me", "/themes", "/certificate", "/leave"} <= set(mine)
    assert "/ambassador" not in mine, "she has /me instead of the sign-up"
    assert "/stats" not in mine
    assert menu == mine, "the command menu lists what /help lists"

    confirm = await anna.send("/leave")
    await anna.press(confirm, "Ja, stop")
    await emulator.wait_for(lambda: ("chat:1001", "") not in emulator.commands, 10)

    again = commands((await anna.send("/help")).text)
    assert "/ambassador" in again
    assert "/me" not in again
    assert ["/" + c["command"] for c in emulator.commands[("default", "da")]] == again


async def test_a_coordinators_help_adds_their_commands_and_explains_a_call(
    karim: SimulatedPerson, emulator: BotApiEmulator
) -> None:
    await karim.send("/start")
    await emulator.wait_for(lambda: ("chat:4242", "") in emulator.commands, 10, "his own menu")

    reply = await karim.send("/help")

    lines = reply.text.splitlines()
    assert "For koordinatorer" in lines
    assert "/call – Kald på hjælp til en konkret opgave" in lines
    assert "/me" not in commands(reply.text), "a coordinator who is not an ambassador"
    menu = ["/" + c["command"] for c in emulator.commands[("chat:4242", "")]]
    assert menu == commands(reply.text)


async def test_an_english_speaker_meets_the_word_bold_with_its_meaning(
    john: SimulatedPerson, emulator: BotApiEmulator
) -> None:
    menu = await john.send("/start")

    assert BOLD_EN in menu.text
    assert [b["text"] for b in menu.buttons][:2] == ["📨 Send a bold", "📋 My bolds"]
    page = await john.press(menu, "Help")
    assert page.text.startswith(f"What you can do here\n{BOLD_EN}\n\n/start – Start and menu")
    assert "/mybolde – See what became of your bolds" in page.text
    assert "Phone: +45 72 10 70 00" in page.text
    prompt = await john.press(await john.send("/start"), "Send a bold")
    assert prompt.text.startswith("A bold (Danish for “ball”) is an idea")
    english = [c["description"] for c in emulator.commands[("default", "en")]]
    danish = [
        t for t in [menu.text, page.text, prompt.text, *english] if re.search(r"\bbolde\b", t)
    ]
    assert danish == [], "the command /mybolde is a name; the word is “bolds”"


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
    assert BOLD_EN in answer.text
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
