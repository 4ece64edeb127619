"""/bold and /mybolde: sending an idea, a concern or a problem, and following what became of it."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import BoldenContext
from bot.services.bolde import PLACE_MAX, TEXT_MAX, TEXT_MIN, Action, Draft, Drafted, Problem, Step
from bot.services.conversations import ConversationKind
from bot.services.delivery import OutboxItem
from handlers import bold_notices, privacy
from handlers.bold_notices import card, network_names
from handlers.bold_views import BOLD, ICONS, kind_title, sender_page
from handlers.conversation import Start, draft_button, starts, stop_button
from handlers.fallback import anything_else, free_text
from handlers.inbox import problem_alert
from handlers.menu import home_button, main_menu, refuse_stale, show
from handlers.paging import grid, page_of, turn_row
from storage.bolde import Kind
from storage.conversations import StoredConversation

PAGE_SIZE = 8
_SKIPPABLE = {Step.PHOTO, Step.LOCATION}


def _button(
    context: BoldenContext, key: str, action: str, *args: str | int
) -> InlineKeyboardButton:
    return InlineKeyboardButton(context.t.plain(key), callback_data=BOLD.data(action, *args))


# -- writing a bold -----------------------------------------------------------------------------


def question(context: BoldenContext, draft: Draft) -> tuple[str, InlineKeyboardMarkup]:
    """The text and buttons of the draft's current step."""
    t, step, answers = context.t, draft.step, draft.answers
    strategy, language = context.services.strategy, context.language
    rows: list[list[InlineKeyboardButton]] = []
    text = t("bold.ask." + step.value, min=TEXT_MIN, max=t.number(TEXT_MAX))
    if step is Step.KIND:
        rows += [[_button(context, "bold.kind_button." + kind, "kind", kind)] for kind in Kind]
    elif step is Step.CATEGORY:
        buttons = [
            InlineKeyboardButton(c.title.get(language), callback_data=BOLD.data("cat", c.code))
            for c in strategy.categories
        ]
        rows += grid(buttons)
    elif step is Step.THEMES:
        chosen = answers.get("topics", [])
        buttons = [
            InlineKeyboardButton(
                ("✅ " if topic.code in chosen else "") + topic.title.get(language),
                callback_data=BOLD.data("topic", topic.code),
            )
            for topic in strategy.themes
        ]
        rows += grid(buttons)
        rows.append([_button(context, "bold.themes_done", "done")])
    elif step is Step.CONFIRM:
        text = summary(context, draft)
        name_key = "bold.hide_name" if answers.get("show_name") else "bold.show_name"
        rows.append([_button(context, "bold.send", "send")])
        rows.append(
            [_button(context, name_key, "name"), _button(context, "bold.edit_text", "edit")]
        )
    if _first_after_kind(draft) and answers.get("kind") == Kind.PROBLEM:
        text = emergency(context) + "\n\n" + text
    if step in _SKIPPABLE:
        rows.append([_button(context, "bold.skip", "skip", step.value)])
    rows.append([stop_button(t, ConversationKind.BOLD)])
    return text, InlineKeyboardMarkup(rows)


def _first_after_kind(draft: Draft) -> bool:
    """The question right after the kind: where a problem's emergency numbers go first."""
    if draft.answers.get("editing"):
        return False
    return draft.step is (Step.PHOTO if draft.answers.get("written_before") else Step.TEXT)


def emergency(context: BoldenContext) -> str:
    """Where to get help right now: shown before anything else when a problem is reported."""
    t = context.t
    lines = [t("bold.emergency")]
    lines += [
        t("bold.emergency_line", title=line.title.get(context.language), phone=line.phone)
        for line in context.services.strategy.emergency
    ]
    return "\n".join(lines)


