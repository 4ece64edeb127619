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
from bot.services.bolde import NOTE, NOTE_MIN, Action, Change, Problem, Role
from bot.services.delivery import Notify, OutboxItem
from handlers import bold_notices
from handlers.bold_notices import card, network_names
from handlers.bold_views import WORK, kind_title, whole_text, worker_log
from handlers.callbacks import CallbackCodec
from handlers.conversation import draft_button, stop_button
from handlers.menu import refuse_stale, show
from handlers.paging import turn_row
from handlers.progress import translator_of
from handlers.roles import coordinators_only
from handlers.sending import message
from storage.bolde import OPEN, Bold
from storage.conversations import StoredConversation

logger = logging.getLogger(__name__)

INBOX = CallbackCodec("inbox", page=3)
_ALL = "all"


# -- the card's buttons -------------------------------------------------------------------------


async def problem_alert(update: Update, context: BoldenContext, problem: Problem) -> None:
    assert update.callback_query is not None
    await update.callback_query.answer(
        context.t.plain("bold.problem." + problem.value), show_alert=True
    )


async def _private(
    update: Update,
    context: BoldenContext,
    text: str,
    keyboard: InlineKeyboardMarkup | None,
    *more: str,
) -> None:
    """Continue in the presser's own chat (a group is no place to write an answer); `more`
    messages follow the first."""
    query, user = update.callback_query, update.effective_user
    assert query is not None
    assert user is not None
    try:
        await context.bot.send_message(
            user.id, text, parse_mode=ParseMode.HTML, reply_markup=keyboard
        )
        for following in more:
            await context.bot.send_message(user.id, following, parse_mode=ParseMode.HTML)
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
        change = await services.bolde.act(bold.id, user.id, Action.TAKE, notify_change(services))
        if change.problem or change.bold is None:
            await problem_alert(update, context, change.problem or Problem.NOT_FOUND)
            return
        await show(update, *await card(services, t, change.bold))
    elif press.action in {"answer", "ask", "decline"}:
        action = {"answer": Action.ANSWER, "ask": Action.ASK, "decline": Action.DECLINE}
        change = await services.bolde.start_note(user.id, bold.id, action[press.action])
        if change.problem is Problem.TEXT_WAITING:
            await _waiting_text(update, context)
            return
        if change.problem:
            await problem_alert(update, context, change.problem)
            return
        prompt = await note_prompt(services, t, bold, action[press.action])
        await _private(update, context, prompt, _cancel_keyboard(t))
    elif press.action == "move":
        await _move_choices(update, context, bold)
    elif press.action == "to":
        change = await services.bolde.act(
            bold.id, user.id, Action.MOVE, notify_change(services), network_id=int(press.args[1])
        )
        if change.problem or change.bold is None or change.network is None:
            await problem_alert(update, context, change.problem or Problem.NOT_FOUND)
            return
        text = t("work.moved", reference=bold.reference, network=change.network.name)
        await show(update, text, InlineKeyboardMarkup([]))
    elif press.action == "open":
        text, keyboard = await card(services, t, bold)
        back = InlineKeyboardButton(
            t.plain("inbox.back"), callback_data=INBOX.data("page", _ALL, 0, 0)
        )
        await show(update, text, InlineKeyboardMarkup([*keyboard.inline_keyboard, [back]]))
    elif press.action == "log":
        events = await services.bolde.timeline(bold.id)
        actors = await services.people.names([e.actor_id for e in events if e.actor_id])
        text = worker_log(services, t, bold, events, await network_names(services), actors)
        await _private(update, context, text, None)
    elif press.action == "whole":
        parts = whole_text(t, bold)
        if not parts:  # a text the card shows whole: the button was never there
            await refuse_stale(update, context)
            return
        await _private(update, context, parts[0], None, *parts[1:])


@draft_button(NOTE)
async def note_pressed(update: Update, context: BoldenContext) -> None:
    """Send or Edit under the preview of a text for a bold."""
    query = update.callback_query
    assert query is not None
    press = WORK.parse(query.data)
    if press is None or not all(a.isdigit() for a in press.args):
        await refuse_stale(update, context)
    elif press.action == "send":
        await _send_note(update, context, int(press.args[0]), int(press.args[1]))
    else:
        await _edit_note(update, context, int(press.args[0]))


