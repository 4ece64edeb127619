"""/healthz and /readyz for a container orchestrator or an uptime monitor.

/healthz says only that the process answers. /readyz says whether the bot can do its work: the
database answers a read and would take a write, and the outbox sender runs; it also reports
when the Bot API last answered and how many messages wait to be sent. The last answer is
reported, not judged: a quiet bot in webhook mode may not call the Bot API for hours. Neither
answer holds anything about a person.
"""

from __future__ import annotations

import asyncio
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from aiohttp import web

from bot.clock import Clock
from bot.delivery.sender import Sender
from bot.web.context import site_of
from storage import outbox
from storage.database import Database, iso

routes = web.RouteTableDef()

VITALS = "vitals"
# Seconds the database may take to answer before the bot counts as not ready: a locked or
# closed database is reported at once, not after a hang.
PROBE_WAIT = 1.0


@dataclass
class Vitals:
    """What the running bot knows about itself that the database cannot tell."""

    clock: Clock
    sender: Sender | None = None
    last_bot_api_answer: datetime | None = None

    def bot_api_answered(self) -> None:
        self.last_bot_api_answer = self.clock()


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


@routes.get("/readyz")
async def readyz(request: web.Request) -> web.Response:
    site = site_of(request)
    vitals: Vitals = site.application.bot_data[VITALS]
    backlog = await _backlog(site.services.db, vitals.clock())
    sender_running = vitals.sender is not None and vitals.sender.running
    ready = backlog is not None and sender_running
    last = vitals.last_bot_api_answer
    return web.json_response(
        {
            "ready": ready,
            "database": "ok" if backlog is not None else "unavailable",
            "outbox_sender": "running" if sender_running else "stopped",
            "outbox_due": backlog,
            "last_bot_api_answer": iso(last) if last else None,
        },
        status=200 if ready else 503,
    )


async def _backlog(db: Database, now: datetime) -> int | None:
    """The messages due in the outbox, read on the bot's own connection, after checking that
    a write could start now; None when the database does not answer in time."""
    try:
        async with asyncio.timeout(PROBE_WAIT):
            await asyncio.to_thread(_writable, db.path)
            return await outbox.due_count(db, now)
    except (TimeoutError, sqlite3.Error, ValueError):
        return None


def _writable(path: Path) -> None:
    """Take the write lock and let it go at once, on a connection of its own: the bot's
    connections may be busy with a long write, and reads go on while another process holds
    the write lock, which stops every change the bot would make."""
    # mode=rw: a file that is gone is reported, not created empty in its place.
    connection = sqlite3.connect(
        f"{path.resolve().as_uri()}?mode=rw",
        uri=True,
        timeout=PROBE_WAIT / 2,
        isolation_level=None,
    )
    try:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("ROLLBACK")
    finally:
        connection.close()
