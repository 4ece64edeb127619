"""Long texts split into pages that each fit in one Telegram message; long lists of buttons
split into pages with a row to turn them; buttons laid out in rows."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import accumulate
from typing import TypeVar

from telegram import InlineKeyboardButton

from bot.i18n import Translator

T = TypeVar("T")

MAX_TEXT = 4096  # Telegram's limit for a message, in UTF-16 code units
_SEPARATOR = "\n\n"
SHORT_LABEL = 16  # characters of a button's label that still fit beside another on a phone


def _length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def fits(text: str, limit: int) -> bool:
    """Whether Telegram counts `text` as at most `limit` long (in UTF-16 code units)."""
    return _length(text) <= limit


def beginning(text: str, limit: int) -> str:
    """The longest beginning of `text` that fits in `limit`, ending where a word or a line
    ends if one does."""
    if fits(text, limit):
        return text
    ends = accumulate(2 if ord(char) > 0xFFFF else 1 for char in text)
    cut = next(i for i, units in enumerate(ends) if units > limit)
    space = max(text.rfind(" ", 0, cut), text.rfind("\n", 0, cut))
    return text[: space if space > 0 else cut]


def paginate(blocks: list[str], limit: int = MAX_TEXT) -> list[str]:
    """Join blocks with blank lines, starting a new page before one would not fit.

    Measured on the HTML, which is never shorter than what Telegram counts, so every page fits.
    `limit` leaves room for a page line added afterwards.
    """
    pages: list[str] = []
    for block in blocks:
        if pages and _length(pages[-1] + _SEPARATOR + block) <= limit:
            pages[-1] += _SEPARATOR + block
        else:
            pages.append(block)
    return pages or [""]


def grid(
    buttons: Sequence[InlineKeyboardButton], width: int = 2
) -> list[list[InlineKeyboardButton]]:
    """Buttons in rows of up to `width`, in order; on a phone a label longer than SHORT_LABEL
    is cut when it shares a row, so such a button gets a row of its own."""
    rows: list[list[InlineKeyboardButton]] = []
    for button in buttons:
        last = rows[-1] if rows else []
        if last and len(last) < width and all(_short(b) for b in (*last, button)):
            last.append(button)
        else:
            rows.append([button])
    return rows


def _short(button: InlineKeyboardButton) -> bool:
    return len(button.text) <= SHORT_LABEL


def page_of(items: Sequence[T], page: int, size: int) -> tuple[Sequence[T], int, int]:
    """The items on one page, that page (moved back into range) and the number of pages."""
    pages = max(1, -(-len(items) // size))
    page = min(max(page, 0), pages - 1)
    return items[page * size : (page + 1) * size], page, pages


def turn_row(
    t: Translator, page: int, pages: int, data: Callable[[int], str]
) -> list[InlineKeyboardButton]:
    """Previous and next, where there is a page to turn to; `data` makes a page's button data."""
    return [
        InlineKeyboardButton(t.plain(label), callback_data=data(target))
        for label, target in (("paging.previous", page - 1), ("paging.next", page + 1))
        if 0 <= target < pages
    ]