async def _send_note(update: Update, context: BoldenContext, bold_id: int, draft: int) -> None:
    """Send at the preview: the text as it was shown, once; the preview becomes the receipt."""
    user = update.effective_user
    assert user is not None
    services, t = context.services, context.t
    change = await services.bolde.send_note(user.id, bold_id, draft, notify_change(services))
    if change.problem is Problem.STALE:
        await problem_alert(update, context, change.problem)
        return
    if change.problem or change.action is None or change.bold is None:
        # The bold moved on while the text waited (or is gone): the text cannot go, it ends.
        await services.conversations.cancel(user.id, NOTE)
        text = t("bold.problem." + (change.problem or Problem.NOT_FOUND).value)
        await show(update, text, InlineKeyboardMarkup([]))
        return
    text = t("work.done." + change.action, reference=change.bold.reference)
    await show(update, text, InlineKeyboardMarkup([]))


async def _edit_note(update: Update, context: BoldenContext, bold_id: int) -> None:
    """Edit at the preview: the question again, with the text so far to copy."""
    user = update.effective_user
    assert user is not None
    t, services = context.t, context.services
    stored = await services.conversations.current(user.id, NOTE)
    bold = await services.bolde.get(bold_id)
    if (
        bold is None
        or stored is None
        or stored.answers.get("bold") != bold.id
        or "text" not in stored.answers
    ):
        await problem_alert(update, context, Problem.STALE)
        return
    prompt = t(_PROMPTS[Action(stored.step)], reference=bold.reference)
    text = prompt + "\n\n" + t("work.edit_text", text=stored.answers["text"])
    await show(update, text, _cancel_keyboard(t))


async def _waiting_text(update: Update, context: BoldenContext) -> None:
    """A new text while one waits at its preview: that one first, shown again to send or stop."""
    user = update.effective_user
    assert user is not None
    stored = await context.services.conversations.current(user.id, NOTE)
    bold = await context.services.bolde.get(int(stored.answers["bold"])) if stored else None
    if stored is None or bold is None:
        await refuse_stale(update, context)
        return
    text, keyboard = await _preview(
        context, bold, Action(stored.step), stored.answers["text"], stored.touched
    )
    await _private(update, context, context.t("work.waiting") + "\n\n" + text, keyboard)


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
    return InlineKeyboardMarkup([[stop_button(t, NOTE)]])


_PROMPTS = {
    Action.ANSWER: "work.prompt.answer",
    Action.ASK: "work.prompt.ask",
    Action.DECLINE: "work.prompt.decline",
    Action.REOPEN: "bold.prompt.reopen",
    Action.REPLY: "bold.prompt.reply",
}


async def note_prompt(services: Services, t: Translator, bold: Bold, action: Action) -> str:
    """What to write, and who will read it: a question goes to a sender who may have shown
    their name; a reply goes to whoever asked, the network or a coordinator."""
    if action is Action.ASK and bold.sender_name:
        return t("work.prompt.ask_named", reference=bold.reference, name=bold.sender_name)
    if action is Action.REPLY:
        asked = [e for e in await services.bolde.timeline(bold.id) if e.action == Action.ASK]
        if asked and asked[-1].role == Role.COORDINATOR:
            return t("bold.prompt.reply_coordinator", reference=bold.reference)
    return t(_PROMPTS[action], reference=bold.reference)


async def note_again(update: Update, context: BoldenContext, stored: StoredConversation) -> None:
    """Continue: the preview of the text, or what the text is for (a bold erased meanwhile
    ends it)."""
    user = update.effective_user
    assert user is not None
    t = context.t
    bold = await context.services.bolde.get(int(stored.answers["bold"]))
    if bold is None:
        await context.services.conversations.cancel(user.id, NOTE)
        await show(update, t("bold.problem.not_found"), InlineKeyboardMarkup([]))
        return
    action = Action(stored.step)
    if "text" in stored.answers:
        await show(
            update, *await _preview(context, bold, action, stored.answers["text"], stored.touched)
        )
        return
    prompt = await note_prompt(context.services, t, bold, action)
    await show(update, prompt, _cancel_keyboard(t))


