"""What a person types, sends or shares in the private chat goes to the conversation they are
in (signing up, writing a bold, an answer, a newsletter...); /cancel and the stop buttons end
it. Every kind of conversation has its handler here, and the role it needs is checked again
before every step, typed or pressed: a role lost halfway ends the draft.

A person may have one conversation of each kind open. When one ends (finished, stopped or
dropped) and an older one still waits, they are told which, with a button to continue it (its
current question again) and one to delete it, so that nothing is lost or forgotten unseen.
Every conversation starts through `starts`: one of a kind already begun, with something
answered in it, is not replaced without asking whether to continue it or start over.

Stop (and /cancel) with something answered keeps the draft hidden for a while, with Undo under
"stopped": one tap next to Back must not throw away what was typed. Text sent where a button is
needed (a question that waits for a button, or a step of a conversation that is a choice) gets
"use the buttons" and the question again; the draft and its buttons stay as they were. A
message edited during a conversation is answered with how to change an answer."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from functools import wraps

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType, ParseMode
from telegram.ext import BaseHandler, CallbackQueryHandler, MessageHandler, filters

from bot.context import BoldenContext
from bot.i18n import Translator
from bot.services.conversations import NEEDS, ConversationKind, Needs
from handlers.callbacks import CallbackCodec
from handlers.menu import main_menu, refuse_stale, show
from handlers.roles import Handler
from storage.conversations import StoredConversation

# What the person typed, for the conversation; or, for Continue, show its current question.
Typed = Callable[[Update, BoldenContext, StoredConversation], Awaitable[None]]

FRESH = "new"  # what a start is asked for when it is not a particular thing to change
# restart carries the draft's `touched` as it was when asked, and what was asked for.
# undo carries the stopped draft's `touched`.
CONV = CallbackCodec(
    "conv", drafts=list(ConversationKind), resume=0, drop=0, stop=0, restart=2, undo=1
)
# The text for an action on a bold is one question about one bold: Answer pressed on another
# bold simply switches it to that bold, except while a written text waits at its preview (the
# service refuses the switch, and the preview is shown again), so it has no start to ask about
# or to start over.
PROMPTS = frozenset({ConversationKind.NOTE})
# Whatever is sent (a sticker or a file too) reaches the conversation, which answers it in a
# way that fits its step: nothing drops a person out of a draft they are writing.
_INPUT = (
    filters.UpdateType.MESSAGE
    & filters.ChatType.PRIVATE
    & ~filters.COMMAND
    & ~filters.StatusUpdate.ALL
)
_EDITED = filters.UpdateType.EDITED_MESSAGE & filters.ChatType.PRIVATE


@dataclass(frozen=True)
class Start:
    """What a start was asked for: `argument` names it (a newsletter or event to change, a
    profile field) or is FRESH; `note` goes above the first question."""

    argument: str = FRESH
    note: str = ""

    def above(self, text: str) -> str:
        return f"{self.note}\n\n{text}" if self.note else text


Starter = Callable[[Update, BoldenContext, Start], Awaitable[None]]


def _complete(
    routes: Mapping[ConversationKind, object], what: str, but: frozenset[ConversationKind] = PROMPTS
) -> None:
    missing = sorted(set(ConversationKind) - set(routes) - but)
    if missing:
        raise RuntimeError(f"conversation kinds without {what}: {', '.join(missing)}")


def handler(
    routes: Mapping[ConversationKind, Typed],
    otherwise: Callable[[Update, BoldenContext], Awaitable[None]],
    ask_again: Mapping[ConversationKind, Typed],
    choices: Mapping[ConversationKind, frozenset[str]],
) -> list[BaseHandler[Update, BoldenContext, None]]:
    """The handlers of what people send: one for every conversation, by its kind; `otherwise`
    gets what someone sends outside any conversation. At a step named in `choices` (a step
    answered with a button) what is sent is not an answer: the step's question comes again
    (`ask_again`). A kind without a handler stops start-up. Edited messages get their answer
    too."""
    _complete(routes, "a handler", but=frozenset())

    async def received(update: Update, context: BoldenContext) -> None:
        user, message = update.effective_user, update.effective_message
        assert user is not None
        assert message is not None
        asking = await context.services.conversations.asking(user.id)
        if asking is not None:
            keyboard = InlineKeyboardMarkup.de_json(asking.buttons, context.bot)
            await message.reply_html(
                context.t("conv.use_buttons") + "\n\n" + asking.text, reply_markup=keyboard
            )
            return
        stored = await context.services.conversations.current(user.id)
        if stored is None:
            await otherwise(update, context)
            return
        kind = ConversationKind(stored.name)
        if not await may_continue(update, context, kind):
            await _offer_if_ended(update, context, kind)
        elif stored.step in choices.get(kind, frozenset()):
            await message.reply_html(context.t("conv.use_buttons"))
            await ask_again[kind](update, context, stored)
        else:
            await routes[kind](update, context, stored)
            await _offer_if_ended(update, context, kind)

    async def edited(update: Update, context: BoldenContext) -> None:
        """A message changed in Telegram: the change is not taken as an answer (it may answer a
        step long past). In a conversation the person is told how to change an answer, with
        the current question again; outside one a correction needs no reply."""
        user, message = update.effective_user, update.effective_message
        assert user is not None
        assert message is not None
        stored = await context.services.conversations.current(user.id)
        if stored is None:
            return
        kind = ConversationKind(stored.name)
        if await may_continue(update, context, kind):
            await message.reply_html(context.t("conv.edited"))
            await ask_again[kind](update, context, stored)
        else:
            await _offer_if_ended(update, context, kind)

    return [MessageHandler(_INPUT, received), MessageHandler(_EDITED, edited)]


async def ask(
    update: Update, context: BoldenContext, text: str, keyboard: InlineKeyboardMarkup
) -> None:
    """Show a question that is answered only with its buttons: what the person types or sends
    meanwhile gets "use the buttons" and this question again, and changes nothing."""
    await show(update, text, keyboard)
    await _remember(update, context, text, keyboard)


async def _remember(
    update: Update, context: BoldenContext, text: str, keyboard: InlineKeyboardMarkup
) -> None:
    """The question that waits for a button, kept in the database (never in the process: any
    of several processes may take what the person types next, and a restart forgets nothing).
    Only one in the private chat: what is typed elsewhere is no answer to it."""
    user, chat = update.effective_user, update.effective_chat
    if user is not None and chat is not None and chat.type == ChatType.PRIVATE:
        await context.services.conversations.ask(user.id, text, keyboard.to_dict())


async def _moved_on(update: Update, context: BoldenContext) -> None:
    """A press or a command: the question that waited for a button is behind the person."""
    user = update.effective_user
    if user is not None:
        await context.services.conversations.moved_on(user.id)


# Run before every feature (a group of their own): the handler that then takes the press or
# command may ask a new question.
MOVED_ON: list[BaseHandler[Update, BoldenContext, None]] = [
    CallbackQueryHandler(_moved_on),
    MessageHandler(filters.COMMAND, _moved_on),
]


def buttons(
    ask_again: Mapping[ConversationKind, Typed], starters: Mapping[ConversationKind, Starter]
) -> BaseHandler[Update, BoldenContext, None]:
    """Continue, Delete the draft, Stop and Start over, for every kind; `ask_again` shows a
    conversation's current question, `starters` start one (each wrapped in `starts`). A kind
    without them stops start-up."""
    _complete(ask_again, "a way to ask again", but=frozenset())
    _complete(starters, "a start")

    async def pressed(update: Update, context: BoldenContext) -> None:
        query, user = update.callback_query, update.effective_user
        assert query is not None
        assert user is not None
        press = CONV.parse(query.data)
        if press is None or press.draft is None:
            await refuse_stale(update, context)
            return
        kind, conversations = ConversationKind(press.draft), context.services.conversations
        if press.action == "resume":
            if await conversations.current(user.id, kind) is None:
                await refuse_stale(update, context)
            elif await may_continue(update, context, kind):
                resumed = await conversations.resume(user.id, kind)
                await (
                    ask_again[kind](update, context, resumed)
                    if resumed
                    else refuse_stale(update, context)
                )
            else:
                await _offer_if_ended(update, context, kind)
        elif press.action == "restart":
            await _restart(update, context, kind, press.args, starters)
        elif press.action == "undo":
            await _undo(update, context, kind, press.args[0], ask_again)
        elif press.action == "stop":
            await _stop(update, context, kind)
        elif not await conversations.cancel(user.id, kind):
            await refuse_stale(update, context)  # already finished, stopped or expired
        else:
            what = context.t.plain(f"conv.kind.{kind.value}")
            await _show_with_waiting(update, context, context.t("conv.dropped", what=what))

    return CallbackQueryHandler(pressed, pattern=CONV.pattern())


async def _stop(update: Update, context: BoldenContext, kind: ConversationKind) -> None:
    """Stop (the button or /cancel): what was stopped, and when something was answered in
    it, Undo that brings it back exactly as it stood."""
    user = update.effective_user
    assert user is not None
    stopped = await context.services.conversations.stop(user.id, kind)
    if stopped is None:
        await refuse_stale(update, context)  # already finished, stopped or expired
        return
    text = context.t(f"conv.stopped.{kind.value}")
    if not stopped.answered:
        await _show_with_waiting(update, context, text)
        return
    undo = InlineKeyboardButton(
        context.t.plain("conv.undo"),
        callback_data=CONV.data("undo", stopped.touched, draft=kind),
    )
    await _show_with_waiting(update, context, text + "\n\n" + context.t("conv.undo_hint"), undo)


async def _undo(
    update: Update,
    context: BoldenContext,
    kind: ConversationKind,
    touched: str,
    ask_again: Mapping[ConversationKind, Typed],
) -> None:
    """Undo under "stopped": the draft is back as it stood, at its current question."""
    user = update.effective_user
    assert user is not None
    restored = (
        await context.services.conversations.undo(user.id, kind, int(touched))
        if touched.isdigit()
        else None
    )
    if restored is None:
        await refuse_stale(update, context)  # expired, or a new one of its kind took its place
    elif await may_continue(update, context, kind):
        await ask_again[kind](update, context, restored)
    else:
        await _offer_if_ended(update, context, kind)


async def _restart(
    update: Update,
    context: BoldenContext,
    kind: ConversationKind,
    args: tuple[str, ...],
    starters: Mapping[ConversationKind, Starter],
) -> None:
    """Start over: the draft goes, as it stood when the person was asked (one that moved on
    since is kept and the press is stale), and what was asked for starts."""
    user = update.effective_user
    assert user is not None
    touched, argument = args
    if kind in PROMPTS or not touched.isdigit():
        await refuse_stale(update, context)
    elif not await may_continue(update, context, kind):
        await _offer_if_ended(update, context, kind)
    elif not await context.services.conversations.drop_unchanged(user.id, kind, int(touched)):
        await refuse_stale(update, context)
    else:
        note = context.t("conv.restarted", what=context.t.plain(f"conv.kind.{kind.value}"))
        await starters[kind](update, context, Start(argument, note))


def starts(kind: ConversationKind) -> Callable[[Starter], Starter]:
    """For what starts a conversation of `kind`, every place it can start from. When one of
    that kind is already under way with something answered in it, the person is asked instead
    whether to continue it (its current question again) or start over (it is deleted and the
    new one starts); one still at its first, empty question is simply replaced. (PROMPTS are
    never answered in between, and start directly.)"""

    def guarding(begin: Starter) -> Starter:
        @wraps(begin)
        async def guarded(update: Update, context: BoldenContext, start: Start) -> None:
            user = update.effective_user
            assert user is not None
            stored = await context.services.conversations.current(user.id, kind)
            if stored is None or not stored.answered:
                await begin(update, context, start)
                return
            await ask(update, context, *_already(context.t, kind, stored.touched, start.argument))

        return guarded

    return guarding


def _already(
    t: Translator, kind: ConversationKind, touched: int, argument: str
) -> tuple[str, InlineKeyboardMarkup]:
    restart = CONV.data("restart", touched, argument, draft=kind)
    row = [
        InlineKeyboardButton(t.plain("conv.resume"), callback_data=CONV.data("resume", draft=kind)),
        InlineKeyboardButton(t.plain("conv.restart"), callback_data=restart),
    ]
    text = t("conv.already", what=t.plain(f"conv.kind.{kind.value}"))
    return text, InlineKeyboardMarkup([row])


def stop_button(t: Translator, kind: ConversationKind) -> InlineKeyboardButton:
    """Stop under a conversation's question: it ends that conversation, whatever came since."""
    return InlineKeyboardButton(t.plain("conv.stop"), callback_data=CONV.data("stop", draft=kind))


