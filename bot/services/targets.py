"""How the strategy is doing against the goals of the period that holds now.

A goal is reached, on track or behind. On track means at least where a straight line from the
start would be today: from zero at the period's start for activities, and from the previous
ambassador goal (or zero) for ambassadors. Old goals are never used as today's yardstick.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from enum import StrEnum

from pydantic import BaseModel

from bot.clock import Clock
from bot.services.coordinators import CoordinatorService, Figures
from bot.strategy import AmbassadorGoal, Strategy, TargetPeriod
from storage import ambassadors, events
from storage.database import Database

HISTORY_YEARS = 10  # years of figures the front page shows at most


class Phase(StrEnum):
    """Where a target period stands against a year: its goals are history, hold, or will."""

    PAST = "past"
    NOW = "now"
    FUTURE = "future"


def phase(period: TargetPeriod, year: int) -> Phase:
    if period.covers(year):
        return Phase.NOW
    return Phase.PAST if period.to_year < year else Phase.FUTURE


def period_years(period: TargetPeriod) -> str:
    if period.from_year == period.to_year:
        return str(period.from_year)
    return f"{period.from_year}–{period.to_year}"


class Standing(StrEnum):
    REACHED = "reached"
    ON_TRACK = "on_track"
    BEHIND = "behind"


class Progress(BaseModel):
    value: int
    goal: int
    until: int  # the goal counts at the end of this year
    standing: Standing

    @property
    def share(self) -> float:
        return self.value / self.goal


class ShareProgress(BaseModel):
    value: float
    goal: float
    standing: Standing


class Outlook(BaseModel):
    """Today's figures, and how they stand against the period that holds this year (if any)."""

    year: int
    figures: Figures
    period: TargetPeriod | None
    ambassadors: Progress | None = None
    citizens: ShareProgress | None = None
    activities: Progress | None = None
    held: dict[int, int] = {}  # activities held, per year


class AmbassadorYear(BaseModel):
    """Ambassadors at the end of a year (this year: the active ones now) and the strategy's
    goal for that year, if it sets one."""

    year: int
    count: int
    goal: int | None


def ambassador_goal(strategy: Strategy, year: int) -> int | None:
    goals = (goal for period in strategy.targets for goal in period.ambassadors)
    return next((goal.count for goal in goals if goal.year == year), None)


def judge(value: int, goal: int, baseline: int, elapsed: float) -> Standing:
    """`elapsed` is the part of the goal's time that has passed, from 0 to 1."""
    if value >= goal:
        return Standing.REACHED
    if value >= baseline + (goal - baseline) * elapsed:
        return Standing.ON_TRACK
    return Standing.BEHIND


def elapsed(today: date, first_year: int, last_year: int) -> float:
    """How much of the years from the start of `first_year` to the end of `last_year` has gone."""
    start, end = date(first_year, 1, 1), date(last_year + 1, 1, 1)
    return min(max((today - start).days / (end - start).days, 0.0), 1.0)


def ambassador_progress(period: TargetPeriod, today: date, active: int) -> Progress | None:
    """Against this year's goal, or the next one in the period; a passed goal still holds when
    the period has no later one."""
    found = _ambassador_goal(period, today)
    if found is None:
        return None
    goal, baseline, gone = found
    standing = judge(active, goal.count, baseline, gone)
    return Progress(value=active, goal=goal.count, until=goal.year, standing=standing)


def _ambassador_goal(period: TargetPeriod, today: date) -> tuple[AmbassadorGoal, int, float] | None:
    """The goal that holds on `today`, where its straight line starts (the previous goal, or
    zero), and how much of its time has gone."""
    goals = period.ambassadors
    if not goals:
        return None
    index = next((i for i, goal in enumerate(goals) if goal.year >= today.year), len(goals) - 1)
    goal = goals[index]
    previous = goals[index - 1] if index else None
    start = previous.year + 1 if previous else period.from_year
    return goal, previous.count if previous else 0, elapsed(today, start, goal.year)


def on_track_line(strategy: Strategy, day: date) -> float | None:
    """How many ambassadors there should be on `day` to be on track (the line `judge` draws),
    or None when no ambassador goal holds that year."""
    period = strategy.target_period(day.year)
    found = _ambassador_goal(period, day) if period else None
    if found is None:
        return None
    goal, baseline, gone = found
    return baseline + (goal.count - baseline) * gone


def outlook(strategy: Strategy, today: date, figures: Figures, held: dict[int, int]) -> Outlook:
    """`held` is how many activities were held, per year."""
    period = strategy.target_period(today.year)
    found = Outlook(year=today.year, figures=figures, period=period, held=held)
    if period is None:
        return found
    found.ambassadors = ambassador_progress(period, today, figures.active)
    if period.citizen_share:
        share, goal = figures.citizen_share, period.citizen_share
        standing = Standing.REACHED if share >= goal else Standing.BEHIND
        found.citizens = ShareProgress(value=share, goal=goal, standing=standing)
    if period.activities:
        value = sum(n for year, n in held.items() if period.covers(year))
        gone = elapsed(today, period.from_year, period.to_year)
        standing = judge(value, period.activities, 0, gone)
        found.activities = Progress(
            value=value, goal=period.activities, until=period.to_year, standing=standing
        )
    return found


class TargetService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        timezone: tzinfo,
        strategy: Strategy,
        coordinators: CoordinatorService,
    ) -> None:
        self._db = db
        self._clock = clock
        self._zone = timezone
        self._strategy = strategy
        self._coordinators = coordinators

    async def outlook(self) -> Outlook:
        now = self._clock()
        held: dict[int, int] = {}
        for year, _, count, _ in await events.held_counts(self._db, now):
            held[year] = held.get(year, 0) + count
        figures = await self._coordinators.figures()
        return outlook(self._strategy, now.astimezone(self._zone).date(), figures, held)

    async def ambassador_years(self, outlook: Outlook) -> list[AmbassadorYear]:
        """Year by year since the first ambassador joined (the last ten at most), against each
        year's goal. Past years count who had joined and not left by New Year where the bot
        runs; this year is today's figure, the one the outlook judges."""
        first = await ambassadors.first_joined(self._db)
        start = first.astimezone(self._zone).year if first else outlook.year
        past = range(max(start, outlook.year - HISTORY_YEARS + 1), outlook.year)
        new_years = [datetime(year + 1, 1, 1, tzinfo=self._zone).astimezone(UTC) for year in past]
        counts = await ambassadors.signed_up_at(self._db, new_years)
        years = [
            AmbassadorYear(year=year, count=count, goal=ambassador_goal(self._strategy, year))
            for year, count in zip(past, counts, strict=True)
        ]
        now = outlook.figures.active
        goal = ambassador_goal(self._strategy, outlook.year)
        return [*years, AmbassadorYear(year=outlook.year, count=now, goal=goal)]
