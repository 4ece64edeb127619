"""/ambassador, /me, /leave, /cancel and /certificate: becoming and being an ambassador."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update, User
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import BoldenContext
from bot.services.ambassadors import (
    LIMITS,
    SKIPPABLE,
    TEXT_STEPS,
    Conversation,
    Left,
    Mode,
    Stayed,
    Step,
)
from bot.services.conversations import ConversationKind
from bot.services.delivery import OutboxItem
from handlers.callbacks import CallbackCodec
from handlers.certificate import send_certificate
from handlers.commands import register_chat_commands
from handlers.conversation import Start, cancel, named_draft_button, starts, stop_button
from handlers.menu import MENU, home_button, main_menu, refuse_stale, show
from handlers.paging import grid
from handlers.progress import translator_of
from handlers.roles import ambassador_or_refuse, not_an_ambassador
from handlers.sending import message
from handlers.start import joined_notice
from handlers.themes import THEMES, themes_page
from storage.ambassadors import Ambassador
from storage.conversations import StoredConversation

AMB = CallbackCodec(
    "amb", start=0, edit=1, mynews=1, chatnews=1, listed=1, leave=0, leaveyes=0, cert=0, stay=1
)
# The questions' buttons name their conversation: a sign-up and a profile edit can be open at
# once, and a press acts on the one it was shown with.
ASK = CallbackCodec(
    "ambq", drafts=list(Mode), kind=1, tgname=0, keep=1, skip=1, back=1, listed=1, consent=1
)
_PROFILE_BUTTONS = (
    (Step.NAME, "me.edit_name"),
    (Step.KIND, "me.edit_kind"),
    (Step.ORGANISATION, "me.edit_organisation"),
    (Step.DESCRIPTION, "me.edit_description"),
    (Step.WEBSITE, "me.edit_website"),
    (Step.EMAIL, "me.edit_email"),
)


def _telegram_name(user: User) -> str:
    return user.full_name[:64]


def _button(
    context: BoldenContext, key: str, action: str, *args: str | int
) -> InlineKeyboardButton:
    return InlineKeyboardButton(context.t.plain(key), callback_data=AMB.data(action, *args))


# -- the questions ------------------------------------------------------------------------------


def question(
    context: BoldenContext, conversation: Conversation, user: User
) -> tuple[str, InlineKeyboardMarkup]:
    """The text and buttons that ask the conversation's current question."""
    t, step, language, mode = context.t, conversation.step, context.language, conversation.mode

    def button(key: str, action: str, *args: str | int) -> InlineKeyboardButton:
        return InlineKeyboardButton(t.plain(key), callback_data=ASK.data(action, *args, draft=mode))

    current = conversation.answers.get(step.value)
    rows: list[list[InlineKeyboardButton]] = []
    if step is Step.CONSENT:
        # The summary says what was answered about the public list: it is part of the yes.
        listed = conversation.answers.get(Step.LISTED.value)
        listing = t.plain("amb.consent_listed" if listed else "amb.consent_unlisted")
        text = t("amb.ask.consent", listing=listing)
    else:
        text = t(f"amb.ask.{step.value}")
    if step is Step.KIND:
        kinds = [
            InlineKeyboardButton(
                kind.title.get(language), callback_data=ASK.data("kind", kind.code, draft=mode)
            )
            for kind in context.services.strategy.ambassador_kinds
        ]
        rows += grid(kinds)
    elif step is Step.NAME and current != _telegram_name(user):
        # The name they already have is offered once, as "keep it", below.
        rows.append(
            [
                InlineKeyboardButton(
                    f"✅ {_telegram_name(user)}", callback_data=ASK.data("tgname", draft=mode)
                )
            ]
        )
    elif step is Step.LISTED:
        rows.append([button("amb.listed_yes", "listed", 1), button("amb.listed_no", "listed", 0)])
    elif step is Step.CONSENT:
        rows.append(
            [button("amb.consent_yes", "consent", 1), button("amb.consent_no", "consent", 0)]
        )
    if step in TEXT_STEPS and current:
        text += "\n\n" + t("amb.current", value=current)
        rows.append([button("amb.keep", "keep", step.value)])
    if step in SKIPPABLE:
        skip = "amb.no_thanks" if step is Step.EMAIL else "amb.skip"
        rows.append([button(skip, "skip", step.value)])
    last_row = [stop_button(t, ConversationKind(mode))]
    if mode is Mode.SIGNUP and step is not Step.KIND:
        last_row.insert(0, button("amb.back", "back", step.value))
    rows.append(last_row)
    return text, InlineKeyboardMarkup(rows)


