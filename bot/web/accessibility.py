"""The accessibility statement (tilgængelighedserklæring) that Danish public-sector sites must
publish: what it covers, how the pages are tested, what is known not to be right, whom to tell
(the strategy file's contact) and where to complain."""

from __future__ import annotations

from aiohttp import web

from bot.web.context import site_of
from bot.web.render import render

routes = web.RouteTableDef()


@routes.get("/accessibility")
async def accessibility(request: web.Request) -> web.Response:
    """An e-mail address to write to always: the contact's, else the data controller's."""
    strategy = site_of(request).services.strategy
    email = strategy.contact.email or strategy.controller.email
    return render(request, "accessibility.html", contact=strategy.contact, email=email)
