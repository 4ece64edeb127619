"""/ambassadors: coordinators find people (search by name, organisation, number, kind or
theme; filter by kind and theme; page), open a profile, add the person to a network, and write
to them through the bot (typed, previewed as they will see it, sent through the outbox).

A list's state (page, kind, theme, the words searched) travels in its buttons: the kind and
theme as their place in the strategy file, the words as base64url of at most SEARCH_BYTES, so
every button stays within Telegram's 64 bytes and a restart loses nothing.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, replace

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import BoldenContext
from bot.i18n import Translator
from bot.services import Services
from bot.services.conversations import ConversationKind
from bot.services.coordinators import MESSAGE_MAX, Found
from bot.services.delivery import Notify, OutboxItem
from bot.strategy import AmbassadorKind, Strategy, Title, Topic
from handlers.ambassadors import profile_text
from handlers.callbacks import CallbackCodec
from handlers.conversation import Start, named_draft_button, starts, stop_button
from handlers.menu import refuse_stale, show
from handlers.networks import welcome
from handlers.paging import grid, turn_row
from handlers.progress import translator_of
from handlers.roles import coordinators_only
from handlers.sending import message
from storage.ambassadors import Ambassador
from storage.conversations import StoredConversation

SEARCH_BYTES = 24  # of the words searched: what fits in a button with the rest of the list
NONE = "-"
# list: page, kind, theme, words; kinds and topics: the other filter and the words; show and
# nets: the ambassador's number and the list to go back to; add: the number and the network.
AMC = CallbackCodec("amc", list=4, kinds=2, topics=2, show=5, nets=5, add=2, write=1)
MESSAGE = ConversationKind.MESSAGE
MSG = CallbackCodec("msg", drafts=[MESSAGE], send=0, edit=0)


@dataclass(frozen=True)
class Listing:
    """Which list a coordinator sees: the page, a kind and a theme (by their place in the
    strategy file), and the words searched."""

    page: int = 0
    kind: int | None = None
    topic: int | None = None
    words: str = ""

    def args(self) -> tuple[str, str, str, str]:
        encoded = base64.urlsafe_b64encode(self.words.encode()).decode().rstrip("=")
        return (
            str(self.page),
            NONE if self.kind is None else str(self.kind),
            NONE if self.topic is None else str(self.topic),
            encoded or NONE,
        )


def _searched(words: str) -> str:
    """The words, cut to what a button can carry (never inside a character)."""
    return " ".join(words.split()).encode()[:SEARCH_BYTES].decode(errors="ignore").strip()


def _listing(args: tuple[str, ...], kinds: int, topics: int) -> Listing | None:
    """The list a button names, or None when the button is forged or out of date."""
    page, kind, topic, words = args

    def place(value: str, count: int) -> int | bool | None:
        if value == NONE:
            return None
        return int(value) if value.isdigit() and int(value) < count else False

    chosen_kind, chosen_topic = place(kind, kinds), place(topic, topics)
    if not page.isdigit() or chosen_kind is False or chosen_topic is False:
        return None
    try:
        text = "" if words == NONE else base64.urlsafe_b64decode(words + "==").decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    return Listing(int(page), chosen_kind, chosen_topic, _searched(text))


def _kind_title(context: BoldenContext, ambassador: Ambassador) -> str:
    for kind in context.services.strategy.ambassador_kinds:
        if kind.code == ambassador.kind:
            return kind.title.get(context.language)
    return ambassador.kind


def _button(
    context: BoldenContext, key: str, action: str, *args: str | int
) -> InlineKeyboardButton:
    return InlineKeyboardButton(context.t.plain(key), callback_data=AMC.data(action, *args))


def _chosen(strategy: Strategy, listing: Listing) -> tuple[AmbassadorKind | None, Topic | None]:
    """The kind and theme a listing is filtered by."""
    kind = strategy.ambassador_kinds[listing.kind] if listing.kind is not None else None
    topic = strategy.topics[listing.topic] if listing.topic is not None else None
    return kind, topic


async def _show_list(update: Update, context: BoldenContext, listing: Listing) -> None:
    t, services = context.t, context.services
    strategy, language = services.strategy, context.language
    kind, topic = _chosen(strategy, listing)
    found = await services.coordinators.find(
        listing.words,
        kind.code if kind else None,
        topic.code if topic else None,
        listing.page,
    )
    listing = replace(listing, page=found.page)
    lines = []
    if listing == Listing():
        overview = await services.coordinators.overview()
        lines.append(
            t("ambassadors.title", counts=active_and_passive(t, overview.active, overview.passive))
        )
    if listing.words:
        lines.append(t("dir.searched", words=listing.words))
    if kind is not None:
        lines.append(t("dir.kind", kind=kind.title.get(language)))
    if topic is not None:
        lines.append(t("dir.topic", topic=topic.title.get(language)))
    lines.append(t.count("dir.found", found.count) if found.count else t("dir.nobody"))
    if found.pages > 1:
        lines.append(t("paging.page", page=found.page + 1, pages=found.pages))
    await show(update, "\n".join(lines), _list_keyboard(context, listing, found))


def _list_keyboard(context: BoldenContext, listing: Listing, found: Found) -> InlineKeyboardMarkup:
    t = context.t
    _, kind, topic, words = listing.args()
    rows = [
        [
            InlineKeyboardButton(
                t.plain(
                    "ambassadors.person",
                    number=a.number,
                    name=a.display_name,
                    kind=_kind_title(context, a),
                    passive=t.plain("ambassadors.passive") if a.status == "passive" else "",
                ),
                callback_data=AMC.data("show", a.number, *listing.args()),
            )
        ]
        for a in found.ambassadors
    ]
    turn = turn_row(
        t, found.page, found.pages, lambda to: AMC.data("list", *replace(listing, page=to).args())
    )
    if turn:
        rows.append(turn)
    rows.append(
        [
            _button(context, "dir.by_kind", "kinds", topic, words),
            _button(context, "dir.by_topic", "topics", kind, words),
        ]
    )
    if listing != Listing():
        rows.append([_button(context, "dir.everyone", "list", *Listing().args())])
    return InlineKeyboardMarkup(rows)


def _counted(context: BoldenContext, title: Title, count: int) -> str:
    """A kind's or theme's button, with how many active ambassadors it has."""
    return context.t.plain("dir.counted", title=title.get(context.language), total=count)


def _filter_keyboard(
    context: BoldenContext, titles: list[str], listing: Listing, by_kind: bool
) -> InlineKeyboardMarkup:
    """A button for each kind (or theme) that shows the list with it, and one for all."""

    def chosen(place: int | None) -> Listing:
        if by_kind:
            return replace(listing, page=0, kind=place)
        return replace(listing, page=0, topic=place)

    buttons = [
        InlineKeyboardButton(title, callback_data=AMC.data("list", *chosen(i).args()))
        for i, title in enumerate(titles)
    ]
    every = "dir.all_kinds" if by_kind else "dir.all_topics"
    return InlineKeyboardMarkup(
        [*grid(buttons), [_button(context, every, "list", *chosen(None).args())]]
    )


async def _show_profile(
    update: Update, context: BoldenContext, ambassador: Ambassador, listing: Listing, note: str = ""
) -> None:
    t, services = context.t, context.services
    referrals = await services.ambassadors.referrals(ambassador.user_id)
    person = await services.people.known(ambassador.user_id)
    networks = await services.networks.names()
    member_of = [
        networks[i]
        for i in sorted(await services.networks.of_member(ambassador.user_id))
        if i in networks
    ]
    lines = [note] if note else []
    lines.append(profile_text(context, ambassador, referrals, coordinator=True))
    if person is not None and person.username:
        lines.append(t("dir.telegram", username=person.username))
    lines.append(t("dir.networks", networks=", ".join(member_of) or t.plain("me.none")))
    back = listing.args()
    write = InlineKeyboardButton(
        t.plain("dir.write", name=ambassador.display_name),
        callback_data=AMC.data("write", ambassador.number),
    )
    keyboard = InlineKeyboardMarkup(
        [
            [write],
            [_button(context, "dir.add_to_network", "nets", ambassador.number, *back)],
            [_button(context, "dir.back", "list", *back)],
        ]
    )
    await show(update, "\n".join(lines), keyboard)


async def _show_networks(
    update: Update, context: BoldenContext, ambassador: Ambassador, listing: Listing
) -> None:
    mine = await context.services.networks.of_member(ambassador.user_id)
    choices = [
        InlineKeyboardButton(n.name, callback_data=AMC.data("add", ambassador.number, n.id))
        for n in await context.services.networks.open_networks()
        if n.id not in mine
    ]
    key = "dir.pick_network" if choices else "dir.no_network"
    back = _button(context, "dir.back", "show", ambassador.number, *listing.args())
    await show(
        update,
        context.t(key, name=ambassador.display_name),
        InlineKeyboardMarkup([*grid(choices), [back]]),
    )


def active_and_passive(t: Translator, active: int, passive: int) -> str:
    """Both counts, each with the word that fits it: "3 aktive og 1 passiv"."""
    return t.listing(
        [
            t.plain_count("ambassadors.active_count", active),
            t.plain_count("ambassadors.passive_count", passive),
        ]
    )


@coordinators_only
async def ambassadors(update: Update, context: BoldenContext) -> None:
    """/ambassadors [words]: everyone (or those the words find), a page at a time."""
    await _show_list(update, context, Listing(words=_searched(" ".join(context.args or []))))


@coordinators_only
async def pressed(update: Update, context: BoldenContext) -> None:
    """The list's buttons: a page, a filter, a profile, adding to a network."""
    query = update.callback_query
    assert query is not None
    press = AMC.parse(query.data)
    strategy = context.services.strategy
    kinds, topics = len(strategy.ambassador_kinds), len(strategy.topics)
    if press is None:
        await refuse_stale(update, context)
        return
    args = press.args
    if press.action == "list" and (listing := _listing(args, kinds, topics)):
        await _show_list(update, context, listing)
    elif press.action == "kinds" and (listing := _listing(("0", NONE, *args), kinds, topics)):
        topic = _chosen(strategy, listing)[1]
        counts = await context.services.coordinators.kinds_found(
            listing.words, topic.code if topic else None
        )
        titles = [
            _counted(context, k.title, counts.get(k.code, 0)) for k in strategy.ambassador_kinds
        ]
        keyboard = _filter_keyboard(context, titles, listing, True)
        await show(update, context.t("dir.choose_kind"), keyboard)
    elif press.action == "topics" and (
        listing := _listing(("0", args[0], NONE, args[1]), kinds, topics)
    ):
        kind = _chosen(strategy, listing)[0]
        counts = await context.services.coordinators.topics_found(
            listing.words, kind.code if kind else None
        )
        titles = [_counted(context, t.title, counts.get(t.code, 0)) for t in strategy.topics]
        keyboard = _filter_keyboard(context, titles, listing, False)
        await show(update, context.t("dir.choose_topic"), keyboard)
    elif press.action == "write":
        await start_message(update, context, Start(args[0]))
    elif press.action in {"show", "nets", "add"} and args[0].isdigit():
        await _person_pressed(update, context, press.action, args, kinds, topics)
    else:
        await refuse_stale(update, context)


