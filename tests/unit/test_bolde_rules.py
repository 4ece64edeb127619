"""The rules of bolde on a real SQLite file: the state machine, who may act, routing, references,
the rate limit and the report of bolde that stand still."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest

from bot.services import Services
from bot.services.bolde import TRANSITIONS, Action, Change, Drafted, Problem, Step, shows_name
from bot.services.delivery import OutboxItem
from bot.services.networks import Refusal
from storage.bolde import Bold, Status, reference_from
from tests.conftest import FakeClock
from tests.unit.conftest import Target, built_services

SENDER, MEMBER, OUTSIDER, COORDINATOR = 1, 2, 3, 99


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def services(database: Target, clock: FakeClock) -> AsyncIterator[Services]:
    async with built_services(
        database,
        clock,
        (SENDER, MEMBER, OUTSIDER, COORDINATOR),
        coordinators="99",
        bolde_per_hour=3,
    ) as built:
        yield built


async def told(result: Change | Drafted | list[Bold]) -> list[OutboxItem]:
    """The notice a change owes: one message to the sender, naming what happened."""
    bold = result[0] if isinstance(result, list) else getattr(result, "bold", None)
    bold = bold or getattr(result, "sent", None)
    assert bold is not None
    what = getattr(result, "action", None) or "sent"
    return [("telegram", SENDER, None, {"text": f"{bold.reference} {what}"})]


async def owed(services: Services) -> list[str]:
    rows = await services.db.fetch_all("SELECT payload FROM outbox ORDER BY id")
    return [json.loads(row["payload"])["text"] for row in rows]


async def network(services: Services, name: str, members: tuple[int, ...] = ()) -> int:
    created = await services.networks.create(COORDINATOR, name, "standing")
    assert created.network is not None
    for user_id in members:
        async with services.db.transaction() as connection:
            await connection.execute(
                "INSERT INTO network_members (network_id, user_id, joined_at) VALUES (?, ?, ?)",
                (created.network.id, user_id, services.clock().isoformat()),
            )
    return created.network.id


async def bold(
    services: Services,
    kind: str = "idea",
    category: str | None = None,
    topics: tuple[str, ...] = (),
    sender: int = SENDER,
) -> Bold:
    """A bold sent through the draft, as the chat sends it."""
    bolde = services.bolde
    assert (await bolde.begin(sender)).draft is not None
    await bolde.answer(sender, Step.KIND, kind)
    await bolde.answer(sender, Step.TEXT, "Ti tegn eller flere her.")
    await bolde.answer(sender, Step.PHOTO, None)
    if kind == "problem":
        await bolde.answer(sender, Step.LOCATION, "Ved banegården")
        await bolde.answer(sender, Step.CATEGORY, category)
    for code in topics:
        await bolde.toggle_topic(sender, code)
    await bolde.topics_done(sender)
    sent = await bolde.send(sender, "Telegram Name", told)
    assert sent.sent is not None, sent.problem
    return sent.sent


async def test_the_draft_asks_place_and_category_only_for_problems(services: Services) -> None:
    bolde = services.bolde
    await bolde.begin(SENDER)
    await bolde.answer(SENDER, Step.KIND, "problem")
    short = await bolde.answer(SENDER, Step.TEXT, "for kort")
    assert short.problem is Problem.TOO_SHORT
    assert (await bolde.answer(SENDER, Step.TEXT, "x" * 4097)).problem is Problem.TOO_LONG
    steps = []
    for step, value in (
        (Step.TEXT, "  Nogen sover i opgangen.  "),
        (Step.PHOTO, None),
        (Step.LOCATION, (55.5, 9.7)),
        (Step.CATEGORY, "loneliness"),
    ):
        result = await bolde.answer(SENDER, step, value)
        assert result.draft is not None, result.problem
        steps.append(result.draft.step)
    assert steps == [Step.PHOTO, Step.LOCATION, Step.CATEGORY, Step.THEMES]
    assert result.draft.answers["text"] == "Nogen sover i opgangen."
    assert shows_name(result.draft.answers) is False, "problems are anonymous by default"
    unknown = await bolde.answer(SENDER, Step.CATEGORY, "nope")
    assert unknown.problem is Problem.NOT_NOW, "an answer to another step changes nothing"

    await bolde.begin(SENDER)
    await bolde.answer(SENDER, Step.KIND, "idea")
    await bolde.answer(SENDER, Step.TEXT, "En idé med ti tegn.")
    after_photo = await bolde.answer(SENDER, Step.PHOTO, "file-1")
    assert after_photo.draft is not None
    assert after_photo.draft.step is Step.THEMES
    assert shows_name(after_photo.draft.answers) is True


async def test_a_concern_has_no_photo_and_back_keeps_every_answer(services: Services) -> None:
    bolde = services.bolde
    await bolde.begin(SENDER)
    await bolde.answer(SENDER, Step.KIND, "idea")
    await bolde.answer(SENDER, Step.TEXT, "Nogen sidder alene hver dag.")
    await bolde.answer(SENDER, Step.PHOTO, "file-1")
    back = [(await bolde.back(SENDER, step)).draft for step in (Step.THEMES, Step.PHOTO)]
    assert [d.step for d in back if d] == [Step.PHOTO, Step.TEXT]
    assert (await bolde.back(SENDER, Step.THEMES)).problem is Problem.NOT_NOW, "a stale Back"
    assert (await bolde.back(SENDER, Step.TEXT)).draft.step is Step.KIND  # type: ignore[union-attr]
    assert (await bolde.back(SENDER, Step.KIND)).problem is Problem.NOT_NOW
    concern = await bolde.answer(SENDER, Step.KIND, "concern")
    assert concern.draft is not None
    assert concern.draft.step is Step.THEMES, "the text is kept, and a concern has no photo"
    assert "photo" not in concern.draft.answers, "a photo does not go with a concern"
    assert concern.draft.answers["text"] == "Nogen sidder alene hver dag."


async def test_routing_takes_the_first_matching_rule_then_the_cross_professional_network(
    services: Services,
) -> None:
    nets = services.networks
    street, friends, cross = (
        await network(services, "Gade"),
        await network(services, "Venner"),
        await network(services, "Tværs"),
    )
    assert await nets.add_rule(COORDINATOR, "problem", "sleeping_rough", None, street)
    assert await nets.add_rule(COORDINATOR, None, None, "friend", friends)
    assert await nets.add_rule(COORDINATOR, "problem", None, None, friends)
    assert await nets.add_rule(COORDINATOR, "spam", None, None, street) is None

    assert (await bold(services, "problem", "sleeping_rough", ("friend",))).network_id == street
    assert (await bold(services, "idea", topics=("friend",))).network_id == friends
    assert (await bold(services, "problem", "debt")).network_id == friends
    unrouted = await bold(services, "concern", sender=OUTSIDER)
    assert (unrouted.status, unrouted.network_id) == (Status.RECEIVED, None)

    await nets.make_cross_professional(COORDINATOR, cross)
    assert (await bold(services, "concern", sender=MEMBER)).network_id == cross
    busy = await nets.close(COORDINATOR, friends)
    assert busy.refusal is Refusal.HAS_OPEN_BOLDE
    empty = await network(services, "Tom")
    await nets.add_rule(COORDINATOR, "idea", None, None, empty)
    assert (await nets.close(COORDINATOR, empty)).refusal is None
    assert [r.network_id for r in await nets.rules()] == [street, friends, friends]


async def test_references_count_per_year(services: Services, clock: FakeClock) -> None:
    await network(services, "Tværs")
    first, second = await bold(services), await bold(services, sender=OUTSIDER)
    clock.advance(days=40)  # into 2027
    assert [first.reference, second.reference] == ["B-2026-0001", "B-2026-0002"]
    assert (await bold(services, sender=MEMBER)).reference == "B-2027-0001"


@pytest.mark.parametrize("action", list(TRANSITIONS))
@pytest.mark.parametrize("status", list(Status))
async def test_the_state_machine_allows_exactly_its_transitions(
    services: Services, action: Action, status: Status
) -> None:
    street = await network(services, "Gade", (MEMBER,))
    await network(services, "Andet")
    await services.networks.add_rule(COORDINATOR, None, None, None, street)
    sent = await bold(services)
    async with services.db.transaction() as connection:
        await connection.execute(
            "UPDATE bolde SET status = ?, taken_by = ?", (status.value, MEMBER)
        )
    actor = SENDER if action in {Action.REOPEN, Action.REPLY} else MEMBER
    other = next(n.id for n in await services.networks.open_networks() if n.id != street)
    change = await services.bolde.act(sent.id, actor, action, told, "Et svar på bolden.", other)

    allowed = status in TRANSITIONS[action][0]
    assert (change.problem is None) == allowed, change.problem
    stored = await services.bolde.get(sent.id)
    assert stored is not None
    events = await services.bolde.timeline(sent.id)
    if allowed:
        assert events[-1].action == action
    else:
        assert (stored.status, events[-1].action) == (status, Action.ROUTED)


async def test_who_may_do_what(services: Services) -> None:
    street = await network(services, "Gade", (MEMBER,))
    await services.networks.add_rule(COORDINATOR, None, None, None, street)
    sent = await bold(services)
    act = services.bolde.act

    assert (await act(sent.id, OUTSIDER, Action.TAKE, told)).problem is Problem.NOT_ALLOWED
    assert (await act(sent.id, SENDER, Action.TAKE, told)).problem is Problem.NOT_ALLOWED
    assert (await act(sent.id, MEMBER, Action.REOPEN, told, "x")).problem is Problem.NOT_ALLOWED
    assert (await act(sent.id, MEMBER, Action.TAKE, told)).problem is None
    assert (await act(sent.id, MEMBER, Action.DECLINE, told)).problem is Problem.NOTE_NEEDED
    assert (await act(sent.id, MEMBER, Action.DECLINE, told, "   ")).problem is Problem.NOTE_NEEDED
    assert (await act(sent.id, MEMBER, Action.DECLINE, told, " nej  ")).problem is Problem.TOO_SHORT
    assert (await act(sent.id, MEMBER, Action.ANSWER, told, "x" * 2001)).problem is Problem.TOO_LONG
    still = await services.bolde.get(sent.id)
    assert still is not None
    assert (still.status, still.public_answer) == (Status.IN_PROGRESS, None)
    assert (await act(sent.id, COORDINATOR, Action.DECLINE, told, "Nej, fordi …")).problem is None
    reopened = await act(sent.id, SENDER, Action.REOPEN, told, "Det hjalp ikke.")
    assert reopened.bold is not None
    assert (reopened.bold.status, reopened.bold.taken_by) == (Status.IN_PROGRESS, MEMBER)
    roles = [(e.action, e.role) for e in await services.bolde.timeline(sent.id)]
    assert roles[-3:] == [("taken", "network"), ("declined", "coordinator"), ("reopened", "sender")]


async def test_the_rate_limit_counts_the_last_hour(services: Services, clock: FakeClock) -> None:
    await network(services, "Tværs")
    for _ in range(3):
        await bold(services)
        clock.advance(minutes=10)
    limited = await services.bolde.begin(SENDER)
    assert limited.problem is Problem.RATE_LIMITED
    assert limited.until is not None
    assert limited.until.strftime("%H:%M") == "13:00"
    assert (await services.bolde.begin(OUTSIDER)).problem is None, "the limit is per person"
    clock.advance(minutes=30, seconds=1)
    assert (await services.bolde.begin(SENDER)).problem is None


async def test_stale_bolde_are_reported_once_per_period(
    services: Services, clock: FakeClock
) -> None:
    street = await network(services, "Gade", (MEMBER,))
    await services.networks.add_rule(COORDINATOR, None, None, None, street)
    quiet, busy = await bold(services), await bold(services, sender=OUTSIDER)
    clock.advance(days=6)
    await services.bolde.act(busy.id, MEMBER, Action.TAKE, told)
    clock.advance(days=1, seconds=1)
    assert [b.id for b in await services.bolde.report_stale(7, told)] == [quiet.id]
    assert await services.bolde.report_stale(7, told) == []
    clock.advance(days=7)
    assert [b.id for b in await services.bolde.report_stale(7, told)] == [quiet.id, busy.id]


async def test_a_change_and_what_it_owes_people_are_stored_together(services: Services) -> None:
    street = await network(services, "Gade", (MEMBER,))
    await services.networks.add_rule(COORDINATOR, None, None, None, street)
    sent = await bold(services)
    assert await owed(services) == [f"{sent.reference} sent"]

    async def broken(change: Change) -> list[OutboxItem]:
        raise RuntimeError("the notice could not be written")

    with pytest.raises(RuntimeError):
        await services.bolde.act(sent.id, MEMBER, Action.TAKE, broken)
    stored = await services.bolde.get(sent.id)
    assert stored is not None
    assert (stored.status, stored.taken_by) == (Status.ROUTED, None), "no change without its notice"
    assert [e.action for e in await services.bolde.timeline(sent.id)] == ["sent", "routed"]
    assert await owed(services) == [f"{sent.reference} sent"]
    assert (await services.bolde.act(sent.id, MEMBER, Action.TAKE, told)).problem is None
    assert await owed(services) == [f"{sent.reference} sent", f"{sent.reference} taken"]


async def test_of_two_members_taking_a_bold_at_once_exactly_one_wins(services: Services) -> None:
    street = await network(services, "Gade", (MEMBER,))
    await services.networks.add_rule(COORDINATOR, None, None, None, street)
    sent = await bold(services)
    changes = await asyncio.gather(
        services.bolde.act(sent.id, MEMBER, Action.TAKE, told),
        services.bolde.act(sent.id, COORDINATOR, Action.TAKE, told),
    )
    assert sorted(str(c.problem) for c in changes) == ["None", "overtaken"]
    winner = next(c for c in changes if c.problem is None)
    assert winner.bold is not None
    stored = await services.bolde.get(sent.id)
    assert stored is not None
    assert stored.taken_by == winner.bold.taken_by
    assert [e.action for e in await services.bolde.timeline(sent.id)].count("taken") == 1
    assert (await owed(services)).count(f"{sent.reference} taken") == 1


async def test_a_bold_whose_taker_erased_themself_can_be_taken_again(services: Services) -> None:
    street = await network(services, "Gade", (MEMBER, OUTSIDER))
    await services.networks.add_rule(COORDINATOR, None, None, None, street)
    sent = await bold(services)
    assert (await services.bolde.act(sent.id, MEMBER, Action.TAKE, told)).problem is None

    await services.privacy.erase(MEMBER, (await services.privacy.erasure_scope(MEMBER)).since)

    stored = await services.bolde.get(sent.id)
    assert stored is not None
    assert (stored.status, stored.taken_by) == (Status.ROUTED, None), "back to its network"
    again = await services.bolde.act(sent.id, OUTSIDER, Action.TAKE, told)
    assert again.problem is None
    assert again.bold is not None
    assert again.bold.taken_by == OUTSIDER


async def test_a_coordinator_works_on_a_bold_no_rule_routed_and_one_someone_took(
    services: Services,
) -> None:
    street = await network(services, "Gade", (MEMBER, OUTSIDER))
    unrouted = await bold(services)
    assert unrouted.status == Status.RECEIVED
    act = services.bolde.act
    assert (await act(unrouted.id, MEMBER, Action.TAKE, told)).problem is Problem.NOT_ALLOWED
    taken = await act(unrouted.id, COORDINATOR, Action.TAKE, told)
    assert taken.bold is not None
    assert (taken.bold.status, taken.bold.taken_by) == (Status.IN_PROGRESS, COORDINATOR)
    answered = await act(unrouted.id, COORDINATOR, Action.ANSWER, told, "Kommunen gør det.")
    assert answered.problem is None

    await services.networks.add_rule(COORDINATOR, None, None, None, street)
    routed = await bold(services)
    asked = await act(routed.id, MEMBER, Action.ASK, told, "Hvilken gade tænker du på?")
    assert asked.bold is not None
    assert (asked.bold.status, asked.bold.taken_by) == (Status.IN_PROGRESS, MEMBER), "asking takes"
    other = await act(routed.id, OUTSIDER, Action.ASK, told, "Og hvilket hus tænker du på?")
    assert other.problem is Problem.NOT_ALLOWED, "one member does the asking: the one who took it"
    again = await act(routed.id, COORDINATOR, Action.ASK, told, "Må vi ringe til dig?")
    assert again.problem is None, "a coordinator may ask about any bold"
    reply = await act(routed.id, SENDER, Action.REPLY, told, "Ja")
    assert (reply.to, reply.problem) == (COORDINATOR, None), "a reply goes to who asked last"
    assert reply.bold is not None
    assert reply.bold.taken_by == MEMBER, "the member keeps the bold"


async def test_what_a_sender_writes_goes_to_whoever_may_still_work_on_the_bold(
    services: Services,
) -> None:
    street = await network(services, "Gade", (MEMBER,))
    await services.networks.add_rule(COORDINATOR, None, None, None, street)
    act = services.bolde.act
    declined = await bold(services)
    await act(declined.id, MEMBER, Action.DECLINE, told, "Det kan vi ikke hjælpe med.")
    reopened = await act(declined.id, SENDER, Action.REOPEN, told, "Hvem kan så?")
    assert reopened.bold is not None
    assert (reopened.bold.status, reopened.bold.taken_by, reopened.to) == (
        Status.ROUTED,
        None,
        None,
    ), "nobody took it: back to its network, to take"

    asked = await bold(services)
    await act(asked.id, MEMBER, Action.ASK, told, "Hvor præcis er det?")
    async with services.db.transaction() as connection:
        await connection.execute("DELETE FROM network_members WHERE user_id = ?", (MEMBER,))
    reply = await act(asked.id, SENDER, Action.REPLY, told, "Ved kirken.")
    assert reply.bold is not None
    assert (reply.bold.status, reply.bold.taken_by, reply.to) == (Status.ROUTED, None, None), (
        "the one who took it left the network: it is the network's again, with the reply"
    )


async def test_a_previewed_text_is_kept_and_sent_exactly_once(services: Services) -> None:
    street = await network(services, "Gade", (MEMBER,))
    await services.networks.add_rule(COORDINATOR, None, None, None, street)
    sent = await bold(services)
    bolde = services.bolde
    assert (await bolde.start_note(MEMBER, sent.id, Action.ANSWER)).problem is None
    assert (await bolde.finish_note(MEMBER, "ja", told)).problem is Problem.TOO_SHORT
    kept = await bolde.finish_note(MEMBER, "  Vi sætter bænke op i maj.  ", told)
    assert (kept.note, kept.problem) == ("Vi sætter bænke op i maj.", None)
    assert kept.draft is not None
    assert await owed(services) == [f"{sent.reference} sent"], "nothing goes before Send"
    newer = await bolde.finish_note(MEMBER, "Vi sætter bænke op i juni.", told)
    assert newer.draft is not None
    stale = await bolde.send_note(MEMBER, sent.id, kept.draft, told)
    assert stale.problem is Problem.STALE, "a Send under an older preview sends nothing"

    presses = await asyncio.gather(
        bolde.send_note(MEMBER, sent.id, newer.draft, told),
        bolde.send_note(MEMBER, sent.id, newer.draft, told),
    )
    assert sorted(str(p.problem) for p in presses) == ["None", "stale"]
    stored = await bolde.get(sent.id)
    assert stored is not None
    assert (stored.status, stored.public_answer) == (Status.ANSWERED, "Vi sætter bænke op i juni.")
    assert await owed(services) == [f"{sent.reference} sent", f"{sent.reference} answered"]


async def test_a_typed_reply_is_held_and_sent_once_to_the_newest_open_question(
    services: Services, clock: FakeClock
) -> None:
    street = await network(services, "Gade", (MEMBER,))
    await services.networks.add_rule(COORDINATOR, None, None, None, street)
    bolde, act = services.bolde, services.bolde.act
    older, newer, answered = await bold(services), await bold(services), await bold(services)
    assert await bolde.hold_reply(SENDER, "Ved gyngerne") is None, "nobody asked anything"
    await act(answered.id, MEMBER, Action.ASK, told, "Hvor præcis er det henne?")
    await act(answered.id, MEMBER, Action.ANSWER, told, "Vi har set på det, tak.")
    assert await bolde.asked(SENDER) is None, "a question on a closed bold waits for nothing"
    await act(older.id, MEMBER, Action.ASK, told, "Hvor præcis er det henne?")
    await act(newer.id, MEMBER, Action.ASK, told, "Hvilken gynge tænker du på?")
    await act(older.id, MEMBER, Action.ASK, told, "Og hvornår på dagen?")
    asked = await bolde.asked(SENDER)
    assert asked is not None
    assert asked.id == older.id, "the question asked last"
    assert await bolde.asked(MEMBER) is None, "only the sender is asked"

    held = await bolde.hold_reply(SENDER, "Ved gyngerne")
    assert held is not None
    assert held[0].id == older.id
    draft = held[1]
    kept = await bolde.draft(SENDER)
    assert kept is not None
    assert kept.answers["text"] == "Ved gyngerne", "the text is kept"
    assert (await bolde.reply_held(SENDER, newer.id, draft, told)).problem is Problem.STALE

    presses = await asyncio.gather(
        bolde.reply_held(SENDER, older.id, draft, told),
        bolde.reply_held(SENDER, older.id, draft, told),
    )
    assert sorted(str(p.problem) for p in presses) == ["None", "stale"]
    sent = next(p for p in presses if p.problem is None)
    assert (sent.action, sent.note, sent.to) == (Action.REPLY, "Ved gyngerne", MEMBER)
    assert await bolde.draft(SENDER) is None, "the draft went with the reply"
    events = await bolde.timeline(older.id)
    assert [(e.action, e.note) for e in events[-1:]] == [(Action.REPLY, "Ved gyngerne")]
    assert (await bolde.not_a_reply(SENDER, older.id, draft)).problem is Problem.STALE

    clock.advance(hours=1)  # past the hourly limit of three bolde
    held = await bolde.hold_reply(SENDER, "Der mangler også en bænk ved søen.")
    assert held is not None
    assert held[0].id == newer.id, "the other question still waits"
    offered = await bolde.not_a_reply(SENDER, newer.id, held[1])
    assert offered.draft is not None
    assert offered.draft.answers["text"] == "Der mangler også en bænk ved søen."
    assert "asked" not in offered.draft.answers, "a new bold, no reply"
    assert (await bolde.not_a_reply(SENDER, newer.id, held[1])).problem is Problem.STALE
    assert (await bolde.reply_held(SENDER, newer.id, held[1], told)).problem is Problem.STALE
    assert [e.action for e in await bolde.timeline(newer.id)][-1] == Action.ASK


@pytest.mark.parametrize(
    ("typed", "reference"),
    [
        ("B-2026-0001", "B-2026-0001"),
        ("b-2026-0001", "B-2026-0001"),
        ("B2026-0001", "B-2026-0001"),
        ("b20260001", "B-2026-0001"),
        ("B 2026 0001", "B-2026-0001"),
        ("  B\u20112026\u20110001 ", "B-2026-0001"),  # a non-breaking hyphen, copied
        ("B\u2013 2026 /\u00a00001", "B-2026-0001"),
        ("2026-1", "B-2026-0001"),
        ("B-2025-0042", "B-2025-0042"),
        ("0001", "B-2026-0001"),  # a number alone is this year's
        ("42", "B-2026-0042"),
        ("B-2026-12345", "B-2026-12345"),
        ("", None),
        ("B", None),
        ("Bold 2026", None),
        ("x-2026-0001", None),
        ("B-26-0001", None),
        ("B-2026-0001-2", None),
        ("B-2026-9999999999999999999", None),
    ],
)
def test_a_reference_is_found_however_it_is_typed(typed: str, reference: str | None) -> None:
    assert reference_from(typed, 2026) == reference
