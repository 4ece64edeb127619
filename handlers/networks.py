"""/network and /rules: coordinators build the action networks, their members and groups, and
the rules that route bolde; ambassadors join a network through its invite link."""

from __future__ import annotations

import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.channels.links import add_to_group_link, links_text
from bot.channels.screen import Purpose
from bot.context import BoldenContext
from bot.delivery.limiter import SharedRateLimiter
from bot.i18n import Html
from bot.services import Services
from bot.services.conversations import ConversationKind
from bot.services.delivery import Notify, OutboxItem
from bot.services.networks import NAME_MAX, Added, NetworkKind, Refusal
from handlers.callbacks import CallbackCodec
from handlers.conversation import FRESH, Start, ask, draft_button, starts, stop_button
from handlers.menu import JOIN, home_button, main_menu, refuse_stale, show
from handlers.paging import grid
from handlers.progress import translator_of
from handlers.roles import coordinators_only
from handlers.sending import message
from storage.bolde import Kind
from storage.conversations import StoredConversation
from storage.networks import Network, Rule

NET = CallbackCodec(
    "net",
    list=0, show=1, new=0, kind=1, topics=1, topic=2, members=1, add=1, remove=2,
    cross=1, close=1, closeyes=1,
)  # fmt: skip
RULE = CallbackCodec("rule", list=0, new=0, k=1, c=2, t=3, n=4, delete=1, deleteyes=1)
CONVERSATION = ConversationKind.NETWORK
ANY = "x"
SHOWN_MEMBERS = 30  # on the network's page; the members page lists everyone
_NUMBERS = re.compile(r"[\s,;]+")


def _button(context: BoldenContext, key: str, data: str, **values: object) -> InlineKeyboardButton:
    return InlineKeyboardButton(context.t.plain(key, **values), callback_data=data)


# -- the networks -------------------------------------------------------------------------------


async def _list(update: Update, context: BoldenContext) -> None:
    t = context.t
    networks = await context.services.networks.open_networks()
    lines = [t("net.title")]
    lines += [
        t.count(
            "net.row",
            len(n.members),
            name=n.name,
            number=n.id,
            kind=t.plain("net.kind." + n.kind),
        )
        for n in networks
    ]
    if not networks:
        lines.append(t("net.none"))
    rows = [[InlineKeyboardButton(n.name, callback_data=NET.data("show", n.id))] for n in networks]
    rows.append(
        [
            _button(context, "net.new", NET.data("new")),
            _button(context, "rules.button", RULE.data("list")),
        ]
    )
    rows.append([home_button(t)])
    await show(update, "\n".join(lines), InlineKeyboardMarkup(rows))


async def _names(context: BoldenContext, user_ids: list[int]) -> list[str]:
    names = []
    for user_id in user_ids:
        ambassador = await context.services.ambassadors.profile(user_id)
        names.append(f"#{ambassador.number} {ambassador.display_name}" if ambassador else "–")
    return names


async def _page(update: Update, context: BoldenContext, network: Network, note: str = "") -> None:
    t, strategy = context.t, context.services.strategy
    kind = t.plain("net.kind." + network.kind)
    lines = [t("net.page", name=network.name, kind=kind)]
    if network.cross_professional:
        lines.append(t("net.is_cross"))
    topics = ", ".join(strategy.titles(network.topics, context.language))
    lines.append(t("net.topics", value=topics or t.plain("me.none")))
    names = await _names(context, network.members[:SHOWN_MEMBERS])
    if len(network.members) > SHOWN_MEMBERS:
        names.append(f"+{len(network.members) - SHOWN_MEMBERS}")
    members = ", ".join(names)
    lines.append(t.count("net.members", len(network.members), names=members or t.plain("me.none")))
    lines.append(t("net.group_yes" if network.chat_id else "net.group_no"))
    invite = links_text(context.application, t, f"net-{network.invite_code}")
    lines += ["", t("net.invite", link=invite)]
    rows = [
        [
            _button(context, "net.topics_button", NET.data("topics", network.id)),
            _button(context, "net.members_button", NET.data("members", network.id)),
        ],
        [
            InlineKeyboardButton(
                t.plain("net.group_button"),
                url=add_to_group_link(context.application, f"netg-{network.invite_code}"),
            )
        ],
    ]
    if network.kind == NetworkKind.STANDING and not network.cross_professional:
        rows.append([_button(context, "net.cross_button", NET.data("cross", network.id))])
    rows.append(
        [
            _button(context, "net.close_button", NET.data("close", network.id)),
            _button(context, "net.back", NET.data("list")),
        ]
    )
    text = (note + "\n\n" if note else "") + "\n".join(lines)
    await show(update, text, InlineKeyboardMarkup(rows))


