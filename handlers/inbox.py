"""The network's side of a bold: the card it works from (take, answer, ask, move, decline),
telling everyone concerned after each change, the coordinator's /inbox, and the daily report
of bolde that have not moved."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, Forbidden
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import BoldenContext
from bot.i18n import Translator
from bot.services import Services
from bot.services.bolde import NOTE, Action, Change, Problem
from handlers.bold_views import (
    BOLD,
    WORK,
    card_keyboard,
    card_text,
    kind_title,
    sender_keyboard,
    worker_log,
)
from handlers.callbacks import CallbackCodec
from handlers.menu import refuse_stale, show
from handlers.paging import page_of, turn_row
from handlers.roles import coordinators_only
from handlers.sending import Delivery, send
from storage.bolde import OPEN, Bold
from storage.conversations import StoredConversation
from storage.networks import Network

logger = logging.getLogger(__name__)

INBOX = CallbackCodec("inbox", page=3)
PAGE_SIZE = 8
_ALL = "all"


async def network_names(services: Services) -> dict[int, str]:
    return {n.id: n.name for n in await services.networks.all_networks()}


async def translator_of(services: Services, user_id: int) -> Translator:
    return services.translator(await services.people.language_of(user_id))


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


# -- sending to others --------------------------------------------------------------------------


async def send_card(
    context: BoldenContext,
    chat_id: int,
    bold: Bold,
    t: Translator,
    header: str = "",
    first_time: bool = True,
) -> Delivery:
    """The card with its buttons; the photo goes before it the first time a chat sees it."""
    text, keyboard = await card(context.services, t, bold)
    photo = bold.photo_file_id if first_time else None
    return await send(context, chat_id, header + text, keyboard, photo)


async def to_coordinators(context: BoldenContext, bold: Bold, key: str) -> None:
    services = context.services
    for user_id in sorted(await services.coordinators.all()):
        t = await translator_of(services, user_id)
        await send_card(context, user_id, bold, t, t(key) + "\n\n")


async def to_network(context: BoldenContext, bold: Bold, network: Network) -> None:
    """Into the network's group; without one (or when the bot was removed from it), to each
    member privately; a network without anyone goes to the coordinators."""
    services = context.services
    default = services.translator(services.settings.language)
    if network.chat_id is not None:
        header = default("work.new") + "\n\n"
        delivery = await send_card(context, network.chat_id, bold, default, header)
        if delivery is Delivery.SENT:
            return
        logger.warning("Network %s: its group cannot be reached, writing to members", network.id)
        if delivery is Delivery.GONE:
            await services.networks.unlink_group(network.id)
    delivered = False
    for user_id in network.members:
        t = await translator_of(services, user_id)
        header = t("work.new") + "\n\n"
        delivered |= await send_card(context, user_id, bold, t, header) is Delivery.SENT
    if not delivered:
        await to_coordinators(context, bold, "work.nobody")


async def deliver_new(context: BoldenContext, bold: Bold, network: Network | None) -> None:
    """A new bold: to its network; urgent ones, and those no rule could route, to coordinators."""
    if network is not None:
        await to_network(context, bold, network)
    if bold.urgent:
        await to_coordinators(context, bold, "work.urgent")
    elif network is None:
        await to_coordinators(context, bold, "work.unrouted")


async def after_change(context: BoldenContext, change: Change) -> None:
    """Tell the sender what happened (in their language), and bring the bold to whoever must
    act next: the new network after a move, the one who took it after a reply or a reopening."""
    bold, action, services = change.bold, change.action, context.services
    assert bold is not None
    assert action is not None
    if bold.sender_id is not None and action not in {Action.REPLY, Action.REOPEN}:
        t = await translator_of(services, bold.sender_id)
        text = t(
            "bold.notice." + action,
            reference=bold.reference,
            network=change.network.name if change.network else t.plain("bold.no_network"),
            note=change.note or "",
        )
        events = await services.bolde.timeline(bold.id)
        await send(context, bold.sender_id, text, sender_keyboard(t, bold, events))
    if action is Action.MOVE and change.network is not None:
        await to_network(context, bold, change.network)
    elif action is Action.REPLY and bold.taken_by is not None:
        t = await translator_of(services, bold.taken_by)
        header = t("work.reply", reference=bold.reference, note=change.note or "") + "\n\n"
        await send_card(context, bold.taken_by, bold, t, header, first_time=False)
    elif action is Action.REOPEN:
        await _reopened(context, bold, change)


async def _reopened(context: BoldenContext, bold: Bold, change: Change) -> None:
    services = context.services
    if bold.taken_by is not None:
        t = await translator_of(services, bold.taken_by)
        header = t("work.reopened", reference=bold.reference, note=change.note or "") + "\n\n"
        await send_card(context, bold.taken_by, bold, t, header, first_time=False)
    elif change.network is not None:
        await to_network(context, bold, change.network)
    else:
        await to_coordinators(context, bold, "work.unrouted")


# -- the card's buttons -------------------------------------------------------------------------


async def problem_alert(update: Update, context: BoldenContext, problem: Problem) -> None:
    assert update.callback_query is not None
    await update.callback_query.answer(
        context.t.plain("bold.problem." + problem.value), show_alert=True
    )


async def _private(
    update: Update, context: BoldenContext, text: str, keyboard: InlineKeyboardMarkup | None
) -> None:
    """Continue in the presser's own chat (a group is no place to write an answer)."""
    query, user = update.callback_query, update.effective_user
    assert query is not None
    assert user is not None
    try:
        await context.bot.send_message(
            user.id, text, parse_mode=ParseMode.HTML, reply_markup=keyboard
        )
    except (Forbidden, BadRequest):
        # No prompt was seen, so a later message must not be taken for an answer to it.
        await context.services.conversations.cancel(user.id, NOTE)
        username = context.bot.username
        await query.answer(context.t.plain("work.open_private", bot=username), show_alert=True)
        return
    in_group = query.message is not None and query.message.chat.type != ChatType.PRIVATE
    await query.answer(context.t.plain("work.see_private") if in_group else None)


