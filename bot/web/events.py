"""The public events: what is coming for everyone, each with its own link that opens it in
the chat to answer, a calendar file for each, and a calendar feed to subscribe to. Which
events are public is the events service's rule (`is_public`)."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web
from markupsafe import Markup

from bot.channels import Channel
from bot.channels.links import chat_links
from bot.sanitise import sanitised
from bot.services.calendar import ics
from bot.services.events import LINK, is_public
from bot.web.context import site_of
from bot.web.numbers import id_in_path
from bot.web.render import language_of, render
from handlers.event_views import kind_name, map_link, when
from storage.events import Event

routes = web.RouteTableDef()
EARLIER = 5  # ended events listed under the coming ones


@dataclass
class Shown:
    event: Event
    kind: str
    when: str
    description: Markup
    map: str | None
    seats_left: int | None
    links: dict[Channel, str]  # open the event in the chat on each channel, to answer at once


@routes.get("/events")
async def upcoming(request: web.Request) -> web.Response:
    site = site_of(request)
    events = site.services.events
    t = site.services.translator(language_of(request))
    shown = [
        Shown(
            event=event,
            kind=kind_name(site.services, t, event.kind),
            when=when(t, event.starts_at, event.ends_at),
            description=sanitised(event.description),
            map=_map(event),
            seats_left=await events.seats_left(event),
            links=chat_links(site.application, f"{LINK}-{event.id}"),
        )
        for event in await events.public(cancelled=True)
    ]
    return render(
        request,
        "events.html",
        events=shown,
        earlier=await events.public_earlier(EARLIER),
        feed=f"{site.public_url}/events.ics",
    )


def _map(event: Event) -> str | None:
    if event.latitude is None or event.longitude is None:
        return None
    return map_link(event.latitude, event.longitude)


@routes.get("/events.ics")
async def feed(request: web.Request) -> web.Response:
    """Every public event to come, and those called off, so that calendars take them away."""
    site = site_of(request)
    t = site.services.translator(language_of(request))
    name = f"{site.services.strategy.strategy.municipality}: {t.plain('web.events.title')}"
    return _calendar(request, await site.services.events.public(cancelled=True), name)


@routes.get("/events/{event_id}.ics")
async def one(request: web.Request) -> web.Response:
    site = site_of(request)
    event = await site.services.events.get(id_in_path(request, "event_id"))
    if event is None or not is_public(event):  # a cancelled one too, to take it away
        raise web.HTTPNotFound
    response = _calendar(request, [event], None)
    response.headers["Content-Disposition"] = f'attachment; filename="event-{event.id}.ics"'
    return response


def _calendar(request: web.Request, events: list[Event], name: str | None) -> web.Response:
    services = site_of(request).services
    t = services.translator(language_of(request))
    data = ics(events, services.strategy, services.settings.tz, t, name)
    return web.Response(body=data, content_type="text/calendar", charset="utf-8")
