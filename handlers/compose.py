"""Writing a broadcast, a newsletter, an event or a call: the questions (each kind asks its
own), the audience, a preview exactly as the recipients will see it, and how many will get it.
Sending is handlers/broadcast.py's and handlers/events.py's."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from html import escape
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode

from bot.context import BoldenContext
from bot.i18n import Translator
from bot.services import Services
from bot.services.conversations import ConversationKind
from bot.services.delivery import ALL, AMBASSADORS, Recipient
from bot.services.events import publish_limit, values_from
from bot.services.newsletters import (
    BODY_MAX,
    CAPTION_MAX,
    SKIPPABLE,
    TITLE_MAX,
    Door,
    Draft,
    Drafted,
    Kind,
    Problem,
    Step,
    Text,
)
from handlers.callbacks import CallbackCodec
from handlers.conversation import named_draft_button, stop_button
from handlers.event_views import invitation_text
from handlers.menu import refuse_stale, show
from handlers.paging import grid
from storage.conversations import StoredConversation

# Every button names the draft it belongs to: a newsletter and an event can be open at once.
COMPOSE = CallbackCodec(
    "cmp", drafts=list(Kind), aud=1, kinds=0, topics=0, skip=1, keep=1, send=0, later=0,
    keeptime=0, ek=1, door=1, audback=0,
)  # fmt: skip
NEWS = CallbackCodec(
    "news", off=0, on=0, manage=0, new=0, edit=1, drop=1, dropyes=1, list=1, read=1
)
_TEXT_STEPS = {Step.MESSAGE, Step.TITLE, Step.BODY}
_TYPED_STEPS = {Step.START, Step.END, Step.DEADLINE, Step.CAPACITY}  # answered as plain text
CHOICES = frozenset({Step.EVENT_KIND, Step.CHECKIN, Step.AUDIENCE})  # answered with a button
_KEEP = {*_TEXT_STEPS, *_TYPED_STEPS, Step.PLACE}  # what "keep as it was" is offered for
_CHOICES = {"aud": Step.AUDIENCE, "ek": Step.EVENT_KIND, "door": Step.CHECKIN}  # answer buttons
_LIMITS = {
    Step.MESSAGE: BODY_MAX,
    Step.TITLE: TITLE_MAX,
    Step.BODY: BODY_MAX,
    Step.PHOTO: CAPTION_MAX,
}


def _button(t: Translator, key: str, data: str, **values: object) -> InlineKeyboardButton:
    return InlineKeyboardButton(t.plain(key, **values), callback_data=data)


def draft_data(kind: Kind, action: str, *args: str) -> str:
    """A button of the draft of `kind`."""
    return COMPOSE.data(action, *args, draft=kind)


def stop_row(t: Translator, kind: Kind) -> list[InlineKeyboardButton]:
    return [stop_button(t, ConversationKind(kind))]


def _everyone(draft_kind: Kind) -> str:
    """A broadcast goes to everyone who wrote; the others only to those who consented."""
    return "compose.audience.all" if draft_kind is Kind.BROADCAST else "compose.audience.consented"


def audience_name(services: Services, t: Translator, audience: str, draft_kind: Kind) -> str:
    kind, _, code = audience.partition("-")
    if audience == ALL:
        return t.plain(_everyone(draft_kind))
    if audience == AMBASSADORS:
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


def asked(t: Translator, kind: Kind, step: Step) -> str:
    """A step's question as the kind being written asks it: each kind names itself."""
    key = f"compose.ask.{kind.value}.{step.value}"
    limit = _LIMITS.get(step)
    return t(key) if limit is None else t.count(key, limit)


def question(
    context: BoldenContext, draft: Draft, count: int = 0
) -> tuple[str, InlineKeyboardMarkup]:
    t, step, a, kind = context.t, draft.step, draft.answers, draft.kind
    rows: list[list[InlineKeyboardButton]] = []
    if step is not Step.PREVIEW:
        text = asked(t, kind, step)
    if step is Step.EVENT_KIND:
        rows += grid(
            [
                InlineKeyboardButton(
                    k.title.get(t.language), callback_data=draft_data(kind, "ek", k.code)
                )
                for k in context.services.strategy.event_kinds
            ]
        )
    elif step is Step.CHECKIN:
        chosen = Door.OPEN if a.get("checkin_open") else Door.INVITED
        rows += [
            [
                InlineKeyboardButton(
                    ("✓ " if door is chosen else "") + t.plain(f"compose.door.{door.value}"),
                    callback_data=draft_data(kind, "door", door.value),
                )
                for door in Door
            ]
        ]
    elif step is Step.AUDIENCE:
        rows += [
            [_button(t, _everyone(draft.kind), draft_data(kind, "aud", ALL))],
            [_button(t, "compose.audience.amb", draft_data(kind, "aud", AMBASSADORS))],
            [
                _button(t, "compose.by_kind", draft_data(kind, "kinds")),
                _button(t, "compose.by_topic", draft_data(kind, "topics")),
            ],
        ]
    elif step is Step.PREVIEW:
        text, rows = _preview(context, draft, count)
    if step in _KEEP and a.get("editing"):
        rows.append([_button(t, "compose.keep", draft_data(kind, "keep", step.value))])
    if step in SKIPPABLE or (step is Step.CAPACITY and kind is Kind.EVENT):
        rows.append(
            [_button(t, f"compose.skip.{step.value}", draft_data(kind, "skip", step.value))]
        )
    rows.append(stop_row(t, kind))
    return text, InlineKeyboardMarkup(rows)


