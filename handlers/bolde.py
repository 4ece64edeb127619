"""/bold and /mybolde: sending an idea, a concern or a problem, and following what became of it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.constants import ParseMode
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.channels import on_messenger
from bot.context import BoldenContext
from bot.services.bolde import (
    PLACE_MAX,
    TEXT_MAX,
    TEXT_MIN,
    Action,
    Draft,
    Drafted,
    Problem,
    Step,
    Voice,
    shows_name,
)
from bot.services.conversations import ConversationKind
from bot.services.delivery import OutboxItem
from handlers import bold_notices, privacy
from handlers.bold_notices import card, network_names
from handlers.bold_views import (
    BOLD,
    DRAFT_TEXT,
    ICONS,
    content,
    kind_title,
    sender_page,
    shown,
    whole_text,
)
from handlers.conversation import Start, draft_button, starts, stop_button
from handlers.fallback import anything_else, free_text
from handlers.inbox import done_text, note_prompt, notify_change, problem_alert
from handlers.menu import home_button, main_menu, refuse_stale, show
from handlers.paging import grid, page_of, turn_row
from handlers.start import greet
from handlers.themes import Picker
from storage.bolde import Bold, Kind
from storage.conversations import StoredConversation

PAGE_SIZE = 8
_SKIPPABLE = {Step.PHOTO, Step.LOCATION}


def _button(
    context: BoldenContext, key: str, action: str, *args: str | int
) -> InlineKeyboardButton:
    return InlineKeyboardButton(context.t.plain(key), callback_data=BOLD.data(action, *args))


# -- writing a bold -----------------------------------------------------------------------------


def _picker(context: BoldenContext) -> Picker:
    """The themes picker of sign-up and /themes, here choosing the bold's themes."""
    return Picker(
        toggle=lambda code, page: BOLD.data("topic", code, page),
        page=lambda page: BOLD.data("tpage", page),
        about=lambda page: BOLD.data("tabout", page),
        done=[_button(context, "bold.themes_done", "done")],
    )


def question(
    context: BoldenContext, draft: Draft, page: int = 0
) -> tuple[str, InlineKeyboardMarkup]:
    """The text and buttons of the draft's current step (`page`: of the themes)."""
    t, step, answers = context.t, draft.step, draft.answers
    strategy, language = context.services.strategy, context.language
    rows: list[list[InlineKeyboardButton]] = []
    text = t.counted("bold.ask." + step.value, TEXT_MIN)
    if step is Step.KIND:
        rows += [[_button(context, "bold.kind_button." + kind, "kind", kind)] for kind in Kind]
    elif step is Step.CATEGORY:
        buttons = [
            InlineKeyboardButton(c.title.get(language), callback_data=BOLD.data("cat", c.code))
            for c in strategy.categories
        ]
        rows += grid(buttons)
    elif step is Step.THEMES:
        heading, picked = _picker(context).choose(context, answers.get("topics", []), page)
        text += "\n\n" + heading
        rows += picked
    elif step is Step.CONFIRM:
        text = summary(context, draft)
        name_key = "bold.anonymous_off" if shows_name(answers) else "bold.anonymous_on"
        rows.append([_button(context, "bold.send", "send")])
        rows += grid(
            [_button(context, name_key, "name"), _button(context, "bold.edit_text", "edit")]
        )
    elif step is Step.TEXT and "text" in answers:
        text = _current(context, answers) + "\n\n" + text
        keep = "bold.keep_voice" if answers.get("voice") else "bold.keep_text"
        rows.append([_button(context, keep, "skip", step.value)])
    elif step is Step.TEXT and answers.get("photo"):
        text = t("bold.photo_kept") + "\n\n" + text
    if step is Step.PHOTO and answers.get("photo"):
        text = t("bold.photo_kept") + "\n\n" + t("bold.ask.photo_again")
        rows.append([_button(context, "bold.keep_photo", "skip", step.value)])
    elif step in _SKIPPABLE:
        rows.append([_button(context, "bold.skip", "skip", step.value)])
    last = [stop_button(t, ConversationKind.BOLD)]
    if step is not Step.KIND:
        last.insert(0, _button(context, "bold.back", "back", step.value))
    rows.append(last)
    return text, InlineKeyboardMarkup(rows)


