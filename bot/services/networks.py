"""Action networks (handlingsnetværk), who is in them, and the rules that route bolde to them."""

from __future__ import annotations

import secrets
from enum import StrEnum

from pydantic import BaseModel

from bot.clock import Clock
from bot.services.delivery import DeliveryService, Notify
from bot.strategy import Strategy
from storage import ambassadors, coordinators, networks
from storage.bolde import OPEN, Kind
from storage.coordinators import AuditAction
from storage.database import Database
from storage.networks import Network, Rule

NAME_MAX = 60


class NetworkKind(StrEnum):
    STANDING = "standing"
    ADHOC = "adhoc"


class Refusal(StrEnum):
    NOT_FOUND = "not_found"
    CLOSED = "closed"
    HAS_OPEN_BOLDE = "has_open_bolde"
    NOT_STANDING = "not_standing"
    NOT_AN_AMBASSADOR = "not_an_ambassador"
    BAD_NAME = "bad_name"
    UNKNOWN_CHOICE = "unknown_choice"


class Result(BaseModel):
    """A network after a change, or why the change was refused."""

    network: Network | None = None
    refusal: Refusal | None = None
    changed: bool = True


class Added(BaseModel):
    """Members added by ambassador number: who was added, and which numbers matched no one."""

    network: Network
    added: list[int]
    unknown: list[str]