def _preview(
    context: BoldenContext, draft: Draft, count: int
) -> tuple[str, list[list[InlineKeyboardButton]]]:
    """What the preview says it does, and its buttons: a change of an event is saved and told
    to those coming; nothing goes to an audience of nobody (choose another instead)."""
    t, kind, a = context.t, draft.kind, draft.answers
    audience = audience_name(context.services, t, a["audience"], kind)
    if changes_event(draft):
        if a.get("publish_at"):
            text = t(
                "compose.preview.change_scheduled",
                when=t.moment(datetime.fromisoformat(a["publish_at"])),
            )
        elif count:
            text = t.count("compose.preview.change", count)
        else:
            text = t("compose.preview.change_none")
        return text, [[_button(t, "compose.save_change", draft_data(kind, "send"))]]
    if not count:
        back = _button(t, "compose.other_audience", draft_data(kind, "audback"))
        return t("compose.preview.nobody", audience=audience), [[back]]
    text = t.count(f"compose.preview.{kind.value}", count, audience=audience)
    send = _button(t, f"compose.send.{kind.value}", draft_data(kind, "send"))
    if kind is Kind.BROADCAST:
        return text, [[send]]
    return text, [[send, _button(t, "compose.later", draft_data(kind, "later"))]]


def changes_event(draft: Draft) -> bool:
    """A draft that changes an existing event or call (not one that writes a new one)."""
    return draft.kind in {Kind.EVENT, Kind.CALL} and bool(draft.answers.get("editing"))


def time_question(context: BoldenContext, draft: Draft) -> tuple[str, InlineKeyboardMarkup]:
    """After Schedule at the preview: when it should go out (or keep the time it had), with an
    example that fits: the next morning, or (an event, a call) a while before it starts."""
    t, now = context.t, context.services.clock()
    rows = []
    if draft.answers.get("send_at"):
        rows.append([_button(t, "compose.keep_time", draft_data(draft.kind, "keeptime"))])
    rows.append(stop_row(t, draft.kind))
    if draft.kind in {Kind.EVENT, Kind.CALL}:
        limit = publish_limit(draft.answers)
        spans = (timedelta(days=7), timedelta(days=1), timedelta(hours=1))
        example = next((limit - span for span in spans if limit - span > now), limit)
        key = f"compose.ask_time.{draft.kind.value}"
    else:
        tomorrow = now.astimezone(t.zone) + timedelta(days=1)
        example = tomorrow.replace(hour=8, minute=0, second=0, microsecond=0)
        key = "compose.ask_time"
    typed = example.astimezone(t.zone).strftime("%d.%m.%Y %H:%M")
    return t(key, example=typed), InlineKeyboardMarkup(rows)


async def reach(services: Services, draft: Draft) -> int:
    """How many the preview's button reaches: the recipients, or (a change of an event) those
    coming, who are told of it."""
    if changes_event(draft):
        return len(await services.events.coming(int(draft.answers["editing"])))
    return await audience_size(services, draft.kind, draft.answers["audience"])


async def ask_again(update: Update, context: BoldenContext, stored: StoredConversation) -> None:
    """Continue: the draft's current question, as it was last asked."""
    draft = Draft(kind=Kind(stored.name), step=Step(stored.step), answers=stored.answers)
    if draft.step is Step.PREVIEW and draft.answers.get("asking_time"):
        await show(update, *time_question(context, draft))
        return
    await ask(update, context, Drafted(draft=draft))


async def recipients(
    services: Services, kind: Kind, audience: str
) -> tuple[list[Recipient], list[Recipient]]:
    """Who gets it in the chat, and (a newsletter) who gets it by e-mail."""
    chat = await services.delivery.recipients(audience, kind.reach)
    mail = (
        await services.delivery.email_recipients(audience)
        if kind is Kind.NEWSLETTER and services.settings.smtp_host
        else []
    )
    return chat, mail


async def audience_size(services: Services, kind: Kind, audience: str) -> int:
    chat, mail = await recipients(services, kind, audience)
    return len(chat) + len(mail)


