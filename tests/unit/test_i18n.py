"""The catalogs agree, every key the code uses exists, and values are escaped and formatted."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.i18n import Catalog, Html, Translator, load_catalogs, placeholders
from bot.sandbox.entities import html_to_plain
from bot.services.bolde import EXPORT_HEADER as BOLD_HEADER
from bot.services.bolde import PREVIEWED, Action, Problem, Role, Step
from bot.services.conversations import ConversationKind
from bot.services.coordinators import AUDIT_HEADER
from bot.services.coordinators import EXPORT_HEADER as AMBASSADOR_HEADER
from bot.services.events import ROLL_HEADER, CheckIn
from bot.services.events import Problem as EventProblem
from bot.services.exports import FilterProblem
from bot.services.networks import NetworkKind, Refusal
from bot.services.newsletters import FLOWS, Door
from bot.services.newsletters import Kind as ComposeKind
from bot.services.newsletters import Problem as ComposeProblem
from bot.services.newsletters import Step as ComposeStep
from bot.services.targets import Phase
from handlers.bold_notices import Recipient
from handlers.compose import asked
from storage.bolde import OPEN, Kind, Status
from storage.coordinators import AuditAction

ROOT = Path(__file__).parents[2]
CATALOGS = load_catalogs()


def keys(language: str) -> set[str]:
    return set(CATALOGS[language].texts) | set(CATALOGS[language].plurals)


def forms(language: str) -> list[tuple[str, str]]:
    """Every text of a language, each plural form on its own, with its key; a channel's
    variants too, so every rule for texts holds for them."""
    catalog = CATALOGS[language]
    variants = [text for channel in catalog.variants.values() for text in channel.items()]
    plural_variants = [
        (key, form)
        for channel in catalog.plural_variants.values()
        for key, plural in channel.items()
        for form in plural
    ]
    return (
        [*catalog.texts.items(), *variants]
        + [(key, form) for key, plural in catalog.plurals.items() for form in plural]
        + plural_variants
    )


def test_both_languages_have_the_same_keys() -> None:
    assert keys("da") == keys("en")
    assert set(CATALOGS["da"].plurals) == set(CATALOGS["en"].plurals)


@pytest.mark.parametrize("key", sorted(CATALOGS["da"].texts))
def test_each_text_has_the_same_placeholders_in_both_languages(key: str) -> None:
    assert placeholders(CATALOGS["da"].texts[key]) == placeholders(CATALOGS["en"].texts[key])


@pytest.mark.parametrize("key", sorted(CATALOGS["da"].plurals))
def test_each_plural_text_has_every_form_and_the_same_placeholders(key: str) -> None:
    da, en = CATALOGS["da"].plurals[key], CATALOGS["en"].plurals[key]
    assert len(da) == len(en) == 2, "Danish and English have two forms: one and other"
    assert len({frozenset(placeholders(form)) for form in (*da, *en)}) == 1
    assert "count" in placeholders(da[0])


def test_a_channels_variants_stand_for_texts_that_exist_and_fill_the_same_values() -> None:
    """A Messenger variant replaces its plain text: the same key in both languages, and no
    value the code does not pass for the plain one."""
    da, en = CATALOGS["da"], CATALOGS["en"]
    assert da.variants.keys() == en.variants.keys()
    for channel, variants in da.variants.items():
        assert variants.keys() == en.variants[channel].keys(), channel
        for key, text in variants.items():
            plain = da.texts[key]
            assert placeholders(text) == placeholders(en.variants[channel][key]), key
            assert placeholders(text) <= placeholders(plain), key
    for channel, variants in da.plural_variants.items():
        assert variants.keys() <= da.plurals.keys(), channel
        assert variants.keys() == en.plural_variants[channel].keys(), channel


@pytest.mark.parametrize("language", ["da", "en"])
def test_each_text_is_valid_telegram_html(language: str) -> None:
    for key, text in forms(language):
        filled = text.format(**{name: "x" for name in placeholders(text)})
        assert html_to_plain(filled), key


def test_counts_choose_the_form_that_fits() -> None:
    da, en = Translator("da", CATALOGS["da"]), Translator("en", CATALOGS["en"])

    assert "1 tema." in da.count("themes.saved", 1)
    assert "2 temaer." in da.count("themes.saved", 2)
    assert "0 temaer." in da.count("themes.saved", 0)
    assert "1 theme." in en.count("themes.saved", 1)
    assert "1,200 themes." in en.count("themes.saved", 1200)
    assert "1.200 temaer." in da.plain_count("themes.saved", 1200)


def test_a_family_reads_the_count_only_where_its_text_has_one() -> None:
    en = Translator("en", CATALOGS["en"])

    assert en.counted("bold.draft_problem.too_long", 1) == (
        "That is too long: at most 1 character. Please make it a bit shorter."
    )
    assert "at most 2,000 characters." in en.counted("bold.draft_problem.too_long", 2000)
    assert en.counted("bold.draft_problem.unknown_choice", 2000) == en(
        "bold.draft_problem.unknown_choice"
    )


# Placeholders that hold a count of something: "{count} temaer", "højst {max} tegn". A text
# with one of them says a number followed by a noun, so it has plural forms (it is read with
# `t.count`, which fills `{count}`; a second count such as `{needed}` rides along in it).
# Counts shown as a label's value ("Sendt: {sent}", "{name}: {total}") name themselves otherwise.
COUNTS = {"count", "max", "min", "limit", "days", "members", "capacity", "needed"}


@pytest.mark.parametrize("key", sorted(CATALOGS["da"].texts))
def test_every_count_bearing_text_has_plural_forms(key: str) -> None:
    for language in ("da", "en"):
        assert placeholders(CATALOGS[language].texts[key]) & COUNTS == set(), language


def test_english_says_bolds_not_bolde() -> None:
    """`/mybolde` and `/export bolde` are names a person types; the English word is "bolds"."""
    danish = [key for key, text in forms("en") if re.search(r"(?<!/export )\b[Bb]olde\b", text)]
    assert danish == []


def test_each_language_uses_its_own_quote_marks() -> None:
    """Danish quotes »like this«, never «like this»; English uses “…”, neither of those."""
    assert [key for key, text in forms("da") if re.search("«[^«»]*»", text)] == []
    assert [key for key, text in forms("en") if re.search("[«»]", text)] == []


def test_every_key_written_in_the_code_exists() -> None:
    used: set[str] = set()
    counted: set[str] = set()
    for path in [*ROOT.glob("bot/**/*.py"), *ROOT.glob("handlers/**/*.py")]:
        text = path.read_text()
        used |= set(re.findall(r"""\bt(?:\.plain)?\(\s*"([a-z_]+\.[a-z_.]+)\"""", text))
        counted |= set(re.findall(r"""\bt\.(?:plain_)?count\(\s*"([a-z_]+\.[a-z_.]+)\"""", text))
    assert used, "the scan found the keys"
    # A key ending in "." is completed at run time; test_every_key_of_a_family_exists checks those.
    assert {key for key in used if not key.endswith(".")} - set(CATALOGS["da"].texts) == set()
    assert {key for key in counted if not key.endswith(".")} - set(CATALOGS["da"].plurals) == set()


