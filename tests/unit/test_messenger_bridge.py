"""The Bot API boundary for Messenger people: a PTB Bot whose calls for a Messenger person are
answered by the bridge (against a stand-in for Meta on loopback), with Telegram's results and
errors; other calls reach Telegram, a Messenger person's file uploaded from its bytes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, RetryAfter, TimedOut
from telegram.request import HTTPXRequest

from bot.channels import channel_file_id
from bot.channels.messenger import payloads
from bot.channels.messenger.bridge import OUT, MessengerBridge, telegram_files
from bot.channels.messenger.delivery import MessengerOut
from bot.services import Services
from storage import messenger as store
from tests.conftest import FakeClock
from tests.unit.conftest import built_services
from tests.unit.fake_meta import (
    BOT_TOKEN,
    TELEGRAM_FILE,
    THROTTLED,
    UNAVAILABLE,
    UNREACHABLE,
    FakeMeta,
    fake_meta,
    messenger_person,
    messenger_settings,
    outbound,
)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def meta() -> AsyncIterator[FakeMeta]:
    async with fake_meta() as running:
        yield running


@pytest.fixture
async def services(tmp_path: Path, clock: FakeClock, meta: FakeMeta) -> AsyncIterator[Services]:
    async with built_services(tmp_path, clock, (), **messenger_settings(meta)) as built:
        yield built


@pytest.fixture
async def out(services: Services) -> AsyncIterator[MessengerOut]:
    async with outbound(services) as running:
        yield running


@pytest.fixture
async def bot(meta: FakeMeta, out: MessengerOut) -> AsyncIterator[Bot]:
    bridge = MessengerBridge(HTTPXRequest())
    bridge.attach({OUT: out})
    async with Bot(
        BOT_TOKEN,
        base_url=f"{meta.telegram}/bot",
        base_file_url=f"{meta.telegram}/file/bot",
        request=bridge,
    ) as running:
        yield running


@pytest.fixture
async def anna(services: Services) -> int:
    return await messenger_person(services, "psid-anna")


def keyboard(*labels: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(x, callback_data=f"f:{x}")] for x in labels])


async def test_a_message_becomes_a_button_template_and_is_remembered(
    bot: Bot, anna: int, meta: FakeMeta, services: Services
) -> None:
    sent = await bot.send_message(
        anna, "<b>Kommer du?</b>", parse_mode=ParseMode.HTML, reply_markup=keyboard("Ja", "Nej")
    )
    assert (sent.message_id, sent.chat_id, sent.text) == (1, anna, "Kommer du?")
    assert sent.reply_markup == keyboard("Ja", "Nej")
    [body] = meta.sent
    assert body["recipient"] == {"id": "psid-anna"}
    assert body["messaging_type"] == "RESPONSE"
    template = body["message"]["attachment"]["payload"]
    assert template["text"] == "Kommer du?"
    assert template["buttons"][1]["payload"] == payloads.action(1, "f:Nej")
    shown = await store.shown_in(services.db, anna, 1)
    assert shown == {"text": "Kommer du?", "reply_markup": keyboard("Ja", "Nej").to_dict()}


async def test_an_edit_is_a_new_message_with_the_same_id_and_the_same_again_is_refused(
    bot: Bot, anna: int, meta: FakeMeta, services: Services
) -> None:
    await bot.send_message(anna, "Vælg", reply_markup=keyboard("A"))
    edited = await bot.edit_message_text("Gemt", anna, 1)
    assert isinstance(edited, object)
    assert [m.get("text") for m in meta.messages] == [None, "Gemt"]
    assert await store.shown_in(services.db, anna, 1) == {"text": "Gemt", "reply_markup": None}
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text("Gemt", anna, 1)
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("Gemt", anna, 99)


async def test_buttons_taken_away_are_only_forgotten_and_new_ones_show_the_text_again(
    bot: Bot, anna: int, meta: FakeMeta, services: Services
) -> None:
    await bot.send_message(anna, "Vælg", reply_markup=keyboard("A"))
    await bot.edit_message_reply_markup(anna, 1, reply_markup=None)
    assert len(meta.messages) == 1, "nothing new to show"
    assert await store.shown_in(services.db, anna, 1) == {"text": "Vælg", "reply_markup": None}
    await bot.edit_message_reply_markup(anna, 1, reply_markup=keyboard("B"))
    again = meta.messages[-1]["attachment"]["payload"]
    assert (again["text"], again["buttons"][0]["title"]) == ("Vælg", "B")


async def test_a_press_answered_with_a_text_is_a_short_note_and_without_one_nothing(
    bot: Bot, anna: int, meta: FakeMeta
) -> None:
    await bot.answer_callback_query(payloads.callback_id(anna))
    assert meta.sent == []
    await bot.answer_callback_query(payloads.callback_id(anna), text="Gemt ✅")
    assert meta.messages == [{"text": "Gemt ✅"}]


async def test_a_photo_is_uploaded_and_its_caption_follows(
    bot: Bot, anna: int, meta: FakeMeta, services: Services
) -> None:
    async with services.db.transaction() as connection:
        number = await store.keep_file(connection, b"jpeg-bytes", "image/jpeg", services.clock())
    await bot.send_photo(anna, b"png-bytes", caption="Dit bevis")
    await bot.send_photo(anna, channel_file_id(number))
    assert meta.uploads == [("image", b"png-bytes"), ("image", b"jpeg-bytes")]
    assert meta.messages == [
        {"attachment": {"type": "image", "payload": {"attachment_id": "a.1"}}},
        {"text": "Dit bevis"},
        {"attachment": {"type": "image", "payload": {"attachment_id": "a.2"}}},
    ]


async def test_a_photo_kept_by_telegram_reaches_a_messenger_person_as_an_upload(
    bot: Bot, anna: int, meta: FakeMeta, services: Services
) -> None:
    async with outbound(services, telegram_files(bot)) as sending:
        payload = {"text": "Nyhedsbrev", "photo": "AgAC-telegram-id", "purpose": "promotion"}
        outcome = await sending.owed(anna, payload)
    assert outcome.state == "sent"
    assert meta.uploads == [("image", TELEGRAM_FILE)]
    assert meta.messages[-1] == {"text": "Nyhedsbrev"}


async def test_a_messenger_persons_photo_reaches_telegram_as_an_upload(
    bot: Bot, services: Services, meta: FakeMeta
) -> None:
    async with services.db.transaction() as connection:
        number = await store.keep_file(connection, b"jpeg-bytes", "image/jpeg", services.clock())
    await bot.send_photo(-100, channel_file_id(number), caption="Bold B-1")
    method, form = meta.telegram_calls[-1]
    assert method == "sendPhoto"
    assert (form["photo"], form["caption"]) == (b"jpeg-bytes", "Bold B-1")


async def test_metas_refusals_become_telegrams_errors(bot: Bot, anna: int, meta: FakeMeta) -> None:
    meta.answers += [UNREACHABLE, UNAVAILABLE, THROTTLED]
    with pytest.raises(Forbidden, match="blocked"):
        await bot.send_message(anna, "Hej")
    with pytest.raises(TimedOut):
        await bot.send_message(anna, "Hej")
    with pytest.raises(RetryAfter):  # last: Messenger's sends now wait as long as Meta asked
        await bot.send_message(anna, "Hej")


async def test_outside_the_window_a_reply_is_refused_without_asking_meta(
    bot: Bot, anna: int, meta: FakeMeta, clock: FakeClock
) -> None:
    clock.advance(hours=25)
    with pytest.raises(BadRequest, match="24 hours"):
        await bot.send_message(anna, "Hej")
    assert meta.sent == []


async def test_what_messenger_cannot_do_is_refused_and_the_rest_is_answered(
    bot: Bot, anna: int, meta: FakeMeta
) -> None:
    with pytest.raises(BadRequest, match=r"(?i)not available on Messenger"):
        await bot.send_location(anna, 55.56, 9.75)
    assert await bot.delete_message(anna, 1) is True
    assert await bot.send_chat_action(anna, "typing") is True
    assert meta.sent == [{"recipient": {"id": "psid-anna"}, "sender_action": "typing_on"}]
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(anna + 1, "Hej")


async def test_more_choices_show_the_next_page_naming_the_first_message(
    bot: Bot, anna: int, meta: FakeMeta, out: MessengerOut
) -> None:
    labels = [f"Tema {n}" for n in range(20)]
    await bot.send_message(anna, "Vælg temaer", reply_markup=keyboard(*labels))
    first = meta.messages[-1]["quick_replies"]
    assert first[-1]["payload"] == payloads.page(1, 1)
    assert await out.show_page(anna, 1, 1) is True
    second = meta.messages[-1]["quick_replies"]
    assert [q["title"] for q in second] == labels[12:]
    assert second[0]["payload"] == payloads.action(1, "f:Tema 12")
    assert await out.show_page(anna, 7, 1) is False