async def _topics(update: Update, context: BoldenContext, network: Network) -> None:
    buttons = [
        InlineKeyboardButton(
            ("✅ " if topic.code in network.topics else "") + topic.title.get(context.language),
            callback_data=NET.data("topic", network.id, topic.code),
        )
        for topic in context.services.strategy.topics
    ]
    rows = grid(buttons)
    rows.append([_button(context, "net.done", NET.data("show", network.id))])
    await show(
        update, context.t("net.choose_topics", name=network.name), InlineKeyboardMarkup(rows)
    )


async def _members(
    update: Update, context: BoldenContext, network: Network, note: str = ""
) -> None:
    names = await _names(context, network.members)
    rows = [
        [InlineKeyboardButton(f"✖️ {name}", callback_data=NET.data("remove", network.id, user_id))]
        for user_id, name in zip(network.members, names, strict=True)
    ]
    rows.append(
        [
            _button(context, "net.add_button", NET.data("add", network.id)),
            _button(context, "net.done", NET.data("show", network.id)),
        ]
    )
    text = (note + "\n\n" if note else "") + context.t.count(
        "net.members_page", len(network.members), name=network.name
    )
    await show(update, text, InlineKeyboardMarkup(rows))


@coordinators_only
async def network_command(update: Update, context: BoldenContext) -> None:
    """/network: the action networks, and a button for a new one."""
    await _list(update, context)


@coordinators_only
async def network_pressed(update: Update, context: BoldenContext) -> None:
    query, user = update.callback_query, update.effective_user
    assert query is not None
    assert user is not None
    press = NET.parse(query.data)
    service, t = context.services.networks, context.t
    if press is None:
        await refuse_stale(update, context)
        return
    if press.action == "list":
        await _list(update, context)
        return
    if press.action == "new":
        await start_network(update, context, Start())
        return
    network = await service.get(int(press.args[0])) if press.args[0].isdigit() else None
    if network is None or network.closed_at is not None:
        await refuse_stale(update, context)
        return
    if press.action == "show":
        await _page(update, context, network)
    elif press.action == "topics":
        await _topics(update, context, network)
    elif press.action == "topic":
        result = await service.toggle_topic(network.id, press.args[1])
        await (
            _topics(update, context, result.network)
            if result.network
            else refuse_stale(update, context)
        )
    elif press.action == "members":
        await _members(update, context, network)
    elif press.action == "add":
        await start_network(update, context, Start(str(network.id)))
    elif press.action == "remove" and press.args[1].isdigit():
        result = await service.remove_member(user.id, network.id, int(press.args[1]))
        assert result.network is not None
        await _members(update, context, result.network)
    elif press.action == "cross":
        result = await service.make_cross_professional(user.id, network.id)
        if result.refusal or result.network is None:
            await query.answer(
                t.plain("net.refused." + (result.refusal or Refusal.NOT_FOUND)), show_alert=True
            )
            return
        await _page(update, context, result.network, t("net.cross_done"))
    elif press.action == "close":
        keyboard = InlineKeyboardMarkup(
            [
                [
                    _button(context, "net.close_yes", NET.data("closeyes", network.id)),
                    _button(context, "net.back", NET.data("show", network.id)),
                ]
            ]
        )
        await ask(update, context, t("net.close_confirm", name=network.name), keyboard)
    elif press.action == "closeyes":
        result = await service.close(user.id, network.id)
        if result.refusal:
            await query.answer(t.plain("net.refused." + result.refusal), show_alert=True)
            return
        await query.answer(t.plain("net.closed", name=network.name))
        await _list(update, context)
    else:
        await refuse_stale(update, context)


