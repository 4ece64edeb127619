"""Becoming, being and leaving an ambassador: the sign-up conversation and the profile.

The conversation is a small state machine over `Step`, stored in the database after every
answer, so a restart of the bot resumes it where the person was.
"""

from __future__ import annotations

import re
import secrets
from datetime import timedelta
from enum import StrEnum
from typing import Any
from urllib.parse import urlparse

from pydantic import BaseModel

from bot.clock import Clock
from bot.services.conversations import ConversationKind, Conversations
from bot.services.delivery import DeliveryService, Notify
from bot.strategy import Strategy, Title
from storage import ambassadors, conversations, people
from storage.ambassadors import Ambassador, Listed
from storage.database import Database

PRIVACY_VERSION = "2026-12"
LISTED_PAGE = 50  # ambassadors on a page of the public list
SEARCH_WORDS = 8  # words of a public search that are used; the rest are left out
NAME_MAX, ORGANISATION_MAX, DESCRIPTION_MAX, WEBSITE_MAX, EMAIL_MAX = 64, 100, 500, 200, 254
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class Step(StrEnum):
    KIND = "kind"
    NAME = "display_name"
    ORGANISATION = "organisation"
    DESCRIPTION = "org_description"
    WEBSITE = "org_website"
    EMAIL = "email"  # the one e-mail question: an address is a yes to the newsletter by e-mail
    LISTED = "listed"  # on the public list of ambassadors, or not (changed later in /me)
    CONSENT = "consent"


ORDER = list(Step)
_NEWSLETTER = "newsletter_by_email"  # the profile's field, answered by the e-mail question
SKIPPABLE = {Step.DESCRIPTION, Step.WEBSITE, Step.EMAIL}
TEXT_STEPS = {Step.NAME, Step.ORGANISATION, Step.DESCRIPTION, Step.WEBSITE, Step.EMAIL}
SIGNUP_ONLY = {Step.LISTED, Step.CONSENT}  # asked in the sign-up; /me has its own buttons


class Mode(StrEnum):
    SIGNUP = ConversationKind.SIGNUP.value
    EDIT = ConversationKind.EDIT.value


class Joined(BaseModel):
    """Someone became an ambassador through another's invite link: the inviter is told once,
    in the transaction that stores the newcomer (a second sign-up of the same person keeps the
    first row, so it tells nobody)."""

    inviter_id: int
    name: str


class Left(StrEnum):
    """What a "stop as ambassador" led to; a second press finds it already done."""

    NOW = "now"
    ALREADY = "already"
    NEVER = "never"  # not an ambassador, and never was


class Stayed(StrEnum):
    """What an answer to the yearly question led to; a second press finds it already done."""

    STAYING = "staying"
    ALREADY_STAYING = "already_staying"  # answered yes before, or not asked
    LEFT = "left"
    ALREADY_LEFT = "already_left"
    NEVER = "never"


class Problem(StrEnum):
    EMPTY = "empty"
    TOO_LONG = "too_long"
    NOT_A_WEBSITE = "website"
    NOT_AN_EMAIL = "email"
    NOT_SKIPPABLE = "not_skippable"
    UNKNOWN_CHOICE = "unknown_choice"


LIMITS = {
    Step.NAME: NAME_MAX,
    Step.ORGANISATION: ORGANISATION_MAX,
    Step.DESCRIPTION: DESCRIPTION_MAX,
    Step.WEBSITE: WEBSITE_MAX,
    Step.EMAIL: EMAIL_MAX,
}


class Conversation(BaseModel):
    mode: Mode
    step: Step
    answers: dict[str, Any]


class Answered(BaseModel):
    """What an answer led to: the next question, a problem with it, or a saved profile."""

    conversation: Conversation | None = None
    problem: Problem | None = None
    saved: Ambassador | None = None


class Listing(BaseModel):
    """A page of the public list: those on it who match a search, by name."""

    ambassadors: list[Listed]
    count: int
    page: int  # from 0
    pages: int
    kind: str | None  # the filters that were applied: a code the strategy does not know is none
    topic: str | None


