"""Writing a broadcast or a newsletter (one small conversation for both), scheduling and
cancelling newsletters, their archive, and opting out of them."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from bot.clock import Clock
from bot.services.conversations import ConversationKind, Conversations
from bot.services.delivery import Claim, DeliveryService, Reach
from bot.strategy import Strategy
from storage import coordinators, newsletters, people
from storage.coordinators import AuditAction
from storage.database import Connection, Database, iso
from storage.newsletters import Newsletter

TITLE_MAX, BODY_MAX, CAPTION_MAX = 100, 3500, 1000
# "10.12.2026 18:00", also "10/12-2026 kl. 18.00"; a date without a time is told what is missing.
_CLOCK = r"(?:kl\.?\s*)?(\d{1,2})[:.](\d{2})"
_WHEN = re.compile(r"^\s*(\d{1,2})[./-](\d{1,2})[./-](\d{4})(?:,?\s+" + _CLOCK + r")?\s*$", re.I)


class Kind(StrEnum):
    BROADCAST = ConversationKind.BROADCAST.value
    NEWSLETTER = ConversationKind.NEWSLETTER.value
    EVENT = ConversationKind.EVENT.value
    CALL = ConversationKind.CALL.value

    @property
    def reach(self) -> Reach:
        """Who of its audience may get it: a broadcast everyone, the others who consented."""
        if self is Kind.BROADCAST:
            return Reach.ANNOUNCEMENT
        return Reach.NEWSLETTER if self is Kind.NEWSLETTER else Reach.INVITATION


_KINDS = [ConversationKind(kind) for kind in Kind]  # fails at import when one is not a kind


class Step(StrEnum):
    MESSAGE = "message"  # a broadcast: text, or a photo with a caption
    TITLE = "title"
    BODY = "body"
    PHOTO = "photo"
    EVENT_KIND = "event_kind"
    START = "start"
    END = "end"
    PLACE = "place"
    CAPACITY = "capacity"
    CHECKIN = "checkin"  # an event: who may check in at the door
    DEADLINE = "deadline"
    AUDIENCE = "audience"
    PREVIEW = "preview"


FLOWS = {
    Kind.BROADCAST: [Step.MESSAGE, Step.AUDIENCE, Step.PREVIEW],
    Kind.NEWSLETTER: [Step.TITLE, Step.BODY, Step.PHOTO, Step.AUDIENCE, Step.PREVIEW],
    Kind.EVENT: [
        Step.EVENT_KIND, Step.TITLE, Step.BODY, Step.START, Step.END, Step.PLACE,
        Step.CAPACITY, Step.CHECKIN, Step.AUDIENCE, Step.PREVIEW,
    ],
    Kind.CALL: [
        Step.TITLE, Step.BODY, Step.START, Step.PLACE, Step.CAPACITY, Step.DEADLINE,
        Step.AUDIENCE, Step.PREVIEW,
    ],
}  # fmt: skip
SCHEDULED = {Kind.NEWSLETTER, Kind.EVENT, Kind.CALL}  # sent now or at a chosen time
SKIPPABLE = {Step.PHOTO, Step.END}  # and an event's capacity
_SKIPPED = {Step.PHOTO: "photo", Step.END: "end", Step.CAPACITY: "capacity"}  # what skip drops
_TIME = re.compile(r"^\s*" + _CLOCK + r"\s*$", re.I)
PLACE_MAX, CAPACITY_MAX = 200, 100_000


_EVENT_STEPS = {
    Step.EVENT_KIND, Step.START, Step.END, Step.PLACE, Step.CAPACITY, Step.CHECKIN, Step.DEADLINE,
}  # fmt: skip


class Door(StrEnum):
    """Who may check in at an event's door: those invited (the default), or anyone who comes."""

    INVITED = "invited"
    OPEN = "open"


class Problem(StrEnum):
    EMPTY = "empty"
    TOO_LONG = "too_long"
    TOO_LONG_FOR_PHOTO = "too_long_for_photo"
    UNKNOWN_CHOICE = "unknown_choice"
    NOT_NOW = "not_now"
    BAD_TIME = "bad_time"
    NO_SUCH_DATE = "no_such_date"  # 31.2.2027
    NO_CLOCK = "no_clock"  # a date without a time
    NO_SUCH_TIME = "no_such_time"  # skipped when the clocks go forward
    TWICE = "twice"  # happens twice when the clocks go back
    PAST = "past"
    BAD_NUMBER = "bad_number"
    BEFORE_START = "before_start"
    AFTER_START = "after_start"
    BEFORE_SENDING = "before_sending"  # the invitations are scheduled after it


