"""Who may coordinate, and the figures and lists coordinators work with."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from functools import partial
from operator import attrgetter

from pydantic import BaseModel

from bot.clock import Clock
from bot.services.exports import ExportFile, Row, chunks, csv_export
from bot.strategy import Strategy
from storage import ambassadors, coordinators
from storage.ambassadors import Ambassador
from storage.database import Database

NEWEST = 10  # ambassadors listed by /ambassadors
EXPORT_CHUNK = 250  # ambassadors read at a time for an export
EXPORT_HEADER = (
    "number", "name", "kind", "organisation", "description", "website", "email",
    "newsletter_by_email", "topics", "joined", "status", "referrals",
)  # fmt: skip


class Overview(BaseModel):
    active: int
    passive: int
    by_kind: dict[str, int]
    by_topic: dict[str, int]
    newest: list[Ambassador]


class Figures(BaseModel):
    active: int
    passive: int
    citizen_share: float


class Change(BaseModel):
    changed: bool
    configured: bool = False  # the person is a coordinator through BOLDEN_COORDINATORS


class CoordinatorService:
    def __init__(
        self, db: Database, clock: Clock, strategy: Strategy, configured: frozenset[int]
    ) -> None:
        self._db = db
        self._clock = clock
        self._strategy = strategy
        self._configured = configured

    async def is_coordinator(self, user_id: int) -> bool:
        """The one place the role is checked: configured ones plus those granted in the chat."""
        return user_id in self._configured or user_id in await coordinators.granted(self._db)

    async def all(self) -> set[int]:
        return set(self._configured) | await coordinators.granted(self._db)

    async def grant(self, actor: int, user_id: int) -> Change:
        now = self._clock()
        async with self._db.transaction() as connection:
            changed = user_id not in self._configured and await coordinators.grant(
                connection, user_id, actor, now
            )
            if changed:
                await coordinators.audit(connection, actor, "coordinator.add", str(user_id), now)
        return Change(changed=changed, configured=user_id in self._configured)

    async def revoke(self, actor: int, user_id: int) -> Change:
        if user_id in self._configured:
            return Change(changed=False, configured=True)
        now = self._clock()
        async with self._db.transaction() as connection:
            changed = await coordinators.revoke(connection, user_id)
            if changed:
                await coordinators.audit(connection, actor, "coordinator.remove", str(user_id), now)
        return Change(changed=changed)

    async def overview(self) -> Overview:
        """Counted by the database; only the newest ten are read."""
        counts = await ambassadors.counts(self._db)
        by_kind = {kind: n for (status, kind), n in counts.items() if status == "active"}
        return Overview(
            active=sum(by_kind.values()),
            passive=sum(n for (status, _), n in counts.items() if status == "passive"),
            by_kind=by_kind,
            by_topic=await ambassadors.topic_counts(self._db, "active"),
            newest=await ambassadors.newest(self._db, NEWEST),
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

    def export_csv(self) -> AbstractAsyncContextManager[list[ExportFile]]:
        """ambassadors.csv: UTF-8 with a byte order mark and semicolons, as Danish Excel
        expects; streamed to a temporary file like the bolde's."""
        rows = chunks(
            partial(ambassadors.export_chunk, self._db), attrgetter("number"), EXPORT_CHUNK
        )
        return csv_export("ambassadors", EXPORT_HEADER, rows, _export_row)


def _export_row(a: ambassadors.ExportRow) -> Row:
    return (
        a.number, a.display_name, a.kind, a.organisation or "", a.org_description or "",
        a.org_website or "", a.email or "", "yes" if a.newsletter_by_email else "no",
        " ".join(sorted((a.topics or "").split())), a.joined_at[:10], a.status, a.referrals,
    )  # fmt: skip
