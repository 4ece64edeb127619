"""Benchmark: how many updates a second Bolden handles, next to a bare python-telegram-bot bot.

Simulated people walk Bolden's real journeys (/start, the ambassador sign-up, a bold through
/bold: 14 updates each, typed messages and button presses) against the project's emulator, with
the emulator's rate limits off and the bot's own budget at its maximum, so the figure is the
bot's own capacity, not Telegram's 30 messages a second. Each bot runs as its own process
(`python -m bot run`; the anchor `bench/echo_bot.py`, which makes the same Bot API calls for
the same kinds of updates), on a fresh database, in two phases:

1. throughput: all the people at once, each sending their next update as soon as the bot has
   answered the one before; updates/s is updates answered over the time it took;
2. latency at a steady rate (50 updates/s): one update every 1/rate s, each to the person
   furthest along in their journey who is not waiting for an answer; the latency is from the
   update's arrival at the emulator to the bot's answer (a message or an edit) there.

    python bench/throughput.py
    python bench/throughput.py --people 200 --rate 50 --steady 15
    python bench/throughput.py --profile /tmp/bolden.prof   # Bolden under cProfile

Loopback only; it stops by itself (after at most TIME_LIMIT seconds, saying so).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.broadcast import TOKEN  # noqa: E402
from bench.replies import run_bounded, stop  # noqa: E402
from bot.sandbox.emulator import BotApiEmulator, ChatMessage, SimulatedPerson  # noqa: E402

TIME_LIMIT = 600.0  # seconds for the whole run
NO_ANSWER = 60.0  # seconds after which an update counts as unanswered (a busy machine is slow)
RATE = 1000  # the bot's own budget (BOLDEN_DELIVERY_RATE's maximum): it must not be the limit
WARM_UP_ID, BURST_ID, STEADY_ID = 500_000, 1_000_000, 2_000_000
ECHO_BOT = [str(ROOT / "bench" / "echo_bot.py")]  # the anchor, as a command

# (what the person does, with what, which flow it belongs to). A press names the button by a
# part of its label; the echo bot has one button, which every press takes.
Step = tuple[str, str, str]
JOURNEY: list[Step] = [
    ("send", "/start", "start"),
    ("press", "Ambassadør", "sign-up"),
    ("press", "Borger", "sign-up"),
    ("press", "✅", "sign-up"),  # the Telegram name on the certificate
    ("press", "Nej tak", "sign-up"),  # no e-mail
    ("press", "Nej tak", "sign-up"),  # not on the public list of ambassadors
    ("press", "✅", "sign-up"),  # consent: the welcome
    ("send", "/bold", "bold"),
    ("press", "En idé", "bold"),
    ("send", "Et fælles spisested i Ullerup, hvor alle kan spise med for 20 kr.", "bold"),
    ("press", "Spring over", "bold"),  # no photo
    ("press", "Videre", "bold"),  # no themes
    ("press", "📨 Send", "bold"),
    ("send", "/start", "start"),
]


class Answers:
    """The bot's first message or edit in a chat after an update, taken where it arrives."""

    def __init__(self, emulator: BotApiEmulator) -> None:
        self._waiting: dict[int, asyncio.Future[tuple[float, ChatMessage]]] = {}
        self.refusals: list[str] = []
        emulator.listeners.append(self._seen)

    def expect(self, chat_id: int) -> asyncio.Future[tuple[float, ChatMessage]]:
        future: asyncio.Future[tuple[float, ChatMessage]] = (
            asyncio.get_running_loop().create_future()
        )
        self._waiting[chat_id] = future
        return future

    def close(self, emulator: BotApiEmulator) -> None:
        emulator.listeners.remove(self._seen)

    def _seen(self, kind: str, event: object) -> None:
        if kind == "answer" and isinstance(event, dict) and event.get("text"):
            # A press answered with a pop-up only (a stale button): the journey went wrong.
            self.refusals.append(f"{event['chat_id']}: {event['text']}")
        if kind in {"message", "edit"} and isinstance(event, ChatMessage):
            future = self._waiting.pop(event.chat_id, None)
            if future is not None and not future.done():
                future.set_result((time.perf_counter(), event))


@dataclass
class Walker:
    """One person on their journey; `screen` is the bot's message they look at."""

    person: SimulatedPerson
    echo: bool
    done: int = 0
    screen: ChatMessage | None = None
    busy: bool = False
    failed: str | None = None


