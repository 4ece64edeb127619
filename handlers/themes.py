"""/themes: the themes and core areas as toggles, each tap saved at once; the same picker
(`Picker`) chooses a bold's themes in /bold.

The picker fits a phone: themes, then core areas, on pages of a few, one toggle to a row so
that its label keeps its meaning; what each one means is one tap away on its page (ℹ️), not
beside every toggle, where it would halve the labels' width."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import BoldenContext
from bot.strategy import Strategy, Topic
from handlers.callbacks import CallbackCodec
from handlers.certificate import send_certificate
from handlers.menu import main_menu, refuse_stale, show
from handlers.paging import turn_row
from handlers.roles import ambassador_or_refuse
from storage.ambassadors import Ambassador

# toggle: code, page, finish; page and about: page, finish. `finish` is set during sign-up,
# where "done" also sends the certificate and the welcome stays above the toggles.
THEMES = CallbackCodec("themes", show=0, toggle=3, page=2, about=2, done=1)
PER_PAGE = 6
_LABEL_MAX = 30


def topic_pages(strategy: Strategy) -> list[list[Topic]]:
    """Themes, then core areas, a few on each page; the two never share a page."""
    return [
        group[i : i + PER_PAGE]
        for group in (strategy.themes, strategy.core_areas)
        for i in range(0, len(group), PER_PAGE)
    ]


def short_label(title: str) -> str:
    """A toggle's label: the title before a colon ("Bolig: at have et hjem" is "Bolig"), cut
    after a word to what a phone's width shows (the full titles are one tap away)."""
    label = title.split(":", 1)[0].strip() or title
    if len(label) <= _LABEL_MAX:
        return label
    cut = label.rfind(" ", 0, _LABEL_MAX)
    return label[: cut if cut > 0 else _LABEL_MAX - 1].rstrip() + "…"


@dataclass(frozen=True)
class Picker:
    """The callback data of one place the picker is used: a toggle, a page, a page's
    descriptions; `done` is the row that ends the choosing there."""

    toggle: Callable[[str, int], str]
    page: Callable[[int], str]
    about: Callable[[int], str]
    done: list[InlineKeyboardButton]

    def choose(
        self, context: BoldenContext, chosen: Collection[str], page: int
    ) -> tuple[str, list[list[InlineKeyboardButton]]]:
        """The page's heading and its rows: the toggles, a row to turn pages, ℹ️ and done."""
        pages = topic_pages(context.services.strategy)
        page = min(max(page, 0), len(pages) - 1)
        toggles = [
            InlineKeyboardButton(
                ("✅ " if topic.code in chosen else "▫️ ")
                + short_label(topic.title.get(context.language)),
                callback_data=self.toggle(topic.code, page),
            )
            for topic in pages[page]
        ]
        rows = [[toggle] for toggle in toggles]
        if turn := turn_row(context.t, page, len(pages), self.page):
            rows.append(turn)
        about = InlineKeyboardButton(
            context.t.plain("themes.about"), callback_data=self.about(page)
        )
        rows.append([about, *self.done])
        return _heading(context, page, pages), rows

    def explain(self, context: BoldenContext, page: int) -> tuple[str, InlineKeyboardMarkup]:
        """What the topics on the page mean, with the way back to choosing them."""
        pages = topic_pages(context.services.strategy)
        page = min(max(page, 0), len(pages) - 1)
        language = context.language
        blocks = [_heading(context, page, pages)] + [
            context.t(
                "themes.explained",
                title=topic.title.get(language),
                description=topic.description.get(language),
            )
            for topic in pages[page]
        ]
        back = InlineKeyboardButton(context.t.plain("themes.back"), callback_data=self.page(page))
        return "\n\n".join(blocks), InlineKeyboardMarkup([[back]])


def _heading(context: BoldenContext, page: int, pages: list[list[Topic]]) -> str:
    themes = context.services.strategy.themes
    key = "themes.page_themes" if pages[page][0] in themes else "themes.page_core"
    return context.t(key, page=page + 1, pages=len(pages))


def _picker(context: BoldenContext, finish: bool) -> Picker:
    done = InlineKeyboardButton(
        context.t.plain("themes.done"), callback_data=THEMES.data("done", int(finish))
    )
    return Picker(
        toggle=lambda code, page: THEMES.data("toggle", code, page, int(finish)),
        page=lambda page: THEMES.data("page", page, int(finish)),
        about=lambda page: THEMES.data("about", page, int(finish)),
        done=[done],
    )


def themes_page(
    context: BoldenContext, ambassador: Ambassador, finish: bool, page: int = 0
) -> tuple[str, InlineKeyboardMarkup]:
    """An ambassador's toggles; during sign-up under the welcome, which stays while they
    choose."""
    heading, rows = _picker(context, finish).choose(context, ambassador.topics, page)
    text = context.t("themes.choose") + "\n\n" + heading
    if finish:
        welcome = context.t("amb.welcome", number=ambassador.number, name=ambassador.display_name)
        text = welcome + "\n\n" + text
    return text, InlineKeyboardMarkup(rows)


async def choose_themes(update: Update, context: BoldenContext) -> None:
    """/themes and the profile's button: the toggles."""
    ambassador = await ambassador_or_refuse(update, context)
    if ambassador is not None:
        await show(update, *themes_page(context, ambassador, False))


def _number(value: str) -> int | None:
    return int(value) if value.isdigit() else None


async def themes_pressed(update: Update, context: BoldenContext) -> None:
    """A toggle (saved at once), a page, a page's descriptions, or done."""
    query, user = update.callback_query, update.effective_user
    assert query is not None
    assert user is not None
    press = THEMES.parse(query.data)
    if press is None or (press.args and press.args[-1] not in {"0", "1"}):
        await refuse_stale(update, context)
        return
    if press.action == "show":
        await choose_themes(update, context)
        return
    ambassador = await ambassador_or_refuse(update, context)
    if ambassador is None:
        return
    finish = press.args[-1] == "1"
    page = _number(press.args[-2]) if len(press.args) > 1 else 0
    if press.action == "toggle" and page is not None:
        changed = await context.services.ambassadors.toggle_topic(user.id, press.args[0])
        if changed is None:
            await refuse_stale(update, context)
            return
        await show(update, *themes_page(context, changed, finish, page))
    elif press.action == "page" and page is not None:
        await show(update, *themes_page(context, ambassador, finish, page))
    elif press.action == "about" and page is not None:
        await show(update, *_picker(context, finish).explain(context, page))
    elif press.action == "done":
        chosen = len(ambassador.topics)
        text = context.t.count("themes.saved", chosen) if chosen else context.t("themes.none")
        await show(update, text, main_menu(context.t))
        if finish:
            await send_certificate(update, context)
    else:
        await refuse_stale(update, context)


HANDLERS: list[BaseHandler[Update, BoldenContext, None]] = [
    CommandHandler("themes", choose_themes),
    CallbackQueryHandler(themes_pressed, pattern=THEMES.pattern()),
]
