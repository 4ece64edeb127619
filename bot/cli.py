"""The `bolden` command: run, try, migrate, backup."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from telegram import Update
from telegram.error import InvalidToken

from bot.app import build_application
from bot.config import ConfigError, Settings, load_settings
from bot.logs import configure_logging
from bot.sandbox.terminal import chat
from bot.strategy import Strategy, load_strategy
from storage.backup import backup
from storage.database import Database, StorageError
from storage.migrations import applied_versions, migrate


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bolden", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser(
        "run", help="run the bot (the offline sandbox when BOLDEN_TOKEN is not set)"
    )
    commands.add_parser(
        "try", help="chat with the bot in this terminal, offline, on a temporary database"
    )
    commands.add_parser("migrate", help="bring the database schema up to date")
    backup_parser = commands.add_parser("backup", help="write a consistent copy of the database")
    backup_parser.add_argument("path", type=Path)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
        strategy = load_strategy(settings.content)
        if args.command == "run" and settings.token is None:
            print("No BOLDEN_TOKEN set: starting the offline sandbox (bolden try).", flush=True)
        if args.command == "try" or (args.command == "run" and settings.token is None):
            return asyncio.run(chat(settings, strategy, sys.stdin, sys.stdout))
        if args.command == "run":
            return _run(settings, strategy)
        if args.command == "migrate":
            return asyncio.run(_migrate(settings))
        backup(settings.database, args.path)
        print(f"Backup of {settings.database} written to {args.path}")
        return 0
    except (ConfigError, StorageError) as error:
        print(f"bolden: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130  # Ctrl-C in the sandbox: leave quietly


def _run(settings: Settings, strategy: Strategy) -> int:
    assert settings.token is not None
    configure_logging(settings.token.get_secret_value())
    application = build_application(settings, strategy)
    try:
        application.run_polling(allowed_updates=Update.ALL_TYPES, bootstrap_retries=5)
    except InvalidToken:
        raise ConfigError("BOLDEN_TOKEN was refused by the Bot API server") from None
    return 0


async def _migrate(settings: Settings) -> int:
    db = await Database.open(settings.database, settings.database_busy_timeout)
    try:
        applied = await migrate(db)
        version = max(await applied_versions(db), default=0)
    finally:
        await db.close()
    done = f"applied {len(applied)} migration(s)" if applied else "already up to date"
    print(f"Database {settings.database}: {done}, schema version {version}.")
    return 0