async def _preview(
    context: BoldenContext, bold: Bold, action: Action, text: str, draft: int
) -> tuple[str, InlineKeyboardMarkup]:
    """The text exactly as the sender will get it (in their language), with Send, Edit, Stop."""
    t, services = context.t, context.services
    network = await services.networks.get(bold.network_id) if bold.network_id else None
    notice = bold_notices.sender_notice(
        await bold_notices.sender_translator(services, bold), bold, action, network, text
    )
    body = "\n\n".join([t("work.preview"), notice, t("work.preview_next")])
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t.plain("work.send"), callback_data=WORK.data("send", bold.id, draft)
                ),
                InlineKeyboardButton(
                    t.plain("work.edit"), callback_data=WORK.data("edit", bold.id)
                ),
            ],
            [stop_button(t, NOTE)],
        ]
    )
    return body, keyboard


async def note_typed(update: Update, context: BoldenContext, stored: StoredConversation) -> None:
    """The text of an answer, a decline or a question (shown as a preview first), or of a
    reply or a reopening (sent at once, and the sender told who got it)."""
    user, message = update.effective_user, update.effective_message
    assert user is not None
    assert message is not None
    t = context.t
    if not message.text:
        await message.reply_html(t("common.type_it"))
        return
    services = context.services
    change = await services.bolde.finish_note(user.id, message.text, notify_change(services))
    if change.problem in {Problem.NOTE_NEEDED, Problem.TOO_SHORT, Problem.TOO_LONG}:
        problem = (
            t.count("work.too_short", NOTE_MIN)
            if change.problem is Problem.TOO_SHORT
            else t("bold.problem." + change.problem.value)
        )
        await message.reply_html(
            problem + "\n\n" + t("work.try_again"), reply_markup=_cancel_keyboard(t)
        )
        return
    if change.problem or change.bold is None or change.action is None:
        await context.services.conversations.cancel(user.id, NOTE)
        await message.reply_html(t("bold.problem." + (change.problem or Problem.NOT_FOUND).value))
        return
    bold, action = change.bold, change.action
    if change.draft is not None:
        text, keyboard = await _preview(context, bold, action, change.note or "", change.draft)
        await message.reply_html(text, reply_markup=keyboard)
        return
    await message.reply_html(done_text(t, bold, action, change))


def done_text(t: Translator, bold: Bold, action: Action, change: Change) -> str:
    """What the one who wrote the text reads once it is sent: a sender, who got it."""
    if action in {Action.REPLY, Action.REOPEN}:
        key = f"work.done.{action}.{bold_notices.recipient(change)}"
        network = change.network.name if change.network else ""
        return t(key, reference=bold.reference, network=network)
    return t("work.done." + action, reference=bold.reference)


def notify_change(services: Services) -> Notify[Change]:
    async def render(change: Change) -> list[OutboxItem]:
        return await bold_notices.changed(services, change)

    return render


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
    found = await services.bolde.inbox(status, network or None, page)
    page, pages = found.page, found.pages
    now = services.clock()
    rows = [
        [
            InlineKeyboardButton(
                ("🔴 " if b.urgent else "")
                + f"{b.reference} · {kind_title(t, b)} · {t.plain('bold.status.' + b.status)} · "
                + t.plain_count("inbox.days", (now - b.changed_at).days),
                callback_data=WORK.data("open", b.id),
            )
        ]
        for b in found.bolde
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
    text = t.count("inbox.title", found.count, page=page + 1, pages=pages)
    if not found.count:
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

    async def render(stale: list[Bold]) -> list[OutboxItem]:
        return await _stale_report(services, stale)

    await services.bolde.report_stale(services.settings.bold_stale_days, render)


async def _stale_report(services: Services, stale: list[Bold]) -> list[OutboxItem]:
    days = services.settings.bold_stale_days
    names = await network_names(services)
    items = []
    for user_id in sorted(await services.coordinators.all()):
        t = await translator_of(services, user_id)
        lines = [t.count("stale.title", len(stale), span=t.plain_count("stale.days", days))]
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
        items.append(message(user_id, "\n".join(lines), InlineKeyboardMarkup(buttons)))
    return items


HANDLERS: list[BaseHandler[Update, BoldenContext, None]] = [
    CommandHandler("inbox", inbox),
    CallbackQueryHandler(inbox, pattern=INBOX.pattern()),
    # Before the card's buttons: Send and Edit belong to the draft of a text, not to the card.
    CallbackQueryHandler(note_pressed, pattern=WORK.pattern("send")),
    CallbackQueryHandler(note_pressed, pattern=WORK.pattern("edit")),
    CallbackQueryHandler(work_pressed, pattern=WORK.pattern()),
]
TYPED = {NOTE: note_typed}
ASK_AGAIN = {NOTE: note_again}
