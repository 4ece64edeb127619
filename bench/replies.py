"""Benchmark: how fast people get an answer while a broadcast drains, next to an anchor.

People type /start a few times each, one to two seconds apart, and the time from their message
to the bot's answer is taken at the emulator (global limit, one message a second per chat), in
three runs against the same emulator, each bot its own process:

1. the anchor: a bare python-telegram-bot bot (`bench/echo_bot.py`), nothing else to do;
2. Bolden (`python -m bot run`) with nothing else to do;
3. Bolden while a broadcast to 2,000 people drains at the emulator's limit.

    python bench/replies.py
    python bench/replies.py --rate 30 --recipients 2000 --people 20 --rounds 5

Loopback only; it stops by itself (after at most TIME_LIMIT seconds, saying so).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.broadcast import FIRST_ID, TOKEN, prepare, start_bot  # noqa: E402
from bot.sandbox.emulator import BotApiEmulator, ChatMessage, SimulatedPerson  # noqa: E402

TIME_LIMIT = 300.0  # seconds for the whole run
TYPING_ID = 900_000  # the people who type; the broadcast's recipients start at FIRST_ID
NO_ANSWER = 10.0  # seconds after which a message counts as unanswered


@dataclass
class Run:
    name: str
    latencies: list[float] = field(default_factory=list)
    unanswered: int = 0
    refused: int = 0  # 429s the emulator gave while the people typed
    broadcast: int = 0  # broadcast messages delivered meanwhile
    seconds: float = 0.0  # how long they typed


def start_echo_bot(emulator: BotApiEmulator) -> Awaitable[asyncio.subprocess.Process]:
    env = {**os.environ, "BOLDEN_TOKEN": TOKEN, "BOLDEN_API_BASE_URL": emulator.url}
    return asyncio.create_subprocess_exec(
        sys.executable, str(ROOT / "bench" / "echo_bot.py"), env=env, cwd=ROOT,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip


async def stop(process: asyncio.subprocess.Process) -> None:
    """Ctrl-C, as a person would stop it; SIGKILL if it does not stop within 15 s."""
    if process.returncode is None:
        process.send_signal(signal.SIGINT)
        try:
            await asyncio.wait_for(process.wait(), 15)
        except TimeoutError:
            process.kill()
            await process.wait()


class Answers:
    """When each chat last got a message from the bot, as the emulator delivered it."""

    def __init__(self, emulator: BotApiEmulator) -> None:
        self.at: dict[int, float] = {}
        self.broadcast = 0
        emulator.listeners.append(self._seen)

    def _seen(self, kind: str, event: object) -> None:
        if kind == "message" and isinstance(event, ChatMessage):
            self.at[event.chat_id] = time.perf_counter()
            if event.chat_id < TYPING_ID:
                self.broadcast += 1


async def typing(
    person: SimulatedPerson, answers: Answers, rounds: int, rng: random.Random, run: Run
) -> None:
    """Warm up once, then type /start `rounds` times, measuring each answer."""
    for round_ in range(rounds + 1):
        await asyncio.sleep(rng.uniform(1.0, 2.0))  # a person, not a load generator
        started = time.perf_counter()
        try:
            await person.send("/start")
        except AssertionError:
            run.unanswered += 1
            continue
        if round_:
            run.latencies.append(answers.at[person.id] - started)


async def measure(
    run: Run,
    emulator: BotApiEmulator,
    people: list[SimulatedPerson],
    answers: Answers,
    rounds: int,
    seed: int,
) -> None:
    rng = random.Random(seed)
    refused, broadcast, started = len(emulator.refusals), answers.broadcast, time.perf_counter()
    await asyncio.gather(*(typing(p, answers, rounds, rng, run) for p in people))
    run.seconds = time.perf_counter() - started
    run.broadcast = answers.broadcast - broadcast
    run.refused = sum(1 for _, code in emulator.refusals[refused:] if code == 429)


async def nothing() -> None:
    return None


async def bench(recipients: int, rate: float, typists: int, rounds: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="bolden-replies-"))
    broadcast_db = folder / "broadcast.sqlite3"
    await prepare(broadcast_db, recipients)
    runs: list[Run] = []

    async with BotApiEmulator(TOKEN, per_chat_rate=1, global_rate=rate) as emulator:
        for user_id in range(FIRST_ID, FIRST_ID + recipients):
            emulator.person(user_id, f"P{user_id}", "da")
        people = [emulator.person(TYPING_ID + i, f"T{i}", "da") for i in range(typists)]
        answers = Answers(emulator)

        async def one(
            name: str,
            process: asyncio.subprocess.Process,
            before: Callable[[], Awaitable[None]] = nothing,
        ) -> None:
            try:
                await people[0].send("/start")  # the bot has started and polls
                await before()
                run = Run(name)
                await measure(run, emulator, people, answers, rounds, seed=len(runs))
                runs.append(run)
            finally:
                await stop(process)

        async def broadcast_under_way() -> None:
            await emulator.wait_for(lambda: answers.broadcast >= 3 * rate, 60, "the broadcast")

        await one("anchor: bare PTB echo bot", await start_echo_bot(emulator))
        idle = await start_bot(emulator, folder / "idle.sqlite3", rate)
        await one("Bolden, nothing else to do", idle)
        busy = await start_bot(emulator, broadcast_db, rate)
        name = f"Bolden, {recipients:,}-recipient broadcast draining"
        await one(name, busy, broadcast_under_way)
        left = recipients - answers.broadcast

    report(runs, left, rate, typists, rounds)


def report(runs: list[Run], left: int, rate: float, typists: int, rounds: int) -> None:
    print(
        f"emulator: {rate:g} messages/s in all, 1/s per chat; {typists} people type /start "
        f"{rounds} times each, 1-2 s apart (after one unmeasured warm-up)"
    )
    print(f"{'':48} {'replies':>7} {'median':>9} {'p95':>9} {'max':>9} ", end="")
    print(f"{'no answer':>9} {'429s':>5}")
    for run in runs:
        ms = sorted(1000 * x for x in run.latencies)
        p95 = statistics.quantiles(ms, n=20)[18] if len(ms) > 1 else ms[0]
        print(
            f"{run.name:48} {len(ms):>7} {statistics.median(ms):>6.1f} ms {p95:>6.1f} ms "
            f"{ms[-1]:>6.1f} ms {run.unanswered:>9} {run.refused:>5}"
        )
    for run in runs:
        if run.broadcast:
            per_second = run.broadcast / run.seconds
            print(
                f"broadcast while they typed: {run.broadcast} messages in {run.seconds:.1f} s = "
                f"{per_second:.1f}/s = {per_second / rate:.0%} of the limit; "
                f"{left} still to send when the bot was stopped"
            )


def run_bounded(measured: Coroutine[Any, Any, None], seconds: float) -> None:
    """Run a benchmark, stopping it (and saying so) after `seconds`."""

    async def bounded() -> None:
        try:
            await asyncio.wait_for(measured, seconds)
        except TimeoutError:
            sys.exit(f"stopped after {seconds:.0f} s without finishing")

    asyncio.run(bounded())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=30.0, help="the emulator's global limit")
    parser.add_argument("--people", type=int, default=20, help="people typing at once")
    parser.add_argument("--rounds", type=int, default=5, help="measured /start per person")
    args = parser.parse_args()

    run_bounded(bench(args.recipients, args.rate, args.people, args.rounds), TIME_LIMIT)


if __name__ == "__main__":
    main()
