"""/event, /call and /events: invitations with answers and a waiting list, calendar files,
reminders, check-in at the door, and ad hoc calls that fill, close and report."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.constants import ParseMode
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.context import BoldenContext
from bot.i18n import Translator
from bot.services import Services
from bot.services.certificate import qr_png
from bot.services.conversations import ConversationKind
from bot.services.delivery import OutboxItem
from bot.services.events import Choice, Problem, answers_from
from bot.services.newsletters import Draft, Kind
from handlers import compose
from handlers.event_views import EVENT, answer_keyboard, event_values, ics, invitation_text, when
from handlers.menu import home_button, refuse_stale, show
from handlers.progress import App, announce, services_of, translator_of
from handlers.roles import coordinators_only
from handlers.sending import send
from storage.events import Answer, Event

logger = logging.getLogger(__name__)
JOB = "events"
SHOWN = 30  # /events lists the next 30


def _invitation(
    services: Services, t: Translator, event: Event, current: str | None
) -> dict[str, Any]:
    """The outbox payload: the invitation and its answer buttons, in one person's language."""
    keyboard = answer_keyboard(t, event, current)
    buttons = [
        [{"text": b.text, "data": str(b.callback_data)} for b in row]
        for row in keyboard.inline_keyboard
    ]
    return {"text": invitation_text(services, t, event_values(event)), "buttons": buttons}


# -- writing and publishing --------------------------------------------------------------------


@coordinators_only
async def new_event(update: Update, context: BoldenContext) -> None:
    """/event: kind, title, description, start, end, place, seats, audience, preview."""
    user = update.effective_user
    assert user is not None
    await compose.ask(
        update, context, await context.services.newsletters.begin(user.id, Kind.EVENT)
    )


@coordinators_only
async def new_call(update: Update, context: BoldenContext) -> None:
    """/call: a concrete task, when and where, how many are needed, until when to answer."""
    user = update.effective_user
    assert user is not None
    await compose.ask(update, context, await context.services.newsletters.begin(user.id, Kind.CALL))


async def finish(
    update: Update, context: BoldenContext, draft: Draft, publish_at: datetime | None
) -> None:
    """The preview's Publish (or the time typed after Schedule); a change is saved and told."""
    user = update.effective_user
    assert user is not None
    services, t = context.services, context.t
    if draft.answers.get("editing"):
        changed = await services.events.change(
            user.id, int(draft.answers["editing"]), draft.answers
        )
        if changed is None:
            if update.callback_query:
                await refuse_stale(update, context)
            return
        event, coming = changed
        await _tell(context.application, event, coming, "ev.changed")
        await show(update, t("ev.saved"), InlineKeyboardMarkup([]))
        return
    event = await services.events.create(user.id, draft.answers, publish_at)
    if publish_at is None:
        await show(update, t("cast.queued"), InlineKeyboardMarkup([]))
        await publish(context.application, event.id)
    else:
        await show(
            update,
            t("ev.scheduled", title=event.title, when=t.moment(publish_at)),
            InlineKeyboardMarkup([]),
        )


async def publish(application: App, event_id: int) -> None:
    """The invitations, through the outbox, once (the database marks the event published)."""
    services = services_of(application)
    event = await services.events.get(event_id)
    if event is None or event.status != "scheduled":
        return
    recipients = await services.delivery.recipients(event.audience)
    items = [
        (
            "telegram",
            r.user_id,
            None,
            _invitation(services, services.translator(r.language), event, None),
        )
        for r in recipients
    ]
    batch_id = await services.delivery.start_batch(
        "broadcast",
        event.created_by,
        event.audience,
        items,
        claim=services.events.publish_claim(event.id),
    )
    if batch_id is not None:
        await announce(application, batch_id, event.created_by, len(items))


async def _tell(application: App, event: Event, people: list[Answer], key: str) -> None:
    """A change or a cancellation, to those who said yes or maybe, through the outbox."""
    services = services_of(application)
    items = []
    for person in people:
        t = await translator_of(services, person.user_id)
        text = (
            t(key, title=event.title) + "\n\n" + invitation_text(services, t, event_values(event))
        )
        items.append(("telegram", person.user_id, None, {"text": text}))
    if items:
        await services.delivery.start_batch(
            "broadcast", event.created_by, f"event-{event.id}", items
        )