async def may_continue(update: Update, context: BoldenContext, kind: ConversationKind) -> bool:
    """The role the conversation needs, checked again at each step: someone who lost it (a
    coordinator removed halfway) is told so and the draft is dropped, nothing is sent."""
    user = update.effective_user
    assert user is not None
    if NEEDS[kind] is Needs.ANYONE or await context.services.coordinators.is_coordinator(user.id):
        return True
    await context.services.conversations.cancel(user.id, kind)
    what = context.t.plain(f"conv.kind.{kind.value}")
    if update.callback_query:
        text = context.t.plain("conv.role_lost", what=what)
        await update.callback_query.answer(text, show_alert=True)
    elif update.effective_message:
        await update.effective_message.reply_html(context.t("conv.role_lost", what=what))
    return False


def draft_button(*kinds: ConversationKind) -> Callable[[Handler], Handler]:
    """For the buttons of a draft of these kinds (the person's latest of them): it must still
    be theirs to continue, checked exactly as a typed step is."""

    def checked_by_kind(pressed: Handler) -> Handler:
        @wraps(pressed)
        async def checked(update: Update, context: BoldenContext) -> None:
            user = update.effective_user
            assert user is not None
            stored = await context.services.conversations.current(user.id, *kinds)
            await _guarded(update, context, stored, pressed)

        return checked

    return checked_by_kind


