"""Unknown input, a forced handler error, a person who blocked the bot, and Telegram's 429."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator

import pytest
from telegram import Update
from telegram.ext import CommandHandler

from bot.app import BoldenApp, build_application, running
from bot.config import Settings
from bot.context import BoldenContext
from bot.sandbox.emulator import BotApiEmulator, SimulatedPerson
from tests.conftest import until


@pytest.mark.usefixtures("bot")
async def test_unknown_command_gets_a_helpful_answer(anna: SimulatedPerson) -> None:
    reply = await anna.send("/ambassadr now")

    assert reply.text.startswith("Kommandoen /ambassadr kender jeg ikke. Skriv /help")
    assert len(reply.buttons) == 7


@pytest.mark.usefixtures("bot")
async def test_free_text_can_become_a_bold_and_is_never_silently_dropped(
    john: SimulatedPerson, query
) -> None:
    hello = await john.send("hi")
    assert hello.text.startswith("Hi John! 👋"), "a first hello without /start gets the welcome"
    assert "📨 Send a bold" in str(hello.buttons)
    assert "not been passed on" not in hello.text
    short = await john.send("hi")
    assert short.text.startswith("Thank you for your message. It has not been passed on.")

    offer = await john.send("Someone is sleeping outside the station")
    assert offer.text.startswith(
        "Thank you for your message. Do you want to send it as a bold (Danish for “ball”)?"
    )
    changed_mind = await john.send("Actually: someone sleeps outside the station every night")
    assert changed_mind.text == offer.text
    photo = await john.press(changed_mind, "A problem to report")
    assert photo.text.startswith("🚨 Is someone's life or health at risk? Call 112 now.")
    assert "Do you have a photo that shows it?" in photo.text
    [draft] = query("SELECT answers FROM conversations")
    assert "every night" in draft["answers"]


@pytest.mark.usefixtures("bot")
async def test_a_newcomers_first_words_get_the_welcome_and_then_the_offer(
    anna: SimulatedPerson, query
) -> None:
    welcome = await anna.send("Der mangler lys på stien bag skolen.")

    assert welcome.text.startswith("Hej Anna! 👋")
    assert "📨 Send en bold" in str(welcome.buttons), "the menu, as /start shows it"
    await anna.emulator.wait_for(lambda: len(anna.messages) > 1, what="the offer")
    offer = anna.messages[1]
    assert offer.text.startswith("Tak for din besked. Vil du sende den som en bold?")
    photo = await anna.press(offer, "En idé")
    assert photo.text.startswith("Har du et billede"), "what was typed is kept as the text"
    [draft] = query("SELECT answers FROM conversations")
    assert json.loads(draft["answers"])["text"] == "Der mangler lys på stien bag skolen."


@pytest.mark.usefixtures("bot")
async def test_a_photo_with_a_caption_is_offered_as_a_bold_with_both_kept(
    anna: SimulatedPerson, query
) -> None:
    await anna.send("/start")
    offer = await anna.send_photo(caption="Affald på legepladsen i Bymidten.")

    assert offer.text.startswith("Tak for din besked. Vil du sende den som en bold?")
    themes = await anna.press(offer, "En idé")
    assert themes.text.startswith("Hvilke af strategiens temaer"), "text and photo are there"
    summary = await anna.press(themes, "Videre")
    assert "Affald på legepladsen i Bymidten." in summary.text
    assert "📷 Med billede" in summary.text
    await anna.press(summary, "📨 Send")
    [row] = query("SELECT text, photo_file_id IS NOT NULL FROM bolde")
    assert tuple(row) == ("Affald på legepladsen i Bymidten.", 1)


@pytest.mark.usefixtures("bot")
async def test_a_photo_without_words_is_offered_and_kept_while_the_words_are_asked(
    anna: SimulatedPerson, query
) -> None:
    await anna.send("/start")
    offer = await anna.send_photo()

    assert offer.text.startswith("Tak for din besked. Vil du sende den som en bold?")
    words = await anna.press(offer, "Et problem")
    assert "📷 Dit billede er med.\n\nSkriv med dine egne ord" in words.text
    place = await anna.send("Et væltet træ spærrer cykelstien.")
    assert "Hvor er det?" in place.text, "the photo is not asked for again"
    [draft] = query("SELECT answers FROM conversations")
    assert json.loads(draft["answers"])["photo"], "the photo is the bold's photo"


STICKER = {"sticker": {"file_id": "s1", "file_unique_id": "s1", "width": 512, "height": 512,
                       "is_animated": False, "is_video": False, "type": "regular"}}  # fmt: skip
DOCUMENT = {"document": {"file_id": "d1", "file_unique_id": "d1", "file_name": "brev.pdf"}}


@pytest.mark.usefixtures("bot")
async def test_stickers_places_and_files_get_an_answer_that_fits_them(
    anna: SimulatedPerson,
) -> None:
    await anna.send("/start")
    sticker = await anna.share(STICKER)
    assert sticker.text.startswith("Tak for klistermærket 🙂")
    place = await anna.send_location(55.56, 9.75)
    assert place.text.startswith("Tak! En placering kan jeg kun bruge, når du melder et problem")
    document = await anna.share(DOCUMENT)
    assert document.text.startswith("Tak! Den slags besked kan jeg ikke tage imod")
    assert "billede" not in sticker.text + place.text.split(".")[0], "no picture text for them"


@pytest.mark.usefixtures("bot")
async def test_media_at_a_step_of_bold_is_answered_at_that_step_and_the_draft_goes_on(
    anna: SimulatedPerson, query
) -> None:
    await anna.press(await anna.send("/bold"), "En idé")

    sticker = await anna.share(STICKER)
    assert sticker.text.startswith("Her skal der en tekst eller en talebesked til.")
    assert "✖️ Stop" in [b["text"] for b in sticker.buttons], "still in the draft, not the menu"
    photo = await anna.send("Bænke ved stranden, så flere kan sidde ned.")
    assert photo.text.startswith("Har du et billede")
    voice = await anna.send_voice(5)
    assert voice.text.startswith("Send et billede, eller tryk Spring over.")
    document = await anna.share(DOCUMENT)
    assert document.text.startswith("Send et billede, eller tryk Spring over.")
    [draft] = query("SELECT step, answers FROM conversations")
    assert draft["step"] == "photo"
    assert json.loads(draft["answers"])["text"] == "Bænke ved stranden, så flere kan sidde ned."


async def _fail(update: Update, context: BoldenContext) -> None:
    raise RuntimeError("the handler broke")


@pytest.fixture
async def fragile_bot(settings: Settings) -> AsyncIterator[BoldenApp]:
    application = build_application(settings)
    # First in group 0, where features live: a command whose handler always fails.
    application.handlers[0].insert(0, CommandHandler("boom", _fail))
    async with running(application):
        yield application


@pytest.mark.usefixtures("fragile_bot")
async def test_a_failing_handler_is_reported_and_logged(
    john: SimulatedPerson, caplog: pytest.LogCaptureFixture
) -> None:
    await john.send("/start")

    reply = await john.send("/boom")

    assert reply.text == (
        "Sorry, something went wrong on my side. What you did before is saved, but maybe not "
        "the last step. Try again in a moment, or type /start."
    )
    [record] = [r for r in caplog.records if r.name == "handlers.errors"]
    assert record.levelno == logging.ERROR
    assert record.getMessage() == "Update 2 failed"
    assert record.exc_info is not None
    assert "the handler broke" in str(record.exc_info[1])
    assert (await john.send("/start")).text.startswith("Hi John!"), "the bot goes on"


@pytest.mark.usefixtures("bot")
async def test_blocking_and_unblocking_are_remembered(anna: SimulatedPerson, query) -> None:
    await anna.send("/start")

    await anna.block()
    await until(lambda: query("SELECT blocked_at FROM people")[0]["blocked_at"] is not None)
    await anna.unblock()
    await until(lambda: query("SELECT blocked_at FROM people")[0]["blocked_at"] is None)

    assert len(anna.messages) == 1, "the bot wrote nothing about it"


@pytest.mark.usefixtures("bot")
async def test_a_reply_refused_with_403_marks_the_person_and_is_not_retried(
    anna: SimulatedPerson, emulator: BotApiEmulator, query
) -> None:
    await anna.send("/start")
    # She blocks the bot right after writing, and Telegram's notice of it has not arrived yet.
    emulator.blocked.add(anna.id)
    await anna.send("hej", wait=False)

    await until(lambda: query("SELECT blocked_at FROM people")[0]["blocked_at"] is not None)
    sends = [p for m, p in emulator.requests if m == "sendMessage" and p["chat_id"] == anna.id]
    assert len(sends) == 2, "one greeting, one refused reply, no retries and no error message"
    assert [r for r in emulator.refusals if r[0] == "sendMessage"] == [("sendMessage", 403)]

    emulator.blocked.discard(anna.id)
    assert (await anna.send("/start")).text.startswith("Hej Anna!")
    assert query("SELECT blocked_at FROM people")[0]["blocked_at"] is None


async def test_too_many_requests_are_retried_by_the_rate_limiter(
    settings: Settings, emulator: BotApiEmulator
) -> None:
    limited = BotApiEmulator(emulator.token, per_chat_rate=1)
    async with limited:
        person = limited.person(1001, "Anna", "da")
        application = build_application(settings.model_copy(update={"api_base_url": limited.url}))
        async with running(application):
            await person.send("/help", wait=False)
            await person.send("/about", wait=False)

            await limited.wait_for(lambda: len(person.messages) == 2, what="both answers")

    assert [code for method, code in limited.refusals if method == "sendMessage"] == [429]
    assert person.messages[0].text.startswith("Det kan du her")
    assert person.messages[1].text.startswith("Strategi for Udsathed")


@pytest.mark.usefixtures("bot")
async def test_a_sticker_while_signing_up_is_answered_there_and_the_sign_up_goes_on(
    anna: SimulatedPerson, query
) -> None:
    await anna.press(await anna.send("/ambassador"), "Forening")
    [before] = query("SELECT name, step FROM conversations")

    reply = await anna.share(STICKER)

    assert reply.text == "Skriv dit svar som tekst, tak."
    assert "Tak for klistermærket" not in reply.text, "not the answer outside a conversation"
    assert [tuple(row) for row in query("SELECT name, step FROM conversations")] == [tuple(before)]