async def ask(update: Update, context: BoldenContext, result: Drafted, note: str = "") -> None:
    """The next question, or the same with what was wrong (and `note` above it); at the
    preview, the message itself first, as the recipients will see it."""
    if result.draft is None or result.problem is Problem.NOT_NOW:
        if update.callback_query:
            await refuse_stale(update, context)
        return
    draft = result.draft
    count = 0
    if draft.step is Step.PREVIEW:
        count = await reach(context.services, draft)
        await _send_preview(update, context, draft)
    text, keyboard = question(context, draft, count)
    if result.problem:
        limit = CAPTION_MAX if result.problem is Problem.TOO_LONG_FOR_PHOTO else BODY_MAX
        text = context.t.counted(f"compose.problem.{result.problem.value}", limit) + "\n\n" + text
    if note:
        text = note + "\n\n" + text
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
    service, step, kind = context.services.newsletters, Step(stored.step), Kind(stored.name)
    if step in _TYPED_STEPS and message.text:
        await ask(update, context, await service.answer(user.id, kind, step, message.text))
        return
    if step is Step.PLACE and message.location:
        where = (message.location.latitude, message.location.longitude)
        await ask(update, context, await service.answer(user.id, kind, step, where))
        return
    value = _typed_text(message)
    if step is Step.PHOTO and value is not None and value.photo is None:
        value = None  # text where a photo was asked for: not an answer
    if value is None or step not in {*_TEXT_STEPS, Step.PHOTO, Step.PLACE}:
        draft = await service.draft(user.id, kind)
        assert draft is not None
        text, keyboard = question(context, draft)
        await message.reply_html(
            context.t("compose.expected") + "\n\n" + text, reply_markup=keyboard
        )
        return
    answer: Text | str = value.plain if step is Step.TITLE else value  # a title is plain text
    await ask(update, context, await service.answer(user.id, kind, step, answer))


def with_time(
    on_time: Callable[[Update, BoldenContext, Kind, datetime], Awaitable[None]],
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
                kind = Kind(stored.name)
                draft = Draft(kind=kind, step=Step(stored.step), answers=stored.answers)
                text, keyboard = time_question(context, draft)
                problem_text = context.t(f"compose.problem.{problem}")
                await message.reply_html(problem_text + "\n\n" + text, reply_markup=keyboard)
                return
            await on_time(update, context, Kind(stored.name), when)
            return
        await typed(update, context, stored)

    return typed_or_time


@named_draft_button(COMPOSE)
async def pressed(update: Update, context: BoldenContext) -> None:
    """The buttons of writing: the choices (audience, event kind, check-in), skip, keep. Send
    and later are broadcast's and events'."""
    query, user = update.callback_query, update.effective_user
    assert query is not None
    assert user is not None
    press = COMPOSE.parse(query.data)
    assert press is not None, "named_draft_button let only a press for a draft through"
    service, t, kind = context.services.newsletters, context.t, Kind(str(press.draft))
    draft = await service.draft(user.id, kind)
    if draft is None:
        await refuse_stale(update, context)
    elif press.action in {"kinds", "topics"} and draft.step is Step.AUDIENCE:
        pickable = await _audiences(context, kind, press.action)
        await show(update, asked(t, kind, Step.AUDIENCE), pickable)
    elif press.action == "audback" and draft.step in {Step.AUDIENCE, Step.PREVIEW}:
        await ask(update, context, await service.back_to_audience(user.id, kind))
    elif press.action in _CHOICES:
        step = _CHOICES[press.action]
        await ask(update, context, await service.answer(user.id, kind, step, press.args[0]))
    elif press.action == "skip" and press.args[0] == draft.step.value:
        await ask(update, context, await service.skip(user.id, kind, draft.step))
    elif press.action == "keep" and press.args[0] == draft.step.value:
        await ask(update, context, await service.answer(user.id, kind, draft.step, None))
    else:
        await refuse_stale(update, context)


async def _audiences(context: BoldenContext, kind: Kind, by: str) -> InlineKeyboardMarkup:
    """The audiences by ambassador kind, or by theme, each with how many it reaches; Back to
    the main choice."""
    t, services = context.t, context.services
    strategy = services.strategy
    choices = (
        [(k.title.get(t.language), f"kind-{k.code}") for k in strategy.ambassador_kinds]
        if by == "kinds"
        else [(topic.title.get(t.language), f"topic-{topic.code}") for topic in strategy.topics]
    )
    buttons = []
    for label, value in choices:
        count = await audience_size(services, kind, value)
        text = t.plain_count("compose.audience.counted", count, name=label)
        buttons.append(InlineKeyboardButton(text, callback_data=draft_data(kind, "aud", value)))
    rows = grid(buttons)
    rows.append([_button(t, "compose.audience.back", draft_data(kind, "audback"))])
    rows.append(stop_row(t, kind))
    return InlineKeyboardMarkup(rows)