async def _publish_at(update: Update, context: BoldenContext, publish_at: datetime) -> None:
    user = update.effective_user
    assert user is not None
    draft = await context.services.newsletters.draft(user.id)
    assert draft is not None
    await finish(update, context, draft, publish_at)


# -- answering ---------------------------------------------------------------------------------


async def answered(update: Update, context: BoldenContext) -> None:
    """Yes, maybe or no under an invitation or a reminder (a call: I'm in, or not this time)."""
    query, user = update.callback_query, update.effective_user
    assert query is not None
    assert user is not None
    press = EVENT.parse(query.data)
    if press is None or not press.args[0].isdigit() or press.args[1] not in set(Choice):
        await refuse_stale(update, context)
        return
    services, t = context.services, context.t
    result = await services.events.answer(
        int(press.args[0]), user.id, user.full_name[:64], Choice(press.args[1])
    )
    event = result.event
    if result.problem or event is None or result.answer is None:
        problem = result.problem or Problem.NOT_FOUND
        await query.answer(t.plain(f"ev.problem.{problem.value}"), show_alert=True)
        return
    prefix = "call" if event.is_call else "ev"
    await query.answer(
        t.plain(f"{prefix}.answered.{result.answer}", position=result.position or 0),
        show_alert=result.answer == "waiting",
    )
    if query.message is not None:
        await query.edit_message_reply_markup(answer_keyboard(t, event, result.answer))
    for user_id in result.promoted:
        other = await translator_of(services, user_id)
        text = (
            other("ev.promoted", title=event.title)
            + "\n\n"
            + invitation_text(services, other, event_values(event))
        )
        await send(context, user_id, text, answer_keyboard(other, event, "yes"))
    if result.alert and event.created_by is not None:
        await _alert(context, event, result.alert)


async def _alert(context: BoldenContext, event: Event, share: int) -> None:
    """80 % and 100 % of the seats, to whoever invited; a full call with its roster."""
    services = context.services
    assert event.created_by is not None
    t = await translator_of(services, event.created_by)
    if event.is_call:
        text, keyboard = await _roster(services, t, event, "call.full")
    else:
        text, keyboard = (
            t(f"ev.alert.{share}", title=event.title, capacity=event.capacity or 0),
            None,
        )
    await send(context, event.created_by, text, keyboard)


async def _roster(
    services: Services, t: Translator, event: Event, key: str
) -> tuple[str, InlineKeyboardMarkup | None]:
    people = [a for a in await services.events.answers(event.id) if a.answer == "yes"]
    lines = [t(key, title=event.title, count=len(people), needed=event.capacity or 0)]
    lines += [t("ev.person", name=a.name) for a in people]
    keyboard = None
    if people and event.network_id is None:
        network = InlineKeyboardButton(
            t.plain("call.make_network"), callback_data=EVENT.data("net", event.id)
        )
        keyboard = InlineKeyboardMarkup([[network]])
    return "\n".join(lines), keyboard


async def calendar(update: Update, context: BoldenContext) -> None:
    """The invitation's calendar file (.ics)."""
    query, chat = update.callback_query, update.effective_chat
    assert query is not None
    assert chat is not None
    press = EVENT.parse(query.data)
    event = (
        await context.services.events.get(int(press.args[0]))
        if press and press.args[0].isdigit()
        else None
    )
    if event is None or event.status != "published" or event.is_call:
        await refuse_stale(update, context)
        return
    await query.answer()
    data = ics(event, context.services)
    await context.bot.send_document(
        chat.id, InputFile(data, filename="event.ics"), caption=context.t("ev.ics_caption")
    )


# -- the list, and the coordinator's page of an event ------------------------------------------


async def upcoming(update: Update, context: BoldenContext) -> None:
    """/events: what is coming, with one's own answer; each opens its invitation."""
    user = update.effective_user
    assert user is not None
    t, services = context.t, context.services
    found = (await services.events.upcoming())[:SHOWN]
    lines = [t("ev.list_title") if found else t("ev.list_empty")]
    rows = []
    for event in found:
        mine = await services.events.answer_of(event.id, user.id)
        answer = t.plain(f"ev.mine.{mine}") if mine else t.plain("ev.mine.none")
        lines.append(
            t(
                "ev.row",
                title=event.title,
                when=when(t, event.starts_at, event.ends_at),
                answer=answer,
            )
        )
        rows.append(
            [InlineKeyboardButton(event.title[:60], callback_data=EVENT.data("show", event.id))]
        )
    rows.append([home_button(t)])
    await show(update, "\n".join(lines), InlineKeyboardMarkup(rows))


