"""Who talks to the bot, in which language, and which deep link brought them."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from pydantic import BaseModel

from bot.clock import Clock
from bot.config import LANGUAGES
from storage import people
from storage.database import Database
from storage.people import Person

# last_seen is kept to this precision: a person who writes again sooner changes no row, so most
# updates need no write (and no wait for the shared writer) to say that someone is there.
SEEN_EVERY = timedelta(minutes=5)
# Telegram allows A-Z, a-z, 0-9, _ and - in a start payload, at most 64 characters.
_DEEP_LINK = re.compile(r"^([a-z]{1,16})-([A-Za-z0-9_-]{1,47})$")


class DeepLink(BaseModel):
    kind: str
    argument: str


def parse_deep_link(payload: str) -> DeepLink | None:
    """`ref-AB12` becomes kind `ref`, argument `AB12`; anything else is not a deep link of ours."""
    match = _DEEP_LINK.match(payload)
    return DeepLink(kind=match[1], argument=match[2]) if match else None


def language_for(language_code: str | None, default: str) -> str:
    """Danish for Danish Telegram apps, English for every other known one, else the default."""
    if not language_code:
        return default
    return "da" if language_code.lower().startswith("da") else "en"


def _stale(
    person: Person, language: str, username: str | None, name: str | None, now: datetime
) -> bool:
    """Whether a sign of life now would change the stored row (beyond a recent last_seen)."""
    return (
        person.blocked_at is not None
        or person.username != username
        or person.name != name
        or (not person.language_chosen and person.language != language)
        or now - person.last_seen >= SEEN_EVERY
    )


class PeopleService:
    def __init__(self, db: Database, clock: Clock, default_language: str) -> None:
        self._db = db
        self._clock = clock
        self._default_language = default_language

    async def seen(
        self,
        user_id: int,
        language_code: str | None,
        username: str | None = None,
        name: str | None = None,
    ) -> Person:
        """Record that the person wrote or pressed something; return them as stored.

        This runs for every update, so it reads first (on the reader, beside every write) and
        writes only when the row would change: someone new (`met_now`), a block mark to clear,
        Telegram's language, @username or name changed, or the last sign of life older than
        SEEN_EVERY."""
        language = language_for(language_code, self._default_language)
        now = self._clock()
        person = await people.get(self._db, user_id)
        if person is not None and not _stale(person, language, username, name, now):
            return person
        async with self._db.transaction() as connection:
            stored = await people.upsert_seen(connection, user_id, language, username, name, now)
        return stored.model_copy(update={"met_now": person is None})

    async def known(self, user_id: int) -> Person | None:
        """The person as stored, without counting this as a sign of life (a group message)."""
        return await people.get(self._db, user_id)

    async def names(self, user_ids: list[int]) -> dict[int, str]:
        """How coordinators know each person: ambassador name, else name in Telegram."""
        return await people.names(self._db, user_ids)

    async def choose_language(self, user_id: int, language: str) -> Person:
        if language not in LANGUAGES:
            raise ValueError(f"unknown language {language!r}")
        async with self._db.transaction() as connection:
            await people.set_language(connection, user_id, language)
        return await self._get(user_id)

    async def arrived_through(self, user_id: int, payload: str) -> DeepLink | None:
        """Keep the deep link someone started the bot with, for referrals and check-in."""
        link = parse_deep_link(payload)
        if link is not None:
            async with self._db.transaction() as connection:
                await people.add_deep_link(
                    connection, user_id, link.kind, link.argument, self._clock()
                )
        return link

    async def consent_to_news(self, user_id: int, consent: bool) -> Person | None:
        """The answer to "newsletters and invitations?", kept with its time as the record.
        None for an active ambassador: their sign-up is their consent, /leave withdraws it."""
        async with self._db.transaction() as connection:
            if not await people.set_news_consent(connection, user_id, consent, self._clock()):
                return None
        return await self._get(user_id)

    async def may_ask_consent(self, user_id: int) -> bool:
        """Whether to ask the one-tap question: once, and never an ambassador."""
        return await people.consent_unasked(self._db, user_id)

    async def blocked_the_bot(self, user_id: int) -> None:
        async with self._db.transaction() as connection:
            await people.mark_blocked(connection, user_id, self._clock())

    async def reachable(self, user_ids: list[int]) -> list[int]:
        """Those of `user_ids` not known to have blocked the bot, in the same order."""
        blocked = await people.blocked_among(self._db, user_ids)
        return [user_id for user_id in user_ids if user_id not in blocked]

    async def language_of(self, user_id: int) -> str:
        person = await people.get(self._db, user_id)
        return person.language if person else self._default_language

    async def _get(self, user_id: int) -> Person:
        person = await people.get(self._db, user_id)
        assert person is not None, "the person was stored in the transaction before"
        return person
