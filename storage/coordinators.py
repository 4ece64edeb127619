"""Coordinators granted in the chat, and the audit log of what coordinators did."""

from __future__ import annotations

import json
from datetime import datetime
from enum import StrEnum
from typing import NamedTuple

from storage.database import END_OF_TIME, Connection, Database, iso
from storage.people import name_of


class AuditAction(StrEnum):
    """What a coordinator did (or, for an erasure, what happened), as the audit log stores it;
    each has its words in the catalogs (`audit.action.<value>`)."""

    COORDINATOR_ADD = "coordinator.add"
    COORDINATOR_REMOVE = "coordinator.remove"
    MESSAGE_SEND = "message.send"
    EXPORT_AMBASSADORS = "export.ambassadors"
    EXPORT_AUDIT = "export.audit"
    EXPORT_BOLDE = "export.bolde"
    EXPORT_EVENT = "export.event"
    NETWORK_CREATE = "network.create"
    NETWORK_CLOSE = "network.close"
    NETWORK_CROSS = "network.cross"
    RULE_ADD = "rule.add"
    RULE_REMOVE = "rule.remove"
    BROADCAST_SEND = "broadcast.send"
    NEWSLETTER_SEND = "newsletter.send"
    NEWSLETTER_SCHEDULE = "newsletter.schedule"
    NEWSLETTER_CHANGE = "newsletter.change"
    NEWSLETTER_CANCEL = "newsletter.cancel"
    EVENT_CREATE = "event.create"
    EVENT_CHANGE = "event.change"
    EVENT_CANCEL = "event.cancel"
    CALL_CREATE = "call.create"
    CALL_CHANGE = "call.change"
    CALL_CANCEL = "call.cancel"
    PERSON_ERASE = "person.erase"
    MEMBER_ADD = "member.add"
    MEMBER_REMOVE = "member.remove"
    # What a network member or coordinator did with a bold: "bold." and its action.
    BOLD_TAKE = "bold.taken"
    BOLD_MOVE = "bold.moved"
    BOLD_ANSWER = "bold.answered"
    BOLD_DECLINE = "bold.declined"
    BOLD_ASK = "bold.question"


# Entries whose subject is a person's id (erasure writes ERASED over it) or a network's id.
PERSON_SUBJECT = frozenset(
    {
        AuditAction.COORDINATOR_ADD,
        AuditAction.COORDINATOR_REMOVE,
        AuditAction.MESSAGE_SEND,
        AuditAction.MEMBER_ADD,
        AuditAction.MEMBER_REMOVE,
    }
)
NETWORK_SUBJECT = frozenset(
    {AuditAction.NETWORK_CREATE, AuditAction.NETWORK_CLOSE, AuditAction.NETWORK_CROSS}
)


async def granted(db: Database) -> set[int]:
    rows = await db.fetch_all("SELECT user_id FROM coordinators")
    return {int(row["user_id"]) for row in rows}


async def granted_at(db: Database) -> dict[int, datetime]:
    rows = await db.fetch_all("SELECT user_id, granted_at FROM coordinators")
    return {int(row[0]): datetime.fromisoformat(row[1]) for row in rows}


async def names(db: Database, user_ids: list[int]) -> dict[int, tuple[str | None, str | None]]:
    """The name (`people.name_of`) and @username of each person the bot knows, by id."""
    rows = await db.fetch_all(
        f"SELECT p.user_id, {name_of('p.user_id')}, p.username FROM people p "
        "WHERE p.user_id IN (SELECT CAST(value AS BIGINT) FROM json_each(?))",
        (json.dumps(user_ids),),
    )
    return {int(row[0]): (row[1], row[2]) for row in rows}


async def grant(connection: Connection, user_id: int, by: int, now: datetime) -> bool:
    """Only someone the bot has met: an id nobody uses (a typo) grants nothing."""
    changed = await connection.execute(
        "INSERT OR IGNORE INTO coordinators (user_id, granted_by, granted_at) "
        "SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM people WHERE user_id = ?)",
        (user_id, by, iso(now), user_id),
    )
    return changed == 1


async def revoke(connection: Connection, user_id: int) -> bool:
    changed = await connection.execute("DELETE FROM coordinators WHERE user_id = ?", (user_id,))
    return changed == 1


async def audit(
    connection: Connection,
    actor: int,
    action: AuditAction,
    subject: str,
    now: datetime,
    network_id: int | None = None,
) -> None:
    """`network_id`: the network the entry is about besides its subject (a member's, the one
    a bold moved to)."""
    await connection.execute(
        "INSERT INTO audit_log (actor, action, subject, at, network_id) VALUES (?, ?, ?, ?, ?)",
        (actor, action, subject, iso(now), network_id),
    )


class AuditEntry(NamedTuple):
    """One line of the audit log, with the actor's name and @username where they are known,
    and the name of the person or network it is about."""

    id: int
    at: str
    actor: int
    actor_name: str | None
    actor_username: str | None
    action: str
    subject: str
    subject_name: str | None
    network: str | None


def _quoted(actions: frozenset[AuditAction]) -> str:
    return ", ".join(f"'{action}'" for action in sorted(actions))


_SUBJECT_ID = "CAST(NULLIF(l.subject, 'deleted') AS BIGINT)"
_ENTRIES = (
    f"SELECT l.id, l.at, l.actor, {name_of('l.actor')}, p.username, l.action, l.subject, "
    f"CASE WHEN l.action IN ({_quoted(PERSON_SUBJECT)}) "
    # The subject is an id as text, or 'deleted' once its person is erased.
    f"THEN {name_of(_SUBJECT_ID)} "
    f"WHEN l.action IN ({_quoted(NETWORK_SUBJECT)}) "
    f"THEN (SELECT n.name FROM networks n WHERE n.id = {_SUBJECT_ID}) END, "
    "(SELECT n.name FROM networks n WHERE n.id = l.network_id) "
    "FROM audit_log l LEFT JOIN people p ON p.user_id = l.actor"
)


async def audit_count(db: Database) -> int:
    row = await db.fetch_one("SELECT COUNT(*) FROM audit_log")
    return int(row[0]) if row else 0


async def audit_latest(db: Database, offset: int, limit: int) -> list[AuditEntry]:
    """A page of the log, newest first."""
    rows = await db.fetch_all(f"{_ENTRIES} ORDER BY l.id DESC LIMIT ? OFFSET ?", (limit, offset))
    return [AuditEntry(*row) for row in rows]


async def audit_chunk(
    db: Database, after_id: int, size: int, since: datetime | None, until: datetime | None
) -> list[AuditEntry]:
    """Up to `size` entries after `after_id`, oldest first, within [since, until) if given."""
    rows = await db.fetch_all(
        f"{_ENTRIES} WHERE l.id > ? AND l.at >= COALESCE(?, l.at) AND l.at < ? "
        "ORDER BY l.id LIMIT ?",
        (after_id, since and iso(since), iso(until or END_OF_TIME), size),
    )
    return [AuditEntry(*row) for row in rows]
