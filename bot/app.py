"""Builds the python-telegram-bot Application and runs the start-up and shutdown work."""

from __future__ import annotations

import errno
import ipaddress
import logging
import os
import signal
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

import httpx
from telegram import Bot, Update
from telegram.ext import ApplicationBuilder, ContextTypes
from telegram.request import BaseRequest, HTTPXRequest

from bot.channels.messenger.bridge import OUT, MessengerBridge, outbound_in, telegram_files
from bot.channels.messenger.channel import MESSENGER, Messenger
from bot.channels.messenger.delivery import MessengerOut
from bot.clock import Clock, utc_now
from bot.config import ConfigError, Settings
from bot.context import SERVICES, BoldenApp, BoldenContext
from bot.delivery.budget import Budget
from bot.delivery.email import Mailer
from bot.delivery.limiter import SharedRateLimiter
from bot.delivery.sender import Sender
from bot.i18n import Translator, load_catalogs
from bot.polling import SkippingUnreadable
from bot.scheduling import schedule
from bot.services import Services
from bot.strategy import Strategy, load_strategy
from bot.web import webhook
from bot.web.context import BOT_DATA_KEY, Site
from bot.web.health import VITALS, Vitals
from bot.web.server import WebServer
from bot.web.webhook import Acknowledging
from handlers import register_all
from handlers.commands import set_menus_at_start
from handlers.progress import report, translator_of
from storage import outbox
from storage.database import Database
from storage.migrations import migrate

logger = logging.getLogger(__name__)
_PENDING = "pending-services"
_SENDER = "outbox-sender"
WEB = "web-server"
# Replies are retried when Telegram says 429 (by the rate limiter) or a connection fails (by
# httpx); the outbox reschedules its own in the database.
_RETRIES = 3


class BotApiRequest(HTTPXRequest):
    """A connection to the Bot API that notes when it last got a successful answer (/readyz)."""

    def __init__(self, vitals: Vitals, pool_size: int, timeout: float = 5.0) -> None:
        # httpx retries only connections that failed to open: a request that left is never
        # repeated.
        transport = httpx.AsyncHTTPTransport(
            retries=_RETRIES, limits=httpx.Limits(max_connections=pool_size)
        )
        super().__init__(
            connection_pool_size=pool_size,
            read_timeout=timeout,
            write_timeout=timeout,
            httpx_kwargs={"transport": transport},
        )
        self._vitals = vitals

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        status, payload = await super().do_request(*args, **kwargs)
        if 200 <= status < 300:
            self._vitals.bot_api_answered()
        return status, payload


def build_application(
    settings: Settings,
    strategy: Strategy | None = None,
    clock: Clock = utc_now,
) -> BoldenApp:
    assert settings.token is not None, "the sandbox supplies a token when none is configured"
    vitals = Vitals(clock)
    request = bridged(settings, BotApiRequest(vitals, 64))
    application: BoldenApp = (
        ApplicationBuilder()
        .token(settings.token.get_secret_value())
        .base_url(f"{settings.api_base_url}/bot")
        .base_file_url(f"{settings.api_base_url}/file/bot")
        .request(request)
        .get_updates_request(SkippingUnreadable(BotApiRequest(vitals, 1)))
        # One budget for the token: these replies and the outbox sender (start_sender) share it.
        .rate_limiter(SharedRateLimiter(Budget(settings.delivery_rate), max_retries=_RETRIES))
        .context_types(ContextTypes(context=BoldenContext))
        .concurrent_updates(Acknowledging())
        .post_init(on_startup)
        .post_shutdown(on_shutdown)
        .build()
    )
    if isinstance(request, MessengerBridge):
        request.attach(application.bot_data)
    application.bot_data[VITALS] = vitals
    application.bot_data[_PENDING] = (
        settings,
        strategy or load_strategy(settings.content),
        load_catalogs(),
        clock,
    )
    register_all(application)
    return application