def test_every_key_of_a_family_exists() -> None:
    """Keys completed at run time from a state, a kind or a problem: one for each value."""
    families = {
        "bold.status.": list(Status),
        "bold.kind.": list(Kind),
        "bold.kind_button.": list(Kind),
        "bold.ask.": list(Step),
        "bold.expected.": list(Step),
        "bold.event.": list(Action),
        "bold.who.": [r for r in Role if r is not Role.SENDER] + ["you", "sender"],
        "bold.problem.": list(Problem),
        "bold.draft_problem.": [Problem.TOO_SHORT, Problem.TOO_LONG, Problem.UNKNOWN_CHOICE],
        "bold.notice.": [
            *(Action.TAKE, Action.MOVE, Action.ANSWER, Action.DECLINE, Action.ASK),
            *("taken_coordinator", "question_coordinator"),
        ],
        "bold.prompt.": ["reopen", "reply"],
        "work.prompt.": ["answer", "ask", "decline"],
        "work.done.": list(PREVIEWED),
        "work.done.reply.": list(Recipient),
        "work.done.reopened.": list(Recipient),
        "inbox.status.": ["all", *OPEN],
        "net.kind.": list(NetworkKind),
        "net.kind_button.": list(NetworkKind),
        "net.refused.": list(Refusal),
        **{
            f"compose.ask.{kind}.": [
                step for step in FLOWS[kind] if step is not ComposeStep.PREVIEW
            ]
            for kind in ComposeKind
        },
        "compose.door.": list(Door),
        "compose.preview.": list(ComposeKind),
        "compose.problem.": list(ComposeProblem),
        "compose.audience.": ["all", "amb", "kind", "topic"],
        "compose.skip.": ["photo", "end", "capacity"],
        "compose.send.": list(ComposeKind),
        "compose.ask_time.": ["event", "call"],
        "ev.problem.publish_late.": ["event", "call"],
        "ev.tally.": ["yes", "maybe", "no", "waiting", "checked_in"],
        "ev.answered.": ["yes", "maybe", "no", "waiting"],
        "call.answered.": ["yes", "no"],
        "ev.problem.": list(EventProblem),
        "ev.mine.": ["yes", "maybe", "no", "waiting", "none"],
        "ev.their.": ["yes", "maybe", "no", "waiting"],
        "ev.checkin.": list(CheckIn),
        "ev.alert.": [80, 100],
        "conv.kind.": list(ConversationKind),
        "conv.stopped.": list(ConversationKind),
        "audit.action.": list(AuditAction),
        "export.problem.": [*FilterProblem, "no_network"],
        "export.head.": [*AMBASSADOR_HEADER, *BOLD_HEADER, *AUDIT_HEADER, *ROLL_HEADER],
        "export.status.": ["active", "passive", "left"],
        "export.answer.": ["yes", "maybe", "no", "waiting"],
        "export.file.": ["ambassadors", "bolde", "audit", "event"],
        "web.home.period.": list(Phase),
        "web.home.column.": [
            *("year", "ambassadors", "goal", "what", "now", "held"),
            *("period", "citizens", "activities"),
        ],
    }
    for language in ("da", "en"):
        missing = [
            prefix + str(value)
            for prefix, values in families.items()
            for value in values
            if prefix + str(value) not in keys(language)
        ]
        assert missing == [], language


