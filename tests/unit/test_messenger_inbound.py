"""Meta's events read as the journeys' updates, on a real SQLite file: what each kind of event
becomes, what a press is rebuilt on, and that old events are forgotten without an update id
ever being used twice."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from telegram import Message, Update

from bot.channels import MESSENGER_FIRST_ID, channel_file_id
from bot.channels.messenger import inbound, payloads
from bot.channels.messenger.profile import GREETING_MAX, TITLE_MAX, messenger_profile
from bot.services import Services
from bot.services.updates import KEEP
from storage import messenger as store
from tests.conftest import FakeClock
from tests.unit.conftest import Target, built_services

UPDATE_ID = MESSENGER_FIRST_ID + 1
FIRST = MESSENGER_FIRST_ID + 1


def event(**what: Any) -> dict[str, Any]:
    return {
        "sender": {"id": "P1"},
        "recipient": {"id": "1000"},
        "timestamp": 1_795_000_000_123,
        **what,
    }


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        (event(message={"mid": "m1", "text": "Bænken er knækket"}), "Bænken er knækket"),
        (event(postback={"payload": payloads.GET_STARTED}), "/start"),
        (
            event(postback={"payload": payloads.GET_STARTED, "referral": {"ref": "in-7Q"}}),
            "/start in-7Q",
        ),
        (event(referral={"ref": "unsub-AB_c", "source": "SHORTLINK"}), "/start unsub-AB_c"),
        (event(referral={"ref": "<script>", "source": "SHORTLINK"}), "/start"),
        (event(postback={"payload": payloads.command("/help")}), "/help"),
        (event(postback={"payload": payloads.typed("Ja tak")}), "Ja tak"),
        (
            event(
                message={
                    "mid": "m2",
                    "text": "Ja",
                    "quick_reply": {"payload": payloads.typed("Ja tak")},
                }
            ),
            "Ja tak",
        ),
        # A quick reply we did not write: the title the person saw is what they said.
        (event(message={"mid": "m3", "text": "Ja", "quick_reply": {"payload": "x|y"}}), "Ja"),
    ],
)
def test_what_a_person_typed_or_a_button_typed_is_text(raw: dict[str, Any], text: str) -> None:
    read = inbound.read(raw)
    assert read is not None
    assert (read.psid, read.text, read.press, read.attachment) == ("P1", text, None, None)


@pytest.mark.parametrize(
    "raw",
    [
        event(message={"mid": "m1", "text": "Tak", "is_echo": True}),
        event(message={"text": "no id"}),
        event(message={"mid": "m1"}),
        event(delivery={"mids": ["m1"], "watermark": 1}),
        event(read={"watermark": 1}),
        event(postback={"payload": "NOT_OURS"}),
        event(postback={"payload": "c|x|menu:home"}),
        {"recipient": {"id": "1000"}, "message": {"mid": "m1", "text": "no sender"}},
        {"sender": "P1", "message": {"mid": "m1", "text": "a sender of the wrong shape"}},
    ],
)
def test_echoes_receipts_and_what_we_did_not_write_are_left_alone(raw: dict[str, Any]) -> None:
    assert inbound.read(raw) is None


def test_each_delivery_of_an_event_has_the_same_key_and_different_events_differ() -> None:
    press = event(postback={"payload": payloads.action(3, "menu:home")})
    later = press | {"timestamp": press["timestamp"] + 1}
    keys = [inbound.read(raw) for raw in (press, dict(press), later)]
    assert [k.key if k else None for k in keys] == [
        "P1:1795000000123:postback:c|3|menu:home",
        "P1:1795000000123:postback:c|3|menu:home",
        "P1:1795000000124:postback:c|3|menu:home",
    ]
    with_mid = inbound.read(event(postback={"payload": payloads.GET_STARTED, "mid": "m-9"}))
    assert with_mid is not None
    assert with_mid.key == "m-9"


def test_attachments_are_read_by_kind_and_a_like_is_a_sticker() -> None:
    def kind_of(attachment: dict[str, Any]) -> tuple[str, str | None]:
        read = inbound.read(event(message={"mid": "m1", "attachments": [attachment]}))
        assert read is not None
        assert read.attachment is not None
        return read.attachment.kind, read.attachment.url

    assert kind_of({"type": "image", "payload": {"url": "https://x/1.jpg"}}) == (
        "image",
        "https://x/1.jpg",
    )
    assert kind_of({"type": "audio", "payload": {"url": "https://x/a.mp4"}})[0] == "audio"
    assert (
        kind_of(
            {"type": "image", "payload": {"url": "https://x/l.png", "sticker_id": 369239263222822}}
        )[0]
        == "sticker"
    )
    assert kind_of({"type": "fallback", "payload": None}) == ("fallback", None)


def test_words_beside_a_link_s_preview_stay_text_and_beside_a_photo_are_its_caption() -> None:
    preview = {"type": "fallback", "payload": {"url": "https://fredericia.dk", "title": "Forside"}}
    linked = inbound.read(
        event(message={"mid": "m1", "text": "Se https://fredericia.dk", "attachments": [preview]})
    )
    assert linked is not None
    assert (linked.text, linked.attachment) == ("Se https://fredericia.dk", None)
    photo = {"type": "image", "payload": {"url": "https://x/1.jpg"}}
    captioned = inbound.read(event(message={"mid": "m2", "text": "Bænken", "attachments": [photo]}))
    assert captioned is not None
    assert captioned.text == "Bænken"
    assert captioned.attachment == inbound.Attachment("image", "https://x/1.jpg")


async def _recorded(
    services: Services,
    clock: FakeClock,
    raw: dict[str, Any],
    fetched: inbound.Fetched | None = None,
) -> inbound.Recorded:
    read = inbound.read(raw)
    assert read is not None
    async with services.db.transaction() as connection:
        return await inbound.record(
            connection, services.db, read, fetched or inbound.Fetched(), UPDATE_ID, clock()
        )


async def test_a_text_is_telegram_s_private_message_and_a_command_is_marked_as_one(
    database: Target,
) -> None:
    clock = FakeClock()
    async with built_services(database, clock, []) as services:
        profile = {"first_name": "Mette", "last_name": "Hansen", "locale": "da_DK"}
        first = await _recorded(
            services,
            clock,
            event(message={"mid": "m1", "text": "/start ref-AB"}),
            inbound.Fetched(profile),
        )
        second = await _recorded(
            services, clock, event(message={"mid": "m2", "text": "Hej /start"})
        )
    assert first.user_id == FIRST
    assert first.update is not None
    assert second.update is not None
    update = Update.de_json(first.update, None)
    message = update.message
    assert message is not None
    assert (message.message_id, message.text) == (1, "/start ref-AB")
    assert message.parse_entities() == {message.entities[0]: "/start"}
    assert message.chat.type == "private"
    assert message.chat.id == FIRST
    assert message.from_user is not None
    assert message.from_user.full_name == "Mette Hansen"
    assert message.from_user.language_code == "da"
    later = Update.de_json(second.update, None).message
    assert later is not None
    assert later.message_id == 2
    assert not later.entities  # only a command at the start is one, as on Telegram


async def test_a_press_is_rebuilt_on_the_message_it_was_shown_with(database: Target) -> None:
    clock = FakeClock()
    keyboard = {"inline_keyboard": [[{"text": "Ja", "callback_data": "amb:stay:1"}]]}
    async with built_services(database, clock, []) as services:
        async with services.db.transaction() as connection:
            user_id = await store.person_of(connection, "P1", clock())
            shown = {"text": "Vil du blive?", "reply_markup": keyboard}
            message_id = await store.remember_message(connection, user_id, shown, clock())
        known = await _recorded(
            services, clock, event(postback={"payload": payloads.action(message_id, "amb:stay:1")})
        )
        unknown = await _recorded(
            services,
            clock,
            event(postback={"payload": payloads.action(99, "amb:stay:1"), "mid": "m-x"}),
        )
    assert known.update is not None
    query = Update.de_json(known.update, None).callback_query
    assert query is not None
    assert payloads.person_of_callback(query.id) == user_id
    assert query.data == "amb:stay:1"
    assert isinstance(query.message, Message)  # a message the journeys can read and edit
    assert query.message.text == "Vil du blive?"
    assert query.message.reply_markup is not None
    assert query.message.reply_markup.to_dict() == keyboard
    assert unknown.update is not None
    stale = Update.de_json(unknown.update, None).callback_query
    assert stale is not None
    assert isinstance(stale.message, Message)
    assert stale.message.text == ""


def _mp4(seconds: int, version: int = 0) -> bytes:
    """A voice clip's skeleton as Messenger sends it: a file type box, then the movie header."""
    times = 8 if version else 4
    fields = bytes(4 + 2 * times) + (1000).to_bytes(4) + (seconds * 1000).to_bytes(times)
    header = bytes([version, 0, 0, 0]) + fields[4:]
    mvhd = (8 + len(header) + 80).to_bytes(4) + b"mvhd" + header + bytes(80)
    moov = (8 + len(mvhd)).to_bytes(4) + b"moov" + mvhd
    return (16).to_bytes(4) + b"ftypM4A " + bytes(4) + moov