def bridged(settings: Settings, request: BaseRequest) -> BaseRequest:
    """With Messenger, a Bot API call for a Messenger person is answered by the bridge (its
    channel is found in the Application's bot_data once on_startup has started it)."""
    return MessengerBridge(request) if settings.messenger else request


def _outbox_bot(application: BoldenApp, settings: Settings, vitals: Vitals) -> Bot:
    """The outbox's own connection to Telegram (its own pool and timeout); the sender keeps
    to the budget it shares with the Application's rate limiter."""
    assert settings.token is not None
    request = bridged(settings, BotApiRequest(vitals, 2, settings.delivery_timeout))
    if isinstance(request, MessengerBridge):
        request.attach(application.bot_data)
    return Bot(
        settings.token.get_secret_value(),
        base_url=f"{settings.api_base_url}/bot",
        base_file_url=f"{settings.api_base_url}/file/bot",
        request=request,
    )


def budget_of(application: BoldenApp) -> Budget:
    limiter = application.bot.rate_limiter
    assert isinstance(limiter, SharedRateLimiter), "build_application sets it"
    return limiter.budget


async def start_sender(application: BoldenApp, services: Services) -> None:
    settings = services.settings
    vitals: Vitals = application.bot_data[VITALS]
    bot = _outbox_bot(application, settings, vitals)
    await bot.initialize()
    sender = Sender(
        services.delivery,
        bot,
        Mailer(settings, services.clock) if settings.smtp_host else None,
        budget_of(application),
        settings.delivery_chat_interval,
        settings.progress_every,
        on_batch=lambda batch_id: report(application, batch_id),
        instance=services.instance,
        messenger=outbound_in(application.bot_data),
    )
    sender.start()
    vitals.sender = sender
    application.bot_data[_SENDER] = (sender, bot)


async def on_startup(application: BoldenApp) -> None:
    """Open and migrate the database, build the services, set the command menus (or a job
    that tries again), start the jobs and the sender."""
    settings, strategy, catalogs, clock = application.bot_data.pop(_PENDING)
    db = await Database.open(settings.database, settings.database_busy_timeout)
    try:
        await migrate(db)
        services = Services.build(settings, strategy, db, catalogs, clock)
    except BaseException:
        await db.close()
        raise
    # From here on, on_shutdown closes the database whatever fails.
    application.bot_data[SERVICES] = services
    # What another process on the database puts in the outbox wakes this one's sender.
    db.listen(outbox.DUE, services.delivery.wake.set)
    await services.instance.start()
    if not settings.webhook_url and not services.instance.leading:
        # Telegram gives updates to one poller: another process polls for this database, and
        # this one stands by until it is gone. Several at once take updates at a webhook.
        logger.info("Another process polls for this database; this one takes over when it stops")
        await services.instance.wait_to_lead()
    if not settings.webhook_url and db.shared:
        services.instance.on_lost_lead = _stop_polling
    await set_menus_at_start(application)
    if settings.messenger:
        messenger = Messenger(settings, db, clock)
        application.bot_data[MESSENGER] = messenger  # closed by on_shutdown, also half-started
        assert application.job_queue is not None
        await messenger.start(application.job_queue, services.translators)

        async def language(user_id: int) -> Translator:
            return await translator_of(services, user_id)

        fetch = telegram_files(application.bot)
        application.bot_data[OUT] = MessengerOut(messenger, language, fetch)
    await schedule(application)
    await start_sender(application, services)
    if settings.webhook_url or settings.messenger:
        await webhook.prepare(services)
    await start_web(application, services)


def _stop_polling() -> None:
    """Another process took the lead, and polls now: two pollers would take each other's
    updates. This one stops as on SIGTERM; a service manager starts it again, to stand by."""
    logger.error("Another process polls for this database now: this one stops")
    os.kill(os.getpid(), signal.SIGTERM)


