"""Benchmark: many random updates of every kind against the bot and the emulator, in one process.

The suite's fuzz test (tests/e2e/test_fuzz.py) runs a couple of thousand with a fixed seed; this
runs as many as asked, with any seed, and prints what it counted instead of stopping at the
first problem:

    python bench/fuzz.py --people 40 --steps 500 --seed 7

Prints the updates sent, the private messages and presses and how many of them went
unanswered, the log records at ERROR or with a traceback, the updates per second, and whether
a /start at the end was answered.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.app import build_application, running  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.sandbox.emulator import BotApiEmulator  # noqa: E402
from tests.e2e.fuzzing import Fuzzer  # noqa: E402

TOKEN = "123456789:AAE-benchmark-token-for-the-emulator"
COORDINATOR = 4242


class Counted(logging.Handler):
    """Keeps the records at ERROR or with a traceback."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.bad: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info or record.levelno >= logging.ERROR:
            self.bad.append(record)


async def main(people: int, steps: int, seed: int) -> int:
    counted = Counted()
    logging.getLogger().addHandler(counted)
    with tempfile.TemporaryDirectory() as folder:
        async with BotApiEmulator(TOKEN) as emulator:
            settings = load_settings(
                token=TOKEN,
                api_base_url=emulator.url,
                database=Path(folder) / "bolden.sqlite3",
                coordinators=str(COORDINATOR),
                delivery_rate=1000,
            )
            async with running(build_application(settings)) as application:
                crowd = [emulator.person(COORDINATOR, "Karim", "da")]
                for i in range(1, people):
                    crowd.append(emulator.person(5000 + i, f"P{i}", ("da", "en", None)[i % 3]))
                groups = [
                    emulator.group(-5005, "Grundejerforeningen"),
                    emulator.group(-5006, "Klub"),
                ]
                fuzzer = Fuzzer(emulator, crowd, groups, seed)
                started = time.monotonic()
                tally = await fuzzer.run(steps)
                elapsed = time.monotonic() - started
                await emulator.wait_for(lambda: not emulator.pending, 60)
                await asyncio.wait_for(application.update_queue.join(), 60)
                late = emulator.person(6000, "Sidst", "da")
                try:
                    await late.send("/start")
                    final = "answered"
                except AssertionError:
                    final = "NOT answered"
    print(f"updates sent:          {tally.updates} ({tally.updates / elapsed:.0f}/s)")
    print(f"private messages:      {tally.private_messages}, unanswered {len(tally.unanswered)}")
    print(f"presses:               {tally.presses}, unanswered {len(tally.presses_unanswered)}")
    print(f"errors and tracebacks: {len(counted.bad)}")
    for record in counted.bad[:20]:
        print(f"  {record.name}: {record.getMessage()[:160]}")
    for what in (tally.unanswered + tally.presses_unanswered)[:20]:
        print(f"  unanswered {what}")
    print(f"/start at the end:     {final}")
    return 0 if not counted.bad and not tally.unanswered and final == "answered" else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=40)
    parser.add_argument("--steps", type=int, default=250, help="random steps per person")
    parser.add_argument("--seed", type=int, default=1)
    arguments = parser.parse_args()
    sys.exit(asyncio.run(main(arguments.people, arguments.steps, arguments.seed)))
