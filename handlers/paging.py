"""Long texts split into pages that each fit in one Telegram message."""

from __future__ import annotations

MAX_TEXT = 4096  # Telegram's limit for a message, in UTF-16 code units
_SEPARATOR = "\n\n"


def _length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


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
