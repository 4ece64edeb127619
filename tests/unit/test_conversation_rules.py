"""Conversations of several kinds side by side: the latest gets what is typed, a waiting one can
be resumed as it stands, one kind is never changed through another, and drafts expire."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.services import Services
from bot.services.conversations import ConversationKind
from bot.services.newsletters import Kind, Problem, Step, Text
from tests.conftest import FakeClock
from tests.unit.conftest import Target, built_services

NEWSLETTER, EVENT, NOTE = ConversationKind.NEWSLETTER, ConversationKind.EVENT, ConversationKind.NOTE


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def services(database: Target, clock: FakeClock) -> AsyncIterator[Services]:
    async with built_services(database, clock, (1, 2)) as built:
        yield built


async def test_resuming_a_waiting_draft_makes_it_the_one_that_gets_what_is_typed(
    services: Services,
) -> None:
    conversations = services.conversations
    await conversations.put(1, NEWSLETTER, "body", {"title": "Vinter"})
    await conversations.put(1, NOTE, "answered", {"bold": 7})
    current = await conversations.current(1)
    assert current is not None
    assert current.name == NOTE

    resumed = await conversations.resume(1, NEWSLETTER)

    assert resumed is not None
    assert (resumed.name, resumed.step, resumed.answers) == (
        "newsletter",
        "body",
        {"title": "Vinter"},
    )
    current = await conversations.current(1)
    assert current is not None
    assert current.name == NEWSLETTER
    assert await conversations.current(1, NOTE) is not None, "the other one still waits"


async def test_a_draft_that_is_gone_cannot_be_resumed(services: Services) -> None:
    conversations = services.conversations
    await conversations.put(1, NEWSLETTER, "body", {})
    await conversations.put(2, EVENT, "title", {})
    assert await conversations.cancel(1, NEWSLETTER) is True

    assert await conversations.resume(1, NEWSLETTER) is None
    assert await conversations.resume(1, EVENT) is None, "another person's draft is not theirs"
    assert await conversations.cancel(1, NEWSLETTER) is False, "dropped once"


async def test_a_waiting_draft_still_expires_after_a_day(
    services: Services, clock: FakeClock
) -> None:
    conversations = services.conversations
    await conversations.put(1, NEWSLETTER, "body", {})
    clock.advance(hours=23)
    await conversations.put(1, NOTE, "answered", {"bold": 7})
    clock.advance(hours=2)

    assert await conversations.resume(1, NEWSLETTER) is None
    current = await conversations.current(1)
    assert current is not None
    assert current.name == NOTE


async def test_an_answer_goes_to_the_draft_of_its_kind_even_when_another_is_newer(
    services: Services,
) -> None:
    news = services.newsletters
    await news.begin(1, Kind.NEWSLETTER)
    await news.answer(1, Kind.NEWSLETTER, Step.TITLE, "Vinter")
    await news.begin(1, Kind.EVENT)  # newer, at its first step

    result = await news.answer(1, Kind.NEWSLETTER, Step.BODY, Text(html="Tæpper.", plain="Tæpper."))

    assert result.problem is None
    assert result.draft is not None
    assert (result.draft.kind, result.draft.step) == (Kind.NEWSLETTER, Step.PHOTO)
    event = await news.draft(1, Kind.EVENT)
    assert event is not None
    assert (event.step, event.answers) == (Step.EVENT_KIND, {})
    wrong = await news.answer(1, Kind.EVENT, Step.BODY, Text(html="x", plain="x"))
    assert wrong.problem is Problem.NOT_NOW, "a step of the newsletter is not the event's"


async def test_a_draft_counts_as_answered_only_after_a_step_past_its_start(
    services: Services,
) -> None:
    news = services.newsletters
    await news.begin(1, Kind.NEWSLETTER)
    started = await services.conversations.current(1, NEWSLETTER)
    assert started is not None
    assert started.answered is False

    await news.answer(1, Kind.NEWSLETTER, Step.TITLE, "Vinter")
    answered = await services.conversations.current(1, NEWSLETTER)
    assert answered is not None
    assert answered.answered is True

    await news.begin(1, Kind.NEWSLETTER)
    again = await services.conversations.current(1, NEWSLETTER)
    assert again is not None
    assert (again.step, again.answers, again.answered) == ("title", {}, False)


async def test_a_note_is_never_answered_in_between_so_another_bold_simply_replaces_it(
    services: Services,
) -> None:
    await services.conversations.start(1, NOTE, "answered", {"bold": 7})
    note = await services.conversations.current(1, NOTE)
    assert note is not None
    assert note.answered is False


async def test_a_draft_is_dropped_for_a_restart_only_as_it_stood_when_the_person_was_asked(
    services: Services,
) -> None:
    conversations = services.conversations
    await conversations.put(1, NEWSLETTER, "body", {"title": "Vinter"})
    asked = await conversations.current(1, NEWSLETTER)
    assert asked is not None
    await conversations.put(1, NEWSLETTER, "photo", {"title": "Vinter", "html": "Tæpper."})

    assert await conversations.drop_unchanged(1, NEWSLETTER, asked.touched) is False
    assert await conversations.current(1, NEWSLETTER) is not None, "moved on since: kept"
    now = await conversations.current(1, NEWSLETTER)
    assert now is not None
    assert await conversations.drop_unchanged(2, NEWSLETTER, now.touched) is False
    assert await conversations.drop_unchanged(1, NEWSLETTER, now.touched) is True
    assert await conversations.current(1, NEWSLETTER) is None


async def test_a_stopped_draft_is_hidden_and_undo_brings_it_back_exactly_once(
    services: Services,
) -> None:
    conversations = services.conversations
    await conversations.put(1, NEWSLETTER, "body", {"title": "Vinter"})
    await conversations.put(1, NOTE, "answered", {"bold": 7})

    stopped = await conversations.stop(1, NEWSLETTER)

    assert stopped is not None
    assert await conversations.current(1, NEWSLETTER) is None
    assert await conversations.stop(1, NEWSLETTER) is None, "already stopped"
    assert await conversations.resume(1, NEWSLETTER) is None, "hidden from Continue"
    assert await conversations.undo(2, NEWSLETTER, stopped.touched) is None, "someone else's"
    back = await conversations.undo(1, NEWSLETTER, stopped.touched)
    assert back is not None
    assert (back.step, back.answers, back.answered) == ("body", {"title": "Vinter"}, True)
    current = await conversations.current(1)
    assert current is not None
    assert current.name == NEWSLETTER, "the one brought back gets what is typed"
    assert await conversations.undo(1, NEWSLETTER, stopped.touched) is None, "once"


async def test_a_draft_at_its_first_question_stops_for_good_and_a_new_start_replaces_a_stopped(
    services: Services,
) -> None:
    conversations = services.conversations
    await conversations.start(1, NEWSLETTER, "title", {})
    empty = await conversations.stop(1, NEWSLETTER)
    assert empty is not None
    assert await conversations.undo(1, NEWSLETTER, empty.touched) is None, "nothing to keep"

    await conversations.put(1, NEWSLETTER, "body", {"title": "Vinter"})
    stopped = await conversations.stop(1, NEWSLETTER)
    assert stopped is not None
    await conversations.start(1, NEWSLETTER, "title", {})
    assert await conversations.undo(1, NEWSLETTER, stopped.touched) is None
    fresh = await conversations.current(1, NEWSLETTER)
    assert fresh is not None
    assert (fresh.step, fresh.answers) == ("title", {})


async def test_undo_is_gone_once_the_stopped_draft_has_expired(
    services: Services, clock: FakeClock
) -> None:
    conversations = services.conversations
    await conversations.put(1, NEWSLETTER, "body", {"title": "Vinter"})
    clock.advance(hours=23)
    stopped = await conversations.stop(1, NEWSLETTER)
    assert stopped is not None
    clock.advance(hours=2)
    back = await conversations.undo(1, NEWSLETTER, stopped.touched)
    assert back is not None, "a day counts from the stop"
    await conversations.stop(1, NEWSLETTER)
    clock.advance(days=1, seconds=1)

    assert await conversations.undo(1, NEWSLETTER, back.touched) is None


# The inline keyboard of a question, in its Bot API form, as handlers/conversation.py keeps it.
BUTTONS = {
    "inline_keyboard": [
        [
            {"text": "▶️ Fortsæt", "callback_data": "conv:resume:bold"},
            {"text": "🔄 Start forfra", "callback_data": "conv:restart:bold:3:new"},
        ]
    ]
}


async def test_a_question_that_waits_for_a_button_is_kept_in_the_database_until_a_press(
    database: Target, clock: FakeClock
) -> None:
    async with built_services(database, clock, (1, 2)) as services:
        await services.conversations.ask(1, "Vil du fortsætte?", BUTTONS)
    # Another process (or the same after a restart), on the same database, knows it.
    async with built_services(database, clock, ()) as services:
        conversations = services.conversations
        asked = await conversations.asking(1)
        assert asked is not None
        assert (asked.text, asked.buttons) == ("Vil du fortsætte?", BUTTONS)
        assert await conversations.asking(2) is None, "another person's is not theirs"

        await conversations.ask(1, "Slet alt?", {"inline_keyboard": []})
        asked = await conversations.asking(1)
        assert asked is not None
        assert asked.text == "Slet alt?", "the newest question replaces the one before"

        await conversations.moved_on(1)
        assert await conversations.asking(1) is None
        await conversations.moved_on(1)  # nothing waits: nothing to do
        assert await conversations.asking(1) is None


async def test_a_waiting_question_is_forgotten_after_a_day_and_erased_with_the_person(
    services: Services, clock: FakeClock
) -> None:
    conversations = services.conversations
    await conversations.ask(1, "Vil du fortsætte?", BUTTONS)
    clock.advance(hours=23)
    assert await conversations.asking(1) is not None
    clock.advance(hours=2)
    assert await conversations.asking(1) is None, "a day later, what is typed goes on"

    await conversations.ask(2, "Slet alt?", BUTTONS)
    exported = (await services.privacy.my_data(2)).rows["questions_waiting"]
    assert [row["text"] for row in exported] == ["Slet alt?"], "in /mydata's file"
    await services.privacy.erase(2, (await services.privacy.erasure_scope(2)).since)
    assert await conversations.asking(2) is None