async def _person_pressed(
    update: Update,
    context: BoldenContext,
    action: str,
    args: tuple[str, ...],
    kinds: int,
    topics: int,
) -> None:
    services, user = context.services, update.effective_user
    assert user is not None
    ambassador = await services.ambassadors.by_number(int(args[0]))
    listing = _listing(args[1:], kinds, topics) if action != "add" else Listing()
    if ambassador is None or ambassador.status == "left" or listing is None:
        await refuse_stale(update, context)
    elif action == "show":
        await _show_profile(update, context, ambassador, listing)
    elif action == "nets":
        await _show_networks(update, context, ambassador, listing)
    elif not args[1].isdigit():
        await refuse_stale(update, context)
    else:
        added = await services.networks.add_members(
            user.id, int(args[1]), [args[0]], welcome(services)
        )
        if added is None or not added.added:
            await refuse_stale(update, context)
            return
        note = context.t("dir.added", name=ambassador.display_name, network=added.network.name)
        await _show_profile(update, context, ambassador, listing, note)


# -- writing to one person ----------------------------------------------------------------------


@starts(MESSAGE)
async def start_message(update: Update, context: BoldenContext, start: Start) -> None:
    """A message to the ambassador with the number the start names."""
    user = update.effective_user
    assert user is not None
    number = start.argument
    found = await context.services.ambassadors.by_number(int(number)) if number.isdigit() else None
    if found is None or found.status == "left":
        await refuse_stale(update, context)
        return
    answers = {"to": found.user_id, "name": found.display_name}
    await context.services.conversations.start(user.id, MESSAGE, "text", answers)
    await show(update, start.above(_ask_text(context, answers)), _stop(context))


