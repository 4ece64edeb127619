"""How an invitation looks (events and ad hoc calls) and its buttons."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import Html, Translator
from bot.services import Services
from handlers.callbacks import CallbackCodec
from storage.events import CALL, Event

EVENT = CallbackCodec(
    "ev",
    ans=2, ics=1, show=2, list=1, who=1, csv=1, rem=4, qr=1, drop=1, dropyes=1, edit=1, net=1,
)  # fmt: skip
_ANSWERS = {"yes": "ev.yes", "maybe": "ev.maybe", "no": "ev.no"}
_CALL_ANSWERS = {"yes": "call.yes", "no": "call.no"}


def kind_name(services: Services, t: Translator, kind: str) -> str:
    if kind == CALL:
        return t.plain("call.kind")
    titles = {k.code: k.title.get(t.language) for k in services.strategy.event_kinds}
    return titles.get(kind, kind)


def when(t: Translator, starts: datetime, ends: datetime) -> str:
    same_day = starts.astimezone(t.zone).date() == ends.astimezone(t.zone).date()
    end = t.clock(ends) if same_day else t.moment(ends)
    return f"{t.moment(starts)}–{end}"


def map_link(latitude: float, longitude: float) -> str:
    """A shared location on OpenStreetMap."""
    return f"https://www.openstreetmap.org/?mlat={latitude:.5f}&mlon={longitude:.5f}"


def invitation_text(services: Services, t: Translator, v: dict[str, Any]) -> str:
    """From an event's values (stored, or a draft's before it is stored)."""
    lines = [t("ev.title", title=v["title"], kind=kind_name(services, t, v["kind"]))]
    lines.append(t("ev.when", when=when(t, v["starts_at"], v["ends_at"])))
    if v.get("latitude") is not None:
        lines.append(t("bold.card.map", url=map_link(v["latitude"], v["longitude"])))
    else:
        lines.append(t("ev.place", place=v["place"]))
    if v.get("capacity"):
        key = "call.needed" if v["kind"] == CALL else "ev.capacity"
        lines.append(t.count(key, v["capacity"]))
    if v.get("deadline"):
        lines.append(t("call.deadline", when=t.moment(v["deadline"])))
    return "\n".join(lines) + "\n\n" + Html(v["description"])


def event_values(event: Event) -> dict[str, Any]:
    return event.model_dump()


def answer_keyboard(
    t: Translator, event: Event, current: str | None, position: int | None = None
) -> InlineKeyboardMarkup:
    """Yes / maybe / no (a call: I'm in / not this time), the chosen one ticked (its one mark;
    one who waits sees their place on the list instead of Yes); a calendar."""
    choices = _CALL_ANSWERS if event.is_call else _ANSWERS

    def label(answer: str, key: str) -> str:
        if answer == "yes" and current == "waiting":
            return t.plain("ev.waiting_button", position=position or 1)
        return ("✓ " if current == answer else "") + t.plain(key)

    row = [
        InlineKeyboardButton(label(answer, key), callback_data=EVENT.data("ans", event.id, answer))
        for answer, key in choices.items()
    ]
    rows = [row]
    if not event.is_call:
        rows.append(
            [
                InlineKeyboardButton(
                    t.plain("ev.calendar"), callback_data=EVENT.data("ics", event.id)
                )
            ]
        )
    return InlineKeyboardMarkup(rows)
