"""CSV files for Danish Excel, streamed to a temporary folder and handed over in parts.

A big municipality's export is more than memory should hold at once and may be more than the
50 MB a bot may upload. So the rows come in chunks from the database, a thread writes each chunk
(the event loop keeps answering people meanwhile), a new part starts before one would pass
PART_LIMIT, and a part bigger than ZIP_ABOVE is zipped: CSV shrinks to a fifth or less, which
keeps the upload, and the memory it takes to send it, small. The folder is removed when the
`csv_export` block ends, sent or not.

What a Danish office opens: semicolons (Danish Excel's list separator, as the comma is its
decimal sign), UTF-8 with a byte order mark (without it Excel reads æ, ø and å wrongly),
headers and values in the coordinator's language, and times where the bot runs
(BOLDEN_TIMEZONE) written `2026-06-30 14:05`, which Excel reads as a date and time and sorts.
An export can be narrowed to days (`ExportFilter`, parsed from what the coordinator typed).
"""

from __future__ import annotations

import asyncio
import csv
import io
import tempfile
import time
import zipfile
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import IO, TypeVar
from zoneinfo import ZoneInfo

from bot.i18n import Translator

UPLOAD_LIMIT = 50 * 1000 * 1000  # what a bot may upload to Telegram
PART_LIMIT = 45 * 1000 * 1000  # CSV bytes in one part: under the upload limit, zipped or not
ZIP_ABOVE = 5 * 1000 * 1000  # a part bigger than this is sent as a zip
SLICE = 50  # rows written between two chances for the event loop to take the GIL
MIDNIGHT = datetime.min.time()
BOM = "\ufeff".encode()  # Danish Excel reads UTF-8 only with it

Row = Sequence[object]
T = TypeVar("T")


class FilterProblem(StrEnum):
    BAD_DATE = "bad_date"  # not a day we can read
    BACKWARDS = "backwards"  # the last day before the first
    UNKNOWN_NETWORK = "unknown_network"


@dataclass(frozen=True)
class ExportFilter:
    """Which rows an export holds: from and to a day (both included, where the bot runs), and
    one network's."""

    first: date | None = None
    last: date | None = None
    network_id: int | None = None
    network: str | None = None

    def bounds(self, zone: ZoneInfo) -> tuple[datetime | None, datetime | None]:
        """The moments [since, until) that the days cover where the bot runs, in UTC as the
        database stores moments (its text compares in order only within one offset)."""
        since = datetime.combine(self.first, MIDNIGHT, zone).astimezone(UTC) if self.first else None
        after = self.last + timedelta(days=1) if self.last else None
        until = datetime.combine(after, MIDNIGHT, zone).astimezone(UTC) if after else None
        return since, until

    def describe(self) -> str:
        """For the audit log: the days (`2026-01-01..2026-06-30`, `…` for no end) and the
        network's name, as the export was asked for; empty for everything."""
        days = f"{self.first}..{self.last or '…'}" if self.first else ""
        return " ".join(part for part in (days, self.network or "") if part)


def parse_filter(words: Sequence[str], networks: dict[int, str]) -> ExportFilter | FilterProblem:
    """`[first day [last day]] [network]`: days as 2026-06-30 or 30.6.2026; the network by its
    name (any case) or number, as /network lists them."""
    days: list[date] = []
    rest = list(words)
    while rest and len(days) < 2 and rest[0][:1].isdigit():
        day = _day(rest[0])
        if day is None:
            if days or not rest[0].isdigit():
                return FilterProblem.BAD_DATE
            break  # a bare number after no days: a network's number
        days.append(day)
        rest.pop(0)
    first, last = [*days, None, None][:2]
    if first and last and last < first:
        return FilterProblem.BACKWARDS
    if not rest:
        return ExportFilter(first, last)
    named = " ".join(rest).casefold()
    found = [i for i, name in networks.items() if name.casefold() == named or str(i) == named]
    if len(found) != 1:
        return FilterProblem.UNKNOWN_NETWORK
    return ExportFilter(first, last, found[0], networks[found[0]])


def _day(word: str) -> date | None:
    try:
        if "." in word:
            day, month, year = word.split(".")
            return date(int(year), int(month), int(day))
        return date.fromisoformat(word)
    except ValueError:
        return None


def local_time(stored: str | datetime | None, zone: ZoneInfo) -> str:
    """A moment stored in UTC as Excel reads it, where the bot runs; empty when there is none."""
    if not stored:
        return ""
    moment = datetime.fromisoformat(stored) if isinstance(stored, str) else stored
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def decimal(t: Translator, value: float | None) -> str:
    """A coordinate with the decimal sign of the coordinator's language (Danish Excel reads
    55.56 as text, 55,56 as a number)."""
    if value is None:
        return ""
    return f"{value:.6f}".replace(".", t.number(0.5)[1])


