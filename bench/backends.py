"""Benchmark: Bolden on SQLite and on PostgreSQL side by side, next to a bare PTB bot.

Each bot runs as its own process against the project's emulator (rate limits off), and the
figures of both databases come from the same run as their anchor, the bare python-telegram-bot
bot of bench/echo_bot.py:

- throughput (bench/throughput.py), on a fresh database: people walk /start, the ambassador
  sign-up and a bold all at once: updates/s, and the CPU time per update of the bot process
  and of the database server's processes (SQLite works inside the bot); then the latency at a
  steady rate;
- the outbox (bench/broadcast.py): a broadcast to `--recipients` people drained at the bot's
  highest pace (BOLDEN_DELIVERY_RATE 1000): messages/s from the first to the last delivered;
- a big municipality (bench/scale.py): 10,000 ambassadors and 100,000 bolde written the same
  on both, then the coordinator's /stats and /export ambassadors, each `--runs` times, and
  /export bolde once: the median time from the command to the bot's answer (the first file),
  and rows/s.
  The anchor answers /stats too: what an answer costs with no work behind it.

PostgreSQL 15 runs as the tests run it (tests/postgres.py), in a temporary folder on loopback;
where it cannot, one line says why and SQLite is measured alone.

    python bench/backends.py
    python bench/backends.py --people 40 --rate 20 --steady 5 --recipients 1000 --runs 3

Loopback only; it stops by itself (after at most TIME_LIMIT seconds, saying so).
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import shutil
import statistics
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402

from bench.broadcast import FIRST_ID, TEXT, prepare  # noqa: E402
from bench.broadcast import start_bot as start_sending  # noqa: E402
from bench.replies import run_bounded, stop  # noqa: E402
from bench.scale import (  # noqa: E402
    COORDINATOR,
    TOKEN,
    Measured,
    build,
    command,
    generate,
    start_bot,
    timed,
)
from bench.throughput import ECHO_BOT, JOURNEY, Run, measure, percentile, start_process  # noqa: E402
from bot.sandbox.emulator import BotApiEmulator, ChatMessage, StoredFile  # noqa: E402
from tests.postgres import PostgresServer, available, running  # noqa: E402

TIME_LIMIT = 420.0  # seconds for the whole run
BROADCAST_RATE = 1000  # the bot's highest pace (BOLDEN_DELIVERY_RATE): not the limit here
ANCHOR = "bare PTB echo bot"  # its name says `measure` that it is the echo bot
COMMANDS = ["/stats", "/export bolde", "/export ambassadors"]
# Measured once: a long run is its own average (100,000 bolde take tens of seconds).
ONCE = {"/export bolde"}


@dataclass
class Backend:
    name: str
    fresh: Path | str  # an empty database, for the throughput
    outbox: Path | str  # one with a broadcast waiting in the outbox
    big: Path | str  # the big municipality's
    server_cpu: Callable[[], float] | None = None
    seeded: float = 0.0  # seconds to write the big municipality's rows
    throughput: Run | None = None
    sent_per_second: float = 0.0
    commands: dict[str, Measured] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)  # rows in each export's files


@contextmanager
def postgres() -> Iterator[PostgresServer | None]:
    """A throwaway PostgreSQL server, or None (and one line that says why)."""
    problem = available()
    if problem is not None:
        print(f"PostgreSQL is left out: {problem}; SQLite alone")
        yield None
        return
    with running() as server:
        yield server


async def server_cpu(url: str) -> Callable[[], float]:
    """How many CPU seconds the server at `url` has spent so far: its postmaster, the processes
    it runs now (one per connection, the writers, autovacuum) and those that have ended."""
    connection = await asyncpg.connect(url)
    try:
        data = Path(await connection.fetchval("SHOW data_directory"))
    finally:
        await connection.close()
    postmaster = int((data / "postmaster.pid").read_text().split()[0])
    tick = os.sysconf("SC_CLK_TCK")

    def spent() -> float:
        total = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:  # a process that ended meanwhile: its parent counts its time
                continue
            if postmaster in (int(stat.parent.name), int(fields[1])):
                total += sum(int(x) for x in fields[11:15])  # its own and its ended children's
        return total / tick

    return spent


async def seed(backends: list[Backend], ambassadors: int, bolde: int, seed: int) -> None:
    data = generate(ambassadors, bolde, seed)
    for backend in backends:
        started = time.perf_counter()
        await build(backend.big, data)
        backend.seeded = time.perf_counter() - started


async def throughput(
    emulator: BotApiEmulator,
    folder: Path,
    backends: list[Backend],
    people: int,
    rate: float,
    seconds: float,
) -> Run:
    """The anchor's run; each backend's in `backend.throughput`."""
    process = await start_process(emulator, ECHO_BOT, folder / "echo", folder / "echo.log")
    anchor = await measure(ANCHOR, process, emulator, people, rate, seconds, 0)
    for number, backend in enumerate(backends, start=1):
        log = folder / f"throughput-{backend.name}.log"
        process = await start_process(emulator, ["-m", "bot", "run"], backend.fresh, log)
        backend.throughput = await measure(
            backend.name, process, emulator, people, rate, seconds, 100_000 * number,
            backend.server_cpu,
        )  # fmt: skip
    return anchor


async def outbox(emulator: BotApiEmulator, backends: list[Backend], recipients: int) -> None:
    """Each backend's broadcast, drained: `backend.sent_per_second`."""
    for user_id in range(FIRST_ID, FIRST_ID + recipients):
        emulator.person(user_id, f"P{user_id}", "da")
    for backend in backends:
        backend.sent_per_second = await drained(emulator, backend.outbox, recipients)


