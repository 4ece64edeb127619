"""The emulator answers as Telegram does, so the tests can trust it: checked with PTB's Bot."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, InvalidToken, RetryAfter

from bot.sandbox.emulator import BotApiEmulator, SimulatedPerson
from tests.conftest import TOKEN


@pytest.fixture
async def api(emulator: BotApiEmulator) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=f"{emulator.url}/bot") as bot:
        yield bot


async def test_get_me_and_a_wrong_token(emulator: BotApiEmulator, api: Bot) -> None:
    assert (await api.get_me()).id == 123456789

    with pytest.raises(InvalidToken):
        async with Bot("1:" + "x" * 35, base_url=f"{emulator.url}/bot"):
            pass


async def test_messages_edits_and_their_errors(api: Bot, anna: SimulatedPerson) -> None:
    sent = await api.send_message(anna.id, "<b>Hej</b> &amp; velkommen", parse_mode=ParseMode.HTML)
    assert anna.last.text == "Hej & velkommen"

    await api.edit_message_text("Ny tekst", anna.id, sent.message_id)
    assert (anna.last.text, anna.last.edits) == ("Ny tekst", 1)

    with pytest.raises(BadRequest, match="Message is not modified"):
        await api.edit_message_text("Ny tekst", anna.id, sent.message_id)
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await api.edit_message_text("x", anna.id, 999)
    with pytest.raises(BadRequest, match="Message is too long"):
        await api.send_message(anna.id, "æ" * 4097)
    with pytest.raises(BadRequest, match="Can't parse entities"):
        await api.send_message(anna.id, "Tom & Jerry", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match="Chat not found"):
        await api.send_message(555, "hej")
    assert len(anna.messages) == 1, "nothing refused reached the person"


async def test_buttons_and_their_limits(api: Bot, anna: SimulatedPerson) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Ja", callback_data="x:yes")]])
    sent = await api.send_message(anna.id, "Spørgsmål?", reply_markup=keyboard)
    assert anna.last.button("Ja")["callback_data"] == "x:yes"

    await api.edit_message_reply_markup(anna.id, sent.message_id, reply_markup=None)
    assert anna.last.buttons == []
    too_long = InlineKeyboardMarkup([[InlineKeyboardButton("Ja", callback_data="x" * 65)]])
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await api.send_message(anna.id, "Spørgsmål?", reply_markup=too_long)


async def test_photos_and_documents_arrive_with_their_bytes(
    api: Bot, anna: SimulatedPerson
) -> None:
    await api.send_photo(
        anna.id, InputFile(b"\x89PNG fake", filename="bevis.png"), caption="Dit bevis"
    )
    await api.send_document(anna.id, InputFile(b"a;b\n1;2\n", filename="liste.csv"))

    photo, document = anna.messages
    assert photo.text == "Dit bevis"
    assert photo.file is not None
    assert photo.file.data == b"\x89PNG fake"
    assert document.file is not None
    assert (document.file.name, document.file.data) == ("liste.csv", b"a;b\n1;2\n")
    with pytest.raises(BadRequest, match="Message caption is too long"):
        await api.send_photo(anna.id, photo.file.file_id, caption="x" * 1025)


async def test_a_person_who_blocked_the_bot_gives_403(api: Bot, anna: SimulatedPerson) -> None:
    await anna.block()

    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await api.send_message(anna.id, "hej")


async def test_past_the_rate_429_with_retry_after(emulator: BotApiEmulator) -> None:
    limited = BotApiEmulator(TOKEN, per_chat_rate=2)
    async with limited, Bot(TOKEN, base_url=f"{limited.url}/bot") as api:
        person = limited.person(1001, "Anna", "da")
        await api.send_message(person.id, "1")
        await api.send_message(person.id, "2")

        with pytest.raises(RetryAfter) as raised:
            await api.send_message(person.id, "3")

    assert raised.value.retry_after.total_seconds() == 1
    assert len(person.messages) == 2


async def test_updates_are_long_polled_and_confirmed_by_offset(
    api: Bot, anna: SimulatedPerson
) -> None:
    await anna.send("hej", wait=False)
    await anna.send("/start ref-1", wait=False)

    first = await api.get_updates(timeout=1)
    again = await api.get_updates(offset=first[-1].update_id + 1, timeout=0)

    assert [u.message.text for u in first if u.message] == ["hej", "/start ref-1"]
    assert first[1].message is not None
    assert first[1].message.entities[0].type == "bot_command"
    assert again == ()


async def test_commands_per_scope_and_language(api: Bot, emulator: BotApiEmulator) -> None:
    from telegram import BotCommand, BotCommandScopeChat

    emulator.person(7, "Syv", "da")
    await api.set_my_commands([BotCommand("start", "Start")], language_code="da")
    await api.set_my_commands([BotCommand("help", "Hjælp")], scope=BotCommandScopeChat(7))
    with pytest.raises(BadRequest, match="Chat not found"):
        await api.set_my_commands([BotCommand("help", "Hjælp")], scope=BotCommandScopeChat(8))

    assert [c.command for c in await api.get_my_commands(language_code="da")] == ["start"]
    assert emulator.commands[("chat:7", "")] == [{"command": "help", "description": "Hjælp"}]
    await api.delete_my_commands(language_code="da")
    assert await api.get_my_commands(language_code="da") == ()
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await api.set_my_commands([BotCommand("Not Valid", "x")])
