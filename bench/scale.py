"""Benchmark: a big municipality's data, the coordinator's commands, and a citizen meanwhile.

Builds a database with 10,000 ambassadors and 100,000 bolde (realistic statuses, themes,
networks, timelines, events) in a temporary folder, starts the bot as its own process
(`python -m bot run`) against the project's emulator on loopback, with the emulator's rate
limits off, and measures as a coordinator: /stats, an /inbox page (the first and a far one),
/export bolde, /export ambassadors and /ambassadors; last, an ambassador's /deleteme (its
VACUUM). For each: the time from the command to the bot's answer at the emulator, alone and
while citizens type /start one after another, and how much later than with nothing else going
on those citizens got their answer. The bot process's peak memory (VmHWM in /proc/<pid>/status)
is read after start-up and after all the commands.

    python bench/scale.py
    python bench/scale.py --ambassadors 10000 --bolde 100000 --runs 5

Loopback only; it stops by itself (after at most TIME_LIMIT seconds, saying so).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.replies import stop  # noqa: E402
from bot.sandbox.emulator import BotApiEmulator, ChatMessage, SimulatedPerson  # noqa: E402
from storage.database import Connection, Database, is_url  # noqa: E402
from storage.migrations import MIGRATIONS, migrate  # noqa: E402

TOKEN = "123456789:AAE-benchmark-token-for-the-emulator"
TIME_LIMIT = 600.0  # seconds for the whole run
COORDINATOR = 4242
AMBASSADOR_ID = 1_000_000  # ambassadors are AMBASSADOR_ID + their number
SENDER_ID = 2_000_000  # citizens who only sent bolde
CITIZEN_ID = 3_000_000  # the citizens who type /start during the measurement
TABLES_MADE = 10  # the migration after which every table the benchmark fills exists
NO_ANSWER = 60.0  # seconds after which a command counts as unanswered
PAUSE = 0.05  # seconds between one citizen's answer and the next citizen's /start
FAR_PAGE = 3000  # a page of /inbox far from the first (8 bolde a page)

TARGETS_MS = {"/stats": 50.0, "/inbox": 50.0, "/inbox, a far page": 50.0}
RSS_TARGET_MB = 120.0
DELAY_TARGET_MS = 100.0

THEMES = [
    "whole_person", "city_for_all", "sport", "involve", "communities", "work", "friend",
    "network", "cooperation", "volunteering", "health", "prevention",
]  # fmt: skip
CORE = ["bolig", "beskaeftigelse", "lighed_i_sundhed"]
KINDS = {
    "citizen": 25, "volunteer": 25, "association": 14, "business": 10,
    "municipal_staff": 16, "politician": 3, "other": 7,
}  # fmt: skip
CATEGORIES = [
    "sleeping_rough", "homelessness", "loneliness", "addiction", "mental_health", "debt",
    "unsafe_place", "unknown_offer", "other",
]  # fmt: skip
SENTENCES = [
    "Der ligger ofte en mand og sover i busskuret ved banegården om natten.",
    "Vi savner et sted, hvor unge kan mødes om aftenen uden at skulle betale.",
    "Min nabo er meget alene og har ikke talt med nogen i flere uger.",
    "Kunne kommunen lave en fælles spisning i medborgerhuset en gang om måneden?",
    "Stien langs havnen er mørk, og flere føler sig utrygge, når de går hjem.",
    "Foreningen vil gerne tilbyde gratis lektiehjælp, men vi mangler lokaler.",
    "Det er svært at finde ud af, hvor man kan få hjælp til gæld.",
    "En gruppe drikker tæt ved legepladsen, og forældrene er bekymrede.",
    "Vi er en virksomhed, der gerne vil ansætte flere i fleksjob.",
    "Idrætsforeningen kan give plads til børn, hvis forældrene ikke har råd.",
]
NOW = datetime.now(UTC).replace(microsecond=0)


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


# -- the database ---------------------------------------------------------------------------------


Rows = Sequence[tuple[object, ...]]


@dataclass
class Seed:
    """A big municipality's rows, table by table, in an order the foreign keys accept."""

    inserts: list[tuple[str, str, Rows]] = field(default_factory=list)

    def add(self, table: str, columns: str, rows: Rows) -> None:
        self.inserts.append((table, columns, rows))


