"""What Messenger shows around the chat, set through the Messenger Profile API: the Get Started
button, the persistent menu (the commands a citizen needs most, typed as commands when chosen)
and the greeting before the first message."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.channels.messenger import payloads
from bot.i18n import Translator

# Meta's locales for each of the bot's languages; the bot's default language is Meta's default.
LOCALES = {"da": ("da_DK",), "en": ("en_US", "en_GB")}
MENU = ("start", "bold", "mybolde", "help")
# Meta's limits, which the catalogs' texts keep (tests/unit/test_messenger_inbound.py).
TITLE_MAX = 30
GREETING_MAX = 160


def messenger_profile(translators: Mapping[str, Translator], default: str) -> dict[str, Any]:
    """The settings for /me/messenger_profile, in every language of the catalogs."""
    menus: list[dict[str, Any]] = []
    greetings: list[dict[str, str]] = []
    for language, t in translators.items():
        locales = ("default",) if language == default else LOCALES[language]
        for locale in locales:
            menus.append(
                {"locale": locale, "composer_input_disabled": False, "call_to_actions": _menu(t)}
            )
            greetings.append({"locale": locale, "text": t.plain("messenger.greeting")})
    # Meta requires the default locale first.
    menus.sort(key=lambda menu: menu["locale"] != "default")
    greetings.sort(key=lambda greeting: greeting["locale"] != "default")
    return {
        "get_started": {"payload": payloads.GET_STARTED},
        "persistent_menu": menus,
        "greeting": greetings,
    }


def _menu(t: Translator) -> list[dict[str, str]]:
    return [
        {
            "type": "postback",
            "title": t.plain(f"messenger.menu.{name}"),
            "payload": payloads.command(f"/{name}"),
        }
        for name in MENU
    ]
