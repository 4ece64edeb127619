"""Pages from Jinja2 templates, with the chat's catalogs and language rules.

Texts come from the same catalogs as the chat: a catalog text is trusted HTML and every value
put into it is escaped by the Translator, so `t(...)` is marked safe; everything else a
template prints is escaped by Jinja's autoescape.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from bot.channels import Channel
from bot.config import LANGUAGES
from bot.i18n import Translator
from bot.sanitise import linked
from bot.web.context import site_of

ENVIRONMENT = Environment(
    loader=PackageLoader("bot.web", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
ENVIRONMENT.filters["linked"] = linked


class Texts:
    """The translator as templates use it: `t("key", name=...)`, `t.count("key", n)`."""

    def __init__(self, translator: Translator) -> None:
        self.translator = translator
        self.language = translator.language

    def __call__(self, key: str, /, **values: object) -> Markup:
        return Markup(self.translator(key, **values))

    def count(self, key: str, count: int, /, **values: object) -> Markup:
        return Markup(self.translator.count(key, count, **values))

    def __getattr__(self, name: str) -> Any:
        # number, percent, date, moment, listing, month: as in the chat
        return getattr(self.translator, name)


def language_of(request: web.Request) -> str:
    """Danish first: `?lang=en` switches; anything else is the bot's own language."""
    wanted = request.query.get("lang", "")
    if wanted in LANGUAGES:
        return wanted
    return site_of(request).services.settings.language


def link(request: web.Request, path: str, **query: object) -> str:
    """A link to another page of the site in the language of this one."""
    language = language_of(request)
    parts = {name: str(value) for name, value in query.items() if value not in (None, "")}
    if language != site_of(request).services.settings.language:
        parts["lang"] = language
    if not parts:
        return path
    return f"{path}?{urlencode(parts)}"


def render(
    request: web.Request,
    template: str,
    *,
    status: int = 200,
    channel: Channel = Channel.TELEGRAM,
    **context: object,
) -> web.Response:
    """The page in its language; a page about one person's chat (an e-mail's unsubscribe
    link) speaks of their channel."""
    site = site_of(request)
    language = language_of(request)
    texts = Texts(site.services.translator(language, channel))
    other = next(code for code in LANGUAGES if code != language)
    body = ENVIRONMENT.get_template(template).render(
        t=texts,
        lang=language,
        other_language=other,
        switch_language=_switched(request, other),
        link=lambda path, **query: link(request, path, **query),
        path=request.path,
        site=site,
        content_lang=_content_lang(site.services.settings.language, language),
        **context,
    )
    return web.Response(text=body, status=status, content_type="text/html", charset="utf-8")


def _content_lang(written: str, shown: str) -> Markup:
    """The attribute that marks what people and the municipality wrote (answers, newsletters,
    events, organisations), which is in the bot's language, on a page in another (WCAG 3.1.2)."""
    return Markup(f' lang="{written}"') if written != shown else Markup("")


def _switched(request: web.Request, language: str) -> str:
    """This very page in the other language, its filters kept."""
    query = {name: value for name, value in request.query.items() if name != "lang"}
    if language != site_of(request).services.settings.language:
        query["lang"] = language
    return f"{request.path}?{urlencode(query)}" if query else request.path
