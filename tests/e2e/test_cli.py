"""The `bolden` command as an operator uses it: run, try, migrate, backup, export, import, and
bad settings."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from urllib.parse import unquote

import pytest

from bot.sandbox.emulator import BotApiEmulator
from storage.migrations import available
from tests.conftest import TOKEN
from tests.postgres import PostgresServer
from tests.web import fetch


def _env(**settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOLDEN_")}
    env["BOLDEN_WEB_PORT"] = "0"  # a free port: several may run at once
    return {**env, **{f"BOLDEN_{k.upper()}": v for k, v in settings.items()}}


def bolden(*args: str, stdin: str = "", **settings: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=_env(**settings),
        timeout=120,
        check=False,
    )


async def _run_in_background(token: str, url: str, folder: Path) -> asyncio.subprocess.Process:
    """`bolden run` against the emulator, as an operator starts it."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        env=_env(token=token, api_base_url=url, database=str(folder / "bolden.sqlite3")),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"token": "not-a-token"}, "BOLDEN_TOKEN is not a bot token of the form"),
        ({"coordinators": "12, abc"}, "BOLDEN_COORDINATORS must be Telegram user ids"),
        ({"timezone": "Mars/Olympus"}, "BOLDEN_TIMEZONE 'Mars/Olympus' is not a known time zone"),
        ({"language": "de"}, "BOLDEN_LANGUAGE must be one of da, en"),
        ({"content": "missing.toml"}, "BOLDEN_CONTENT no strategy file at missing.toml"),
        ({"api_base_url": "ftp://x"}, "BOLDEN_API_BASE_URL must be an http(s) URL"),
    ],
)
def test_bad_settings_stop_with_one_line_and_exit_code_2(
    settings: dict[str, str], message: str
) -> None:
    result = bolden("migrate", **settings)

    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"bolden: {message}")
    assert result.stderr.count("\n") == 1, "one line, no traceback"


def test_a_broken_strategy_file_names_the_problem(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text('[strategy]\nname = { da = "X" }\n', encoding="utf-8")

    result = bolden("migrate", content=str(broken))

    assert result.returncode == 2
    assert result.stderr == "bolden: BOLDEN_CONTENT broken.toml: strategy.name.en: Field required\n"


def test_the_token_is_not_echoed_when_it_is_wrong() -> None:
    secret = "123:too-short-but-secret"

    result = bolden("run", token=secret)

    assert result.returncode == 2
    assert secret not in result.stderr + result.stdout


def test_migrate_is_idempotent_and_backup_copies(tmp_path: Path) -> None:
    database = str(tmp_path / "bolden.sqlite3")

    first = bolden("migrate", database=database)
    again = bolden("migrate", database=database)
    copy = bolden("backup", str(tmp_path / "copy.sqlite3"), database=database)

    count, newest = len(available()), max(m.version for m in available())
    assert first.stdout.endswith(f": applied {count} migration(s), schema version {newest}.\n")
    assert again.stdout.endswith(f": already up to date, schema version {newest}.\n")
    assert copy.returncode == 0
    assert copy.stdout.startswith("Backup of ")
    with closing(sqlite3.connect(tmp_path / "copy.sqlite3")) as connection:
        tables = connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
        ).fetchall()
    assert {"people", "deep_links", "ambassadors", "schema_migrations"} <= {n for (n,) in tables}


def test_backup_without_a_database_says_so(tmp_path: Path) -> None:
    result = bolden("backup", "copy.sqlite3", database=str(tmp_path / "none.sqlite3"))

    assert result.returncode == 2
    assert result.stderr.startswith("bolden: there is no database at")


def test_a_database_from_a_newer_bolden_is_refused(tmp_path: Path) -> None:
    database = tmp_path / "bolden.sqlite3"
    bolden("migrate", database=str(database))
    with closing(sqlite3.connect(database)) as connection, connection:
        connection.execute("INSERT INTO schema_migrations VALUES (99, 'future', 'x')")

    result = bolden("migrate", database=str(database))

    assert result.returncode == 2
    newest = max(m.version for m in available())
    assert f"has schema version 99, newer than this Bolden knows ({newest})" in result.stderr


def test_run_without_a_token_starts_the_sandbox() -> None:
    result = bolden("run", stdin="/start\n")

    assert result.returncode == 0, result.stderr
    first, *rest = result.stdout.splitlines()
    assert first == "No BOLDEN_TOKEN set: starting the offline sandbox (bolden try)."
    assert "Bolden > Hej Anna! 👋" in rest