async def start_web(application: BoldenApp, services: Services) -> None:
    settings = services.settings
    site = Site(services, application, settings.public_origin or "")
    server = WebServer(site)
    try:
        await server.start(settings.web_host, settings.web_port)
    except OSError as error:
        raise ConfigError(_unusable_address(settings, error)) from None
    application.bot_data[WEB] = server
    application.bot_data[BOT_DATA_KEY] = site
    updates = f"webhook at {settings.webhook_url}" if settings.webhook_url else "polling"
    logger.info(
        "Web server listening on %s, public address %s, updates by %s",
        server.listening,
        site.public_url,
        updates,
    )
    if not site.public_url.startswith("https://"):
        logger.info(
            "The public address is not https, so coordinators get no dashboard button: "
            "Telegram opens Mini Apps from https only"
        )
    if settings.smtp_host and _on_this_machine(site.public_url):
        logger.warning(
            "BOLDEN_SMTP_HOST is set, but the public address %s is on this machine only: the "
            "unsubscribe links in e-mails will not work; set BOLDEN_PUBLIC_URL",
            site.public_url,
        )


def _on_this_machine(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _unusable_address(settings: Settings, error: OSError) -> str:
    """One line naming the setting to change: the host when the machine has no such address,
    else the port (in use, or below 1024 without the right to it)."""
    if isinstance(error, socket.gaierror):
        reason = (error.strerror or "unknown host").lower()
    else:
        reason = os.strerror(error.errno).lower() if error.errno else str(error)
    if isinstance(error, socket.gaierror) or error.errno == errno.EADDRNOTAVAIL:
        return f"BOLDEN_WEB_HOST {settings.web_host} cannot be used: {reason}"
    return f"BOLDEN_WEB_PORT {settings.web_port} on {settings.web_host} cannot be used: {reason}"


def web_of(application: BoldenApp) -> WebServer:
    server: WebServer = application.bot_data[WEB]
    return server


async def on_shutdown(application: BoldenApp) -> None:
    """Stop the web server and the sender, then close the database, also when stopping either
    failed."""
    server: WebServer | None = application.bot_data.pop(WEB, None)
    application.bot_data.pop(BOT_DATA_KEY, None)
    running_sender: tuple[Sender, Bot] | None = application.bot_data.pop(_SENDER, None)
    services: Services | None = application.bot_data.pop(SERVICES, None)
    messenger: Messenger | None = application.bot_data.pop(MESSENGER, None)
    application.bot_data.pop(OUT, None)
    try:
        try:
            if server is not None:
                await server.stop()
        finally:
            try:
                if running_sender is not None:
                    sender, bot = running_sender
                    try:
                        await sender.stop()
                    finally:
                        await bot.shutdown()
            finally:
                # After the sender: the message in flight to Messenger is finished first.
                if messenger is not None:
                    await messenger.close()
    finally:
        if services is not None:
            try:
                await services.instance.stop()
            finally:
                await services.db.close()


@asynccontextmanager
async def running(application: BoldenApp) -> AsyncIterator[BoldenApp]:
    """Run the bot inside another asyncio program (the sandbox, the tests, `bolden run` with a
    webhook): it polls, or with BOLDEN_WEBHOOK_URL it takes updates on its web server.

    `Application.initialize()` does not call post_init, so the start-up work is run here; the
    database is closed however start-up or stopping fails. The webhook stays registered when
    the bot stops, so Telegram keeps what arrives meanwhile.
    """
    async with application:
        try:
            await on_startup(application)
            settings: Settings = application.bot_data[SERVICES].settings
            if settings.webhook_url:
                await application.start()
                await webhook.register(application, settings)
            else:
                assert application.updater is not None
                await application.updater.start_polling(allowed_updates=Update.ALL_TYPES)
                await application.start()
            yield application
        finally:
            try:
                # Updates in hand are handled (or left to Telegram) before the Application stops.
                await webhook.acknowledging(application).close()
                if application.updater and application.updater.running:
                    await application.updater.stop()
                if application.running:
                    await application.stop()
            finally:
                await on_shutdown(application)
