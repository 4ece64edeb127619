"""/event, /call and /events: invitations with answers and a waiting list, calendar files,
reminders, check-in at the door, and ad hoc calls that fill, close and report."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Message, Update
from telegram.constants import ParseMode
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.channels.links import chat_links, links_text
from bot.channels.screen import Purpose
from bot.context import BoldenContext
from bot.i18n import Translator
from bot.services import Services
from bot.services.calendar import ics
from bot.services.conversations import ConversationKind
from bot.services.delivery import Notify, OutboxItem, Reach
from bot.services.events import (
    CHECKIN_OPENS,
    LINK,
    Answered,
    Choice,
    Coming,
    Problem,
    answers_from,
    publish_limit,
    reminders_ahead,
)
from bot.services.newsletters import Draft, Kind
from bot.services.poster import Code, PosterText, render_pdf
from bot.web.context import site_in
from handlers import compose
from handlers.conversation import Start, starts
from handlers.event_views import EVENT, answer_keyboard, event_values, invitation_text, when
from handlers.menu import home_button, refuse_stale, show, turn_buttons
from handlers.networks import welcome
from handlers.paging import page_of, turn_row
from handlers.progress import App, services_of, started, translator_of
from handlers.roles import coordinators_only
from handlers.sending import message
from handlers.start import greet
from storage.events import Event

logger = logging.getLogger(__name__)
JOB = "events"
PAGE_SIZE = 10  # events on a page of /events


def _invitation(
    services: Services,
    t: Translator,
    chat_id: int,
    event: Event,
    current: str | None,
    header: str = "",
    purpose: Purpose = Purpose.PROMOTION,
) -> OutboxItem:
    """The invitation and its answer buttons, in one person's language, after `header`
    (`Purpose.EVENT` when it is about an event the person said yes or maybe to)."""
    text = header + invitation_text(services, t, event_values(event))
    return message(chat_id, text, answer_keyboard(t, event, current), purpose=purpose)


# -- writing and publishing --------------------------------------------------------------------


@coordinators_only
async def new_event(update: Update, context: BoldenContext) -> None:
    """/event: kind, title, description, start, end, place, seats, audience, preview."""
    await start_event(update, context, Start())


@coordinators_only
async def new_call(update: Update, context: BoldenContext) -> None:
    """/call: a concrete task, when and where, how many are needed, until when to answer."""
    await start_call(update, context, Start())


@starts(ConversationKind.EVENT)
async def start_event(update: Update, context: BoldenContext, start: Start) -> None:
    await _start(update, context, Kind.EVENT, start)


@starts(ConversationKind.CALL)
async def start_call(update: Update, context: BoldenContext, start: Start) -> None:
    await _start(update, context, Kind.CALL, start)


async def _start(update: Update, context: BoldenContext, kind: Kind, start: Start) -> None:
    """A new event or call, or the one the start names (by its id), to change."""
    user = update.effective_user
    assert user is not None
    services, argument = context.services, start.argument
    if not argument.isdigit():
        result = await services.newsletters.begin(user.id, kind)
        await compose.ask(update, context, result, start.note)
        return
    event = await services.events.get(int(argument))
    if event is None or event.status == "cancelled" or event.is_call != (kind is Kind.CALL):
        await refuse_stale(update, context)
        return
    result = await services.newsletters.begin_with(user.id, kind, answers_from(event))
    await compose.ask(update, context, result, start.note)


async def finish(
    update: Update, context: BoldenContext, draft: Draft, publish_at: datetime | None
) -> None:
    """The preview's Publish (or the time typed after Schedule); a change is saved and told."""
    user = update.effective_user
    assert user is not None
    services, t = context.services, context.t
    if draft.answers.get("editing"):
        changed = await services.events.change(
            user.id, int(draft.answers["editing"]), draft.answers, _told(services, "ev.changed")
        )
        if changed is None:
            if update.callback_query:
                await refuse_stale(update, context)
            return
        await show(update, t("ev.saved"), InlineKeyboardMarkup([]))
        return
    event = await services.events.create(user.id, draft.answers, publish_at)
    ahead = _reminders_line(t, event, publish_at)
    if publish_at is None:
        await show(update, t("cast.queued") + ahead, InlineKeyboardMarkup([]))
        await publish(context.application, event.id)
    else:
        await show(
            update,
            t("ev.scheduled", title=event.title, when=t.moment(publish_at)) + ahead,
            InlineKeyboardMarkup([]),
        )