async def shown(update: Update, context: BoldenContext) -> None:
    """One event: the invitation with one's answer; coordinators also get its tools."""
    query, user = update.callback_query, update.effective_user
    assert query is not None
    assert user is not None
    press = EVENT.parse(query.data)
    services, t = context.services, context.t
    event = (
        await services.events.get(int(press.args[0])) if press and press.args[0].isdigit() else None
    )
    if event is None or event.status != "published":
        await refuse_stale(update, context)
        return
    mine = await services.events.answer_of(event.id, user.id)
    keyboard = [list(row) for row in answer_keyboard(t, event, mine).inline_keyboard]
    if await services.coordinators.is_coordinator(user.id):
        keyboard += _tools(t, event)
    await show(
        update, invitation_text(services, t, event_values(event)), InlineKeyboardMarkup(keyboard)
    )


def _tools(t: Translator, event: Event) -> list[list[InlineKeyboardButton]]:
    def button(key: str, action: str, *args: int) -> InlineKeyboardButton:
        return InlineKeyboardButton(t.plain(key), callback_data=EVENT.data(action, event.id, *args))

    rows = [[button("ev.who", "who"), button("ev.csv", "csv"), button("ev.qr", "qr")]]
    if not event.is_call:
        rows.append(
            [
                InlineKeyboardButton(
                    ("✅ " if minutes in event.reminders else "⬜ ")
                    + t.plain("ev.reminder", when=_before(t, minutes)),
                    callback_data=EVENT.data("rem", event.id, minutes),
                )
                for minutes in sorted({*event.reminders, 1440, 120}, reverse=True)
            ]
        )
    rows.append([button("ev.edit", "edit"), button("ev.drop", "drop")])
    return rows


def _before(t: Translator, minutes: int) -> str:
    return t.duration(timedelta(minutes=minutes))


@coordinators_only
async def tools(update: Update, context: BoldenContext) -> None:
    """Answers, CSV, reminders, QR code, change, cancel, and a call's network."""
    query, user, chat = update.callback_query, update.effective_user, update.effective_chat
    assert query is not None
    assert user is not None
    assert chat is not None
    press = EVENT.parse(query.data)
    services, t = context.services, context.t
    event = (
        await services.events.get(int(press.args[0])) if press and press.args[0].isdigit() else None
    )
    if press is None or event is None or event.status == "cancelled":
        await refuse_stale(update, context)
        return
    if press.action == "who":
        await query.answer()
        answers = await services.events.answers(event.id)
        counts = {
            kind: sum(1 for a in answers if a.answer == kind)
            for kind in ("yes", "maybe", "no", "waiting")
        }
        lines = [t("ev.who_title", title=event.title, **counts)]
        lines += [
            t("ev.who_row", name=a.name, answer=t.plain(f"ev.mine.{a.answer}")) for a in answers
        ]
        await context.bot.send_message(chat.id, "\n".join(lines), parse_mode=ParseMode.HTML)
    elif press.action == "csv":
        await query.answer()
        data = await services.events.answers_csv(event.id)
        await context.bot.send_document(
            chat.id,
            InputFile(data, filename=f"event-{event.id}.csv"),
            caption=t("ev.csv_caption", title=event.title),
        )
    elif press.action == "qr":
        await query.answer()
        link = f"https://t.me/{context.bot.username}?start=in-{event.checkin_code}"
        await context.bot.send_photo(
            chat.id, qr_png(link), caption=t("ev.qr_caption", title=event.title, link=link)
        )
    elif press.action == "rem" and press.args[1].isdigit():
        changed = await services.events.toggle_reminder(event.id, int(press.args[1]))
        if changed is None:
            await refuse_stale(update, context)
            return
        await shown_again(update, context, changed)
    elif press.action == "edit":
        kind = Kind.CALL if event.is_call else Kind.EVENT
        await compose.ask(
            update,
            context,
            await services.newsletters.begin_with(user.id, kind, answers_from(event)),
        )
    elif press.action == "drop":
        yes = InlineKeyboardButton(
            t.plain("ev.drop_yes"), callback_data=EVENT.data("dropyes", event.id)
        )
        await show(update, t("ev.drop_confirm", title=event.title), InlineKeyboardMarkup([[yes]]))
    elif press.action == "dropyes":
        cancelled = await services.events.cancel(event.id)
        if cancelled is None:
            await refuse_stale(update, context)
            return
        await _tell(context.application, *cancelled, "ev.cancelled")
        await show(
            update,
            t("ev.dropped", title=event.title, count=len(cancelled[1])),
            InlineKeyboardMarkup([]),
        )
    elif press.action == "net":
        result = await services.events.to_network(user.id, event.id)
        if isinstance(result, Problem):
            await query.answer(t.plain(f"ev.problem.{result.value}"), show_alert=True)
            return
        await query.answer(t.plain("call.network_made", title=event.title[:60]), show_alert=True)
        await query.edit_message_reply_markup(None)
    else:
        await refuse_stale(update, context)


