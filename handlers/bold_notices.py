"""What a bold owes people, as outbox items: the card to its network (its group, or each member
privately), urgent and unrouted bolde to the coordinators, the sender's notice after a change.
The services store these with the change itself (`Notify` in bot/services/delivery.py), so a
crash or a slow Telegram never loses one and never makes the person who pressed wait."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import StrEnum

from telegram import InlineKeyboardMarkup

from bot.channels.screen import Purpose
from bot.i18n import Translator
from bot.services import Services
from bot.services.bolde import Action, Change, Drafted
from bot.services.delivery import OutboxItem
from handlers.bold_views import card_keyboard, card_text, sender_keyboard, whole_text
from handlers.progress import translator_of
from handlers.sending import message, with_fallback
from storage.bolde import Bold
from storage.networks import Network


async def network_names(services: Services) -> dict[int, str]:
    return await services.networks.names()


async def _taker(services: Services, bold: Bold) -> str | None:
    if bold.taken_by is None:
        return None
    return (await services.people.names([bold.taken_by])).get(bold.taken_by)


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
        items[:0] = [
            *([message(chat_id, None, photo=bold.photo_file_id)] if bold.photo_file_id else []),
            *([message(chat_id, None, voice=bold.voice_file_id)] if bold.voice_file_id else []),
            *[message(chat_id, part) for part in whole_text(t, bold)],
        ]
    items[0] = with_fallback(items[0], fallback)
    return items


Header = Callable[[Translator], str]


def _header(key: str, **values: str) -> Header:
    """A line above the card, in each recipient's language."""
    return lambda t: t(key, **values) + "\n\n"


NEW = _header("work.new")


async def to_coordinators(
    services: Services, bold: Bold, header: Header, first_time: bool = True
) -> list[OutboxItem]:
    items = []
    for user_id in sorted(await services.coordinators.all()):
        t = await translator_of(services, user_id)
        items += await _card_to(services, user_id, bold, t, header(t), first_time)
    return items


async def to_network(
    services: Services,
    bold: Bold,
    network: Network,
    header: Header = NEW,
    first_time: bool = True,
) -> list[OutboxItem]:
    """Into the network's group; without one (or when the bot turns out to be gone from it),
    to each member privately; a network nobody can get it from goes to the coordinators."""
    members = []
    for user_id in await services.people.reachable(network.members):
        t = await translator_of(services, user_id)
        members += await _card_to(services, user_id, bold, t, header(t), first_time)
    if not members:

        def nobody(t: Translator) -> str:
            return t("work.nobody") + "\n\n" + header(t)

        members = await to_coordinators(services, bold, nobody, first_time)
    if network.chat_id is None:
        return members
    default = services.translator(services.settings.language)
    return await _card_to(
        services, network.chat_id, bold, default, header(default), first_time, members
    )


async def new_bold(services: Services, sent: Drafted) -> list[OutboxItem]:
    """A new bold: to its network; urgent ones, and those no rule could route, to coordinators,
    told truly where else it went."""
    bold, network = sent.sent, sent.network
    assert bold is not None
    if network is None:
        key = "work.urgent_unrouted" if bold.urgent else "work.unrouted"
        return await to_coordinators(services, bold, _header(key))
    items = await to_network(services, bold, network)
    if bold.urgent:
        items += await to_coordinators(services, bold, _header("work.urgent", network=network.name))
    return items


class Recipient(StrEnum):
    """Who got what a sender wrote (a reply, a reopening): the sender is told which."""

    PERSON = "person"  # the one who asked or took the bold
    NETWORK = "network"
    COORDINATORS = "coordinators"


def recipient(change: Change) -> Recipient:
    if change.to is not None:
        return Recipient.PERSON
    return Recipient.NETWORK if change.network is not None else Recipient.COORDINATORS


def sender_notice(
    t: Translator, bold: Bold, action: Action, network: Network | None, note: str
) -> str:
    """What the sender reads after an action, in their language (also the network's preview).
    A bold no network has is worked on by a coordinator, and the text says so."""
    by_coordinator = network is None and action in {Action.TAKE, Action.ASK}
    return t(
        f"bold.notice.{action}" + ("_coordinator" if by_coordinator else ""),
        reference=bold.reference,
        network=network.name if network else t.plain("bold.no_network"),
        note=note,
    )


async def sender_translator(services: Services, bold: Bold) -> Translator:
    """The sender's language; the bot's own for a sender who erased themselves."""
    if bold.sender_id is None:
        return services.translator(services.settings.language)
    return await translator_of(services, bold.sender_id)


async def _from_sender(services: Services, change: Change) -> list[OutboxItem]:
    """A reply or a reopening, with what the sender wrote: to the one who asked or took the
    bold, else to its network, else to the coordinators (also when the person is gone)."""
    bold, action = change.bold, change.action
    assert bold is not None
    key = "work.reply" if action is Action.REPLY else "work.reopened"
    header = _header(key, reference=bold.reference, note=change.note or "")
    if change.network is not None:
        handlers = await to_network(services, bold, change.network, header, first_time=False)
    else:
        handlers = await to_coordinators(services, bold, header, first_time=False)
    if change.to is None:
        return handlers
    t = await translator_of(services, change.to)
    return await _card_to(services, change.to, bold, t, header(t), False, handlers)


async def changed(services: Services, change: Change) -> list[OutboxItem]:
    """The sender hears what happened (in their language), and the bold goes to whoever must act
    next: the new network after a move, whoever works on it after a reply or a reopening."""
    bold, action = change.bold, change.action
    assert bold is not None
    assert action is not None
    if action in {Action.REPLY, Action.REOPEN}:
        return await _from_sender(services, change)
    items = []
    if bold.sender_id is not None:
        t = await translator_of(services, bold.sender_id)
        text = sender_notice(t, bold, action, change.network, change.note or "")
        events = await services.bolde.timeline(bold.id)
        keyboard = sender_keyboard(t, bold, events)
        items.append(message(bold.sender_id, text, keyboard, purpose=Purpose.ACCOUNT))
    if action is Action.MOVE and change.network is not None:
        items += await to_network(services, bold, change.network)
    return items
