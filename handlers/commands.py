"""The commands a person may use, shown by /help and in Telegram's command menu."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Bot, BotCommand, BotCommandScopeChat
from telegram.error import BadRequest, TelegramError
from telegram.ext import JobQueue

from bot.context import SERVICES, BoldenApp, BoldenContext
from bot.i18n import Translator
from bot.services import Services

logger = logging.getLogger(__name__)

MENUS_JOB = "command-menus"
# Seconds before the first retry of the menus; each wait is twice the last, up to ten minutes.
FIRST_RETRY = 1.0
LAST_RETRY = 600.0

PUBLIC_COMMANDS = (
    "start", "bold", "mybolde", "events", "ambassador", "me", "themes", "certificate", "about",
    "help", "newsletters", "language", "privacy", "mydata", "deleteme", "leave", "cancel",
)  # fmt: skip
COORDINATOR_COMMANDS = (
    "inbox", "network", "rules", "event", "call", "broadcast", "newsletter", "ambassadors",
    "stats", "export", "audit", "coordinator",
)  # fmt: skip


# Only an ambassador has a profile, themes, a certificate and something to leave; they have
# /me where others have /ambassador to sign up.
AMBASSADOR_COMMANDS = frozenset({"me", "themes", "certificate", "leave"})


def personal_commands(ambassador: bool) -> list[str]:
    """The commands a person may use for themselves, in the menu's order."""
    hidden = {"ambassador"} if ambassador else AMBASSADOR_COMMANDS
    return [name for name in PUBLIC_COMMANDS if name not in hidden]


def bot_commands(
    t: Translator, ambassador: bool = False, coordinator: bool = False
) -> list[BotCommand]:
    names = [*personal_commands(ambassador), *(COORDINATOR_COMMANDS if coordinator else ())]
    return [BotCommand(name, t.plain(f"command.{name}")) for name in names]


async def register_commands(bot: Bot, services: Services) -> None:
    """The command menu for Danish and English apps (a citizen's), the default, and each
    coordinator's own. An ambassador's own is set when they sign up or write /start."""
    for language, t in services.translators.items():
        await bot.set_my_commands(bot_commands(t), language_code=language)
    await bot.set_my_commands(bot_commands(services.translator(services.settings.language)))
    for user_id in await services.coordinators.all():
        language = await services.people.language_of(user_id)
        await register_chat_commands(bot, services, user_id, services.translator(language))


async def set_menus_at_start(application: BoldenApp) -> None:
    """Set the command menus; when Telegram refuses, the bot starts without them (commands
    work when typed) and a job tries again."""
    assert application.job_queue is not None, "installed with python-telegram-bot[job-queue]"
    services: Services = application.bot_data[SERVICES]
    await _set_menus(application.bot, services, application.job_queue, FIRST_RETRY)


async def retry_menus(context: BoldenContext) -> None:
    """The JobQueue's next try; the job's data is how long to wait if this one fails too."""
    assert context.job is not None
    assert context.job_queue is not None
    wait = context.job.data
    assert isinstance(wait, float)
    await _set_menus(context.bot, context.services, context.job_queue, wait)


async def _set_menus(bot: Bot, services: Services, jobs: JobQueue[Any], wait: float) -> None:
    try:
        await register_commands(bot, services)
    except TelegramError as error:
        logger.warning("Setting the command menus failed (%s); trying again in %.0f s", error, wait)
        next_wait = min(wait * 2, LAST_RETRY)
        jobs.run_once(retry_menus, when=wait, data=next_wait, name=MENUS_JOB)
    else:
        if wait > FIRST_RETRY:
            logger.info("The command menus are set")


async def roles(services: Services, user_id: int) -> tuple[bool, bool]:
    """Whether the person is an ambassador, and whether a coordinator: their commands follow."""
    ambassador = await services.ambassadors.profile(user_id) is not None
    return ambassador, await services.coordinators.is_coordinator(user_id)


async def register_chat_commands(bot: Bot, services: Services, user_id: int, t: Translator) -> None:
    """One person's menu after their roles or language may have changed: their own for an
    ambassador, a coordinator or someone who chose a language; a citizen's default otherwise."""
    ambassador, coordinator = await roles(services, user_id)
    person = await services.people.known(user_id)
    chosen = person is not None and person.language_chosen
    scope = BotCommandScopeChat(user_id)
    try:
        if ambassador or coordinator or chosen:
            await bot.set_my_commands(bot_commands(t, ambassador, coordinator), scope=scope)
        else:
            await bot.delete_my_commands(scope=scope)
    except BadRequest as error:
        # Someone who has not opened the chat with the bot yet (a coordinator named in the
        # configuration): their /start sets it.
        logger.info("No command menu for chat %s yet: %s", user_id, error)