def _ask_text(context: BoldenContext, answers: dict[str, object]) -> str:
    text = context.t.count("dir.write_ask", MESSAGE_MAX, name=answers["name"])
    if answers.get("text"):
        text += "\n\n" + context.t("amb.current", value=answers["text"])
    return text


def _stop(context: BoldenContext) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[stop_button(context.t, MESSAGE)]])


async def _letter(services: Services, writer: int, recipient: int, text: str) -> str:
    """The message as the recipient reads it, in their language: who it is from, and how to
    answer (the coordinator's @username, when they have one)."""
    t = await translator_of(services, recipient)
    person = await services.people.known(writer)
    answer = (
        t("dir.letter_reply", username=person.username)
        if person and person.username
        else t("dir.letter_no_reply")
    )
    return t("dir.letter", text=text) + "\n\n" + answer


async def _preview(update: Update, context: BoldenContext, answers: dict[str, object]) -> None:
    user = update.effective_user
    assert user is not None
    t, recipient = context.t, int(str(answers["to"]))
    letter = await _letter(context.services, user.id, recipient, str(answers["text"]))
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t.plain("dir.send"), callback_data=MSG.data("send", draft=MESSAGE)
                ),
                InlineKeyboardButton(
                    t.plain("dir.edit"), callback_data=MSG.data("edit", draft=MESSAGE)
                ),
            ],
            [stop_button(t, MESSAGE)],
        ]
    )
    heading = t("dir.write_preview", name=answers["name"])
    await show(update, heading + "\n\n" + letter, keyboard)