def test_values_are_escaped_unless_already_html() -> None:
    t = Translator("da", Catalog({"k": "<b>{name}</b> {extra}"}))

    assert t("k", name="<i>&", extra=Html("<u>x</u>")) == "<b>&lt;i&gt;&amp;</b> <u>x</u>"
    assert t.plain("k", name="<i>", extra="") == "<b><i></b> "


def test_numbers_percentages_and_months_follow_the_locale() -> None:
    da, en = Translator("da", CATALOGS["da"]), Translator("en", CATALOGS["en"])

    assert da.number(1234.5) == "1.234,5"
    assert en.number(1234.5) == "1,234.5"
    assert da.percent(0.2) == "20\xa0%"
    assert en.percent(0.2) == "20%"
    assert da.month(date(2018, 6, 1)) == "juni 2018"
    late_evening = datetime(2026, 11, 22, 23, 30, tzinfo=UTC)  # already the 23rd in Denmark
    assert da.date(late_evening) == "23. november 2026"
    assert en.date(late_evening) == "23 November 2026"
    assert en.month(date(2018, 6, 1)) == "June 2018"


# Words that name each kind of writing; a question of one kind may use none of the others'.
KIND_WORDS = {
    "da": {
        ComposeKind.BROADCAST: ("besked", "udsendelse"),
        ComposeKind.NEWSLETTER: ("nyhedsbrev",),
        ComposeKind.EVENT: ("arrangement", "invitation"),
        ComposeKind.CALL: ("kald", "opgave", "hjælper"),
    },
    "en": {
        ComposeKind.BROADCAST: ("message", "broadcast"),
        ComposeKind.NEWSLETTER: ("newsletter",),
        ComposeKind.EVENT: ("event", "invitation"),
        ComposeKind.CALL: ("call", "task", "helper"),
    },
}


@pytest.mark.parametrize("language", ["da", "en"])
def test_every_question_of_a_kind_names_no_other_kind(language: str) -> None:
    t = Translator(language, CATALOGS[language])
    ending = r"s?\b" if language == "en" else ""  # Danish words take endings: "kaldet"
    wrong = [
        f"{kind}.{step}: {word!r}"
        for kind in ComposeKind
        for step in FLOWS[kind]
        if step is not ComposeStep.PREVIEW
        for other, words in KIND_WORDS[language].items()
        if other is not kind
        for word in words
        if re.search(rf"\b{word}{ending}", asked(t, kind, step).lower())
    ]
    assert wrong == []