class Text(BaseModel):
    """What someone typed: as they formatted it in Telegram (HTML) and without formatting."""

    html: str
    plain: str
    photo: str | None = None


# What a step can be answered with: typed text, a choice, a shared location, or nothing.
Answer = Text | str | tuple[float, float] | None


class Draft(BaseModel):
    kind: Kind
    step: Step
    answers: dict[str, Any]


class Drafted(BaseModel):
    draft: Draft | None = None
    problem: Problem | None = None


class EmailReader(BaseModel):
    """An ambassador as an e-mail's unsubscribe link finds them."""

    user_id: int
    language: str
    by_email: bool


class Unsubscribed(StrEnum):
    DONE = "done"
    ALREADY = "already"  # newsletters by e-mail were off before this
    UNKNOWN = "unknown"  # no ambassador has this link (any more)


class Cancelled(BaseModel):
    """What Cancel did: `done`, or not, and then the newsletter as it is (sent: too late)."""

    newsletter: Newsletter | None
    done: bool


def _out_of_order(answers: dict[str, Any]) -> Problem | None:
    """A kept end or deadline that a changed start has put on the wrong side of it."""
    start = datetime.fromisoformat(answers["start"])
    if answers.get("end") and datetime.fromisoformat(answers["end"]) <= start:
        return Problem.BEFORE_START
    if answers.get("deadline") and datetime.fromisoformat(answers["deadline"]) > start:
        return Problem.AFTER_START
    return None


