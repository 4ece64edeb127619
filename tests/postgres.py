"""A real PostgreSQL for the tests: one server per test session, in a temporary folder, on a
free loopback port; a test that needs a database asks it for a fresh, empty one.

initdb refuses to run as root, so when the tests run as root the server runs as the `postgres`
user. Nothing on it must survive a crash (fsync is off), and it is stopped at once at the end.
Its default collation is Danish (ICU), as a Danish municipality's database may well be: the
schema must sort as SQLite does whatever the database's collation is.

Without PostgreSQL, `available()` says why in one line, and tests/conftest.py leaves out the
tests marked `postgres` (and says so) while the rest runs.
"""

from __future__ import annotations

import functools
import itertools
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg
import pytest

from storage.database import Database
from storage.migrations import migrate

MAJOR = 15  # the oldest PostgreSQL Bolden runs on
USER = "bolden"  # the server's superuser, with no password, on loopback only
_SERVER_USER = "postgres"  # who runs the server when the tests run as root


class PostgresServer:
    """A running server, reached over TCP on loopback."""

    def __init__(self, port: int) -> None:
        self.port = port
        self._numbers = itertools.count(1)
        self._template = ""

    def url(self, dbname: str) -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{dbname}"

    async def fresh(self, template: str = "template1") -> str:
        """The URL of a new database of its own: empty, or a copy of `template`."""
        name = f"test_{next(self._numbers)}"
        connection = await asyncpg.connect(self.url("postgres"))
        try:
            # A copy of the files is several times faster than WAL_LOG for a database this
            # small, and the checkpoint it needs costs nothing with fsync off.
            await connection.execute(
                f"CREATE DATABASE {name} TEMPLATE {template} STRATEGY = FILE_COPY"
            )
        finally:
            await connection.close()
        return self.url(name)

    async def migrated(self) -> str:
        """The URL of a new database with Bolden's schema: a copy of one migrated once."""
        if not self._template:
            url = await self.fresh()
            db = await Database.open(url)
            try:
                await migrate(db)
            finally:
                await db.close()
            self._template = url.rsplit("/", 1)[1]
        return await self.fresh(self._template)


@functools.cache
def available() -> str | None:
    """None when a PostgreSQL server can be started here, else why not, in one line."""
    folder = _binaries()
    if folder is None:
        return (
            f"no PostgreSQL server programs (initdb, pg_ctl, postgres) in "
            f"/usr/lib/postgresql/{MAJOR}/bin, in `pg_config --bindir` or on PATH"
        )
    version = subprocess.run(
        [folder / "postgres", "--version"], capture_output=True, text=True, check=False
    ).stdout
    found = re.search(r"(\d+)\.", version)
    if found is None or int(found[1]) < MAJOR:
        return f"{folder}/postgres is {version.strip() or 'unknown'}; Bolden needs {MAJOR}+"
    if os.geteuid() == 0:
        if shutil.which("runuser") is None:
            return (
                "the tests run as root, and there is no runuser to run PostgreSQL as another user"
            )
        try:
            pwd.getpwnam(_SERVER_USER)
        except KeyError:
            return f"the tests run as root and there is no {_SERVER_USER} user to run PostgreSQL"
    return None


def _binaries() -> Path | None:
    """The folder with initdb, pg_ctl and postgres: Debian's for PostgreSQL 15, pg_config's,
    or the one on PATH."""
    folders = [Path(f"/usr/lib/postgresql/{MAJOR}/bin")]
    pg_config = shutil.which("pg_config")
    if pg_config:
        bindir = subprocess.run(
            [pg_config, "--bindir"], capture_output=True, text=True, check=False
        ).stdout.strip()
        if bindir:
            folders.append(Path(bindir))
    initdb = shutil.which("initdb")
    if initdb:
        folders.append(Path(initdb).resolve().parent)
    for folder in folders:
        if all((folder / name).is_file() for name in ("initdb", "pg_ctl", "postgres")):
            return folder
    return None


@contextmanager
def running() -> Iterator[PostgresServer]:
    """Start a server in a temporary folder; stop it and remove the folder at the end."""
    folder = _binaries()
    if folder is None or available() is not None:
        raise RuntimeError(f"PostgreSQL cannot run here: {available()}")
    root = Path(tempfile.mkdtemp(prefix="bolden-postgres-"))
    as_server: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(root, _SERVER_USER)
        as_server = ["runuser", "-u", _SERVER_USER, "--"]
    data, log, port = root / "data", root / "server.log", _free_port()

    def run(*command: str | Path) -> None:
        done = subprocess.run(
            [*as_server, *map(str, command)], capture_output=True, text=True, cwd=root, check=False
        )
        if done.returncode != 0:
            said = (done.stderr or done.stdout).strip().replace("\n", " ")
            logged = f"; the server's log: {log}" if log.exists() else ""
            raise RuntimeError(
                f"{Path(command[0]).name} failed (exit code {done.returncode}): {said}{logged}"
            )

    # A server that does not start leaves its folder, so that its log can be read.
    run(
        folder / "initdb",
        *("-D", data, "-U", USER, "--auth=trust", "--no-sync", "--encoding=UTF8"),
        *("--locale=C", "--locale-provider=icu", "--icu-locale=da"),
    )
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c fsync=off"
    run(folder / "pg_ctl", "-D", data, "-l", log, "-w", "-o", options, "start")
    try:
        yield PostgresServer(port)
    finally:
        run(folder / "pg_ctl", "-D", data, "-m", "immediate", "stop")
        shutil.rmtree(root)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One PostgreSQL server for the whole session; `fresh()` gives each test its database."""
    with running() as server:
        yield server
