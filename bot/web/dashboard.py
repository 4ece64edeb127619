"""The coordinators' dashboard, a Telegram Mini App: charts of the strategy's figures, the
ambassador search and the exports.

Signing in: Telegram opens /dashboard with its signed `initData` in the address's fragment,
which never reaches a server; /static/dashboard.js posts it to /dashboard/session. There it is
checked (bot/web/initdata.py) and the person's coordinator role too, and the answer is a
redirect to the dashboard with a session: the user id and an expiry, signed for the purpose
"dashboard". The session travels in the address (`?s=`), not in a cookie, because Telegram
Web shows a Mini App in a frame of another site, where browsers drop cookies; it lives an hour,
the server keeps no access log, and Referrer-Policy keeps it from other sites. Every page and
download checks it and the role again, so a coordinator removed in the chat is out at once.
"""

from __future__ import annotations

import asyncio
import zipfile
from datetime import date, datetime, timedelta
from urllib.parse import quote, urlencode

from aiohttp import web
from markupsafe import Markup

from bot.config import LANGUAGES
from bot.i18n import Translator
from bot.services import Services
from bot.services.dashboard import Overview, month_label, overview
from bot.services.exports import ExportFile, ExportFilter
from bot.web.charts import Bar, Figure, Series, bar_chart, line_chart
from bot.web.context import site_of
from bot.web.initdata import Refusal, language_of, validated
from bot.web.numbers import page_index
from bot.web.pages import targets
from bot.web.render import language_of as page_language
from bot.web.render import link, render
from bot.web.signing import sign, verified
from storage.bolde import Status

routes = web.RouteTableDef()
SESSION = timedelta(hours=1)
PURPOSE = "dashboard"
NOT_COORDINATOR = "not_coordinator"
EXPIRED_SESSION = "session"
REASONS = {*Refusal, NOT_COORDINATOR, EXPIRED_SESSION}
CHUNK = 256 * 1024  # bytes of a download read at a time


def session_for(services: Services, user_id: int) -> str:
    expires = int((services.clock() + SESSION).timestamp())
    return sign(services.settings, PURPOSE, f"{user_id}-{expires}")


async def coordinator_of(request: web.Request) -> int | None:
    """The coordinator whose session the address carries, if it is genuine, not expired, and
    the person still coordinates."""
    services = site_of(request).services
    value = verified(services.settings, PURPOSE, request.query.get("s", ""))
    user, _, expires = (value or "").partition("-")
    if not (user.isdigit() and expires.isdigit()):
        return None
    if int(expires) < services.clock().timestamp():
        return None
    return int(user) if await services.coordinators.is_coordinator(int(user)) else None


def _refused(request: web.Request, reason: str) -> web.Response:
    return render(request, "dashboard_refused.html", status=403, reason=reason)


@routes.get("/dashboard")
async def opening(request: web.Request) -> web.Response:
    """The page Telegram opens: its script signs in with the data in the fragment."""
    return render(request, "dashboard_open.html")


@routes.post("/dashboard/session")
async def session(request: web.Request) -> web.Response:
    services = site_of(request).services
    init_data = str((await request.post()).get("init_data", ""))
    assert services.settings.token is not None
    token = services.settings.token.get_secret_value()
    found = validated(init_data, token, services.clock())
    # The pages that follow speak the language of the person's Telegram.
    code = language_of(init_data).split("-")[0].lower()
    query = {"lang": code} if code in LANGUAGES and code != services.settings.language else {}
    if isinstance(found, Refusal):
        target = "/dashboard/refused"
        query["why"] = found
    elif not await services.coordinators.is_coordinator(found.id):
        target = "/dashboard/refused"
        query["why"] = NOT_COORDINATOR
    else:
        target = "/dashboard/view"
        query["s"] = session_for(services, found.id)
    raise web.HTTPSeeOther(f"{target}?{urlencode(query)}")


@routes.get("/dashboard/refused")
async def refused(request: web.Request) -> web.Response:
    reason = request.query.get("why", "")
    return _refused(request, reason if reason in REASONS else Refusal.MISSING)


@routes.get("/dashboard/view")
async def view(request: web.Request) -> web.Response:
    if await coordinator_of(request) is None:
        return _refused(request, EXPIRED_SESSION)
    services = site_of(request).services
    t = services.translator(page_language(request))
    strategy = services.strategy
    kinds = {k.code: k.title.get(t.language) for k in strategy.ambassador_kinds}
    topics = {topic.code: topic.title.get(t.language) for topic in strategy.topics}
    # The search as in the chat's /ambassadors: words, a kind and a theme (unknown ones: all).
    words = " ".join(request.query.get("q", "").split())[:100]
    kind = request.query.get("kind") if request.query.get("kind") in kinds else None
    topic = request.query.get("topic") if request.query.get("topic") in topics else None
    found = await services.coordinators.find(words, kind, topic, page_index(request))
    figures = await overview(services)
    session_value = request.query["s"]
    search = {"q": words, "kind": kind, "topic": topic}
    return render(
        request,
        "dashboard.html",
        session=session_value,
        charts=_charts(t, services, figures),
        measured=targets(t, figures.outlook, figures.years),
        figures=figures,
        search=search,
        found=found,
        kinds=kinds,
        topics=topics,
        turn=lambda to: link(request, "/dashboard/view", s=session_value, page=to + 1, **search),
    )


