"""Many bolde at once, end to end: the inbox's pages turn through every open one, oldest first,
/stats counts them all, and /export holds every one of them."""

from __future__ import annotations

import csv
import io
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from bot.config import Settings
from bot.sandbox.emulator import ChatMessage, SimulatedPerson

pytestmark = pytest.mark.usefixtures("bot")
START = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
OPEN, ANSWERED = 30, 10


def stored_bolde(settings: Settings) -> list[str]:
    """Open bolde, two to the same second, and answered ones, written by another process;
    returns the open ones' references, oldest first."""
    rows = []
    for number in range(1, OPEN + ANSWERED + 1):
        created = START + timedelta(hours=(OPEN + ANSWERED - number) // 2)  # the newest first
        answered = created + timedelta(hours=3) if number > OPEN else None
        rows.append(
            (f"B-2026-{number:04d}", "idea", "En idé med ti tegn.",
             "answered" if answered else "received", created.isoformat(),
             (answered or created).isoformat(), answered.isoformat() if answered else None)
        )  # fmt: skip
    connection = sqlite3.connect(settings.database)
    try:
        with connection:
            connection.executemany(
                "INSERT INTO bolde (reference, kind, text, status, created_at, changed_at, "
                "first_answer_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
    finally:
        connection.close()
    opened = sorted((r for r in rows if r[3] == "received"), key=lambda r: (r[4], r[0]))
    return [r[0] for r in opened]


def references(page: ChatMessage) -> list[str]:
    return [b["text"].split(" · ")[0] for b in page.buttons if b["text"].startswith("B-")]


async def test_the_inbox_pages_figures_and_export_hold_every_bold(
    karim: SimulatedPerson, settings: Settings
) -> None:
    await karim.send("/start")
    expected = stored_bolde(settings)

    page = await karim.send("/inbox")
    assert page.text.startswith(f"{OPEN} åbne bolde (side 1 af 4). Ældste først.")
    shown = references(page)
    for number in (2, 3, 4):
        page = await karim.press(page, "Næste")
        assert page.text.startswith(f"{OPEN} åbne bolde (side {number} af 4).")
        shown += references(page)
    assert "Næste" not in str(page.buttons)
    assert shown == expected

    stats = await karim.send("/stats")
    assert f"Bolde i alt: {OPEN + ANSWERED}" in stats.text
    assert "Mediantid til første svar: 3 timer" in stats.text

    await karim.send("/export bolde")
    document = karim.last
    assert document.file is not None
    assert document.file.name == "bolde.csv"
    rows = list(csv.reader(io.StringIO(document.file.data.decode("utf-8-sig")), delimiter=";"))
    assert sorted(row[0] for row in rows[1:]) == [
        f"B-2026-{n:04d}" for n in range(1, OPEN + ANSWERED + 1)
    ]