def generate(ambassadors: int, bolde: int, seed: int) -> Seed:
    """The rows of `ambassadors` ambassadors and `bolde` bolde, the same for the same `seed`."""
    rng = random.Random(seed)
    data = Seed()
    active = _ambassadors(data, rng, ambassadors)
    members = _networks(data, rng, active)
    _bolde(data, rng, bolde, ambassadors, members)
    _events(data, rng, active)
    return data


# Rows written in one transaction. On PostgreSQL the counts that triggers keep (bold_counts,
# bold_topic_counts) are a handful of rows, each updated once per bold: in one transaction,
# every update walks the row's versions the transaction left before, and 100,000 bolde take
# minutes instead of seconds.
CHUNK = 1000
ROWS_PER_INSERT = 100  # a multiple of it is CHUNK
# Tables whose ids the seed gives: on PostgreSQL their identities go on from the highest.
GIVEN_IDS = ["networks", "bolde", "events"]


async def build(database: Path | str, data: Seed) -> None:
    """A SQLite file: the tables from the bot's migrations, the data in one transaction, then
    the migrations after TABLES_MADE (indexes, counts), as when a municipality upgrades: faster
    than keeping indexes and counts up to date row by row. A PostgreSQL URL: its whole schema
    (PostgreSQL's migrations start with it), then the data in one transaction, its triggers
    keeping the counts."""
    tables = Path(tempfile.mkdtemp(prefix="bolden-tables-"))
    for migration in MIGRATIONS.glob("*.sql"):
        if int(migration.name[:4]) <= TABLES_MADE:
            shutil.copy(migration, tables)
    await _migrate(database, None if is_url(database) else tables)
    shutil.rmtree(tables)
    db = await Database.open(database)
    try:
        for table, columns, rows in data.inserts:
            for start in range(0, len(rows), CHUNK):
                async with db.transaction() as connection:
                    await _insert(connection, table, columns, rows[start : start + CHUNK])
        if is_url(database):
            async with db.transaction() as connection:
                for table in GIVEN_IDS:
                    await connection.fetch_all(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), MAX(id)) "
                        f"FROM {table}"
                    )
    finally:
        await db.close()
    await _migrate(database, None)


async def _insert(connection: Connection, table: str, columns: str, rows: Rows) -> None:
    """The rows, ROWS_PER_INSERT in each statement (both databases take many rows in one
    INSERT): the cost of a statement is paid once for them all."""
    whole = len(rows) - len(rows) % ROWS_PER_INSERT
    await connection.execute_many(
        _statement(table, columns, ROWS_PER_INSERT),
        [_flat(rows[at : at + ROWS_PER_INSERT]) for at in range(0, whole, ROWS_PER_INSERT)],
    )
    if whole < len(rows):
        await connection.execute(_statement(table, columns, len(rows) - whole), _flat(rows[whole:]))


def _statement(table: str, columns: str, count: int) -> str:
    row = f"({', '.join('?' * len(columns.split(',')))})"
    return f"INSERT INTO {table} ({columns}) VALUES {', '.join([row] * count)}"


def _flat(rows: Rows) -> tuple[object, ...]:
    return tuple(value for row in rows for value in row)


async def _migrate(database: Path | str, folder: Path | None) -> None:
    """The migrations in `folder` (the database's own when None), then fresh statistics."""
    db = await Database.open(database)
    try:
        await migrate(db, folder)
        async with db.exclusive() as connection:
            await connection.execute("ANALYZE")
    finally:
        await db.close()


def _people(data: Seed, ids: list[int], since: datetime) -> None:
    data.add(
        "people", "user_id, language, first_seen, last_seen",
        [(i, "da", iso(since), iso(NOW)) for i in ids],
    )  # fmt: skip


