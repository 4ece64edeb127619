"""/broadcast, /newsletter and /newsletters: sending to many through the outbox, its progress in
the coordinator's chat, scheduled newsletters, the archive, and opting out."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from html import escape
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.channels import channel_of
from bot.channels.links import chat_link
from bot.context import BoldenContext
from bot.delivery.email import message_id, unsubscribe_headers
from bot.i18n import Translator
from bot.sanitise import sanitised
from bot.services import Services
from bot.services.conversations import ConversationKind
from bot.services.delivery import Reach, Recipient
from bot.services.newsletters import Kind, Step, Unsubscribed
from bot.web.context import site_in
from bot.web.unsubscribe import unsubscribe_link
from handlers import compose, events, privacy
from handlers.compose import COMPOSE, NEWS, audience_name, newsletter_payload
from handlers.conversation import Start, named_draft_button, starts
from handlers.menu import home_button, refuse_stale, show, turn_buttons
from handlers.paging import page_of, turn_row
from handlers.progress import CAST, App, report, services_of, started
from handlers.roles import coordinators_only
from storage.coordinators import AuditAction
from storage.newsletters import Newsletter

PAGE_SIZE = 8
_log = logging.getLogger(__name__)


@coordinators_only
async def stop(update: Update, context: BoldenContext) -> None:
    """Stop a running broadcast or newsletter: what has not gone out yet, never will."""
    press = CAST.parse(update.callback_query.data if update.callback_query else None)
    if press is None or not press.args[0].isdigit():
        await refuse_stale(update, context)
        return
    assert update.callback_query is not None
    stopped = await context.services.delivery.cancel(int(press.args[0]))
    t = context.t
    # Nothing left to stop: the last message went out before the press (its summary is owed).
    said = t.plain_count("cast.stopped", stopped) if stopped else t.plain("cast.already_done")
    await update.callback_query.answer(said)
    await report(context.application, int(press.args[0]))


# -- broadcasts --------------------------------------------------------------------------------


@coordinators_only
async def broadcast(update: Update, context: BoldenContext) -> None:
    """/broadcast: a message, an audience, a preview, then it goes out."""
    await start_broadcast(update, context, Start())


@starts(ConversationKind.BROADCAST)
async def start_broadcast(update: Update, context: BoldenContext, start: Start) -> None:
    user = update.effective_user
    assert user is not None
    result = await context.services.newsletters.begin(user.id, Kind.BROADCAST)
    await compose.ask(update, context, result, start.note)


@starts(ConversationKind.NEWSLETTER)
async def start_newsletter(update: Update, context: BoldenContext, start: Start) -> None:
    """A new newsletter, or the scheduled one the start names, to change."""
    user = update.effective_user
    assert user is not None
    changed = int(start.argument) if start.argument.isdigit() else None
    result = await context.services.newsletters.begin(user.id, Kind.NEWSLETTER, changed)
    await compose.ask(update, context, result, start.note)


def _items(
    chat: list[Recipient],
    payload_for: Callable[[Recipient], dict[str, Any]],
    mail: list[tuple[Recipient, dict[str, Any]]],
) -> list[tuple[str, int | None, str | None, dict[str, Any]]]:
    items: list[tuple[str, int | None, str | None, dict[str, Any]]] = [
        ("telegram", r.user_id, None, payload_for(r)) for r in chat
    ]
    items += [("email", r.user_id, r.email, body) for r, body in mail]
    return items


@named_draft_button(COMPOSE)
@coordinators_only
async def send_pressed(update: Update, context: BoldenContext) -> None:
    """Send (a broadcast, or a newsletter now), schedule a newsletter, or keep its time: for
    the draft the button belongs to."""
    query, user = update.callback_query, update.effective_user
    assert query is not None
    assert user is not None
    press = COMPOSE.parse(query.data)
    services = context.services
    named = Kind(press.draft) if press and press.draft else None
    draft = await services.newsletters.draft(user.id, named) if named else None
    if press is None or draft is None or draft.step is not Step.PREVIEW:
        await refuse_stale(update, context)
        return
    # An older preview's button, for an audience since changed to one that reaches nobody
    # (a change of an event is saved even with nobody to tell).
    if not compose.changes_event(draft) and not await compose.reach(services, draft):
        await query.answer(context.t.plain("compose.nobody"), show_alert=True)
        return
    if draft.kind in {Kind.EVENT, Kind.CALL} and press.action == "send":
        await events.finish(update, context, draft, None)
    elif draft.kind is Kind.BROADCAST and press.action == "send":
        chat, _ = await compose.recipients(services, draft.kind, draft.answers["audience"])
        body = compose.payload(services, context.t, draft)
        items = _items(chat, lambda r: body, [])
        batch_id = await services.delivery.start_batch(
            "broadcast",
            user.id,
            draft.answers["audience"],
            items,
            draft_of=ConversationKind.BROADCAST,
            report=await started(services, user.id, len(chat)),
            audit=AuditAction.BROADCAST_SEND,
        )
        if batch_id is None:  # a second tap: the first one sent it
            await refuse_stale(update, context)
            return
        await show(update, context.t("cast.queued"), InlineKeyboardMarkup([]))
    elif press.action == "send":
        newsletter = await services.newsletters.schedule(user.id, None)
        if newsletter is None:
            await refuse_stale(update, context)
            return
        await show(update, context.t("cast.queued"), InlineKeyboardMarkup([]))
        await dispatch_newsletter(context.application, newsletter.id)
    elif press.action == "later":
        asking = await services.newsletters.ask_time(user.id, draft.kind)
        if asking is None:
            await refuse_stale(update, context)
            return
        await show(update, *compose.time_question(context, asking))
    elif press.action == "keeptime" and draft.answers.get("send_at"):
        when = datetime.fromisoformat(draft.answers["send_at"])
        await _scheduled(update, context, draft.kind, when)
    else:
        await refuse_stale(update, context)


async def _scheduled(update: Update, context: BoldenContext, kind: Kind, when: datetime) -> None:
    """The time typed (or kept) after Schedule: the newsletter is stored to go out then."""
    user, message = update.effective_user, update.effective_message
    assert user is not None
    newsletter = await context.services.newsletters.schedule(user.id, when)
    if newsletter is None:
        if update.callback_query:
            await refuse_stale(update, context)
        elif message:
            await message.reply_html(context.t("compose.problem.not_now"))
        return
    text = context.t(
        "news.scheduled", title=newsletter.title, when=context.t.moment(newsletter.send_at)
    )
    await show(
        update,
        text,
        InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        context.t.plain("news.manage"), callback_data=NEWS.data("manage")
                    )
                ]
            ]
        ),
    )


# -- newsletters -------------------------------------------------------------------------------


def email_payload(
    services: Services,
    t: Translator,
    newsletter: Newsletter,
    recipient: Recipient,
    application: App,
    public_url: str,
) -> dict[str, Any]:
    """Plain text and HTML, with unsubscribe links (the web page's, which works with one
    click, and the chat's on the ambassador's channel) in the footer and the headers, and the
    Message-ID every try of this e-mail carries."""
    token = recipient.email_token
    assert token is not None, "every ambassador with an e-mail address has a token"
    settings = services.settings
    web_link = unsubscribe_link(public_url, settings, token)
    chat = chat_link(application, channel_of(recipient.user_id), f"unsub-{token}")
    assert settings.smtp_sender is not None, "e-mail is only queued with an SMTP sender"
    footer = t.plain("news.email_footer", link=web_link)
    return {
        "subject": newsletter.title,
        "text": f"{newsletter.body_text}\n\n-- \n{footer}",
        "html": (
            f"<h1>{escape(newsletter.title)}</h1>\n{sanitised(newsletter.body_html)}\n"
            f"<hr>\n<p>{escape(footer)}</p>"
        ),
        "headers": {
            **unsubscribe_headers(web_link, chat),
            "Message-ID": message_id(settings.smtp_sender),
        },
    }


async def dispatch_newsletter(application: App, newsletter_id: int) -> None:
    """Hand a due newsletter to the outbox: once, whatever happens (the database decides)."""
    services = services_of(application)
    newsletter = await services.newsletters.get(newsletter_id)
    if newsletter is None or newsletter.status != "scheduled":
        return
    chat = await services.delivery.recipients(newsletter.audience, Reach.NEWSLETTER)
    mail = (
        await services.delivery.email_recipients(newsletter.audience)
        if services.settings.smtp_host
        else []
    )
    address = site_in(application).public_url

    def t(r: Recipient) -> Translator:
        return services.translator(r.language, channel_of(r.user_id))

    items = _items(
        chat,
        lambda r: newsletter_payload(
            t(r),
            newsletter.title,
            newsletter.body_html,
            newsletter.photo_file_id,
        ),
        [(r, email_payload(services, t(r), newsletter, r, application, address)) for r in mail],
    )
    writer = newsletter.created_by
    await services.delivery.start_batch(
        "newsletter",
        writer,
        newsletter.audience,
        items,
        claim=services.newsletters.hand_over(newsletter.id),
        report=None if writer is None else await started(services, writer, len(items)),
        audit=AuditAction.NEWSLETTER_SEND,
    )


@coordinators_only
async def newsletter_command(update: Update, context: BoldenContext) -> None:
    """/newsletter: the scheduled ones (change, cancel) and a button for a new one."""
    await _manage(update, context)


async def _manage(update: Update, context: BoldenContext, note: str = "") -> None:
    t, services = context.t, context.services
    scheduled = await services.newsletters.scheduled()
    lines = [t("news.title")]
    lines += [
        t(
            "news.row",
            title=n.title,
            when=t.moment(n.send_at),
            audience=audience_name(services, t, n.audience, Kind.NEWSLETTER),
        )
        for n in scheduled
    ]
    if not scheduled:
        lines.append(t("news.none_scheduled"))
    rows = [
        [
            InlineKeyboardButton(f"✏️ {n.title[:40]}", callback_data=NEWS.data("edit", n.id)),
            InlineKeyboardButton(t.plain("news.drop"), callback_data=NEWS.data("drop", n.id)),
        ]
        for n in scheduled
    ]
    rows.append(
        [
            InlineKeyboardButton(t.plain("news.new"), callback_data=NEWS.data("new")),
            InlineKeyboardButton(t.plain("news.archive"), callback_data=NEWS.data("list", 0)),
        ]
    )
    await show(
        update, (note + "\n\n" if note else "") + "\n".join(lines), InlineKeyboardMarkup(rows)
    )


async def archive(update: Update, context: BoldenContext) -> None:
    """/newsletters: every newsletter sent, newest first, for anyone."""
    t = context.t
    page = 0
    if update.callback_query:
        press = NEWS.parse(update.callback_query.data)
        page = int(press.args[0]) if press and press.args[0].isdigit() else 0
    sent, page, pages = page_of(await context.services.newsletters.archive(), page, PAGE_SIZE)
    rows = [
        [
            InlineKeyboardButton(
                f"{t.date(n.send_at)} · {n.title[:40]}", callback_data=NEWS.data("read", n.id)
            )
        ]
        for n in sent
    ]
    if turn := turn_row(t, page, pages, lambda target: NEWS.data("list", target)):
        rows.append(turn)
    user, person = update.effective_user, context.person
    assert user is not None
    if person is not None and await context.services.ambassadors.profile(user.id) is None:
        rows.append([privacy.consent_button(t, person.gets_news)])
    rows.append([home_button(t)])
    await show(
        update,
        t("news.archive_title") if sent else t("news.archive_empty"),
        InlineKeyboardMarkup(rows),
    )


async def news_pressed(update: Update, context: BoldenContext) -> None:
    """Opt out and in (anyone), read the archive (anyone), manage (coordinators)."""
    query, user = update.callback_query, update.effective_user
    assert query is not None
    assert user is not None
    press = NEWS.parse(query.data)
    services, t = context.services, context.t
    if press is None:
        await refuse_stale(update, context)
    elif press.action in {"off", "on"}:
        wanted = press.action == "on"
        await services.newsletters.wants_newsletters(user.id, wanted)
        other = NEWS.data("off" if wanted else "on")
        label = t.plain("news.off_button" if wanted else "news.on_button")
        ambassador = await services.ambassadors.profile(user.id) is not None
        # /me is where an ambassador turns them on again; it refuses anyone else.
        off = "news.off_done" if ambassador else "news.off_done_citizen"
        await query.answer(t.plain("news.on_done" if wanted else off), show_alert=not wanted)
        await turn_buttons(
            update, InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=other)]])
        )
    elif press.action == "list":
        await archive(update, context)
    elif press.action == "read" and press.args[0].isdigit():
        found = await services.newsletters.get(int(press.args[0]))
        if found is None or found.status != "sent":
            await refuse_stale(update, context)
            return
        body = newsletter_payload(t, found.title, found.body_html, None)
        back = InlineKeyboardMarkup(
            [[InlineKeyboardButton(t.plain("news.back"), callback_data=NEWS.data("list", 0))]]
        )
        await show(update, str(body["text"]), back)
    else:
        await _coordinator_pressed(update, context)


@coordinators_only
async def _coordinator_pressed(update: Update, context: BoldenContext) -> None:
    query, user = update.callback_query, update.effective_user
    assert query is not None
    assert user is not None
    press = NEWS.parse(query.data)
    services, t = context.services, context.t
    assert press is not None
    if press.action == "manage":
        await _manage(update, context)
    elif press.action == "new":
        await start_newsletter(update, context, Start())
    elif press.action == "edit" and press.args[0].isdigit():
        await start_newsletter(update, context, Start(press.args[0]))
    elif press.action == "drop" and press.args[0].isdigit():
        await _confirm_drop(update, context, int(press.args[0]))
    elif press.action == "dropyes" and press.args[0].isdigit():
        result = await services.newsletters.cancel(user.id, int(press.args[0]))
        found = result.newsletter
        if found is None or (not result.done and found.status != "sent"):
            await refuse_stale(update, context)
            return
        key = "news.cancelled" if result.done else "news.too_late"
        await _manage(update, context, t(key, title=found.title))
    else:
        await refuse_stale(update, context)


async def _confirm_drop(update: Update, context: BoldenContext, newsletter_id: int) -> None:
    """A scheduled newsletter is cancelled only after a second press."""
    t = context.t
    found = await context.services.newsletters.get(newsletter_id)
    if found is not None and found.status == "sent":
        await _manage(update, context, t("news.too_late", title=found.title))
        return
    if found is None or found.status != "scheduled":
        await refuse_stale(update, context)
        return
    keyboard = [
        InlineKeyboardButton(
            t.plain("news.drop_yes"), callback_data=NEWS.data("dropyes", found.id)
        ),
        InlineKeyboardButton(t.plain("news.drop_back"), callback_data=NEWS.data("manage")),
    ]
    question = t("news.drop_confirm", title=found.title, when=t.moment(found.send_at))
    await show(update, question, InlineKeyboardMarkup([keyboard]))


async def unsubscribe(update: Update, context: BoldenContext) -> None:
    """/start unsub-TOKEN, the link in every e-mail: no more newsletters by e-mail."""
    message = update.effective_message
    assert message is not None
    token = (context.args or ["-"])[0].removeprefix("unsub-")
    result = await context.services.newsletters.unsubscribe_email(token)
    known = result is not Unsubscribed.UNKNOWN
    await message.reply_html(context.t("news.unsubscribed" if known else "net.link_invalid"))


async def newsletters_due(context: BoldenContext) -> None:
    """Every minute: hand every due newsletter to the outbox. One that fails stays scheduled
    and is tried again at the next sweep; the others still go."""
    for newsletter in await context.services.newsletters.due():
        try:
            await dispatch_newsletter(context.application, newsletter.id)
        except Exception:
            _log.exception(
                "newsletter %d not handed over; the next sweep tries again", newsletter.id
            )


HANDLERS: list[BaseHandler[Update, BoldenContext, None]] = [
    CommandHandler("start", unsubscribe, filters.Regex(r"^/start(@\w+)? unsub-")),
    CommandHandler("broadcast", broadcast),
    CommandHandler("newsletter", newsletter_command),
    CommandHandler("newsletters", archive),
    *(
        CallbackQueryHandler(send_pressed, pattern=COMPOSE.pattern(action))
        for action in ("send", "later", "keeptime")
    ),
    CallbackQueryHandler(compose.pressed, pattern=COMPOSE.pattern()),
    CallbackQueryHandler(news_pressed, pattern=NEWS.pattern()),
    CallbackQueryHandler(stop, pattern=CAST.pattern("stop")),
]
TYPED = {
    ConversationKind.BROADCAST: compose.typed,
    ConversationKind.NEWSLETTER: compose.with_time(_scheduled),
}
ASK_AGAIN = {
    ConversationKind.BROADCAST: compose.ask_again,
    ConversationKind.NEWSLETTER: compose.ask_again,
}
CHOICES = {
    ConversationKind.BROADCAST: compose.CHOICES,
    ConversationKind.NEWSLETTER: compose.CHOICES,
}
STARTS = {
    ConversationKind.BROADCAST: start_broadcast,
    ConversationKind.NEWSLETTER: start_newsletter,
}
