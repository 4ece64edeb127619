"""Chat handlers, one module per feature; `register_all` wires them in one deliberate order."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application

from bot.services.conversations import ConversationKind
from handlers import (
    about,
    ambassadors,
    bolde,
    broadcast,
    certificate,
    conversation,
    coordinators,
    directory,
    errors,
    events,
    fallback,
    help,
    inbox,
    language,
    networks,
    people,
    privacy,
    start,
    themes,
)

# Each feature's handlers, in group 0: the first one that matches an update handles it.
# networks, broadcast and events come before start: they take /start with their links.
FEATURES = (
    networks, broadcast, events, start, about, help, language, themes, certificate, privacy,
    coordinators, directory, ambassadors, bolde, inbox,
)  # fmt: skip
# What people type goes to the conversation they are in, by its kind.
TYPED: dict[ConversationKind, conversation.Typed] = {
    **ambassadors.TYPED, **bolde.TYPED, **inbox.TYPED, **networks.TYPED, **broadcast.TYPED,
    **events.TYPED, **directory.TYPED,
}  # fmt: skip


# Continue (a waiting draft's current question again), by its kind.
ASK_AGAIN: dict[ConversationKind, conversation.Typed] = {
    **ambassadors.ASK_AGAIN, **bolde.ASK_AGAIN, **inbox.ASK_AGAIN, **networks.ASK_AGAIN,
    **broadcast.ASK_AGAIN, **events.ASK_AGAIN, **directory.ASK_AGAIN,
}  # fmt: skip


# The steps of a conversation answered with a button (handlers/conversation.py `handler`).
CHOICES: dict[ConversationKind, frozenset[str]] = {
    **ambassadors.CHOICES, **networks.CHOICES, **broadcast.CHOICES, **events.CHOICES,
}  # fmt: skip


# What starts each kind of conversation, for Start over (handlers/conversation.py `starts`).
STARTS: dict[ConversationKind, conversation.Starter] = {
    **ambassadors.STARTS, **bolde.STARTS, **networks.STARTS, **broadcast.STARTS, **events.STARTS,
    **directory.STARTS,
}  # fmt: skip


def register_all(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    # Group -1 runs first for every update: it records the person and their language.
    application.add_handlers(people.HANDLERS, group=-1)
    application.add_handlers(conversation.MOVED_ON, group=-2)
    for feature in FEATURES:
        application.add_handlers(feature.HANDLERS)
    application.add_handler(conversation.buttons(ASK_AGAIN, STARTS))
    application.add_handlers(
        conversation.handler(TYPED, otherwise=bolde.offer, ask_again=ASK_AGAIN, choices=CHOICES)
    )
    # Last in group 0: only what no feature took reaches the fallback.
    application.add_handlers(fallback.HANDLERS)
    application.add_error_handler(errors.on_error)
