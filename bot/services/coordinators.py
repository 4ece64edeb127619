"""Who may coordinate, and the figures and lists coordinators work with."""

from __future__ import annotations

import csv
import io
from collections import Counter

from pydantic import BaseModel

from bot.clock import Clock
from bot.strategy import Strategy
from storage import ambassadors, coordinators
from storage.ambassadors import Ambassador
from storage.database import Database


class Overview(BaseModel):
    active: int
    passive: int
    by_kind: dict[str, int]
    by_topic: dict[str, int]
    newest: list[Ambassador]


class YearFigure(BaseModel):
    year: int
    target: int


class Figures(BaseModel):
    active: int
    passive: int
    years: list[YearFigure]
    citizen_share: float
    citizen_target: float


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
        current = [a for a in await ambassadors.all_ambassadors(self._db) if a.status != "left"]
        active = [a for a in current if a.status == "active"]
        return Overview(
            active=len(active),
            passive=len(current) - len(active),
            by_kind=dict(Counter(a.kind for a in active)),
            by_topic=dict(Counter(code for a in active for code in a.topics)),
            newest=sorted(current, key=lambda a: a.number, reverse=True)[:10],
        )

    async def figures(self) -> Figures:
        everyone = await ambassadors.all_ambassadors(self._db)
        current = [a for a in everyone if a.status != "left"]
        active = [a for a in current if a.status == "active"]
        citizen_kinds = {k.code for k in self._strategy.ambassador_kinds if k.citizen}
        years = [
            YearFigure(year=goal.year, target=goal.count)
            for goal in self._strategy.targets.ambassadors
        ]
        citizens = sum(1 for a in active if a.kind in citizen_kinds)
        return Figures(
            active=len(active),
            passive=len(current) - len(active),
            years=years,
            citizen_share=citizens / len(active) if active else 0.0,
            citizen_target=self._strategy.targets.citizen_ambassador_share,
        )

    async def export_csv(self) -> bytes:
        """ambassadors.csv: UTF-8 with a byte order mark and semicolons, as Danish Excel expects."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";")
        writer.writerow(
            ["number", "name", "kind", "organisation", "description", "website", "email",
             "newsletter_by_email", "topics", "joined", "status", "referrals"]
        )  # fmt: skip
        referrals = await ambassadors.referral_counts(self._db)
        for a in await ambassadors.all_ambassadors(self._db):
            if a.status == "left":
                continue
            writer.writerow(
                [a.number, a.display_name, a.kind, a.organisation or "", a.org_description or "",
                 a.org_website or "", a.email or "", "yes" if a.newsletter_by_email else "no",
                 " ".join(a.topics), a.joined_at.date().isoformat(), a.status,
                 referrals.get(a.user_id, 0)]
            )  # fmt: skip
        return ("\ufeff" + buffer.getvalue()).encode("utf-8")