async def ask(update: Update, context: BoldenContext, conversation: Conversation) -> None:
    user = update.effective_user
    assert user is not None
    text, keyboard = question(context, conversation, user)
    await show(update, text, keyboard)


async def begin(update: Update, context: BoldenContext) -> None:
    """/ambassador and the menu button: the sign-up, or the profile for those who are."""
    user = update.effective_user
    assert user is not None
    if update.callback_query and await context.services.ambassadors.profile(user.id):
        await profile(update, context)
        return
    await start_signup(update, context, Start())


@starts(ConversationKind.SIGNUP)
async def start_signup(update: Update, context: BoldenContext, start: Start) -> None:
    """The sign-up from its first question (an ambassador's own answers filled in)."""
    user = update.effective_user
    assert user is not None
    conversation = await context.services.ambassadors.start_signup(user.id)
    text, keyboard = question(context, conversation, user)
    await show(update, start.above(context.t("amb.intro") + "\n\n" + text), keyboard)


@starts(ConversationKind.EDIT)
async def start_edit(update: Update, context: BoldenContext, start: Start) -> None:
    """Changing the profile field named by the start (only from the profile's buttons)."""
    user = update.effective_user
    assert user is not None
    field = start.argument
    service = context.services.ambassadors
    edit = await service.start_edit(user.id, Step(field)) if field in set(Step) else None
    if edit is None:
        await refuse_stale(update, context)
        return
    text, keyboard = question(context, edit, user)
    await show(update, start.above(text), keyboard)


async def typed(update: Update, context: BoldenContext, stored: StoredConversation) -> None:
    """A typed answer to the current question of the sign-up or of an edit."""
    user, message = update.effective_user, update.effective_message
    assert user is not None
    assert message is not None
    conversation = Conversation(
        mode=Mode(stored.name), step=Step(stored.step), answers=stored.answers
    )
    if not message.text:  # a step answered with a button never gets here (CHOICES)
        await message.reply_html(context.t("common.type_it"))
        await ask(update, context, conversation)
        return
    await _answered(update, context, conversation.mode, message.text)


async def ask_again(update: Update, context: BoldenContext, stored: StoredConversation) -> None:
    """Continue: the sign-up's or the edit's current question."""
    conversation = Conversation(
        mode=Mode(stored.name), step=Step(stored.step), answers=stored.answers
    )
    await ask(update, context, conversation)


@named_draft_button(ASK)
async def pressed(update: Update, context: BoldenContext) -> None:
    """Every button of the sign-up or edit it was shown with; a press that belongs to another
    question is stale."""
    query, user = update.callback_query, update.effective_user
    assert query is not None
    assert user is not None
    press = ASK.parse(query.data)
    assert press is not None, "named_draft_button let only a press for a draft through"
    mode = Mode(str(press.draft))
    conversation = await context.services.ambassadors.conversation(user.id, mode)
    if conversation is None:
        await refuse_stale(update, context)
        return
    step, args = conversation.step, press.args
    if press.action == "back" and args[0] == step.value:
        back = await context.services.ambassadors.back(user.id, mode)
        assert back is not None
        await ask(update, context, back)
    elif press.action == "kind" and step is Step.KIND:
        await _answered(update, context, mode, args[0])
    elif press.action == "tgname" and step is Step.NAME:
        await _answered(update, context, mode, _telegram_name(user))
    elif press.action == "keep" and args[0] == step.value:
        await _answered(update, context, mode, conversation.answers.get(step.value))
    elif press.action == "skip" and args[0] == step.value and step in SKIPPABLE:
        await _answered(update, context, mode, None)
    elif press.action == "listed" and step is Step.LISTED and args[0] in {"0", "1"}:
        await _answered(update, context, mode, args[0] == "1")
    elif press.action == "consent" and step is Step.CONSENT and args[0] in {"0", "1"}:
        await _consented(update, context, args[0] == "1")
    else:
        await refuse_stale(update, context)