def validate(step: Step, value: str | bool | None) -> tuple[Any, Problem | None]:
    """Check one answer; returns the value to store, or the problem with it."""
    if value is None:
        return None, (None if step in SKIPPABLE else Problem.NOT_SKIPPABLE)
    text = str(value).strip()
    if not text:
        return None, Problem.EMPTY
    if step is Step.WEBSITE:
        text = _website(text)
    if len(text) > LIMITS.get(step, NAME_MAX):
        return None, Problem.TOO_LONG
    if step is Step.WEBSITE and not _is_website(text):
        return None, Problem.NOT_A_WEBSITE
    if step is Step.EMAIL and not _EMAIL.match(text):
        return None, Problem.NOT_AN_EMAIL
    return text, None


def _website(text: str) -> str:
    """People write "www.rodekors.dk" as often as the whole address: that one gets https://."""
    return text if "://" in text else "https://" + text


def _is_website(text: str) -> bool:
    parsed = urlparse(text)
    return parsed.scheme in {"http", "https"} and "." in parsed.netloc and " " not in text


def search_term(strategy: Strategy, word: str, by_number: bool) -> ambassadors.Term:
    """One searched word: found in a name or organisation, as the title of a kind or theme in
    either language, and (`by_number`) as an ambassador's number, "#12" or "12"."""
    folded, digits = word.casefold(), word.lstrip("#")

    def named(title: Title) -> bool:
        return folded in title.da.casefold() or folded in title.en.casefold()

    numbered = by_number and digits.isdigit() and len(digits) < 19
    return ambassadors.Term(
        folded=folded,
        number=int(digits) if numbered else None,
        kinds=[k.code for k in strategy.ambassador_kinds if named(k.title)],
        topics=[t.code for t in strategy.topics if named(t.title)],
    )


