"""The aiohttp server: its routes, the headers every answer gets, and its start and stop."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import web

from bot.channels.messenger import webhook as messenger_webhook
from bot.web import (
    accessibility,
    board,
    dashboard,
    directory,
    events,
    health,
    newsletters,
    pages,
    unsubscribe,
    webhook,
)
from bot.web.context import SITE, Site
from bot.web.render import render

logger = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"
# Pages, styles and scripts come only from this server; the dashboard runs inside Telegram,
# which shows it in a frame, so framing is not forbidden.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}

_READS = {"GET", "HEAD"}
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def _headers_and_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every answer gets the security headers; a page that does not exist, or one that failed,
    gets a page that says so in the person's language, not aiohttp's bare text. A failure is
    logged once, here."""
    try:
        response = await handler(request)
    except web.HTTPNotFound:
        if request.path != "/" and request.path.endswith("/") and request.method in _READS:
            raise _without_slash(request) from None
        response = render(request, "not_found.html", status=404)
    except web.HTTPException:
        raise
    except Exception:
        logger.exception("The page %s failed", request.path)
        response = render(request, "error.html", status=500)
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def _without_slash(request: web.Request) -> web.HTTPPermanentRedirect:
    """/bolde/ is /bolde: the same address without its trailing slash, query kept. The
    leading slashes are made one, so that //example.org/ cannot lead off the site."""
    path = "/" + request.rel_url.raw_path.strip("/")
    query = f"?{request.rel_url.raw_query_string}" if request.rel_url.raw_query_string else ""
    return web.HTTPPermanentRedirect(path + query)


async def _favicon(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC / "favicon.ico", headers={"Cache-Control": "max-age=86400"})


def build(site: Site) -> web.Application:
    app = web.Application(middlewares=[_headers_and_errors], client_max_size=1024**2)
    app[SITE] = site
    for module in (
        pages,
        board,
        newsletters,
        events,
        unsubscribe,
        directory,
        accessibility,
        dashboard,
        health,
    ):
        app.add_routes(module.routes)
    webhook.add_route(app, site.services.settings)
    messenger_webhook.add_routes(app, site.services.settings)
    app.router.add_static("/static", STATIC)
    app.router.add_get("/favicon.ico", _favicon)
    return app


class WebServer:
    """One server on BOLDEN_WEB_HOST:BOLDEN_WEB_PORT, started and stopped with the bot."""

    def __init__(self, site: Site) -> None:
        self.site = site
        # No access log: it would keep people's addresses and what they looked up.
        self._runner = web.AppRunner(build(site), access_log=None)
        self.listening = ""  # host:port it listens on
        self.url = ""  # where this machine reaches it

    async def start(self, host: str, port: int) -> None:
        await self._runner.setup()
        try:
            await web.TCPSite(self._runner, host, port).start()
        except BaseException:
            await self._runner.cleanup()
            raise
        bound_host, bound_port = self._runner.addresses[0][:2]
        self.listening = f"{_url_host(bound_host)}:{bound_port}"
        # Listening on every address: this machine reaches it on the loopback.
        reachable = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(bound_host, bound_host)
        self.url = f"http://{_url_host(reachable)}:{bound_port}"
        if not self.site.public_url:
            self.site.public_url = self.url

    async def stop(self) -> None:
        await self._runner.cleanup()


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
