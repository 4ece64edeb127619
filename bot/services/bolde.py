"""Bolde: ideas, concerns and reported problems, from the sender's draft to a public answer.

The lifecycle `received -> routed -> in_progress -> answered | declined` (and back, when the
sender says an answer did not solve it) is written once, in `TRANSITIONS`; every change is a
row in the bold's timeline, in the same transaction as the change.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta, tzinfo
from enum import StrEnum
from functools import partial
from operator import attrgetter
from typing import Any

from pydantic import BaseModel

from bot.clock import Clock
from bot.i18n import Translator
from bot.services.conversations import ConversationKind, Conversations
from bot.services.coordinators import CoordinatorService
from bot.services.delivery import DeliveryService, Notify
from bot.services.exports import (
    ExportFile,
    ExportFilter,
    Row,
    chunks,
    csv_export,
    decimal,
    local_time,
    username,
)
from bot.services.networks import NetworkService
from bot.strategy import Strategy
from storage import ambassadors, bolde, coordinators
from storage.bolde import OPEN, Bold, Event, Kind, PublicBold, Status
from storage.coordinators import AuditAction
from storage.database import Database
from storage.networks import Network

# A bold's text may be as long as one Telegram message: nothing anyone types is refused as
# too long (the views show a long one in parts).
TEXT_MIN, TEXT_MAX, NOTE_MIN, NOTE_MAX, PLACE_MAX = 10, 4096, 10, 2000, 200
CONVERSATION, NOTE = ConversationKind.BOLD, ConversationKind.NOTE
HOUR = timedelta(hours=1)
INBOX_PAGE = 8  # bolde on a page of /inbox
BOARD_PAGE = 20  # bolde on a page of the public board
EXPORT_CHUNK = 250  # bolde read at a time for an export


class Step(StrEnum):
    KIND = "kind"
    TEXT = "text"
    PHOTO = "photo"
    LOCATION = "location"
    CATEGORY = "category"
    THEMES = "themes"
    CONFIRM = "confirm"


# The answers each optional step keeps: a kind chosen again drops those its draft does not ask.
STEP_ANSWERS = {
    Step.PHOTO: ("photo",),
    Step.LOCATION: ("latitude", "longitude", "place"),
    Step.CATEGORY: ("category",),
}


class Action(StrEnum):
    SENT = "sent"
    ROUTED = "routed"
    TAKE = "taken"
    MOVE = "moved"
    ANSWER = "answered"
    DECLINE = "declined"
    REOPEN = "reopened"
    ASK = "question"
    REPLY = "reply"


class Role(StrEnum):
    SENDER = "sender"
    NETWORK = "network"
    COORDINATOR = "coordinator"
    SYSTEM = "system"


_OPEN = frozenset(map(Status, OPEN))
# The state machine: from which statuses each action may happen, and the status it leads to
# (None: the status stays). Who may act is `_role`'s question: on a bold no network has, only
# coordinators. What the sender writes goes to whoever works on the bold, see `_after`.
TRANSITIONS: dict[Action, tuple[frozenset[Status], Status | None]] = {
    Action.TAKE: (frozenset({Status.RECEIVED, Status.ROUTED}), Status.IN_PROGRESS),
    Action.MOVE: (_OPEN, Status.ROUTED),
    Action.ANSWER: (_OPEN, Status.ANSWERED),
    Action.DECLINE: (_OPEN, Status.DECLINED),
    Action.REOPEN: (frozenset({Status.ANSWERED, Status.DECLINED}), Status.IN_PROGRESS),
    Action.ASK: (_OPEN, Status.IN_PROGRESS),  # asking about a bold nobody has takes it
    Action.REPLY: (_OPEN, None),
}
# What the audit log keeps of a network's or coordinator's work on a bold; the sender's own
# actions stay on the bold's timeline only, where an anonymous sender stays anonymous.
AUDITED = {
    Action.TAKE: AuditAction.BOLD_TAKE,
    Action.MOVE: AuditAction.BOLD_MOVE,
    Action.ANSWER: AuditAction.BOLD_ANSWER,
    Action.DECLINE: AuditAction.BOLD_DECLINE,
    Action.ASK: AuditAction.BOLD_ASK,
}
NEEDS_NOTE = {Action.ANSWER, Action.DECLINE, Action.REOPEN, Action.ASK, Action.REPLY}
SENDER_ACTIONS = {Action.REOPEN, Action.REPLY}
# What a network writes to a sender is shown to the writer first, exactly as the sender will
# get it, and sent with a press; what a sender writes goes at once.
PREVIEWED = {Action.ANSWER, Action.DECLINE, Action.ASK}


class Problem(StrEnum):
    NOT_FOUND = "not_found"
    NOT_ALLOWED = "not_allowed"
    NOT_NOW = "not_now"
    NOTE_NEEDED = "note_needed"
    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"
    SAME_NETWORK = "same_network"
    UNKNOWN_CHOICE = "unknown_choice"
    RATE_LIMITED = "rate_limited"
    OVERTAKEN = "overtaken"  # someone else changed the bold a moment before
    STALE = "stale"  # the text a Send belongs to was sent, replaced or stopped since
    TEXT_WAITING = "text_waiting"  # a written text waits for its Send: one text at a time


class _Stale(Exception):
    """The draft a Send belongs to is gone (sent by a press a moment before, replaced, stopped)."""


class _Overtaken(Exception):
    """The bold changed between reading it and writing: roll back, change nothing."""


class Voice(BaseModel):
    """A voice note as a bold's content: Telegram's file, its length, and its caption if any."""

    file_id: str
    seconds: int
    caption: str = ""


class Draft(BaseModel):
    step: Step
    answers: dict[str, Any]


class Drafted(BaseModel):
    """What a step of the draft led to: the next step, a problem with it, or the sent bold."""

    draft: Draft | None = None
    problem: Problem | None = None
    sent: Bold | None = None
    network: Network | None = None
    until: datetime | None = None  # when the rate limit lets the person send again


class Change(BaseModel):
    """A bold after an action on it, with what happened; or the problem that stopped it."""

    bold: Bold | None = None
    action: Action | None = None
    problem: Problem | None = None
    network: Network | None = None  # where the bold is now
    note: str | None = None  # the text that came with the action
    to: int | None = None  # who gets what the sender wrote; None: the network (or coordinators)
    draft: int | None = None  # a text kept for a preview: the `touched` its Send must match


class Figures(BaseModel):
    total: int
    by_kind: dict[str, int]
    by_topic: dict[str, int]
    by_status: dict[str, int]
    median_to_first_answer: timedelta | None


class Waiting(BaseModel):
    """The open bolde as /inbox lists them; of them, those no one has taken yet, and those
    without a change for the days after which the morning report names them."""

    open: int
    not_taken: int
    still: int


class BoardPage(BaseModel):
    """A page of the public board, with the filters it was read with (unknown ones dropped)."""

    bolde: list[PublicBold]
    count: int  # bolde that match, on every page
    page: int
    pages: int
    status: str | None
    topic: str | None


class InboxPage(BaseModel):
    bolde: list[Bold]
    count: int  # open bolde in all, on every page
    page: int
    pages: int


EXPORT_HEADER = (
    "reference", "created", "kind", "category", "urgent", "topics", "status", "reopened",
    "network", "sender", "telegram", "text", "place", "latitude", "longitude", "photo",
    "handled_by", "handler_telegram", "answer", "first_answer", "last_change",
)  # fmt: skip


def _export_row(t: Translator, strategy: Strategy, b: bolde.ExportRow) -> Row:
    categories = {c.code: c.title.get(t.language) for c in strategy.categories}
    topics = strategy.titles((b.topics or "").split(), t.language)
    handler = b.handler_name or (str(b.handler) if b.handler else "")
    return (
        b.reference, local_time(b.created_at, t.zone), t.plain(f"bold.kind.{b.kind}"),
        categories.get(b.category, b.category) if b.category else "", _yes_no(t, b.urgent),
        ", ".join(topics), t.plain(f"bold.status.{b.status}"), b.reopened, b.network or "",
        b.sender_name or "", username(b.sender_username), b.text, b.place or "",
        decimal(t, b.latitude), decimal(t, b.longitude), _yes_no(t, b.photo), handler,
        username(b.handler_username), b.public_answer or "",
        local_time(b.first_answer_at, t.zone), local_time(b.changed_at, t.zone),
    )  # fmt: skip


def _yes_no(t: Translator, value: int) -> str:
    return t.plain("common.yes" if value else "common.no")


def shows_name(answers: dict[str, Any]) -> bool:
    """Whether the network sees who sent the draft: what the person chose, else what suits its
    kind (a problem is sent anonymously, an idea or a concern with the name). Only a choice is
    stored, so it stays through Back and a change of kind."""
    return bool(answers.get("show_name", answers.get("kind") != Kind.PROBLEM))


def check_note(note: str | None, action: Action) -> tuple[str | None, Problem | None]:
    """A sender may answer in a word; a network explains itself in a sentence at least."""
    text = (note or "").strip()
    if not text:
        return None, Problem.NOTE_NEEDED
    if action in PREVIEWED and len(text) < NOTE_MIN:
        return None, Problem.TOO_SHORT
    if len(text) > NOTE_MAX:
        return None, Problem.TOO_LONG
    return text, None


class BoldService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        strategy: Strategy,
        conversations: Conversations,
        networks: NetworkService,
        coordinators: CoordinatorService,
        delivery: DeliveryService,
        per_hour: int,
        tz: tzinfo,
    ) -> None:
        self._db = db
        self._clock = clock
        self._delivery = delivery
        self._tz = tz
        self._strategy = strategy
        self._conversations = conversations
        self._networks = networks
        self._coordinators = coordinators
        self._per_hour = per_hour

    # -- the draft ----------------------------------------------------------------------------

    async def begin(
        self, user_id: int, content: str | Voice | None = None, photo: str | None = None
    ) -> Drafted:
        """A new draft; `content` is something the person already wrote or said, kept as the
        bold's content (one that would not do is refused, and nothing is started); `photo` one
        they sent, kept as its photo (the words are asked for after the kind, if none came)."""
        until = await self._limited_until(user_id)
        if until:
            return Drafted(problem=Problem.RATE_LIMITED, until=until)
        answers: dict[str, Any] = {"photo": photo} if photo else {}
        if content is not None:
            stored, problem = self._validate(Step.TEXT, content)
            if problem:
                return Drafted(problem=problem)
            answers = {**answers, **stored}
        draft = Draft(step=Step.KIND, answers=answers)
        await self._conversations.start(user_id, CONVERSATION, draft.step.value, draft.answers)
        return Drafted(draft=draft)

    async def draft(self, user_id: int) -> Draft | None:
        stored = await self._conversations.current(user_id, CONVERSATION)
        return Draft(step=Step(stored.step), answers=stored.answers) if stored else None

    async def answer(self, user_id: int, step: Step, value: Any) -> Drafted:
        """The answer to the draft's current step (`step` must be it); None skips a step (at
        the text or the photo, keeps the one there)."""
        draft = await self.draft(user_id)
        if draft is None or draft.step is not step or step in {Step.THEMES, Step.CONFIRM}:
            return Drafted(draft=draft, problem=Problem.NOT_NOW)
        keep = value is None and (
            (step is Step.TEXT and "text" in draft.answers)
            or (step is Step.PHOTO and bool(draft.answers.get("photo")))
        )
        stored, problem = ({}, None) if keep else self._validate(step, value)
        if problem:
            return Drafted(draft=draft, problem=problem)
        answers = {**draft.answers, **stored}
        if step is Step.KIND:
            dropped = {
                k for s, keys in STEP_ANSWERS.items() if not self._asked(s, value) for k in keys
            }
            answers = {k: v for k, v in answers.items() if k not in dropped}
        following = self._next(step, answers)
        if step is Step.TEXT:
            answers.pop("editing", None)
        return Drafted(draft=await self._save(user_id, Draft(step=following, answers=answers)))

    async def add_photo(self, user_id: int, photo: str) -> Drafted:
        """A photo sent while the text is asked: kept as the bold's photo (its step is then
        passed over), and the text is still asked; a draft that takes no photo is refused."""
        draft = await self.draft(user_id)
        if draft is None or draft.step is not Step.TEXT:
            return Drafted(draft=draft, problem=Problem.NOT_NOW)
        if not self._asked(Step.PHOTO, draft.answers.get("kind")):
            return Drafted(draft=draft, problem=Problem.UNKNOWN_CHOICE)
        return Drafted(draft=await self._save(user_id, self._with(draft, photo=photo)))

    async def back(self, user_id: int, step: Step) -> Drafted:
        """From `step` (the draft's current one) to the question before it, every answer kept;
        from the text being changed, back to the summary."""
        draft = await self.draft(user_id)
        if draft is None or draft.step is not step or step is Step.KIND:
            return Drafted(draft=draft, problem=Problem.NOT_NOW)
        answers = dict(draft.answers)
        if answers.pop("editing", False):
            previous = Step.CONFIRM
        else:
            earlier = list(Step)[: list(Step).index(step)]
            previous = [s for s in earlier if self._asked(s, draft.answers.get("kind"))][-1]
        return Drafted(draft=await self._save(user_id, Draft(step=previous, answers=answers)))

    async def toggle_topic(self, user_id: int, code: str) -> Drafted:
        draft = await self.draft(user_id)
        if draft is None or draft.step is not Step.THEMES:
            return Drafted(draft=draft, problem=Problem.NOT_NOW)
        if code not in {topic.code for topic in self._strategy.topics}:
            return Drafted(draft=draft, problem=Problem.UNKNOWN_CHOICE)
        topics = list(draft.answers.get("topics", []))
        topics = [c for c in topics if c != code] if code in topics else [*topics, code]
        return Drafted(draft=await self._save(user_id, self._with(draft, topics=topics)))

    async def topics_done(self, user_id: int) -> Drafted:
        draft = await self.draft(user_id)
        if draft is None or draft.step is not Step.THEMES:
            return Drafted(draft=draft, problem=Problem.NOT_NOW)
        return Drafted(
            draft=await self._save(user_id, Draft(step=Step.CONFIRM, answers=draft.answers))
        )

    async def toggle_name(self, user_id: int) -> Drafted:
        draft = await self.draft(user_id)
        if draft is None or draft.step is not Step.CONFIRM:
            return Drafted(draft=draft, problem=Problem.NOT_NOW)
        shown = not shows_name(draft.answers)
        return Drafted(draft=await self._save(user_id, self._with(draft, show_name=shown)))

    async def edit_text(self, user_id: int) -> Drafted:
        """From the summary back to the text; the other answers are kept."""
        draft = await self.draft(user_id)
        if draft is None or draft.step is not Step.CONFIRM:
            return Drafted(draft=draft, problem=Problem.NOT_NOW)
        answers = {**draft.answers, "editing": True}
        return Drafted(draft=await self._save(user_id, Draft(step=Step.TEXT, answers=answers)))

    async def send(self, user_id: int, telegram_name: str, notify: Notify[Drafted]) -> Drafted:
        """Store the bold, route it and owe its network (and coordinators) the card, in one
        transaction; the draft is gone after."""
        draft = await self.draft(user_id)
        if draft is None or draft.step is not Step.CONFIRM:
            return Drafted(draft=draft, problem=Problem.NOT_NOW)
        until = await self._limited_until(user_id)
        if until:
            return Drafted(draft=draft, problem=Problem.RATE_LIMITED, until=until)
        a, now = draft.answers, self._clock()
        topics = [t.code for t in self._strategy.topics if t.code in a.get("topics", [])]
        network = await self._networks.network_for(a["kind"], a.get("category"), topics)
        ambassador = await ambassadors.get(self._db, user_id)
        name = (
            ambassador.display_name if ambassador and ambassador.status != "left" else telegram_name
        )
        urgent = any(c.urgent and c.code == a.get("category") for c in self._strategy.categories)
        status = Status.ROUTED if network else Status.RECEIVED
        async with self._db.transaction() as connection:
            values = {
                # Numbered by the year where the municipality is: 1 January starts at midnight.
                "reference": await bolde.next_reference(connection, now.astimezone(self._tz).year),
                "sender_id": user_id,
                "sender_name": name if shows_name(a) else None,
                "kind": a["kind"],
                "text": a["text"],
                "photo_file_id": a.get("photo"),
                "voice_file_id": a.get("voice"),
                "voice_seconds": a.get("voice_seconds"),
                "latitude": a.get("latitude"),
                "longitude": a.get("longitude"),
                "place": a.get("place"),
                "category": a.get("category"),
                "urgent": urgent,
                "status": status.value,
                "network_id": network.id if network else None,
                "created_at": now,
                "changed_at": now,
            }
            bold_id = await bolde.insert(connection, values, topics)
            await bolde.add_event(
                connection,
                bold_id,
                now,
                user_id,
                Role.SENDER,
                Action.SENT,
                Status.RECEIVED,
                None,
                None,
            )
            if network:
                await bolde.add_event(
                    connection,
                    bold_id,
                    now,
                    None,
                    Role.SYSTEM,
                    Action.ROUTED,
                    status,
                    network.id,
                    None,
                )
            await self._conversations.forget(connection, user_id, CONVERSATION)
            sent = Drafted(sent=await bolde.get(self._db, bold_id), network=network)
            await self._delivery.owe(connection, await notify(sent))
        return sent

    # -- the lifecycle ------------------------------------------------------------------------

    async def act(
        self,
        bold_id: int,
        actor: int,
        action: Action,
        notify: Notify[Change],
        note: str | None = None,
        network_id: int | None = None,
        draft: int | None = None,
        kept: ConversationKind = NOTE,
    ) -> Change:
        """Do one action on a bold, if the actor may and the bold's status allows it; what it
        owes people (`notify`) is stored with it. The status read before decides nothing on its
        own: the write is conditional on it, so of two presses at once exactly one wins. With
        `draft` (a previewed text's `touched`), the draft goes in the same transaction, on the
        same condition: a text is sent once, however often Send is pressed (`kept`: the
        conversation the text was kept in)."""
        bold, role, problem = await self._checked(bold_id, actor, action)
        if bold is None or role is None or problem:
            return Change(bold=bold, problem=problem)
        if action in NEEDS_NOTE:
            note, problem = check_note(note, action)
            if problem:
                return Change(bold=bold, problem=problem)
        target = bold.network_id
        if action is Action.MOVE:
            moved_to = await self._networks.get(network_id or 0)
            if moved_to is None or moved_to.closed_at is not None:
                return Change(bold=bold, problem=Problem.UNKNOWN_CHOICE)
            if moved_to.id == bold.network_id:
                return Change(bold=bold, problem=Problem.SAME_NETWORK)
            target = moved_to.id
        now = self._clock()
        status, taker, to = await self._after(action, bold, actor)
        values: dict[str, Any] = {
            "status": status.value,
            "changed_at": now,
            "network_id": target,
            "taken_by": taker,
        }
        if action in {Action.ANSWER, Action.DECLINE}:
            values["public_answer"] = note
            if bold.first_answer_at is None:
                values["first_answer_at"] = now
        try:
            async with self._db.transaction() as connection:
                if draft is not None and not await self._conversations.forget_unchanged(
                    connection, actor, kept, draft
                ):
                    raise _Stale
                if not await bolde.update_if_unchanged(connection, bold, values):
                    raise _Overtaken
                await bolde.add_event(
                    connection, bold.id, now, actor, role, action, status, target, note
                )
                if action in AUDITED:
                    to_network = target if action is Action.MOVE else None
                    await coordinators.audit(
                        connection, actor, AUDITED[action], bold.reference, now, to_network
                    )
                if action in NEEDS_NOTE and kept is NOTE:  # the text came from it: it is done
                    await self._conversations.forget(connection, actor, NOTE)
                change = Change(
                    bold=await bolde.get(self._db, bold.id),
                    action=action,
                    network=await self._networks.get(target) if target else None,
                    note=note,
                    to=to,
                )
                await self._delivery.owe(connection, await notify(change))
        except _Stale:
            return Change(bold=bold, problem=Problem.STALE)
        except _Overtaken:
            return Change(bold=await bolde.get(self._db, bold.id), problem=Problem.OVERTAKEN)
        return change

    async def start_note(self, user_id: int, bold_id: int, action: Action) -> Change:
        """Before an action that needs a text (an answer, a question): check that it is possible
        now, then wait for the text in the person's chat."""
        if action not in NEEDS_NOTE:
            return Change(problem=Problem.NOT_FOUND)
        bold, role, problem = await self._checked(bold_id, user_id, action)
        if bold is None or role is None or problem:
            return Change(bold=bold, problem=problem)
        waiting = await self._conversations.current(user_id, NOTE)
        if waiting is not None and "text" in waiting.answers:
            return Change(problem=Problem.TEXT_WAITING)
        await self._conversations.start(user_id, NOTE, action.value, {"bold": bold.id})
        return Change(bold=bold, action=action)

    async def finish_note(self, user_id: int, text: str | None, notify: Notify[Change]) -> Change:
        """The text for the action started with `start_note`: a sender's goes at once, a
        network's is kept for its preview (`draft`: what its Send must match). A text that is
        not right can be written again; the action stays open until it is sent or stopped."""
        stored = await self._conversations.current(user_id, NOTE)
        if stored is None:
            return Change(problem=Problem.NOT_NOW)
        bold_id, action = int(stored.answers["bold"]), Action(stored.step)
        if action not in PREVIEWED:
            return await self.act(bold_id, user_id, action, notify, text)
        bold, role, problem = await self._checked(bold_id, user_id, action)
        if bold is None or role is None or problem:
            return Change(bold=bold, problem=problem)
        note, problem = check_note(text, action)
        if problem:
            return Change(bold=bold, problem=problem)
        answers = {"bold": bold.id, "text": note}
        draft = await self._conversations.put(user_id, NOTE, action.value, answers)
        network = await self._networks.get(bold.network_id) if bold.network_id else None
        return Change(bold=bold, action=action, network=network, note=note, draft=draft)

    async def send_note(
        self, user_id: int, bold_id: int, draft: int, notify: Notify[Change]
    ) -> Change:
        """Send the previewed text whose draft is still as it was shown (`draft`)."""
        stored = await self._conversations.current(user_id, NOTE)
        if (
            stored is None
            or stored.touched != draft
            or stored.answers.get("bold") != bold_id
            or "text" not in stored.answers
        ):
            return Change(problem=Problem.STALE)
        action, text = Action(stored.step), stored.answers["text"]
        change = await self.act(bold_id, user_id, action, notify, text, draft=draft)
        if change.problem and not await self._draft_is(user_id, draft):
            # A second press of the same Send lost to the first, which sent the text.
            return Change(bold=change.bold, problem=Problem.STALE)
        return change

    async def asked(self, user_id: int) -> Bold | None:
        """The bold whose network waits for the person's reply to its question: of their open
        bolde, the one asked about last."""
        return await bolde.asked_of(self._db, user_id)

    async def hold_reply(self, user_id: int, text: str) -> tuple[Bold, int] | None:
        """Text typed outside any conversation by a sender whose network waits for a reply
        (None when none waits): kept as a bold draft, as `begin` would keep it, until the
        person says whether it is the reply; the bold and the draft's `touched`."""
        bold = await self.asked(user_id)
        if bold is None:
            return None
        answers = {"text": text, "voice": None, "voice_seconds": None, "asked": bold.id}
        return bold, await self._conversations.put(user_id, CONVERSATION, Step.KIND, answers)

    async def reply_held(
        self, user_id: int, bold_id: int, draft: int, notify: Notify[Change]
    ) -> Change:
        """The held text (`hold_reply`) sent as the reply to the bold's question, as a reply
        written after "Reply" is; the draft goes with it, once."""
        held = await self._held(user_id, bold_id, draft)
        if held is None:
            return Change(problem=Problem.STALE)
        return await self.act(
            bold_id, user_id, Action.REPLY, notify, held, draft=draft, kept=CONVERSATION
        )

    async def not_a_reply(self, user_id: int, bold_id: int, draft: int) -> Drafted:
        """The held text is no reply: a new bold is offered with it, as `begin` offers one."""
        held = await self._held(user_id, bold_id, draft)
        if held is None or not await self._conversations.drop_unchanged(
            user_id, CONVERSATION, draft
        ):
            return Drafted(problem=Problem.STALE)
        return await self.begin(user_id, held)

    async def _held(self, user_id: int, bold_id: int, draft: int) -> str | None:
        stored = await self._conversations.current(user_id, CONVERSATION)
        if stored is None or stored.touched != draft or stored.answers.get("asked") != bold_id:
            return None
        return str(stored.answers["text"])

    async def _draft_is(self, user_id: int, draft: int) -> bool:
        stored = await self._conversations.current(user_id, NOTE)
        return stored is not None and stored.touched == draft

    async def _checked(
        self, bold_id: int, actor: int, action: Action
    ) -> tuple[Bold | None, Role | None, Problem | None]:
        bold = await bolde.get(self._db, bold_id)
        if bold is None or action not in TRANSITIONS:
            return None, None, Problem.NOT_FOUND
        role = await self._role(actor, bold, action)
        if role is None:
            return bold, None, Problem.NOT_ALLOWED
        if Status(bold.status) not in TRANSITIONS[action][0]:
            return bold, role, Problem.NOT_NOW
        return bold, role, None

    async def may_work_on(self, user_id: int, bold: Bold) -> bool:
        """Members of the bold's network and coordinators may take, move, answer and decline."""
        if await self._coordinators.is_coordinator(user_id):
            return True
        return bold.network_id is not None and bold.network_id in await self._networks.of_member(
            user_id
        )

    def allowed(self, action: Action, bold: Bold) -> bool:
        """Whether the bold's status allows the action now (for which buttons to show)."""
        return Status(bold.status) in TRANSITIONS[action][0]

    async def _role(self, actor: int, bold: Bold, action: Action) -> Role | None:
        """The sender writes back; the bold's network and coordinators work on it. Of the
        network, only the one who took a bold asks its sender, so one person does the asking;
        a coordinator may do everything, on every bold."""
        if action in SENDER_ACTIONS:
            return Role.SENDER if actor == bold.sender_id else None
        member = bold.network_id is not None and bold.network_id in (
            await self._networks.of_member(actor)
        )
        if member and (action is not Action.ASK or bold.taken_by in {None, actor}):
            return Role.NETWORK
        if await self._coordinators.is_coordinator(actor):
            return Role.COORDINATOR
        return None

    async def _after(
        self, action: Action, bold: Bold, actor: int
    ) -> tuple[Status, int | None, int | None]:
        """The status, the one who has the bold after the action, and who gets what the sender
        wrote. A sender's text goes to the one who asked (a reply, unless the bold moved on
        since) or took the bold, while they may still work on it; without one, the bold is its
        network's to take again (or the coordinators', when it has none), and the text goes
        there."""
        _, status = TRANSITIONS[action]
        if action is Action.MOVE:
            return Status.ROUTED, None, None
        if action not in SENDER_ACTIONS:
            keeps = action in {Action.TAKE, Action.ANSWER, Action.ASK} and bold.taken_by is None
            return status or Status(bold.status), actor if keeps else bold.taken_by, None
        taker = await self._still_working(bold.taken_by, bold)
        to = taker
        if action is Action.REPLY:
            events = await bolde.events(self._db, bold.id)
            since = [e for e in events if e.action in {Action.ASK, Action.MOVE}]
            if since and since[-1].action == Action.ASK:
                to = await self._still_working(since[-1].actor_id, bold) or taker
        if taker is None:
            return (Status.ROUTED if bold.network_id else Status.RECEIVED), None, to
        return Status.IN_PROGRESS, taker, to

    async def _still_working(self, user_id: int | None, bold: Bold) -> int | None:
        return user_id if user_id and await self.may_work_on(user_id, bold) else None

    # -- reading ------------------------------------------------------------------------------

    async def get(self, bold_id: int) -> Bold | None:
        return await bolde.get(self._db, bold_id)

    async def by_reference(self, reference: str) -> Bold | None:
        return await bolde.by_reference(self._db, reference.strip())

    async def timeline(self, bold_id: int) -> list[Event]:
        return await bolde.events(self._db, bold_id)

    async def mine(self, user_id: int) -> list[Bold]:
        return await bolde.of_sender(self._db, user_id)

    async def inbox(self, status: str | None, network_id: int | None, page: int) -> InboxPage:
        """One page of open bolde, oldest first; a page past the end shows the last one."""
        status = status if status in OPEN else None
        count = await bolde.count_open(self._db, status, network_id)
        pages = max(1, -(-count // INBOX_PAGE))
        page = min(max(page, 0), pages - 1)
        shown = await bolde.open_page(self._db, status, network_id, INBOX_PAGE, page * INBOX_PAGE)
        return InboxPage(bolde=shown, count=count, page=page, pages=pages)

    async def board(self, status: str | None, topic: str | None, page: int) -> BoardPage:
        """One page of every bold as the public sees it, newest first, of one status and one
        theme if asked; a filter the board does not know is dropped, and a page past the end
        shows the last one."""
        status = status if status in set(Status) else None
        topic = topic if topic in {t.code for t in self._strategy.topics} else None
        count = await bolde.board_count(self._db, status, topic)
        pages = max(1, -(-count // BOARD_PAGE))
        page = min(max(page, 0), pages - 1)
        shown = await bolde.board_page(self._db, status, topic, BOARD_PAGE, page * BOARD_PAGE)
        return BoardPage(
            bolde=shown, count=count, page=page, pages=pages, status=status, topic=topic
        )

    async def public(self, reference: str) -> PublicBold | None:
        """One bold as the board shows it, by its reference however it is written (see
        `reference_from`; a number alone is this year's)."""
        found = bolde.reference_from(reference, self._clock().astimezone(self._tz).year)
        return await bolde.public_by_reference(self._db, found) if found else None

    async def report_stale(self, days: int, notify: Notify[list[Bold]]) -> list[Bold]:
        """Open bolde unchanged for `days`, each reported once per such period: marked as
        reported in the transaction that stores the report."""
        now = self._clock()
        async with self._db.transaction() as connection:
            stale = await bolde.stale(self._db, now - timedelta(days=days))
            if stale:
                await bolde.mark_stale_reported(connection, [b.id for b in stale], now)
                await self._delivery.owe(connection, await notify(stale))
        return stale

    async def waiting(self, days: int) -> Waiting:
        """What waits for the coordinators and networks: counted as /inbox and the morning
        report count it (see `inbox`, `report_stale`)."""
        count = partial(bolde.count_open, self._db, network_id=None)
        return Waiting(
            open=await count(None),
            not_taken=await count(Status.RECEIVED) + await count(Status.ROUTED),
            still=await bolde.count_still(self._db, self._clock() - timedelta(days=days)),
        )

    async def figures(self) -> Figures:
        """Counted by the database: nothing here grows with the number of bolde."""
        by_kind: Counter[str] = Counter()
        by_status: Counter[str] = Counter()
        for (kind, status), n in (await bolde.counts(self._db)).items():
            by_kind[kind] += n
            by_status[status] += n
        wait = await bolde.median_wait(self._db)
        return Figures(
            total=by_kind.total(),
            by_kind=dict(by_kind),
            by_topic=await bolde.topic_counts(self._db),
            by_status=dict(by_status),
            median_to_first_answer=timedelta(seconds=wait) if wait is not None else None,
        )

    @asynccontextmanager
    async def export_csv(
        self, actor: int, t: Translator, only: ExportFilter
    ) -> AsyncIterator[list[ExportFile]]:
        """The bolde (created on those days, of that network) for Danish Excel, streamed to a
        temporary file (split or zipped when big). Anonymous senders stay anonymous: no id or
        @username of theirs is ever written."""
        await self._coordinators.record(actor, AuditAction.EXPORT_BOLDE, only.describe())
        since, until = only.bounds(t.zone)
        fetch = partial(
            bolde.export_chunk, self._db, since=since, until=until, network_id=only.network_id
        )
        rows = chunks(fetch, attrgetter("id"), EXPORT_CHUNK)
        header = [t.plain(f"export.head.{column}") for column in EXPORT_HEADER]
        shape = partial(_export_row, t, self._strategy)
        async with csv_export(t.plain("export.file.bolde"), header, rows, shape) as files:
            yield files

    # -- helpers ------------------------------------------------------------------------------

    async def _limited_until(self, user_id: int) -> datetime | None:
        recent = await bolde.sent_since(self._db, user_id, self._clock() - HOUR)
        return recent[-self._per_hour] + HOUR if len(recent) >= self._per_hour else None

    def _validate(self, step: Step, value: Any) -> tuple[dict[str, Any], Problem | None]:
        if step is Step.KIND:
            return ({"kind": value}, None) if value in set(Kind) else ({}, Problem.UNKNOWN_CHOICE)
        if step is Step.TEXT:
            return self._content(value)
        if step is Step.PHOTO:
            return {"photo": value}, None
        if step is Step.LOCATION:
            return self._location(value)
        if value not in {c.code for c in self._strategy.categories}:
            return {}, Problem.UNKNOWN_CHOICE
        return {"category": value}, None

    @staticmethod
    def _content(value: Any) -> tuple[dict[str, Any], Problem | None]:
        """A written text, or a voice note (its caption, if any, is its text): the one given
        replaces the other."""
        voice = value if isinstance(value, Voice) else None
        text = (voice.caption if voice else str(value or "")).strip()
        if voice is None and len(text) < TEXT_MIN:
            return {}, Problem.TOO_SHORT
        if len(text) > TEXT_MAX:
            return {}, Problem.TOO_LONG
        return {
            "text": text,
            "voice": voice.file_id if voice else None,
            "voice_seconds": voice.seconds if voice else None,
        }, None

    @staticmethod
    def _location(value: Any) -> tuple[dict[str, Any], Problem | None]:
        """A shared location (latitude, longitude), a typed place, or None to skip."""
        if value is None:
            return {"latitude": None, "longitude": None, "place": None}, None
        if isinstance(value, tuple):
            return {"latitude": float(value[0]), "longitude": float(value[1]), "place": None}, None
        place = " ".join(str(value).split())
        if not place:
            return {}, Problem.TOO_SHORT
        if len(place) > PLACE_MAX:
            return {}, Problem.TOO_LONG
        return {"latitude": None, "longitude": None, "place": place}, None

    def _next(self, step: Step, answers: dict[str, Any]) -> Step:
        if step is Step.TEXT and answers.get("editing"):
            return Step.CONFIRM
        if step is Step.KIND and "text" in answers:
            step = Step.TEXT  # the text is there already
        later = list(Step)[list(Step).index(step) + 1 :]
        sent = {Step.PHOTO} if answers.get("photo") else set()  # with the text or before it
        return next(s for s in later if s not in sent and self._asked(s, answers.get("kind")))

    def _asked(self, step: Step, kind: str | None) -> bool:
        """Whether a draft of this kind has the step: a place and a category only for a
        problem; no photo for a concern, which is about a person."""
        if step is Step.PHOTO:
            return kind != Kind.CONCERN
        if step is Step.LOCATION:
            return kind == Kind.PROBLEM
        if step is Step.CATEGORY:
            return kind == Kind.PROBLEM and bool(self._strategy.categories)
        return True

    @staticmethod
    def _with(draft: Draft, **changes: Any) -> Draft:
        return Draft(step=draft.step, answers={**draft.answers, **changes})

    async def _save(self, user_id: int, draft: Draft) -> Draft:
        await self._conversations.put(user_id, CONVERSATION, draft.step.value, draft.answers)
        return draft