class AmbassadorService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        strategy: Strategy,
        reconfirm_days: int,
        grace_days: int,
        conversations: Conversations,
        delivery: DeliveryService,
    ) -> None:
        self._db = db
        self._conversations = conversations
        self._delivery = delivery
        self._clock = clock
        self._strategy = strategy
        self._reconfirm = timedelta(days=reconfirm_days)
        self._grace = timedelta(days=grace_days)

    # -- the conversation ---------------------------------------------------------------------

    async def start_signup(self, user_id: int) -> Conversation:
        """Begin (or begin again) the sign-up; an existing profile fills in the answers."""
        current = await ambassadors.get(self._db, user_id)
        answers = {f: getattr(current, f) for f in ambassadors.PROFILE_FIELDS} if current else {}
        return await self._save(
            user_id, Conversation(mode=Mode.SIGNUP, step=Step.KIND, answers=answers), first=True
        )

    async def start_edit(self, user_id: int, step: Step) -> Conversation | None:
        """Change one field of the profile; None when the person is not an ambassador."""
        current = await self.profile(user_id)
        if current is None or step in SIGNUP_ONLY:
            return None
        if not self._applies(step, {Step.KIND.value: current.kind}):
            return None
        answers = {f: getattr(current, f) for f in ambassadors.PROFILE_FIELDS}
        edit = Conversation(mode=Mode.EDIT, step=step, answers=answers)
        return await self._save(user_id, edit, first=True)

    async def conversation(self, user_id: int, mode: Mode) -> Conversation | None:
        """The person's open sign-up or edit (`mode`): a button names the one it was shown
        with, as both can be open at once. None when there is none."""
        stored = await self._conversations.current(user_id, ConversationKind(mode))
        if stored is None:
            return None
        return Conversation(mode=Mode(stored.name), step=Step(stored.step), answers=stored.answers)

    async def answer(self, user_id: int, mode: Mode, value: str | bool | None) -> Answered:
        """Take the answer to the current question of the sign-up or edit (`mode`); move on,
        or say what is wrong with it."""
        conversation = await self.conversation(user_id, mode)
        if conversation is None or conversation.step is Step.CONSENT:
            return Answered()
        step = conversation.step
        if step is Step.KIND:
            if value not in {kind.code for kind in self._strategy.ambassador_kinds}:
                return Answered(conversation=conversation, problem=Problem.UNKNOWN_CHOICE)
            stored: Any = value
        elif step is Step.LISTED:
            if not isinstance(value, bool):
                return Answered(conversation=conversation, problem=Problem.UNKNOWN_CHOICE)
            stored = value
        else:
            stored, problem = validate(step, value)
            if problem:
                return Answered(conversation=conversation, problem=problem)
        answers = {**conversation.answers, step.value: stored}
        if step is Step.EMAIL:
            answers[_NEWSLETTER] = stored is not None
        following = self._next(step, answers, conversation.mode)
        if following is None:
            return Answered(saved=await self._apply_edit(user_id, answers))
        return Answered(
            conversation=await self._save(
                user_id, Conversation(mode=conversation.mode, step=following, answers=answers)
            )
        )

    async def back(self, user_id: int, mode: Mode) -> Conversation | None:
        """The question before this one; at the first one (or when editing) nothing changes."""
        conversation = await self.conversation(user_id, mode)
        if conversation is None or conversation.mode is Mode.EDIT:
            return conversation
        earlier = [
            s
            for s in ORDER[: ORDER.index(conversation.step)]
            if self._applies(s, conversation.answers)
        ]
        if not earlier:
            return conversation
        return await self._save(user_id, conversation.model_copy(update={"step": earlier[-1]}))

    async def consent(self, user_id: int, given: bool, notify: Notify[Joined]) -> Ambassador | None:
        """The last step: with consent the ambassador is stored; without, nothing is."""
        conversation = await self.conversation(user_id, Mode.SIGNUP)
        if conversation is None or conversation.step is not Step.CONSENT:
            return None
        if not given:
            await self._conversations.cancel(user_id, ConversationKind.SIGNUP)
            return None
        now = self._clock()
        profile = self._profile_values(conversation.answers)
        existing = await ambassadors.get(self._db, user_id)
        inviter = None if existing else await self.invited_by(user_id)
        async with self._db.transaction() as connection:
            common = {
                **profile,
                "consent_at": now,
                "consent_version": PRIVACY_VERSION,
                "listed_at": now if conversation.answers.get(Step.LISTED.value) else None,
                "status": "active",
                "left_at": None,
                "confirm_due_at": now + self._reconfirm,
                "confirm_asked_at": None,
            }
            if existing:
                await ambassadors.update(connection, user_id, common)
            else:
                await ambassadors.insert(
                    connection,
                    {
                        "user_id": user_id,
                        "number": await ambassadors.next_number(connection),
                        "joined_at": now,
                        "referral_code": secrets.token_urlsafe(6),
                        "email_token": secrets.token_hex(12),
                        "referred_by": inviter.user_id if inviter else None,
                        **common,
                    },
                )
                if inviter:
                    joined = Joined(inviter_id=inviter.user_id, name=str(profile[Step.NAME.value]))
                    await self._delivery.owe(connection, await notify(joined))
            await conversations.delete(connection, user_id, ConversationKind.SIGNUP)
        return await self.profile(user_id)

    # -- the profile --------------------------------------------------------------------------

    async def profile(self, user_id: int) -> Ambassador | None:
        """The ambassador as stored; None for people who are not (or no longer) ambassadors."""
        found = await ambassadors.get(self._db, user_id)
        return found if found and found.status != "left" else None

    async def has_left(self, user_id: int) -> bool:
        """Whether the person was an ambassador and stopped (the profile is kept)."""
        found = await ambassadors.get(self._db, user_id)
        return found is not None and found.status == "left"

    async def invited_by(self, user_id: int) -> Ambassador | None:
        """The ambassador whose invite link (or QR code) this person opened last, while the
        person is not an ambassador themself."""
        if await self.profile(user_id) is not None:
            return None
        code = await people.latest_deep_link(self._db, user_id, "ref")
        found = await self.referrer(code) if code else None
        return None if found is None or found.user_id == user_id else found

    async def referrer(self, code: str) -> Ambassador | None:
        """The ambassador whose invite code this is, while they are one."""
        found = await ambassadors.by_referral_code(self._db, code)
        return await self.profile(found.user_id) if found else None

    async def by_number(self, number: int) -> Ambassador | None:
        """The ambassador with that running number (as /ambassadors lists them)."""
        return await ambassadors.by_number(self._db, number) if number < 2**63 else None

    async def referrals(self, user_id: int) -> int:
        return await ambassadors.referral_count(self._db, user_id)

    async def toggle_topic(self, user_id: int, code: str) -> Ambassador | None:
        """Choose or unchoose a theme or core area; None when that is not possible."""
        current = await self.profile(user_id)
        codes = {topic.code for topic in [*self._strategy.themes, *self._strategy.core_areas]}
        if current is None or code not in codes:
            return None
        async with self._db.transaction() as connection:
            await ambassadors.set_topic(connection, user_id, code, code not in current.topics)
        return await self.profile(user_id)

    async def set_newsletter(self, user_id: int, wanted: bool) -> Ambassador | None:
        current = await self.profile(user_id)
        if current is None or (wanted and not current.email):
            return None
        async with self._db.transaction() as connection:
            await ambassadors.update(connection, user_id, {"newsletter_by_email": wanted})
        return await self.profile(user_id)

    async def set_listed(self, user_id: int, wanted: bool) -> Ambassador | None:
        """On or off the public list, at once; None when the person is no ambassador. A yes
        keeps the moment of the first one (the record of consent); a change since (a second
        phone, leaving) wins, as the conditional write refuses to undo it."""
        current = await self.profile(user_id)
        if current is None:
            return None
        if (current.listed_at is not None) != wanted:
            async with self._db.transaction() as connection:
                await ambassadors.update(
                    connection,
                    user_id,
                    {"listed_at": self._clock() if wanted else None},
                    expected={"status": current.status, "listed_at": current.listed_at},
                )
        return await self.profile(user_id)

    async def listing(self, words: str, kind: str | None, topic: str | None, page: int) -> Listing:
        """The public list: active ambassadors who said yes to it and match every word (in the
        name, organisation, or the title of their kind or a theme; never the number), of that
        kind and theme (unknown ones are no filter). A website is shown only as a web address."""
        terms = [
            search_term(self._strategy, word, by_number=False)
            for word in words.split()[:SEARCH_WORDS]
        ]
        kind = kind if any(k.code == kind for k in self._strategy.ambassador_kinds) else None
        topic = topic if any(t.code == topic for t in self._strategy.topics) else None
        count = await ambassadors.search_count(self._db, terms, kind, topic, listed=True)
        pages = max(1, -(-count // LISTED_PAGE))
        page = min(max(page, 0), pages - 1)
        found = await ambassadors.listed(
            self._db, terms, kind, topic, page * LISTED_PAGE, LISTED_PAGE
        )
        shown = [
            entry
            if entry.org_website is None or _is_website(entry.org_website)
            else entry.model_copy(update={"org_website": None})
            for entry in found
        ]
        return Listing(
            ambassadors=shown, count=count, page=page, pages=pages, kind=kind, topic=topic
        )

    async def leave(self, user_id: int) -> Left:
        """End the ambassadorship; the person stays, as a citizen. Only the press that changes
        the row ends it (a conditional write), so a second one finds it already done."""
        found = await ambassadors.get(self._db, user_id)
        if found is None:
            return Left.NEVER
        async with self._db.transaction() as connection:
            changed = found.status != "left" and await ambassadors.update(
                connection,
                user_id,
                {"status": "left", "left_at": self._clock(), "listed_at": None},
                expected={"status": found.status},
            )
            if not changed:
                return Left.ALREADY
            await conversations.delete(connection, user_id, ConversationKind.SIGNUP)
            await conversations.delete(connection, user_id, ConversationKind.EDIT)
        return Left.NOW

    # -- the yearly question ------------------------------------------------------------------

    async def stay(self, user_id: int, staying: bool) -> Stayed:
        """The answer to the yearly question: stay (also from passive) or leave. Only an open
        question is answered (a conditional write), so a second press finds it already done."""
        if not staying:
            left = await self.leave(user_id)
            return {Left.NOW: Stayed.LEFT, Left.ALREADY: Stayed.ALREADY_LEFT}.get(
                left, Stayed.NEVER
            )
        found = await ambassadors.get(self._db, user_id)
        if found is None:
            return Stayed.NEVER
        if found.status == "left":
            return Stayed.ALREADY_LEFT
        if found.confirm_asked_at is None:
            return Stayed.ALREADY_STAYING
        now = self._clock()
        async with self._db.transaction() as connection:
            answered = await ambassadors.update(
                connection,
                user_id,
                {
                    "status": "active",
                    "confirm_asked_at": None,
                    "confirm_due_at": now + self._reconfirm,
                },
                expected={"confirm_asked_at": found.confirm_asked_at, "status": found.status},
            )
        return Stayed.STAYING if answered else Stayed.ALREADY_STAYING

    async def ask_due(self, notify: Notify[list[Ambassador]]) -> list[Ambassador]:
        """Ambassadors to ask now: marked as asked in the transaction that puts their questions
        in the outbox, so a restart neither asks anyone twice nor loses a question."""
        now = self._clock()
        async with self._db.transaction() as connection:
            due = await ambassadors.due_for_confirmation(self._db, now)
            for user_id in due:
                await ambassadors.update(connection, user_id, {"confirm_asked_at": now})
            asked = [a for a in [await self.profile(user_id) for user_id in due] if a is not None]
            await self._delivery.owe(connection, await notify(asked))
        return asked

    async def expire_unanswered(self) -> int:
        """Those who did not answer within the grace period become passive, and leave the public
        list (coming back, they choose again in /me); returns how many."""
        silent = await ambassadors.unanswered_since(self._db, self._clock() - self._grace)
        async with self._db.transaction() as connection:
            for user_id in silent:
                await ambassadors.update(
                    connection, user_id, {"status": "passive", "listed_at": None}
                )
        return len(silent)

    # -- helpers ------------------------------------------------------------------------------

    def _is_organisation(self, kind: str) -> bool:
        return any(k.code == kind and k.organisation for k in self._strategy.ambassador_kinds)

    def _profile_values(self, answers: dict[str, Any]) -> dict[str, Any]:
        """The answers as the profile stores them; no organisation fields for a person."""
        values = {field: answers.get(field) for field in ambassadors.PROFILE_FIELDS}
        values[_NEWSLETTER] = bool(values[_NEWSLETTER])
        if not self._is_organisation(str(values["kind"])):
            values.update(organisation=None, org_description=None, org_website=None)
        return values

    def _applies(self, step: Step, answers: dict[str, Any]) -> bool:
        if step in {Step.ORGANISATION, Step.DESCRIPTION, Step.WEBSITE}:
            return self._is_organisation(str(answers.get(Step.KIND.value)))
        return True

    def _next(self, step: Step, answers: dict[str, Any], mode: Mode) -> Step | None:
        if mode is Mode.EDIT:
            # An edit asks only what the change makes necessary.
            if (
                step is Step.KIND
                and self._applies(Step.ORGANISATION, answers)
                and not answers.get(Step.ORGANISATION.value)
            ):
                return Step.ORGANISATION
            return None
        later = [s for s in ORDER[ORDER.index(step) + 1 :] if self._applies(s, answers)]
        return later[0]

    async def _apply_edit(self, user_id: int, answers: dict[str, Any]) -> Ambassador | None:
        async with self._db.transaction() as connection:
            await ambassadors.update(connection, user_id, self._profile_values(answers))
            await conversations.delete(connection, user_id, ConversationKind.EDIT)
        return await self.profile(user_id)

    async def _save(
        self, user_id: int, conversation: Conversation, first: bool = False
    ) -> Conversation:
        """Store a step; `first` starts the conversation, nothing answered yet."""
        store = self._conversations.start if first else self._conversations.put
        await store(
            user_id,
            ConversationKind(conversation.mode),
            conversation.step.value,
            conversation.answers,
        )
        return conversation