@starts(CONVERSATION)
async def start_network(update: Update, context: BoldenContext, start: Start) -> None:
    """Naming a new network, or adding members to the one the start names (by its id)."""
    user = update.effective_user
    assert user is not None
    t, conversations = context.t, context.services.conversations
    if start.argument == FRESH:
        await conversations.start(user.id, CONVERSATION, "name", {})
        await show(update, start.above(t.count("net.ask_name", NAME_MAX)), _cancel(context))
        return
    found = start.argument.isdigit() and await context.services.networks.get(int(start.argument))
    if not found or found.closed_at is not None:
        await refuse_stale(update, context)
        return
    await conversations.start(user.id, CONVERSATION, "member", {"network": found.id})
    await show(update, start.above(t("net.ask_members", name=found.name)), _cancel(context))


def _cancel(context: BoldenContext) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[stop_button(context.t, CONVERSATION)]])


def _kind_keyboard(context: BoldenContext) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [_button(context, "net.kind_button." + k, NET.data("kind", k)) for k in NetworkKind],
            [stop_button(context.t, CONVERSATION)],
        ]
    )


async def ask_again(update: Update, context: BoldenContext, stored: StoredConversation) -> None:
    """Continue: the new network's name or kind, or the members to add."""
    user = update.effective_user
    assert user is not None
    t = context.t
    if stored.step == "kind":
        await show(update, t("net.ask_kind", name=stored.answers["name"]), _kind_keyboard(context))
        return
    if stored.step != "member":
        await show(update, t.count("net.ask_name", NAME_MAX), _cancel(context))
        return
    network = await context.services.networks.get(int(stored.answers["network"]))
    if network is None or network.closed_at is not None:
        await context.services.conversations.cancel(user.id, CONVERSATION)
        await show(update, t("net.refused.not_found"), InlineKeyboardMarkup([]))
        return
    await show(update, t("net.ask_members", name=network.name), _cancel(context))


@draft_button(CONVERSATION)
@coordinators_only
async def kind_pressed(update: Update, context: BoldenContext) -> None:
    """The new network's kind, the last step of naming it: the network is created."""
    query, user = update.callback_query, update.effective_user
    assert query is not None
    assert user is not None
    press = NET.parse(query.data)
    stored = await context.services.conversations.current(user.id, CONVERSATION)
    if press is None or stored is None or stored.step != "kind":
        await refuse_stale(update, context)
        return
    name = str(stored.answers["name"])
    result = await context.services.networks.create(user.id, name, press.args[0])
    if result.network is None:
        await refuse_stale(update, context)
        return
    await context.services.conversations.cancel(user.id, CONVERSATION)
    await _page(update, context, result.network, context.t("net.created"))


async def typed(update: Update, context: BoldenContext, stored: StoredConversation) -> None:
    """A new network's name, or the numbers of ambassadors to add."""
    user, message = update.effective_user, update.effective_message
    assert user is not None
    assert message is not None
    t = context.t
    if not await context.services.coordinators.is_coordinator(user.id):
        await context.services.conversations.cancel(user.id, CONVERSATION)
        await message.reply_html(t("coordinator.refused"))
        return
    if not message.text:
        await message.reply_html(t("common.type_it"))
        return
    if stored.step == "name":
        name = " ".join(message.text.split())
        if len(name) > NAME_MAX:
            await message.reply_html(
                t.count("net.name_too_long", NAME_MAX), reply_markup=_cancel(context)
            )
            return
        await context.services.conversations.put(user.id, CONVERSATION, "kind", {"name": name})
        await message.reply_html(t("net.ask_kind", name=name), reply_markup=_kind_keyboard(context))
    elif stored.step == "member":
        numbers = [n.lstrip("#") for n in _NUMBERS.split(message.text) if n]
        added = await context.services.networks.add_members(
            user.id, int(stored.answers["network"]), numbers, welcome(context.services)
        )
        await context.services.conversations.cancel(user.id, CONVERSATION)
        network = await context.services.networks.get(int(stored.answers["network"]))
        if added is None or network is None:
            await message.reply_html(t("net.refused.not_found"))
            return
        notes = [t.count("net.added", len(added.added))] if added.added else []
        if added.unknown:
            notes.append(t("net.unknown_numbers", numbers=", ".join(added.unknown)))
        await _members(update, context, network, "\n".join(notes or [t("net.none_added")]))
    else:
        await context.services.conversations.cancel(user.id, CONVERSATION)