def named_draft_button(codec: CallbackCodec) -> Callable[[Handler], Handler]:
    """For buttons that name their draft (`codec` has drafts): the press acts on that draft,
    which must still exist and be theirs to continue; otherwise nothing changes."""

    def checked_by_name(pressed: Handler) -> Handler:
        @wraps(pressed)
        async def checked(update: Update, context: BoldenContext) -> None:
            user, query = update.effective_user, update.callback_query
            assert user is not None
            assert query is not None
            press = codec.parse(query.data)
            stored = None
            if press is not None and press.draft is not None:
                kind = ConversationKind(press.draft)
                stored = await context.services.conversations.current(user.id, kind)
            if stored is None:
                await refuse_stale(update, context)
                return
            await _guarded(update, context, stored, pressed)

        return checked

    return checked_by_name


async def _guarded(
    update: Update, context: BoldenContext, stored: StoredConversation | None, pressed: Handler
) -> None:
    if stored is None:
        await pressed(update, context)
        return
    kind = ConversationKind(stored.name)
    if await may_continue(update, context, kind):
        await pressed(update, context)
    await _offer_if_ended(update, context, kind)


async def cancel(update: Update, context: BoldenContext) -> None:
    """/cancel: stop the current conversation only, exactly as its Stop button does."""
    user = update.effective_user
    assert user is not None
    stored = await context.services.conversations.current(user.id)
    if stored is None:
        await show(update, context.t("amb.nothing_to_cancel"), main_menu(context.t))
        return
    await _stop(update, context, ConversationKind(stored.name))


