"""Figures, pages and exports counted and read by the database, on a real SQLite file: the same
numbers as counting every row one by one, every page once and in order, and exports that read
back as the data, in parts or zipped when big."""

from __future__ import annotations

import csv
import io
import random
import statistics
import zipfile
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.services import Services
from bot.services.bolde import Action, Change
from bot.services.delivery import OutboxItem
from bot.services.exports import ExportFile, ExportFilter, FilterProblem, csv_export, parse_filter
from storage import ambassadors, bolde, events
from storage.ambassadors import Ambassador
from storage.bolde import OPEN, Bold
from tests.conftest import FakeClock
from tests.unit.conftest import Target, built_services

COORDINATOR = 99
SENDERS = tuple(range(1, 41))
THEMES = ("friend", "health", "work", "sport", "prevention")
KINDS = ("idea", "concern", "problem")
STATUSES = ("received", "routed", "in_progress", "answered", "declined")
START = datetime(2024, 1, 1, 8, 0, tzinfo=UTC)
COPENHAGEN = ZoneInfo("Europe/Copenhagen")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def services(database: Target, clock: FakeClock) -> AsyncIterator[Services]:
    async with built_services(
        database, clock, (*SENDERS, COORDINATOR), coordinators=str(COORDINATOR)
    ) as built:
        yield built


async def nothing_owed(_: Change) -> list[OutboxItem]:
    return []


async def networks(services: Services, count: int = 3) -> list[int]:
    ids = []
    for number in range(count):
        created = await services.networks.create(COORDINATOR, f"Netværk {number}", "standing")
        assert created.network is not None
        ids.append(created.network.id)
    return ids


