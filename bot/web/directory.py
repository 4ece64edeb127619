"""The public list of ambassadors: only those who said yes to it, searchable and filterable
with a plain GET form, so it works without JavaScript."""

from __future__ import annotations

from aiohttp import web

from bot.web.context import site_of
from bot.web.numbers import page_index
from bot.web.render import render

routes = web.RouteTableDef()
SEARCH_MAX = 100  # characters of a search that are read


@routes.get("/ambassadors")
async def directory(request: web.Request) -> web.Response:
    query, services = request.query, site_of(request).services
    words = query.get("q", "")[:SEARCH_MAX].strip()
    listing = await services.ambassadors.listing(
        words,
        query.get("kind") or None,
        query.get("theme") or None,
        page_index(request),
    )
    return render(
        request, "directory.html", listing=listing, words=words, strategy=services.strategy
    )