def _current(context: BoldenContext, answers: dict[str, Any]) -> str:
    """What the draft says now, when its text is asked again: the text in a block that a tap
    copies, or the voice note."""
    t, text = context.t, answers["text"]
    lines = content(t, "", answers.get("voice_seconds"))
    if text:
        lines.append(t("bold.current_text", text=shown(text, DRAFT_TEXT)))
    return "\n".join(lines)


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
    lines += content(t, answers["text"], answers.get("voice_seconds"), DRAFT_TEXT)
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
    lines.append(t("bold.summary_shown" if shows_name(answers) else "bold.summary_anonymous"))
    lines.append(t("bold.public"))
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
    return context.t.count(
        "bold.rate_limited",
        context.services.settings.bolde_per_hour,
        time=local.strftime("%H:%M"),
    )


async def typed(update: Update, context: BoldenContext, stored: StoredConversation) -> None:
    """The text, voice note, photo or location of the draft's current step; anything else
    is answered with what the step needs."""
    user, message = update.effective_user, update.effective_message
    assert user is not None
    assert message is not None
    service, step = context.services.bolde, Step(stored.step)
    said = message.text or voice_of(message)
    if step is Step.KIND and said:
        # Still choosing the kind, the person wrote something new: that is what they mean now.
        await context.services.conversations.cancel(user.id, ConversationKind.BOLD)
        await offer(update, context)
        return
    photo = message.photo[-1].file_id if message.photo else None
    # A concern is about a person: no photo is taken with it.
    photo = None if stored.answers.get("kind") == Kind.CONCERN else photo
    result: Drafted | None = None
    if step is Step.TEXT and said:
        result = await service.answer(user.id, step, said)
    elif step is Step.TEXT and photo:
        # The photo is kept whatever its caption; without one, the words are still asked.
        result = await service.add_photo(user.id, photo)
        if message.caption:
            result = await service.answer(user.id, step, message.caption)
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
    await _answered(update, context, result, step)


def voice_of(message: Message) -> Voice | None:
    """A voice note as a bold's content, with its caption."""
    if message.voice is None:
        return None
    length = message.voice.duration
    assert isinstance(length, timedelta)  # bot/__init__.py opts into PTB's timedelta durations
    return Voice(
        file_id=message.voice.file_id,
        seconds=round(length.total_seconds()),
        caption=message.caption or "",
    )


async def offer(update: Update, context: BoldenContext) -> None:
    """Text written, a voice note or a photo sent outside any conversation is not lost: it can
    become a bold in two taps (a photo without words keeps the photo, the words are asked
    later). What cannot (too short, other media) gets the fallback, and over the hourly limit
    the time the person can send again. Someone writing to the bot for the first time is
    welcomed first, as /start would."""
    user, message = update.effective_user, update.effective_message
    assert user is not None
    assert message is not None
    newcomer = context.person is not None and context.person.met_now
    if newcomer:
        await greet(update, context)
    service = context.services.bolde
    held = await service.hold_reply(user.id, message.text) if message.text else None
    if held is not None:
        await show(update, *_is_it_a_reply(context, *held))
        return
    photo = message.photo[-1].file_id if message.photo else None
    said = message.text or voice_of(message) or (message.caption if photo else None)
    if not said and not photo:
        await anything_else(update, context)
        return
    result = await service.begin(user.id, said, photo)
    if result.problem is Problem.TOO_SHORT and photo:
        result = await service.begin(user.id, None, photo)  # the words are asked later
    if result.draft is None and result.problem is not Problem.RATE_LIMITED and newcomer:
        return  # a newcomer's "Hej" is answered by the welcome
    await _offered(update, context, result)


async def _offered(update: Update, context: BoldenContext, result: Drafted) -> None:
    """The bold offered for what the person sent, or why it cannot be one."""
    if result.problem is Problem.RATE_LIMITED:
        await show(update, _rate_limited(context, result), main_menu(context.t))
    elif result.draft is None:
        await free_text(update, context)
    else:
        await show(update, context.t("bold.offer"), question(context, result.draft)[1])


