"""The `bolden` command: run, try, migrate, backup, export, import."""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import logging
import os
import signal
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

from telegram import Bot, Update
from telegram.error import InvalidToken, NetworkError
from telegram.request import HTTPXRequest

from bot.app import build_application, on_shutdown, running
from bot.config import ConfigError, Settings, load_settings
from bot.context import BoldenApp
from bot.logs import RedactToken, configure_logging
from bot.sandbox.terminal import chat
from bot.strategy import Strategy, load_strategy
from storage.backup import backup
from storage.database import UNUSABLE, Database, StorageError, named
from storage.migrations import Migration, applied_versions, migrate
from storage.transfer import Copied, export_to_file, import_from_file

logger = logging.getLogger(__name__)

# Start-up asks the Bot API this many times, waiting 0.5, 1, 2, 4 s between: a server that is
# restarting gets a few seconds, one that is down ends start-up in about ten.
API_ATTEMPTS = 5
API_FIRST_WAIT = 0.5


class Unreachable(Exception):
    """The Bot API did not answer at start-up; the message is one line, without the token."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bolden", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser(
        "run", help="run the bot (the offline sandbox when BOLDEN_TOKEN is not set)"
    )
    try_parser = commands.add_parser(
        "try", help="chat with the bot in this terminal, offline, on a temporary database"
    )
    try_parser.add_argument(
        "--messenger",
        action="store_true",
        help="be a citizen on Facebook Messenger (an offline Graph API) instead of Telegram",
    )
    commands.add_parser("migrate", help="bring the database schema up to date")
    backup_parser = commands.add_parser("backup", help="write a consistent copy of the database")
    backup_parser.add_argument("path", type=Path)
    export_parser = commands.add_parser(
        "export", help="write the whole database (SQLite or PostgreSQL) into a new SQLite file"
    )
    export_parser.add_argument("path", type=Path)
    import_parser = commands.add_parser(
        "import", help="load such a file (or a bolden.sqlite3) into the database, which is empty"
    )
    import_parser.add_argument("path", type=Path)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
        strategy = load_strategy(settings.content)
        if args.command == "run" and settings.token is None:
            print("No BOLDEN_TOKEN set: starting the offline sandbox (bolden try).", flush=True)
        if args.command == "try" or (args.command == "run" and settings.token is None):
            messenger = args.command == "try" and args.messenger
            return asyncio.run(chat(settings, strategy, sys.stdin, sys.stdout, messenger))
        if args.command == "run":
            return _run(settings, strategy)
        if args.command == "migrate":
            return asyncio.run(_migrate(settings))
        if args.command in ("export", "import"):
            return asyncio.run(_transfer(settings, args.command, args.path))
        backup(settings.database, args.path)
        print(f"Backup of {named(settings.database)} written to {args.path}")
        return 0
    except (ConfigError, StorageError) as error:
        print(f"bolden: {error}", file=sys.stderr)
        return 2
    except Unreachable as error:
        # Not a wrong setting, perhaps a passing outage: a service manager may start us again.
        print(f"bolden: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130  # Ctrl-C in the sandbox: leave quietly


def _run(settings: Settings, strategy: Strategy) -> int:
    """Take the database's lock first (a second `bolden run` must not even migrate it), then
    check the database and the Bot API, so that what is wrong with either is one line, then
    poll (or serve the webhook) while holding the lock."""
    assert settings.token is not None
    configure_logging(settings.token.get_secret_value())
    with _sole_poller(settings):
        asyncio.run(_check_database(settings))
        asyncio.run(_reach_bot_api(settings))
        application = build_application(settings, strategy)
        if settings.webhook_url:
            return _serve(application)
        return _poll(application)


def _poll(application: BoldenApp) -> int:
    """Poll until stopped. Whatever fails on the way out, the database is closed: an open
    connection is a thread that would keep the process from exiting."""
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        application.run_polling(
            allowed_updates=Update.ALL_TYPES, bootstrap_retries=API_ATTEMPTS, close_loop=False
        )
    except InvalidToken:
        raise ConfigError("BOLDEN_TOKEN was refused by the Bot API server") from None
    except NetworkError as error:
        raise Unreachable(f"lost the Bot API while starting: {error}") from None
    finally:
        try:
            # A no-op when PTB's post_shutdown ran; the rest of it when it failed or never ran.
            loop.run_until_complete(on_shutdown(application))
        finally:
            loop.close()
    return 0


def _serve(application: BoldenApp) -> int:
    """Take updates on the webhook until SIGTERM or SIGINT; `running` closes the database
    however it ends."""
    try:
        asyncio.run(_until_stopped(application))
    except InvalidToken:
        raise ConfigError("BOLDEN_TOKEN was refused by the Bot API server") from None
    except NetworkError as error:
        raise Unreachable(f"lost the Bot API while starting: {error}") from None
    return 0


async def _until_stopped(application: BoldenApp) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signal_number, stop.set)
    async with running(application):
        logger.info("Taking updates at the webhook; stop with SIGTERM or Ctrl-C")
        await stop.wait()


@asynccontextmanager
async def _database(settings: Settings) -> AsyncIterator[tuple[Database, list[Migration]]]:
    """The database, opened and brought up to date; what is wrong with it is one line that
    names BOLDEN_DATABASE."""
    try:
        db = await Database.open(settings.database, settings.database_busy_timeout)
    except StorageError as error:
        raise ConfigError(f"BOLDEN_DATABASE {error}") from None
    try:
        try:
            applied = await migrate(db)
        except UNUSABLE as error:
            raise ConfigError(f"BOLDEN_DATABASE {db.name}: {error}") from None
        yield db, applied
    finally:
        await db.close()


async def _check_database(settings: Settings) -> None:
    async with _database(settings):
        pass


@contextmanager
def _sole_poller(settings: Settings) -> Iterator[None]:
    """Hold a lock next to the database while this process polls or serves the webhook, so a
    second `bolden run` on it refuses instead of answering everyone twice. The kernel drops a
    flock when its process ends, also by SIGKILL, so a crash never leaves a stale lock behind."""
    database = settings.database
    if not isinstance(database, Path):
        # Several processes may share a PostgreSQL database (bot/instances.py).
        yield
        return
    path = database.resolve()
    try:
        lock = open(path.with_name(f"{path.name}.lock"), "a+", encoding="utf-8")  # noqa: SIM115
    except OSError as error:
        asyncio.run(_check_database(settings))  # names what is wrong with the folder, if so
        raise ConfigError(f"BOLDEN_DATABASE {database}: no lock file: {error.strerror}") from None
    with lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.seek(0)
            holder = lock.read().strip() or "unknown"
            raise ConfigError(
                f"BOLDEN_DATABASE {database} is in use by another bolden run "
                f"(process {holder}); stop that one first"
            ) from None
        lock.seek(0)
        lock.truncate()
        lock.write(f"{os.getpid()}\n")
        lock.flush()
        yield


async def _reach_bot_api(settings: Settings) -> None:
    """Ask the Bot API who we are, a bounded number of times; PTB's own bootstrap would log a
    traceback for each failure."""
    assert settings.token is not None
    token = settings.token.get_secret_value()
    wait = API_FIRST_WAIT
    for attempt in range(1, API_ATTEMPTS + 1):
        bot = Bot(
            token,
            base_url=f"{settings.api_base_url}/bot",
            request=HTTPXRequest(connect_timeout=5, read_timeout=5),
        )
        try:
            async with bot:  # initialize() asks getMe
                return
        except InvalidToken:
            raise ConfigError("BOLDEN_TOKEN was refused by the Bot API server") from None
        except NetworkError as error:
            if attempt == API_ATTEMPTS:
                problem = RedactToken(token).redact(str(error))
                raise Unreachable(
                    f"the Bot API at {settings.api_base_url} did not answer after "
                    f"{API_ATTEMPTS} attempts: {problem}"
                ) from None
            logger.debug("Bot API not reached (attempt %s): %s", attempt, error)
            await asyncio.sleep(wait)
            wait *= 2


async def _migrate(settings: Settings) -> int:
    async with _database(settings) as (db, applied):
        version = max(await applied_versions(db), default=0)
    done = f"applied {len(applied)} migration(s)" if applied else "already up to date"
    print(f"Database {named(settings.database)}: {done}, schema version {version}.")
    return 0


async def _transfer(settings: Settings, command: str, path: Path) -> int:
    """Export the database into a new SQLite file, or import one into it (storage/transfer.py);
    the database is brought up to date first, as `bolden run` would."""
    async with _database(settings) as (db, _):
        if command == "export":
            copied = await export_to_file(db, path)
            done = f"Exported {_rows(copied)} from {db.name} to {path}."
        else:
            copied = await import_from_file(db, path)
            done = f"Imported {_rows(copied)} from {path} into {db.name}."
    print(done)
    return 0


def _rows(copied: Copied) -> str:
    rows = "row" if copied.rows == 1 else "rows"
    return f"{copied.rows} {rows} of {copied.tables} tables"