async def drained(emulator: BotApiEmulator, database: Path | str, recipients: int) -> float:
    """Messages/s of a broadcast to `recipients`, from the first delivered to the last."""
    await prepare(database, recipients)
    delivered: list[float] = []

    def seen(kind: str, event: object) -> None:
        if kind == "message" and isinstance(event, ChatMessage) and event.text == TEXT:
            delivered.append(time.perf_counter())

    emulator.listeners.append(seen)
    process = await start_sending(emulator, database, BROADCAST_RATE)
    try:
        await emulator.wait_for(lambda: len(delivered) >= recipients, 120, "the broadcast")
    finally:
        emulator.listeners.remove(seen)
        await stop(process)
    return (len(delivered) - 1) / (delivered[-1] - delivered[0])


async def commands(
    emulator: BotApiEmulator, folder: Path, backends: list[Backend], runs: int
) -> Measured:
    """The anchor's answer to /stats; each backend's commands in `backend.commands`."""
    coordinator = emulator.person(COORDINATOR, "Karim", "da")
    process = await start_process(emulator, ECHO_BOT, folder / "echo", folder / "echo.log")
    try:
        anchor = Measured("/stats")
        await coordinator.send("/start")  # it has started and polls
        for _ in range(runs):
            await timed(emulator, anchor, command(coordinator, anchor, "/stats"), None)
    finally:
        await stop(process)
    for backend in backends:
        process = await start_bot(emulator, backend.big, folder / f"scale-{backend.name}.log")
        try:
            await coordinator.send("/start")
            for text in COMMANDS:
                measured = backend.commands[text] = Measured(text)
                for _ in range(1 if text in ONCE else runs):
                    before = len(coordinator.messages)
                    await timed(emulator, measured, command(coordinator, measured, text), None)
                    new = coordinator.messages[before:]
                    backend.rows[text] = sum(rows_in(m.file) for m in new if m.file)
        finally:
            await stop(process)
    return anchor


def rows_in(file: StoredFile) -> int:
    """The rows of an export's CSV file (zipped or not), without the header; 0 for other
    files (/stats's chart)."""
    if not file.name.endswith((".csv", ".zip")):
        return 0
    if file.name.endswith(".zip"):
        with zipfile.ZipFile(io.BytesIO(file.data)) as archive:
            texts = [archive.read(name) for name in archive.namelist()]
    else:
        texts = [file.data]
    return sum(len(list(csv.reader(io.StringIO(t.decode("utf-8-sig")), delimiter=";"))) - 1
               for t in texts)  # fmt: skip


async def bench(args: argparse.Namespace, folder: Path) -> None:
    with postgres() as server:
        fresh, sending, big = (folder / f"{name}.sqlite3" for name in ("fresh", "outbox", "big"))
        backends = [Backend("SQLite", fresh, sending, big)]
        if server is not None:
            urls = [await server.fresh() for _ in range(3)]
            spent = await server_cpu(urls[0])
            backends.append(Backend("PostgreSQL", urls[0], urls[1], urls[2], server_cpu=spent))
        await seed(backends, args.ambassadors, args.bolde, args.seed)
        async with BotApiEmulator(TOKEN) as emulator:  # no rate limits
            anchor = await throughput(
                emulator, folder, backends, args.people, args.rate, args.steady
            )
            await outbox(emulator, backends, args.recipients)
            stats = await commands(emulator, folder, backends, args.runs)
    report(args, backends, anchor, stats)