@dataclass
class Phase:
    latencies: dict[str, list[float]] = field(default_factory=dict)  # per flow, in seconds
    answered: int = 0
    unanswered: list[str] = field(default_factory=list)
    seconds: float = 0.0
    cpu: float = 0.0  # seconds the bot process spent on a CPU meanwhile, all its threads
    server_cpu: float = 0.0  # and a database server's processes, if it has one

    def all(self) -> list[float]:
        return [x for flow in self.latencies.values() for x in flow]


async def step(walker: Walker, answers: Answers, phase: Phase) -> None:
    """Send the walker's next update and wait for the answer to it."""
    kind, what, flow = JOURNEY[walker.done]
    person = walker.person
    walker.busy = True
    answer = answers.expect(person.id)
    try:
        if kind == "send":
            started = time.perf_counter()
            await person.send(what, wait=False)
        else:
            assert walker.screen is not None
            button = walker.screen.buttons[0] if walker.echo else walker.screen.button(what)
            started = time.perf_counter()
            await person.tap(walker.screen, str(button["callback_data"]))
        arrived, walker.screen = await asyncio.wait_for(answer, NO_ANSWER)
    except (AssertionError, TimeoutError) as error:
        shown = walker.screen.text[:60] if walker.screen else ""
        walker.failed = f"{kind} {what!r}: {error or 'no answer'} (on {shown!r})"
        phase.unanswered.append(walker.failed)
        return
    finally:
        walker.busy = False
    phase.latencies.setdefault(flow, []).append(arrived - started)
    phase.answered += 1
    walker.done += 1


async def walk(walker: Walker, answers: Answers, phase: Phase) -> None:
    while walker.done < len(JOURNEY) and walker.failed is None:
        await step(walker, answers, phase)


async def burst(walkers: list[Walker], answers: Answers) -> Phase:
    phase = Phase()
    started = time.perf_counter()
    await asyncio.gather(*(walk(w, answers, phase) for w in walkers))
    phase.seconds = time.perf_counter() - started
    return phase


async def steady(walkers: list[Walker], answers: Answers, rate: float, seconds: float) -> Phase:
    """One update every 1/rate s, whatever the answers take (an open loop)."""
    phase, tasks = Phase(), set()
    started = time.perf_counter()
    for tick in range(int(rate * seconds)):
        await asyncio.sleep(max(0.0, started + tick / rate - time.perf_counter()))
        ready = [w for w in walkers if not w.busy and w.failed is None and w.done < len(JOURNEY)]
        if not ready:
            phase.unanswered.append("nobody ready: every person was waiting for an answer")
            continue
        walker = max(ready, key=lambda w: w.done)
        walker.busy = True  # before the task starts, so the next tick picks someone else
        task = asyncio.create_task(step(walker, answers, phase))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    await asyncio.gather(*tasks)
    phase.seconds = time.perf_counter() - started
    return phase


@dataclass
class Run:
    name: str
    burst: Phase
    steady: Phase
    refusals: list[str] = field(default_factory=list)


def start_process(
    emulator: BotApiEmulator, command: list[str], database: Path | str, log: Path
) -> Awaitable[asyncio.subprocess.Process]:
    """The bot on `database` (a file or a PostgreSQL URL), its log in `log`."""
    env = {
        **os.environ,
        "BOLDEN_TOKEN": TOKEN,
        "BOLDEN_API_BASE_URL": emulator.url,
        "BOLDEN_DATABASE": str(database),
        "BOLDEN_DELIVERY_RATE": str(RATE),
    }
    return asyncio.create_subprocess_exec(
        sys.executable, *command, env=env, cwd=ROOT,
        stdout=asyncio.subprocess.DEVNULL, stderr=log.open("wb"),
    )  # fmt: skip


async def measure(
    name: str,
    process: asyncio.subprocess.Process,
    emulator: BotApiEmulator,
    people: int,
    rate: float,
    seconds: float,
    offset: int,
    server_cpu: Callable[[], float] | None = None,
) -> Run:
    """`server_cpu`: the CPU seconds a database server has spent so far, when there is one."""
    echo = "echo" in name
    answers = Answers(emulator)

    def walkers(first: int, count: int) -> list[Walker]:
        ids = range(first + offset, first + offset + count)
        return [Walker(emulator.person(i, f"P{i % 1000}", "da"), echo) for i in ids]

    try:
        # Started and polling; then a few whole journeys, unmeasured, to warm it up.
        first = walkers(WARM_UP_ID, 1)
        await asyncio.wait_for(step(first[0], answers, Phase()), 60)
        if first[0].failed:
            sys.exit(f"{name} did not answer /start: {first[0].failed}")
        await burst(walkers(WARM_UP_ID + 1, 10), answers)
        cpu, server = cpu_seconds(process.pid), server_cpu() if server_cpu else 0.0
        measured = Run(name, await burst(walkers(BURST_ID, people), answers), Phase())
        measured.burst.cpu = cpu_seconds(process.pid) - cpu
        measured.burst.server_cpu = server_cpu() - server if server_cpu else 0.0
        measured.steady = await steady(walkers(STEADY_ID, people), answers, rate, seconds)
        measured.refusals = answers.refusals
        return measured
    finally:
        answers.close(emulator)
        await stop(process)