async def consent_pressed(update: Update, context: BoldenContext) -> None:
    """The consent buttons: a press after its sign-up ended (a second press, or one from a
    second phone) is told how it ended; any other goes to the sign-up's buttons."""
    query, user = update.callback_query, update.effective_user
    assert query is not None
    assert user is not None
    press, service = ASK.parse(query.data), context.services.ambassadors
    if (
        press is not None
        and press.draft == Mode.SIGNUP
        and press.args[0] in {"0", "1"}
        and await service.conversation(user.id, Mode.SIGNUP) is None
    ):
        await _consented_before(update, context, press.args[0] == "1")
        return
    await pressed(update, context)


async def _answered(
    update: Update, context: BoldenContext, mode: Mode, value: str | bool | None
) -> None:
    user = update.effective_user
    assert user is not None
    result = await context.services.ambassadors.answer(user.id, mode, value)
    if result.problem and result.conversation:
        limit = LIMITS.get(result.conversation.step, 0)
        warning = context.t.counted(f"amb.problem.{result.problem.value}", limit)
        text, keyboard = question(context, result.conversation, user)
        await show(update, warning + "\n\n" + text, keyboard)
    elif result.conversation:
        await ask(update, context, result.conversation)
    elif result.saved:
        await profile(update, context, saved=True)


async def _consented(update: Update, context: BoldenContext, given: bool) -> None:
    user = update.effective_user
    assert user is not None
    services = context.services
    ambassador = await services.ambassadors.consent(user.id, given, joined_notice(services))
    if ambassador is None and not given:
        await show(update, context.t("amb.declined"), main_menu(context.t))
        return
    if ambassador is None:  # the twin press that lost the race
        await _consented_before(update, context, given)
        return
    await show(update, *themes_page(context, ambassador, finish=True))
    await register_chat_commands(context.bot, context.services, user.id, context.t)


async def _consented_before(update: Update, context: BoldenContext, given: bool) -> None:
    """A consent button whose sign-up is over: a second press (or a twin press that lost the
    race) is told how it ended, not refused as if it were someone else's."""
    user = update.effective_user
    assert user is not None
    if await context.services.ambassadors.profile(user.id) is not None:
        await show(update, context.t("amb.already_joined"), main_menu(context.t))
    elif not given:
        await show(update, context.t("amb.declined"), main_menu(context.t))
    else:
        await refuse_stale(update, context)


# -- the profile --------------------------------------------------------------------------------


def profile_text(
    context: BoldenContext, ambassador: Ambassador, referrals: int, coordinator: bool = False
) -> str:
    """The profile as its owner sees it on /me, or as a coordinator who opened it does."""
    t, language, strategy = context.t, context.language, context.services.strategy
    none = t.plain("me.none")
    lines = [
        t("dir.profile_title" if coordinator else "me.title", number=ambassador.number),
        t("me.name", value=ambassador.display_name),
        t("me.kind", value=strategy.kind_title(ambassador.kind, language)),
    ]
    if ambassador.organisation:
        lines += [
            t("me.organisation", value=ambassador.organisation),
            t("me.description", value=ambassador.org_description or none),
            t("me.website", value=ambassador.org_website or none),
        ]
    lines += [
        t("me.email", value=ambassador.email or none),
        t(
            "me.newsletter",
            value=t.plain("common.yes" if ambassador.newsletter_by_email else "common.no"),
        ),
        t(
            "me.topics",
            value=", ".join(strategy.titles(ambassador.topics, language)) or none,
        ),
        t("me.listed_since", when=t.date(ambassador.listed_at))
        if ambassador.listed_at
        else t("me.not_listed"),
        t("me.joined", value=t.date(ambassador.joined_at)),
        t.count("dir.referrals" if coordinator else "me.referrals", referrals),
    ]
    return "\n".join(lines)