def clean_up(folder: Path) -> None:
    """Remove the run's folder, unless a bot's log there says something failed."""
    logs = sorted(folder.glob("*.log"))
    tracebacks = sum(log.read_text(errors="replace").count("Traceback") for log in logs)
    if tracebacks:
        print(f"the bots' logs: {tracebacks} tracebacks (in {folder})")
    else:
        shutil.rmtree(folder)


def report(args: argparse.Namespace, backends: list[Backend], anchor: Run, stats: Measured) -> None:
    """figure | SQLite | PostgreSQL | anchor; "-" where a figure has no value."""
    figures = [
        f"write {args.ambassadors:,} ambassadors, {args.bolde:,} bolde (s)",
        "throughput: updates/s",
        "  bot CPU ms/update",
        "  database server CPU ms/update",
        *(f"steady {args.rate:g} updates/s: p{p} ms" for p in PERCENTILES),
        f"outbox: broadcast to {args.recipients:,}, messages/s",
        "/stats: answer ms",
        *(f"{text}: {what}" for text in COMMANDS[1:] for what in ("file ms", "rows", "rows/s")),
    ]
    columns = [_column(b) for b in backends]
    columns.append(["-", *_throughput(anchor, "-"), "-", _ms(stats.alone_ms)])
    columns[-1] += ["-"] * (len(figures) - len(columns[-1]))
    print(
        f"throughput: {args.people} people at once, each {len(JOURNEY)} updates (/start, "
        f"sign-up, a bold, /start), on a fresh database; then {args.steady:g} s at {args.rate:g} "
        f"updates/s.\nCommands: median of {args.runs} runs ({', '.join(ONCE)}: 1). Emulator "
        f"without rate limits; load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs."
    )
    width = max(len(figure) for figure in figures)
    names = [*(b.name for b in backends), "anchor"]
    print(f"{'':{width}} " + " ".join(f"{name:>12}" for name in names))
    for number, figure in enumerate(figures):
        print(f"{figure:{width}} " + " ".join(f"{c[number]:>12}" for c in columns))
    for run in [anchor, *(b.throughput for b in backends if b.throughput)]:
        problems = run.burst.unanswered + run.steady.unanswered + run.refusals
        for problem in sorted(set(problems))[:5]:
            print(f"{run.name}: {problem}")


PERCENTILES = [50, 95, 99]


def _column(b: Backend) -> list[str]:
    assert b.throughput is not None
    run = b.throughput
    cells = [f"{b.seeded:.1f}"]
    cells += _throughput(run, _per_update(run.burst.server_cpu, run) if b.server_cpu else "in bot")
    cells.append(f"{b.sent_per_second:.1f}")
    cells.append(_ms(b.commands["/stats"].alone_ms))
    for text in COMMANDS[1:]:
        took = statistics.median(b.commands[text].alone_ms) / 1000
        rows = b.rows[text]
        cells += [_ms(b.commands[text].alone_ms), f"{rows:,}", f"{rows / took:,.0f}"]
    return cells


def _throughput(run: Run, server: str) -> list[str]:
    """updates/s, bot CPU, server CPU, the steady phase's percentiles."""
    steady = run.steady.all()
    return [
        f"{run.burst.answered / run.burst.seconds:.1f}",
        _per_update(run.burst.cpu, run),
        server,
        *(f"{1000 * percentile(steady, p / 100):.1f}" if steady else "-" for p in PERCENTILES),
    ]


def _per_update(cpu: float, run: Run) -> str:
    return f"{1000 * cpu / max(run.burst.answered, 1):.2f}"


def _ms(values: list[float]) -> str:
    return f"{statistics.median(values):.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=40, help="people at once, throughput")
    # Below what both manage on a busy machine: above it a queue grows, and the latency with it.
    parser.add_argument("--rate", type=float, default=20.0, help="updates/s of the steady phase")
    parser.add_argument("--steady", type=float, default=5.0, help="seconds of the steady phase")
    parser.add_argument("--recipients", type=int, default=1000, help="of the broadcast")
    parser.add_argument("--ambassadors", type=int, default=10_000)
    parser.add_argument("--bolde", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3, help="times each command is measured")
    parser.add_argument("--seed", type=int, default=42)
    folder = Path(tempfile.mkdtemp(prefix="bolden-backends-"))
    run_bounded(bench(parser.parse_args(), folder), TIME_LIMIT)
    clean_up(folder)  # only after a full run: otherwise the bots' logs there say what failed


if __name__ == "__main__":
    main()