async def shown_again(update: Update, context: BoldenContext, event: Event) -> None:
    services, t = context.services, context.t
    assert update.effective_user is not None
    mine = await services.events.answer_of(event.id, update.effective_user.id)
    keyboard = [list(row) for row in answer_keyboard(t, event, mine).inline_keyboard]
    keyboard += _tools(t, event)
    await show(
        update, invitation_text(services, t, event_values(event)), InlineKeyboardMarkup(keyboard)
    )


# -- at the door -------------------------------------------------------------------------------


async def check_in(update: Update, context: BoldenContext) -> None:
    """/start in-CODE, from the QR code on the poster at the door."""
    user, message = update.effective_user, update.effective_message
    assert user is not None
    assert message is not None
    code = (context.args or ["-"])[0].removeprefix("in-")
    event, problem = await context.services.events.check_in(code, user.id)
    if event is None:
        await message.reply_html(context.t("net.link_invalid"))
        return
    key = f"ev.checkin.{problem.value}" if problem else "ev.checkin.done"
    await message.reply_html(context.t(key, title=event.title))


# -- what is due -------------------------------------------------------------------------------


async def due(context: BoldenContext) -> None:
    """Every minute, from the database: scheduled events to publish, reminders to send (never
    twice, none after the start), and calls whose deadline has passed (their roster)."""
    application, services = context.application, context.services
    now = services.clock()
    for event in await services.events.scheduled():
        if event.publish_at <= now:
            await publish(application, event.id)
    for event, people in await services.events.due_reminders():
        items: list[OutboxItem] = []
        for person in people:
            t = await translator_of(services, person.user_id)
            payload = _invitation(services, t, event, person.answer)
            payload["text"] = (
                t("ev.reminder_text", title=event.title, when=t.moment(event.starts_at))
                + "\n\n"
                + str(payload["text"])
            )
            items.append(("telegram", person.user_id, None, payload))
        await services.delivery.start_batch(
            "broadcast",
            event.created_by,
            f"event-{event.id}",
            items,
            claim=services.events.reminded_claim(event),
        )
    for event, _ in await services.events.claim_rosters():
        if event.created_by is None:
            continue
        t = await translator_of(services, event.created_by)
        text, keyboard = await _roster(services, t, event, "call.roster")
        await send(context, event.created_by, text, keyboard)


HANDLERS: list[BaseHandler[Update, BoldenContext, None]] = [
    CommandHandler("start", check_in, filters.Regex(r"^/start(@\w+)? in-")),
    CommandHandler("event", new_event),
    CommandHandler("call", new_call),
    CommandHandler("events", upcoming),
    CallbackQueryHandler(answered, pattern=EVENT.pattern("ans")),
    CallbackQueryHandler(calendar, pattern=EVENT.pattern("ics")),
    CallbackQueryHandler(shown, pattern=EVENT.pattern("show")),
    CallbackQueryHandler(upcoming, pattern=EVENT.pattern("list")),
    CallbackQueryHandler(tools, pattern=EVENT.pattern()),
]
TYPED = {
    ConversationKind.EVENT: compose.with_time(_publish_at),
    ConversationKind.CALL: compose.with_time(_publish_at),
}