def _reminders_line(t: Translator, event: Event, publish_at: datetime | None) -> str:
    """Which reminders will go out: those whose time has passed at publishing (now, or the
    time chosen) are skipped, and the text says which of the two it is."""
    if event.is_call or not event.reminders:
        return ""
    ahead = reminders_ahead(event, publish_at or event.created_at)
    if not ahead:
        return "\n\n" + t("ev.reminders_none" if publish_at is None else "ev.reminders_before")
    moments = [t.plain("ev.before_start", span=_before(t, m)) for m in ahead]
    return "\n\n" + t("ev.reminders_ahead", when=t.listing(moments))


async def publish(application: App, event_id: int) -> None:
    """The invitations, through the outbox, once (the database marks the event published)."""
    services = services_of(application)
    event = await services.events.get(event_id)
    if event is None or event.status != "scheduled":
        return
    recipients = await services.delivery.recipients(event.audience, Reach.INVITATION)
    items = [
        _invitation(services, services.translator(r.language), r.user_id, event, None)
        for r in recipients
    ]
    writer = event.created_by
    await services.delivery.start_batch(
        "broadcast",
        writer,
        event.audience,
        items,
        claim=services.events.publish_claim(event.id),
        report=None if writer is None else await started(services, writer, len(items)),
    )


def _told(services: Services, key: str) -> Notify[Coming]:
    """A change or a cancellation, to those who said yes or maybe; those a change gave a seat
    hear that instead, with the new details."""

    async def render(told: Coming) -> list[OutboxItem]:
        event = told.event
        items = await _seated(services, event, told.promoted)
        for person in told.people:
            if person.user_id in told.promoted:
                continue
            t = await translator_of(services, person.user_id)
            text = t(key, title=event.title) + "\n\n"
            text += invitation_text(services, t, event_values(event))
            items.append(message(person.user_id, text, purpose=Purpose.EVENT))
        return items

    return render


async def _publish_at(
    update: Update, context: BoldenContext, kind: Kind, publish_at: datetime
) -> None:
    """The time typed after Schedule: refused (and asked again) unless it is before the start
    (a call's: its deadline), as invitations after it would come too late."""
    user, message = update.effective_user, update.effective_message
    assert user is not None
    assert message is not None
    t = context.t
    draft = await context.services.newsletters.draft(user.id, kind)
    assert draft is not None
    limit = publish_limit(draft.answers)
    if publish_at >= limit:
        text, keyboard = compose.time_question(context, draft)
        late = t(f"ev.problem.publish_late.{kind.value}", when=t.moment(limit))
        await message.reply_html(late + "\n\n" + text, reply_markup=keyboard)
        return
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
        int(press.args[0]),
        user.id,
        user.full_name[:64],
        Choice(press.args[1]),
        _answer_notices(services),
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
    if isinstance(query.message, Message):
        fresh = answer_keyboard(t, event, result.answer, result.position).inline_keyboard
        shown = query.message.reply_markup.inline_keyboard if query.message.reply_markup else ()
        rest = shown[1:] if shown else fresh[1:]
        # Only the answers' row changes: on an event's page, Back and the tools stay below it.
        await turn_buttons(update, InlineKeyboardMarkup([fresh[0], *rest]))


async def _seated(services: Services, event: Event, promoted: list[int]) -> list[OutboxItem]:
    """ "You got a seat", with the invitation, to each moved up from the waiting list."""
    items = []
    for user_id in promoted:
        t = await translator_of(services, user_id)
        header = t("ev.promoted", title=event.title) + "\n\n"
        items.append(_invitation(services, t, user_id, event, "yes", header, Purpose.EVENT))
    return items


def _answer_notices(services: Services) -> Notify[Answered]:
    """What an answer owes others: "you got a seat" to those promoted, and 80 % and 100 % of
    the seats to whoever invited (a full call with its roster)."""

    async def render(result: Answered) -> list[OutboxItem]:
        event = result.event
        assert event is not None
        items = await _seated(services, event, result.promoted)
        if result.alert and event.created_by is not None:
            t = await translator_of(services, event.created_by)
            if event.is_call:
                text, keyboard = await _roster(services, t, event, "call.full")
            else:
                capacity = event.capacity or 0
                text = t.count(f"ev.alert.{result.alert}", capacity, title=event.title)
                keyboard = None
            items.append(message(event.created_by, text, keyboard))
        return items

    return render