@pytest.mark.parametrize("version", [0, 1])
def test_a_voice_clip_s_length_is_read_from_its_movie_header(version: int) -> None:
    assert inbound.seconds_of_mp4(_mp4(42, version)) == 42
    assert inbound.seconds_of_mp4(b"not an mp4 at all") == 0
    assert inbound.seconds_of_mp4(_mp4(42)[:40]) == 0  # cut short


def _message(recorded: inbound.Recorded) -> Message:
    assert recorded.update is not None
    message = Update.de_json(recorded.update, None).message
    assert message is not None
    return message


async def test_a_photo_and_a_voice_note_are_kept_and_other_files_are_not(database: Target) -> None:
    clock = FakeClock()

    def sent(kind: str, mid: str, **more: str) -> dict[str, Any]:
        attachment = {"type": kind, "payload": {"url": "https://x/f"}}
        return event(message={"mid": mid, "attachments": [attachment], **more})

    jpeg = inbound.Fetched(data=b"jpeg", mime_type="image/jpeg")
    aac = inbound.Fetched(data=_mp4(7), mime_type="audio/mp4")
    async with built_services(database, clock, []) as services:
        photo = _message(await _recorded(services, clock, sent("image", "m1", text="Bænken"), jpeg))
        voice = _message(await _recorded(services, clock, sent("audio", "m2"), aac))
        video = _message(await _recorded(services, clock, sent("video", "m3")))
        kept = await store.file(services.db, 2)
    assert (photo.photo[-1].file_id, photo.caption) == (channel_file_id(1), "Bænken")
    assert voice.voice is not None
    assert (voice.voice.file_id, voice.voice.mime_type) == (channel_file_id(2), "audio/mp4")
    assert kept == (_mp4(7), "audio/mp4")
    assert voice.voice.duration == timedelta(seconds=7)
    assert video.document is not None
    assert video.document.file_id == inbound.NOT_KEPT