def profile_keyboard(
    context: BoldenContext, ambassador: Ambassador, chat_news: bool
) -> InlineKeyboardMarkup:
    edits = [
        _button(context, key, "edit", step.value)
        for step, key in _PROFILE_BUTTONS
        if ambassador.organisation
        or step not in {Step.ORGANISATION, Step.DESCRIPTION, Step.WEBSITE}
    ]
    rows = grid(edits)
    if ambassador.email:
        wanted = not ambassador.newsletter_by_email
        key = "me.newsletter_on" if wanted else "me.newsletter_off"
        rows.append([_button(context, key, "mynews", int(wanted))])
    chat_key = "me.chat_news_off" if chat_news else "me.chat_news_on"
    rows.append([_button(context, chat_key, "chatnews", int(not chat_news))])
    listed = ambassador.listed_at is not None
    list_key = "me.unlist" if listed else "me.list"
    rows.append([_button(context, list_key, "listed", int(not listed))])
    rows.append(
        [
            InlineKeyboardButton(context.t.plain("me.themes"), callback_data=THEMES.data("show")),
            _button(context, "me.certificate", "cert"),
        ]
    )
    rows.append([_button(context, "me.leave", "leave"), home_button(context.t)])
    return InlineKeyboardMarkup(rows)


async def profile(update: Update, context: BoldenContext, saved: bool = False) -> None:
    """/me: what is stored, with a button for each thing that can be changed."""
    await _profile(update, context, context.t("me.saved") if saved else "")


async def _profile(update: Update, context: BoldenContext, note: str) -> None:
    """The profile, with what just changed (`note`) above it."""
    ambassador = await ambassador_or_refuse(update, context)
    if ambassador is None:
        return
    referrals = await context.services.ambassadors.referrals(ambassador.user_id)
    text = profile_text(context, ambassador, referrals)
    if note:
        text = note + "\n\n" + text
    chat_news = await context.services.newsletters.gets_newsletters(ambassador.user_id)
    await show(update, text, profile_keyboard(context, ambassador, chat_news))


def _leave_keyboard(context: BoldenContext) -> InlineKeyboardMarkup:
    stay = InlineKeyboardButton(context.t.plain("leave.no"), callback_data=MENU.data("home"))
    return InlineKeyboardMarkup([[_button(context, "leave.yes", "leaveyes"), stay]])


async def profile_pressed(update: Update, context: BoldenContext) -> None:
    """The profile's buttons: edit a field, the newsletter, the certificate, leaving."""
    query, user = update.callback_query, update.effective_user
    assert query is not None
    assert user is not None
    press = AMB.parse(query.data)
    service = context.services.ambassadors
    if press is not None and press.action == "leaveyes":
        # Before the role check: a second press finds them no longer an ambassador.
        await _left(update, context, await service.leave(user.id))
        return
    if press is not None and press.action == "leave":
        await leave(update, context)
        return
    if press is None or await ambassador_or_refuse(update, context) is None:
        return
    if press.action == "edit":
        await start_edit(update, context, Start(press.args[0]))
    elif press.action == "chatnews" and press.args[0] in {"0", "1"}:
        await context.services.newsletters.wants_newsletters(user.id, press.args[0] == "1")
        await profile(update, context)
    elif press.action == "mynews" and press.args[0] in {"0", "1"}:
        if await service.set_newsletter(user.id, press.args[0] == "1") is None:
            await refuse_stale(update, context)
            return
        await profile(update, context)
    elif press.action == "listed" and press.args[0] in {"0", "1"}:
        await _listed(update, context, press.args[0] == "1")
    elif press.action == "cert":
        await query.answer()
        await send_certificate(update, context)
    else:
        await refuse_stale(update, context)


async def _listed(update: Update, context: BoldenContext, wanted: bool) -> None:
    """On or off the public list: the profile, with what is true now above it (a press that
    found it so already says so just the same)."""
    user = update.effective_user
    assert user is not None
    ambassador = await context.services.ambassadors.set_listed(user.id, wanted)
    if ambassador is None:
        await refuse_stale(update, context)
        return
    note = "me.listed_now" if ambassador.listed_at else "me.unlisted_now"
    await _profile(update, context, context.t(note))


