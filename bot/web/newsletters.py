"""The newsletter archive: every newsletter sent, newest first, a page at a time, and each one
on its own page, its body made safe (bot/web/sanitise.py). The chat's /newsletters reads the
same archive."""

from __future__ import annotations

from aiohttp import web

from bot.sanitise import sanitised
from bot.web.context import site_of
from bot.web.numbers import id_in_path, page_index
from bot.web.render import render
from handlers.paging import page_of

routes = web.RouteTableDef()
PAGE_SIZE = 10


@routes.get("/newsletters")
async def archive(request: web.Request) -> web.Response:
    sent = await site_of(request).services.newsletters.archive()
    shown, page, pages = page_of(sent, page_index(request), PAGE_SIZE)
    return render(
        request, "newsletters.html", newsletters=shown, page=page + 1, pages=pages, any=bool(sent)
    )


@routes.get("/newsletters/{newsletter_id}")
async def newsletter(request: web.Request) -> web.Response:
    newsletters = site_of(request).services.newsletters
    found = await newsletters.get(id_in_path(request, "newsletter_id"))
    if found is None or found.status != "sent":  # drafts, scheduled and cancelled are nobody's
        raise web.HTTPNotFound
    return render(request, "newsletter.html", newsletter=found, body=sanitised(found.body_html))
