"""The newsletter archive: every newsletter sent, newest first, a page at a time, and each one
on its own page, its body made safe (bot/web/sanitise.py). The chat's /newsletters reads the
same archive."""

from __future__ import annotations

from aiohttp import web

from bot.sanitise import sanitised
from bot.web.context import site_of
from bot.web.render import render
from handlers.paging import page_of

routes = web.RouteTableDef()
PAGE_SIZE = 10


@routes.get("/newsletters")
async def archive(request: web.Request) -> web.Response:
    asked = request.query.get("page", "1")
    wanted = int(asked) - 1 if asked.isdigit() else 0
    sent = await site_of(request).services.newsletters.archive()
    shown, page, pages = page_of(sent, wanted, PAGE_SIZE)
    return render(
        request, "newsletters.html", newsletters=shown, page=page + 1, pages=pages, any=bool(sent)
    )


@routes.get(r"/newsletters/{newsletter_id:\d+}")
async def newsletter(request: web.Request) -> web.Response:
    found = await site_of(request).services.newsletters.get(
        int(request.match_info["newsletter_id"])
    )
    if found is None or found.status != "sent":  # drafts, scheduled and cancelled are nobody's
        raise web.HTTPNotFound
    return render(request, "newsletter.html", newsletter=found, body=sanitised(found.body_html))
