"""The coordinator's first commands: grant the role, see the ambassadors, export, figures."""

from __future__ import annotations

import asyncio

from telegram import InputFile, Update
from telegram.ext import BaseHandler, CommandHandler

from bot.context import BoldenContext
from bot.i18n import Translator
from handlers.commands import register_chat_commands
from handlers.roles import coordinators_only
from handlers.target_views import period_years, progress_lines


@coordinators_only
async def coordinator(update: Update, context: BoldenContext) -> None:
    """/coordinator add <id> and /coordinator remove <id>."""
    user, message = update.effective_user, update.effective_message
    assert user is not None
    assert message is not None
    args = context.args or []
    if len(args) != 2 or args[0] not in {"add", "remove"} or not args[1].isdigit():
        await message.reply_html(context.t("coordinator.usage"))
        return
    action, subject = args[0], int(args[1])
    service = context.services.coordinators
    change = await (service.grant if action == "add" else service.revoke)(user.id, subject)
    if change.configured:
        key = "coordinator.configured"
    elif change.changed:
        key = "coordinator.added" if action == "add" else "coordinator.removed"
        language = await context.services.people.language_of(subject)
        await register_chat_commands(
            context.bot, context.services, subject, context.services.translator(language)
        )
    else:
        key = "coordinator.already" if action == "add" else "coordinator.not_one"
    await message.reply_html(context.t(key, id=subject))


@coordinators_only
async def ambassadors(update: Update, context: BoldenContext) -> None:
    """/ambassadors: counts by kind and by theme, the passive apart, and the newest ten."""
    message = update.effective_message
    assert message is not None
    t, language, strategy = context.t, context.language, context.services.strategy
    overview = await context.services.coordinators.overview()
    kinds = {kind.code: kind.title.get(language) for kind in strategy.ambassador_kinds}
    topics = {topic.code: topic.title.get(language) for topic in strategy.topics}
    lines = [
        t("ambassadors.title", counts=_active_and_passive(t, overview.active, overview.passive)),
        "",
    ]
    lines.append(t("ambassadors.by_kind"))
    lines += [
        t("ambassadors.row", name=kinds.get(c, c), total=n)
        for c, n in sorted(overview.by_kind.items(), key=lambda i: -i[1])
    ]
    lines += ["", t("ambassadors.by_topic")]
    lines += [
        t("ambassadors.row", name=topics.get(c, c), total=n)
        for c, n in sorted(overview.by_topic.items(), key=lambda i: -i[1])
    ]
    lines += ["", t("ambassadors.newest")]
    lines += [
        t(
            "ambassadors.person",
            number=a.number,
            name=a.display_name,
            kind=kinds.get(a.kind, a.kind),
            passive=t.plain("ambassadors.passive") if a.status == "passive" else "",
        )
        for a in overview.newest
    ]
    await message.reply_html("\n".join(lines))


def _active_and_passive(t: Translator, active: int, passive: int) -> str:
    """Both counts, each with the word that fits it: "3 aktive og 1 passiv"."""
    return t.listing(
        [
            t.plain_count("ambassadors.active_count", active),
            t.plain_count("ambassadors.passive_count", passive),
        ]
    )


@coordinators_only
async def export(update: Update, context: BoldenContext) -> None:
    """/export [ambassadors|bolde]: a CSV file made for Excel in Danish (in parts, or zipped,
    when it is big)."""
    chat, message = update.effective_chat, update.effective_message
    assert chat is not None
    assert message is not None
    what = (context.args or ["ambassadors"])[0].lower()
    if what == "ambassadors":
        export_csv = context.services.coordinators.export_csv
    elif what == "bolde":
        export_csv = context.services.bolde.export_csv
    else:
        await message.reply_html(context.t("export.usage"))
        return
    async with export_csv() as files:
        for number, file in enumerate(files, start=1):
            lines = [context.t(f"export.{what}")]
            if len(files) > 1:
                lines.append(context.t("export.part", part=number, parts=len(files)))
            if file.name.endswith(".zip"):
                lines.append(context.t("export.zipped"))
            data = await asyncio.to_thread(file.path.read_bytes)
            await context.bot.send_document(
                chat.id, InputFile(data, filename=file.name), caption="\n".join(lines)
            )


@coordinators_only
async def stats(update: Update, context: BoldenContext) -> None:
    """/stats: the figures, against the targets of the period that holds now."""
    message = update.effective_message
    assert message is not None
    t = context.t
    outlook = await context.services.targets.outlook()
    figures = outlook.figures
    lines = [
        t("stats.title"),
        t("stats.active", counts=_active_and_passive(t, figures.active, figures.passive)),
        t("stats.citizens", share=t.percent(figures.citizen_share)),
    ]
    if outlook.period:
        lines += [t("stats.target_period", years=period_years(outlook.period))]
        lines += progress_lines(t, outlook)
    else:
        lines.append(t("stats.no_current_target", year=outlook.year))
    lines += ["", *await _bolde_figures(context), "", *await _activities(context)]
    await message.reply_html("\n".join(lines))


async def _activities(context: BoldenContext) -> list[str]:
    """Events and calls held, per year and kind."""
    t, strategy = context.t, context.services.strategy
    lines = [t("stats.activities")]
    kinds = {k.code: k.title.get(context.language) for k in strategy.event_kinds}
    kinds["call"] = t.plain("call.kind")
    years = await context.services.events.activities()
    for year in years:
        held = sum(year.by_kind.values())
        lines.append(t.count("stats.activities_year", held, year=year.year, attended=year.attended))
        lines += [
            t("ambassadors.row", name=kinds.get(k, k), total=n)
            for k, n in sorted(year.by_kind.items(), key=lambda i: -i[1])
        ]
    if not years:
        lines.append(t("stats.no_activities"))
    return lines


async def _bolde_figures(context: BoldenContext) -> list[str]:
    t, language, strategy = context.t, context.language, context.services.strategy
    figures = await context.services.bolde.figures()
    topics = {topic.code: topic.title.get(language) for topic in strategy.topics}
    lines = [t("stats.bolde", total=figures.total)]
    kinds = {c: t.plain("bold.kind." + c) for c in figures.by_kind}
    statuses = {c: t.plain("bold.status." + c) for c in figures.by_status}
    for key, counts, names in (
        ("stats.bolde_by_kind", figures.by_kind, kinds),
        ("stats.bolde_by_status", figures.by_status, statuses),
        ("stats.bolde_by_topic", figures.by_topic, topics),
    ):
        if counts:
            lines.append(t(key))
            lines += [
                t("ambassadors.row", name=names.get(c, c), total=n)
                for c, n in sorted(counts.items(), key=lambda i: -i[1])
            ]
    wait = figures.median_to_first_answer
    lines.append(
        t("stats.first_answer", wait=t.duration(wait)) if wait else t("stats.no_answers_yet")
    )
    return lines


HANDLERS: list[BaseHandler[Update, BoldenContext, None]] = [
    CommandHandler("coordinator", coordinator),
    CommandHandler("ambassadors", ambassadors),
    CommandHandler("export", export),
    CommandHandler("stats", stats),
]
