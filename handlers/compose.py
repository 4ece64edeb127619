"""Writing a broadcast or a newsletter: the questions, the audience, a preview exactly as the
recipients will see it, and how many will get it. Sending is handlers/broadcast.py's."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from html import escape
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode

from bot.context import BoldenContext
from bot.i18n import Translator
from bot.services import Services
from bot.services.conversations import ConversationKind
from bot.services.delivery import ALL, AMBASSADORS, Recipient
from bot.services.events import values_from
from bot.services.newsletters import (
    BODY_MAX,
    CAPTION_MAX,
    SKIPPABLE,
    TITLE_MAX,
    Draft,
    Drafted,
    Kind,
    Problem,
    Step,
    Text,
)
from handlers.callbacks import CallbackCodec
from handlers.conversation import draft_button
from handlers.event_views import invitation_text
from handlers.menu import refuse_stale, show
from handlers.paging import grid
from storage.conversations import StoredConversation

COMPOSE = CallbackCodec(
    "cmp", aud=1, kinds=0, topics=0, skip=1, keep=1, send=0, later=0, keeptime=0, cancel=0, ek=1
)
NEWS = CallbackCodec("news", off=0, on=0, manage=0, new=0, edit=1, drop=1, list=1, read=1)
DRAFTS = [ConversationKind(kind) for kind in Kind]  # what the buttons here belong to
_TEXT_STEPS = {Step.MESSAGE, Step.TITLE, Step.BODY}
_TYPED_STEPS = {Step.START, Step.END, Step.DEADLINE, Step.CAPACITY}  # answered as plain text
_KEEP = {*_TEXT_STEPS, *_TYPED_STEPS, Step.PLACE}  # what "keep as it was" is offered for


def _button(t: Translator, key: str, data: str, **values: object) -> InlineKeyboardButton:
    return InlineKeyboardButton(t.plain(key, **values), callback_data=data)


def audience_name(services: Services, t: Translator, audience: str) -> str:
    kind, _, code = audience.partition("-")
    if audience in {ALL, AMBASSADORS}:
        return t.plain("compose.audience." + audience)
    items = services.strategy.ambassador_kinds if kind == "kind" else services.strategy.topics
    title = next((i.title.get(t.language) for i in items if i.code == code), code)
    return t.plain("compose.audience." + kind, name=title)


def newsletter_payload(t: Translator, title: str, html: str, photo: str | None) -> dict[str, Any]:
    """A newsletter as one recipient gets it: in their language the button to opt out."""
    button = {"text": t.plain("news.off_button"), "data": NEWS.data("off")}
    text = f"📰 <b>{escape(title, quote=False)}</b>\n\n{html}"
    return {"text": text, "photo": photo, "buttons": [[button]]}


def payload(services: Services, t: Translator, draft: Draft) -> dict[str, Any]:
    a = draft.answers
    if draft.kind is Kind.BROADCAST:
        return {"text": a["html"], "photo": a.get("photo")}
    if draft.kind in {Kind.EVENT, Kind.CALL}:
        return {"text": invitation_text(services, t, values_from(a))}
    return newsletter_payload(t, a["title"], a["html"], a.get("photo"))


def question(
    context: BoldenContext, draft: Draft, count: int = 0
) -> tuple[str, InlineKeyboardMarkup]:
    t, step, a = context.t, draft.step, draft.answers
    rows: list[list[InlineKeyboardButton]] = []
    limits = {Step.TITLE: TITLE_MAX, Step.PHOTO: CAPTION_MAX, Step.MESSAGE: BODY_MAX}
    if step is not Step.PREVIEW:
        text = t(f"compose.ask.{step.value}", max=t.number(limits.get(step, BODY_MAX)))
    if step is Step.EVENT_KIND:
        rows += grid(
            [
                InlineKeyboardButton(
                    k.title.get(t.language), callback_data=COMPOSE.data("ek", k.code)
                )
                for k in context.services.strategy.event_kinds
            ]
        )
    elif step is Step.AUDIENCE:
        rows += [
            [_button(t, "compose.audience.all", COMPOSE.data("aud", ALL))],
            [_button(t, "compose.audience.amb", COMPOSE.data("aud", AMBASSADORS))],
            [
                _button(t, "compose.by_kind", COMPOSE.data("kinds")),
                _button(t, "compose.by_topic", COMPOSE.data("topics")),
            ],
        ]
    elif step is Step.PREVIEW:
        text = t(
            f"compose.preview.{draft.kind.value}",
            count=count,
            audience=audience_name(context.services, t, a["audience"]),
        )
        if draft.kind is Kind.BROADCAST:
            rows.append([_button(t, "compose.send_broadcast", COMPOSE.data("send"))])
        else:
            now_key = "compose.send_now" if draft.kind is Kind.NEWSLETTER else "compose.publish_now"
            rows.append(
                [
                    _button(t, now_key, COMPOSE.data("send")),
                    _button(t, "compose.later", COMPOSE.data("later")),
                ]
            )
    if step in _KEEP and a.get("editing"):
        rows.append([_button(t, "compose.keep", COMPOSE.data("keep", step.value))])
    if step in SKIPPABLE or (step is Step.CAPACITY and draft.kind is Kind.EVENT):
        rows.append([_button(t, f"compose.skip.{step.value}", COMPOSE.data("skip", step.value))])
    rows.append([_button(t, "bold.cancel", COMPOSE.data("cancel"))])
    return text, InlineKeyboardMarkup(rows)


async def recipients(services: Services, draft: Draft) -> tuple[list[Recipient], list[Recipient]]:
    """Who gets it in the chat, and (a newsletter) who gets it by e-mail."""
    audience = draft.answers["audience"]
    chat = await services.delivery.recipients(audience, newsletter=draft.kind is Kind.NEWSLETTER)
    mail = (
        await services.delivery.email_recipients(audience)
        if draft.kind is Kind.NEWSLETTER and services.settings.smtp_host
        else []
    )
    return chat, mail


async def ask(update: Update, context: BoldenContext, result: Drafted) -> None:
    """The next question, or the same with what was wrong; at the preview, the message itself
    first, as the recipients will see it."""
    if result.draft is None or result.problem is Problem.NOT_NOW:
        if update.callback_query:
            await refuse_stale(update, context)
        return
    draft = result.draft
    count = 0
    if draft.step is Step.PREVIEW:
        chat, mail = await recipients(context.services, draft)
        count = len(chat) + len(mail)
        await _send_preview(update, context, draft)
    text, keyboard = question(context, draft, count)
    if result.problem:
        limit = CAPTION_MAX if result.problem is Problem.TOO_LONG_FOR_PHOTO else BODY_MAX
        text = (
            context.t(f"compose.problem.{result.problem.value}", max=context.t.number(limit))
            + "\n\n"
            + text
        )
    if draft.step is Step.PREVIEW and update.callback_query:
        await update.callback_query.answer()
        assert update.effective_chat is not None
        await context.bot.send_message(
            update.effective_chat.id, text, parse_mode=ParseMode.HTML, reply_markup=keyboard
        )
        return
    await show(update, text, keyboard)


async def _send_preview(update: Update, context: BoldenContext, draft: Draft) -> None:
    chat = update.effective_chat
    assert chat is not None
    body = payload(context.services, context.t, draft)
    text = str(body["text"])
    if body.get("photo"):
        await context.bot.send_photo(
            chat.id, str(body["photo"]), caption=text, parse_mode=ParseMode.HTML
        )
    else:
        await context.bot.send_message(chat.id, text, parse_mode=ParseMode.HTML)


def _typed_text(message: Message) -> Text | None:
    """What the coordinator wrote, keeping their bold, italics and links."""
    photo = message.photo[-1].file_id if message.photo else None
    if message.text:
        return Text(html=message.text_html, plain=message.text)
    if photo:
        caption = message.caption or ""
        return Text(html=message.caption_html or "", plain=caption, photo=photo)
    return None


async def typed(update: Update, context: BoldenContext, stored: StoredConversation) -> None:
    """Text or a photo for the current question."""
    user, message = update.effective_user, update.effective_message
    assert user is not None
    assert message is not None
    service, step = context.services.newsletters, Step(stored.step)
    if step in _TYPED_STEPS and message.text:
        await ask(update, context, await service.answer(user.id, step, message.text))
        return
    if step is Step.PLACE and message.location:
        where = (message.location.latitude, message.location.longitude)
        await ask(update, context, await service.answer(user.id, step, where))
        return
    value = _typed_text(message)
    if step is Step.PHOTO and value is not None and value.photo is None:
        value = None  # text where a photo was asked for: not an answer
    if value is None or step not in {*_TEXT_STEPS, Step.PHOTO, Step.PLACE}:
        draft = await service.draft(user.id)
        assert draft is not None
        text, keyboard = question(context, draft)
        await message.reply_html(
            context.t("compose.expected") + "\n\n" + text, reply_markup=keyboard
        )
        return
    answer: Text | str = value.plain if step is Step.TITLE else value  # a title is plain text
    await ask(update, context, await service.answer(user.id, step, answer))


def with_time(
    on_time: Callable[[Update, BoldenContext, datetime], Awaitable[None]],
) -> Callable[[Update, BoldenContext, StoredConversation], Awaitable[None]]:
    """The conversation's typed answers for what can be scheduled: after Schedule at the
    preview, the time it should go out (handed to `on_time`); before, the writing's answers."""

    async def typed_or_time(
        update: Update, context: BoldenContext, stored: StoredConversation
    ) -> None:
        message = update.effective_message
        assert message is not None
        if stored.step == Step.PREVIEW and stored.answers.get("asking_time") and message.text:
            when, problem = context.services.newsletters.parse_time(message.text)
            if problem or when is None:
                problem_text = context.t(f"compose.problem.{problem}")
                await message.reply_html(problem_text + "\n\n" + context.t("compose.ask_time"))
                return
            await on_time(update, context, when)
            return
        await typed(update, context, stored)

    return typed_or_time