async def _roster(
    services: Services, t: Translator, event: Event, key: str
) -> tuple[str, InlineKeyboardMarkup | None]:
    people = [a for a in await services.events.answers(event.id) if a.answer == "yes"]
    lines = [t.count(key, len(people), title=event.title, needed=event.capacity or 0)]
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
    data = ics([event], context.services.strategy, context.services.settings.tz, context.t)
    await context.bot.send_document(
        chat.id, InputFile(data, filename="event.ics"), caption=context.t("ev.ics_caption")
    )


# -- the list, and the coordinator's page of an event ------------------------------------------


async def upcoming(update: Update, context: BoldenContext) -> None:
    """/events: what is coming, with one's own answer, a page at a time; each opens its page."""
    page = 0
    if update.callback_query:
        press = EVENT.parse(update.callback_query.data)
        page = int(press.args[0]) if press and press.args[0].isdigit() else 0
    await _listing(update, context, page)


async def _listing(update: Update, context: BoldenContext, page: int, note: str = "") -> None:
    """The list's `page`, under `note` (which then stands for the empty list's line)."""
    user = update.effective_user
    assert user is not None
    t, services = context.t, context.services
    if await services.coordinators.is_coordinator(user.id):
        found = await services.events.planned()
    else:
        found = await services.events.upcoming_for(user.id)
    listed, page, pages = page_of(found, page, PAGE_SIZE)
    lines = [note] if note else []
    if found or not note:
        lines.append(t("ev.list_title") if found else t("ev.list_empty"))
    rows = []
    for event in listed:
        mine = await services.events.answer_of(event.id, user.id)
        answer = t.plain(f"ev.mine.{mine}") if mine else t.plain("ev.mine.none")
        if event.status == "scheduled":
            answer = t.plain("ev.sends", when=t.moment(event.publish_at))
        lines.append(
            t(
                "ev.row",
                title=event.title,
                when=when(t, event.starts_at, event.ends_at),
                answer=answer,
            )
        )
        rows.append(
            [
                InlineKeyboardButton(
                    event.title[:60], callback_data=EVENT.data("show", event.id, page)
                )
            ]
        )
    if turn := turn_row(t, page, pages, lambda target: EVENT.data("list", target)):
        rows.append(turn)
    rows.append([home_button(t)])
    await show(update, "\n".join(lines), InlineKeyboardMarkup(rows))


async def shown(update: Update, context: BoldenContext) -> None:
    """One event, opened from the list (or refreshed): see `_event_page`."""
    query, user = update.callback_query, update.effective_user
    assert query is not None
    assert user is not None
    press = EVENT.parse(query.data)
    event = (
        await context.services.events.get(int(press.args[0]))
        if press and press.args[0].isdigit()
        else None
    )
    if press is None or event is None or event.status == "cancelled":
        await refuse_stale(update, context)
        return
    coordinator = await context.services.coordinators.is_coordinator(user.id)
    if event.status != "published" and not coordinator:  # not yet sent: only theirs to see
        await refuse_stale(update, context)
        return
    await _event_page(update, context, event, int(press.args[1]) if press.args[1].isdigit() else 0)


async def _event_page(update: Update, context: BoldenContext, event: Event, page: int) -> None:
    """The invitation with one's answer, and Back to the list's `page`; coordinators also get
    its tools and how many have checked in, counted afresh each time it is opened or
    refreshed."""
    services, t, user = context.services, context.t, update.effective_user
    assert user is not None
    text = invitation_text(services, t, event_values(event))
    back = InlineKeyboardButton(t.plain("ev.back"), callback_data=EVENT.data("list", page))
    if event.status == "scheduled":  # for coordinators only (see `shown`): change or cancel
        text += "\n\n" + t("ev.scheduled_page", when=t.moment(event.publish_at))
        keyboard = [_tools(t, event, page)[-1], [back]]
        await show(update, text, InlineKeyboardMarkup(keyboard))
        return
    if await services.events.by_link_only(event, user.id):
        text += "\n\n" + t("ev.link.consent")
    mine = await services.events.answer_of(event.id, user.id)
    position = await services.events.waiting_position(event.id, user.id)
    keyboard = [list(row) for row in answer_keyboard(t, event, mine, position).inline_keyboard]
    if await services.coordinators.is_coordinator(user.id):
        text += "\n\n" + _tally(t, event, await services.events.tally(event.id))
        keyboard += _tools(t, event, page)
        refresh = InlineKeyboardButton(
            t.plain("ev.refresh"), callback_data=EVENT.data("show", event.id, page)
        )
        keyboard.append([back, refresh])
    else:
        keyboard.append([back])
    await show(update, text, InlineKeyboardMarkup(keyboard))


