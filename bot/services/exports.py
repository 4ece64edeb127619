"""CSV files for Danish Excel, streamed to a temporary folder and handed over in parts.

A big municipality's export is more than memory should hold at once and may be more than the
50 MB a bot may upload. So the rows come in chunks from the database, a thread writes each chunk
(the event loop keeps answering people meanwhile), a new part starts before one would pass
PART_LIMIT, and a part bigger than ZIP_ABOVE is zipped: CSV shrinks to a fifth or less, which
keeps the upload, and the memory it takes to send it, small. The folder is removed when the
`csv_export` block ends, sent or not.
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
from pathlib import Path
from typing import IO, TypeVar

UPLOAD_LIMIT = 50 * 1000 * 1000  # what a bot may upload to Telegram
PART_LIMIT = 45 * 1000 * 1000  # CSV bytes in one part: under the upload limit, zipped or not
ZIP_ABOVE = 5 * 1000 * 1000  # a part bigger than this is sent as a zip
SLICE = 50  # rows written between two chances for the event loop to take the GIL
BOM = "\ufeff".encode()  # Danish Excel reads UTF-8 only with it

Row = Sequence[object]
T = TypeVar("T")


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
    writing); the files exist inside the block only."""
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
        """Finish the last part; an export without rows is one part with the header."""
        if self._file is None:
            self._start()
        assert self._file is not None
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
