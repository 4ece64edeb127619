"""The strategy as data: themes, core areas, ambassador kinds, targets and contact details.

Loaded from a TOML file (the shipped Fredericia one unless BOLDEN_CONTENT names another), so a
municipality runs its own strategy without changing code.
"""

from __future__ import annotations

import itertools
import tomllib
from datetime import date
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from bot.config import ConfigError

Code = Annotated[str, Field(pattern=r"^[a-z0-9_]{1,24}$")]
Text = Annotated[str, Field(min_length=1, max_length=1000)]
Line = Annotated[str, Field(min_length=1, max_length=200)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Localized(_Model):
    """A text in every language the bot speaks."""

    da: Text
    en: Text

    def get(self, language: str) -> str:
        return self.en if language == "en" else self.da


class Title(Localized):
    """Short enough for a button and a heading."""

    da: Annotated[str, Field(min_length=1, max_length=80)]
    en: Annotated[str, Field(min_length=1, max_length=80)]


class Sentence(Localized):
    """One sentence, as the themes' descriptions are."""

    da: Annotated[str, Field(min_length=1, max_length=300)]
    en: Annotated[str, Field(min_length=1, max_length=300)]


class Topic(_Model):
    """A theme or a core area: something an ambassador can care about."""

    code: Code
    title: Title
    description: Sentence


class AmbassadorKind(_Model):
    code: Code
    title: Title
    citizen: bool = False
    organisation: bool = False


class Category(_Model):
    """What a reported problem is about; an urgent one reaches every coordinator at once."""

    code: Code
    title: Title
    urgent: bool = False


class EmergencyLine(_Model):
    """Where to get help right now, shown before anyone reports a problem as "title: phone"."""

    title: Title
    phone: Annotated[str, Field(pattern=r"^\+?[0-9 ]{3,20}$")]

    @model_validator(mode="after")
    def _number_said_once(self) -> EmergencyLine:
        digits = self.phone.replace(" ", "")
        for title in (self.title.da, self.title.en):
            if digits in title.replace(" ", ""):
                raise ValueError("the title repeats the phone number, which is shown after it")
        return self


class EventKind(_Model):
    code: Code
    title: Title


class Events(_Model):
    """Reminders before an event, in minutes (a coordinator can change them per event)."""

    reminder_minutes: Annotated[
        list[Annotated[int, Field(ge=5, le=43200)]], Field(max_length=4)
    ] = [
        1440,
        120,
    ]


def _other_event() -> list[EventKind]:
    return [EventKind(code="other", title=Title(da="Arrangement", en="Event"))]


class Contact(_Model):
    organisation: Line
    phone: Line | None = None
    email: Line | None = None
    website: Annotated[str, Field(pattern=r"^https?://\S+$")] | None = None


class Controller(_Model):
    """Who is responsible for the personal data (GDPR art. 13), as /privacy names them."""

    name: Line
    address: Line
    email: Line
    dpo: Line | None = None  # how to reach the data protection officer


Year = Annotated[int, Field(ge=2000, le=2100)]


class AmbassadorGoal(_Model):
    """How many active ambassadors there should be by the end of a year."""

    year: Year
    count: Annotated[int, Field(ge=1)]


class TargetPeriod(_Model):
    """The goals set for some years. Ambassador goals are per year; the citizens' share holds
    for the whole period, and activities count everything held from its first year to its last."""

    from_year: Year
    to_year: Year
    ambassadors: Annotated[list[AmbassadorGoal], Field(max_length=10)] = Field(default_factory=list)
    citizen_share: Annotated[float, Field(gt=0, le=1)] | None = None
    activities: Annotated[int, Field(ge=1)] | None = None

    def covers(self, year: int) -> bool:
        return self.from_year <= year <= self.to_year

    @model_validator(mode="after")
    def _goals_inside(self) -> TargetPeriod:
        if self.to_year < self.from_year:
            raise ValueError("to_year comes before from_year")
        if not (self.ambassadors or self.citizen_share or self.activities):
            raise ValueError("a period needs at least one goal")
        years = [goal.year for goal in self.ambassadors]
        if years != sorted(set(years)) or not all(self.covers(year) for year in years):
            raise ValueError("ambassador goals need different years, in order, inside the period")
        return self


class StrategyInfo(_Model):
    name: Title
    municipality: Line
    summary: Localized
    started: date | None = None


class Strategy(_Model):
    strategy: StrategyInfo
    contact: Contact
    controller: Controller
    themes: Annotated[list[Topic], Field(min_length=1, max_length=40)]
    core_areas: Annotated[list[Topic], Field(max_length=10)] = Field(default_factory=list)
    ambassador_kinds: Annotated[list[AmbassadorKind], Field(min_length=1, max_length=20)]
    categories: Annotated[list[Category], Field(max_length=20)] = Field(default_factory=list)
    emergency: Annotated[list[EmergencyLine], Field(max_length=6)] = Field(default_factory=list)
    event_kinds: Annotated[list[EventKind], Field(min_length=1, max_length=12)] = Field(
        default_factory=_other_event
    )
    events: Events = Events()
    targets: Annotated[list[TargetPeriod], Field(max_length=20)] = Field(default_factory=list)

    @property
    def topics(self) -> list[Topic]:
        """Themes and core areas: what an ambassador can choose to care about."""
        return [*self.themes, *self.core_areas]

    def target_period(self, year: int) -> TargetPeriod | None:
        """The goals that hold in a year, if the file sets any."""
        return next((period for period in self.targets if period.covers(year)), None)

    def titles(self, codes: list[str], language: str) -> list[str]:
        """The titles of the chosen themes and core areas, in the strategy's own order."""
        return [topic.title.get(language) for topic in self.topics if topic.code in codes]

    def kind_title(self, code: str, language: str) -> str:
        """What an ambassador of this kind is called; the code itself for a kind since removed."""
        found = next((kind for kind in self.ambassador_kinds if kind.code == code), None)
        return found.title.get(language) if found else code

    @model_validator(mode="after")
    def _unique_codes(self) -> Strategy:
        codes = [topic.code for topic in [*self.themes, *self.core_areas]]
        kinds = [kind.code for kind in self.ambassador_kinds]
        events = [kind.code for kind in self.event_kinds]
        if "call" in events:
            raise ValueError("event_kinds: 'call' is taken by ad hoc calls")
        for group in (codes, kinds, [category.code for category in self.categories], events):
            duplicates = sorted({code for code in group if group.count(code) > 1})
            if duplicates:
                raise ValueError(f"codes must be unique, {duplicates[0]!r} is used twice")
        for earlier, later in itertools.pairwise(self.targets):
            if later.from_year <= earlier.to_year:
                raise ValueError("target periods must be in order and must not overlap")
        return self


def load_strategy(path: Path) -> Strategy:
    """Read and validate a strategy file; any problem becomes one ConfigError line."""
    try:
        return Strategy.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    except OSError as error:
        raise ConfigError(f"BOLDEN_CONTENT cannot be read: {error.strerror}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"BOLDEN_CONTENT is not valid TOML: {error}") from None
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "file"
        message = str(first["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"BOLDEN_CONTENT {path.name}: {where}: {message}") from None
