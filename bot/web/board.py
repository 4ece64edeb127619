"""The bold board: what became of every bold, for everyone to see (the 2021 evaluation asked
for it). It shows a bold's reference, kind, themes or category, status, dates and public
answer; never who sent it, its words, a photo or a place, which the sender never agreed to
publish. The service hands this page nothing else (`PublicBold`)."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from markupsafe import Markup

from bot.i18n import Translator
from bot.services.bolde import BoardPage
from bot.web.charts import Bar, Figure, bar_chart
from bot.web.context import site_of
from bot.web.numbers import page_index
from bot.web.render import language_of, link, render
from storage.bolde import Status

routes = web.RouteTableDef()


@routes.get("/bolde")
async def board(request: web.Request) -> web.Response:
    """The list, newest first, filtered by status and theme; an exact reference leads to its
    bold, and one that does not exist is said so above the list."""
    services = site_of(request).services
    asked = request.query.get("reference", "").strip()
    if asked:
        found = await services.bolde.public(asked)
        if found:
            raise web.HTTPSeeOther(link(request, f"/bolde/{found.reference}"))
    shown = await services.bolde.board(
        request.query.get("status"),
        request.query.get("theme"),
        page_index(request),
    )
    t = services.translator(language_of(request))
    by_status = (await services.bolde.figures()).by_status
    return render(
        request,
        "board.html",
        shown=shown,
        unknown=asked,
        by_status=_by_status(t, by_status),
        statuses=list(Status),
        pages=_pages(request, shown),
        **_names(request),
    )


@routes.get("/bolde/{reference}")
async def one_bold(request: web.Request) -> web.Response:
    services = site_of(request).services
    found = await services.bolde.public(request.match_info["reference"])
    if found is None:
        raise web.HTTPNotFound
    back = _back(request)
    kept = back != link(request, "/bolde")  # the list's filters or page
    return render(
        request,
        "board_bold.html",
        bold=found,
        back=back,
        back_label="web.board.back_to_list" if kept else "web.board.back",
        **_names(request),
    )


def _back(request: web.Request) -> str:
    """Back to the list as it was when the bold was opened from it: its filters and page."""
    page = page_index(request)
    query = request.query
    return link(
        request,
        "/bolde",
        status=query.get("status"),
        theme=query.get("theme"),
        page=page + 1 if page else None,
    )


def _by_status(t: Translator, by_status: dict[str, int]) -> Figure:
    """How many bolde there are of each status, in the order of their lifecycle."""
    title, total = t.plain("web.board.by_status"), sum(by_status.values())
    counted = [(t.plain(f"bold.status.{s}"), by_status.get(s, 0)) for s in Status]
    chart = bar_chart([Bar(label, n) for label, n in counted], t.number)
    columns = [t.plain("web.board.status"), t.plain("web.board.column.bolde")]
    rows = [[label, t.number(n)] for label, n in counted]
    return Figure(
        "by-status", title, Markup(t.count("web.board.total", total)), chart, columns, rows
    )


def _pages(request: web.Request, shown: BoardPage) -> dict[str, str | None]:
    """Links to the pages before and after this one, with the same filters."""

    def to(page: int) -> str | None:
        if not 0 <= page < shown.pages:
            return None
        return link(
            request,
            "/bolde",
            status=shown.status,
            theme=shown.topic,
            page=page + 1 if page else None,
        )

    return {"previous": to(shown.page - 1), "next": to(shown.page + 1)}


def _names(request: web.Request) -> dict[str, Any]:
    """Theme and category titles in the page's language, by code."""
    strategy = site_of(request).services.strategy
    language = language_of(request)
    return {
        "topics": [(topic.code, topic.title.get(language)) for topic in strategy.topics],
        "categories": {c.code: c.title.get(language) for c in strategy.categories},
    }
