"""The figures of the coordinators' dashboard (and of the chart under /stats): the strategy's
targets as /stats and the front page measure them, how the number of ambassadors grew month
by month, where the bolde went, and how many came to the latest events; and on top what
waits for someone to act: open bolde and events still to come. Counted by the
database; a month is a month where the bot runs (BOLDEN_TIMEZONE)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from babel.dates import format_date
from pydantic import BaseModel

from bot.i18n import Translator
from bot.services import Services
from bot.services.bolde import Figures, Waiting
from bot.services.events import CHECKIN_OPENS
from bot.services.targets import AmbassadorYear, Outlook, on_track_line
from storage import ambassadors, bolde, events
from storage.events import Turnout

MONTHS = 12  # months a chart over time shows, this one the last
EVENTS = 8  # latest events whose turnout is shown


class Growth(BaseModel):
    """Ambassadors (joined and not left) at the end of each month, this month until now, and
    where the on-track line to the goal stood then; the line only when a goal held in every
    month shown, as a line with gaps would read as zero."""

    months: list[date]  # the first day of each
    ambassadors: list[int]
    on_track: list[float] | None


class Upcoming(BaseModel):
    """An event still to come as coordinators see it in /events, with its answers so far."""

    title: str
    starts_at: datetime
    yes: int
    maybe: int
    capacity: int | None


class Overview(BaseModel):
    # what waits for someone to act: open bolde, and events still to come
    waiting: Waiting
    upcoming: list[Upcoming]
    growth: Growth
    # the strategy's targets as /stats and the front page measure them, and the years since
    # the first ambassador joined against their goals
    outlook: Outlook
    years: list[AmbassadorYear]
    bolde: Figures
    # bolde that arrived each month, by the network they went to (None: none yet)
    arrivals: dict[str | None, list[int]]
    turnout: list[Turnout]


def months_until(today: date, count: int = MONTHS) -> list[date]:
    """The first days of the `count` months that end with today's."""
    index = today.year * 12 + today.month - 1
    return [date(i // 12, i % 12 + 1, 1) for i in range(index - count + 1, index + 1)]


def month_label(t: Translator, first: date) -> str:
    """A month as a chart's axis names it: "nov. 2026", "Nov 2026" (never "nov. 26", which
    reads as a day in Danish)."""
    return str(format_date(first, format="LLL y", locale=t.language))


def _next_month(first: date) -> date:
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


async def growth(services: Services, count: int = MONTHS) -> Growth:
    now, zone = services.clock(), services.settings.tz
    months = months_until(now.astimezone(zone).date(), count)
    ends = [min(_start(_next_month(month), services), now) for month in months]
    line = [on_track_line(services.strategy, end.astimezone(zone).date()) for end in ends]
    return Growth(
        months=months,
        ambassadors=await ambassadors.signed_up_at(services.db, ends),
        on_track=None if None in line else [value or 0.0 for value in line],
    )


def _start(day: date, services: Services) -> datetime:
    """Midnight at the start of `day` where the bot runs, in UTC as the database stores it."""
    return datetime.combine(day, time(), services.settings.tz).astimezone(UTC)


async def overview(services: Services) -> Overview:
    now = services.clock()
    grown = await growth(services)
    outlook = await services.targets.outlook()
    bounds = [_start(month, services) for month in grown.months]
    bounds.append(_start(_next_month(grown.months[-1]), services))
    upcoming = []
    for event in await services.events.planned():
        tally = await services.events.tally(event.id)
        upcoming.append(
            Upcoming(
                title=event.title,
                starts_at=event.starts_at,
                yes=tally["yes"],
                maybe=tally["maybe"],
                capacity=event.capacity,
            )
        )
    return Overview(
        waiting=await services.bolde.waiting(services.settings.bold_stale_days),
        upcoming=upcoming,
        growth=grown,
        outlook=outlook,
        years=await services.targets.ambassador_years(outlook),
        bolde=await services.bolde.figures(),
        arrivals=await bolde.arrivals(services.db, bounds),
        # counted from when check-in opens, as people start to come then
        turnout=await events.turnout(services.db, now + CHECKIN_OPENS, EVENTS),
    )
