"""Texts people see, from gettext catalogs, with dates and numbers formatted per locale.

Catalogs live in `bot/locales/<language>/LC_MESSAGES/bolden.po`. Each msgid is a key named by
feature (`start.greeting`), and each msgstr the text in HTML parse mode with `{placeholders}`.
A text that carries a count has
gettext plural forms (`msgid_plural`, one `msgstr[n]` per form of the language's `Plural-Forms`)
and is read with `Translator.count`, so "1 tema" and "2 temaer" both read right. A text that
must read otherwise for a person on Messenger (it names Telegram, or says what Meta keeps) has a
variant under the same key with `msgctxt "messenger"`: `Translator.on(channel)` reads the
variants of the person's channel where there are any, so the journeys ask for one key and a
Telegram person reads exactly the plain text. Edit them with
any gettext tool (Poedit, Weblate); Bolden reads the `.po` files directly, so there is no
compile step. `tests/unit/test_i18n.py` fails when the catalogs disagree.
"""

from __future__ import annotations

import datetime as dt
import html
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from gettext import c2py
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime, format_time, format_timedelta
from babel.lists import format_list
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent

from bot.channels import Channel
from bot.config import LANGUAGES

LOCALES = Path(__file__).parent / "locales"
BABEL_LOCALES = {"da": "da_DK", "en": "en_GB"}
DEFAULT_ZONE = ZoneInfo("Europe/Copenhagen")


def _one_or_other(count: int) -> int:
    return int(count != 1)


@dataclass(frozen=True)
class Catalog:
    """One language's texts: plain ones by key, and those with plural forms by key."""

    texts: dict[str, str]
    plurals: dict[str, tuple[str, ...]] = field(default_factory=dict)
    form: Callable[[int], int] = _one_or_other
    # By channel (a msgctxt): the texts that read otherwise there, each under its plain key.
    variants: dict[str, dict[str, str]] = field(default_factory=dict)
    plural_variants: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)

    def on(self, channel: str) -> Catalog:
        """The texts as a person on `channel` reads them."""
        return Catalog(
            {**self.texts, **self.variants.get(channel, {})},
            {**self.plurals, **self.plural_variants.get(channel, {})},
            self.form,
        )


class Html(str):
    """Text that is already safe HTML, so the translator inserts it as it is."""

    __slots__ = ()


def load_catalogs(folder: Path = LOCALES) -> dict[str, Catalog]:
    catalogs: dict[str, Catalog] = {}
    for language in LANGUAGES:
        with (folder / language / "LC_MESSAGES" / "bolden.po").open("rb") as handle:
            po = read_po(handle, locale=language)
        texts: dict[str, dict[str, str]] = {}
        plurals: dict[str, dict[str, tuple[str, ...]]] = {}
        for message in po:
            if not message.id or not message.string or message.fuzzy:
                continue
            context = message.context or ""
            if message.pluralizable:
                forms = tuple(str(form) for form in message.string)
                plurals.setdefault(context, {})[str(message.id[0])] = forms
            else:
                texts.setdefault(context, {})[str(message.id)] = str(message.string)
        catalogs[language] = Catalog(
            texts.pop("", {}), plurals.pop("", {}), c2py(po.plural_expr), texts, plurals
        )
    return catalogs


def placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


class Translator:
    """Looks up texts in one language and escapes every value put into them."""

    def __init__(self, language: str, catalog: Catalog, timezone: ZoneInfo = DEFAULT_ZONE) -> None:
        self.language = language
        self._catalog = catalog
        self.zone = timezone
        self._locale = Locale.parse(BABEL_LOCALES[language])
        self._channels: dict[Channel, Translator] = {Channel.TELEGRAM: self}

    def on(self, channel: Channel) -> Translator:
        """This language as a person on `channel` reads it (see the module's docstring)."""
        if channel not in self._channels:
            made = Translator(self.language, self._catalog.on(channel), self.zone)
            made._channels = self._channels  # one family: `on` from any of them means the same
            self._channels[channel] = made
        return self._channels[channel]

    def __call__(self, key: str, /, **values: object) -> str:
        return _fill(self._catalog.texts[key], values)

    def plain(self, key: str, /, **values: object) -> str:
        """Text for places without HTML (button labels, command lists, pop-up answers)."""
        return self._catalog.texts[key].format(**values)

    def count(self, key: str, count: int, /, **values: object) -> str:
        """The plural form of a text that fits `count`, which fills its `{count}`."""
        return _fill(self._plural(key, count), {"count": self.number(count), **values})

    def plain_count(self, key: str, count: int, /, **values: object) -> str:
        """`count` for places without HTML."""
        return self._plural(key, count).format(count=self.number(count), **values)

    def counted(self, key: str, count: int, /, **values: object) -> str:
        """A text of a family whose members differ, such as one problem per kind: the form that
        fits `count` where the text has plural forms, else the text as it is."""
        if key in self._catalog.plurals:
            return self.count(key, count, **values)
        return self(key, **values)

    def _plural(self, key: str, count: int) -> str:
        forms = self._catalog.plurals[key]
        return forms[min(self._catalog.form(count), len(forms) - 1)]

    def number(self, value: float) -> str:
        return str(format_decimal(value, locale=self._locale))

    def percent(self, value: float) -> str:
        return str(format_percent(value, locale=self._locale))

    def date(self, moment: dt.datetime) -> str:
        """The day of a moment stored in UTC, as it was where the bot runs (BOLDEN_TIMEZONE)."""
        local = moment.astimezone(self.zone).date()
        return str(format_date(local, format="long", locale=self._locale))

    def day(self, moment: dt.datetime) -> str:
        """The local date of `moment` as machines read it (2026-12-01): a web page's <time>
        that shows only the date publishes no more than the date."""
        return moment.astimezone(self.zone).date().isoformat()

    def moment(self, moment: dt.datetime) -> str:
        """Day and time of a moment stored in UTC, where the bot runs."""
        local = moment.astimezone(self.zone)
        return str(format_datetime(local, format="short", locale=self._locale))

    def clock(self, moment: dt.datetime) -> str:
        """The time of day of a moment stored in UTC, where the bot runs: "18.00", "18:00"."""
        return str(format_time(moment.astimezone(self.zone), format="short", locale=self._locale))

    def duration(self, span: dt.timedelta) -> str:
        """A span of time in words, rounded: "3 timer", "2 days"."""
        return str(format_timedelta(span, locale=self._locale))

    def listing(self, items: list[str]) -> str:
        """Items as a sentence lists them: "a, b og c", "a, b and c"."""
        return str(format_list(items, locale=self._locale))

    def month(self, value: dt.date) -> str:
        """A month and year, such as "juni 2018" or "June 2018"."""
        return str(format_date(value, format="LLLL y", locale=self._locale))


def _fill(text: str, values: dict[str, object]) -> str:
    return text.format(**{name: _safe(value) for name, value in values.items()})


def _safe(value: object) -> str:
    if isinstance(value, Html):
        return value
    return html.escape(str(value), quote=False)
