"""The sign-up's rules on a real SQLite file: validation, the order of questions, numbers."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.config import DEFAULT_CONTENT
from bot.services.ambassadors import (
    AmbassadorService,
    Joined,
    Left,
    Mode,
    Problem,
    Stayed,
    Step,
    validate,
)
from bot.services.conversations import Conversations
from bot.services.delivery import DeliveryService, OutboxItem
from bot.services.people import PeopleService
from bot.services.privacy import PrivacyService
from bot.strategy import load_strategy
from storage.database import Database
from storage.migrations import MIGRATIONS, migrate
from tests.conftest import FakeClock


@pytest.mark.parametrize(
    ("step", "value", "expected"),
    [
        (Step.NAME, "  Anna  ", ("Anna", None)),
        (Step.NAME, "x" * 65, (None, Problem.TOO_LONG)),
        (Step.NAME, "", (None, Problem.EMPTY)),
        (Step.NAME, None, (None, Problem.NOT_SKIPPABLE)),
        (Step.ORGANISATION, None, (None, Problem.NOT_SKIPPABLE)),
        (Step.DESCRIPTION, "x" * 500, ("x" * 500, None)),
        (Step.DESCRIPTION, "x" * 501, (None, Problem.TOO_LONG)),
        (Step.DESCRIPTION, None, (None, None)),
        (Step.WEBSITE, "https://forening.dk/om", ("https://forening.dk/om", None)),
        (Step.WEBSITE, "http://x.dk", ("http://x.dk", None)),
        (Step.WEBSITE, "www.rodekors.dk", ("https://www.rodekors.dk", None)),
        (Step.WEBSITE, " forening.dk/om ", ("https://forening.dk/om", None)),
        (Step.WEBSITE, "forening dk", (None, Problem.NOT_A_WEBSITE)),
        (Step.WEBSITE, "forening", (None, Problem.NOT_A_WEBSITE)),
        (Step.WEBSITE, "x" * 193 + ".dk", (None, Problem.TOO_LONG)),
        (Step.WEBSITE, "ftp://forening.dk", (None, Problem.NOT_A_WEBSITE)),
        (Step.WEBSITE, "https://localhost", (None, Problem.NOT_A_WEBSITE)),
        (Step.EMAIL, "a@b.dk", ("a@b.dk", None)),
        (Step.EMAIL, "a@b", (None, Problem.NOT_AN_EMAIL)),
        (Step.EMAIL, "a b@c.dk", (None, Problem.NOT_AN_EMAIL)),
    ],
)
def test_answers_are_validated(
    step: Step, value: str | bool | None, expected: tuple[object, Problem | None]
) -> None:
    assert validate(step, value) == expected


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "bolden.sqlite3")
    await migrate(database)
    for user_id in (1, 2, 3):
        await PeopleService(database, FakeClock(), "da").seen(user_id, "da")
    yield database
    await database.close()


@pytest.fixture
def service(db: Database) -> AmbassadorService:
    clock, strategy = FakeClock(), load_strategy(DEFAULT_CONTENT)
    delivery = DeliveryService(db, clock, strategy)
    return AmbassadorService(db, clock, strategy, 365, 30, Conversations(db, clock), delivery)


async def untold(joined: Joined) -> list[OutboxItem]:
    raise AssertionError(f"nobody invited {joined.name}")


async def told(joined: Joined) -> list[OutboxItem]:
    return [("telegram", joined.inviter_id, None, {"text": f"{joined.name} joined"})]


async def walk(
    service: AmbassadorService, user_id: int, answers: list[str | bool | None]
) -> list[Step]:
    steps = [(await service.start_signup(user_id)).step]
    for value in answers:
        result = await service.answer(user_id, Mode.SIGNUP, value)
        assert result.problem is None, result.problem
        assert result.conversation is not None
        steps.append(result.conversation.step)
    return steps


async def test_a_citizen_is_asked_five_things(service: AmbassadorService) -> None:
    steps = await walk(service, 1, ["citizen", "Anna", None, False])

    assert steps == [Step.KIND, Step.NAME, Step.EMAIL, Step.LISTED, Step.CONSENT]


async def test_an_association_is_asked_about_itself_and_the_newsletter_once(
    service: AmbassadorService,
) -> None:
    steps = await walk(service, 1, ["association", "Anna", "Klubben", None, None, "a@b.dk", False])

    assert steps == [
        Step.KIND, Step.NAME, Step.ORGANISATION, Step.DESCRIPTION, Step.WEBSITE,
        Step.EMAIL, Step.LISTED, Step.CONSENT,
    ]  # fmt: skip
    anna = await service.consent(1, True, untold)
    assert anna is not None
    assert (anna.email, anna.newsletter_by_email) == ("a@b.dk", True), "an address is a yes"


async def test_leaving_and_the_yearly_answer_happen_once(
    service: AmbassadorService, db: Database
) -> None:
    await walk(service, 1, ["citizen", "Anna", None, False])
    await service.consent(1, True, untold)

    assert await service.stay(1, True) is Stayed.ALREADY_STAYING, "not asked: nothing to answer"
    assert await service.leave(1) is Left.NOW
    assert await service.leave(1) is Left.ALREADY
    assert await service.stay(1, False) is Stayed.ALREADY_LEFT
    assert await service.stay(1, True) is Stayed.ALREADY_LEFT
    assert await service.leave(2) is Left.NEVER
    assert await service.stay(2, True) is Stayed.NEVER


async def test_back_skips_questions_that_do_not_apply(service: AmbassadorService) -> None:
    await walk(service, 1, ["citizen", "Anna", None, False])

    back = await service.back(1, Mode.SIGNUP)

    assert back is not None
    assert back.step is Step.LISTED
    again = await service.back(1, Mode.SIGNUP)
    assert again is not None
    assert again.step is Step.EMAIL


async def test_consent_is_needed_and_only_at_the_end(service: AmbassadorService) -> None:
    await walk(service, 1, ["citizen"])
    assert await service.consent(1, True, untold) is None, "not at the consent question yet"

    await walk(service, 1, ["citizen", "Anna", None, False])
    ambassador = await service.consent(1, True, untold)

    assert ambassador is not None
    assert (ambassador.number, ambassador.status, ambassador.kind) == (1, "active", "citizen")
    assert await service.conversation(1, Mode.SIGNUP) is None


async def test_numbers_are_never_given_twice(service: AmbassadorService, db: Database) -> None:
    for user_id in (1, 2):
        await walk(service, user_id, ["citizen", f"Person {user_id}", None, False])
        await service.consent(user_id, True, untold)
    privacy = PrivacyService(db, FakeClock())
    await privacy.erase(2, (await privacy.erasure_scope(2)).since)

    await walk(service, 3, ["citizen", "Person 3", None, False])
    third = await service.consent(3, True, untold)

    assert third is not None
    assert third.number == 3


async def test_topics_are_only_the_strategys(service: AmbassadorService) -> None:
    await walk(service, 1, ["citizen", "Anna", None, False])
    await service.consent(1, True, untold)

    assert await service.toggle_topic(1, "no_such_theme") is None
    chosen = await service.toggle_topic(1, "bolig")
    assert chosen is not None
    assert chosen.topics == ["bolig"]
    assert await service.toggle_topic(2, "bolig") is None, "not an ambassador"


async def test_an_answer_goes_to_the_sign_up_or_edit_it_names_even_when_the_other_is_newer(
    service: AmbassadorService,
) -> None:
    await walk(service, 1, ["citizen", "Anna", None, False])
    await service.consent(1, True, untold)
    await service.start_edit(1, Step.NAME)
    await service.start_signup(1)  # newer, at its first question

    saved = await service.answer(1, Mode.EDIT, "Anna Berg")

    assert saved.saved is not None
    assert saved.saved.display_name == "Anna Berg"
    signup = await service.conversation(1, Mode.SIGNUP)
    assert signup is not None
    assert signup.step is Step.KIND, "the sign-up did not move"
    assert await service.conversation(1, Mode.EDIT) is None


async def test_the_inviter_is_told_once_when_someone_becomes_an_ambassador_through_their_link(
    service: AmbassadorService, db: Database
) -> None:
    people = PeopleService(db, FakeClock(), "da")
    await walk(service, 1, ["citizen", "Anna", None, False])
    anna = await service.consent(1, True, untold)
    assert anna is not None
    await people.arrived_through(2, f"ref-{anna.referral_code}")
    assert await service.invited_by(2) == anna

    await walk(service, 2, ["citizen", "Mette", None, False])
    mette = await service.consent(2, True, told)
    await service.leave(2)
    await walk(service, 2, ["citizen", "Mette", None, False])
    await service.consent(2, True, untold)  # back after leaving: the same row, told before

    assert mette is not None
    assert mette.referred_by == 1
    rows = await db.fetch_all("SELECT user_id, payload FROM outbox")
    assert [(row["user_id"], row["payload"]) for row in rows] == [(1, '{"text": "Mette joined"}')]
    assert await service.invited_by(2) is None, "an ambassador is not greeted as invited"


async def test_nobody_is_invited_by_their_own_link_or_by_someone_who_left(
    service: AmbassadorService, db: Database
) -> None:
    people = PeopleService(db, FakeClock(), "da")
    await walk(service, 1, ["citizen", "Anna", None, False])
    anna = await service.consent(1, True, untold)
    assert anna is not None
    await service.leave(1)
    for user_id in (1, 2):
        await people.arrived_through(user_id, f"ref-{anna.referral_code}")
    await people.arrived_through(3, "ref-nosuchcode")

    assert await service.invited_by(1) is None
    assert await service.invited_by(2) is None
    assert await service.invited_by(3) is None
    await walk(service, 2, ["citizen", "Mette", None, False])
    assert (await service.consent(2, True, untold)) is not None


async def test_a_sign_up_waiting_at_the_old_newsletter_question_moves_on_to_consent(
    tmp_path: Path,
) -> None:
    """Migration 0017: the e-mail question is the newsletter question now; a sign-up stored at
    the yes/no question that followed it resumes at the consent, its address a yes."""
    before = tmp_path / "before"
    before.mkdir()
    for path in MIGRATIONS.glob("*.sql"):
        if int(path.name[:4]) < 17:
            shutil.copy(path, before / path.name)
    database = await Database.open(tmp_path / "bolden.sqlite3")
    await migrate(database, before)
    async with database.transaction() as connection:
        for user_id in (1, 2):  # as the schema of then holds them
            await connection.execute(
                "INSERT INTO people (user_id, language, first_seen, last_seen)"
                " VALUES (?, 'da', '2026-11-22T12:00:00+00:00', '2026-11-22T12:00:00+00:00')",
                (user_id,),
            )
    answers = '{"kind": "citizen", "display_name": "Anna", "email": "a@b.dk"}'
    async with database.transaction() as connection:
        for user_id, name in ((1, "signup"), (2, "edit")):
            await connection.execute(
                "INSERT INTO conversations (user_id, name, step, answers, updated_at, answered, "
                "touched) VALUES (?, ?, 'newsletter_by_email', ?, ?, 1, 1)",
                (user_id, name, answers, "2026-11-22T12:00:00+00:00"),
            )

    await migrate(database)
    clock, strategy = FakeClock(), load_strategy(DEFAULT_CONTENT)
    service = AmbassadorService(
        database, clock, strategy, 365, 30, Conversations(database, clock),
        DeliveryService(database, clock, strategy),
    )  # fmt: skip
    waiting = await service.conversation(1, Mode.SIGNUP)
    anna = await service.consent(1, True, untold)
    edit = await service.conversation(2, Mode.EDIT)
    await database.close()

    assert waiting is not None
    assert waiting.step is Step.CONSENT
    assert anna is not None
    assert (anna.email, anna.newsletter_by_email) == ("a@b.dk", True)
    assert edit is None, "an edit at that question is dropped; the profile is unchanged"


async def test_the_public_list_needs_a_yes_and_leaving_or_going_passive_ends_it(
    service: AmbassadorService, db: Database
) -> None:
    for user_id, listed in ((1, True), (2, False), (3, True)):
        await walk(service, user_id, ["citizen", f"Person {user_id}", None, listed])
        await service.consent(user_id, True, untold)
    first = await service.profile(1)
    assert first is not None
    assert first.listed_at is not None
    assert (await service.profile(2) or first).listed_at is None, "no is the default"

    await service.leave(1)
    async with db.transaction() as connection:  # asked a year ago, never answered
        await connection.execute(
            "UPDATE ambassadors SET confirm_asked_at = '2025-01-01T00:00:00+00:00' "
            "WHERE user_id = 3"
        )
    assert await service.expire_unanswered() == 1

    rows = await db.fetch_all("SELECT user_id, status, listed_at FROM ambassadors ORDER BY 1")
    assert [tuple(row) for row in rows] == [
        (1, "left", None),
        (2, "active", None),
        (3, "passive", None),
    ]
    assert await service.set_listed(1, True) is None, "one who left cannot be listed"
    back = await service.set_listed(3, True)
    assert back is not None
    assert back.listed_at is not None, "a passive ambassador may choose it again"


async def test_a_sign_up_waiting_when_the_list_question_came_goes_on_without_it(
    tmp_path: Path,
) -> None:
    """Migration 0020: a sign-up stored at the consent has no answer about the public list; its
    yes stores the person as not listed. One stored earlier is asked the new question."""
    before = tmp_path / "before"
    before.mkdir()
    for path in MIGRATIONS.glob("*.sql"):
        if int(path.name[:4]) < 20:
            shutil.copy(path, before / path.name)
    database = await Database.open(tmp_path / "bolden.sqlite3")
    await migrate(database, before)
    clock, strategy = FakeClock(), load_strategy(DEFAULT_CONTENT)
    for user_id in (1, 2):
        await PeopleService(database, clock, "da").seen(user_id, "da")
    answers = '{"kind": "citizen", "display_name": "Anna", "email": null}'
    async with database.transaction() as connection:
        for user_id, step in ((1, "consent"), (2, "email")):
            await connection.execute(
                "INSERT INTO conversations (user_id, name, step, answers, updated_at, answered, "
                "touched) VALUES (?, 'signup', ?, ?, ?, 1, 1)",
                (user_id, step, answers, "2026-11-22T12:00:00+00:00"),
            )

    await migrate(database)
    service = AmbassadorService(
        database, clock, strategy, 365, 30, Conversations(database, clock),
        DeliveryService(database, clock, strategy),
    )  # fmt: skip
    anna = await service.consent(1, True, untold)
    asked = await service.answer(2, Mode.SIGNUP, None)
    await database.close()

    assert anna is not None
    assert (anna.status, anna.listed_at) == ("active", None)
    assert asked.conversation is not None
    assert asked.conversation.step is Step.LISTED