class NewsletterService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        timezone: ZoneInfo,
        conversations: Conversations,
        delivery: DeliveryService,
        strategy: Strategy,
    ) -> None:
        self._db = db
        self._clock = clock
        self._strategy = strategy
        self._zone = timezone
        self._conversations = conversations
        self._delivery = delivery

    # -- writing -----------------------------------------------------------------------------

    async def begin(self, user_id: int, kind: Kind, newsletter_id: int | None = None) -> Drafted:
        """A new broadcast or newsletter; with `newsletter_id`, a scheduled one to change."""
        answers: dict[str, Any] = {}
        if newsletter_id is not None:
            found = await newsletters.get(self._db, newsletter_id)
            if found is None or found.status != "scheduled":
                return Drafted(problem=Problem.NOT_NOW)
            answers = {
                "editing": found.id,
                "title": found.title,
                "html": found.body_html,
                "plain": found.body_text,
                "photo": found.photo_file_id,
                "audience": found.audience,
                "send_at": iso(found.send_at),
            }
        return await self.begin_with(user_id, kind, answers)

    async def begin_with(self, user_id: int, kind: Kind, answers: dict[str, Any]) -> Drafted:
        """A draft filled in from something that exists (an event to change)."""
        draft = Draft(kind=kind, step=FLOWS[kind][0], answers=answers)
        await self._conversations.start(
            user_id, ConversationKind(kind), draft.step.value, draft.answers
        )
        return Drafted(draft=draft)

    async def draft(self, user_id: int, kind: Kind) -> Draft | None:
        """The person's draft of this kind: a button names the one it was shown with, as a
        newsletter and an event can be written side by side."""
        stored = await self._conversations.current(user_id, ConversationKind(kind))
        if stored is None:
            return None
        return Draft(kind=Kind(stored.name), step=Step(stored.step), answers=stored.answers)

    async def answer(self, user_id: int, kind: Kind, step: Step, value: Answer) -> Drafted:
        """The answer to the current step of the draft of `kind`; None keeps what is there
        (when editing) or skips the photo."""
        draft = await self.draft(user_id, kind)
        if draft is None or draft.step is not step or step is Step.PREVIEW:
            return Drafted(draft=draft, problem=Problem.NOT_NOW)
        answers, problem = self._take(draft.kind, step, value, draft.answers)
        if problem:
            return Drafted(draft=draft, problem=problem)
        flow = FLOWS[draft.kind]
        following = flow[flow.index(step) + 1]
        return Drafted(
            draft=await self._save(user_id, Draft(kind=draft.kind, step=following, answers=answers))
        )

    async def skip(self, user_id: int, kind: Kind, step: Step) -> Drafted:
        """No photo, two hours, no limit: also when changing, what the step had is dropped
        (where "keep as it was" keeps it)."""
        draft = await self.draft(user_id, kind)
        if draft is None or draft.step is not step or step not in _SKIPPED:
            return Drafted(draft=draft, problem=Problem.NOT_NOW)
        answers = {**draft.answers, _SKIPPED[step]: None}
        await self._save(user_id, Draft(kind=kind, step=step, answers=answers))
        return await self.answer(user_id, kind, step, None)

    def _take(
        self,
        kind: Kind,
        step: Step,
        value: Answer,
        answers: dict[str, Any],
    ) -> tuple[dict[str, Any], Problem | None]:
        answers = dict(answers)
        if step in _EVENT_STEPS:
            return self._event_step(kind, step, value, answers)
        if isinstance(value, tuple):
            return answers, Problem.UNKNOWN_CHOICE
        if value is None:
            if step is Step.PHOTO:
                return {**answers, "photo": None}, None
            known = {Step.TITLE: "title", Step.BODY: "html", Step.AUDIENCE: "audience"}.get(step)
            return (answers, None) if known and answers.get(known) else (answers, Problem.EMPTY)
        if step is Step.AUDIENCE:
            if not isinstance(value, str) or not self._delivery.valid_audience(value):
                return answers, Problem.UNKNOWN_CHOICE
            return {**answers, "audience": value}, None
        if step is Step.TITLE:
            title = " ".join(str(value if isinstance(value, str) else value.plain).split())
            if not title:
                return answers, Problem.EMPTY
            return (
                ({**answers, "title": title}, None)
                if len(title) <= TITLE_MAX
                else (answers, Problem.TOO_LONG)
            )
        if not isinstance(value, Text):
            return answers, Problem.UNKNOWN_CHOICE
        if step is Step.PHOTO:
            if not value.photo:
                return answers, Problem.UNKNOWN_CHOICE
            if len(answers.get("title", "")) + len(answers.get("plain", "")) > CAPTION_MAX:
                return answers, Problem.TOO_LONG_FOR_PHOTO
            return {**answers, "photo": value.photo}, None
        if not value.plain.strip() and not value.photo:
            return answers, Problem.EMPTY
        if len(value.plain) > (CAPTION_MAX if value.photo else BODY_MAX):
            return answers, Problem.TOO_LONG
        return {**answers, "html": value.html, "plain": value.plain, "photo": value.photo}, None

    def _event_step(
        self,
        kind: Kind,
        step: Step,
        value: Answer,
        answers: dict[str, Any],
    ) -> tuple[dict[str, Any], Problem | None]:
        """Kind, times, place, seats and check-in of an event or a call."""
        if step is Step.EVENT_KIND:
            codes = {kind.code for kind in self._strategy.event_kinds}
            return (
                ({**answers, "event_kind": value}, None)
                if value in codes
                else (answers, Problem.UNKNOWN_CHOICE)
            )
        if step is Step.CHECKIN:
            if not isinstance(value, str) or value not in set(Door):
                return answers, Problem.UNKNOWN_CHOICE
            return {**answers, "checkin_open": value == Door.OPEN}, None
        if step is Step.PLACE:
            if isinstance(value, tuple):
                return {**answers, "place": "📍", "latitude": value[0], "longitude": value[1]}, None
            place = " ".join((value.plain if isinstance(value, Text) else str(value or "")).split())
            if not place:
                return answers, (None if value is None and answers.get("place") else Problem.EMPTY)
            if len(place) > PLACE_MAX:
                return answers, Problem.TOO_LONG
            return {**answers, "place": place, "latitude": None, "longitude": None}, None
        text = value.plain if isinstance(value, Text) else value
        if not isinstance(text, str):
            if step in SKIPPABLE or (step is Step.CAPACITY and kind is Kind.EVENT):
                kept = {step.value: None, **answers}  # skipped, or kept as it was
                return kept, _out_of_order(kept) if step is Step.END else None
            if not answers.get(step.value):
                return answers, Problem.EMPTY
            return answers, _out_of_order(answers) if step is Step.DEADLINE else None
        if step is Step.CAPACITY:
            if not text.strip().isdigit() or not 1 <= int(text) <= CAPACITY_MAX:
                return answers, Problem.BAD_NUMBER
            return {**answers, "capacity": int(text)}, None
        start = datetime.fromisoformat(answers["start"]) if answers.get("start") else None
        if step is Step.END and start is not None and (clock := _TIME.match(text)):
            day = start.astimezone(self._zone)
            when, problem = self._local(day.year, day.month, day.day, int(clock[1]), int(clock[2]))
        else:
            when, problem = self.parse_time(text)
        if problem or when is None:
            return answers, problem or Problem.BAD_TIME
        if step is Step.END and start is not None and when <= start:
            return answers, Problem.BEFORE_START
        if step is Step.DEADLINE and start is not None and when > start:
            return answers, Problem.AFTER_START
        sending = answers.get("publish_at")  # a scheduled event, not yet sent, being changed
        if (
            step in {Step.START, Step.DEADLINE}
            and sending
            and when <= datetime.fromisoformat(sending)
        ):
            return answers, Problem.BEFORE_SENDING
        if step is Step.START and start is not None and answers.get("end"):
            # A changed start takes the kept end along: the length stays as it was.
            length = datetime.fromisoformat(answers["end"]) - start
            return {**answers, "start": iso(when), "end": iso(when + length)}, None
        return {**answers, step.value: iso(when)}, None

    async def back_to_audience(self, user_id: int, kind: Kind) -> Drafted:
        """From the audience's sub-choices or the preview, back to choosing the audience."""
        draft = await self.draft(user_id, kind)
        if draft is None or draft.step not in {Step.AUDIENCE, Step.PREVIEW}:
            return Drafted(draft=draft, problem=Problem.NOT_NOW)
        answers = {k: v for k, v in draft.answers.items() if k != "asking_time"}
        return Drafted(
            draft=await self._save(user_id, Draft(kind=kind, step=Step.AUDIENCE, answers=answers))
        )

    async def ask_time(self, user_id: int, kind: Kind) -> Draft | None:
        """At a preview: the next typed text is the time to send (or publish) it."""
        draft = await self.draft(user_id, kind)
        if draft is None or draft.kind not in SCHEDULED or draft.step is not Step.PREVIEW:
            return None
        return await self._save(
            user_id,
            Draft(kind=draft.kind, step=draft.step, answers={**draft.answers, "asking_time": True}),
        )

    # -- newsletters -------------------------------------------------------------------------

    def parse_time(self, text: str) -> tuple[datetime | None, Problem | None]:
        """ "24.12.2026 08:00" where the bot runs (BOLDEN_TIMEZONE), as UTC; in the future."""
        match = _WHEN.match(text)
        if match is None:
            return None, Problem.BAD_TIME
        day, month, year = (int(part) for part in match.groups()[:3])
        try:
            date(year, month, day)
        except ValueError:
            return None, Problem.NO_SUCH_DATE
        if match[4] is None:
            return None, Problem.NO_CLOCK
        when, problem = self._local(year, month, day, int(match[4]), int(match[5]))
        if when is None:
            return None, problem
        if when <= self._clock() + timedelta(minutes=1):
            return None, Problem.PAST
        return when, None

    def _local(
        self, year: int, month: int, day: int, hour: int, minute: int
    ) -> tuple[datetime | None, Problem | None]:
        """A wall-clock time where the bot runs, as UTC; refused when the clocks skip it or
        show it twice (a daylight saving change), as nobody can tell which one was meant."""
        try:
            local = datetime(year, month, day, hour, minute, tzinfo=self._zone)
        except ValueError:
            return None, Problem.BAD_TIME
        first, second = local.astimezone(UTC), local.replace(fold=1).astimezone(UTC)
        if first.astimezone(self._zone).replace(tzinfo=None) != local.replace(tzinfo=None):
            return None, Problem.NO_SUCH_TIME
        if first != second:
            return None, Problem.TWICE
        return first.astimezone(self._clock().tzinfo), None

    async def schedule(self, user_id: int, send_at: datetime | None) -> Newsletter | None:
        """Store the draft as a scheduled newsletter (now, when `send_at` is None); a changed
        one keeps its number. None when there is no finished draft, or it was sent meanwhile."""
        draft = await self.draft(user_id, Kind.NEWSLETTER)
        if draft is None or draft.step is not Step.PREVIEW:
            return None
        a, now = draft.answers, self._clock()
        values = {
            "title": a["title"],
            "body_html": a["html"],
            "body_text": a["plain"],
            "photo_file_id": a.get("photo"),
            "audience": a["audience"],
            "send_at": send_at or now,
        }
        async with self._db.transaction() as connection:
            if a.get("editing"):
                newsletter_id = int(a["editing"])
                if not await newsletters.change_scheduled(connection, newsletter_id, values):
                    return None
            else:
                newsletter_id = await newsletters.insert(
                    connection,
                    {**values, "status": "scheduled", "created_by": user_id, "created_at": now},
                )
            action = (
                AuditAction.NEWSLETTER_CHANGE
                if a.get("editing")
                else AuditAction.NEWSLETTER_SCHEDULE
            )
            await coordinators.audit(connection, user_id, action, str(newsletter_id), now)
            await self._conversations.forget(connection, user_id, ConversationKind.NEWSLETTER)
        return await newsletters.get(self._db, newsletter_id)

    def hand_over(self, newsletter_id: int) -> Claim:
        """Marks the newsletter sent in its batch's transaction: once, and only if scheduled."""

        async def claim(connection: Connection, batch_id: int, now: datetime) -> bool:
            return await newsletters.hand_over(connection, newsletter_id, batch_id, now)

        return claim

    async def cancel(self, actor: int, newsletter_id: int) -> Cancelled:
        """Cancel a scheduled newsletter, unless the sweep is first: exactly one of them wins."""
        async with self._db.transaction() as connection:
            done = await newsletters.cancel(connection, newsletter_id)
            if done:
                now = self._clock()
                await coordinators.audit(
                    connection, actor, AuditAction.NEWSLETTER_CANCEL, str(newsletter_id), now
                )
        return Cancelled(newsletter=await newsletters.get(self._db, newsletter_id), done=done)

    async def get(self, newsletter_id: int) -> Newsletter | None:
        return await newsletters.get(self._db, newsletter_id)

    async def scheduled(self) -> list[Newsletter]:
        return await newsletters.with_status(self._db, "scheduled")

    async def due(self) -> list[Newsletter]:
        """Scheduled ones whose time has come, also those a failed hand-over left behind."""
        now = self._clock()
        return [n for n in await self.scheduled() if n.send_at <= now]

    async def archive(self) -> list[Newsletter]:
        return await newsletters.with_status(self._db, "sent", newest_first=True)

    async def wants_newsletters(self, user_id: int, wanted: bool) -> None:
        """The button under every newsletter and in /me: off, and on again. On again is, for
        someone who is not an ambassador, also their yes to newsletters and invitations."""
        async with self._db.transaction() as connection:
            await connection.execute(
                "UPDATE people SET newsletter_off = ? WHERE user_id = ?", (not wanted, user_id)
            )
            if wanted:
                await people.set_news_consent(connection, user_id, True, self._clock())

    async def gets_newsletters(self, user_id: int) -> bool:
        row = await self._db.fetch_one(
            "SELECT newsletter_off FROM people WHERE user_id = ?", (user_id,)
        )
        return row is not None and not row["newsletter_off"]

    async def email_reader(self, token: str) -> EmailReader | None:
        """Whose e-mail link this is (an ambassador's `email_token`), if anyone's."""
        row = await self._db.fetch_one(
            "SELECT p.user_id, p.language, a.newsletter_by_email FROM ambassadors a "
            "JOIN people p ON p.user_id = a.user_id WHERE a.email_token = ?",
            (token,),
        )
        if row is None:
            return None
        return EmailReader(
            user_id=row["user_id"],
            language=row["language"],
            by_email=bool(row["newsletter_by_email"]),
        )

    async def unsubscribe_email(self, token: str) -> Unsubscribed:
        """The link in every e-mail (in the chat and on the web): no more newsletters by
        e-mail for that ambassador. The write decides whether this press did it."""
        async with self._db.transaction() as connection:
            changed = await connection.execute(
                "UPDATE ambassadors SET newsletter_by_email = 0 "
                "WHERE email_token = ? AND newsletter_by_email = 1",
                (token,),
            )
            if changed == 1:
                return Unsubscribed.DONE
            known = await connection.fetch_one(
                "SELECT 1 FROM ambassadors WHERE email_token = ?", (token,)
            )
            return Unsubscribed.ALREADY if known else Unsubscribed.UNKNOWN

    async def _save(self, user_id: int, draft: Draft) -> Draft:
        await self._conversations.put(
            user_id, ConversationKind(draft.kind), draft.step.value, draft.answers
        )
        return draft
