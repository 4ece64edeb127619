"""/about and the menu's strategy pages: what the strategy is, its targets and its themes."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import BoldenContext
from handlers.menu import MENU, home_button, refuse_stale, show
from handlers.paging import MAX_TEXT, paginate, turn_row
from handlers.target_views import progress_lines, timeline

# Room for the line that says which page this is.
_PAGE_LINE_ROOM = 40


async def about_text(context: BoldenContext) -> str:
    t, language = context.t, context.language
    strategy = context.services.strategy
    info = strategy.strategy
    lines = [t("about.intro", name=info.name.get(language), summary=info.summary.get(language))]
    if info.started:
        lines.append(t("about.started", month=t.month(info.started)))
    if strategy.core_areas:
        lines += ["", t("about.core_areas")]
        lines += [
            t("about.core_area", title=area.title.get(language)) for area in strategy.core_areas
        ]
    outlook = await context.services.targets.outlook()
    lines += ["", t("about.targets"), *timeline(t, strategy.targets, outlook.year)]
    if outlook.period:
        lines += [t("about.progress", year=outlook.year), *progress_lines(t, outlook)]
    else:
        lines.append(t("about.no_current_target", year=outlook.year))
    lines += ["", t.count("about.themes_hint", len(strategy.themes))]
    return "\n".join(lines)


def themes_pages(context: BoldenContext) -> list[str]:
    """Every theme with its sentence; a strategy with many themes gets several pages."""
    t, language = context.t, context.language
    themes = context.services.strategy.themes
    items = [
        t(
            "themes.item",
            number=number,
            title=theme.title.get(language),
            description=theme.description.get(language),
        )
        for number, theme in enumerate(themes, start=1)
    ]
    return paginate([t.count("themes.title", len(themes)), *items], MAX_TEXT - _PAGE_LINE_ROOM)


def about_keyboard(context: BoldenContext) -> InlineKeyboardMarkup:
    themes = InlineKeyboardButton(
        context.t.plain("menu.themes"), callback_data=MENU.data("themes", 0)
    )
    return InlineKeyboardMarkup([[themes, home_button(context.t)]])


def themes_keyboard(context: BoldenContext, page: int, pages: int) -> InlineKeyboardMarkup:
    t = context.t
    turn = turn_row(t, page, pages, lambda target: MENU.data("themes", target))
    about = InlineKeyboardButton(t.plain("menu.about"), callback_data=MENU.data("about"))
    return InlineKeyboardMarkup([row for row in (turn, [about, home_button(t)]) if row])


async def about(update: Update, context: BoldenContext) -> None:
    """The strategy, its targets and a way to its themes (/about and the menu)."""
    await show(update, await about_text(context), about_keyboard(context))


async def themes(update: Update, context: BoldenContext) -> None:
    """Every theme with one sentence about it (the menu), a page at a time."""
    pages = themes_pages(context)
    press = MENU.parse(update.callback_query.data if update.callback_query else None)
    page = int(press.args[0]) if press and press.args[0].isdigit() else -1
    if not 0 <= page < len(pages):
        await refuse_stale(update, context)
        return
    text = pages[page]
    if len(pages) > 1:
        text += "\n\n" + context.t("paging.page", page=page + 1, pages=len(pages))
    await show(update, text, themes_keyboard(context, page, len(pages)))


HANDLERS: list[BaseHandler[Update, BoldenContext, None]] = [
    CommandHandler("about", about),
    CallbackQueryHandler(about, pattern=MENU.pattern("about")),
    CallbackQueryHandler(themes, pattern=MENU.pattern("themes")),
]