def _is_it_a_reply(
    context: BoldenContext, bold: Bold, draft: int
) -> tuple[str, InlineKeyboardMarkup]:
    """Text typed while the bold's network waits for the sender's reply: is it the reply?"""
    rows = [
        [_button(context, "bold.held.reply", "isreply", bold.id, draft)],
        [_button(context, "bold.held.new", "isnew", bold.id, draft)],
    ]
    return context.t("bold.held.ask", reference=bold.reference), InlineKeyboardMarkup(rows)


async def _held(
    update: Update, context: BoldenContext, action: str, bold_id: int, draft: int
) -> None:
    """Yes: the held text goes as the reply, exactly as one written after "Reply" does; No:
    it is offered as a new bold. A press for a text sent or replaced since changes nothing."""
    user = update.effective_user
    assert user is not None
    services = context.services
    if action == "isnew":
        result = await services.bolde.not_a_reply(user.id, bold_id, draft)
        if result.problem is Problem.STALE:
            await refuse_stale(update, context)
        else:
            await _offered(update, context, result)
        return
    change = await services.bolde.reply_held(user.id, bold_id, draft, notify_change(services))
    if change.problem is Problem.STALE:
        await refuse_stale(update, context)
    elif change.problem or change.bold is None or change.action is None:
        await problem_alert(update, context, change.problem or Problem.NOT_FOUND)
    else:
        text = done_text(context.t, change.bold, change.action, change)
        await show(update, text, InlineKeyboardMarkup([]))


async def _themes_page(update: Update, context: BoldenContext, action: str, page: int) -> None:
    """Another page of the themes, or what the page's themes mean, while they are asked."""
    user = update.effective_user
    assert user is not None
    draft = await context.services.bolde.draft(user.id)
    if draft is None or draft.step is not Step.THEMES:
        await refuse_stale(update, context)
    elif action == "tabout":
        await show(update, *_picker(context).explain(context, page))
    else:
        await show(update, *question(context, draft, page))


async def _answered(
    update: Update, context: BoldenContext, result: Drafted, was: Step, page: int = 0
) -> None:
    """Show the next step (`was` is the step answered), or the same one with what was wrong; a
    press for another step is stale."""
    if result.draft is None or result.problem is Problem.NOT_NOW:
        if update.callback_query:
            await refuse_stale(update, context)
        return
    text, keyboard = question(context, result.draft, page)
    if was is Step.KIND and result.draft.answers.get("kind") == Kind.PROBLEM:
        text = emergency(context) + "\n\n" + text  # before anything else is asked
    if result.problem:
        if result.problem is Problem.TOO_SHORT:
            limit = TEXT_MIN
        else:
            limit = PLACE_MAX if result.draft.step is Step.LOCATION else TEXT_MAX
        warning = context.t.counted("bold.draft_problem." + result.problem.value, limit)
        text = warning + "\n\n" + text
    now = result.draft.step
    if was is Step.LOCATION and now is not Step.LOCATION:
        await _place_done(update, context, result.draft, text, keyboard)
        return
    await show(update, text, keyboard)
    if now is Step.LOCATION and was is not Step.LOCATION:
        await _place_button(update, context)


