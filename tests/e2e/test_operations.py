"""What an operator relies on: another strategy file, a backup while running, no token in logs."""

from __future__ import annotations

import io
import logging
import sqlite3
from pathlib import Path

from bot.app import build_application, running
from bot.config import DEFAULT_CONTENT, Settings
from bot.logs import configure_logging
from bot.sandbox.emulator import BotApiEmulator, SimulatedPerson
from storage.backup import backup
from storage.migrations import available
from tests.conftest import DATA, TOKEN, FakeClock, sign_up


async def test_another_municipality_runs_its_own_strategy(
    settings: Settings, clock: FakeClock, anna: SimulatedPerson, karim: SimulatedPerson
) -> None:
    other = settings.model_copy(update={"content": DATA / "other_strategy.toml"})
    async with running(build_application(other, clock=clock)):
        await sign_up(anna)
        about = await anna.send("/about")
        help_page = await anna.send("/help")
        stats = await karim.send("/stats")

    assert about.text.startswith("Fællesskab for alle\nIngen skal stå alene i Eksempelby.")
    targets = about.text.split("Vores mål:\n")[1].split("\n\n")[0].splitlines()
    assert targets == [
        "Mål for 2026–2027 (nu)",
        "• 4 ambassadører i 2026",
        "• 25 ambassadører i 2027",
        "• 50\xa0% af ambassadørerne er borgere",
        "• 4 handlingsnetværk, dialogmøder og temadage i perioden",
        "Mål for 2028 (kommende)",
        "• 40 ambassadører i 2028",
        "Sådan går det i 2026:",
        "• bagud: 1 af 4 ambassadører i 2026, 25\xa0%",
        "• nået: 100\xa0% af ambassadørerne er borgere (mål: 50\xa0%)",
        "• bagud: 0 af 4 aktiviteter, 0\xa0%",
    ], "the clock says 22 November 2026"
    assert "Strategien bygger på 3 temaer." in about.text
    assert "E-mail: faellesskab@eksempelby.example" in help_page.text
    assert stats.text.splitlines()[2:7] == [
        "Borgerambassadører: 100\xa0%",
        "Mål for 2026–2027",
        "• bagud: 1 af 4 ambassadører i 2026, 25\xa0%",
        "• nået: 100\xa0% af ambassadørerne er borgere (mål: 50\xa0%)",
        "• bagud: 0 af 4 aktiviteter, 0\xa0%",
    ]


async def test_backup_while_the_bot_runs(
    settings: Settings, anna: SimulatedPerson, tmp_path: Path
) -> None:
    async with running(build_application(settings)):
        await anna.send("/start ref-QR1")
        copy = tmp_path / "copies" / "bolden-backup.sqlite3"

        backup(settings.database, copy)

        assert (await anna.send("/help")).text.startswith("Det kan du her"), "the bot goes on"

    connection = sqlite3.connect(copy)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert connection.execute("SELECT user_id FROM people").fetchall() == [(1001,)]
        assert connection.execute("SELECT kind, argument FROM deep_links").fetchall() == [
            ("ref", "QR1")
        ]
    finally:
        connection.close()


async def test_the_token_never_appears_in_the_log(
    settings: Settings, emulator: BotApiEmulator, anna: SimulatedPerson
) -> None:
    stream = io.StringIO()
    handler = configure_logging(TOKEN, stream, logging.DEBUG)
    try:
        async with running(build_application(settings)):
            await anna.send("/start")
            await anna.send("/language")
    finally:
        logging.getLogger().removeHandler(handler)
        logging.getLogger().setLevel(logging.WARNING)
        logging.getLogger("httpx").setLevel(logging.NOTSET)

    log = stream.getvalue()
    assert "Set Bot API URL: http://127.0.0.1" in log
    assert '/bot<token>/sendMessage "HTTP/1.1 200 OK"' in log, "httpx logged the URLs, redacted"
    assert TOKEN not in log
    assert TOKEN.split(":")[1] not in log


async def test_many_long_themes_are_paged_within_telegrams_limit(
    settings: Settings, emulator: BotApiEmulator, tmp_path: Path
) -> None:
    text = DEFAULT_CONTENT.read_text(encoding="utf-8")
    head, _, tail = text.partition("[[themes]]")
    tail = tail[tail.index("# The three core areas") :]
    themes = "".join(
        f'[[themes]]\ncode = "t{n}"\ntitle = {{ da = "{"Æ" * 75} {n:02}", en = "T {n}" }}\n'
        f'description = {{ da = "{"ø" * 299}.", en = "E." }}\n\n'
        for n in range(1, 41)
    )
    many = tmp_path / "many.toml"
    many.write_text(head + themes + tail, encoding="utf-8")
    person = emulator.person(1005, "Mette", "da")

    async with running(build_application(settings.model_copy(update={"content": many}))):
        page = await person.press(await person.send("/start"), "Temaerne")
        seen = [page.text]
        while any("Næste" in b["text"] for b in page.buttons):
            page = await person.press(page, "Næste")
            seen.append(page.text)
        stale = await person.press_data(page, "menu:themes:99")

    assert len(seen) > 1
    assert seen[0].startswith("De 40 temaer")
    assert seen[-1].endswith(f"Side {len(seen)} af {len(seen)}")
    assert all(len(text.encode("utf-16-le")) // 2 <= 4096 for text in seen)
    numbers = [line.split(".")[0] for text in seen for line in text.splitlines() if "Æ" in line]
    assert numbers == [str(n) for n in range(1, 41)], "every theme once, in order"
    assert stale["text"].startswith("Den knap virker ikke længere.")


async def test_what_people_chose_survives_a_restart(
    settings: Settings, anna: SimulatedPerson, query
) -> None:
    async with running(build_application(settings)):
        question = await anna.send("/language")
        await anna.press(question, "English")

    async with running(build_application(settings)):
        reply = await anna.send("/start")

    assert reply.text.startswith("Hi Anna!")
    versions = {row["version"] for row in query("SELECT version FROM schema_migrations")}
    assert versions == {m.version for m in available()}