async def many_bolde(services: Services, count: int, seed: int = 7) -> list[int]:
    """Bolde of every kind and status, some at the same second (the inbox orders by id then),
    some anonymous, with and without themes, photos, places and first answers."""
    rng = random.Random(seed)
    nets = await networks(services)
    async with services.db.transaction() as connection:
        for number in range(1, count + 1):
            created = START + timedelta(hours=number // 3)  # three to an hour, the same second
            status = rng.choice(STATUSES)
            answered = created + timedelta(minutes=rng.randint(1, 5000))
            with_answer = status in {"answered", "declined"} or rng.random() < 0.1
            values = {
                "reference": f"B-2024-{number:04d}",
                "sender_id": rng.choice(SENDERS),
                "sender_name": rng.choice([None, 'Anna; "A" Hansen']),
                "kind": rng.choice(KINDS),
                "text": rng.choice(["En idé med ti tegn.", "Linje et\nlinje to; med semikolon"]),
                "photo_file_id": rng.choice([None, "file-1"]),
                "latitude": rng.choice([None, 55.565]),
                "longitude": rng.choice([None, 9.752]),
                "place": rng.choice([None, "Ved banegården"]),
                "category": rng.choice([None, "loneliness"]),
                "urgent": rng.random() < 0.1,
                "status": status,
                "network_id": None if status == "received" else rng.choice(nets),
                "public_answer": "Tak." if with_answer else None,
                "created_at": created,
                "changed_at": answered if with_answer else created,
                "first_answer_at": answered if with_answer else None,
            }
            topics = rng.sample(THEMES, rng.choice([0, 1, 1, 2, 3]))
            await bolde.insert(connection, values, topics)
    rows = await services.db.fetch_all("SELECT id FROM bolde ORDER BY id")
    return [int(row[0]) for row in rows]


async def every_bold(services: Services) -> list[Bold]:
    """Every bold read one by one, as the figures were once counted."""
    rows = await services.db.fetch_all("SELECT id FROM bolde ORDER BY id")
    found = [await bolde.get(services.db, int(row[0])) for row in rows]
    return [b for b in found if b is not None]


async def counted_one_by_one(services: Services) -> dict[str, object]:
    everything = await every_bold(services)
    waits = [b.first_answer_at - b.created_at for b in everything if b.first_answer_at]
    median = statistics.median(w.total_seconds() for w in waits) if waits else None
    return {
        "total": len(everything),
        "by_kind": dict(Counter(b.kind for b in everything)),
        "by_topic": dict(Counter(code for b in everything for code in b.topics)),
        "by_status": dict(Counter(b.status for b in everything)),
        "median_to_first_answer": timedelta(seconds=median) if median is not None else None,
    }


async def test_figures_without_any_bold_are_zero_and_have_no_median(services: Services) -> None:
    figures = await services.bolde.figures()

    assert figures.model_dump() == {
        "total": 0,
        "by_kind": {},
        "by_topic": {},
        "by_status": {},
        "median_to_first_answer": None,
    }


@pytest.mark.parametrize("count", [1, 2, 57, 58])
async def test_bold_figures_are_the_numbers_counting_every_bold_gives(
    services: Services, count: int
) -> None:
    await many_bolde(services, count)

    figures = await services.bolde.figures()

    assert figures.model_dump() == await counted_one_by_one(services)


async def test_the_median_is_the_middle_wait_or_the_mean_of_the_two_middle_ones(
    services: Services,
) -> None:
    await many_bolde(services, 4)
    waits = [3600, 60, 7200, 120]  # sorted: 60, 120, 3600, 7200; without 7200: 60, 120, 3600
    async with services.db.transaction() as connection:
        for bold_id, seconds in zip((1, 2, 3, 4), waits, strict=True):
            await connection.execute(
                "UPDATE bolde SET first_answer_at = ? WHERE id = ?",
                ((START + timedelta(hours=bold_id // 3, seconds=seconds)).isoformat(), bold_id),
            )
    even = await services.bolde.figures()
    async with services.db.transaction() as connection:
        await connection.execute("UPDATE bolde SET first_answer_at = NULL WHERE id = 3")
    odd = await services.bolde.figures()

    assert even.median_to_first_answer == timedelta(seconds=(120 + 3600) / 2)
    assert odd.median_to_first_answer == timedelta(seconds=120)


async def test_the_counts_follow_every_change_a_bold_goes_through(
    services: Services, clock: FakeClock
) -> None:
    await many_bolde(services, 30)
    open_ones = [b for b in await every_bold(services) if b.status == "routed"]
    for target in open_ones[:3]:
        clock.advance(hours=2)
        taken = await services.bolde.act(target.id, COORDINATOR, Action.TAKE, nothing_owed)
        assert taken.problem is None
        answered = await services.bolde.act(
            target.id, COORDINATOR, Action.ANSWER, nothing_owed, note="Her er svaret."
        )
        assert answered.problem is None
    reopened = await services.bolde.act(
        open_ones[0].id, open_ones[0].sender_id or 0, Action.REOPEN, nothing_owed, note="Nej."
    )
    assert reopened.problem is None
    declined = await services.bolde.act(
        open_ones[0].id, COORDINATOR, Action.DECLINE, nothing_owed, note="Det kan vi ikke."
    )
    assert declined.problem is None

    figures = await services.bolde.figures()

    assert figures.model_dump() == await counted_one_by_one(services)


async def test_the_stale_report_reads_more_bolde_than_a_query_may_have_variables(
    services: Services, clock: FakeClock
) -> None:
    """SQLite allows 32,766 variables in a statement: nothing may take one per bold."""
    count = 33_000
    async with services.db.transaction() as connection:
        await connection.execute_many(
            "INSERT INTO bolde (reference, kind, text, status, created_at, changed_at) "
            "VALUES (?, 'idea', 'En idé med ti tegn.', 'received', ?, ?)",
            [(f"B-2024-{n:05d}", START.isoformat(), START.isoformat()) for n in range(count)],
        )
        await connection.execute("INSERT INTO bold_topics (bold_id, code) VALUES (1, 'work')")

    async def reported(stale: list[Bold]) -> list[OutboxItem]:
        return []

    stale = await services.bolde.report_stale(3, reported)

    assert len(stale) == count
    assert stale[0].topics == ["work"]
    assert (await services.bolde.figures()).total == count


# -- the inbox's pages ----------------------------------------------------------------------------


async def pages_of(
    services: Services, status: str | None, network_id: int | None
) -> tuple[list[int], int, int]:
    """Turn every page: the ids shown, in the order shown; the count and number of pages."""
    first = await services.bolde.inbox(status, network_id, 0)
    shown = []
    for page in range(first.pages):
        found = await services.bolde.inbox(status, network_id, page)
        assert found.page == page
        assert found.count == first.count
        assert len(found.bolde) <= 8
        shown += [b.id for b in found.bolde]
    return shown, first.count, first.pages


@pytest.mark.parametrize("status", [None, "received", "routed", "in_progress", "answered"])
async def test_inbox_pages_show_every_open_bold_once_oldest_first(
    services: Services, status: str | None
) -> None:
    await many_bolde(services, 75)
    everything = await every_bold(services)
    nets = sorted({b.network_id for b in everything if b.network_id})

    for network_id in (None, nets[0]):
        wanted = [
            b
            for b in everything
            if b.status in OPEN
            and (status not in OPEN or b.status == status)
            and (network_id is None or b.network_id == network_id)
        ]
        expected = [b.id for b in sorted(wanted, key=lambda b: (b.created_at, b.id))]

        shown, count, pages = await pages_of(services, status, network_id)

        assert shown == expected
        assert count == len(expected)
        assert pages == max(1, -(-len(expected) // 8))


async def test_an_inbox_page_past_the_end_shows_the_last_and_an_empty_inbox_one_page(
    services: Services,
) -> None:
    empty = await services.bolde.inbox(None, None, 3)
    await many_bolde(services, 40)
    last = await services.bolde.inbox(None, None, 10_000)
    before_first = await services.bolde.inbox(None, None, -2)

    assert (empty.count, empty.page, empty.pages, empty.bolde) == (0, 0, 1, [])
    assert last.page == last.pages - 1
    assert last.bolde
    assert before_first.page == 0


# -- ambassadors and events -----------------------------------------------------------------------


async def many_ambassadors(services: Services, seed: int = 3) -> None:
    rng = random.Random(seed)
    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    kinds = ("citizen", "volunteer", "business", "association")
    async with services.db.transaction() as connection:
        for number, user_id in enumerate(SENDERS, start=1):
            joined = now + timedelta(days=number)
            await ambassadors.insert(
                connection,
                {
                    "user_id": user_id,
                    "number": number,
                    "kind": rng.choice(kinds),
                    "display_name": f'Ambassadør; "{number}"',
                    "organisation": rng.choice([None, "Foreningen"]),
                    "org_description": rng.choice([None, "Vi hjælper"]),
                    "org_website": rng.choice([None, "https://example.dk"]),
                    "email": rng.choice([None, f"a{number}@example.dk"]),
                    "newsletter_by_email": rng.random() < 0.5,
                    "consent_at": joined,
                    "consent_version": "1",
                    "joined_at": joined,
                    "referral_code": f"ref{number}",
                    "referred_by": SENDERS[rng.randrange(number - 1)]
                    if number > 1 and rng.random() < 0.4
                    else None,
                    "status": rng.choice(["active", "active", "passive", "left"]),
                    "confirm_due_at": joined + timedelta(days=365),
                },
            )
            for code in rng.sample(THEMES, rng.randint(0, 3)):
                await ambassadors.set_topic(connection, user_id, code, True)


async def test_ambassador_figures_and_overview_are_the_numbers_counting_everyone_gives(
    services: Services,
) -> None:
    await many_ambassadors(services)
    everyone = [a for a in await ambassadors.all_ambassadors(services.db)]
    current = [a for a in everyone if a.status != "left"]
    active = [a for a in current if a.status == "active"]
    citizens = sum(1 for a in active if a.kind == "citizen")

    overview = await services.coordinators.overview()
    figures = await services.coordinators.figures()

    assert (overview.active, overview.passive) == (len(active), len(current) - len(active))
    assert overview.by_kind == dict(Counter(a.kind for a in active))
    assert overview.by_topic == dict(Counter(code for a in active for code in a.topics))
    assert (figures.active, figures.passive) == (overview.active, overview.passive)
    assert figures.citizen_share == citizens / len(active)


@pytest.mark.parametrize(
    ("words", "kind", "topic"),
    [("", None, None), ("forening", None, None), ("ambassadør 1", None, None),
     ("frivillig", None, None), ("", "citizen", "friend"), ("#7", None, None),
     ("Vær en god ven", None, None), ("50%_", None, None), ("AMBASSADØR 12", None, None),
     ("9" * 30, None, None)],
)  # fmt: skip
async def test_a_search_finds_every_ambassador_it_should_a_page_at_a_time(
    services: Services, words: str, kind: str | None, topic: str | None
) -> None:
    await many_ambassadors(services)
    strategy = services.strategy
    titles = {k.code: (k.title.da + " " + k.title.en).casefold() for k in strategy.ambassador_kinds}
    topics = {t.code: (t.title.da + " " + t.title.en).casefold() for t in strategy.topics}

    def matches(a: Ambassador, word: str) -> bool:
        w = word.casefold()
        return (
            w in a.display_name.casefold()
            or w in (a.organisation or "").casefold()
            or w.lstrip("#") == str(a.number)
            or w in titles[a.kind]
            or any(w in topics[code] for code in a.topics)
        )

    everyone = await ambassadors.all_ambassadors(services.db)
    wanted = [
        a.number
        for a in everyone
        if a.status != "left"
        and kind in {None, a.kind}
        and topic in {None, *a.topics}
        and all(matches(a, word) for word in words.split())
    ]

    pages, page, found = [], 0, None
    while found is None or page < found.pages:
        found = await services.coordinators.find(words, kind, topic, page)
        assert found.count == len(wanted)
        pages.append([a.number for a in found.ambassadors])
        page += 1

    assert [n for shown in pages for n in shown] == wanted
    assert all(len(shown) <= 8 for shown in pages)
    assert (await services.coordinators.find(words, kind, topic, 99)).page == found.pages - 1


async def test_activities_are_the_numbers_counting_every_event_gives(
    services: Services, clock: FakeClock
) -> None:
    rng = random.Random(5)
    copenhagen = timezone(timedelta(hours=1))
    async with services.db.transaction() as connection:
        for number in range(30):
            starts = clock() - timedelta(days=40 * number - 30, minutes=30 * number)
            offset = rng.choice([UTC, copenhagen])  # a year counts as written in the start
            event_id = await events.insert(
                connection,
                {
                    "kind": rng.choice(["stormoede", "dialogue", "call"]),
                    "title": f"Møde {number}",
                    "description": "Kom.",
                    "starts_at": starts.astimezone(offset),
                    "ends_at": starts + timedelta(hours=2),
                    "place": "Huset",
                    "audience": "all",
                    "status": rng.choice(["published", "published", "cancelled", "scheduled"]),
                    "publish_at": starts - timedelta(days=10),
                    "reminders": [],
                    "created_at": starts - timedelta(days=20),
                    "checkin_code": f"in{number}",
                },
            )
            for user_id in rng.sample(SENDERS, rng.randint(0, 5)):
                await events.check_in(connection, event_id, user_id, starts)
    held = [e for e in await events.with_status(services.db, "published") if e.starts_at <= clock()]
    came = await services.db.fetch_all("SELECT event_id, COUNT(*) FROM attendance GROUP BY 1")
    attended = {int(row[0]): int(row[1]) for row in came}
    expected = [
        (
            year,
            dict(Counter(e.kind for e in held if e.starts_at.year == year)),
            sum(attended.get(e.id, 0) for e in held if e.starts_at.year == year),
        )
        for year in sorted({e.starts_at.year for e in held})
    ]

    years = await services.events.activities()

    assert [(y.year, y.by_kind, y.attended) for y in years] == expected
    assert len(expected) > 1


# -- exports --------------------------------------------------------------------------------------


def read_back(file: ExportFile) -> list[list[str]]:
    data = file.path.read_bytes()
    if file.name.endswith(".zip"):
        with zipfile.ZipFile(file.path) as archive:
            (inside,) = archive.namelist()
            assert inside == file.name.removesuffix(".zip") + ".csv"
            data = archive.read(inside)
    assert data.startswith("\ufeff".encode()), "Danish Excel needs the byte order mark"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))


def excel_time(moment: datetime | None) -> str:
    """A UTC moment as the exports write it: local to Copenhagen, to the minute."""
    return moment.astimezone(COPENHAGEN).strftime("%Y-%m-%d %H:%M") if moment else ""


async def test_the_bolde_export_reads_back_in_danish_and_never_names_an_anonymous_sender(
    services: Services,
) -> None:
    await many_bolde(services, 60)
    names = await services.networks.names()
    t, strategy = services.translator("da"), services.strategy
    categories = {c.code: c.title.da for c in strategy.categories}
    yes_no = {True: "Ja", False: "Nej"}
    expected = [
        [b.reference, excel_time(b.created_at), t.plain(f"bold.kind.{b.kind}"),
         categories.get(b.category or "", ""), yes_no[b.urgent],
         ", ".join(strategy.titles(b.topics, "da")), t.plain(f"bold.status.{b.status}"), "0",
         names.get(b.network_id or 0, ""), b.sender_name or "", "", b.text, b.place or "",
         "55,565000" if b.latitude else "", "9,752000" if b.longitude else "",
         yes_no[b.photo_file_id is not None], "", "", b.public_answer or "",
         excel_time(b.first_answer_at), excel_time(b.changed_at)]
        for b in await every_bold(services)
    ]  # fmt: skip

    async with services.bolde.export_csv(COORDINATOR, t, ExportFilter()) as files:
        assert [f.name for f in files] == ["bolde.csv"]
        rows = read_back(files[0])
        folder = files[0].path.parent

    assert rows[0][:3] == ["Reference", "Modtaget", "Type"]
    assert rows[0][7:9] == ["Genåbnet (gange)", "Netværk"]
    assert rows[1:] == expected
    assert not folder.exists(), "the temporary file is removed after"
    [entry] = await services.db.fetch_all(
        "SELECT actor, action, subject FROM audit_log WHERE action LIKE 'export.%'"
    )
    assert tuple(entry) == (COORDINATOR, "export.bolde", "")


async def test_the_bolde_export_holds_the_days_and_the_network_asked_for(
    services: Services,
) -> None:
    await many_bolde(services, 60)
    first_net = min(await services.networks.names())
    # START is 2024-01-01 08:00 UTC and three bolde arrive an hour: the 2nd of January starts
    # in Copenhagen at 23:00 UTC on the 1st, with bold 45.
    day = ExportFilter(first=date(2024, 1, 2), last=date(2024, 1, 2))
    in_net = ExportFilter(network_id=first_net, network="Netværk 0")
    t = services.translator("en")
    wanted = {
        "day": [b.reference for b in await every_bold(services)
                if b.created_at.astimezone(COPENHAGEN).date() == date(2024, 1, 2)],
        "net": [b.reference for b in await every_bold(services) if b.network_id == first_net],
    }  # fmt: skip

    async with services.bolde.export_csv(COORDINATOR, t, day) as files:
        by_day = [row[0] for row in read_back(files[0])[1:]]
    async with services.bolde.export_csv(COORDINATOR, t, in_net) as files:
        by_network = [row[0] for row in read_back(files[0])[1:]]

    assert by_day == wanted["day"]
    assert by_day[0] == "B-2024-0045"
    assert by_network == wanted["net"]
    assert 0 < len(by_network) < 60


async def test_the_bolde_export_names_who_handled_a_bold_and_how_often_it_was_reopened(
    services: Services, clock: FakeClock
) -> None:
    await many_bolde(services, 3)
    async with services.db.transaction() as connection:
        await connection.execute("UPDATE people SET username = 'karim_k' WHERE user_id = ?",
                                 (COORDINATOR,))  # fmt: skip
        await connection.execute(
            "INSERT INTO bold_events (bold_id, at, actor_id, role, action, status) VALUES "
            "(1, '2024-01-02T10:00:00+00:00', ?, 'coordinator', 'answered', 'answered'), "
            "(1, '2024-01-02T11:00:00+00:00', 5, 'sender', 'reopened', 'routed'), "
            "(1, '2024-01-02T12:00:00+00:00', 5, 'sender', 'reopened', 'routed')",
            (COORDINATOR,),
        )
    t = services.translator("en")

    async with services.bolde.export_csv(COORDINATOR, t, ExportFilter()) as files:
        rows = read_back(files[0])

    first = dict(zip(rows[0], rows[1], strict=True))
    assert (first["Reopened (times)"], first["Handled by"]) == ("2", str(COORDINATOR))
    assert first["Handled by (Telegram)"] == "@karim_k"
    assert dict(zip(rows[0], rows[2], strict=True))["Handled by"] == ""


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ([], ExportFilter()),
        (["2026-01-01", "2026-06-30"], ExportFilter(date(2026, 1, 1), date(2026, 6, 30))),
        (["1.1.2026"], ExportFilter(date(2026, 1, 1))),
        (["1.1.2026", "30.6.2026", "bolig", "og", "job"],
         ExportFilter(date(2026, 1, 1), date(2026, 6, 30), 2, "Bolig og job")),
        (["7"], ExportFilter(network_id=7, network="Sundhed")),
        (["2026-02-30"], FilterProblem.BAD_DATE),
        (["2026-06-30", "2026-01-01"], FilterProblem.BACKWARDS),
        (["Kultur"], FilterProblem.UNKNOWN_NETWORK),
    ],
)  # fmt: skip
def test_an_export_filter_is_read_from_what_the_coordinator_typed(
    typed: list[str], expected: ExportFilter | FilterProblem
) -> None:
    assert parse_filter(typed, {2: "Bolig og job", 7: "Sundhed"}) == expected


def test_a_filters_days_are_whole_days_where_the_bot_runs() -> None:
    since, until = ExportFilter(date(2026, 6, 1), date(2026, 6, 30)).bounds(COPENHAGEN)

    assert since == datetime(2026, 5, 31, 22, 0, tzinfo=UTC)
    assert until == datetime(2026, 6, 30, 22, 0, tzinfo=UTC)


async def test_the_ambassadors_export_reads_back_as_those_who_have_not_left(
    services: Services,
) -> None:
    await many_ambassadors(services)
    async with services.db.transaction() as connection:
        await connection.execute("UPDATE people SET username = 'anna_h' WHERE user_id = 1")
    everyone = await ambassadors.all_ambassadors(services.db)
    referred = Counter(a.referred_by for a in everyone if a.referred_by)
    kinds = {k.code: k.title.da for k in services.strategy.ambassador_kinds}
    expected = [
        [str(a.number), a.display_name, kinds[a.kind], a.organisation or "",
         a.org_description or "", a.org_website or "", a.email or "",
         "@anna_h" if a.user_id == 1 else "", "Ja" if a.newsletter_by_email else "Nej",
         ", ".join(services.strategy.titles(a.topics, "da")), excel_time(a.joined_at),
         {"active": "aktiv", "passive": "passiv"}[a.status], str(referred.get(a.user_id, 0))]
        for a in everyone
        if a.status != "left"
    ]  # fmt: skip

    t = services.translator("da")
    async with services.coordinators.export_csv(COORDINATOR, t, ExportFilter()) as files:
        rows = read_back(files[0])

    assert [f.name for f in files] == ["ambassadoerer.csv"]
    assert rows[0][:3] == ["Nummer", "Navn", "Type"]
    assert rows[1:] == expected


async def chunks_of(rows: list[tuple[int, str]], size: int) -> AsyncIterator[list[tuple[int, str]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def as_row(record: tuple[int, str]) -> Sequence[object]:
    return record


ROWS = [(n, f'række {n}; med "citat" og æøå\nog en linje til') for n in range(1, 501)]


async def test_a_big_export_is_split_into_parts_under_the_limit_each_with_the_header() -> None:
    limit = 4000

    async with csv_export(
        "bolde", ("n", "text"), chunks_of(ROWS, 64), as_row, part_limit=limit, zip_above=limit
    ) as files:
        sizes = [f.path.stat().st_size for f in files]
        parts = [read_back(f) for f in files]

    assert [f.name for f in files] == [f"bolde-{n}.csv" for n in range(1, len(files) + 1)]
    assert len(files) > 5
    assert max(sizes) <= limit
    assert all(part[0] == ["n", "text"] for part in parts)
    assert [tuple(r) for part in parts for r in part[1:]] == [(str(n), t) for n, t in ROWS]


async def test_a_big_part_is_zipped_and_unzips_to_the_same_csv() -> None:
    async with csv_export(
        "ambassadors", ("n", "text"), chunks_of(ROWS, 100), as_row, zip_above=1000
    ) as files:
        (zipped,) = files
        rows = read_back(zipped)
        size = zipped.path.stat().st_size

    assert zipped.name == "ambassadors.zip"
    assert rows[1:] == [[str(n), t] for n, t in ROWS]
    assert size < sum(len(t) for _, t in ROWS) / 2, "a zipped CSV is much smaller"


async def test_an_export_without_rows_has_no_file() -> None:
    async with csv_export("bolde", ("n", "text"), chunks_of([], 10), as_row) as files:
        assert files == []


async def test_an_exports_folder_goes_even_on_an_error() -> None:
    seen: list[ExportFile] = []

    async def send_and_fail() -> None:
        async with csv_export("bolde", ("n", "text"), chunks_of([(1, "a")], 10), as_row) as files:
            seen.extend(files)
            assert read_back(files[0]) == [["n", "text"], ["1", "a"]]
            raise RuntimeError("sending failed")

    with pytest.raises(RuntimeError):
        await send_and_fail()

    assert [f.name for f in seen] == ["bolde.csv"]
    assert not seen[0].path.parent.exists()