async def work_pressed(update: Update, context: BoldenContext) -> None:
    query, user = update.callback_query, update.effective_user
    assert query is not None
    assert user is not None
    press = WORK.parse(query.data)
    if press is None or not all(a.isdigit() for a in press.args):
        await refuse_stale(update, context)
        return
    services, t = context.services, context.t
    bold = await services.bolde.get(int(press.args[0]))
    if bold is None or not await services.bolde.may_work_on(user.id, bold):
        await problem_alert(update, context, Problem.NOT_ALLOWED)
        return
    if press.action == "take":
        change = await services.bolde.act(bold.id, user.id, Action.TAKE)
        if change.problem or change.bold is None:
            await problem_alert(update, context, change.problem or Problem.NOT_FOUND)
            return
        await show(update, *await card(services, t, change.bold))
        await after_change(context, change)
    elif press.action in {"answer", "ask", "decline"}:
        action = {"answer": Action.ANSWER, "ask": Action.ASK, "decline": Action.DECLINE}
        change = await services.bolde.start_note(user.id, bold.id, action[press.action])
        if change.problem:
            await problem_alert(update, context, change.problem)
            return
        prompt = t("work.prompt." + press.action, reference=bold.reference)
        await _private(update, context, prompt, _cancel_keyboard(t))
    elif press.action == "move":
        await _move_choices(update, context, bold)
    elif press.action == "to":
        change = await services.bolde.act(
            bold.id, user.id, Action.MOVE, network_id=int(press.args[1])
        )
        if change.problem or change.bold is None or change.network is None:
            await problem_alert(update, context, change.problem or Problem.NOT_FOUND)
            return
        text = t("work.moved", reference=bold.reference, network=change.network.name)
        await show(update, text, InlineKeyboardMarkup([]))
        await after_change(context, change)
    elif press.action == "open":
        text, keyboard = await card(services, t, bold)
        back = InlineKeyboardButton(
            t.plain("inbox.back"), callback_data=INBOX.data("page", _ALL, 0, 0)
        )
        await show(update, text, InlineKeyboardMarkup([*keyboard.inline_keyboard, [back]]))
    elif press.action == "log":
        events = await services.bolde.timeline(bold.id)
        text = worker_log(services, t, bold, events, await network_names(services))
        await _private(update, context, text, None)


async def _move_choices(update: Update, context: BoldenContext, bold: Bold) -> None:
    t, services = context.t, context.services
    if not services.bolde.allowed(Action.MOVE, bold):
        await problem_alert(update, context, Problem.NOT_NOW)
        return
    choices = [n for n in await services.networks.open_networks() if n.id != bold.network_id]
    if not choices:
        await problem_alert(update, context, Problem.SAME_NETWORK)
        return
    rows = [
        [InlineKeyboardButton(n.name, callback_data=WORK.data("to", bold.id, n.id))]
        for n in choices
    ]
    rows.append(list(_cancel_keyboard(t).inline_keyboard[0]))
    await _private(
        update, context, t("work.move_to", reference=bold.reference), InlineKeyboardMarkup(rows)
    )


def _cancel_keyboard(t: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(t.plain("bold.cancel"), callback_data=BOLD.data("cancel"))]]
    )


