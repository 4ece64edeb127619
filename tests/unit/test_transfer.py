"""The whole database into a SQLite file and back (storage/transfer.py), on real databases: a
municipality's data made through the services goes SQLite -> PostgreSQL (or another SQLite
file) -> SQLite unchanged, counts and all, and the ids and references continue after it."""

from __future__ import annotations

import re
import shutil
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, closing
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.services import Services
from bot.services.ambassadors import Mode
from bot.services.bolde import Action
from bot.services.conversations import ConversationKind
from bot.services.delivery import AMBASSADORS, OutboxItem
from bot.services.events import Choice
from bot.services.networks import Added
from storage import bolde, messenger
from storage.database import Database, StorageError
from storage.migrations import applied_versions, migrate
from storage.transfer import BATCH, export_to_file, import_from_file
from tests.conftest import FakeClock
from tests.unit.conftest import Target, built_services
from tests.unit.test_bolde_rules import bold

ANNA, METTE, BO, COORDINATOR = 5, 2, 3, 99  # Anna invites Mette: a reference to a later row
PEOPLE = (ANNA, METTE, BO, COORDINATOR, *range(10, 20))
MESSENGER_FIRST_ID = 2**62
_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@asynccontextmanager
async def services_on(target: Target, clock: FakeClock) -> AsyncIterator[Services]:
    async with built_services(target, clock, PEOPLE, coordinators=str(COORDINATOR)) as built:
        yield built


async def nothing(_: object) -> list[OutboxItem]:
    return []


async def ambassador(services: Services, user_id: int, name: str, *topics: str) -> None:
    signup = services.ambassadors
    await signup.start_signup(user_id)
    for value in ("citizen", name, None, True):
        assert (await signup.answer(user_id, Mode.SIGNUP, value)).problem is None
    assert await signup.consent(user_id, True, nothing) is not None
    for code in topics:
        await signup.toggle_topic(user_id, code)


async def municipality(services: Services, clock: FakeClock) -> None:
    """Some of everything Bolden keeps, made as the bot makes it, and more bolde than one
    batch of the copy holds."""
    await ambassador(services, ANNA, "Anna", "health", "work")
    await services.people.arrived_through(METTE, f"ref-{await referral(services, ANNA)}")
    await ambassador(services, METTE, "Mette Ø", "friend")
    mette = await services.ambassadors.profile(METTE)
    assert mette is not None
    assert mette.referred_by == ANNA, "a row refers to one copied after it"
    created = await services.networks.create(COORDINATOR, "Bolignetværket", "standing")
    assert created.network is not None
    network = created.network.id
    await services.networks.toggle_topic(network, "health")

    async def welcome(_: Added) -> list[OutboxItem]:
        return [("telegram", METTE, None, {"text": "velkommen"})]

    assert await services.networks.add_members(COORDINATOR, network, ["1", "2"], welcome)
    assert await services.networks.add_rule(COORDINATOR, "idea", None, None, network)
    first = (await bold(services, topics=("health", "friend"), sender=BO)).id
    await services.bolde.act(first, COORDINATOR, Action.ROUTED, nothing, network_id=network)
    clock.advance(minutes=5)
    await services.bolde.act(first, COORDINATOR, Action.ANSWER, nothing, note="Ja, til maj.")
    await bold(services, sender=BO)
    async with services.db.transaction() as connection:
        for number in range(BATCH + 20):
            values = {
                "reference": f"B-2020-{number + 1:04d}",
                "sender_id": 10 + number % 10,
                "kind": ("idea", "concern")[number % 2],
                "text": f"Bold nummer {number}",
                "status": "received",
                "created_at": clock() - timedelta(days=400, minutes=number),
                "changed_at": clock() - timedelta(days=400, minutes=number),
            }
            await bolde.insert(connection, values, ["sport"] if number % 3 else [])
        person = await messenger.person_of(connection, "psid-1", clock())
        await messenger.keep_file(connection, bytes(range(256)) * 3, "image/jpeg", clock())
        await messenger.remember_message(connection, person, {"text": "Hej"}, clock())
    starts = clock() + timedelta(days=3)
    event = await services.events.create(
        COORDINATOR,
        {
            "event_kind": "workshop",
            "title": "Suppe",
            "html": "Vi laver <b>suppe</b>.",
            "start": starts.isoformat(),
            "end": (starts + timedelta(hours=3)).isoformat(),
            "place": "Medborgerhuset",
            "capacity": 1,
            "audience": AMBASSADORS,
        },
        None,
    )
    items = [("telegram", user_id, None, {"text": "invitation"}) for user_id in (ANNA, METTE)]
    claim = services.events.publish_claim(event.id)
    assert await services.delivery.start_batch("broadcast", COORDINATOR, "amb", items, claim=claim)
    await services.events.answer(event.id, ANNA, "Anna", Choice.YES, nothing)
    await services.events.answer(event.id, METTE, "Mette", Choice.YES, nothing)  # waits
    await services.conversations.start(BO, ConversationKind.BOLD, "text", {"kind": "ærø ✓"})


