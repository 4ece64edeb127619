"""Calendar files (RFC 5545) of events: one event from its invitation in the chat, one from
its web page, and the feed of all public events that calendar apps subscribe to."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from icalendar import Calendar
from icalendar import Event as CalendarEvent

from bot.i18n import Translator
from bot.sanitise import plain_text
from bot.strategy import Strategy
from storage.events import Event


def _domain(strategy: Strategy) -> str:
    """The municipality's web domain (from its website in the strategy file), else Bolden's."""
    website = strategy.contact.website
    return (urlsplit(website).hostname if website else None) or "bolden"


def uid(event: Event, strategy: Strategy) -> str:
    """The same for an event in every file and in the feed, so a calendar updates, not adds."""
    return f"event-{event.id}@{_domain(strategy)}"


def ics(
    events: Sequence[Event],
    strategy: Strategy,
    zone: ZoneInfo,
    t: Translator,
    name: str | None = None,
) -> bytes:
    """With the time zone where the bot runs, for Google, Outlook and Apple. A cancelled event
    is STATUS:CANCELLED and says so in its title, so a subscribed calendar takes it away or
    marks it; SEQUENCE counts its changes and DTSTAMP/LAST-MODIFIED is the last, so a calendar
    that has it takes the newer one. `name`: the feed's name."""
    calendar = Calendar()
    calendar.add("prodid", "-//Bolden//" + strategy.strategy.municipality + "//DA")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    if name is not None:
        calendar.add("x-wr-calname", name)
        calendar.add("x-wr-timezone", zone.key)
    for event in events:
        entry = CalendarEvent()
        # Never the check-in code: a calendar file is shared freely, the code only on the poster.
        entry.add("uid", uid(event, strategy))
        entry.add("sequence", event.revision)
        entry.add("dtstamp", event.last_modified)
        entry.add("last-modified", event.last_modified)
        entry.add("created", event.created_at)
        entry.add("dtstart", event.starts_at.astimezone(zone))
        entry.add("dtend", event.ends_at.astimezone(zone))
        cancelled = event.status == "cancelled"
        entry.add(
            "summary", t.plain("ev.ics_cancelled", title=event.title) if cancelled else event.title
        )
        entry.add("description", plain_text(event.description))
        entry.add("location", event.place)
        if event.latitude is not None and event.longitude is not None:
            entry.add("geo", (event.latitude, event.longitude))
        if cancelled:
            entry.add("status", "CANCELLED")
        calendar.add_component(entry)
    calendar.add_missing_timezones()
    data: bytes = calendar.to_ical()
    return data