@routes.get("/dashboard/export/{what}")
async def download(request: web.Request) -> web.StreamResponse:
    """The chat's /export as a download: the same files, written in the audit log the same."""
    user_id = await coordinator_of(request)
    if user_id is None:
        return _refused(request, EXPIRED_SESSION)
    services = site_of(request).services
    what = request.match_info["what"]
    make = services.exporter(what)
    if make is None:
        raise web.HTTPNotFound()
    t = services.translator(page_language(request))
    async with make(user_id, t, ExportFilter()) as files:
        if not files:
            return render(request, "dashboard_nothing.html", what=what, session=request.query["s"])
        file = files[0] if len(files) == 1 else await asyncio.to_thread(_bundled, files)
        return await _send(request, file)


def _bundled(files: list[ExportFile]) -> ExportFile:
    """A big export's parts in one zip: a browser takes one download without a fuss."""
    name = files[0].name.rsplit("-", 1)[0] + ".zip"
    path = files[0].path.parent / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for part in files:
            archive.write(part.path, part.name)
    return ExportFile(path, name)


async def _send(request: web.Request, file: ExportFile) -> web.StreamResponse:
    kind = "application/zip" if file.name.endswith(".zip") else "text/csv; charset=utf-8"
    response = web.StreamResponse(
        headers={
            "Content-Type": kind,
            "Content-Disposition": f'attachment; filename="{file.name}"; '
            f"filename*=UTF-8''{quote(file.name)}",
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        }
    )
    response.content_length = file.path.stat().st_size
    await response.prepare(request)
    with file.path.open("rb") as source:
        while chunk := await asyncio.to_thread(source.read, CHUNK):
            await response.write(chunk)
    await response.write_eof()
    return response


def _charts(t: Translator, services: Services, figures: Overview) -> dict[str, Figure]:
    """Every chart of the dashboard, by its place on the page."""
    growth, bolde = figures.growth, figures.bolde
    lines = [Series(t.plain("web.dash.series.ambassadors"), [float(n) for n in growth.ambassadors])]
    if growth.on_track is not None:
        lines.append(Series(t.plain("web.dash.series.on_track"), growth.on_track))
    # Without a goal there is no on-track line, and the sentence does not speak of one.
    about = "desc" if growth.on_track is not None else "alone"
    charts = {"growth": _over_months(t, "growth", growth.months, lines, about)}
    if bolde.total:
        # Every status, none left out, in the order of the lifecycle, as the public board.
        flow = [Bar(t.plain(f"bold.status.{s}"), bolde.by_status.get(s, 0)) for s in Status]
        charts["by_status"] = _bars(t, "by_status", flow, ("by_status", "bolde"))
    bold_kinds = {code: t.plain(f"bold.kind.{code}") for code in bolde.by_kind}
    topics = {topic.code: topic.title.get(t.language) for topic in services.strategy.topics}
    for key, counts, names in (
        ("by_kind", bolde.by_kind, bold_kinds),
        ("by_topic", bolde.by_topic, topics),
    ):
        if counts:
            ranked = sorted(counts.items(), key=lambda item: -item[1])
            bars = [Bar(names.get(code, code), n) for code, n in ranked]
            charts[key] = _bars(t, key, bars, (key, "bolde"))
    if figures.arrivals:
        networks = [
            Series(name or t.plain("web.dash.not_routed"), [float(n) for n in counts])
            for name, counts in figures.arrivals.items()
        ]
        charts["arrivals"] = _over_months(t, "arrivals", growth.months, networks)
    if figures.turnout:
        held = [
            Bar(f"{e.title} ({t.date(datetime.fromisoformat(e.starts_at))})", e.checked_in, e.yes)
            for e in figures.turnout
        ]
        mark = t.plain("web.dash.head.yes")
        charts["turnout"] = _bars(t, "turnout", held, ("event", "checked_in", "yes"), mark)
    return charts


def _over_months(
    t: Translator, key: str, months: list[date], lines: list[Series], about: str = "desc"
) -> Figure:
    """Lines over the months, said by the sentence `web.dash.{key}.{about}`; the table has a
    row per month and a column per line."""
    labels = [month_label(t, month) for month in months]
    return Figure(
        key,
        t.plain(f"web.dash.{key}.title"),
        Markup(t(f"web.dash.{key}.{about}")),
        line_chart(labels, lines, t.number),
        [t.plain("web.dash.head.month"), *(line.name for line in lines)],
        [
            [t.month(month), *(t.number(round(line.values[i])) for line in lines)]
            for i, month in enumerate(months)
        ],
    )


def _bars(
    t: Translator, key: str, bars: list[Bar], head: tuple[str, ...], mark: str = ""
) -> Figure:
    """Bars, each with its target when it has one; the table has a row per bar."""
    return Figure(
        key,
        t.plain(f"web.dash.{key}.title"),
        Markup(t(f"web.dash.{key}.desc")),
        bar_chart(bars, t.number, mark),
        [t.plain(f"web.dash.head.{column}") for column in head],
        [
            [bar.label, *(t.number(n) for n in (bar.value, bar.target) if n is not None)]
            for bar in bars
        ],
    )
