"""The public pages: the strategy and its targets."""

from __future__ import annotations

from aiohttp import web

from bot.web.context import site_of
from bot.web.render import render

routes = web.RouteTableDef()


@routes.get("/")
async def home(request: web.Request) -> web.Response:
    strategy = site_of(request).services.strategy
    return render(request, "home.html", strategy=strategy)