def welcome(services: Services) -> Notify[Added]:
    """Each new member hears which network they are in and where its bolde will reach them."""

    async def render(added: Added) -> list[OutboxItem]:
        network, items = added.network, []
        where = "net.welcome.group" if network.chat_id is not None else "net.welcome.private"
        for user_id in added.added:
            t = await translator_of(services, user_id)
            text = t("net.welcome.title", network=network.name) + "\n\n" + t(where)
            items.append(message(user_id, text, purpose=Purpose.ACCOUNT))
        return items

    return render


# -- invite links -------------------------------------------------------------------------------


async def join_link(update: Update, context: BoldenContext) -> None:
    """/start net-CODE in the private chat: an ambassador joins the network."""
    user, message = update.effective_user, update.effective_message
    assert user is not None
    assert message is not None
    t = context.t
    code = (context.args or ["-"])[0].removeprefix("net-")
    result = await context.services.networks.join(user.id, code)
    if result.refusal is Refusal.NOT_AN_AMBASSADOR and result.network:
        keyboard = InlineKeyboardMarkup(
            [[InlineKeyboardButton(t.plain("menu.ambassador"), callback_data=JOIN)]]
        )
        await message.reply_html(
            t("net.join_ambassadors_only", name=result.network.name), reply_markup=keyboard
        )
    elif result.network is None:
        await message.reply_html(t("net.link_invalid"), reply_markup=main_menu(t))
    else:
        key = "net.joined" if result.changed else "net.already_member"
        await message.reply_html(t(key, name=result.network.name), reply_markup=main_menu(t))


async def group_link(update: Update, context: BoldenContext) -> None:
    """/start netg-CODE in a group (Telegram's "add to group" link): the network works there."""
    user, message, chat = update.effective_user, update.effective_message, update.effective_chat
    assert user is not None
    assert message is not None
    assert chat is not None
    t = context.services.translator(context.services.settings.language)
    if not await context.services.coordinators.is_coordinator(user.id):
        await message.reply_html(t("net.group_coordinators_only"))
        return
    code = (context.args or ["-"])[0].removeprefix("netg-")
    result = await context.services.networks.link_group(code, chat.id)
    if result.network is None:
        await message.reply_html(t("net.link_invalid"))
        return
    await message.reply_html(t("net.group_linked", name=result.network.name))


async def in_group(update: Update, context: BoldenContext) -> None:
    """A network's group is for the bolde's cards: a command for the bot there gets a pointer to
    the private chat, other messages are the members' own conversation and left alone. In a
    group where no network works the bot says nothing: it answers only where it works, so a
    group cannot make it spend the token's messages (or be used to flood it)."""
    message = update.message  # an edited message is left alone
    text = message.text if message is not None else None
    if message is None or text is None or not text.startswith("/"):
        return
    addressee = text.split()[0].partition("@")[2]
    if addressee and addressee.lower() != (context.bot.username or "").lower():
        return  # a command for another bot in the group
    if not await context.services.networks.works_in(message.chat.id) or _minute_full(
        context, message.chat.id
    ):
        return
    t = context.services.translator(context.services.settings.language)
    await message.reply_html(t("net.group_private", bot=context.bot.username))


def _minute_full(context: BoldenContext, chat_id: int) -> bool:
    """Whether the group's messages for this minute (Telegram allows 20) are spent. A flooded
    group then gets no more pointers: one a minute late helps no one, and waiting for room
    would hold the writer's next updates, their private chat too (a person's updates are
    handled in order), and fill the updates in progress."""
    limiter = context.bot.rate_limiter
    if not isinstance(limiter, SharedRateLimiter):
        return False
    budget = limiter.budget
    return budget.group_wait(chat_id, budget.clock()) > 0