async def _waiting(context: BoldenContext, user_id: int) -> tuple[str, InlineKeyboardMarkup] | None:
    """The draft that waits (the latest one left), with Continue and Delete the draft."""
    stored = await context.services.conversations.current(user_id)
    if stored is None:
        return None
    t, kind = context.t, ConversationKind(stored.name)
    text = t("conv.waiting", what=t.plain(f"conv.kind.{kind.value}"))
    row = [
        InlineKeyboardButton(t.plain("conv.resume"), callback_data=CONV.data("resume", draft=kind)),
        InlineKeyboardButton(t.plain("conv.drop"), callback_data=CONV.data("drop", draft=kind)),
    ]
    return text, InlineKeyboardMarkup([row])


async def _show_with_waiting(
    update: Update, context: BoldenContext, text: str, undo: InlineKeyboardButton | None = None
) -> None:
    """What ended (with its Undo, when given), and the draft that waits, if one does (else
    the menu), in one message."""
    user = update.effective_user
    assert user is not None
    first = [[undo]] if undo else []
    waiting = await _waiting(context, user.id)
    if waiting is None:
        menu = main_menu(context.t)
        await show(update, text, InlineKeyboardMarkup([*first, *menu.inline_keyboard]))
        return
    keyboard = InlineKeyboardMarkup([*first, *waiting[1].inline_keyboard])
    await ask(update, context, text + "\n\n" + waiting[0], keyboard)


async def _offer_if_ended(update: Update, context: BoldenContext, kind: ConversationKind) -> None:
    """Right below the reply that ended a conversation of `kind`: the draft that waits."""
    user, chat = update.effective_user, update.effective_chat
    assert user is not None
    if chat is None or chat.type != ChatType.PRIVATE:
        return
    if await context.services.conversations.current(user.id, kind) is not None:
        return
    waiting = await _waiting(context, user.id)
    if waiting is not None:
        text, keyboard = waiting
        await context.bot.send_message(
            chat.id, text, parse_mode=ParseMode.HTML, reply_markup=keyboard
        )
        await _remember(update, context, text, keyboard)