async def test_a_press_for_the_next_page_opens_the_window_and_is_no_update(
    database: Target,
) -> None:
    clock = FakeClock()
    async with built_services(database, clock, []) as services:
        turned = await _recorded(services, clock, event(postback={"payload": payloads.page(4, 2)}))
        assert await store.psid_of(services.db, turned.user_id) == ("P1", clock())
    assert turned.update is None


async def test_old_events_are_forgotten_but_the_newest_is_kept_so_no_number_comes_again(
    database: Target,
) -> None:
    clock = FakeClock()
    async with built_services(database, clock, []) as services:
        async with services.db.transaction() as connection:
            for mid in ("a", "b", "c"):
                await store.take_event(connection, mid, clock())
        clock.advance(days=KEEP.days + 1)
        async with services.db.transaction() as connection:
            assert await store.forget_events_before(connection, clock() - KEEP) == 2
            number, first = await store.take_event(connection, "d", clock())
            assert (number, first) == (4, True)
            assert await store.take_event(connection, "c", clock()) == (3, False)


async def test_the_page_s_menu_and_greeting_keep_within_meta_s_limits(database: Target) -> None:
    async with built_services(database, FakeClock(), []) as services:
        translators = services.translators
    for default in translators:
        profile = messenger_profile(translators, default)
        assert profile["persistent_menu"][0]["locale"] == "default"
        assert profile["greeting"][0]["locale"] == "default"
        for menu in profile["persistent_menu"]:
            assert 1 <= len(menu["call_to_actions"]) <= 20
            for item in menu["call_to_actions"]:
                assert 1 <= len(item["title"]) <= TITLE_MAX
                assert payloads.read(item["payload"]) is not None
        for greeting in profile["greeting"]:
            assert 1 <= len(greeting["text"]) <= GREETING_MAX