async def _left(update: Update, context: BoldenContext, left: Left) -> None:
    """What stopping led to: done now (with what is kept, and why), done before, or nothing
    to stop."""
    user = update.effective_user
    assert user is not None
    if left is Left.NEVER:
        await not_an_ambassador(update, context)
        return
    key = "leave.done" if left is Left.NOW else "leave.already"
    await show(update, context.t(key), main_menu(context.t))
    if left is Left.NOW:
        await register_chat_commands(context.bot, context.services, user.id, context.t)


async def leave(update: Update, context: BoldenContext) -> None:
    """/leave and the profile's button: end the ambassadorship, after a confirmation; one who
    stopped before is told so, not that it is for ambassadors only."""
    user = update.effective_user
    assert user is not None
    if await context.services.ambassadors.has_left(user.id):
        await _left(update, context, Left.ALREADY)
    elif await ambassador_or_refuse(update, context) is not None:
        await show(update, context.t("leave.confirm"), _leave_keyboard(context))


# -- the yearly question ------------------------------------------------------------------------


async def stay_answered(update: Update, context: BoldenContext) -> None:
    """The answer to "do you want to stay an ambassador?"."""
    query, user = update.callback_query, update.effective_user
    assert query is not None
    assert user is not None
    press = AMB.parse(query.data)
    if press is None or press.args[0] not in {"0", "1"}:
        await refuse_stale(update, context)
        return
    stayed = await context.services.ambassadors.stay(user.id, press.args[0] == "1")
    if stayed in _STAYED:
        await show(update, context.t(_STAYED[stayed]), main_menu(context.t))
        return
    # Stopping here is /leave: the same words on what is kept, and why.
    await _left(update, context, _LEFT_BY_ANSWER[stayed])


_STAYED = {Stayed.STAYING: "stay.yes", Stayed.ALREADY_STAYING: "stay.already"}
_LEFT_BY_ANSWER = {
    Stayed.LEFT: Left.NOW,
    Stayed.ALREADY_LEFT: Left.ALREADY,
    Stayed.NEVER: Left.NEVER,
}


async def ask_yearly(context: BoldenContext) -> None:
    """The job that asks, once a year, whether each ambassador wants to stay; those who have
    not answered within the grace period become passive. What is due comes from the database."""
    services = context.services

    async def questions(due: list[Ambassador]) -> list[OutboxItem]:
        items = []
        for ambassador in due:
            t = await translator_of(services, ambassador.user_id)
            keyboard = InlineKeyboardMarkup(
                [
                    [
                        InlineKeyboardButton(
                            t.plain("stay.yes_button"), callback_data=AMB.data("stay", 1)
                        ),
                        InlineKeyboardButton(
                            t.plain("stay.no_button"), callback_data=AMB.data("stay", 0)
                        ),
                    ]
                ]
            )
            text = t("stay.question", name=ambassador.display_name)
            items.append(message(ambassador.user_id, text, keyboard))
        return items

    await services.ambassadors.ask_due(questions)
    await services.ambassadors.expire_unanswered()


HANDLERS: list[BaseHandler[Update, BoldenContext, None]] = [
    CommandHandler("ambassador", begin),
    CommandHandler("cancel", cancel),
    CommandHandler("me", profile),
    CommandHandler("leave", leave),
    CallbackQueryHandler(begin, pattern=AMB.pattern("start")),
    CallbackQueryHandler(stay_answered, pattern=AMB.pattern("stay")),
    CallbackQueryHandler(
        profile_pressed, pattern=r"^amb:(edit|mynews|chatnews|listed|cert|leave|leaveyes)(:|$)"
    ),
    CallbackQueryHandler(consent_pressed, pattern=ASK.pattern("consent")),
    CallbackQueryHandler(pressed, pattern=ASK.pattern()),
]
# Typed answers, by conversation name (handlers/conversation.py dispatches).
TYPED = {ConversationKind(mode): typed for mode in Mode}
ASK_AGAIN = {ConversationKind(mode): ask_again for mode in Mode}
CHOICES = {
    ConversationKind(mode): frozenset(step for step in Step if step not in TEXT_STEPS)
    for mode in Mode
}
STARTS = {ConversationKind.SIGNUP: start_signup, ConversationKind.EDIT: start_edit}