def summary(context: BoldenContext, draft: Draft) -> str:
    t, answers = context.t, draft.answers
    strategy, language = context.services.strategy, context.language
    kind = answers["kind"]
    lines = [
        t("bold.summary"),
        "",
        t("bold.summary_kind", kind=f"{ICONS[kind]} {t.plain('bold.kind.' + kind)}"),
    ]
    lines.append(t("bold.card.text", text=answers["text"]))
    if answers.get("photo"):
        lines.append(t("bold.summary_photo"))
    if answers.get("latitude") is not None:
        lines.append(t("bold.summary_location"))
    if answers.get("place"):
        lines.append(t("bold.card.place", value=answers["place"]))
    categories = {c.code: c.title.get(language) for c in strategy.categories}
    if answers.get("category"):
        lines.append(t("bold.card.category", value=categories.get(answers["category"], "")))
    topics = strategy.titles(answers.get("topics", []), language)
    lines.append(t("bold.card.topics", value=", ".join(topics) or t.plain("me.none")))
    lines.append(t("bold.summary_shown" if answers.get("show_name") else "bold.summary_anonymous"))
    lines += ["", t("bold.ask.confirm")]
    return "\n".join(lines)


async def begin(update: Update, context: BoldenContext) -> None:
    """/bold and the menu button; /bold B-2026-0042 opens that bold instead."""
    user = update.effective_user
    assert user is not None
    if context.args:
        await open_reference(update, context, context.args[0])
        return
    await start_bold(update, context, Start())


@starts(ConversationKind.BOLD)
async def start_bold(update: Update, context: BoldenContext, start: Start) -> None:
    """A new bold from its first question, unless the hourly limit is reached."""
    user = update.effective_user
    assert user is not None
    result = await context.services.bolde.begin(user.id)
    if result.problem is Problem.RATE_LIMITED and result.until:
        await show(update, start.above(_rate_limited(context, result)), main_menu(context.t))
        return
    assert result.draft is not None
    text, keyboard = question(context, result.draft)
    await show(update, start.above(context.t("bold.intro") + "\n\n" + text), keyboard)


def _rate_limited(context: BoldenContext, result: Drafted) -> str:
    assert result.until is not None
    local = result.until.astimezone(context.services.settings.tz)
    return context.t(
        "bold.rate_limited",
        count=context.services.settings.bolde_per_hour,
        time=local.strftime("%H:%M"),
    )


async def typed(update: Update, context: BoldenContext, stored: StoredConversation) -> None:
    """The text, photo or location of the draft's current step."""
    user, message = update.effective_user, update.effective_message
    assert user is not None
    assert message is not None
    service, step = context.services.bolde, Step(stored.step)
    if step is Step.KIND and message.text:
        # Still choosing the kind, the person wrote something new: that is what they mean now.
        await context.services.conversations.cancel(user.id, ConversationKind.BOLD)
        await offer(update, context)
        return
    photo = message.photo[-1].file_id if message.photo else None
    result: Drafted | None = None
    if step is Step.TEXT and message.text:
        result = await service.answer(user.id, step, message.text)
    elif step is Step.TEXT and photo and message.caption:
        result = await service.answer(user.id, step, message.caption)
        if result.problem is None:
            result = await service.answer(user.id, Step.PHOTO, photo)
    elif step is Step.PHOTO and photo:
        result = await service.answer(user.id, step, photo)
    elif step is Step.LOCATION and message.location:
        location = (message.location.latitude, message.location.longitude)
        result = await service.answer(user.id, step, location)
    elif step is Step.LOCATION and message.text:
        result = await service.answer(user.id, step, message.text)
    if result is None:
        draft = await service.draft(user.id)
        assert draft is not None
        text, keyboard = question(context, draft)
        await message.reply_html(
            context.t("bold.expected." + step.value) + "\n\n" + text, reply_markup=keyboard
        )
        return
    await _answered(update, context, result)