async def note_typed(update: Update, context: BoldenContext, stored: StoredConversation) -> None:
    """The text of an answer, a decline, a question, a reply or a reopening."""
    user, message = update.effective_user, update.effective_message
    assert user is not None
    assert message is not None
    t = context.t
    if not message.text:
        await message.reply_html(t("common.type_it"))
        return
    change = await context.services.bolde.finish_note(user.id, message.text)
    if change.problem in {Problem.NOTE_NEEDED, Problem.TOO_LONG}:
        await message.reply_html(
            t("bold.problem." + change.problem.value) + "\n\n" + t("work.try_again"),
            reply_markup=_cancel_keyboard(t),
        )
        return
    if change.problem or change.bold is None or change.action is None:
        await context.services.conversations.cancel(user.id, NOTE)
        await message.reply_html(t("bold.problem." + (change.problem or Problem.NOT_FOUND).value))
        return
    await message.reply_html(t("work.done." + change.action, reference=change.bold.reference))
    await after_change(context, change)


# -- the coordinators' inbox --------------------------------------------------------------------


@coordinators_only
async def inbox(update: Update, context: BoldenContext) -> None:
    """/inbox: open bolde, oldest first, by status and network, with a button to open each."""
    status, network, page = _ALL, 0, 0
    if update.callback_query:
        press = INBOX.parse(update.callback_query.data)
        if press is None or not press.args[1].isdigit() or not press.args[2].isdigit():
            await refuse_stale(update, context)
            return
        status, network, page = press.args[0], int(press.args[1]), int(press.args[2])
    await show(update, *await _inbox_page(context, status, network, page))


async def _inbox_page(
    context: BoldenContext, status: str, network: int, page: int
) -> tuple[str, InlineKeyboardMarkup]:
    t, services = context.t, context.services
    networks = await services.networks.open_networks()
    if network not in {n.id for n in networks}:
        network = 0
    found = await services.bolde.inbox(status if status in OPEN else None, network or None)
    shown, page, pages = page_of(found, page, PAGE_SIZE)
    now = services.clock()
    rows = [
        [
            InlineKeyboardButton(
                ("🔴 " if b.urgent else "")
                + f"{b.reference} · {kind_title(t, b)} · {t.plain('bold.status.' + b.status)} · "
                + t.plain("inbox.days", days=(now - b.changed_at).days),
                callback_data=WORK.data("open", b.id),
            )
        ]
        for b in shown
    ]
    rows.append(_status_row(t, status, network))
    order = [0, *(n.id for n in networks)]
    following = order[(order.index(network) + 1) % len(order)]
    name = next((n.name for n in networks if n.id == network), t.plain("inbox.all_networks"))
    rows.append(
        [
            InlineKeyboardButton(
                t.plain("inbox.network", name=name),
                callback_data=INBOX.data("page", status, following, 0),
            )
        ]
    )
    if turn := turn_row(t, page, pages, lambda target: INBOX.data("page", status, network, target)):
        rows.append(turn)
    text = t("inbox.title", count=len(found), page=page + 1, pages=pages)
    if not found:
        text += "\n\n" + t("inbox.empty")
    return text, InlineKeyboardMarkup(rows)


def _status_row(t: Translator, status: str, network: int) -> list[InlineKeyboardButton]:
    choices: Sequence[str] = (_ALL, *OPEN)
    return [
        InlineKeyboardButton(
            ("✓ " if choice == status else "") + t.plain("inbox.status." + choice),
            callback_data=INBOX.data("page", choice, network, 0),
        )
        for choice in choices
    ]


async def report_stale(context: BoldenContext) -> None:
    """The daily job: open bolde without a change for BOLDEN_BOLD_STALE_DAYS go to the
    coordinators, each once per such period (the database remembers which were reported)."""
    services = context.services
    days = services.settings.bold_stale_days
    stale = await services.bolde.claim_stale(days)
    if not stale:
        return
    names = await network_names(services)
    for user_id in sorted(await services.coordinators.all()):
        t = await translator_of(services, user_id)
        lines = [t("stale.title", count=len(stale), days=days)]
        lines += [
            t(
                "stale.row",
                reference=b.reference,
                status=t.plain("bold.status." + b.status),
                network=names.get(b.network_id or 0, t.plain("bold.no_network")),
                since=t.date(b.changed_at),
            )
            for b in stale[:30]
        ]
        buttons = [
            [InlineKeyboardButton(b.reference, callback_data=WORK.data("open", b.id))]
            for b in stale[:10]
        ]
        await send(context, user_id, "\n".join(lines), InlineKeyboardMarkup(buttons))


HANDLERS: list[BaseHandler[Update, BoldenContext, None]] = [
    CommandHandler("inbox", inbox),
    CallbackQueryHandler(inbox, pattern=INBOX.pattern()),
    CallbackQueryHandler(work_pressed, pattern=WORK.pattern()),
]
TYPED = {NOTE: note_typed}