class NetworkService:
    def __init__(
        self, db: Database, clock: Clock, strategy: Strategy, delivery: DeliveryService
    ) -> None:
        self._db = db
        self._clock = clock
        self._strategy = strategy
        self._delivery = delivery

    async def get(self, network_id: int) -> Network | None:
        return await networks.get(self._db, network_id)

    async def names(self) -> dict[int, str]:
        return await networks.names(self._db)

    async def open_networks(self) -> list[Network]:
        return await networks.open_networks(self._db)

    async def works_in(self, chat_id: int) -> bool:
        """Whether an open network works in this group chat."""
        return await networks.works_in(self._db, chat_id)

    async def of_member(self, user_id: int) -> set[int]:
        return await networks.of_member(self._db, user_id)

    async def create(self, actor: int, name: str, kind: str) -> Result:
        name = " ".join(name.split())
        if not name or len(name) > NAME_MAX:
            return Result(refusal=Refusal.BAD_NAME)
        if kind not in set(NetworkKind):
            return Result(refusal=Refusal.UNKNOWN_CHOICE)
        now = self._clock()
        async with self._db.transaction() as connection:
            network_id = await networks.insert(
                connection, name, kind, secrets.token_urlsafe(8), now
            )
            await coordinators.audit(
                connection, actor, AuditAction.NETWORK_CREATE, str(network_id), now
            )
        return Result(network=await self.get(network_id))

    async def close(self, actor: int, network_id: int) -> Result:
        """Close a network that has no open bolde; its routing rules go with it."""
        network = await self._open(network_id)
        if network is None:
            return Result(refusal=Refusal.NOT_FOUND)
        busy = await self._db.fetch_one(
            f"SELECT COUNT(*) FROM bolde WHERE network_id = ? AND status IN {OPEN}",
            (network_id,),
        )
        if busy and busy[0]:
            return Result(network=network, refusal=Refusal.HAS_OPEN_BOLDE)
        now = self._clock()
        async with self._db.transaction() as connection:
            await networks.close(connection, network_id, now)
            await coordinators.audit(
                connection, actor, AuditAction.NETWORK_CLOSE, str(network_id), now
            )
        return Result(network=await self.get(network_id))

    async def make_cross_professional(self, actor: int, network_id: int) -> Result:
        """The standing network where bolde land when no rule matches; there is one at most."""
        network = await self._open(network_id)
        if network is None:
            return Result(refusal=Refusal.NOT_FOUND)
        if network.kind != NetworkKind.STANDING:
            return Result(network=network, refusal=Refusal.NOT_STANDING)
        now = self._clock()
        async with self._db.transaction() as connection:
            await networks.make_cross_professional(connection, network_id)
            await coordinators.audit(
                connection, actor, AuditAction.NETWORK_CROSS, str(network_id), now
            )
        return Result(network=await self.get(network_id))

    async def toggle_topic(self, network_id: int, code: str) -> Result:
        network = await self._open(network_id)
        if network is None or code not in {topic.code for topic in self._strategy.topics}:
            return Result(refusal=Refusal.NOT_FOUND)
        async with self._db.transaction() as connection:
            await networks.set_topic(connection, network_id, code, code not in network.topics)
        return Result(network=await self.get(network_id))

    async def add_members(
        self, actor: int, network_id: int, numbers: list[str], notify: Notify[Added]
    ) -> Added | None:
        """Add ambassadors by their numbers (as on /ambassadors), and owe each a welcome in the
        same transaction; None for a closed network."""
        network = await self._open(network_id)
        if network is None:
            return None
        everyone = {a.number: a for a in await ambassadors.all_ambassadors(self._db)}
        added: list[int] = []
        unknown: list[str] = []
        now = self._clock()
        async with self._db.transaction() as connection:
            for number in numbers:
                found = everyone.get(int(number)) if number.isdigit() else None
                if found is None or found.status == "left":
                    unknown.append(number)
                elif await networks.add_member(connection, network_id, found.user_id, now):
                    added.append(found.user_id)
                    await coordinators.audit(
                        connection,
                        actor,
                        AuditAction.MEMBER_ADD,
                        str(found.user_id),
                        now,
                        network_id,
                    )
            result = Added(network=network, added=added, unknown=unknown)
            await self._delivery.owe(connection, await notify(result))
        return result

    async def remove_member(self, actor: int, network_id: int, user_id: int) -> Result:
        network = await self._open(network_id)
        if network is None:
            return Result(refusal=Refusal.NOT_FOUND)
        async with self._db.transaction() as connection:
            changed = await networks.remove_member(connection, network_id, user_id)
            if changed:
                await coordinators.audit(
                    connection,
                    actor,
                    AuditAction.MEMBER_REMOVE,
                    str(user_id),
                    self._clock(),
                    network_id,
                )
        return Result(network=await self.get(network_id), changed=changed)

    async def join(self, user_id: int, invite_code: str) -> Result:
        """Join through an invite link; only ambassadors can be members."""
        network = await networks.by_invite(self._db, invite_code)
        if network is None or network.closed_at is not None:
            return Result(refusal=Refusal.NOT_FOUND)
        found = await ambassadors.get(self._db, user_id)
        if found is None or found.status == "left":
            return Result(network=network, refusal=Refusal.NOT_AN_AMBASSADOR)
        async with self._db.transaction() as connection:
            changed = await networks.add_member(connection, network.id, user_id, self._clock())
        return Result(network=await self.get(network.id), changed=changed)

    async def link_group(self, invite_code: str, chat_id: int) -> Result:
        """The Telegram group where the network works; a group serves one network."""
        network = await networks.by_invite(self._db, invite_code)
        if network is None or network.closed_at is not None:
            return Result(refusal=Refusal.NOT_FOUND)
        async with self._db.transaction() as connection:
            await networks.set_chat(connection, network.id, chat_id)
        return Result(network=await self.get(network.id))

    async def chat_moved(self, old: int, new: int) -> bool:
        """Telegram upgraded the network's group to a supergroup: follow it to its new id."""
        async with self._db.transaction() as connection:
            return await networks.move_chat(connection, old, new)

    # -- routing -----------------------------------------------------------------------------

    async def rules(self) -> list[Rule]:
        return await networks.rules(self._db)

    async def add_rule(
        self,
        actor: int,
        kind: str | None,
        category: str | None,
        theme: str | None,
        network_id: int,
    ) -> Rule | None:
        """A new rule, tried after the existing ones; None when a part of it does not exist."""
        if (
            (kind is not None and kind not in set(Kind))
            or (
                category is not None and category not in {c.code for c in self._strategy.categories}
            )
            or (theme is not None and theme not in {t.code for t in self._strategy.topics})
            or await self._open(network_id) is None
        ):
            return None
        now = self._clock()
        async with self._db.transaction() as connection:
            rule_id = await networks.add_rule(connection, kind, category, theme, network_id)
            await coordinators.audit(connection, actor, AuditAction.RULE_ADD, str(rule_id), now)
        return next(rule for rule in await self.rules() if rule.id == rule_id)

    async def remove_rule(self, actor: int, rule_id: int) -> bool:
        now = self._clock()
        async with self._db.transaction() as connection:
            removed = await networks.remove_rule(connection, rule_id)
            if removed:
                await coordinators.audit(
                    connection, actor, AuditAction.RULE_REMOVE, str(rule_id), now
                )
        return removed

    async def network_for(
        self, kind: str, category: str | None, topics: list[str]
    ) -> Network | None:
        """The network of the first rule that matches, else the cross-professional one."""
        for rule in await self.rules():
            if (
                rule.kind in {None, kind}
                and rule.category in {None, category}
                and (rule.theme is None or rule.theme in topics)
            ):
                return await self.get(rule.network_id)
        return await networks.cross_professional(self._db)

    async def _open(self, network_id: int) -> Network | None:
        network = await self.get(network_id)
        return network if network and network.closed_at is None else None
