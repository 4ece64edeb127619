"""Jobs in PTB's JobQueue. The database says what is due; a job only looks and acts, so a
restart loses nothing and does nothing twice."""

from __future__ import annotations

from datetime import timedelta

from bot.context import BoldenApp
from handlers.ambassadors import ask_yearly

EVERY = timedelta(hours=1)
YEARLY_QUESTION = "yearly-question"


def schedule(application: BoldenApp) -> None:
    assert application.job_queue is not None, "installed with python-telegram-bot[job-queue]"
    application.job_queue.run_repeating(
        ask_yearly, interval=EVERY, first=timedelta(seconds=10), name=YEARLY_QUESTION
    )
