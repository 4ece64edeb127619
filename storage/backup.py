"""A consistent copy of the database: SQLite's online backup API, or PostgreSQL's pg_dump."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

from storage.database import StorageError, is_url

# Where Debian puts PostgreSQL's programs, when they are not on PATH.
_DEBIAN = Path("/usr/lib/postgresql")


def backup(source: Path | str, target: Path) -> None:
    """Copy the database while the bot may be writing; the copy appears whole or not at all.
    A PostgreSQL database is written in pg_dump's custom format (read back with pg_restore)."""
    if is_url(source):
        _dump(str(source), target)
        return
    assert isinstance(source, Path)
    if not source.is_file():
        raise StorageError(f"there is no database at {source}")
    if target.exists() and target.resolve() == source.resolve():
        raise StorageError("the backup must go to another file than the database itself")
    partial = _partial(target)
    src, dst = sqlite3.connect(source), sqlite3.connect(partial)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    os.replace(partial, target)


def _partial(target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    return partial


def _dump(url: str, target: Path) -> None:
    """pg_dump in one consistent snapshot; the password goes in its environment, not on its
    command line, where any user of the machine could read it."""
    program = pg_program("pg_dump")
    parts = urlsplit(url)
    environment = dict(os.environ)
    if parts.password is not None:
        environment["PGPASSWORD"] = unquote(parts.password)
        netloc = parts.netloc.rpartition("@")[2]
        url = urlunsplit(parts._replace(netloc=f"{parts.username}@{netloc}"))
    partial = _partial(target)
    done = subprocess.run(
        [program, "--format=custom", "--no-owner", f"--file={partial}", f"--dbname={url}"],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        partial.unlink(missing_ok=True)
        lines = done.stderr.strip().splitlines() or ["no message"]
        said = next((line for line in lines if "error:" in line), lines[0]).strip()
        raise StorageError(f"pg_dump failed: {said}")
    os.replace(partial, target)


def pg_program(name: str) -> str:
    """A PostgreSQL client program: on PATH, else the newest of Debian's."""
    found = shutil.which(name)
    if found:
        return found
    for folder in sorted(_DEBIAN.glob("*/bin"), reverse=True):
        if (folder / name).is_file():
            return str(folder / name)
    raise StorageError(f"{name} was not found; install PostgreSQL's client programs")
