"""How the strategy's targets look: the timeline on /about and the progress on /about and /stats."""

from __future__ import annotations

from bot.i18n import Translator
from bot.services.targets import Outlook, period_years, phase
from bot.strategy import TargetPeriod


def goal_lines(t: Translator, period: TargetPeriod) -> list[str]:
    lines = [t.count("about.target_ambassadors", g.count, year=g.year) for g in period.ambassadors]
    if period.citizen_share:
        lines.append(t("about.target_citizen_share", share=t.percent(period.citizen_share)))
    if period.activities:
        lines.append(t.count("about.target_activities", period.activities))
    return lines


def timeline(t: Translator, targets: list[TargetPeriod], year: int) -> list[str]:
    """Every period, the past ones marked as such, then how this year's goals stand."""
    lines: list[str] = []
    for period in targets:
        lines += [
            t(f"about.target_period_{phase(period, year)}", years=period_years(period)),
            *goal_lines(t, period),
        ]
    return lines


def progress_lines(t: Translator, outlook: Outlook) -> list[str]:
    """How the period that holds now stands: reached, on track or behind, goal by goal."""
    lines = []
    if outlook.ambassadors:
        a = outlook.ambassadors
        lines.append(
            t.count(
                "targets.ambassadors",
                a.goal,
                standing=t.plain(f"targets.{a.standing}"),
                value=t.number(a.value),
                year=a.until,
                percent=t.percent(a.share),
            )
        )
    if outlook.citizens:
        c = outlook.citizens
        lines.append(
            t(
                "targets.citizens",
                standing=t.plain(f"targets.{c.standing}"),
                share=t.percent(c.value),
                target=t.percent(c.goal),
            )
        )
    if outlook.activities:
        done = outlook.activities
        lines.append(
            t.count(
                "targets.activities",
                done.goal,
                standing=t.plain(f"targets.{done.standing}"),
                value=t.number(done.value),
                percent=t.percent(done.share),
            )
        )
    return lines