async def offer(update: Update, context: BoldenContext) -> None:
    """Text written outside any conversation is not lost: it can become a bold in two taps.
    What cannot (too short, too long, a picture, over the hourly limit) gets the fallback."""
    user, message = update.effective_user, update.effective_message
    assert user is not None
    assert message is not None
    if not message.text:
        await anything_else(update, context)
        return
    result = await context.services.bolde.begin(user.id, message.text)
    if result.draft is None:
        await free_text(update, context)
        return
    _, keyboard = question(context, result.draft)
    await message.reply_html(context.t("bold.offer"), reply_markup=keyboard)


async def _answered(update: Update, context: BoldenContext, result: Drafted) -> None:
    """Show the next step, or the same one with what was wrong; a press for another step is
    stale."""
    if result.draft is None or result.problem is Problem.NOT_NOW:
        if update.callback_query:
            await refuse_stale(update, context)
        return
    text, keyboard = question(context, result.draft)
    if result.problem:
        limit = PLACE_MAX if result.draft.step is Step.LOCATION else TEXT_MAX
        warning = context.t(
            "bold.draft_problem." + result.problem.value, min=TEXT_MIN, max=context.t.number(limit)
        )
        text = warning + "\n\n" + text
    await show(update, text, keyboard)


async def ask_again(update: Update, context: BoldenContext, stored: StoredConversation) -> None:
    """Continue: the draft's current question."""
    draft = Draft(step=Step(stored.step), answers=stored.answers)
    await show(update, *question(context, draft))


@draft_button(ConversationKind.BOLD)
async def pressed(update: Update, context: BoldenContext) -> None:
    """The draft's buttons; a press that belongs to another step is stale and changes nothing."""
    query, user = update.callback_query, update.effective_user
    assert query is not None
    assert user is not None
    press = BOLD.parse(query.data)
    service = context.services.bolde
    if press is None:
        await refuse_stale(update, context)
        return
    action, args = press.action, press.args
    if action == "new":
        await begin(update, context)
    elif action == "kind":
        await _answered(update, context, await service.answer(user.id, Step.KIND, args[0]))
    elif action == "skip" and args[0] in {s.value for s in _SKIPPABLE}:
        await _answered(update, context, await service.answer(user.id, Step(args[0]), None))
    elif action == "cat":
        await _answered(update, context, await service.answer(user.id, Step.CATEGORY, args[0]))
    elif action == "topic":
        await _answered(update, context, await service.toggle_topic(user.id, args[0]))
    elif action == "done":
        await _answered(update, context, await service.topics_done(user.id))
    elif action == "name":
        await _answered(update, context, await service.toggle_name(user.id))
    elif action == "edit":
        await _answered(update, context, await service.edit_text(user.id))
    elif action == "send":
        await _send(update, context)
    else:
        await refuse_stale(update, context)


async def _send(update: Update, context: BoldenContext) -> None:
    user = update.effective_user
    assert user is not None
    services = context.services

    async def notify(sent: Drafted) -> list[OutboxItem]:
        return await bold_notices.new_bold(services, sent)

    result = await services.bolde.send(user.id, user.full_name[:64], notify)
    if result.problem is Problem.RATE_LIMITED:
        await show(update, _rate_limited(context, result), main_menu(context.t))
        return
    if result.sent is None:
        await refuse_stale(update, context)
        return
    bold, t = result.sent, context.t
    where = (
        t("bold.sent_to", network=result.network.name)
        if result.network
        else t("bold.sent_unrouted")
    )
    text = "\n\n".join([t("bold.sent", reference=bold.reference), where, t("bold.sent_next")])
    if bold.kind == Kind.PROBLEM:
        text += "\n\n" + emergency(context)
    rows = [[_button(context, "bold.see_timeline", "show", bold.id), home_button(t)]]
    if await services.people.may_ask_consent(user.id):
        rows.append([privacy.consent_button(t, gets_news=False)])
    await show(update, text, InlineKeyboardMarkup(rows))


# -- following one's bolde ----------------------------------------------------------------------