async def group_moved(update: Update, context: BoldenContext) -> None:
    """Telegram upgraded a group to a supergroup, which has a new chat id: the network follows.
    The old group's last message and the new one's first both say so; either is enough."""
    message = update.effective_message
    assert message is not None
    if message.migrate_to_chat_id:
        await context.services.networks.chat_moved(message.chat.id, message.migrate_to_chat_id)
    elif message.migrate_from_chat_id:
        await context.services.networks.chat_moved(message.migrate_from_chat_id, message.chat.id)


# -- routing rules ------------------------------------------------------------------------------


def _rule_text(context: BoldenContext, rule: Rule, networks: dict[int, str]) -> str:
    t, strategy, language = context.t, context.services.strategy, context.language
    anything = t.plain("rules.any")
    categories = {c.code: c.title.get(language) for c in strategy.categories}
    return t(
        "rules.row",
        kind=t.plain("bold.kind." + rule.kind) if rule.kind else anything,
        category=categories.get(rule.category, rule.category) if rule.category else anything,
        theme=", ".join(strategy.titles([rule.theme], language)) if rule.theme else anything,
        network=networks.get(rule.network_id, "?"),
    )


async def _rules(update: Update, context: BoldenContext, note: str = "") -> None:
    t, service = context.t, context.services.networks
    rules = await service.rules()
    networks = {n.id: n.name for n in await service.open_networks()}
    lines = [t("rules.title")]
    lines += [f"{i}. " + _rule_text(context, rule, networks) for i, rule in enumerate(rules, 1)]
    if not rules:
        lines.append(t("rules.none"))
    cross = next((n for n in await service.open_networks() if n.cross_professional), None)
    lines += ["", t("rules.fallback", network=cross.name) if cross else t("rules.no_fallback")]
    buttons = [
        _button(context, "rules.delete", RULE.data("delete", rule.id), number=i)
        for i, rule in enumerate(rules, 1)
    ]
    rows = grid(buttons, 4)
    rows.append(
        [
            _button(context, "rules.new", RULE.data("new")),
            _button(context, "net.back", NET.data("list")),
        ]
    )
    await show(
        update, (note + "\n\n" if note else "") + "\n".join(lines), InlineKeyboardMarkup(rows)
    )


async def _confirm_delete(update: Update, context: BoldenContext, rule_id: int) -> None:
    """A rule goes only after a second press: one tap on 🗑 asks first."""
    service = context.services.networks
    rules = await service.rules()
    number, rule = next(((i, r) for i, r in enumerate(rules, 1) if r.id == rule_id), (0, None))
    if rule is None:
        await _rules(update, context, context.t("rules.already_deleted"))
        return
    networks = {n.id: n.name for n in await service.open_networks()}
    question = context.t(
        "rules.delete_confirm", number=number, rule=Html(_rule_text(context, rule, networks))
    )
    keyboard = [
        _button(context, "rules.delete_yes", RULE.data("deleteyes", rule_id)),
        _button(context, "net.back", RULE.data("list")),
    ]
    await show(update, question, InlineKeyboardMarkup([keyboard]))


def _choices(
    context: BoldenContext, key: str, options: list[tuple[str, str]], data: list[str]
) -> tuple[str, InlineKeyboardMarkup]:
    """One question of the new-rule wizard: every option carries the answers so far."""
    buttons = [
        InlineKeyboardButton(label, callback_data=RULE.data(data[0], *data[1:], value))
        for label, value in options
    ]
    rows = grid(buttons)
    rows.append([_button(context, "bold.cancel", RULE.data("list"))])
    return context.t(key), InlineKeyboardMarkup(rows)


@coordinators_only
async def rules_command(update: Update, context: BoldenContext) -> None:
    """/rules: where bolde land, in the order the rules are tried."""
    await _rules(update, context)


