"""What a bold owes people, as outbox items: the card to its network (its group, or each member
privately), urgent and unrouted bolde to the coordinators, the sender's notice after a change.
The services store these with the change itself (`Notify` in bot/services/delivery.py), so a
crash or a slow Telegram never loses one and never makes the person who pressed wait."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardMarkup

from bot.i18n import Translator
from bot.services import Services
from bot.services.bolde import Action, Change, Drafted
from bot.services.delivery import OutboxItem
from handlers.bold_views import card_keyboard, card_text, sender_keyboard, text_parts
from handlers.progress import translator_of
from handlers.sending import message, with_fallback
from storage.bolde import Bold
from storage.networks import Network


async def network_names(services: Services) -> dict[int, str]:
    return await services.networks.names()


async def _taker(services: Services, bold: Bold) -> str | None:
    if bold.taken_by is None:
        return None
    ambassador = await services.ambassadors.profile(bold.taken_by)
    return ambassador.display_name if ambassador else None


async def card(services: Services, t: Translator, bold: Bold) -> tuple[str, InlineKeyboardMarkup]:
    names = await network_names(services)
    text = card_text(
        services, t, bold, names.get(bold.network_id or 0), await _taker(services, bold)
    )
    return text, card_keyboard(services, t, bold)


async def _card_to(
    services: Services,
    chat_id: int,
    bold: Bold,
    t: Translator,
    header: str = "",
    first_time: bool = True,
    fallback: Sequence[OutboxItem] = (),
) -> list[OutboxItem]:
    """The card with its buttons; the first time a chat sees it, the photo, the voice note and
    a text too long for the card go before it. The first message carries the fallback, so a
    chat that is gone hands it on once."""
    text, keyboard = await card(services, t, bold)
    items = [message(chat_id, header + text, keyboard)]
    if first_time:
        parts = text_parts(bold.text)
        items[:0] = [
            *([message(chat_id, None, photo=bold.photo_file_id)] if bold.photo_file_id else []),
            *([message(chat_id, None, voice=bold.voice_file_id)] if bold.voice_file_id else []),
            *[
                message(
                    chat_id,
                    t("bold.part", reference=bold.reference, text=part, page=n, pages=len(parts)),
                )
                for n, part in enumerate(parts, 1)
            ],
        ]
    items[0] = with_fallback(items[0], fallback)
    return items


async def to_coordinators(services: Services, bold: Bold, key: str) -> list[OutboxItem]:
    items = []
    for user_id in sorted(await services.coordinators.all()):
        t = await translator_of(services, user_id)
        items += await _card_to(services, user_id, bold, t, t(key) + "\n\n")
    return items


async def to_network(services: Services, bold: Bold, network: Network) -> list[OutboxItem]:
    """Into the network's group; without one (or when the bot turns out to be gone from it),
    to each member privately; a network nobody can get it from goes to the coordinators."""
    members = []
    for user_id in await services.people.reachable(network.members):
        t = await translator_of(services, user_id)
        members += await _card_to(services, user_id, bold, t, t("work.new") + "\n\n")
    if not members:
        members = await to_coordinators(services, bold, "work.nobody")
    if network.chat_id is None:
        return members
    default = services.translator(services.settings.language)
    header = default("work.new") + "\n\n"
    return await _card_to(services, network.chat_id, bold, default, header, fallback=members)


async def new_bold(services: Services, sent: Drafted) -> list[OutboxItem]:
    """A new bold: to its network; urgent ones, and those no rule could route, to coordinators."""
    bold, network = sent.sent, sent.network
    assert bold is not None
    items = await to_network(services, bold, network) if network is not None else []
    if bold.urgent:
        items += await to_coordinators(services, bold, "work.urgent")
    elif network is None:
        items += await to_coordinators(services, bold, "work.unrouted")
    return items


async def changed(services: Services, change: Change) -> list[OutboxItem]:
    """The sender hears what happened (in their language), and the bold goes to whoever must act
    next: the new network after a move, the one who took it after a reply or a reopening."""
    bold, action = change.bold, change.action
    assert bold is not None
    assert action is not None
    items = []
    if bold.sender_id is not None and action not in {Action.REPLY, Action.REOPEN}:
        t = await translator_of(services, bold.sender_id)
        text = t(
            "bold.notice." + action,
            reference=bold.reference,
            network=change.network.name if change.network else t.plain("bold.no_network"),
            note=change.note or "",
        )
        events = await services.bolde.timeline(bold.id)
        items.append(message(bold.sender_id, text, sender_keyboard(t, bold, events)))
    if action is Action.MOVE and change.network is not None:
        items += await to_network(services, bold, change.network)
    elif action in {Action.REPLY, Action.REOPEN} and bold.taken_by is not None:
        t = await translator_of(services, bold.taken_by)
        key = "work.reply" if action is Action.REPLY else "work.reopened"
        header = t(key, reference=bold.reference, note=change.note or "") + "\n\n"
        items += await _card_to(services, bold.taken_by, bold, t, header, first_time=False)
    elif action is Action.REOPEN and change.network is not None:
        items += await to_network(services, bold, change.network)
    elif action is Action.REOPEN:
        items += await to_coordinators(services, bold, "work.unrouted")
    return items
