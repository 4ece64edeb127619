"""One-click unsubscribe from the newsletter by e-mail (RFC 8058), from a signed link.

Opening the link (GET) only shows a button: mail scanners follow links, so a GET never
changes anything. A POST unsubscribes, from the page's form or from a mail provider's own
button (`List-Unsubscribe=One-Click`, the very body the form sends). The page speaks the
ambassador's chat language (or the one it is switched to); a link that is forged, altered or
no one's changes nothing.
"""

from __future__ import annotations

from aiohttp import web

from bot.channels import Channel, channel_of
from bot.config import LANGUAGES, Settings
from bot.services.newsletters import EmailReader, Unsubscribed
from bot.web.context import site_of
from bot.web.render import render
from bot.web.signing import sign, verified

routes = web.RouteTableDef()
PURPOSE = "unsubscribe"


def unsubscribe_link(public_url: str, settings: Settings, email_token: str) -> str:
    """The https link in every e-mail's List-Unsubscribe header and footer."""
    return f"{public_url}/unsubscribe/{sign(settings, PURPOSE, email_token)}"


@routes.get("/unsubscribe/{signed}")
async def ask(request: web.Request) -> web.Response:
    token = _token(request)
    reader = await site_of(request).services.newsletters.email_reader(token) if token else None
    if reader is None:
        return _page(request, Unsubscribed.UNKNOWN, None)
    return _page(request, "ask" if reader.by_email else Unsubscribed.ALREADY, reader)


@routes.post("/unsubscribe/{signed}")
async def unsubscribe(request: web.Request) -> web.Response:
    token = _token(request)
    newsletters = site_of(request).services.newsletters
    reader = await newsletters.email_reader(token) if token else None
    if token is None or reader is None:
        return _page(request, Unsubscribed.UNKNOWN, None)
    return _page(request, await newsletters.unsubscribe_email(token), reader)


def _token(request: web.Request) -> str | None:
    settings = site_of(request).services.settings
    return verified(settings, PURPOSE, request.match_info["signed"])


def _page(request: web.Request, state: str, reader: EmailReader | None) -> web.Response:
    """In the ambassador's chat language when the link is theirs, unless the page was
    switched to the other one (`?lang`, which the page's form keeps); about their chat on
    their channel."""
    if reader is not None and request.query.get("lang") not in LANGUAGES:
        request = request.clone(rel_url=request.rel_url.update_query(lang=reader.language))
    status = 404 if state == Unsubscribed.UNKNOWN else 200
    channel = channel_of(reader.user_id) if reader else Channel.TELEGRAM
    return render(request, "unsubscribe.html", status=status, channel=channel, state=str(state))