@coordinators_only
async def rule_pressed(update: Update, context: BoldenContext) -> None:
    query, user = update.callback_query, update.effective_user
    assert query is not None
    assert user is not None
    press = RULE.parse(query.data)
    t, strategy, language = context.t, context.services.strategy, context.language
    anything = (t.plain("rules.any"), ANY)
    if press is None:
        await refuse_stale(update, context)
        return
    args = press.args
    if press.action == "list":
        await _rules(update, context)
    elif press.action == "delete" and args[0].isdigit():
        await _confirm_delete(update, context, int(args[0]))
    elif press.action == "deleteyes" and args[0].isdigit():
        removed = await context.services.networks.remove_rule(user.id, int(args[0]))
        await _rules(update, context, t("rules.deleted" if removed else "rules.already_deleted"))
    elif press.action == "new":
        kinds = [anything, *((t.plain("bold.kind." + k), k.value) for k in Kind)]
        await ask(update, context, *_choices(context, "rules.ask_kind", kinds, ["k"]))
    elif press.action == "k" and args[0] in {ANY, *Kind}:
        if args[0] in {ANY, Kind.PROBLEM} and strategy.categories:
            options = [
                anything,
                *((c.title.get(language), str(i)) for i, c in enumerate(strategy.categories)),
            ]
            await ask(
                update, context, *_choices(context, "rules.ask_category", options, ["c", args[0]])
            )
        else:
            await _ask_theme(update, context, [args[0], ANY])
    elif press.action == "c":
        await _ask_theme(update, context, list(args))
    elif press.action == "t":
        networks = [(n.name, str(n.id)) for n in await context.services.networks.open_networks()]
        await ask(update, context, *_choices(context, "rules.ask_network", networks, ["n", *args]))
    elif press.action == "n":
        await _add_rule(update, context, args)
    else:
        await refuse_stale(update, context)


async def _ask_theme(update: Update, context: BoldenContext, so_far: list[str]) -> None:
    t, language = context.t, context.language
    options = [
        (t.plain("rules.any"), ANY),
        *(
            (topic.title.get(language), str(i))
            for i, topic in enumerate(context.services.strategy.topics)
        ),
    ]
    await ask(update, context, *_choices(context, "rules.ask_theme", options, ["t", *so_far]))


def _pick(codes: list[str], choice: str) -> str | None:
    """The code chosen by its position in the strategy file; ANY is None; else ValueError."""
    if choice == ANY:
        return None
    if not choice.isdigit():
        raise ValueError(choice)
    return codes[int(choice)]


async def _add_rule(update: Update, context: BoldenContext, args: tuple[str, ...]) -> None:
    user = update.effective_user
    assert user is not None
    strategy = context.services.strategy
    try:
        kind = None if args[0] == ANY else args[0]
        category = _pick([c.code for c in strategy.categories], args[1])
        theme = _pick([topic.code for topic in strategy.topics], args[2])
        network_id = int(args[3])
    except (ValueError, IndexError):
        await refuse_stale(update, context)
        return
    rule = await context.services.networks.add_rule(user.id, kind, category, theme, network_id)
    if rule is None:
        await refuse_stale(update, context)
        return
    await _rules(update, context, context.t("rules.added"))


HANDLERS: list[BaseHandler[Update, BoldenContext, None]] = [
    CommandHandler(
        "start", join_link, filters.ChatType.PRIVATE & filters.Regex(r"^/start(@\w+)? net-")
    ),
    CommandHandler(
        "start", group_link, filters.ChatType.GROUPS & filters.Regex(r"^/start(@\w+)? netg-")
    ),
    MessageHandler(filters.StatusUpdate.MIGRATE, group_moved),
    # Every other message in a group ends here: no feature of the private chat answers there.
    MessageHandler(filters.ChatType.GROUPS, in_group),
    CommandHandler("network", network_command),
    CommandHandler("rules", rules_command),
    CallbackQueryHandler(kind_pressed, pattern=NET.pattern("kind")),
    CallbackQueryHandler(network_pressed, pattern=NET.pattern()),
    CallbackQueryHandler(rule_pressed, pattern=RULE.pattern()),
]
TYPED = {CONVERSATION: typed}
CHOICES = {CONVERSATION: frozenset({"kind"})}
ASK_AGAIN = {CONVERSATION: ask_again}
STARTS = {CONVERSATION: start_network}
