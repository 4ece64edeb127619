"""Everything stored about one person: exported on request, erased on request.

`PERSON_COLUMNS` names every column that holds a person's Telegram id (a private chat's id is the
person's id too); tests/unit/test_privacy_schema.py fails when the schema has one it does not
name, so a new table cannot be left out of /mydata and /deleteme.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from storage import bolde, coordinators
from storage.coordinators import AuditAction
from storage.database import Database

PERSON_COLUMNS = frozenset(
    {
        ("people", "user_id"),
        ("deep_links", "user_id"),
        ("ambassadors", "user_id"),
        ("ambassadors", "referred_by"),
        ("ambassador_topics", "user_id"),
        ("conversations", "user_id"),
        ("questions_waiting", "user_id"),
        ("coordinators", "user_id"),
        ("coordinators", "granted_by"),
        ("network_members", "user_id"),
        ("rsvps", "user_id"),
        ("attendance", "user_id"),
        ("outbox", "user_id"),
        ("bolde", "sender_id"),
        ("bolde", "taken_by"),
        ("bold_events", "actor_id"),
        ("audit_log", "actor"),
        ("audit_log", "subject"),
        ("batches", "created_by"),
        ("batches", "report_chat_id"),
        ("newsletters", "created_by"),
        ("events", "created_by"),
        ("messenger_people", "user_id"),
        ("messenger_messages", "user_id"),
        ("seen_updates", "person"),
    }
)
# Secrets of the bot's, not data about the person: an unsubscribe link's token, a check-in code.
INTERNAL = frozenset({"email_token", "checkin_code"})

# The person's rows, by what they are (the export's sections); each ? is the person's id. Rows
# about someone else show only the person's part: whom they invited, a bold they took without
# its sender's id, another's entry in their bold's timeline without that person's id.
_SECTIONS = {
    "people": "SELECT * FROM people WHERE user_id = ?",
    "messenger_people": "SELECT * FROM messenger_people WHERE user_id = ?",
    "messenger_messages": (
        "SELECT * FROM messenger_messages WHERE user_id = ? ORDER BY message_id"
    ),
    "deep_links": "SELECT * FROM deep_links WHERE user_id = ?",
    "ambassadors": "SELECT * FROM ambassadors WHERE user_id = ?",
    "ambassadors_invited": (
        "SELECT number, joined_at, referred_by FROM ambassadors WHERE referred_by = ?"
    ),
    "ambassador_topics": "SELECT * FROM ambassador_topics WHERE user_id = ?",
    "conversations": "SELECT * FROM conversations WHERE user_id = ?",
    "questions_waiting": "SELECT * FROM questions_waiting WHERE user_id = ?",
    "coordinators": "SELECT * FROM coordinators WHERE user_id = ? OR granted_by = ?",
    "network_members": "SELECT * FROM network_members WHERE user_id = ?",
    "rsvps": "SELECT * FROM rsvps WHERE user_id = ?",
    "attendance": "SELECT * FROM attendance WHERE user_id = ?",
    "outbox": "SELECT * FROM outbox WHERE user_id = ?",
    "bolde": "SELECT * FROM bolde WHERE sender_id = ?",
    "bold_topics": (
        "SELECT * FROM bold_topics WHERE bold_id IN (SELECT id FROM bolde WHERE sender_id = ?)"
    ),
    "bolde_taken": "SELECT * FROM bolde WHERE taken_by = ? AND sender_id IS NOT ?",
    "bold_events": (
        "SELECT id, bold_id, at, CASE WHEN actor_id = ? THEN actor_id END AS actor_id, role,"
        " action, status, network_id, note FROM bold_events WHERE actor_id = ?"
        " OR bold_id IN (SELECT id FROM bolde WHERE sender_id = ?) ORDER BY id"
    ),
    # The subject is text: the id as a number first (PostgreSQL takes the parameter's type from
    # the innermost cast), then as text.
    "audit_log": (
        "SELECT * FROM audit_log WHERE actor = ? OR subject = CAST(CAST(? AS BIGINT) AS TEXT)"
    ),
    "events_created": "SELECT * FROM events WHERE created_by = ?",
    "newsletters_created": "SELECT * FROM newsletters WHERE created_by = ?",
    "batches_created": "SELECT * FROM batches WHERE created_by = ? OR report_chat_id = ?",
}
_NOT_THEIRS = {"bolde_taken": {"sender_id"}}  # who sent a bold someone took is not theirs
# Deleted with the person: rows that are theirs alone.
_OWN = (
    ("people", "user_id"),
    ("messenger_people", "user_id"),
    ("messenger_messages", "user_id"),
    ("ambassadors", "user_id"),
    ("ambassador_topics", "user_id"),
    ("deep_links", "user_id"),
    ("conversations", "user_id"),
    ("questions_waiting", "user_id"),
    ("coordinators", "user_id"),
    ("network_members", "user_id"),
    ("outbox", "user_id"),
    ("rsvps", "user_id"),
    ("attendance", "user_id"),
)
# Kept when the person is erased, without anything that says who they were.
_UNSIGNED = (
    ("ambassadors", "referred_by", "NULL"),
    ("coordinators", "granted_by", "0"),
    ("audit_log", "actor", "0"),
    ("audit_log", "subject", "'deleted'"),
    ("batches", "created_by", "NULL"),
    ("batches", "report_chat_id", "NULL"),
    ("newsletters", "created_by", "NULL"),
    ("events", "created_by", "NULL"),
    ("seen_updates", "person", "NULL"),  # only an update's id is kept, for two days
)


async def export(db: Database, user_id: int) -> dict[str, list[dict[str, Any]]]:
    """Every row about the person, by section, without the bot's own secrets."""
    data: dict[str, list[dict[str, Any]]] = {}
    for name, sql in _SECTIONS.items():
        rows = await db.fetch_all(sql, (user_id,) * sql.count("?"))
        hidden = INTERNAL | _NOT_THEIRS.get(name, set())
        data[name] = [
            {key: value for key, value in dict(row).items() if key not in hidden} for row in rows
        ]
    return data


async def erase(db: Database, user_id: int, now: datetime) -> None:
    """Delete the person's rows and leave no trace of them in the database (`Database.scrub`);
    the audit log says that an erasure happened then, and nothing about whose."""
    async with db.transaction() as connection:
        await coordinators.audit(connection, 0, AuditAction.PERSON_ERASE, "", now)
        for table, column, value in _UNSIGNED:
            # A text column (its placeholder a text) holds the id as text.
            key: int | str = str(user_id) if value.startswith("'") else user_id
            await connection.execute(
                f"UPDATE {table} SET {column} = {value} WHERE {column} = ?", (key,)
            )
        await bolde.anonymise(connection, user_id)
        for table, column in reversed(_OWN):
            await connection.execute(f"DELETE FROM {table} WHERE {column} = ?", (user_id,))
    await db.scrub()
