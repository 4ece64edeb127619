"""How the figures stand against the goals of the period that holds now."""

from __future__ import annotations

from datetime import date

import pytest

from bot.config import DEFAULT_CONTENT
from bot.services.coordinators import Figures
from bot.services.targets import Standing, judge, outlook
from bot.strategy import load_strategy
from tests.conftest import DATA

OTHER = load_strategy(DATA / "other_strategy.toml")


def figures(active: int, citizen_share: float = 0.0) -> Figures:
    return Figures(active=active, passive=0, citizen_share=citizen_share)


@pytest.mark.parametrize(
    ("value", "goal", "baseline", "elapsed", "standing"),
    [
        (60, 60, 0, 0.5, Standing.REACHED),
        (61, 60, 0, 0.0, Standing.REACHED),
        (30, 60, 0, 0.5, Standing.ON_TRACK),
        (29, 60, 0, 0.5, Standing.BEHIND),
        (55, 70, 50, 0.25, Standing.ON_TRACK),
        (54, 70, 50, 0.25, Standing.BEHIND),
        (0, 10, 0, 0.0, Standing.ON_TRACK),
        (9, 10, 0, 1.0, Standing.BEHIND),
    ],
)
def test_a_goal_is_reached_on_track_or_behind(
    value: int, goal: int, baseline: int, elapsed: float, standing: Standing
) -> None:
    assert judge(value, goal, baseline, elapsed) is standing


def test_old_goals_are_never_todays_yardstick() -> None:
    seen = outlook(load_strategy(DEFAULT_CONTENT), date(2026, 11, 22), figures(45), {2019: 40})

    assert seen.period is None
    assert (seen.ambassadors, seen.citizens, seen.activities) == (None, None, None)


def test_the_goal_of_this_year_counts_from_zero_at_the_periods_start() -> None:
    seen = outlook(OTHER, date(2026, 7, 2), figures(3, 0.5), {2025: 9})

    assert seen.ambassadors is not None
    assert (seen.ambassadors.value, seen.ambassadors.goal, seen.ambassadors.until) == (3, 4, 2026)
    assert seen.ambassadors.standing is Standing.ON_TRACK, "half the year gone, 3 of 4"
    assert seen.citizens is not None
    assert seen.citizens.standing is Standing.REACHED
    assert seen.activities is not None
    assert (seen.activities.value, seen.activities.goal) == (0, 4), "2025 is outside the period"
    assert seen.activities.standing is Standing.BEHIND, "a quarter of the period gone, none held"


def test_next_years_goal_counts_from_this_years() -> None:
    seen = outlook(OTHER, date(2027, 4, 2), figures(10), {2026: 2, 2027: 1})

    assert seen.ambassadors is not None
    assert (seen.ambassadors.goal, seen.ambassadors.until) == (25, 2027)
    assert seen.ambassadors.standing is Standing.ON_TRACK, "4 + 21 x a quarter of 2027 is about 9.2"
    assert seen.activities is not None
    assert seen.activities.value == 3
    assert seen.citizens is not None
    assert seen.citizens.standing is Standing.BEHIND


def test_a_period_without_some_goals_measures_only_the_ones_it_has() -> None:
    seen = outlook(OTHER, date(2028, 12, 31), figures(40), {})

    assert seen.ambassadors is not None
    assert seen.ambassadors.standing is Standing.REACHED
    assert (seen.citizens, seen.activities) == (None, None)