@draft_button(*DRAFTS)
async def pressed(update: Update, context: BoldenContext) -> None:
    """The buttons of writing: audience, skip, keep, cancel. Send and later are broadcast's."""
    query, user = update.callback_query, update.effective_user
    assert query is not None
    assert user is not None
    press = COMPOSE.parse(query.data)
    service, t = context.services.newsletters, context.t
    draft = await service.draft(user.id)
    if press is None or draft is None:
        await refuse_stale(update, context)
        return
    if press.action == "cancel":
        await service.cancel_draft(user.id)
        await show(update, t("common.cancelled"), InlineKeyboardMarkup([]))
    elif press.action == "aud":
        await ask(update, context, await service.answer(user.id, Step.AUDIENCE, press.args[0]))
    elif press.action in {"kinds", "topics"} and draft.step is Step.AUDIENCE:
        choices = (
            [
                (k.title.get(t.language), f"kind-{k.code}")
                for k in context.services.strategy.ambassador_kinds
            ]
            if press.action == "kinds"
            else [
                (topic.title.get(t.language), f"topic-{topic.code}")
                for topic in context.services.strategy.topics
            ]
        )
        rows = grid(
            [
                InlineKeyboardButton(label, callback_data=COMPOSE.data("aud", value))
                for label, value in choices
            ]
        )
        rows.append([_button(t, "bold.cancel", COMPOSE.data("cancel"))])
        await show(update, t("compose.ask.audience"), InlineKeyboardMarkup(rows))
    elif press.action == "ek":
        await ask(update, context, await service.answer(user.id, Step.EVENT_KIND, press.args[0]))
    elif press.action in {"skip", "keep"} and press.args[0] == draft.step.value:
        await ask(update, context, await service.answer(user.id, draft.step, None))
    else:
        await refuse_stale(update, context)