def username(name: str | None) -> str:
    """A Telegram @username as people write it; empty when the person has none."""
    return f"@{name}" if name else ""


@dataclass(frozen=True)
class ExportFile:
    """One file to send: where it is, and the name the person sees."""

    path: Path
    name: str


@asynccontextmanager
async def csv_export(
    name: str,
    header: Row,
    chunks: AsyncIterator[Sequence[T]],
    shape: Callable[[T], Row],
    part_limit: int = PART_LIMIT,
    zip_above: int = ZIP_ABOVE,
) -> AsyncIterator[list[ExportFile]]:
    """`name.csv` (or `name-1.csv`, `name-2.csv` … each with the header; `.zip` around a big
    one), written from `chunks` of records made rows by `shape` (in the thread, like the
    writing); none without rows. The files exist inside the block only."""
    with tempfile.TemporaryDirectory(prefix="bolden-export-") as folder:
        parts = _Parts(Path(folder), header, part_limit)
        try:
            async for chunk in chunks:
                await asyncio.to_thread(parts.write, chunk, shape)
        finally:
            await asyncio.to_thread(parts.close)
        yield await asyncio.to_thread(_named, parts.paths, name, zip_above)


class _Parts:
    """Rows written to part files of at most `limit` bytes; a row is never cut in two."""

    def __init__(self, folder: Path, header: Row, limit: int) -> None:
        self.paths: list[Path] = []
        self._folder, self._limit = folder, limit
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, delimiter=";")
        self._header = BOM + self._encoded([header])
        self._file: IO[bytes] | None = None
        self._size = 0

    def _encoded(self, rows: Iterable[Row]) -> bytes:
        self._buffer.seek(0)
        self._buffer.truncate()
        self._writer.writerows(rows)
        return self._buffer.getvalue().encode("utf-8")

    def write(self, records: Sequence[T], shape: Callable[[T], Row]) -> None:
        """Write in slices, letting go of the GIL after each: the csv module holds it for as
        long as one call writes, and the event loop must not wait that long for it."""
        for start in range(0, len(records), SLICE):
            self._write([shape(record) for record in records[start : start + SLICE]])
            time.sleep(0)

    def _write(self, rows: list[Row]) -> None:
        data = self._encoded(rows)
        if self._file is not None and self._size + len(data) <= self._limit:
            self._append(data)  # the whole slice fits: the usual case
            return
        for row in rows:  # near the end of a part: row by row
            data = self._encoded([row])
            if self._file is None or (
                self._size + len(data) > self._limit and self._size > len(self._header)
            ):
                self._start()
            self._append(data)

    def _append(self, data: bytes) -> None:
        assert self._file is not None
        self._file.write(data)
        self._size += len(data)

    def _start(self) -> None:
        if self._file is not None:
            self._file.close()
        self.paths.append(self._folder / f"part-{len(self.paths) + 1}.csv")
        self._file = self.paths[-1].open("wb")
        self._append(self._header)
        self._size = len(self._header)

    def close(self) -> None:
        """Finish the last part; an export without rows has none (nothing worth a file)."""
        if self._file is not None:
            self._file.close()


def _named(paths: list[Path], name: str, zip_above: int) -> list[ExportFile]:
    files = []
    for number, path in enumerate(paths, start=1):
        shown = f"{name}.csv" if len(paths) == 1 else f"{name}-{number}.csv"
        if path.stat().st_size <= zip_above:
            files.append(ExportFile(path, shown))
            continue
        zipped = path.with_suffix(".zip")
        with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
            archive.write(path, shown)
        path.unlink()
        files.append(ExportFile(zipped, shown.removesuffix(".csv") + ".zip"))
    return files


async def chunks(
    fetch: Callable[[int, int], Awaitable[list[T]]], key: Callable[[T], int], size: int
) -> AsyncIterator[list[T]]:
    """Records `size` at a time, each chunk the ones after the last's `key` (keyset paging:
    every chunk is found in the index, however far into the table)."""
    after = 0
    while chunk := await fetch(after, size):
        yield chunk
        after = key(chunk[-1])


def csv_bytes(header: Row, rows: Iterable[Row]) -> bytes:
    """A small CSV (one event's answers) in memory, the same format as the files."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(header)
    writer.writerows(rows)
    return BOM + buffer.getvalue().encode("utf-8")
