"""Numbers that come in web addresses (an id in the path, `page=` in the query), read in one
place: ASCII digits only and at most `DIGITS` of them, so that no address can ask the database
for a number it cannot hold. Anything else is no number: the page says it does not exist, or
shows the first page."""

from __future__ import annotations

from aiohttp import web

DIGITS = 9  # far above any id or page there will be, far below SQLite's 2**63


def number(text: str) -> int | None:
    """The whole number `text` spells, or None when it is not one we read."""
    if not (text.isascii() and text.isdigit()) or len(text) > DIGITS:
        return None
    return int(text)


def page_index(request: web.Request) -> int:
    """The page asked for by `page=` (counted from 1 in the address), from 0; the first page
    when it is missing or no number we read."""
    asked = number(request.query.get("page", ""))
    return asked - 1 if asked else 0


def id_in_path(request: web.Request, name: str) -> int:
    """The id in the address, or the page that does not exist."""
    found = number(request.match_info[name])
    if found is None:
        raise web.HTTPNotFound
    return found
