"""Newsletters: written, scheduled, handed to the outbox, archived."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from storage.database import Connection, Database, insert_row, iso


class Newsletter(BaseModel):
    id: int
    title: str
    body_html: str
    body_text: str
    photo_file_id: str | None
    audience: str
    status: str
    send_at: datetime
    created_by: int | None
    created_at: datetime
    sent_at: datetime | None
    batch_id: int | None


async def get(db: Database, newsletter_id: int) -> Newsletter | None:
    row = await db.fetch_one("SELECT * FROM newsletters WHERE id = ?", (newsletter_id,))
    return Newsletter.model_validate(dict(row)) if row else None


async def with_status(db: Database, status: str, newest_first: bool = False) -> list[Newsletter]:
    order = "DESC" if newest_first else "ASC"
    rows = await db.fetch_all(
        f"SELECT * FROM newsletters WHERE status = ? ORDER BY send_at {order}, id", (status,)
    )
    return [Newsletter.model_validate(dict(row)) for row in rows]


async def insert(connection: Connection, values: dict[str, Any]) -> int:
    return await insert_row(connection, "newsletters", values)


async def change_scheduled(
    connection: Connection, newsletter_id: int, values: dict[str, Any]
) -> bool:
    """Change one that is still scheduled: False when it was sent or cancelled meanwhile."""
    assignments = ", ".join(f"{column} = ?" for column in values)
    changed = await connection.execute(
        f"UPDATE newsletters SET {assignments} WHERE id = ? AND status = 'scheduled'",
        (*(iso(v) if isinstance(v, datetime) else v for v in values.values()), newsletter_id),
    )
    return changed == 1


async def cancel(connection: Connection, newsletter_id: int) -> bool:
    """Scheduled → cancelled, unless the sweep handed it over first: the row count decides."""
    changed = await connection.execute(
        "UPDATE newsletters SET status = 'cancelled' WHERE id = ? AND status = 'scheduled'",
        (newsletter_id,),
    )
    return changed == 1


async def hand_over(
    connection: Connection, newsletter_id: int, batch_id: int, now: datetime
) -> bool:
    """Scheduled → sent, once: False when it was sent or cancelled in the meantime."""
    changed = await connection.execute(
        "UPDATE newsletters SET status = 'sent', sent_at = ?, batch_id = ? "
        "WHERE id = ? AND status = 'scheduled'",
        (iso(now), batch_id, newsletter_id),
    )
    return changed == 1
