"""Migrations, the connection, the people repository and backups, on real SQLite files (and a
backup of a real PostgreSQL database)."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import subprocess
from collections.abc import AsyncIterator
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.services.people import PeopleService
from storage.backup import backup, pg_program
from storage.database import Database, StorageError, named
from storage.migrations import MIGRATIONS, applied_versions, available, migrate
from tests.conftest import FakeClock
from tests.postgres import PostgresServer


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "bolden.sqlite3")
    yield database
    await database.close()


def tables(path: Path) -> list[str]:
    with closing(sqlite3.connect(path)) as connection:
        rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        return sorted(name for (name,) in rows)


async def test_a_fresh_database_gets_every_migration_in_order(db: Database) -> None:
    applied = await migrate(db)

    assert [(m.version, m.name) for m in applied][:3] == [
        (1, "people"),
        (2, "deep_links"),
        (3, "ambassadors"),
    ]
    assert await applied_versions(db) == {m.version for m in available()}
    assert {"people", "deep_links", "ambassadors", "schema_migrations"} <= set(tables(db.path))


async def test_migrating_again_changes_nothing(db: Database) -> None:
    await migrate(db)

    assert await migrate(db) == []
    assert await applied_versions(db) == {m.version for m in available()}


async def test_a_database_newer_than_the_code_is_refused(db: Database) -> None:
    await migrate(db)
    await db.connection.execute("INSERT INTO schema_migrations VALUES (9999, 'future', 'now')")

    with pytest.raises(StorageError, match="schema version 9999, newer than this Bolden knows"):
        await migrate(db)


async def test_a_failing_migration_leaves_nothing_behind(db: Database, tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, folder)
    (folder / "9999_broken.sql").write_text(
        "CREATE TABLE half (id INTEGER);\nINSERT INTO nowhere VALUES (1);\n"
    )

    with pytest.raises(StorageError, match=r"9999_broken\.sql failed: no such table: nowhere"):
        await migrate(db, folder)

    assert "half" not in tables(db.path)
    assert 9999 not in await applied_versions(db)


def test_migration_files_are_numbered(tmp_path: Path) -> None:
    (tmp_path / "0001_ok.sql").write_text("")
    (tmp_path / "2_bad.sql").write_text("")

    with pytest.raises(StorageError, match=r"2_bad\.sql is not named NNNN_name\.sql"):
        available(tmp_path)


async def test_the_connection_uses_wal_foreign_keys_and_a_busy_timeout(db: Database) -> None:
    async def pragma(name: str) -> object:
        row = await db.fetch_one(f"PRAGMA {name}")
        assert row is not None
        return row[0]

    assert await pragma("journal_mode") == "wal"
    assert await pragma("foreign_keys") == 1
    assert await pragma("busy_timeout") == 5000


async def test_names_sort_as_a_danish_reader_expects(db: Database) -> None:
    names = ["Åse", "Øjvind", "ærø", "Zoe", "Émile", "anna", "Bo", "Ärla", "Eva"]
    values = ", ".join("(?)" for _ in names)
    rows = await db.fetch_all(
        f"SELECT column1 FROM (VALUES {values}) ORDER BY name_order(column1)", names
    )
    assert [row[0] for row in rows] == [
        "anna",
        "Bo",
        "Émile",
        "Eva",
        "Zoe",
        "Ärla",  # ä is æ; then l comes before ø
        "ærø",
        "Øjvind",
        "Åse",
    ]


async def test_a_transaction_is_all_or_nothing(db: Database) -> None:
    await migrate(db)

    async def write_then_fail() -> None:
        async with db.transaction() as connection:
            await connection.execute(
                "INSERT INTO people (user_id, language, first_seen, last_seen) "
                "VALUES (1, 'da', 'x', 'x')"
            )
            raise RuntimeError("something failed half-way")

    with pytest.raises(RuntimeError):
        await write_then_fail()

    assert await db.fetch_all("SELECT * FROM people") == []


async def test_a_read_sees_every_commit_before_it_while_other_reads_run(db: Database) -> None:
    await migrate(db)
    insert = (
        "INSERT INTO people (user_id, language, first_seen, last_seen) VALUES (?, 'da', 'x', 'x')"
    )
    async with db.transaction() as connection:
        await connection.execute_many(insert, [(-i,) for i in range(1, 50)])
    reading = True

    async def others_read() -> None:
        # Many rows, so a statement left running between trips would hold a snapshot.
        while reading:
            await db.fetch_one("SELECT user_id FROM people ORDER BY user_id")

    others = [asyncio.create_task(others_read()) for _ in range(8)]
    try:
        for user_id in range(1, 41):
            async with db.transaction() as connection:
                await connection.execute(insert, (user_id,))
            row = await db.fetch_one("SELECT user_id FROM people WHERE user_id = ?", (user_id,))
            assert row is not None, f"person {user_id} committed, but the read came from before"
    finally:
        reading = False
        await asyncio.gather(*others)


async def test_people_are_seen_and_their_chosen_language_sticks(db: Database) -> None:
    await migrate(db)
    clock = FakeClock()
    people = PeopleService(db, clock, "da")

    first = await people.seen(7, "en-GB")
    clock.now += timedelta(hours=2)
    chosen = await people.choose_language(7, "da")
    later = await people.seen(7, "en")

    assert first.language == "en"
    assert chosen.language == "da"
    assert chosen.language_chosen is True
    assert later.language == "da", "Telegram's language no longer overrides the choice"
    assert later.first_seen == datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    assert later.last_seen == datetime(2026, 11, 22, 14, 0, tzinfo=UTC)
    with pytest.raises(ValueError, match="unknown language"):
        await people.choose_language(7, "sv")


async def test_a_persons_username_follows_the_one_they_have_now(db: Database) -> None:
    await migrate(db)
    people = PeopleService(db, FakeClock(), "da")

    first = await people.seen(7, "da", "anna_h")
    changed = await people.seen(7, "da", "anna_hansen")  # at once: a new name is a change
    removed = await people.seen(7, "da", None)

    assert (first.username, changed.username, removed.username) == (
        "anna_h",
        "anna_hansen",
        None,
    )


async def test_blocking_is_recorded_once_and_cleared_when_they_write(db: Database) -> None:
    await migrate(db)
    clock = FakeClock()
    people = PeopleService(db, clock, "da")
    await people.seen(7, None)

    await people.blocked_the_bot(7)
    clock.now += timedelta(days=1)
    await people.blocked_the_bot(7)
    row = await db.fetch_one("SELECT blocked_at FROM people WHERE user_id = 7")
    assert row is not None
    assert row["blocked_at"] == "2026-11-22T12:00:00+00:00"

    assert (await people.seen(7, None)).blocked_at is None


async def test_deep_links_are_stored_only_when_they_are_ours(db: Database) -> None:
    await migrate(db)
    people = PeopleService(db, FakeClock(), "da")
    await people.seen(7, "da")

    link = await people.arrived_through(7, "event-42")
    nothing = await people.arrived_through(7, "hello world")

    assert link is not None
    assert (link.kind, link.argument) == ("event", "42")
    assert nothing is None
    rows = await db.fetch_all("SELECT user_id, kind, argument FROM deep_links")
    assert [tuple(row) for row in rows] == [(7, "event", "42")]


async def test_unknown_people_get_the_default_language(db: Database) -> None:
    await migrate(db)

    assert await PeopleService(db, FakeClock(), "en").language_of(99) == "en"


async def test_backup_copies_a_database_in_use(db: Database, tmp_path: Path) -> None:
    await migrate(db)
    people = PeopleService(db, FakeClock(), "da")
    await people.seen(7, "da")
    target = tmp_path / "backups" / "copy.sqlite3"

    backup(db.path, target)
    await people.seen(8, "en")  # the source goes on being written

    with closing(sqlite3.connect(target)) as connection:
        assert connection.execute("SELECT user_id FROM people").fetchall() == [(7,)]
    assert not list(target.parent.glob(".*partial"))


@pytest.mark.postgres
async def test_a_postgresql_backup_is_a_pg_dump_that_pg_restore_reads_back(
    tmp_path: Path, postgres_server: PostgresServer
) -> None:
    url = await postgres_server.migrated()
    db = await Database.open(url)
    try:
        people = PeopleService(db, FakeClock(), "da")
        for user_id in (7, 8):
            await people.seen(user_id, "da")
        target = tmp_path / "backups" / "bolden.dump"

        await asyncio.to_thread(backup, url, target)
        await people.seen(9, "en")  # after the backup: not in it
    finally:
        await db.close()
    restored = await postgres_server.fresh()
    done = await asyncio.to_thread(
        subprocess.run,
        [pg_program("pg_restore"), "--no-owner", "--exit-on-error", f"--dbname={restored}", target],
        capture_output=True,
        text=True,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert target.read_bytes().startswith(b"PGDMP"), "pg_dump's custom format"
    assert not list(target.parent.glob(".*partial"))
    copy = await Database.open(restored)
    try:
        rows = await copy.fetch_all("SELECT user_id, language FROM people ORDER BY user_id")
        assert [tuple(row) for row in rows] == [(7, "da"), (8, "da")]
        assert max(await applied_versions(copy)) == max(m.version for m in available())
    finally:
        await copy.close()


def test_backup_refuses_to_overwrite_the_database_itself(tmp_path: Path) -> None:
    source = tmp_path / "bolden.sqlite3"
    sqlite3.connect(source).close()

    with pytest.raises(StorageError, match="another file than the database"):
        backup(source, source)


async def test_events_made_before_revisions_count_their_changes_from_the_audit_log(
    db: Database, tmp_path: Path
) -> None:
    before = tmp_path / "before"
    before.mkdir()
    for script in MIGRATIONS.glob("*.sql"):
        if int(script.name[:4]) < 22:
            shutil.copy(script, before)
    await migrate(db, before)
    for event_id in (1, 2):
        await db.connection.execute(
            "INSERT INTO events (id, kind, title, description, starts_at, ends_at, place, "
            "audience, status, publish_at, reminders, created_at, checkin_code) VALUES "
            "(?, 'meeting', 'Møde', '', 'x', 'x', 'Her', 'all', 'published', 'x', '[]', "
            "'2026-11-01T10:00:00+00:00', ?)",
            (event_id, f"code{event_id}"),
        )
    for action, at in (
        ("event.create", "2026-11-01T10:00:00+00:00"),
        ("event.change", "2026-11-02T10:00:00+00:00"),
        ("event.cancel", "2026-11-03T10:00:00+00:00"),
    ):
        await db.connection.execute(
            "INSERT INTO audit_log (actor, action, subject, at) VALUES (1, ?, '1', ?)",
            (action, at),
        )
    await db.connection.commit()

    await migrate(db)

    rows = await db.fetch_all("SELECT id, revision, changed_at FROM events ORDER BY id")
    assert [tuple(row) for row in rows] == [
        (1, 2, "2026-11-03T10:00:00+00:00"),
        (2, 0, None),
    ]


def test_a_database_is_named_without_its_password() -> None:
    assert named("postgresql://op:Secr3t%40pw@db:5432/bolden") == (
        "postgresql://op:***@db:5432/bolden"
    )
    assert named("postgresql://op@db/bolden") == "postgresql://op@db/bolden"
    assert named(Path("data/bolden.sqlite3")) == "data/bolden.sqlite3"
