"""The Bot API boundary for Messenger people: a PTB Bot whose calls for a Messenger person are
answered by the bridge (against the Graph API emulator), with Telegram's results and errors;
other calls reach Telegram (the Bot API emulator), a Messenger person's file uploaded from its
bytes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.request import HTTPXRequest

from bot.channels import channel_file_id
from bot.channels.messenger import payloads
from bot.channels.messenger.bridge import OUT, MessengerBridge, telegram_files
from bot.channels.messenger.delivery import MessengerOut
from bot.sandbox.emulator import BotApiEmulator
from bot.sandbox.messenger import GraphApiEmulator, MessengerMessage
from bot.services import Services
from storage import messenger as store
from tests.conftest import TOKEN, FakeClock
from tests.unit.messenger_sending import messenger_person, outbound
from tests.unit.messenger_sending import out as out  # fixtures, for pytest to find here
from tests.unit.messenger_sending import services as services

ANNA = "psid-anna"
TELEGRAM_FILE = b"a photo kept by Telegram"


@pytest.fixture
async def bot(emulator: BotApiEmulator, out: MessengerOut) -> AsyncIterator[Bot]:
    bridge = MessengerBridge(HTTPXRequest())
    bridge.attach({OUT: out})
    async with Bot(
        TOKEN,
        base_url=f"{emulator.url}/bot",
        base_file_url=f"{emulator.url}/file/bot",
        request=bridge,
    ) as running:
        yield running


@pytest.fixture
async def anna(services: Services, graph: GraphApiEmulator) -> int:
    return await messenger_person(services, graph, ANNA)


def received(graph: GraphApiEmulator) -> list[MessengerMessage]:
    """What Anna got in Messenger, oldest first."""
    return graph.sent[ANNA]


def asked(graph: GraphApiEmulator) -> list[dict[str, Any]]:
    """The bodies of the Send API calls that reached Meta (messages and sender actions)."""
    return [body for endpoint, body in graph.requests if endpoint == "messages"]


def keyboard(*labels: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(x, callback_data=f"f:{x}")] for x in labels])


async def test_a_message_becomes_a_button_template_and_is_remembered(
    bot: Bot, anna: int, graph: GraphApiEmulator, services: Services
) -> None:
    sent = await bot.send_message(
        anna, "<b>Kommer du?</b>", parse_mode=ParseMode.HTML, reply_markup=keyboard("Ja", "Nej")
    )
    assert (sent.message_id, sent.chat_id, sent.text) == (1, anna, "Kommer du?")
    assert sent.reply_markup == keyboard("Ja", "Nej")
    [message] = received(graph)
    assert (message.psid, message.messaging_type) == (ANNA, "RESPONSE")
    assert message.raw["attachment"]["payload"]["template_type"] == "button"
    assert message.text == "Kommer du?"
    assert message.buttons[1]["payload"] == payloads.action(1, "f:Nej")
    shown = await store.shown_in(services.db, anna, 1)
    assert shown == {"text": "Kommer du?", "reply_markup": keyboard("Ja", "Nej").to_dict()}


async def test_an_edit_is_a_new_message_with_the_same_id_and_the_same_again_is_refused(
    bot: Bot, anna: int, graph: GraphApiEmulator, services: Services
) -> None:
    await bot.send_message(anna, "Vælg", reply_markup=keyboard("A"))
    edited = await bot.edit_message_text("Gemt", anna, 1)
    assert isinstance(edited, object)
    assert [m.raw.get("text") for m in received(graph)] == [None, "Gemt"]
    assert await store.shown_in(services.db, anna, 1) == {"text": "Gemt", "reply_markup": None}
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text("Gemt", anna, 1)
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("Gemt", anna, 99)


async def test_buttons_taken_away_are_only_forgotten_and_new_ones_show_their_labels(
    bot: Bot, anna: int, graph: GraphApiEmulator, services: Services
) -> None:
    await bot.send_message(anna, "Vælg", reply_markup=keyboard("A"))
    await bot.edit_message_reply_markup(anna, 1, reply_markup=None)
    assert len(received(graph)) == 1, "nothing new to show"
    assert await store.shown_in(services.db, anna, 1) == {"text": "Vælg", "reply_markup": None}
    await bot.edit_message_reply_markup(anna, 1, reply_markup=keyboard("B"))
    again = received(graph)[-1]
    assert (again.text, again.buttons[0]["title"]) == ("B", "B"), "the text is shown already"
    assert await store.shown_in(services.db, anna, 1) == {
        "text": "Vælg",
        "reply_markup": {"inline_keyboard": [[{"text": "B", "callback_data": "f:B"}]]},
    }


async def test_a_press_answered_with_a_text_is_a_short_note_and_without_one_nothing(
    bot: Bot, anna: int, graph: GraphApiEmulator
) -> None:
    await bot.answer_callback_query(payloads.callback_id(anna))
    assert asked(graph) == []
    await bot.answer_callback_query(payloads.callback_id(anna), text="Gemt ✅")
    assert [m.raw for m in received(graph)] == [{"text": "Gemt ✅"}]


async def test_a_photo_is_uploaded_and_its_caption_follows(
    bot: Bot, anna: int, graph: GraphApiEmulator, services: Services
) -> None:
    async with services.db.transaction() as connection:
        number = await store.keep_file(connection, b"jpeg-bytes", "image/jpeg", services.clock())
    await bot.send_photo(anna, b"png-bytes", caption="Dit bevis")
    await bot.send_photo(anna, channel_file_id(number))
    uploads = list(graph.uploads.values())
    assert [(u.kind, u.data) for u in uploads] == [
        ("image", b"png-bytes"),
        ("image", b"jpeg-bytes"),
    ]
    first, second = (u.attachment_id for u in uploads)
    assert [m.raw for m in received(graph)] == [
        {"attachment": {"type": "image", "payload": {"attachment_id": first}}},
        {"text": "Dit bevis"},
        {"attachment": {"type": "image", "payload": {"attachment_id": second}}},
    ]


async def test_a_photo_kept_by_telegram_reaches_a_messenger_person_as_an_upload(
    bot: Bot, anna: int, graph: GraphApiEmulator, services: Services, emulator: BotApiEmulator
) -> None:
    kept = emulator.store_file("photo.jpg", TELEGRAM_FILE, "image/jpeg")
    async with outbound(services, telegram_files(bot)) as sending:
        payload = {"text": "Nyhedsbrev", "photo": kept.file_id, "purpose": "promotion"}
        outcome = await sending.owed(anna, payload)
    assert outcome.state == "sent"
    assert [(u.kind, u.data) for u in graph.uploads.values()] == [("image", TELEGRAM_FILE)]
    assert received(graph)[-1].raw == {"text": "Nyhedsbrev"}


async def test_a_messenger_persons_photo_reaches_telegram_as_an_upload(
    bot: Bot, services: Services, emulator: BotApiEmulator
) -> None:
    emulator.group(-100, "Net")
    async with services.db.transaction() as connection:
        number = await store.keep_file(connection, b"jpeg-bytes", "image/jpeg", services.clock())
    await bot.send_photo(-100, channel_file_id(number), caption="Bold B-1")
    [posted] = emulator.chats[-100]
    assert posted.file is not None
    assert (posted.file.data, posted.text) == (b"jpeg-bytes", "Bold B-1")


async def test_metas_refusals_become_telegrams_errors(
    bot: Bot, anna: int, graph: GraphApiEmulator
) -> None:
    graph.people[ANNA].block()
    with pytest.raises(Forbidden, match="blocked"):
        await bot.send_message(anna, "Hej")
    graph.people[ANNA].unblock()
    graph.fail(500)
    with pytest.raises(NetworkError) as failed:  # Meta answered that it failed: not a timeout
        await bot.send_message(anna, "Hej")
    assert not isinstance(failed.value, TimedOut)
    graph.fail(400, code=613)
    with pytest.raises(RetryAfter):  # last: Messenger's sends now wait as long as Meta asked
        await bot.send_message(anna, "Hej")
    assert graph.refusals == [
        ("messages", 551, 1545041),
        ("messages", 2, None),
        ("messages", 613, None),
    ]
    assert received(graph) == []


async def test_outside_the_window_a_reply_is_refused_without_asking_meta(
    bot: Bot, anna: int, graph: GraphApiEmulator, clock: FakeClock
) -> None:
    clock.advance(hours=25)
    with pytest.raises(BadRequest, match="24 hours"):
        await bot.send_message(anna, "Hej")
    assert asked(graph) == []


async def test_what_messenger_cannot_do_is_refused_and_the_rest_is_answered(
    bot: Bot, anna: int, graph: GraphApiEmulator
) -> None:
    with pytest.raises(BadRequest, match=r"(?i)not available on Messenger"):
        await bot.send_location(anna, 55.56, 9.75)
    assert await bot.delete_message(anna, 1) is True
    assert await bot.send_chat_action(anna, "typing") is True
    assert asked(graph) == [{"recipient": {"id": ANNA}, "sender_action": "typing_on"}]
    assert graph.actions[ANNA] == ["typing_on"]
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(anna + 1, "Hej")


async def test_more_choices_show_the_next_page_naming_the_first_message(
    bot: Bot, anna: int, graph: GraphApiEmulator, out: MessengerOut
) -> None:
    labels = [f"Tema {n}" for n in range(20)]
    await bot.send_message(anna, "Vælg temaer", reply_markup=keyboard(*labels))
    first = received(graph)[-1].quick_replies
    assert first[-1]["payload"] == payloads.page(1, 1)
    assert await out.show_page(anna, 1, 1) is True
    second = received(graph)[-1].quick_replies
    assert [q["title"] for q in second] == labels[12:]
    assert second[0]["payload"] == payloads.action(1, "f:Tema 12")
    assert await out.show_page(anna, 7, 1) is False