async def _place_button(update: Update, context: BoldenContext) -> None:
    """Below the place question, the phone's own button to share where one is: a keyboard of
    one button instead of the letters, which goes once it is used. Messenger has no such
    button: there the question's "or type the address or place" is the way."""
    assert update.effective_chat is not None
    if on_messenger(update.effective_chat.id):
        return
    t = context.t
    keyboard = ReplyKeyboardMarkup(
        [[KeyboardButton(t.plain("bold.share_location"), request_location=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
        input_field_placeholder=t.plain("bold.place_placeholder"),
    )
    await context.bot.send_message(
        update.effective_chat.id, t("bold.place_button"), reply_markup=keyboard
    )


async def _place_done(
    update: Update, context: BoldenContext, draft: Draft, text: str, keyboard: InlineKeyboardMarkup
) -> None:
    """The place step is over: its keyboard goes with a word on the place, and the next
    question comes below it (not in place of the question above, which would be out of
    sight)."""
    chat = update.effective_chat
    assert chat is not None
    if update.callback_query:
        await update.callback_query.answer()
    placed = draft.answers.get("place") or draft.answers.get("latitude") is not None
    key = "bold.place_saved" if placed else "bold.place_none"
    await chat.send_message(context.t(key), reply_markup=ReplyKeyboardRemove())
    await chat.send_message(text, parse_mode=ParseMode.HTML, reply_markup=keyboard)


async def ask_again(update: Update, context: BoldenContext, stored: StoredConversation) -> None:
    """Continue: the draft's current question (of a text held as a reply: whether it is)."""
    draft = Draft(step=Step(stored.step), answers=stored.answers)
    asked = "asked" in draft.answers and await context.services.bolde.get(draft.answers["asked"])
    if asked:
        await show(update, *_is_it_a_reply(context, asked, stored.touched))
        return
    await show(update, *question(context, draft))
    if draft.step is Step.LOCATION:
        await _place_button(update, context)


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
        await _answered(
            update, context, await service.answer(user.id, Step.KIND, args[0]), Step.KIND
        )
    elif action == "skip" and args[0] in {s.value for s in {*_SKIPPABLE, Step.TEXT}}:
        step = Step(args[0])
        await _answered(update, context, await service.answer(user.id, step, None), step)
    elif action == "back" and args[0] in set(Step):
        step = Step(args[0])
        await _answered(update, context, await service.back(user.id, step), step)
    elif action == "cat":
        result = await service.answer(user.id, Step.CATEGORY, args[0])
        await _answered(update, context, result, Step.CATEGORY)
    elif action == "topic" and args[1].isdigit():
        result = await service.toggle_topic(user.id, args[0])
        await _answered(update, context, result, Step.THEMES, int(args[1]))
    elif action in {"tpage", "tabout"} and args[0].isdigit():
        await _themes_page(update, context, action, int(args[0]))
    elif action == "done":
        await _answered(update, context, await service.topics_done(user.id), Step.THEMES)
    elif action == "name":
        await _answered(update, context, await service.toggle_name(user.id), Step.CONFIRM)
    elif action == "edit":
        await _answered(update, context, await service.edit_text(user.id), Step.CONFIRM)
    elif action == "send":
        await _send(update, context)
    elif action in {"isreply", "isnew"} and all(a.isdigit() for a in args):
        await _held(update, context, action, int(args[0]), int(args[1]))
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
    text = "\n\n".join(
        [t("bold.sent", reference=bold.reference), where, t("bold.public"), t("bold.sent_next")]
    )
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
    text = t.count("mine.title", len(bolde)) if bolde else t("mine.empty")
    await show(update, text, InlineKeyboardMarkup(rows))


async def _own(update: Update, context: BoldenContext, bold_id: str, whole: bool) -> None:
    """The sender's page of one bold, or (`whole`) its long text in parts below the page: only
    the sender gets them."""
    user, chat = update.effective_user, update.effective_chat
    assert user is not None
    assert chat is not None
    services = context.services
    bold = await services.bolde.get(int(bold_id)) if bold_id.isdigit() else None
    parts = whole_text(context.t, bold) if bold and whole else []
    if bold is None or bold.sender_id != user.id or (whole and not parts):
        await refuse_stale(update, context)
        return
    if whole:
        assert update.callback_query is not None
        await update.callback_query.answer()
        for part in parts:
            await chat.send_message(part, parse_mode=ParseMode.HTML)
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
    if press.action in {"show", "whole"}:
        await _own(update, context, press.args[0], whole=press.action == "whole")
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
        await note_prompt(context.services, context.t, change.bold, action),
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
    CallbackQueryHandler(mine_pressed, pattern=r"^bold:(mine|show|whole|reopen|reply):"),
    CallbackQueryHandler(pressed, pattern=BOLD.pattern()),
]
TYPED = {ConversationKind.BOLD: typed}
ASK_AGAIN = {ConversationKind.BOLD: ask_again}
STARTS = {ConversationKind.BOLD: start_bold}