def test_try_walks_a_conversation_from_piped_input() -> None:
    script = "\n".join(
        [
            "/start",
            "4",
            "1",
            "/as coordinator",
            "/language",
            "2",
            "hello",
            "9",
            "/as citizen",
            "/quit",
        ]
    )

    result = bolden("try", stdin=script + "\n")

    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "You are Anna (citizen, Telegram id 1001). Type /start to begin." in out
    assert "    [1] 📨 Send en bold   [2] 📋 Mine bolde   [3] 🤝 Ambassadør" in out
    assert "(you press: ℹ️ Om strategien)\nBolden (edited) > Strategi for Udsathed" in out
    assert "(you press: 🎯 Temaerne)\nBolden (edited) > De 12 temaer" in out
    assert "You are Karim (coordinator, Telegram id 1002)." in out
    assert "(you press: 🇬🇧 English)\nBolden (edited) > Fine, we will speak English" in out
    assert "Bolden > Thank you for your message." in out
    assert "There is no button 9." in out
    assert out.rstrip().endswith("You are Anna (citizen, Telegram id 1001).")
    assert result.stderr == ""


def test_try_on_messenger_chats_as_a_messenger_person_and_the_coordinator_in_telegram() -> None:
    script = [
        "/getstarted", "4", "9", "/photo /no/such.jpg", "/later soon", "/later 25",
        "/as coordinator", "/start", "/as citizen", "/quit",
    ]  # fmt: skip

    result = bolden("try", "--messenger", stdin="\n".join(script) + "\n")

    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "You are Anna (citizen, Messenger psid 7000000000000001)." in out
    assert "The page is m.me/boldenfredericia. Type /getstarted to begin." in out
    assert "Bolden > Hej Anna! 👋" in out
    assert "[1] 📨 Send en bold" in out, "the start menu's choices are numbered"
    assert "ℹ️ Om strategien)\nBolden > Strategi for Udsathed" in out
    assert "There is no choice 9." in out
    assert "There is no file /no/such.jpg." in out
    assert "Write /later and a number of hours, e.g. /later 25." in out
    assert "UTC in the sandbox.)" in out, "a day and more later: past Meta's 24-hour window"
    assert "You are Karim (coordinator, Telegram id 1002).\nBolden > Hej Karim! 👋" in out
    assert out.rstrip().endswith("You are Anna (citizen, Messenger psid 7000000000000001).")
    assert "(the bot did not answer)" not in out
    assert result.stderr == ""


def test_try_sends_a_number_as_text_saves_files_and_becomes_anyone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # where the files folder is made
    script = [
        "/start", "'4", "/as Bo", "/start", "/as coordinator", "/export audit", "/as bo", "/quit",
    ]  # fmt: skip

    result = bolden("try", stdin="\n".join(script) + "\n")

    assert result.returncode == 0, result.stderr
    out = result.stdout
    [files] = list(tmp_path.glob("bolden-try-files-*"))
    assert f"Files the bot sends are saved in {files}" in out
    after_menu = out.split("[7] ")[1]
    assert "(you press" not in after_menu.split("Bolden > Tak for din besked.")[0], "'4 is text"
    assert "You are Bo (Telegram id 1003).\nBolden > Hej Bo!" in out
    [csv] = list(files.glob("*-log.csv"))
    assert f"Bolden > [file: {csv}] Loggen over koordinatorernes handlinger." in out
    assert csv.read_bytes().startswith("\ufeffTidspunkt;Telegram-id;Hvem".encode())
    assert out.rstrip().endswith("You are Bo (Telegram id 1003).")
    assert result.stderr == ""


async def test_try_serves_the_web_pages_on_loopback_and_says_where() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "try",
        env=_env(),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    assert process.stdin is not None
    try:
        async with asyncio.timeout(60):
            while not (line := (await process.stdout.readline()).decode()).startswith(
                "The web pages"
            ):
                assert line, "bolden try ended without saying where its web pages are"
        address = line.split(" are at ")[1].split()[0]
        assert address.startswith("http://127.0.0.1:")
        page = await fetch(address)
        assert page.status == 200
        assert "Strategiens temaer" in page.text
        dashboard = (await process.stdout.readline()).decode()
        assert dashboard.startswith("The coordinators' dashboard (for an hour): ")
        link = dashboard.split(": ", 1)[1].strip()
        assert link.startswith(f"{address}dashboard#tgWebAppData=")
        init_data = unquote(link.split("#tgWebAppData=")[1])
        signed_in = await fetch(
            f"{address}dashboard/session", "POST", data={"init_data": init_data}
        )
        assert signed_in.status == 303
        assert "/dashboard/view?" in signed_in.headers["Location"]
    finally:
        process.stdin.write(b"/quit\n")
        await process.communicate()
    assert process.returncode == 0


