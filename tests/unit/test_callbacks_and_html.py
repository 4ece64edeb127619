"""Callback data codecs, the emulator's HTML check, deep links, and the layering rule."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from telegram import InlineKeyboardButton

from bot.i18n import Translator, load_catalogs
from bot.sandbox.entities import html_to_plain, telegram_length
from bot.services.people import language_for, parse_deep_link
from handlers.bold_views import PART, SHOWN_TEXT, shown, text_parts
from handlers.callbacks import CallbackCodec, Press
from handlers.paging import beginning, grid, page_of, turn_row

ROOT = Path(__file__).parents[2]
CODEC = CallbackCodec("demo", open=1, home=0)


def test_callback_data_round_trips() -> None:
    assert CODEC.data("open", 42) == "demo:open:42"
    assert CODEC.parse("demo:open:42") == Press("open", ("42",))
    assert CODEC.parse("demo:home") == Press("home", ())


@pytest.mark.parametrize(
    "data",
    [None, "", "demo", "demo:open", "demo:home:1", "demo:close:1", "other:open:1", "demo:open:<b>"],
)
def test_anything_else_is_rejected(data: str | None) -> None:
    assert CODEC.parse(data) is None


@pytest.mark.parametrize("number", ["9" * 40, str(2**63), str(-(2**63) - 1)])
def test_a_number_the_database_cannot_hold_is_rejected(number: str) -> None:
    assert CODEC.parse(f"demo:open:{number}") is None
    with pytest.raises(ValueError, match="too long or has unsafe characters"):
        CODEC.data("open", number)


@pytest.mark.parametrize("number", [str(2**63 - 1), str(-(2**63)), "0", "007"])
def test_a_number_within_the_databases_range_is_kept(number: str) -> None:
    assert CODEC.parse(f"demo:open:{number}") == Press("open", (number,))


def test_callback_data_is_kept_within_telegrams_64_bytes() -> None:
    with pytest.raises(ValueError, match="too long or has unsafe characters"):
        CallbackCodec("a" * 30, go=1).data("go", "b" * 35)
    with pytest.raises(ValueError, match="takes 1 arguments"):
        CODEC.data("open")


DRAFTS = CallbackCodec("draft", drafts=["letter", "event"], go=1, send=0)


def test_a_drafts_button_names_the_draft_it_belongs_to() -> None:
    assert DRAFTS.data("go", "all", draft="letter") == "draft:go:letter:all"
    assert DRAFTS.parse("draft:go:letter:all") == Press("go", ("all",), "letter")
    assert DRAFTS.parse("draft:send:event") == Press("send", (), "event")
    assert re.match(DRAFTS.pattern("send"), "draft:send:event")
    assert not re.match(DRAFTS.pattern("send"), "draft:send")


@pytest.mark.parametrize(
    "data", ["draft:send", "draft:go:all", "draft:send:bold", "draft:go:event:all:1", "draft:go:x"]
)
def test_a_drafts_button_without_one_of_its_drafts_is_rejected(data: str) -> None:
    assert DRAFTS.parse(data) is None


def test_a_drafts_button_cannot_be_built_without_its_draft() -> None:
    with pytest.raises(ValueError, match="belongs to one of"):
        DRAFTS.data("send")
    with pytest.raises(ValueError, match="belongs to one of"):
        DRAFTS.data("send", draft="bold")
    with pytest.raises(ValueError, match="belongs to one of"):
        CODEC.data("home", draft="letter")


def test_patterns_match_a_feature_or_one_action() -> None:
    assert re.match(CODEC.pattern(), "demo:open:1")
    assert re.match(CODEC.pattern("home"), "demo:home")
    assert re.match(CODEC.pattern("open"), "demo:open:7")
    assert not re.match(CODEC.pattern("home"), "demo:homework")
    assert not re.match(CODEC.pattern("home"), "demo:home:1")
    assert not re.match(CODEC.pattern("open"), "demo:open")


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ("ref-AB12cd", ("ref", "AB12cd")),
        ("event-42", ("event", "42")),
        ("checkin-e_7-x", ("checkin", "e_7-x")),
        ("ref", None),
        ("Ref-1", None),
        ("ref-" + "a" * 48, None),
        ("ref-a b", None),
    ],
)
def test_deep_link_payloads(payload: str, expected: tuple[str, str] | None) -> None:
    link = parse_deep_link(payload)

    assert (None if link is None else (link.kind, link.argument)) == expected


@pytest.mark.parametrize(
    ("code", "language"),
    [("da", "da"), ("da-DK", "da"), ("en-US", "en"), ("uk", "en"), (None, "xx")],
)
def test_language_from_telegram(code: str | None, language: str) -> None:
    assert language_for(code, "xx") == language


@pytest.mark.parametrize(
    ("html", "plain"),
    [
        ("<b>Hej</b> &lt;du&gt; &amp; &quot;jeg&quot;", 'Hej <du> & "jeg"'),
        ('<a href="https://x.dk">link</a>', "link"),
        ("1 &#43; 1", "1 + 1"),
    ],
)
def test_valid_html_becomes_the_visible_text(html: str, plain: str) -> None:
    assert html_to_plain(html) == plain


@pytest.mark.parametrize(
    ("html", "problem"),
    [
        ("<b>bold", "Can't find end tag"),
        ("<b>x</i>", "Unmatched end tag"),
        ("<script>x</script>", "Unsupported start tag"),
        ("Tom & Jerry", "Unsupported HTML entity"),
        ("a < b", "Unclosed start tag"),
        ("a > b", "Unexpected >"),
    ],
)
def test_invalid_html_is_refused_like_telegram_does(html: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        html_to_plain(html)


def test_length_counts_utf16_units() -> None:
    assert telegram_length("æøå") == 3
    assert telegram_length("👋") == 2


def test_services_and_storage_never_import_telegram() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for folder in ("bot/services", "storage")
        for path in (ROOT / folder).rglob("*.py")
        if re.search(r"^\s*(from|import)\s+telegram\b", path.read_text(), re.MULTILINE)
    ]
    assert offenders == []


def test_the_tests_cannot_reach_the_internet() -> None:
    import socket

    with pytest.raises(AssertionError, match="tests stay on this machine"):
        socket.getaddrinfo("api.telegram.org", 443)


def test_a_list_is_cut_into_pages_that_can_be_turned() -> None:
    t = Translator("da", load_catalogs()["da"])
    items = list(range(17))

    assert page_of(items, 0, 8) == ([0, 1, 2, 3, 4, 5, 6, 7], 0, 3)
    assert page_of(items, 9, 8) == ([16], 2, 3), "a page past the end shows the last one"
    assert page_of([], 3, 8) == ([], 0, 1)
    assert [b.text for b in turn_row(t, 0, 3, str)] == ["Næste ▶️"]
    assert [b.callback_data for b in turn_row(t, 1, 3, str)] == ["0", "2"]
    assert turn_row(t, 0, 1, str) == []
    assert [len(row) for row in grid(list(turn_row(t, 1, 3, str)) * 3, 4)] == [4, 2]


def test_buttons_share_a_row_only_when_both_labels_are_short() -> None:
    labels = [
        "Someone is sleeping rough", "Homelessness and housing", "Loneliness", "Addiction",
        "Mental health", "A place feels unsafe", "Other",
    ]  # fmt: skip
    buttons = [InlineKeyboardButton(label, callback_data=str(n)) for n, label in enumerate(labels)]

    rows = [[b.text for b in row] for row in grid(buttons)]

    assert rows == [
        ["Someone is sleeping rough"], ["Homelessness and housing"], ["Loneliness", "Addiction"],
        ["Mental health"], ["A place feels unsafe"], ["Other"],
    ]  # fmt: skip


@pytest.mark.parametrize("char", ["a", "æ", "🎤"])
def test_a_long_text_is_carried_whole_in_parts_that_each_fit(char: str) -> None:
    text = " ".join([char * 9] * 410)[: 4096 // telegram_length(char)].strip()

    parts = text_parts(text)

    assert parts, "too long for a card"
    assert " ".join(parts) == text, "nothing is lost, every cut is where a word ends"
    assert all(telegram_length(part) <= PART for part in parts)
    assert telegram_length(shown(text)) <= SHOWN_TEXT + 2
    assert text_parts("kort tekst") == []
    assert beginning("ord og ord", 7) == "ord og"
