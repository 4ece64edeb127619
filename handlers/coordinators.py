"""The coordinator's commands: who coordinates, the audit log, exports, figures."""

from __future__ import annotations

import asyncio
from datetime import datetime, time

from telegram import InlineKeyboardMarkup, InputFile, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import BoldenContext
from bot.services import Services
from bot.services.coordinators import audit_action, audit_subject
from bot.services.delivery import Notify, OutboxItem
from bot.services.exports import ExportFilter, FilterProblem, parse_filter, username
from bot.services.targets import period_years
from handlers.callbacks import CallbackCodec
from handlers.commands import register_chat_commands
from handlers.dashboard import send_with_chart
from handlers.directory import active_and_passive
from handlers.menu import refuse_stale, show
from handlers.paging import turn_row
from handlers.progress import translator_of
from handlers.roles import coordinators_only
from handlers.sending import message
from handlers.target_views import progress_lines
from storage.coordinators import AuditEntry

AUDIT = CallbackCodec("audit", page=1)


@coordinators_only
async def coordinator(update: Update, context: BoldenContext) -> None:
    """/coordinator add <id> and /coordinator remove <id>."""
    user, message = update.effective_user, update.effective_message
    assert user is not None
    assert message is not None
    args = context.args or []
    if not args:
        await message.reply_html(await _roster(context))
        return
    if len(args) != 2 or args[0] not in {"add", "remove"} or not args[1].isdigit():
        await message.reply_html(context.t("coordinator.usage"))
        return
    action, subject = args[0], int(args[1])
    service = context.services.coordinators
    if action == "add":
        change = await service.grant(user.id, subject, _welcome(context.services))
    else:
        change = await service.revoke(user.id, subject)
    if change.unknown:
        key = "coordinator.stranger"
    elif change.configured:
        key = "coordinator.configured"
    elif change.changed:
        key = "coordinator.added" if action == "add" else "coordinator.removed"
        language = await context.services.people.language_of(subject)
        await register_chat_commands(
            context.bot, context.services, subject, context.services.translator(language)
        )
    else:
        key = "coordinator.already" if action == "add" else "coordinator.not_one"
    await message.reply_html(context.t(key, who=await _named(context, subject)))


async def _named(context: BoldenContext, user_id: int) -> str:
    """The person as a coordinator reads them: name and id, or the id alone without a name."""
    names = await context.services.people.names([user_id])
    if user_id not in names:
        return str(user_id)
    return context.t.plain("coordinator.named", name=names[user_id], id=user_id)


async def _roster(context: BoldenContext) -> str:
    """/coordinator alone: who coordinates, and how to change it."""
    t = context.t
    lines = [t("coordinator.list")]
    for person in await context.services.coordinators.roster():
        who = person.name or username(person.username) or t.plain("coordinator.unknown")
        how = (
            t.plain("coordinator.by_setting")
            if person.configured or person.granted_at is None
            else t.plain("coordinator.since", date=t.date(person.granted_at))
        )
        lines.append(t("coordinator.person", id=person.user_id, who=who, how=how))
    return "\n".join([*lines, "", t("coordinator.usage")])


def _welcome(services: Services) -> Notify[int]:
    """A new coordinator hears it, and where to start."""

    async def render(user_id: int) -> list[OutboxItem]:
        t = await translator_of(services, user_id)
        return [message(user_id, t("coordinator.welcome"))]

    return render


# What /export can make, by the word typed (Danish or English).
_EXPORTS = {
    "ambassadors": "ambassadors", "ambassadører": "ambassadors", "ambassadorer": "ambassadors",
    "bolde": "bolde", "bolds": "bolde", "audit": "audit", "log": "audit",
}  # fmt: skip


