"""/start, deep links, the main menu and the strategy pages, walked through the emulator."""

from __future__ import annotations

import pytest

from bot.sandbox.emulator import BotApiEmulator, SimulatedPerson
from tests.conftest import sign_up, until

pytestmark = pytest.mark.usefixtures("bot")


async def test_start_greets_explains_and_offers_the_menu(anna: SimulatedPerson, query) -> None:
    reply = await anna.send("/start")

    assert reply.text.startswith("Hej Anna!")
    assert "Alle skal kunne leve et trygt og godt liv i Fredericia." in reply.text
    assert [b["text"] for b in reply.buttons] == [
        "📨 Send en bold",
        "📋 Mine bolde",
        "🤝 Ambassadør",
        "ℹ️ Om strategien",
        "🎯 Temaerne",
        "❓ Hjælp",
        "🌐 Sprog / Language",
    ]
    [person] = query("SELECT * FROM people WHERE user_id = 1001")
    assert person["language"] == "da"
    assert person["first_seen"] == person["last_seen"]
    assert person["blocked_at"] is None


async def test_start_in_english_for_an_english_telegram(john: SimulatedPerson) -> None:
    reply = await john.send("/start")

    assert reply.text.startswith("Hi John!")
    assert "work together against social vulnerability" in reply.text
    assert "ℹ️ About the strategy" in [b["text"] for b in reply.buttons]


@pytest.mark.parametrize(("code", "greeting"), [("de", "Hi"), (None, "Hej"), ("da-DK", "Hej")])
async def test_language_follows_telegram_or_the_default(
    emulator: BotApiEmulator, code: str | None, greeting: str
) -> None:
    person = emulator.person(1003, "Sam", code)

    assert (await person.send("/start")).text.startswith(f"{greeting} Sam!")


async def test_a_name_with_html_is_shown_as_written(emulator: BotApiEmulator) -> None:
    person = emulator.person(1004, "<b>Ann&a</b>", "da")

    reply = await person.send("/start")

    assert reply.text.startswith("Hej <b>Ann&a</b>!")


GONE = "Hej Anna! 👋\n\n🔗 Det link, du brugte, virker ikke længere. Du er velkommen alligevel"


async def test_an_invite_link_nobody_has_is_stored_and_said_kindly_not_to_work(
    anna: SimulatedPerson, john: SimulatedPerson, query
) -> None:
    reply = await anna.send("/start ref-AB12cd")

    assert reply.text.startswith(GONE)
    assert "Alle skal kunne leve et trygt og godt liv i Fredericia." in reply.text
    assert reply.buttons[0]["text"] == "📨 Send en bold", "the menu as usual"
    rows = query("SELECT user_id, kind, argument FROM deep_links")
    assert [tuple(row) for row in rows] == [(1001, "ref", "AB12cd")]
    english = await john.send("/start ref-NoSuchCode")
    assert english.text.startswith("Hi John! 👋\n\n🔗 The link you used no longer works.")
    plain = await anna.send("/start")
    assert "🔗" not in plain.text, "without a link, nothing is said about one"


@pytest.mark.parametrize("payload", ["../../etc", "ref-", "x" * 65, "REF-abc", "ref-a:b"])
async def test_deep_links_that_are_not_ours_are_not_kept_and_said_not_to_work(
    anna: SimulatedPerson, query, payload: str
) -> None:
    reply = await anna.send(f"/start {payload}")

    assert reply.text.startswith(GONE)
    assert query("SELECT * FROM deep_links") == []


async def test_about_and_themes_pages_and_back_to_the_menu(anna: SimulatedPerson) -> None:
    menu = await anna.send("/start")

    about = await anna.press(menu, "Om strategien")
    assert about.message_id == menu.message_id, "the page replaces the menu"
    assert about.text.startswith("Strategi for Udsathed\nAlle skal kunne leve")
    assert "Sat i gang i juni 2018." in about.text
    targets = about.text.split("Vores mål:\n")[1].split("\n\n")[0].splitlines()
    assert targets == [
        "Mål for 2019–2020 (tidligere mål)",
        "• 50 ambassadører i 2019",
        "• 70 ambassadører i 2020",
        "• 20\xa0% af ambassadørerne er borgere",
        "• 30 handlingsnetværk, dialogmøder og temadage i perioden",
        "Der er ikke sat mål for 2026 endnu.",
    ], "the seeds' goals are history; no old goal passes for this year's"
    assert "Bolig: at have et hjem" in about.text

    themes = await anna.press(about, "Temaerne")
    assert "De 12 temaer" in themes.text
    assert "1. Fokus på det hele menneske" in themes.text
    assert "12. Forebyggelse" in themes.text

    home = await anna.press(themes, "Menu")
    assert home.text.startswith("Hej Anna!")