def _ambassadors(data: Seed, rng: random.Random, count: int) -> list[int]:
    """Ambassadors numbered 1..count; returns the user ids of the active ones."""
    kinds = rng.choices(list(KINDS), weights=list(KINDS.values()), k=count)
    rows, topics, active = [], [], []
    for number in range(1, count + 1):
        user_id = AMBASSADOR_ID + number
        joined = NOW - timedelta(days=330 * (count - number) / count, minutes=rng.randrange(600))
        status = rng.choices(["active", "passive", "left"], [85, 10, 5])[0]
        kind = kinds[number - 1]
        organisation = f"Organisation {number}" if kind in {"association", "business"} else None
        referrer = (
            AMBASSADOR_ID + rng.randrange(1, number) if number > 1 and rng.random() < 0.2 else None
        )
        rows.append(
            (user_id, number, kind, f"Ambassadør {number}", organisation,
             "Vi hjælper hinanden" if organisation else None, None,
             f"a{number}@example.dk" if rng.random() < 0.6 else None, int(rng.random() < 0.3),
             iso(joined), "2026-1", iso(joined), f"ref{number:07d}", referrer, status,
             iso(joined + timedelta(days=365)), None,
             iso(NOW - timedelta(days=3)) if status == "left" else None, None)
        )  # fmt: skip
        for code in rng.sample(THEMES + CORE, rng.randint(1, 4)):
            topics.append((user_id, code))
        if status == "active":
            active.append(user_id)
    _people(data, [r[0] for r in rows], NOW - timedelta(days=400))
    data.add(
        "ambassadors",
        "user_id, number, kind, display_name, organisation, org_description, org_website, "
        "email, newsletter_by_email, consent_at, consent_version, joined_at, referral_code, "
        "referred_by, status, confirm_due_at, confirm_asked_at, left_at, email_token",
        rows,
    )
    data.add("ambassador_topics", "user_id, code", topics)
    data.add("counters", "name, value", [("ambassador", count)])
    return active


def _networks(data: Seed, rng: random.Random, active: list[int]) -> dict[int, list[int]]:
    """One cross-professional network, one standing network per theme, and ad hoc ones; the
    members of each open one."""
    created = iso(NOW - timedelta(days=1000))
    names = [("Tværfagligt netværk", "standing", 1)]
    names += [(f"Netværk for {code}", "standing", 0) for code in THEMES]
    names += [(f"Ad hoc {i}", "adhoc", 0) for i in range(1, 9)]
    networks, members, topics = [], {}, []
    for i, (name, kind, cross) in enumerate(names, start=1):
        closed = i > len(names) - 2
        networks.append((i, name, kind, cross, f"inv{i:04d}", created, created if closed else None))
        members[i] = rng.sample(active, 60 if cross else rng.randint(15, 50))
        if 2 <= i <= len(THEMES) + 1:
            topics.append((i, THEMES[i - 2]))
    data.add(
        "networks", "id, name, kind, cross_professional, invite_code, created_at, closed_at",
        networks,
    )  # fmt: skip
    data.add(
        "network_members", "network_id, user_id, joined_at",
        [(i, user_id, created) for i, ids in members.items() for user_id in ids],
    )  # fmt: skip
    data.add("network_topics", "network_id, code", topics)
    data.add("routing_rules", "network_id, theme", topics)
    return {i: ids for i, ids in members.items() if i <= len(names) - 2}