def _tally(t: Translator, event: Event, counts: dict[str, int]) -> str:
    """ "3 ja · 1 måske · 0 nej · 1 på venteliste · 2 tjekket ind" (a call: no maybe, no list)."""
    shown = ("yes", "no", "checked_in") if event.is_call else tuple(counts)
    return "👥 " + " · ".join(t.count(f"ev.tally.{kind}", counts[kind]) for kind in shown)


def _reminder_press(args: tuple[str, ...]) -> bool:
    """A reminder's press: the event, the minutes, the page, and on (1) or off (0)."""
    return len(args) == 4 and args[1].isdigit() and args[2].isdigit() and args[3] in ("0", "1")


def _tools(t: Translator, event: Event, page: int) -> list[list[InlineKeyboardButton]]:
    def button(key: str, action: str, *args: int) -> InlineKeyboardButton:
        return InlineKeyboardButton(t.plain(key), callback_data=EVENT.data(action, event.id, *args))

    rows = [[button("ev.who", "who"), button("ev.csv", "csv"), button("ev.qr", "qr")]]
    if not event.is_call:
        rows.append(
            [
                InlineKeyboardButton(
                    ("✅ " if minutes in event.reminders else "⬜ ")
                    + t.plain("ev.reminder", when=_before(t, minutes)),
                    # What a press asks for: the other state than the one it shows.
                    callback_data=EVENT.data(
                        "rem", event.id, minutes, page, int(minutes not in event.reminders)
                    ),
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
            t("ev.who_row", name=a.name, answer=t.plain(f"ev.their.{a.answer}")) for a in answers
        ]
        await context.bot.send_message(chat.id, "\n".join(lines), parse_mode=ParseMode.HTML)
    elif press.action == "csv":
        await query.answer()
        data = await services.events.answers_csv(user.id, event.id, t)
        await context.bot.send_document(
            chat.id,
            InputFile(data, filename=t.plain("export.file.event", id=event.id) + ".csv"),
            caption=t("ev.csv_caption", title=event.title),
        )
    elif press.action == "qr":
        await query.answer()
        reference = f"in-{event.checkin_code}"
        links = chat_links(context.application, reference)
        poster = PosterText(
            heading=t.plain("ev.poster.heading"),
            title=event.title,
            when=when(t, event.starts_at, event.ends_at),
            place=event.place if event.latitude is None else "",
            scan=t.plain("ev.poster.scan" if len(links) == 1 else "ev.poster.scan_both"),
            codes=[Code(channel=t.plain(f"channel.{c}"), link=link) for c, link in links.items()],
        )
        pdf = await asyncio.to_thread(render_pdf, poster)  # drawing is CPU work: off the loop
        await context.bot.send_document(
            chat.id,
            InputFile(pdf, filename=f"poster-{event.id}.pdf"),
            caption=t(
                "ev.qr_caption",
                title=event.title,
                link=links_text(context.application, t, reference),
            ),
        )
    elif press.action == "rem" and _reminder_press(press.args):
        on = press.args[3] == "1"
        changed = await services.events.set_reminder(event.id, int(press.args[1]), on)
        if changed is Problem.PASSED:
            await query.answer(t.plain("ev.problem.passed"), show_alert=True)
            return
        if isinstance(changed, Problem):
            await refuse_stale(update, context)
            return
        await _event_page(update, context, changed, int(press.args[2]))
    elif press.action == "edit":
        await (start_call if event.is_call else start_event)(update, context, Start(str(event.id)))
    elif press.action == "drop":
        yes = InlineKeyboardButton(
            t.plain("ev.drop_yes"), callback_data=EVENT.data("dropyes", event.id)
        )
        back = InlineKeyboardButton(
            t.plain("ev.drop_back"), callback_data=EVENT.data("show", event.id, 0)
        )
        confirm = t("ev.drop_confirm", title=event.title)
        await show(update, confirm, InlineKeyboardMarkup([[yes], [back]]))
    elif press.action == "dropyes":
        cancelled = await services.events.cancel(user.id, event.id, _told(services, "ev.cancelled"))
        if cancelled is None:
            await refuse_stale(update, context)
            return
        await show(
            update,
            t.count("ev.dropped", len(cancelled.people), title=event.title),
            InlineKeyboardMarkup([]),
        )
    elif press.action == "net":
        result = await services.events.to_network(user.id, event.id, welcome(services))
        if isinstance(result, Problem):
            await query.answer(t.plain(f"ev.problem.{result.value}"), show_alert=True)
            return
        await query.answer(t.plain("call.network_made", title=event.title[:60]), show_alert=True)
        await turn_buttons(update, None)
    else:
        await refuse_stale(update, context)


# -- the public event's own link ---------------------------------------------------------------


async def from_link(update: Update, context: BoldenContext) -> None:
    """/start ev-ID, from the event's link on the public web page: its page, to answer at once
    (see `EventService.by_link_only`); a newcomer is welcomed first. One that cannot be
    answered is explained, above the person's own list."""
    user = update.effective_user
    assert user is not None
    services, t = context.services, context.t
    if context.person is not None and context.person.met_now:
        await greet(update, context)
    link = await services.people.arrived_through(user.id, (context.args or [""])[0])
    assert link is not None, "the filter only lets a link of ours through"
    found = await services.events.through_link(int(link.argument), user.id)
    if isinstance(found, Problem):
        events = f"{site_in(context.application).public_url}/events"
        await _listing(update, context, 0, t(f"ev.link.{found.value}", events=events))
        return
    await _event_page(update, context, found, 0)


# -- at the door -------------------------------------------------------------------------------


async def check_in(update: Update, context: BoldenContext) -> None:
    """/start in-CODE, from the QR code on the poster at the door."""
    user, message = update.effective_user, update.effective_message
    assert user is not None
    assert message is not None
    code = (context.args or ["-"])[0].removeprefix("in-")
    checked = await context.services.events.check_in(code, user.id)
    if checked is None:
        await message.reply_html(context.t("net.link_invalid"))
        return
    event, outcome = checked
    opens = context.t.moment(event.starts_at - CHECKIN_OPENS)
    text = context.t(f"ev.checkin.{outcome.value}", title=event.title, opens=opens)
    await message.reply_html(text)


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
            key = "ev.reminder_text_seats" if event.capacity else "ev.reminder_text"
            header = t(key, title=event.title, when=t.moment(event.starts_at))
            header += "\n\n"
            items.append(
                _invitation(
                    services, t, person.user_id, event, person.answer, header, Purpose.EVENT
                )
            )
        await services.delivery.start_batch(
            "broadcast",
            event.created_by,
            f"event-{event.id}",
            items,
            claim=services.events.reminded_claim(event),
        )
    await services.events.claim_rosters(_roster_notice(services))


def _roster_notice(services: Services) -> Notify[Coming]:
    """A call's roster at its deadline, to whoever invited."""

    async def render(roster: Coming) -> list[OutboxItem]:
        event = roster.event
        if event.created_by is None:
            return []
        t = await translator_of(services, event.created_by)
        text, keyboard = await _roster(services, t, event, "call.roster")
        return [message(event.created_by, text, keyboard)]

    return render


HANDLERS: list[BaseHandler[Update, BoldenContext, None]] = [
    CommandHandler("start", check_in, filters.Regex(r"^/start(@\w+)? in-")),
    CommandHandler(
        "start",
        from_link,
        filters.ChatType.PRIVATE & filters.Regex(rf"^/start(@\w+)? {LINK}-[0-9]{{1,12}}$"),
    ),
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
ASK_AGAIN = {ConversationKind.EVENT: compose.ask_again, ConversationKind.CALL: compose.ask_again}
CHOICES = {ConversationKind.EVENT: compose.CHOICES, ConversationKind.CALL: compose.CHOICES}
STARTS = {ConversationKind.EVENT: start_event, ConversationKind.CALL: start_call}
