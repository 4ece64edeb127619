"""Who may coordinate, and the figures and lists coordinators work with."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from functools import partial
from operator import attrgetter

from pydantic import BaseModel

from bot.clock import Clock
from bot.i18n import Translator
from bot.services.ambassadors import search_term
from bot.services.conversations import ConversationKind
from bot.services.delivery import DeliveryService, Notify
from bot.services.exports import (
    ExportFile,
    ExportFilter,
    Row,
    chunks,
    csv_export,
    local_time,
    username,
)
from bot.strategy import Strategy
from storage import ambassadors, conversations, coordinators, people
from storage.ambassadors import Ambassador
from storage.coordinators import AuditAction, AuditEntry
from storage.database import Database

EXPORT_CHUNK = 250  # ambassadors or audit entries read at a time for an export
AUDIT_PAGE = 10  # entries on a page of /audit
FOUND_PAGE = 8  # ambassadors on a page of /ambassadors
MESSAGE_MAX = 3500  # characters in a coordinator's message to one person: room for the frame
EXPORT_HEADER = (
    "number", "name", "kind", "organisation", "description", "website", "email", "telegram",
    "newsletter_by_email", "topics", "joined", "status", "referrals",
)  # fmt: skip
AUDIT_HEADER = ("at", "actor", "actor_name", "telegram", "action", "subject")


class Overview(BaseModel):
    active: int
    passive: int
    by_kind: dict[str, int]
    by_topic: dict[str, int]


class Figures(BaseModel):
    active: int
    passive: int
    citizen_share: float


class AuditPage(BaseModel):
    entries: list[AuditEntry]
    page: int
    pages: int


class Found(BaseModel):
    """A page of the ambassadors a search found."""

    ambassadors: list[Ambassador]
    count: int
    page: int
    pages: int


class Coordinator(BaseModel):
    user_id: int
    name: str | None
    username: str | None
    configured: bool
    granted_at: datetime | None


class Change(BaseModel):
    changed: bool
    configured: bool = False  # the person is a coordinator through BOLDEN_COORDINATORS
    unknown: bool = False  # the bot never met the person: nothing was granted


class CoordinatorService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        strategy: Strategy,
        configured: frozenset[int],
        delivery: DeliveryService,
    ) -> None:
        self._db = db
        self._clock = clock
        self._strategy = strategy
        self._configured = configured
        self._delivery = delivery

    async def is_coordinator(self, user_id: int) -> bool:
        """The one place the role is checked: configured ones plus those granted in the chat."""
        return user_id in self._configured or user_id in await coordinators.granted(self._db)

    async def all(self) -> set[int]:
        return set(self._configured) | await coordinators.granted(self._db)

    async def roster(self) -> list[Coordinator]:
        """Every coordinator, those of BOLDEN_COORDINATORS first, with name and @username where
        the bot knows them."""
        granted = await coordinators.granted_at(self._db)
        everyone = sorted(self._configured) + sorted(set(granted) - self._configured)
        names = await coordinators.names(self._db, everyone)
        return [
            Coordinator(
                user_id=user_id,
                name=names.get(user_id, (None, None))[0],
                username=names.get(user_id, (None, None))[1],
                configured=user_id in self._configured,
                granted_at=granted.get(user_id),
            )
            for user_id in everyone
        ]

    async def grant(self, actor: int, user_id: int, notify: Notify[int]) -> Change:
        """Grant the role; the new coordinator is told, in the same transaction."""
        now = self._clock()
        async with self._db.transaction() as connection:
            changed = user_id not in self._configured and await coordinators.grant(
                connection, user_id, actor, now
            )
            if changed:
                await coordinators.audit(
                    connection, actor, AuditAction.COORDINATOR_ADD, str(user_id), now
                )
                await self._delivery.owe(connection, await notify(user_id))
        unknown = not changed and await people.get(self._db, user_id) is None
        return Change(changed=changed, configured=user_id in self._configured, unknown=unknown)

    async def revoke(self, actor: int, user_id: int) -> Change:
        if user_id in self._configured:
            return Change(changed=False, configured=True)
        now = self._clock()
        async with self._db.transaction() as connection:
            changed = await coordinators.revoke(connection, user_id)
            if changed:
                await coordinators.audit(
                    connection, actor, AuditAction.COORDINATOR_REMOVE, str(user_id), now
                )
        return Change(changed=changed)

    async def find(self, words: str, kind: str | None, topic: str | None, page: int) -> Found:
        """Ambassadors who match every word (in the name, organisation, number, or the title of
        their kind or of a theme they chose, in either language), of that kind and theme."""
        terms = [self._term(word) for word in words.split()]
        count = await ambassadors.search_count(self._db, terms, kind, topic)
        pages = max(1, -(-count // FOUND_PAGE))
        page = min(max(page, 0), pages - 1)  # the list may have shrunk since the button
        found = await ambassadors.search(
            self._db, terms, kind, topic, page * FOUND_PAGE, FOUND_PAGE
        )
        return Found(ambassadors=found, count=count, page=page, pages=pages)

    async def kinds_found(self, words: str, topic: str | None) -> dict[str, int]:
        """What choosing each kind would find, within the words and theme chosen already."""
        terms = [self._term(word) for word in words.split()]
        return await ambassadors.search_kinds(self._db, terms, topic)

    async def topics_found(self, words: str, kind: str | None) -> dict[str, int]:
        """What choosing each theme would find, within the words and kind chosen already."""
        terms = [self._term(word) for word in words.split()]
        return await ambassadors.search_topics(self._db, terms, kind)

    def _term(self, word: str) -> ambassadors.Term:
        return search_term(self._strategy, word, by_number=True)

    async def write_to(self, actor: int, touched: int, user_id: int, notify: Notify[int]) -> bool:
        """Send a coordinator's message to one person, once: the draft, as the coordinator saw
        it in the preview (`touched`), ends in the transaction that owes the message; a second
        tap, or a draft changed since, finds nothing and sends nothing."""
        now = self._clock()
        async with self._db.transaction() as connection:
            drafted = await conversations.delete_unchanged(
                connection, actor, ConversationKind.MESSAGE, touched
            )
            if drafted:
                await self._delivery.owe(connection, await notify(user_id))
                await coordinators.audit(
                    connection, actor, AuditAction.MESSAGE_SEND, str(user_id), now
                )
        return drafted

    async def overview(self) -> Overview:
        """Counted by the database."""
        counts = await ambassadors.counts(self._db)
        by_kind = {kind: n for (status, kind), n in counts.items() if status == "active"}
        return Overview(
            active=sum(by_kind.values()),
            passive=sum(n for (status, _), n in counts.items() if status == "passive"),
            by_kind=by_kind,
            by_topic=await ambassadors.topic_counts(self._db, "active"),
        )

    async def figures(self) -> Figures:
        counts = await ambassadors.counts(self._db)
        citizen_kinds = {k.code for k in self._strategy.ambassador_kinds if k.citizen}
        active = sum(n for (status, _), n in counts.items() if status == "active")
        citizens = sum(
            n
            for (status, kind), n in counts.items()
            if status == "active" and kind in citizen_kinds
        )
        return Figures(
            active=active,
            passive=sum(n for (status, _), n in counts.items() if status == "passive"),
            citizen_share=citizens / active if active else 0.0,
        )

    async def record(self, actor: int, action: AuditAction, subject: str) -> None:
        """An audit entry for something that changes nothing else (an export)."""
        async with self._db.transaction() as connection:
            await coordinators.audit(connection, actor, action, subject, self._clock())

    async def audit_page(self, page: int) -> AuditPage:
        """The log newest first, a page at a time (a page past the end shows the last)."""
        pages = max(1, -(-await coordinators.audit_count(self._db) // AUDIT_PAGE))
        page = min(max(page, 0), pages - 1)
        entries = await coordinators.audit_latest(self._db, page * AUDIT_PAGE, AUDIT_PAGE)
        return AuditPage(entries=entries, page=page, pages=pages)

    @asynccontextmanager
    async def export_csv(
        self, actor: int, t: Translator, only: ExportFilter
    ) -> AsyncIterator[list[ExportFile]]:
        """The ambassadors who have not left (joined on those days, in that network), for
        Excel in the coordinator's language; streamed to a temporary file like the bolde's."""
        await self.record(actor, AuditAction.EXPORT_AMBASSADORS, only.describe())
        since, until = only.bounds(t.zone)
        fetch = partial(
            ambassadors.export_chunk,
            self._db,
            since=since,
            until=until,
            network_id=only.network_id,
        )
        rows = chunks(fetch, attrgetter("number"), EXPORT_CHUNK)
        header = [t.plain(f"export.head.{column}") for column in EXPORT_HEADER]
        shape = partial(_export_row, t, self._strategy)
        async with csv_export(t.plain("export.file.ambassadors"), header, rows, shape) as files:
            yield files

    @asynccontextmanager
    async def audit_csv(
        self, actor: int, t: Translator, only: ExportFilter
    ) -> AsyncIterator[list[ExportFile]]:
        """The audit log (of those days), oldest first; the export itself is in it."""
        await self.record(actor, AuditAction.EXPORT_AUDIT, only.describe())
        since, until = only.bounds(t.zone)
        fetch = partial(coordinators.audit_chunk, self._db, since=since, until=until)
        rows = chunks(fetch, attrgetter("id"), EXPORT_CHUNK)
        header = [t.plain(f"export.head.{column}") for column in AUDIT_HEADER]
        shape = partial(_audit_row, t)
        async with csv_export(t.plain("export.file.audit"), header, rows, shape) as files:
            yield files


ERASED = "deleted"  # the subject of an entry about a person who was erased since


def audit_action(t: Translator, action: str) -> str:
    """What an audit entry's action code means, in the reader's words."""
    return t.plain(f"audit.action.{action}")


def audit_subject(t: Translator, entry: AuditEntry) -> str:
    """What an entry is about (a person or network by name, else as stored: an id, a filter, a
    bold's reference), and the network it concerns too; or that the person is erased."""
    if entry.subject == ERASED:
        return t.plain("audit.erased")
    subject = entry.subject_name or entry.subject
    if entry.network:
        subject += " " + t.plain(f"audit.network.{entry.action}", network=entry.network)
    return subject


def _audit_row(t: Translator, e: AuditEntry) -> Row:
    return (
        local_time(e.at, t.zone), e.actor or "", e.actor_name or "", username(e.actor_username),
        audit_action(t, e.action), audit_subject(t, e),
    )  # fmt: skip


def _export_row(t: Translator, strategy: Strategy, a: ambassadors.ExportRow) -> Row:
    kinds = {kind.code: kind.title.get(t.language) for kind in strategy.ambassador_kinds}
    topics = strategy.titles((a.topics or "").split(), t.language)
    return (
        a.number, a.display_name, kinds.get(a.kind, a.kind), a.organisation or "",
        a.org_description or "", a.org_website or "", a.email or "", username(a.username),
        t.plain("common.yes" if a.newsletter_by_email else "common.no"), ", ".join(topics),
        local_time(a.joined_at, t.zone), t.plain(f"export.status.{a.status}"), a.referrals,
    )  # fmt: skip