def _bolde(
    data: Seed, rng: random.Random, count: int, ambassadors: int, members: dict[int, list[int]]
) -> None:
    """Three years of bolde: the old ones mostly answered, about 30 % still open."""
    networks = list(members)
    senders = [SENDER_ID + i for i in range(count // 3)]
    _people(data, senders, NOW - timedelta(days=1100))
    numbers: dict[int, int] = {}
    bolde: list[tuple[object, ...]] = []
    topics: list[tuple[int, str]] = []
    events: list[tuple[object, ...]] = []
    for bold_id in range(1, count + 1):
        created = NOW - timedelta(days=1095 * (count - bold_id) / count, minutes=rng.randrange(60))
        year = created.year
        numbers[year] = numbers.get(year, 0) + 1
        kind = rng.choices(["idea", "concern", "problem"], [40, 30, 30])[0]
        age = (NOW - created).days
        open_share = 0.9 if age < 30 else 0.4 if age < 365 else 0.2
        if rng.random() < open_share:
            status = rng.choices(["received", "routed", "in_progress"], [15, 50, 35])[0]
        else:
            status = rng.choices(["answered", "declined"], [85, 15])[0]
        network = rng.choice(networks) if status != "received" else None
        taken = rng.choice(members[network]) if network and status != "routed" else None
        waited = timedelta(hours=rng.lognormvariate(3.0, 1.2))
        answered = created + waited if status in {"answered", "declined"} else None
        changed = answered or created + timedelta(hours=rng.uniform(0, 48))
        text = " ".join(rng.sample(SENTENCES, rng.randint(1, 4)))
        sender = (
            rng.choice(senders)
            if rng.random() < 0.85
            else AMBASSADOR_ID + rng.randint(1, ambassadors)
        )
        problem = kind == "problem"
        bolde.append(
            (bold_id, f"B-{year}-{numbers[year]:04d}", sender,
             f"Borger {sender}" if rng.random() < 0.5 else None, kind, text,
             f"photo-{bold_id}" if rng.random() < 0.1 else None,
             55.56 + rng.random() / 50 if problem and rng.random() < 0.3 else None,
             9.75 + rng.random() / 50 if problem and rng.random() < 0.3 else None,
             "Ved banegården" if problem and rng.random() < 0.2 else None,
             rng.choice(CATEGORIES) if problem else None, int(problem and rng.random() < 0.05),
             status, network, taken,
             "Tak, vi har talt med foreningen, og der kommer et tilbud." if answered else None,
             iso(created), iso(changed), iso(answered) if answered else None, None)
        )  # fmt: skip
        for code in rng.sample(THEMES, rng.choice([0, 1, 1, 2, 3])):
            topics.append((bold_id, code))
        events.append((bold_id, iso(created), sender, "sender", "sent", "received", None, None))
        if network:
            events.append(
                (bold_id, iso(created), None, "system", "routed", "routed", network, None)
            )
        if taken:
            events.append(
                (bold_id, iso(changed), taken, "network", "taken", "in_progress", network, None)
            )
        if answered:
            events.append(
                (bold_id, iso(answered), taken, "network", status, status, network, "Tak.")
            )
    data.add(
        "bolde",
        "id, reference, sender_id, sender_name, kind, text, photo_file_id, latitude, longitude, "
        "place, category, urgent, status, network_id, taken_by, public_answer, created_at, "
        "changed_at, first_answer_at, stale_reported_at",
        bolde,
    )
    data.add("bold_topics", "bold_id, code", topics)
    data.add("bold_events", "bold_id, at, actor_id, role, action, status, network_id, note", events)
    data.add("counters", "name, value", [(f"bold-{y}", n) for y, n in numbers.items()])


def _events(data: Seed, rng: random.Random, active: list[int]) -> None:
    """Three years of events and calls, with answers and check-ins."""
    kinds = ["stormoede", "dialogue", "workshop", "theme_day", "network_day", "call"]
    events: list[tuple[object, ...]] = []
    rsvps: list[tuple[object, ...]] = []
    attendance: list[tuple[object, ...]] = []
    for event_id in range(1, 181):
        starts = NOW - timedelta(days=1095 * (180 - event_id) / 180 - 20)
        events.append(
            (event_id, rng.choice(kinds), f"Arrangement {event_id}", "Kom og vær med.",
             iso(starts), iso(starts + timedelta(hours=2)), "Medborgerhuset", "all",
             "cancelled" if event_id % 17 == 0 else "published",
             iso(starts - timedelta(days=14)), "[1440]", iso(starts - timedelta(days=20)),
             f"in{event_id:05d}")
        )  # fmt: skip
        came = rng.sample(active, 40)
        rsvps += [
            (event_id, u, f"A{u}", rng.choice(["yes", "yes", "maybe", "no"]),
             iso(starts - timedelta(days=3)), turn) for turn, u in enumerate(came, start=1)
        ]  # fmt: skip
        if starts < NOW:
            attendance += [(event_id, u, iso(starts)) for u in came[:25]]
    data.add(
        "events",
        "id, kind, title, description, starts_at, ends_at, place, audience, status, publish_at, "
        "reminders, created_at, checkin_code",
        events,
    )
    data.add("rsvps", "event_id, user_id, name, answer, answered_at, turn", rsvps)
    data.add("attendance", "event_id, user_id, checked_in_at", attendance)


# -- the bot and the measurements -----------------------------------------------------------------


@dataclass
class Measured:
    name: str
    alone_ms: list[float] = field(default_factory=list)  # time to answer, nothing else going on
    busy_ms: list[float] = field(default_factory=list)  # time to answer while citizens typed
    citizens_ms: list[float] = field(default_factory=list)  # their /start meanwhile
    documents: set[str] = field(default_factory=set)


async def start_bot(
    emulator: BotApiEmulator, database: Path | str, log: Path
) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        "BOLDEN_TOKEN": TOKEN,
        "BOLDEN_API_BASE_URL": emulator.url,
        "BOLDEN_DATABASE": str(database),
        "BOLDEN_COORDINATORS": str(COORDINATOR),
    }
    with log.open("wb") as output:  # the child keeps its own copy of the file
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", env=env, cwd=ROOT,
            stdout=output, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip


def memory(pid: int) -> dict[str, float]:
    """VmHWM (the peak) and VmRSS (now) of the process, in MB."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in {"VmHWM", "VmRSS"}:
            found[key] = int(value.split()[0]) / 1024
    return found


class Citizens:
    """Fresh citizens who each type /start once, one after another."""

    def __init__(self, emulator: BotApiEmulator) -> None:
        self._emulator = emulator
        self._ids: Iterator[int] = iter(range(CITIZEN_ID, CITIZEN_ID + 1_000_000))

    async def one(self) -> float:
        """Milliseconds from a new citizen's /start to the bot's answer."""
        person = self._emulator.person(next(self._ids), "Borger", "da")
        started = time.perf_counter()
        await person.send("/start")
        return 1000 * (time.perf_counter() - started)


# What a measurement does: start the coordinator's action, and say when it is answered.
Action = Callable[[], Awaitable[Callable[[], bool]]]


async def timed(
    emulator: BotApiEmulator, measured: Measured, act: Action, citizens: Citizens | None
) -> None:
    """Time `act` to its answer; with `citizens`, one /start after another meanwhile (a short
    pause between them: people, not a load generator)."""
    started = time.perf_counter()
    answered = await act()
    done: list[float] = []

    async def answer() -> None:
        await emulator.wait_for(answered, NO_ANSWER, f"an answer to {measured.name}")
        done.append(1000 * (time.perf_counter() - started))

    waiting = asyncio.create_task(answer())
    while citizens is not None:
        measured.citizens_ms.append(await citizens.one())
        if waiting.done():
            break
        await asyncio.sleep(PAUSE)
    await waiting
    (measured.busy_ms if citizens else measured.alone_ms).append(done[0])
    await emulator.quiet_for(0.3)  # the rest of a split export; the bot at rest again


def command(coordinator: SimulatedPerson, measured: Measured, text: str) -> Action:
    async def act() -> Callable[[], bool]:
        before = len(coordinator.messages)
        await coordinator.send(text, wait=False)

        def answered() -> bool:
            new = coordinator.messages[before:]
            measured.documents |= {
                f"{m.file.name} {len(m.file.data) / 1e6:.1f} MB" for m in new if m.file
            }
            return bool(new)

        return answered

    return act


def press(person: SimulatedPerson, message: ChatMessage, data: str) -> Action:
    """A button press whose answer edits the message (a page of /inbox, /deleteme's yes)."""

    async def act() -> Callable[[], bool]:
        edits = message.edits
        await person.tap(message, data)
        return lambda: message.edits > edits

    return act


def _ms(values: list[float]) -> str:
    return f"{statistics.median(values):7.1f} ms" if values else "      -   "


async def measure_all(
    emulator: BotApiEmulator, citizens: Citizens, runs: int, erasing: SimulatedPerson
) -> list[Measured]:
    coordinator = emulator.person(COORDINATOR, "Karim", "da")
    results = []
    for name in ["/stats", "/inbox", "/inbox, a far page", "/export bolde",
                 "/export ambassadors", "/ambassadors"]:  # fmt: skip
        measured = Measured(name)
        for busy in [None] * runs + [citizens] * runs:
            if name == "/inbox, a far page":
                inbox = await coordinator.send("/inbox")
                act = press(coordinator, inbox, f"inbox:page:all:0:{FAR_PAGE}")
            else:
                act = command(coordinator, measured, name)
            await timed(emulator, measured, act, busy)
        results.append(measured)
    # Last, as it changes the database: an ambassador erases themselves (the VACUUM).
    erased = Measured("/deleteme (VACUUM)")
    question = await erasing.send("/deleteme")
    yes = str(question.buttons[0]["callback_data"])  # it names the data asked about
    await timed(emulator, erased, press(erasing, question, yes), citizens)
    results.append(erased)
    return results


async def bench(ambassadors: int, bolde: int, runs: int, seed: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="bolden-scale-"))
    database = folder / "scale.sqlite3"
    started = time.perf_counter()
    await build(database, generate(ambassadors, bolde, seed))
    built = time.perf_counter() - started
    size = database.stat().st_size / 1e6
    print(
        f"database: {ambassadors:,} ambassadors, {bolde:,} bolde, built in {built:.1f} s, "
        f"{size:.0f} MB (in {folder}, removed at the end)"
    )
    async with BotApiEmulator(TOKEN) as emulator:
        citizens = Citizens(emulator)
        erasing = emulator.person(AMBASSADOR_ID + 1, "Ambassadør", "da")
        process = await start_bot(emulator, database, folder / "bot.log")
        try:
            await erasing.send("/start")  # the bot has started and polls
            idle = [await citizens.one() for _ in range(10)]
            at_start = memory(process.pid)
            results = await measure_all(emulator, citizens, runs, erasing)
            after = memory(process.pid)
        finally:
            await stop(process)
    report(idle, results, at_start, after, runs)
    shutil.rmtree(folder)  # only after a full run: otherwise the bot's log there says what failed


def report(
    idle: list[float],
    results: list[Measured],
    at_start: dict[str, float],
    after: dict[str, float],
    runs: int,
) -> None:
    base = statistics.median(idle)
    print(f"a citizen's /start with nothing else going on: median {base:.1f} ms of {len(idle)}")
    print(
        f"each command {runs} times alone and {runs} times while citizens type /start one after "
        f"another ({PAUSE * 1000:.0f} ms apart);\nanswer: median time to the answer; delay: a "
        f"citizen's answer later than {base:.1f} ms, the worst and the 95th percentile"
    )
    print(
        f"{'':21} {'answer alone':>12} {'target':>7} {'':6} {'answer busy':>12} "
        f"{'citizens':>8} {'worst delay':>11} {'p95':>8} {'target':>8}"
    )
    for m in results:
        target = TARGETS_MS.get(m.name)
        alone = statistics.median(m.alone_ms) if m.alone_ms else None
        mark = "" if target is None or alone is None else ("ok" if alone <= target else "MISSED")
        delays = sorted(x - base for x in m.citizens_ms)
        p95 = (
            statistics.quantiles(delays, n=20, method="inclusive")[18]
            if len(delays) > 1
            else delays[0]
        )
        ok = "ok" if delays[-1] <= DELAY_TARGET_MS else "MISSED"
        print(
            f"{m.name:21} {_ms(m.alone_ms):>12} {f'≤{target:.0f} ms' if target else '-':>7} "
            f"{mark:6} {_ms(m.busy_ms):>12} {len(delays):>8} {delays[-1]:8.1f} ms "
            f"{p95:5.1f} ms ≤{DELAY_TARGET_MS:.0f} ms {ok}"
        )
        if m.documents:
            print(f"{'':21} sent: {', '.join(sorted(m.documents))}")
    peak = after["VmHWM"]
    ok = "ok" if peak <= RSS_TARGET_MB else "MISSED"
    print(
        f"bot process memory: peak (VmHWM) {at_start['VmHWM']:.0f} MB after start-up, "
        f"{peak:.0f} MB through all commands (target ≤{RSS_TARGET_MB:.0f} MB) {ok}; "
        f"at the end (VmRSS) {after['VmRSS']:.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ambassadors", type=int, default=10_000)
    parser.add_argument("--bolde", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5, help="times each command is measured")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    async def bounded() -> None:
        measured = bench(args.ambassadors, args.bolde, args.runs, args.seed)
        try:
            await asyncio.wait_for(measured, TIME_LIMIT)
        except TimeoutError:
            sys.exit(f"stopped after {TIME_LIMIT:.0f} s without finishing")

    asyncio.run(bounded())


if __name__ == "__main__":
    main()
