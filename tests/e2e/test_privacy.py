"""/privacy, /mydata and /deleteme: the notice, the person's data as JSON, and erasure."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.config import Settings
from bot.sandbox.emulator import BotApiEmulator, SimulatedPerson
from tests.conftest import sign_up

pytestmark = pytest.mark.usefixtures("bot")


async def test_the_notice_in_english(john: SimulatedPerson) -> None:
    reply = await john.send("/privacy")

    assert reply.text.startswith("What we store about you\nYour Telegram id and language.")
    for heading in ("Why", "For how long", "Who sees it", "Your rights"):
        assert f"\n{heading}\n" in reply.text


async def test_my_data_is_a_json_file_with_everything(anna: SimulatedPerson) -> None:
    await anna.send("/start ref-QR1")
    await sign_up(anna, email="anna@example.dk")

    await anna.send("/mydata")

    document = anna.last
    assert document.file is not None
    assert document.file.name == "bolden-my-data.json"
    data = json.loads(document.file.data)
    assert data["people"][0]["user_id"] == 1001
    assert data["ambassadors"][0]["email"] == "anna@example.dk"
    assert data["deep_links"][0]["argument"] == "QR1"
    assert set(data) >= {"ambassador_topics", "conversations"}


async def test_delete_me_erases_the_person_from_the_database_file(
    emulator: BotApiEmulator, settings: Settings, query
) -> None:
    secret_id = 987654321987
    person = emulator.person(secret_id, "Zebulon", "da")
    await person.send("/start ref-TRACE42")
    await sign_up(person, email="zebulon.unique@example.dk")
    await person.press(await person.send("/themes"), "En by for alle")
    await person.press(await person.send("/me"), "✏️ Navn")  # a conversation in progress

    question = await person.send("/deleteme")
    assert question.text.startswith("Vil du have alt om dig slettet? Det kan ikke fortrydes.")
    done = await person.press(question, "Ja, slet alt")

    assert done.text.startswith("Alt om dig er slettet")
    for table in ("people", "ambassadors", "ambassador_topics", "deep_links", "conversations"):
        assert query(f"SELECT * FROM {table}") == [], table
    stored = b"".join(
        path.read_bytes()
        for path in Path(settings.database).parent.glob(Path(settings.database).name + "*")
    )
    for trace in (b"Zebulon", b"zebulon.unique@example.dk", b"TRACE42", str(secret_id).encode()):
        assert trace not in stored, trace
    assert secret_id.to_bytes(6, "big") not in stored


async def test_keeping_the_data_changes_nothing(anna: SimulatedPerson, query) -> None:
    await sign_up(anna)

    kept = await anna.press(await anna.send("/deleteme"), "Nej, behold")

    assert kept.text.startswith("Hej Anna!")
    assert len(query("SELECT * FROM ambassadors")) == 1
