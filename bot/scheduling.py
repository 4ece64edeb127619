"""Jobs in PTB's JobQueue. The database says what is due; a job only looks and acts, so a
restart loses nothing and does nothing twice. Of several processes on one database, only the
leader runs them (bot/instances.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from datetime import time, timedelta
from typing import Any

from bot.context import SERVICES, BoldenApp, BoldenContext
from bot.services.updates import SeenUpdates
from handlers.ambassadors import ask_yearly
from handlers.broadcast import newsletters_due
from handlers.events import JOB as EVENTS
from handlers.events import due
from handlers.inbox import report_stale

EVERY = timedelta(hours=1)
YEARLY_QUESTION = "yearly-question"
STALE_BOLDE = "stale-bolde"
NEWSLETTERS = "newsletters"
SEEN_UPDATES = "seen-updates"
HELD = "held-messages"


async def schedule(application: BoldenApp) -> None:
    assert application.job_queue is not None, "installed with python-telegram-bot[job-queue]"
    application.job_queue.run_repeating(
        led(ask_yearly), interval=EVERY, first=timedelta(seconds=10), name=YEARLY_QUESTION
    )
    # Each morning, coordinators hear of open bolde that have not moved for a while.
    tz = application.bot_data[SERVICES].settings.tz
    application.job_queue.run_daily(led(report_stale), time=time(8, 0, tzinfo=tz), name=STALE_BOLDE)
    # Each night, the webhook forgets the ids of updates too old for Telegram to repeat.
    application.job_queue.run_daily(
        led(forget_old_updates), time=time(3, 30, tzinfo=tz), name=SEEN_UPDATES
    )
    # Every minute: newsletters whose time has come, also those a failed attempt left behind.
    application.job_queue.run_repeating(
        led(newsletters_due),
        interval=timedelta(minutes=1),
        first=timedelta(seconds=1),
        name=NEWSLETTERS,
    )
    # Every hour: what was held for a Messenger person past its time is not sent.
    application.job_queue.run_repeating(
        led(expire_held), interval=EVERY, first=timedelta(seconds=15), name=HELD
    )
    # Every minute: events to publish, reminders, and calls past their deadline.
    application.job_queue.run_repeating(
        led(due), interval=timedelta(minutes=1), first=timedelta(seconds=5), name=EVENTS
    )


Job = Callable[[BoldenContext], Coroutine[Any, Any, None]]


def led(callback: Callable[[BoldenContext], Awaitable[None]]) -> Job:
    """The job, run only by the process that leads those sharing the database."""

    async def job(context: BoldenContext) -> None:
        if context.services.instance.leading:
            await callback(context)

    return job


async def forget_old_updates(context: BoldenContext) -> None:
    services = context.services
    await SeenUpdates(services.db, services.clock, services.instance).forget_old()


async def expire_held(context: BoldenContext) -> None:
    await context.services.delivery.expire_held()
