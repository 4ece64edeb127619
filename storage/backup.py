"""A consistent copy of the database, taken with SQLite's online backup API."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from storage.database import StorageError


def backup(source: Path, target: Path) -> None:
    """Copy the database while the bot may be writing; the copy appears whole or not at all."""
    if not source.is_file():
        raise StorageError(f"there is no database at {source}")
    if target.exists() and target.resolve() == source.resolve():
        raise StorageError("the backup must go to another file than the database itself")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    src, dst = sqlite3.connect(source), sqlite3.connect(partial)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    os.replace(partial, target)
