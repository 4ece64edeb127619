"""/privacy, /mydata and /deleteme: a person's own data, shown, handed over or erased; and the
one-tap question that is the consent of someone who is not an ambassador to newsletters and
invitations (ambassadors consent by signing up)."""

from __future__ import annotations

from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Message, Update
from telegram.constants import ParseMode
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import BoldenContext
from bot.i18n import Translator
from bot.services.privacy import MyData
from handlers.ambassadors import profile_text
from handlers.bold_views import sender_page
from handlers.callbacks import CallbackCodec
from handlers.commands import register_chat_commands
from handlers.conversation import ask
from handlers.menu import MENU, home_button, refuse_stale, show, turn_buttons
from handlers.paging import paginate
from handlers.privacy_notice import privacy_notice

PRIVACY = CallbackCodec("privacy", erase=1, news=1)
_YES, _NO = "yes", "no"
_LISTED = 10  # of each kind, named in the summary: all the kinds together fit one message


def consent_button(t: Translator, gets_news: bool) -> InlineKeyboardButton:
    """The one button that changes the answer: no to someone who gets them, else yes. Offered
    under a bold's confirmation until the person has answered (not pressing it is no), and in
    /newsletters; never to an ambassador."""
    if gets_news:
        return InlineKeyboardButton(
            t.plain("consent.stop"), callback_data=PRIVACY.data("news", _NO)
        )
    return InlineKeyboardButton(t.plain("consent.start"), callback_data=PRIVACY.data("news", _YES))


async def consent(update: Update, context: BoldenContext) -> None:
    """Yes or no to newsletters and invitations, from a bold's confirmation or /newsletters:
    the answer in a pop-up, and the button turns into the one that undoes it."""
    query, user = update.callback_query, update.effective_user
    assert query is not None
    assert user is not None
    press = PRIVACY.parse(query.data)
    if press is None or press.args[0] not in {_YES, _NO}:
        await refuse_stale(update, context)
        return
    person = await context.services.people.consent_to_news(user.id, press.args[0] == _YES)
    t = context.t
    if person is None:
        await query.answer(t.plain("consent.ambassador"), show_alert=True)
        return
    context.person = person
    await query.answer(
        t.plain("consent.given" if person.news_consent else "consent.refused"), show_alert=True
    )
    if isinstance(query.message, Message) and query.message.reply_markup:
        turned = consent_button(t, person.gets_news)
        rows = [
            [turned if button.callback_data == query.data else button for button in row]
            for row in query.message.reply_markup.inline_keyboard
        ]
        await turn_buttons(update, InlineKeyboardMarkup(rows))


async def notice(update: Update, context: BoldenContext) -> None:
    """/privacy: who is responsible, what is stored, why and on what legal basis, for how long,
    who sees it, and the person's rights, the complaint to Datatilsynet included."""
    t = context.t
    text = privacy_notice(t, context.services.strategy.controller)
    await show(update, text, InlineKeyboardMarkup([[home_button(t)]]))


async def my_data(update: Update, context: BoldenContext) -> None:
    """/mydata: everything stored about the person, to read here, and as a JSON file."""
    user, chat = update.effective_user, update.effective_chat
    assert user is not None
    assert chat is not None
    data = await context.services.privacy.my_data(user.id)
    for page in paginate(summary(context, data)):
        await context.bot.send_message(chat.id, page, parse_mode=ParseMode.HTML)
    await context.bot.send_document(
        chat.id,
        InputFile(data.as_json(), filename="bolden-my-data.json"),
        caption=context.t("privacy.mydata"),
    )


def _when(t: Translator, value: str) -> str:
    return t.moment(datetime.fromisoformat(value))


