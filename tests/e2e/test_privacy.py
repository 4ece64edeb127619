"""/privacy, /mydata and /deleteme: the notice, the person's data as JSON, and erasure."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.config import Settings
from bot.sandbox.emulator import BotApiEmulator, SimulatedPerson
from tests.conftest import sign_up
from tests.e2e.test_bolde import send_bold
from tests.e2e.test_broadcast import received, write_newsletter
from tests.e2e.test_events import publish

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
    await person.press(await person.send("/themes"), "Forebyggelse")
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


async def test_the_erasure_is_confirmed_in_the_persons_own_language(
    john: SimulatedPerson, query
) -> None:
    await sign_up(john, "Citizen")

    question = await john.send("/deleteme")
    assert question.text.startswith("Do you want everything about you deleted?")
    done = await john.press(question, "Yes, delete everything")

    assert done.text.startswith("Everything about you has been deleted")
    assert query("SELECT * FROM people") == []


async def test_newsletters_and_invitations_reach_only_those_who_said_yes(
    emulator: BotApiEmulator, karim: SimulatedPerson, anna: SimulatedPerson, query
) -> None:
    eva, ole = emulator.person(1005, "Eva", "da"), emulator.person(1006, "Ole", "da")
    await karim.send("/start")
    await sign_up(anna)  # an ambassador consents by signing up
    await ole.send("/start")  # wrote once, never said yes
    sent = await send_bold(eva, "Flere bænke langs havnen, tak.")

    yes = str(sent.button("🔔 Få nyhedsbreve og invitationer")["callback_data"])
    answer = await eva.press_data(sent, yes)
    assert answer["text"].startswith("Tak! Du får nyhedsbreve og invitationer")
    await emulator.wait_for(lambda: "Ingen nyhedsbreve eller" in str(sent.buttons))
    assert query("SELECT news_consent FROM people WHERE user_id = ?", eva.id)[0][0] == 1
    later = await send_bold(eva, "Og en legeplads ved stranden.")
    assert "nyhedsbreve" not in str(later.buttons), "offered until answered"
    confirm = await write_newsletter(karim, "Vinter", "Godt nytår!", "Alle, der har sagt ja")
    assert "Det går til 2 modtagere" in confirm.text, "Anna and Eva, not Ole or Karim"
    await karim.press(confirm, "Send nu")
    await emulator.wait_for(lambda: received(eva, "Vinter") and received(anna, "Vinter"))
    assert received(ole, "Vinter") == []

    letter = received(eva, "Vinter")[0]
    off = await eva.press_data(letter, str(letter.button("Ingen flere")["callback_data"]))
    assert off["text"] == (
        "Du får ikke flere nyhedsbreve her. Tryk 🔔 eller skriv /newsletters, hvis du fortryder."
    )
    listed = await eva.send("/newsletters")
    again = await eva.press(listed, "🔔 Få nyhedsbreve og invitationer")
    assert "🔕 Ingen nyhedsbreve eller invitationer" in str(again.buttons)
    assert "nyhedsbreve og" not in str((await anna.send("/newsletters")).buttons)
    refused = await eva.press_data(again, str(again.button("🔕 Ingen")["callback_data"]))
    assert refused["text"].startswith("Helt i orden. Du får ingen nyhedsbreve eller invitationer")

    preview = await publish(
        karim,
        "/event",
        ["[Workshop]", "Suppe og snak", "Vi laver suppe.", "3.12.2026 18:00", "[To timer]",
         "Medborgerhuset", "[Ingen grænse]", "[Alle, der har sagt ja]"],
    )  # fmt: skip
    assert "Den går til 1 " in preview.text, "Anna only: Eva said no, Ole never said yes"