async def referral(services: Services, user_id: int) -> str:
    found = await services.ambassadors.profile(user_id)
    assert found is not None
    return found.referral_code


def moment_or_value(value: Any) -> Any:
    """A moment as the instant it is (SQLite keeps the text written, PostgreSQL reads it back
    in UTC); anything else as it is."""
    if isinstance(value, str) and _MOMENT.match(value):
        return datetime.fromisoformat(value)
    return value


async def everything(target: Target) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows, as values to compare, in an order that does not depend on the
    database."""
    db = await Database.open(target)
    try:
        names = await db.fetch_all(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
            if isinstance(target, str)
            else "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
        found = {}
        for (name,) in names:
            if name in ("schema_migrations", "instances"):  # not data: see storage/transfer.py
                continue
            rows = await db.fetch_all(f'SELECT * FROM "{name}"')
            found[name] = sorted(
                (tuple(moment_or_value(value) for value in row) for row in rows), key=repr
            )
        return found
    finally:
        await db.close()


def names_in(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


async def filled(tmp_path: Path, clock: FakeClock) -> Path:
    source = tmp_path / "bolden.sqlite3"
    async with services_on(source, clock) as services:
        await municipality(services, clock)
    return source


async def test_a_municipality_goes_over_and_back_unchanged_and_carries_on(
    database: Target, tmp_path: Path, clock: FakeClock
) -> None:
    source = await filled(tmp_path, clock)
    middle: Target = database if isinstance(database, str) else tmp_path / "middle.sqlite3"
    back = tmp_path / "back.sqlite3"
    db = await Database.open(middle)
    try:
        await migrate(db)
        imported = await import_from_file(db, source)
        exported = await export_to_file(db, back)
    finally:
        await db.close()

    with closing(sqlite3.connect(back)) as connection:
        journal = connection.execute("PRAGMA journal_mode").fetchone()
    assert journal == ("delete",), "one file, readable also where it cannot be written"
    before = await everything(source)
    assert imported == exported
    assert imported.tables == len(before)
    assert imported.rows == sum(map(len, before.values()))
    assert len(before["bolde"]) > BATCH
    assert all(before[name] for name in ("ambassadors", "channel_files", "messenger_people"))
    assert await everything(middle) == before
    assert await everything(back) == before
    assert names_in(tmp_path) == [
        "back.sqlite3",
        "bolden.sqlite3",
        *(["middle.sqlite3"] if middle != database else []),
    ], "nothing is left of the export's work"
    async with services_on(middle, clock) as services:
        figures = await services.bolde.figures()
        assert figures.total == len(before["bolde"])
        assert figures.by_topic["sport"] == (BATCH + 20) - len(range(0, BATCH + 20, 3))
        newest = (await bold(services, sender=BO)).id
        made = await services.bolde.get(newest)
        counted = (await services.bolde.figures()).total
        assert counted == figures.total + 1, "the counting triggers work again after the import"
        batch = await services.delivery.start_batch("broadcast", COORDINATOR, "all", [])
        async with services.db.transaction() as connection:
            person = await messenger.person_of(connection, "psid-2", clock())
    assert made is not None
    year = clock().year
    references = [row[1] for row in before["bolde"] if row[1].startswith(f"B-{year}-")]
    assert made.reference == f"B-{year}-{len(references) + 1:04d}"
    assert newest == max(row[0] for row in before["bolde"]) + 1
    assert batch == max(row[0] for row in before["batches"]) + 1
    assert person == max(row[0] for row in before["messenger_people"]) + 1 > MESSENGER_FIRST_ID


async def test_an_erased_messenger_persons_id_is_never_given_again(
    database: Target, tmp_path: Path, clock: FakeClock
) -> None:
    source, back = tmp_path / "bolden.sqlite3", tmp_path / "back.sqlite3"
    async with services_on(source, clock) as services, services.db.transaction() as connection:
        first = await messenger.person_of(connection, "psid-1", clock())
        await connection.execute("DELETE FROM messenger_people WHERE user_id = ?", (first,))
    db = await Database.open(database)
    try:
        await migrate(db)
        await import_from_file(db, source)
        await export_to_file(db, back)
    finally:
        await db.close()

    for target in (database, back):
        db = await Database.open(target)
        try:
            async with db.transaction() as connection:
                assert await messenger.person_of(connection, "psid-2", clock()) == first + 1
        finally:
            await db.close()


async def test_an_import_into_a_database_with_data_is_refused_and_changes_nothing(
    database: Target, tmp_path: Path, clock: FakeClock
) -> None:
    (tmp_path / "file").mkdir()
    source = await filled(tmp_path / "file", clock)
    async with services_on(database, clock) as services:
        await ambassador(services, BO, "Bo")
    before = await everything(database)

    db = await Database.open(database)
    try:
        with pytest.raises(StorageError) as refused:
            await import_from_file(db, source)
    finally:
        await db.close()

    assert str(refused.value) == (
        f"{db.name} is not empty (the table people has rows); "
        "import only into a database that holds no data yet"
    )
    assert await everything(database) == before


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (
            "INSERT INTO schema_migrations VALUES (99, 'future', 'x')",
            "has schema version 99, newer than this Bolden's ({ours}): upgrade Bolden first, "
            "then try again",
        ),
        (
            "DELETE FROM schema_migrations WHERE version = {ours}",
            "has schema version {older}, this Bolden's is {ours}: bring it up to date first with "
            "`bolden migrate` (BOLDEN_DATABASE={path}), then try again",
        ),
    ],
)
async def test_a_file_of_another_schema_version_is_refused(
    database: Target, tmp_path: Path, clock: FakeClock, change: str, said: str
) -> None:
    source = tmp_path / "bolden.sqlite3"
    async with services_on(source, clock):
        pass
    db = await Database.open(database)
    try:
        await migrate(db)
        ours = max(await applied_versions(db))
        with closing(sqlite3.connect(source)) as connection, connection:
            connection.execute(change.format(ours=ours))
        with pytest.raises(StorageError) as refused:
            await import_from_file(db, source)
    finally:
        await db.close()

    expected = said.format(ours=ours, older=ours - 1, path=source)
    assert str(refused.value) == f"{source} {expected}"


async def test_an_export_goes_only_to_a_new_file_in_a_folder_that_exists(
    tmp_path: Path, clock: FakeClock
) -> None:
    source = await filled(tmp_path, clock)
    kept, nowhere = tmp_path / "kept.sqlite3", tmp_path / "missing" / "export.sqlite3"
    shutil.copy(source, kept)
    db = await Database.open(source)
    try:
        with pytest.raises(StorageError) as existing:
            await export_to_file(db, kept)
        with pytest.raises(StorageError) as missing:
            await export_to_file(db, nowhere)
    finally:
        await db.close()

    assert str(existing.value) == f"{kept} already exists; export to a new file"
    assert kept.read_bytes() == source.read_bytes()
    assert str(missing.value) == f"{nowhere}: the folder {nowhere.parent} does not exist"


async def test_an_import_that_fails_half_way_leaves_nothing_behind(
    database: Target, tmp_path: Path, clock: FakeClock
) -> None:
    source = await filled(tmp_path, clock)
    with closing(sqlite3.connect(source)) as connection, connection:
        # Without foreign keys checked, as any program but Bolden may write to the file.
        connection.execute(
            "INSERT INTO deep_links (user_id, kind, argument, received_at) "
            "VALUES (12345, 'ref', 'x', '2026-01-01T00:00:00+00:00')"
        )
    db = await Database.open(database)
    try:
        await migrate(db)
        with pytest.raises(StorageError) as failed:
            await import_from_file(db, source)
    finally:
        await db.close()

    assert str(failed.value).startswith(f"importing {source} failed, so nothing was imported: ")
    assert "FOREIGN KEY" in str(failed.value).upper()
    assert not any((await everything(database)).values())


async def test_a_file_that_is_not_a_bolden_database_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "other.sqlite3"
    with closing(sqlite3.connect(other)) as connection, connection:
        connection.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY)")
    db = await Database.open(tmp_path / "bolden.sqlite3")
    try:
        with pytest.raises(StorageError) as refused:
            await import_from_file(db, other)
        with pytest.raises(StorageError) as missing:
            await import_from_file(db, tmp_path / "missing.sqlite3")
    finally:
        await db.close()

    assert str(refused.value) == (
        f"{other} is not a Bolden database: no such table: schema_migrations"
    )
    assert str(missing.value) == f"there is no database at {tmp_path / 'missing.sqlite3'}"
    assert not (tmp_path / "missing.sqlite3").exists()
