"""Odd and hostile updates are answered calmly: presses on messages that can no longer be edited,
forged ids, updates with no sender, inline presses, and updates the library cannot read."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import pytest

from bot.app import BoldenApp
from bot.sandbox.emulator import BotApiEmulator, SimulatedPerson
from handlers.menu import main_menu
from tests.conftest import all_handled, logged_errors
from tests.e2e.test_bolde import send_bold

pytestmark = pytest.mark.usefixtures("bot")

ABOUT = "Om strategien"
STALE = "Den knap virker ikke længere. Skriv /start for at begynde forfra."


async def test_a_press_on_a_deleted_message_gets_the_page_as_a_new_message(
    anna: SimulatedPerson, emulator: BotApiEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    menu = await anna.send("/start")
    emulator.delete(menu)

    page = await anna.press(menu, ABOUT)

    assert page is not menu
    assert page.edits == 0
    assert page.text.startswith("Strategi for Udsathed"), page.text
    assert logged_errors(caplog) == []


async def test_a_press_on_a_message_older_than_two_days_gets_a_new_message(
    anna: SimulatedPerson, emulator: BotApiEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    menu = await anna.send("/start")
    emulator.age(menu, hours=49)

    page = await anna.press(menu, ABOUT)

    assert page is not menu
    assert menu.edits == 0
    assert page.text.startswith("Strategi for Udsathed")
    assert logged_errors(caplog) == []


async def test_a_press_on_a_photo_gets_the_page_as_a_new_message(
    bot: BoldenApp, anna: SimulatedPerson, caplog: pytest.LogCaptureFixture
) -> None:
    await anna.send("/start")
    t = bot.bot_data["services"].translator("da")
    await bot.bot.send_photo(anna.id, b"\xff\xd8\xff photo", reply_markup=main_menu(t))
    photo = anna.last

    page = await anna.press(photo, ABOUT)

    assert page is not photo
    assert photo.edits == 0
    assert page.text.startswith("Strategi for Udsathed")
    assert logged_errors(caplog) == []


@pytest.mark.parametrize(
    "data", ["bold:show:" + "9" * 40, "bold:mine:" + "9" * 40, "bw:take:-" + "9" * 39]
)
async def test_a_forty_digit_id_in_a_button_is_refused_quietly(
    anna: SimulatedPerson, data: str, caplog: pytest.LogCaptureFixture
) -> None:
    menu = await anna.send("/start")

    answer = await anna.press_data(menu, data)

    assert answer["text"] == STALE
    assert len(anna.messages) == 1, "no generic error"
    assert logged_errors(caplog) == []


async def test_an_update_without_a_sender_is_left_alone(
    bot: BoldenApp,
    anna: SimulatedPerson,
    emulator: BotApiEmulator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    message = {"message_id": 900, "chat": anna.chat, "date": int(time.time()), "text": "/start"}
    await emulator.push_update({"message": message})
    channel = {"id": -1009, "type": "channel", "title": "Nyheder"}
    await emulator.push_update(
        {"channel_post": {"message_id": 1, "chat": channel, "date": 0, "text": "/help"}}
    )

    await all_handled(bot, emulator)

    assert anna.messages == []
    assert emulator.chats[-1009] == []
    assert logged_errors(caplog) == []


async def test_a_press_on_an_inline_message_is_answered_and_otherwise_left_alone(
    bot: BoldenApp,
    anna: SimulatedPerson,
    emulator: BotApiEmulator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    query_id = await anna.tap_inline("menu:about")

    await emulator.wait_for(lambda: emulator.callback_answers[query_id], what="the answer")
    await all_handled(bot, emulator)

    assert emulator.callback_answers[query_id]["text"] is None
    assert anna.messages == []
    assert logged_errors(caplog) == []


async def test_an_update_the_library_cannot_read_is_skipped_with_one_line(
    bot: BoldenApp,
    anna: SimulatedPerson,
    emulator: BotApiEmulator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    secret = "mit cpr-nummer er 010101-1234"
    broken = {"message_id": 5, "chat": anna.chat, "date": "i går", "text": secret}
    update_id = await emulator.push_update({"message": broken})
    fetched_before = sum(method == "getUpdates" for method, _ in emulator.requests)

    reply = await anna.send("/start")

    assert reply.text.startswith("Hej Anna")
    fetches = sum(method == "getUpdates" for method, _ in emulator.requests) - fetched_before
    assert fetches < 5, "the batch is not fetched again and again"
    lines = [r for r in caplog.records if r.name == "bot.polling"]
    assert [r.getMessage() for r in lines] == [
        f"Update {update_id} could not be read (TypeError); it is skipped"
    ]
    assert all(r.levelno < logging.CRITICAL for r in caplog.records)
    assert secret not in caplog.text


async def test_a_press_that_turns_its_button_works_on_a_message_too_old_to_change(
    bot: BoldenApp,
    anna: SimulatedPerson,
    emulator: BotApiEmulator,
    caplog: pytest.LogCaptureFixture,
    query: Callable[..., list],
) -> None:
    """A yes to newsletters under a bold's confirmation from three days ago: the yes is kept
    and said, though its button can no longer turn into the one that undoes it."""
    await anna.send("/start")
    confirmation = await send_bold(anna, "Et fælles køleskab ved biblioteket.")
    emulator.age(confirmation, hours=72)
    edits = confirmation.edits

    answer = await anna.press_data(
        confirmation, confirmation.button("Få nyhedsbreve")["callback_data"]
    )
    await all_handled(bot, emulator)

    assert answer["text"].startswith("Tak!"), answer
    assert query("SELECT news_consent FROM people WHERE user_id = ?", anna.id)[0][0] == 1
    assert confirmation.edits == edits
    assert logged_errors(caplog) == []
