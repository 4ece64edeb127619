"""Benchmark: one broadcast to 10,000 people through the outbox, against the project's emulator.

The emulator enforces a global limit and one message a second per chat (429 beyond), 1 % of the
recipients have blocked the bot, and 2 % of sends fail once with a 500. The bot runs as its own
process (`python -m bot run`), so it can be killed with SIGKILL half-way and started again.

    python bench/broadcast.py --rate 30
    python bench/broadcast.py --rate 300
    python bench/broadcast.py --rate 300 --kill

Prints the send rate as a share of the emulator's limit, how many reachable recipients got
nothing (lost) or more than one message (duplicated), and the bot process's peak memory.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import signal
import sqlite3
import sys
import tempfile
import time
from collections.abc import Awaitable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.config import load_settings  # noqa: E402
from bot.sandbox.emulator import BotApiEmulator, ChatMessage  # noqa: E402
from bot.services.delivery import DeliveryService  # noqa: E402
from bot.strategy import load_strategy  # noqa: E402
from storage.database import Database, iso  # noqa: E402
from storage.migrations import migrate  # noqa: E402

TOKEN = "123456789:AAE-benchmark-token-for-the-emulator"
FIRST_ID = 100_000
TEXT = "Husk stormødet torsdag kl. 17 i Fredericia Idrætscenter. Alle er velkomne!"


async def prepare(database: Path | str, count: int) -> None:
    """The people, and the broadcast in the outbox, as /broadcast leaves it."""
    settings = load_settings(database=database)
    db = await Database.open(database)
    await migrate(db)
    now = iso(time_now())
    async with db.transaction() as connection:
        await connection.execute_many(
            "INSERT INTO people (user_id, language, first_seen, last_seen) VALUES (?, 'da', ?, ?)",
            [(FIRST_ID + i, now, now) for i in range(count)],
        )
    delivery = DeliveryService(db, time_now, load_strategy(settings.content))
    recipients = await delivery.recipients("all")
    items = [("telegram", r.user_id, None, {"text": TEXT}) for r in recipients]
    await delivery.start_batch("broadcast", None, "all", items)
    await db.close()


def time_now() -> datetime:
    return datetime.now(UTC)


def start_bot(
    emulator: BotApiEmulator, database: Path | str, rate: float
) -> Awaitable[asyncio.subprocess.Process]:
    env = {
        **os.environ,
        "BOLDEN_TOKEN": TOKEN,
        "BOLDEN_API_BASE_URL": emulator.url,
        "BOLDEN_DATABASE": str(database),
        "BOLDEN_DELIVERY_RATE": str(rate),
    }
    return asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", env=env, cwd=ROOT,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip


def outbox_states(database: Path) -> dict[str, int]:
    connection = sqlite3.connect(database)
    try:
        rows = connection.execute("SELECT state, COUNT(*) FROM outbox GROUP BY state").fetchall()
    finally:
        connection.close()
    return {state: count for state, count in rows}


async def run(count: int, rate: float, kill: bool) -> None:
    random.seed(42)
    folder = Path(tempfile.mkdtemp(prefix="bolden-bench-"))
    database = folder / "bench.sqlite3"
    await prepare(database, count)
    ids = [FIRST_ID + i for i in range(count)]
    blocked = set(random.sample(ids, count // 100))
    failing = set(random.sample([i for i in ids if i not in blocked], count * 2 // 100))
    reachable = count - len(blocked)

    async with BotApiEmulator(TOKEN, per_chat_rate=1, global_rate=rate) as emulator:
        for user_id in ids:
            emulator.person(user_id, f"P{user_id}", "da")
        emulator.blocked |= blocked
        emulator.fail_once |= failing
        times: list[float] = []
        first_try: list[float] = []  # deliveries that needed no retry

        def seen(kind: str, event: ChatMessage | dict[str, object]) -> None:
            if kind == "message" and isinstance(event, ChatMessage):
                times.append(time.monotonic())
                if event.chat_id not in failing:
                    first_try.append(times[-1])

        emulator.listeners.append(seen)
        started = time.monotonic()
        process = await start_bot(emulator, database, rate)
        kills = 0
        if kill:
            await emulator.wait_for(lambda: len(times) >= reachable // 2, 3600, "half of them")
            process.send_signal(signal.SIGKILL)
            await process.wait()
            kills = 1
            process = await start_bot(emulator, database, rate)
        await emulator.wait_for(lambda: len(times) >= reachable, 3600, "every reachable one")
        while outbox_states(database).get("pending") or outbox_states(database).get("sending"):
            await emulator.quiet_for(0.5)  # the last retries; the emulator is idle meanwhile
        elapsed = time.monotonic() - started
        process.send_signal(signal.SIGINT)
        await process.wait()

    per_chat = {u: sum(1 for m in emulator.chats.get(u, []) if m.from_bot) for u in ids}
    lost = sum(1 for u in ids if u not in blocked and per_chat[u] == 0)
    duplicated = sum(max(per_chat[u] - 1, 0) for u in ids)
    refused = [code for method, code in emulator.refusals if method == "sendMessage"]
    # Every recipient's first try (delivered, 403 or 500) falls within the bulk: its rate is
    # what the limit is about. The retries of the 500s come after their backoff.
    bulk = first_try[-1] - first_try[0]
    achieved = count / bulk
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    states = dict(sorted(outbox_states(database).items()))
    kill_note = ", the bot SIGKILLed half-way and started again" if kills else ""
    print(f"recipients: {count} ({len(blocked)} blocked, {len(failing)} failing once with a 500)")
    print(f"emulator limit: {rate:g}/s overall, 1/s per chat{kill_note}")
    share = achieved / rate
    print(f"first tries: {count} in {bulk:.1f} s = {achieved:.1f}/s = {share:.1%} of the limit")
    print(f"all delivered after {elapsed:.1f} s", end="; ")
    print(f"429s: {refused.count(429)}, 500s: {refused.count(500)}")
    print(f"lost: {lost}, duplicated: {duplicated}")
    print(f"outbox at the end: {states}")
    print(f"bot process peak memory (max RSS): {peak:.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=30.0)
    parser.add_argument("--kill", action="store_true", help="SIGKILL the bot half-way")
    args = parser.parse_args()
    asyncio.run(run(args.recipients, args.rate, args.kill))


if __name__ == "__main__":
    main()