async def typed(update: Update, context: BoldenContext, stored: StoredConversation) -> None:
    """The message's text (again, when it is typed after the preview)."""
    user, sent = update.effective_user, update.effective_message
    assert user is not None
    assert sent is not None
    text = (sent.text or "").strip()
    if not text or len(text) > MESSAGE_MAX:
        t = context.t
        problem = t("common.type_it") if not text else t.count("dir.write_too_long", MESSAGE_MAX)
        await sent.reply_html(problem, reply_markup=_stop(context))
        return
    answers = {**stored.answers, "text": text}
    await context.services.conversations.put(user.id, MESSAGE, "preview", answers)
    await _preview(update, context, answers)


async def ask_again(update: Update, context: BoldenContext, stored: StoredConversation) -> None:
    """Continue: the preview, or the question for the text."""
    if stored.step == "preview":
        await _preview(update, context, stored.answers)
    else:
        await show(update, _ask_text(context, stored.answers), _stop(context))


def _delivered(services: Services, writer: int, text: str) -> Notify[int]:
    async def render(recipient: int) -> list[OutboxItem]:
        return [message(recipient, await _letter(services, writer, recipient, text))]

    return render


@named_draft_button(MSG)
async def message_pressed(update: Update, context: BoldenContext) -> None:
    """Send, or change the text, of the message previewed."""
    query, user = update.callback_query, update.effective_user
    assert query is not None
    assert user is not None
    press = MSG.parse(query.data)
    services = context.services
    stored = await services.conversations.current(user.id, MESSAGE)
    if press is None or stored is None or stored.step != "preview":
        await refuse_stale(update, context)
        return
    answers = stored.answers
    if press.action == "edit":
        await services.conversations.put(user.id, MESSAGE, "text", answers)
        await show(update, _ask_text(context, answers), _stop(context))
        return
    notify = _delivered(services, user.id, str(answers["text"]))
    if not await services.coordinators.write_to(
        user.id, stored.touched, int(answers["to"]), notify
    ):
        await refuse_stale(update, context)
        return
    await show(update, context.t("dir.sent", name=answers["name"]), InlineKeyboardMarkup([]))


HANDLERS: list[BaseHandler[Update, BoldenContext, None]] = [
    CommandHandler("ambassadors", ambassadors),
    CallbackQueryHandler(pressed, pattern=AMC.pattern()),
    CallbackQueryHandler(message_pressed, pattern=MSG.pattern()),
]
# Typed answers, Continue and Start over of the message, by conversation kind.
TYPED = {MESSAGE: typed}
ASK_AGAIN = {MESSAGE: ask_again}
STARTS = {MESSAGE: start_message}