async def mine(update: Update, context: BoldenContext) -> None:
    """/mybolde: one's bolde, newest first, each a button to its page."""
    user = update.effective_user
    assert user is not None
    t = context.t
    page = 0
    if update.callback_query:
        press = BOLD.parse(update.callback_query.data)
        page = int(press.args[0]) if press and press.args[0].isdigit() else 0
    bolde = await context.services.bolde.mine(user.id)
    shown, page, pages = page_of(bolde, page, PAGE_SIZE)
    rows = [
        [
            InlineKeyboardButton(
                f"{kind_title(t, b)} · {b.reference} · {t.plain('bold.status.' + b.status)}",
                callback_data=BOLD.data("show", b.id),
            )
        ]
        for b in shown
    ]
    if turn := turn_row(t, page, pages, lambda target: BOLD.data("mine", target)):
        rows.append(turn)
    rows.append([_button(context, "menu.bold", "new"), home_button(t)])
    text = t("mine.title", count=len(bolde)) if bolde else t("mine.empty")
    await show(update, text, InlineKeyboardMarkup(rows))


async def _own(update: Update, context: BoldenContext, bold_id: str) -> None:
    """The sender's page of one bold: only the sender gets it."""
    user = update.effective_user
    assert user is not None
    services = context.services
    bold = await services.bolde.get(int(bold_id)) if bold_id.isdigit() else None
    if bold is None or bold.sender_id != user.id:
        await refuse_stale(update, context)
        return
    events = await services.bolde.timeline(bold.id)
    await show(
        update, *sender_page(services, context.t, bold, events, await network_names(services))
    )


async def mine_pressed(update: Update, context: BoldenContext) -> None:
    """The sender's buttons: their list, one bold's page, reopen an answer, reply to a question."""
    query, user = update.callback_query, update.effective_user
    assert query is not None
    assert user is not None
    press = BOLD.parse(query.data)
    if press is None or not press.args[0].isdigit():
        await refuse_stale(update, context)
        return
    if press.action == "mine":
        await mine(update, context)
        return
    if press.action == "show":
        await _own(update, context, press.args[0])
        return
    action = Action.REOPEN if press.action == "reopen" else Action.REPLY
    change = await context.services.bolde.start_note(user.id, int(press.args[0]), action)
    if change.problem or change.bold is None:
        await problem_alert(update, context, change.problem or Problem.NOT_FOUND)
        return
    await query.answer()
    cancel = InlineKeyboardMarkup([[stop_button(context.t, ConversationKind.NOTE)]])
    assert update.effective_chat is not None
    await context.bot.send_message(
        update.effective_chat.id,
        context.t("bold.prompt." + press.action, reference=change.bold.reference),
        parse_mode=ParseMode.HTML,
        reply_markup=cancel,
    )


async def open_reference(update: Update, context: BoldenContext, reference: str) -> None:
    """/bold B-2026-0042: the sender's page for the sender, the card for those who work on it,
    and the same "not found" for everyone else, so a reference reveals nothing."""
    user, message = update.effective_user, update.effective_message
    assert user is not None
    assert message is not None
    services, t = context.services, context.t
    bold = await services.bolde.by_reference(reference)
    if bold is not None and bold.sender_id == user.id:
        events = await services.bolde.timeline(bold.id)
        text, keyboard = sender_page(services, t, bold, events, await network_names(services))
    elif bold is not None and await services.bolde.may_work_on(user.id, bold):
        text, keyboard = await card(services, t, bold)
    else:
        await message.reply_html(t("bold.not_found", reference=reference[:20]))
        return
    await message.reply_html(text, reply_markup=keyboard)


HANDLERS: list[BaseHandler[Update, BoldenContext, None]] = [
    CommandHandler("bold", begin),
    CommandHandler("mybolde", mine),
    CallbackQueryHandler(mine_pressed, pattern=r"^bold:(mine|show|reopen|reply):"),
    CallbackQueryHandler(pressed, pattern=BOLD.pattern()),
]
TYPED = {ConversationKind.BOLD: typed}
ASK_AGAIN = {ConversationKind.BOLD: ask_again}
STARTS = {ConversationKind.BOLD: start_bold}