async def bench(people: int, rate: float, seconds: float, profile: Path | None) -> None:
    folder = Path(tempfile.mkdtemp(prefix="bolden-throughput-"))
    bolden = ["-m", "bot", "run"]
    if profile is not None:
        bolden = ["-m", "cProfile", "-o", str(profile), *bolden]
    async with BotApiEmulator(TOKEN) as emulator:  # no rate limits
        echo_process = await start_process(
            emulator, ECHO_BOT, folder / "echo.sqlite3", folder / "echo.log"
        )
        echo = await measure("bare PTB echo bot", echo_process, emulator, people, rate, seconds, 0)
        bolden_process = await start_process(
            emulator, bolden, folder / "bolden.sqlite3", folder / "bolden.log"
        )
        run = await measure("Bolden", bolden_process, emulator, people, rate, seconds, 100_000)
    report([echo, run], people, rate)
    log = (folder / "bolden.log").read_text(errors="replace")
    print(f"Bolden's log: {log.count('Traceback')} tracebacks ({folder / 'bolden.log'})")


def cpu_seconds(pid: int) -> float:
    """User and system time of a process so far (Linux): a figure that other processes on the
    machine hardly disturb, unlike the wall time."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def ms(values: list[float]) -> str:
    if not values:
        return "no answers"
    cells = [statistics.median(values), percentile(values, 0.95), percentile(values, 0.99)]
    return " ".join(f"{1000 * x:>7.1f}" for x in cells)


def report(runs: list[Run], people: int, rate: float) -> None:
    print(
        f"{people} people, each {len(JOURNEY)} updates (/start, ambassador sign-up, a bold, "
        f"/start); emulator without rate limits; load average {os.getloadavg()[0]:.2f}"
    )
    print(
        f"{'':20} {'updates':>8} {'seconds':>8} {'updates/s':>10} {'lost':>5} "
        f"{'bot CPU ms/update':>18}"
    )
    for run in runs:
        b = run.burst
        print(
            f"{run.name:20} {b.answered:>8} {b.seconds:>8.2f} {b.answered / b.seconds:>10.1f} "
            f"{len(b.unanswered):>5} {1000 * b.cpu / max(b.answered, 1):>18.2f}"
        )
    echo, bolden = runs
    ratio = (bolden.burst.answered / bolden.burst.seconds) / (
        echo.burst.answered / echo.burst.seconds
    )
    by_cpu = (echo.burst.cpu / echo.burst.answered) / (bolden.burst.cpu / bolden.burst.answered)
    print(f"Bolden / echo bot: {ratio:.2f} (target >= 0.80); by CPU time per update: {by_cpu:.2f}")
    print(f"\nsteady {rate:g} updates/s: latency in ms (target p99 < 50 ms)")
    print(f"{'':20} {'flow':>8} {'updates':>8} {'p50':>7} {'p95':>7} {'p99':>7} {'lost':>5}")
    for run in runs:
        s = run.steady
        print(f"{run.name:20} {'all':>8} {len(s.all()):>8} {ms(s.all())} {len(s.unanswered):>5}")
        if "echo" not in run.name:
            for flow, values in s.latencies.items():
                print(f"{'':20} {flow:>8} {len(values):>8} {ms(values)}")
    for run in runs:
        problems = run.burst.unanswered + run.steady.unanswered + run.refusals
        for problem in sorted(set(problems))[:5]:
            print(f"{run.name}: {problem}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--rate", type=float, default=50.0, help="updates/s of the steady phase")
    parser.add_argument("--steady", type=float, default=15.0, help="seconds of the steady phase")
    parser.add_argument("--profile", type=Path, help="run Bolden under cProfile, to this file")
    args = parser.parse_args()

    run_bounded(bench(args.people, args.rate, args.steady, args.profile), TIME_LIMIT)


if __name__ == "__main__":
    main()
