"""The front page: the strategy in plain words, its targets with progress as charts, and how
to take part, with a link and a QR code that open the chat."""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache

from aiohttp import web
from markupsafe import Markup

from bot.channels import Channel
from bot.i18n import Translator
from bot.services.certificate import qr_image
from bot.services.targets import HISTORY_YEARS, AmbassadorYear, Outlook, period_years, phase
from bot.strategy import TargetPeriod
from bot.web.charts import Bar, Figure, bar_chart
from bot.web.context import site_of
from bot.web.render import language_of, render
from storage.bolde import Status

routes = web.RouteTableDef()
QR_PIXELS = 240
NONE = "–"  # a table cell without a figure


@routes.get("/")
async def home(request: web.Request) -> web.Response:
    site = site_of(request)
    t = site.services.translator(language_of(request))
    outlook = await site.services.targets.outlook()
    years = await site.services.targets.ambassador_years(outlook)
    strategy = site.services.strategy
    bolde = await site.services.bolde.figures()
    return render(
        request,
        "home.html",
        strategy=strategy,
        measured=targets(t, outlook, years),
        goals=[goal_row(t, period, outlook.year) for period in strategy.targets],
        bolde=bolde,
        # Counted, named and ordered as on the bold board's chart, so the two always agree and
        # the statuses add up to the total.
        by_status=[(s, n) for s in Status if (n := bolde.by_status.get(s, 0))],
    )


@routes.get("/qr.png")
async def qr(request: web.Request) -> web.Response:
    """The QR code that opens the chat in Telegram, as the certificate and the posters draw
    it. A page has room for one code: Messenger's chat is the button beside Telegram's."""
    png = _qr_png(site_of(request).chats[Channel.TELEGRAM])
    return web.Response(
        body=png, content_type="image/png", headers={"Cache-Control": "public, max-age=86400"}
    )


@lru_cache(maxsize=4)
def _qr_png(link: str) -> bytes:
    out = io.BytesIO()
    qr_image(link, QR_PIXELS).save(out, format="PNG")
    return out.getvalue()


def _standing(t: Translator, standing: str) -> str:
    return t.plain(f"targets.{standing}")


@dataclass(frozen=True)
class Targets:
    """The strategy's three targets, each against the goal /stats measures it by, as the front
    page and the coordinators' dashboard show them (figure.html `targets`)."""

    year: int
    period: str | None  # the years whose goals apply now; None: the strategy sets none
    figures: list[Figure]


def targets(t: Translator, outlook: Outlook, years: list[AmbassadorYear]) -> Targets:
    return Targets(
        outlook.year,
        period_years(outlook.period) if outlook.period else None,
        [
            ambassadors_figure(t, outlook, years),
            citizens_figure(t, outlook),
            activities_figure(t, outlook),
        ],
    )


def ambassadors_figure(t: Translator, outlook: Outlook, years: list[AmbassadorYear]) -> Figure:
    """Year by year against each year's goal; the sentence judges this year's goal (or the
    next one of the period) as /about does."""
    progress = outlook.ambassadors
    if progress:
        sentence = t.count(
            "web.home.ambassadors.progress",
            progress.goal,
            value=t.number(progress.value),
            year=progress.until,
            percent=t.percent(progress.share),
            standing=_standing(t, progress.standing),
        )
    else:
        sentence = t.count("web.home.ambassadors.now", outlook.figures.active)
    labels = [
        t.plain("web.home.this_year", year=y.year) if y.year == outlook.year else str(y.year)
        for y in years
    ]
    title = t.plain("web.home.ambassadors.title")
    bars = [Bar(label, y.count, y.goal) for label, y in zip(labels, years, strict=True)]
    chart = bar_chart(bars, t.number, t.plain("web.home.goal"))
    rows = [
        [label, t.number(y.count), t.number(y.goal) if y.goal else NONE]
        for label, y in zip(labels, years, strict=True)
    ]
    columns = [t.plain(f"web.home.column.{c}") for c in ("year", "ambassadors", "goal")]
    return Figure("ambassadors", title, Markup(sentence), chart, columns, rows)


def citizens_figure(t: Translator, outlook: Outlook) -> Figure:
    """The share of citizens among the ambassadors; with no ambassadors there is no share,
    which is said rather than shown as 0 %."""
    share = outlook.figures.citizen_share if outlook.figures.active else None
    goal = outlook.citizens.goal if outlook.citizens else None
    if share is None:
        sentence = t("web.home.citizens.none")
    elif outlook.citizens:
        sentence = t(
            "web.home.citizens.progress",
            share=t.percent(share),
            target=t.percent(outlook.citizens.goal),
            standing=_standing(t, outlook.citizens.standing),
        )
    else:
        sentence = t("web.home.citizens.now", share=t.percent(share))
    title = t.plain("web.home.citizens.title")
    label = t.plain("web.home.citizens.bar")
    chart = bar_chart([Bar(label, share, goal)], t.percent, t.plain("web.home.goal"))
    columns = [t.plain(f"web.home.column.{c}") for c in ("what", "now", "goal")]
    rows = [[label, NONE if share is None else t.percent(share), t.percent(goal) if goal else NONE]]
    return Figure("citizens", title, Markup(sentence), chart, columns, rows)


def activities_figure(t: Translator, outlook: Outlook) -> Figure:
    """Against the period's goal when it sets one (the goal counts every activity of the
    period), else year by year as held."""
    title = t.plain("web.home.activities.title")
    columns = [t.plain(f"web.home.column.{c}") for c in ("year", "held", "goal")]
    progress, period = outlook.activities, outlook.period
    if progress and period:
        years = period_years(period)
        sentence = t.count(
            "web.home.activities.progress",
            progress.goal,
            value=t.number(progress.value),
            years=years,
            percent=t.percent(progress.share),
            standing=_standing(t, progress.standing),
        )
        bars = [Bar(years, progress.value, progress.goal)]
        held = list(range(period.from_year, outlook.year + 1))
        rows = [[str(y), t.number(outlook.held.get(y, 0)), NONE] for y in held]
        rows.append([years, t.number(progress.value), t.number(progress.goal)])
    else:
        held = sorted({*outlook.held, outlook.year})[-HISTORY_YEARS:]
        sentence = t.count(
            "web.home.activities.now", outlook.held.get(outlook.year, 0), year=outlook.year
        )
        bars = [Bar(str(y), outlook.held.get(y, 0)) for y in held]
        rows = [[str(y), t.number(outlook.held.get(y, 0)), NONE] for y in held]
    chart = bar_chart(bars, t.number, t.plain("web.home.goal"))
    return Figure("activities", title, Markup(sentence), chart, columns, rows)


def goal_row(t: Translator, period: TargetPeriod, year: int) -> list[str]:
    """A target period as a row of the table of every goal the strategy has set."""
    goals = [
        t.plain("web.home.goal_in", value=t.number(g.count), year=g.year)
        for g in period.ambassadors
    ]
    return [
        t.plain(f"web.home.period.{phase(period, year)}", years=period_years(period)),
        ", ".join(goals) or NONE,
        t.percent(period.citizen_share) if period.citizen_share else NONE,
        t.number(period.activities) if period.activities else NONE,
    ]
