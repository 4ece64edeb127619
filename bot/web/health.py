"""/healthz and /readyz for a container orchestrator or an uptime monitor.

/healthz says only that the process answers. /readyz says whether the bot can do its work: the
database answers a read and would take a write, and the outbox sender runs; when it cannot be
used, it says why (locked, read-only, missing, closed...). It also reports when the Bot API
last answered and how many messages wait to be sent. The last answer is reported, not judged:
a quiet bot in webhook mode may not call the Bot API for hours. Neither answer holds anything
about a person. The log gets one line when the bot turns unready and one when it recovers.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime

from aiohttp import web

from bot.clock import Clock
from bot.delivery.sender import Sender
from bot.web.context import site_of
from storage import outbox
from storage.database import ERRORS, Database, iso, problem_of

logger = logging.getLogger(__name__)
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

    # What kept the bot from being ready at the last probe (None: not probed yet).
    problems: list[str] | None = None

    def bot_api_answered(self) -> None:
        self.last_bot_api_answer = self.clock()

    def note(self, problems: list[str]) -> None:
        """Log when readiness turns false (or its reasons change) and when it recovers, not
        on every probe."""
        if problems != (self.problems or []) and problems:
            logger.warning("Not ready: %s", ", ".join(problems))
        elif self.problems and not problems:
            logger.info("Ready again")
        self.problems = problems


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


@routes.get("/readyz")
async def readyz(request: web.Request) -> web.Response:
    site = site_of(request)
    vitals: Vitals = site.application.bot_data[VITALS]
    backlog, database = await _backlog(site.services.db, vitals.clock())
    sender_running = vitals.sender is not None and vitals.sender.running
    problems = ([] if database == "ok" else [f"database {database}"]) + (
        [] if sender_running else ["outbox sender stopped"]
    )
    vitals.note(problems)
    last = vitals.last_bot_api_answer
    return web.json_response(
        {
            "ready": not problems,
            "database": database,
            "outbox_sender": "running" if sender_running else "stopped",
            # Of several processes on one database, the one that sends and runs the jobs.
            "leads": site.services.instance.leading,
            "outbox_due": backlog,
            "last_bot_api_answer": iso(last) if last else None,
        },
        status=503 if problems else 200,
    )


async def _backlog(db: Database, now: datetime) -> tuple[int | None, str]:
    """The messages due in the outbox, read on the bot's own connection, after checking that
    a write could start now, and "ok"; else None and why the database cannot be used, in a
    word or two (from the error's code, never its message, which could quote data)."""
    try:
        async with asyncio.timeout(PROBE_WAIT):
            problem = await db.write_problem(PROBE_WAIT / 2)
            if problem:
                return None, problem
            return await outbox.due_count(db, now), "ok"
    except TimeoutError:
        return None, "not answering"
    except ValueError:  # the bot's connection is closed
        return None, "closed"
    except ERRORS as error:
        return None, problem_of(error)