async def test_run_with_a_token_serves_the_bot_until_interrupted(
    emulator: BotApiEmulator, tmp_path: Path
) -> None:
    anna = emulator.person(1001, "Anna", "da")
    process = await _run_in_background(TOKEN, emulator.url, tmp_path)
    try:
        await anna.send("/start", wait=False)
        await emulator.wait_for(lambda: anna.messages, 60, "the bot's greeting")
    finally:
        process.send_signal(signal.SIGINT)
        stdout, stderr = await process.communicate()

    assert anna.last.text.startswith("Hej Anna!")
    assert process.returncode == 0
    log = stderr.decode()
    assert "Application started" in log
    assert "INFO bot.app: Web server listening on 127.0.0.1:" in log
    assert ", updates by polling\n" in log
    assert "apscheduler" not in log, "the scheduler's jobs are not logged one by one"
    assert TOKEN not in log
    assert TOKEN not in stdout.decode()


async def test_a_token_the_server_refuses_stops_start_up(
    emulator: BotApiEmulator, tmp_path: Path
) -> None:
    other = "987654321:AAE-a-token-this-server-does-not-know"
    process = await _run_in_background(other, emulator.url, tmp_path)
    _, stderr = await process.communicate()

    assert process.returncode == 2
    assert (
        stderr.decode().splitlines()[-1] == "bolden: BOLDEN_TOKEN was refused by the Bot API server"
    )
    assert other not in stderr.decode()


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A port another program listens on."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield holder.getsockname()[1]


@pytest.mark.parametrize(
    ("web", "message"),
    [
        (
            {"web_port": "busy"},
            "BOLDEN_WEB_PORT {port} on 127.0.0.1 cannot be used: address already in use",
        ),
        # 192.0.2.1 is kept for documentation: no machine has it.
        (
            {"web_host": "192.0.2.1"},
            "BOLDEN_WEB_HOST 192.0.2.1 cannot be used: cannot assign requested address",
        ),
        (
            {"web_host": "no-such-host.invalid"},
            "BOLDEN_WEB_HOST no-such-host.invalid cannot be used: ",
        ),
    ],
)
async def test_a_web_address_the_machine_cannot_serve_stops_start_up_with_one_line(
    emulator: BotApiEmulator, tmp_path: Path, busy_port: int, web: dict[str, str], message: str
) -> None:
    web = {key: str(busy_port) if value == "busy" else value for key, value in web.items()}
    result = await asyncio.to_thread(
        bolden,
        "run",
        token=TOKEN,
        api_base_url=emulator.url,
        database=str(tmp_path / "bolden.sqlite3"),
        **web,
    )

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines()[-1].startswith(f"bolden: {message.format(port=busy_port)}")


def test_the_sandbox_on_a_busy_port_says_so_in_one_line(busy_port: int) -> None:
    result = bolden("try", stdin="/quit\n", web_port=str(busy_port))

    assert result.returncode == 2
    assert result.stderr == (
        f"bolden: BOLDEN_WEB_PORT {busy_port} on 127.0.0.1 cannot be used: address already in use\n"
    )


def filled_database(path: Path) -> tuple[int, int]:
    """A migrated SQLite database with a few people: its number of rows and of tables."""
    assert bolden("migrate", database=str(path)).returncode == 0
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.executemany(
            "INSERT INTO people (user_id, language, first_seen, last_seen, name) "
            "VALUES (?, 'da', '2026-01-05T10:00:00+00:00', '2026-01-05T10:00:00+00:00', ?)",
            [(1, "Anna"), (2, "Bo Ærø")],
        )
        names = [
            name
            for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if name not in ("schema_migrations", "sqlite_sequence", "instances")
        ]
        rows = sum(connection.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names)
    return rows, len(names)


def people_in(path: Path) -> list[tuple[object, ...]]:
    with closing(sqlite3.connect(path)) as connection:
        return connection.execute("SELECT user_id, name FROM people ORDER BY user_id").fetchall()


