"""What a Messenger button carries back when pressed (a postback's or quick reply's payload, at
most 1,000 characters), written and read here only.

- `c|<message id>|<action>`: a journey's button (Telegram's callback data) on that message;
- `t|<text>`: a reply-keyboard button, which types its label;
- `p|<message id>|<page>`: the next page of a message's buttons, when they are too many;
- `m|<command>`: an item of the persistent menu, typed as a command (`/help`);
- `GET_STARTED`: the Get Started button, as /start.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

GET_STARTED = "GET_STARTED"
# What a press of a button its message no longer shows is handed on as: no journey's callback
# data (those are `feature:action…`), so the fallback refuses it as a stale button.
STALE = "stale"
MAX_PAYLOAD = 1000
_CALLBACK_PREFIX = "messenger"


@dataclass(frozen=True)
class Pressed:
    kind: str  # c | t | p | m | start
    message_id: int | None = None
    value: str = ""  # the action, the text, the page number or the command


def action(message_id: int, data: str) -> str:
    return f"c|{message_id}|{data}"


def typed(text: str) -> str:
    return f"t|{text}"[:MAX_PAYLOAD]


def page(message_id: int, number: int) -> str:
    return f"p|{message_id}|{number}"


def command(text: str) -> str:
    return f"m|{text}"


def read(payload: str) -> Pressed | None:
    """What a payload means; None for anything we did not write (never trusted further: the
    journeys re-check every action as they do Telegram's callback data)."""
    if payload == GET_STARTED:
        return Pressed("start")
    kind, _, rest = payload.partition("|")
    if kind in ("t", "m") and rest:
        return Pressed(kind, value=rest)
    if kind in ("c", "p"):
        number, _, value = rest.partition("|")
        if number.isdigit() and value:
            return Pressed(kind, int(number), value)
    return None


def callback_id(user_id: int) -> str:
    """The id of a button press as the journeys see it: it names the person, so that the
    answer to the press (a short note) reaches them."""
    return f"{_CALLBACK_PREFIX}:{user_id}:{secrets.token_hex(6)}"


def person_of_callback(callback_query_id: str) -> int | None:
    prefix, _, rest = callback_query_id.partition(":")
    user, _, _ = rest.partition(":")
    return int(user) if prefix == _CALLBACK_PREFIX and user.isdigit() else None