async def test_about_command_in_english(john: SimulatedPerson) -> None:
    about = await john.send("/about")

    assert "Strategy for Social Vulnerability" in about.text
    assert "Started in June 2018." in about.text
    assert "Targets for 2019–2020 (earlier targets)\n• 50 ambassadors in 2019" in about.text
    assert "• 20% of the ambassadors are citizens" in about.text
    assert "No targets have been set for 2026 yet." in about.text
    assert [b["text"] for b in about.buttons] == ["🎯 The themes", "⬅️ Menu"]


async def test_last_seen_moves_and_first_seen_stays(anna: SimulatedPerson, query) -> None:
    await anna.send("/start")
    [first] = query("SELECT first_seen, last_seen FROM people")
    await anna.send("/help")

    await until(lambda: len(query("SELECT * FROM people")) == 1)
    [second] = query("SELECT first_seen, last_seen FROM people")
    assert second["first_seen"] == first["first_seen"]
    assert second["last_seen"] >= first["last_seen"]


async def test_an_invite_link_names_the_inviter_who_hears_once_when_the_newcomer_joins(
    anna: SimulatedPerson, john: SimulatedPerson, emulator: BotApiEmulator, query
) -> None:
    await sign_up(john, kind="Citizen")
    [code] = [r[0] for r in query("SELECT referral_code FROM ambassadors WHERE user_id = 1002")]
    before = len(john.messages)

    greeting = await anna.send(f"/start ref-{code}")

    assert greeting.text.startswith(
        "Hej Anna! 👋\n\n🤝 John har inviteret dig til at blive ambassadør."
    )
    labels = [b["text"] for b in greeting.buttons]
    assert labels[:2] == ["🤝 Bliv ambassadør", "📨 Send en bold"]
    assert [label for label in labels if "mbassadør" in label] == ["🤝 Bliv ambassadør"], "once"
    assert len(john.messages) == before, "opening the link tells John nothing yet"
    question = await anna.press(greeting, "Bliv ambassadør")
    question = await anna.press(question, "Borger")
    question = await anna.press(question, "✅ Anna")
    question = await anna.press(question, "Nej tak")
    question = await anna.press(question, "Nej tak")
    await anna.press(question, "Ja, det er i orden")

    await emulator.wait_for(lambda: len(john.messages) > before, what="John's notice")
    assert john.last.text == (
        "🎉 Anna has become an ambassador through your link. Thank you for sharing it! "
        "Under /me you can see how many you have brought along."
    ), "in John's language"
    again = await anna.send(f"/start ref-{code}")
    assert "inviteret" not in again.text, "an ambassador is not invited again"
    assert again.buttons[0]["text"] == "📨 Send en bold"
    [row] = query("SELECT referred_by FROM ambassadors WHERE user_id = 1001")
    assert row["referred_by"] == 1002
    assert query("SELECT COUNT(*) FROM outbox WHERE user_id = 1002")[0][0] == 1


async def test_an_english_newcomer_is_invited_in_english_and_the_inviter_told_in_danish(
    anna: SimulatedPerson, john: SimulatedPerson, emulator: BotApiEmulator, query
) -> None:
    await sign_up(anna)
    [code] = [r[0] for r in query("SELECT referral_code FROM ambassadors WHERE user_id = 1001")]

    greeting = await john.send(f"/start ref-{code}")
    assert greeting.text.startswith("Hi John! 👋\n\n🤝 Anna has invited you")
    await sign_up(john, kind="Citizen")

    notice = "🎉 John er blevet ambassadør gennem dit link."
    await emulator.wait_for(lambda: anna.last.text.startswith(notice), what="Anna's notice")


async def test_a_link_whose_ambassador_left_no_longer_works_and_greets_as_usual(
    anna: SimulatedPerson, john: SimulatedPerson, query
) -> None:
    await sign_up(john, kind="Citizen")
    [code] = [r[0] for r in query("SELECT referral_code FROM ambassadors")]
    await john.press(await john.send("/leave"), "Yes")

    greeting = await anna.send(f"/start ref-{code}")

    assert greeting.text.startswith(GONE)
    assert "inviteret" not in greeting.text
    assert greeting.buttons[0]["text"] == "📨 Send en bold"