@coordinators_only
async def export(update: Update, context: BoldenContext) -> None:
    """/export [ambassadors|bolde|audit] [first day [last day]] [network]: a CSV file made for
    Excel in Danish (in parts, or zipped, when it is big)."""
    user, chat, message = update.effective_user, update.effective_chat, update.effective_message
    assert user is not None
    assert chat is not None
    assert message is not None
    words = context.args or ["ambassadors"]
    what = _EXPORTS.get(words[0].casefold())
    if what is None:
        await message.reply_html(context.t("export.usage"))
        return
    only = parse_filter(words[1:], await context.services.networks.names())
    if isinstance(only, FilterProblem) or (what == "audit" and only.network_id):
        problem = only if isinstance(only, FilterProblem) else "no_network"
        await message.reply_html(context.t(f"export.problem.{problem}"))
        return
    services, t = context.services, context.t
    make = services.exporter(what)
    assert make is not None, "`what` is one of the exports' names"
    async with make(user.id, t, only) as files:
        if not files:
            filtered = "filtered" if only.first or only.network else "all"
            await message.reply_html(t(f"export.none.{what}.{filtered}"))
        for number, file in enumerate(files, start=1):
            lines = [t(f"export.{what}")]
            if only.first or only.network:
                lines.append(_filtered(context, only))
            if len(files) > 1:
                lines.append(t("export.part", part=number, parts=len(files)))
            if file.name.endswith(".zip"):
                lines.append(t("export.zipped"))
            data = await asyncio.to_thread(file.path.read_bytes)
            await context.bot.send_document(
                chat.id, InputFile(data, filename=file.name), caption="\n".join(lines)
            )


def _filtered(context: BoldenContext, only: ExportFilter) -> str:
    """The caption's line that says which rows the file holds."""
    t, lines = context.t, []
    if only.first:
        first = t.date(datetime.combine(only.first, time(12), t.zone))
        last = t.date(datetime.combine(only.last, time(12), t.zone)) if only.last else None
        lines.append(
            t("export.days", first=first, last=last) if last else t("export.from", first=first)
        )
    if only.network:
        lines.append(t("export.network", network=only.network))
    return "\n".join(lines)


@coordinators_only
async def audit(update: Update, context: BoldenContext) -> None:
    """/audit and its page buttons: the latest entries of the audit log, newest first."""
    query = update.callback_query
    press = AUDIT.parse(query.data) if query else None
    if query is not None and (press is None or not press.args[0].isdigit()):
        await refuse_stale(update, context)
        return
    t = context.t
    shown = await context.services.coordinators.audit_page(int(press.args[0]) if press else 0)
    lines = [t("audit.title")]
    lines += [_audit_line(context, entry) for entry in shown.entries] or [t("audit.empty")]
    if shown.pages > 1:
        lines += ["", t("paging.page", page=shown.page + 1, pages=shown.pages)]
    turn = turn_row(t, shown.page, shown.pages, lambda page: AUDIT.data("page", page))
    await show(update, "\n".join(lines), InlineKeyboardMarkup([turn] if turn else []))


def _audit_line(context: BoldenContext, entry: AuditEntry) -> str:
    t = context.t
    who = entry.actor_name or username(entry.actor_username) or str(entry.actor or "")
    return t(
        "audit.entry",
        at=t.moment(datetime.fromisoformat(entry.at)),
        who=who or t.plain("audit.nobody"),
        what=" ".join(filter(None, (audit_action(t, entry.action), audit_subject(t, entry)))),
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
        t("stats.active", counts=active_and_passive(t, figures.active, figures.passive)),
        t("stats.citizens", share=t.percent(figures.citizen_share)),
    ]
    if outlook.period:
        lines += [t("stats.target_period", years=period_years(outlook.period))]
        lines += progress_lines(t, outlook)
    else:
        lines.append(t("stats.no_current_target", year=outlook.year))
    lines += ["", *await _bolde_figures(context), "", *await _activities(context)]
    await send_with_chart(update, context, "\n".join(lines))


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
    CommandHandler("export", export),
    CommandHandler("audit", audit),
    CallbackQueryHandler(audit, pattern=AUDIT.pattern("page")),
    CommandHandler("stats", stats),
]