def test_export_and_import_copy_a_database_into_an_empty_one_and_refuse_a_second_time(
    tmp_path: Path,
) -> None:
    source, exported, target = (tmp_path / name for name in ("a.sqlite3", "b", "c.sqlite3"))
    rows, tables = filled_database(source)

    export = bolden("export", str(exported), database=str(source))
    again = bolden("export", str(exported), database=str(source))
    loaded = bolden("import", str(exported), database=str(target))
    twice = bolden("import", str(exported), database=str(target))

    assert (export.returncode, export.stderr) == (0, "")
    assert (
        export.stdout == f"Exported {rows} rows of {tables} tables from {source} to {exported}.\n"
    )
    assert (again.returncode, again.stdout) == (2, "")
    assert again.stderr == f"bolden: {exported} already exists; export to a new file\n"
    assert (loaded.returncode, loaded.stderr) == (0, "")
    assert (
        loaded.stdout == f"Imported {rows} rows of {tables} tables from {exported} into {target}.\n"
    )
    assert (twice.returncode, twice.stdout) == (2, "")
    assert twice.stderr == (
        f"bolden: {target} is not empty (the table people has rows); "
        "import only into a database that holds no data yet\n"
    )
    assert people_in(exported) == people_in(target) == [(1, "Anna"), (2, "Bo Ærø")]


def test_import_refuses_what_is_not_a_bolden_database_of_this_version_in_one_line(
    tmp_path: Path,
) -> None:
    source, target = tmp_path / "a.sqlite3", str(tmp_path / "c.sqlite3")
    filled_database(source)
    newest = max(m.version for m in available())
    with closing(sqlite3.connect(source)) as connection, connection:
        connection.execute("DELETE FROM schema_migrations WHERE version = ?", (newest,))
    text = tmp_path / "notes.txt"
    text.write_text("not a database\n" * 100, encoding="utf-8")

    older = bolden("import", str(source), database=target)
    other = bolden("import", str(text), database=target)
    missing = bolden("import", str(tmp_path / "missing"), database=target)

    assert (older.returncode, other.returncode, missing.returncode) == (2, 2, 2)
    assert older.stderr == (
        f"bolden: {source} has schema version {newest - 1}, this Bolden's is {newest}: bring it "
        f"up to date first with `bolden migrate` (BOLDEN_DATABASE={source}), then try again\n"
    )
    assert other.stderr == f"bolden: {text} is not a Bolden database: file is not a database\n"
    assert missing.stderr == f"bolden: there is no database at {tmp_path / 'missing'}\n"


@pytest.mark.postgres
async def test_a_database_moves_to_postgresql_and_back_without_showing_its_password(
    tmp_path: Path, postgres_server: PostgresServer
) -> None:
    source, exported = tmp_path / "bolden.sqlite3", tmp_path / "from-postgresql"
    rows, tables = filled_database(source)
    empty = await postgres_server.fresh()  # not even migrated: import does that first
    url = empty.replace("bolden@", "bolden:s3cret@")  # the test server trusts loopback
    shown = empty.replace("bolden@", "bolden:***@")

    loaded = await asyncio.to_thread(bolden, "import", str(source), database=url)
    twice = await asyncio.to_thread(bolden, "import", str(source), database=url)
    export = await asyncio.to_thread(bolden, "export", str(exported), database=url)
    migrated = await asyncio.to_thread(bolden, "migrate", database=url)
    dumped = await asyncio.to_thread(bolden, "backup", str(tmp_path / "x.dump"), database=url)

    assert (loaded.returncode, loaded.stderr) == (0, "")
    assert loaded.stdout == f"Imported {rows} rows of {tables} tables from {source} into {shown}.\n"
    assert twice.returncode == 2
    assert twice.stderr == (
        f"bolden: {shown} is not empty (the table people has rows); "
        "import only into a database that holds no data yet\n"
    )
    assert (export.returncode, export.stderr) == (0, "")
    assert export.stdout == f"Exported {rows} rows of {tables} tables from {shown} to {exported}.\n"
    assert migrated.stdout.startswith(f"Database {shown}: already up to date")
    assert dumped.stdout == f"Backup of {shown} written to {tmp_path / 'x.dump'}\n"
    said = loaded.stdout + twice.stderr + export.stdout + migrated.stdout + dumped.stdout
    assert "s3cret" not in said
    assert people_in(exported) == people_in(source)


def test_a_postgresql_server_out_of_reach_is_one_line_without_its_password() -> None:
    result = bolden("migrate", database="postgresql://bolden:s3cret@127.0.0.1:1/bolden")

    assert result.returncode == 2
    assert result.stderr.startswith(
        "bolden: BOLDEN_DATABASE postgresql://bolden:***@127.0.0.1:1/bolden cannot be used: "
    )
    assert result.stderr.count("\n") == 1
    assert "s3cret" not in result.stdout + result.stderr


def test_a_postgresql_url_with_a_port_that_is_no_number_is_one_line() -> None:
    result = bolden("migrate", database="postgresql://bolden:s3cret@db:five/bolden")

    assert result.returncode == 2
    assert result.stderr == "bolden: BOLDEN_DATABASE has a port that is not a number\n"