def summary(context: BoldenContext, data: MyData) -> list[str]:
    """The stored rows in words, in the person's language: who they are, what they did, and
    each bold they sent with its timeline, as on the bold's own page."""
    t, rows = context.t, data.rows
    lines = [t("mydata.title")]
    # A Messenger person knows themselves by the id Meta gave them, not by ours.
    psids = {row["user_id"]: row["psid"] for row in rows["messenger_people"]}
    for person in rows["people"]:
        lines += [
            t("mydata.id", value=psids.get(person["user_id"], person["user_id"])),
            *([t("mydata.name", value=person["name"])] if person["name"] else []),
            t("mydata.language", value=t.plain("language.name." + person["language"])),
            t(
                "mydata.seen",
                first=_when(t, person["first_seen"]),
                last=_when(t, person["last_seen"]),
            ),
            t("mydata.news", value=t.plain(_news_key(data, person))),
        ]
    if data.ambassador is not None:
        lines += ["", profile_text(context, data.ambassador, len(rows["ambassadors_invited"]))]
        if data.ambassador.status == "left":
            lines.append(
                t("mydata.left", when=t.date(data.ambassador.left_at or data.ambassador.joined_at))
            )
    listed = {
        "mydata.links": [f"{r['kind']}-{r['argument']}" for r in rows["deep_links"]],
        "mydata.networks": [
            data.network_names.get(r["network_id"], str(r["network_id"]))
            for r in rows["network_members"]
        ],
        "mydata.answers": [
            f"{_title(data, r['event_id'])} ({t.plain('ev.mine.' + r['answer'])})"
            for r in rows["rsvps"]
        ],
        "mydata.checkins": [_title(data, r["event_id"]) for r in rows["attendance"]],
        "mydata.drafts": [t.plain("conv.kind." + r["name"]) for r in rows["conversations"]],
        "mydata.taken": [r["reference"] for r in rows["bolde_taken"]],
    }
    blocks = ["\n".join(lines)]
    lines = [t(key, value=_some(values)) for key, values in listed.items() if values]
    counted = {
        "mydata.messages": len(rows["outbox"]),
        "mydata.entries": sum(1 for r in rows["bold_events"] if r["note"]),
        "mydata.audit": len(rows["audit_log"]),
        "mydata.events_created": len(rows["events_created"]),
        "mydata.newsletters_created": len(rows["newsletters_created"]),
        "mydata.batches_created": len(rows["batches_created"]),
    }
    lines += [t(key, value=t.number(n)) for key, n in counted.items() if n]
    if lines:
        blocks.append("\n".join(lines))
    if data.bolde:
        blocks.append(t("mydata.bolde"))
    for sent in data.bolde:
        page, _ = sender_page(context.services, t, sent.bold, sent.timeline, data.network_names)
        blocks.append(page)
    return blocks


def _some(values: list[str]) -> str:
    """Each once, and no more than fit a message: the file holds every one."""
    unique = list(dict.fromkeys(values))
    return ", ".join(unique[:_LISTED]) + (", …" if len(unique) > _LISTED else "")


def _title(data: MyData, event_id: int) -> str:
    return data.event_titles.get(event_id, str(event_id))


def _news_key(data: MyData, person: dict[str, object]) -> str:
    if data.ambassador is not None and data.ambassador.status != "left":
        return "mydata.news_ambassador"
    if person["news_consent"] is None:
        return "mydata.news_unasked"
    return "common.yes" if person["news_consent"] else "common.no"


async def delete_me(update: Update, context: BoldenContext) -> None:
    """/deleteme: ask first, because it cannot be undone; say what it ends and what stays."""
    t, user = context.t, update.effective_user
    assert user is not None
    scope = await context.services.privacy.erasure_scope(user.id)
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t.plain("privacy.erase_yes"),
                    callback_data=PRIVACY.data("erase", scope.since),
                ),
                InlineKeyboardButton(t.plain("privacy.erase_no"), callback_data=MENU.data("home")),
            ]
        ]
    )
    lines = [
        t("privacy.erase_confirm"),
        *([t("privacy.erase_ambassador")] if scope.ambassador else []),
        *([t("privacy.erase_bolde")] if scope.sent_bolde else []),
    ]
    await ask(update, context, "\n\n".join(lines), keyboard)


async def erase(update: Update, context: BoldenContext) -> None:
    """Erase the person's data and say what was kept: nothing that identifies them. A second
    press finds the data it was asked about gone already."""
    user = update.effective_user
    assert user is not None
    press = PRIVACY.parse(update.callback_query.data if update.callback_query else None)
    if press is None:
        await refuse_stale(update, context)
        return
    t = context.t  # the person's language, read before it is erased with the rest
    if not await context.services.privacy.erase(user.id, press.args[0]):
        await show(update, t("privacy.already_erased"), InlineKeyboardMarkup([]))
        return
    context.person = None
    await show(update, t("privacy.erased"), InlineKeyboardMarkup([]))
    await register_chat_commands(context.bot, context.services, user.id, t)


HANDLERS: list[BaseHandler[Update, BoldenContext, None]] = [
    CommandHandler("privacy", notice),
    CommandHandler("mydata", my_data),
    CommandHandler("deleteme", delete_me),
    CallbackQueryHandler(erase, pattern=PRIVACY.pattern("erase")),
    CallbackQueryHandler(consent, pattern=PRIVACY.pattern("news")),
]
