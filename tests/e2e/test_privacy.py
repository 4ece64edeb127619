"""/privacy, /mydata and /deleteme: the notice, the person's data as JSON, and erasure."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.app import BoldenApp
from bot.config import Settings
from bot.sandbox.emulator import BotApiEmulator, ChatMessage, SimulatedPerson
from storage.privacy import INTERNAL
from tests.conftest import FakeClock, sign_up
from tests.e2e.test_bolde import add_rule, join, new_network, send_bold
from tests.e2e.test_broadcast import broadcast, finished, received, write_newsletter
from tests.e2e.test_events import publish

pytestmark = pytest.mark.usefixtures("bot")


async def test_the_notice_names_the_controller_the_legal_basis_and_the_complaint(
    john: SimulatedPerson,
) -> None:
    reply = await john.send("/privacy")

    assert reply.text.splitlines()[:3] == [
        "Your data in Bolden",
        "Data controller: Fredericia Kommune, Gothersgade 20, 7000 Fredericia, "
        "fredericia@fredericia.dk.",
        "Data protection officer: dpo@fredericia.dk.",
    ]
    for heading in ("What we store", "Why, and on what legal basis", "For how long"):
        assert f"\n{heading}\n" in reply.text
    for kept in ("Your answers to events", "when you check in", "invite link", "id, name and"):
        assert kept in reply.text, kept
    assert "Article 6(1)(a)" in reply.text
    assert "A network sees the bolds it gets, with your name unless you send anonymously." in (
        reply.text
    ), "anonymity is chosen on the send screen; the name shows by default"
    assert "your name unless you send anonymously. Also what happens" in reply.text
    assert (
        "On the public bold board on the strategy's website anyone can see each bold's reference, "
        "kind, category, themes, status, dates and public answer. Never your name or your words."
    ) in reply.text
    assert "If you say yes to the public list of ambassadors, anyone can see" in reply.text
    assert "/me for the public list" in reply.text, "how to take that consent back"
    assert "complain to the Danish Data Protection Agency, Datatilsynet" in reply.text


async def my_data(person: SimulatedPerson) -> tuple[list[ChatMessage], dict[str, Any]]:
    """Type /mydata; returns the summary's messages and the JSON file, once it is there."""
    seen = len(person.messages)
    await person.send("/mydata")
    await person.emulator.wait_for(lambda: person.last.file is not None, what="the file")
    *summary, document = person.messages[seen:]
    assert document.file is not None
    assert document.file.name == "bolden-my-data.json"
    return summary, json.loads(document.file.data)


def rows_holding(query: Callable[..., list], user_id: int) -> list[tuple[str, str, dict]]:
    """(table, column, row) for every row of every table with the person's id in a column,
    found by reading the schema, so a table added later is searched too."""
    found = []
    tables = [r[0] for r in query("SELECT name FROM sqlite_master WHERE type = 'table'")]
    for table in tables:
        for (column,) in query("SELECT name FROM pragma_table_info(?)", table):
            for row in query(f'SELECT * FROM "{table}" WHERE "{column}" = ?', user_id):
                found.append((table, column, dict(row)))
    return found


def exported(data: dict[str, Any], table: str, column: str, row: dict) -> bool:
    """Whether the export holds the row: its own rows whole but for the bot's secrets, and of a
    row about someone else (an ambassador they invited) the part that is theirs."""
    for section in data.values():
        for item in section:
            if column not in item or not set(item) <= set(row):
                continue
            if any(item[key] != row[key] for key in item):
                continue
            if column in {"user_id", "sender_id"} and set(row) - set(item) - INTERNAL:
                continue
            return True
    return False


async def test_my_data_shows_and_hands_over_every_row_that_holds_the_person(
    bot: BoldenApp,
    emulator: BotApiEmulator,
    karim: SimulatedPerson,
    clock: FakeClock,
    query: Callable[..., list],
) -> None:
    """Mia does everything a person can: comes through a QR code, signs up, invites Ole,
    becomes a coordinator, builds a network and takes a bold in it, sends one herself,
    broadcasts, creates an event, answers it and checks in."""
    mia, ole = emulator.person(5151, "Mia", "da"), emulator.person(5252, "Ole", "da")
    await karim.send("/start")
    await mia.send("/start ref-QR7")
    await sign_up(mia, email="mia@example.dk")
    await mia.press(await mia.press(await mia.send("/themes"), "Næste"), "Forebyggelse")
    code = query("SELECT referral_code FROM ambassadors WHERE user_id = ?", mia.id)[0][0]
    await ole.send(f"/start ref-{code}")
    await sign_up(ole)
    assert "er nu koordinator" in (await karim.send(f"/coordinator add {mia.id}")).text
    await new_network(mia, "Havnen")
    await join(mia, query, "Havnen")
    await add_rule(mia, "Idé", "", "alle", "Havnen")
    await send_bold(ole, "Flere bænke langs havnen.")
    await emulator.wait_for(lambda: any("Flere bænke" in m.text for m in mia.messages))
    card = next(m for m in mia.messages if "Flere bænke" in m.text)
    await mia.press(await mia.press(card, "Tag den"), "Spørg afsenderen")
    await mia.press(await mia.send("Hvor langs havnen?"), "Send")  # what she wrote herself
    await send_bold(mia, "Lys på stien til stranden.")
    confirm = await broadcast(mia, "Husk mødet i aften.", "Alle aktive ambassadører")
    await mia.press(confirm, "Send nu")
    await finished(emulator, mia)  # before Mia writes on: the summary comes in between
    invitation = await publish(
        mia,
        "/event",
        ["[Workshop]", "Suppe og snak", "Vi laver suppe.", "3.12.2026 18:00", "[To timer]",
         "Medborgerhuset", "[Ingen grænse]", "[Kun inviterede]", "[Alle aktive ambassadører]"],
    )  # fmt: skip
    await mia.press(invitation, "Send invitationer nu")
    await emulator.wait_for(lambda: len(received(mia, "🏁 Færdig")) == 2, what="the summary")

    def invitations() -> list[ChatMessage]:
        return [m for m in received(mia, "Vi laver suppe") if "Måske" in str(m.buttons)]

    await emulator.wait_for(invitations, what="the invitation")
    invited = invitations()[0]
    await mia.press_data(invited, invited.button("Ja")["callback_data"])
    clock.now = datetime(2026, 12, 3, 17, 10, tzinfo=UTC)
    [checkin] = [r[0] for r in query("SELECT checkin_code FROM events")]
    assert "tjekket ind" in (await mia.send(f"/start in-{checkin}")).text

    summary, data = await my_data(mia)

    holding = rows_holding(query, mia.id)
    assert {table for table, _, _ in holding} >= {
        "people", "deep_links", "ambassadors", "ambassador_topics", "coordinators",
        "network_members", "rsvps", "attendance", "outbox", "bolde", "bold_events",
        "audit_log", "batches", "events",
    }  # fmt: skip
    missing = [(t, c, r) for t, c, r in holding if not exported(data, t, c, r)]
    assert missing == []
    text = "\n".join(m.text for m in summary)
    assert text.startswith(
        "Det har vi gemt om dig\nTelegram-id: 5151\nNavn i Telegram: Mia\nSprog: 🇩🇰 Dansk"
    )
    for line in (
        "Nyhedsbreve og invitationer: ja, som ambassadør",
        "Links, du er kommet ind ad: ref-QR7",
        "Netværk: Havnen",
        "Svar på arrangementer: Suppe og snak (du kommer)",
        "Tjekket ind: Suppe og snak",
        "Bolde, du har taget: B-2026-0001",
        "Det, du har skrevet om bolde (svar og kommentarer): 1",
        "Arrangementer og kald, du har lavet: 1",
        "Udsendelser, du har sendt: 2",
        "Via din kode: 1 ny ambassadør",
        "Offentlig liste: nej",
        "Dine bolde, med alt, hvad der er sket med dem:",
        "💡 Idé · B-2026-0002",
    ):
        assert line in text, line
    assert "Du sendte bolden" in text
    assert "mia@example.dk" in text
    assert data["ambassadors"][0]["listed_at"] is None, "the answer about the public list"
    raw = json.dumps(data)
    for secret in ("email_token", "checkin_code", checkin):
        assert secret not in raw, secret
    assert str(ole.id) not in raw, "of Ole's bold only what Mia did with it"

    await mia.press(await mia.send("/deleteme"), "Ja, slet alt")
    assert rows_holding(query, mia.id) == [], "and /deleteme leaves none of them"


async def test_my_data_speaks_the_persons_language(john: SimulatedPerson) -> None:
    await sign_up(john, "Citizen")

    summary, data = await my_data(john)

    text = "\n".join(m.text for m in summary)
    assert text.startswith(
        "What we have stored about you\nTelegram id: 1002\nName in Telegram: John\n"
        "Language: 🇬🇧 English"
    )
    assert "Newsletters and invitations: yes, as an ambassador" in text
    assert data["ambassadors"][0]["display_name"] == "John"
    assert john.last.text == "The same in a file other programs can read (JSON)."


async def test_delete_me_erases_the_person_from_the_database_file(
    emulator: BotApiEmulator, settings: Settings, query
) -> None:
    secret_id = 987654321987
    person = emulator.person(secret_id, "Zebulon", "da", last_name="Quillfeather")
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
    for trace in (
        b"Zebulon",
        b"Quillfeather",
        b"zebulon.unique@example.dk",
        b"TRACE42",
        str(secret_id).encode(),
    ):
        assert trace not in stored, trace
    assert secret_id.to_bytes(6, "big") not in stored


async def test_the_question_says_what_ends_and_what_stays_for_who_the_person_is(
    anna: SimulatedPerson, john: SimulatedPerson
) -> None:
    citizen = await anna.send("/deleteme")
    assert citizen.text == "Vil du have alt om dig slettet? Det kan ikke fortrydes.", "no bolde"
    await send_bold(anna, "Flere bænke langs havnen.")
    await sign_up(anna)
    await anna.press(await anna.send("/leave"), "Ja, stop")
    left = await anna.send("/deleteme")
    assert left.text == (
        "Vil du have alt om dig slettet? Det kan ikke fortrydes.\n\n"
        "De bolde, du har sendt, bliver liggende uden dit navn. "
        "Du hører ikke fra os om dem, der stadig er åbne."
    ), "she stopped as an ambassador already"

    await sign_up(john, "Citizen")
    ambassador = await john.send("/deleteme")

    assert ambassador.text == (
        "Do you want everything about you deleted? This cannot be undone.\n\n"
        "You will no longer be an ambassador."
    )


async def test_erasing_twice_says_it_is_deleted_already(
    anna: SimulatedPerson, clock: FakeClock, query
) -> None:
    await sign_up(anna)
    first, second = await anna.send("/deleteme"), await anna.send("/deleteme")
    assert (await anna.press(first, "Ja, slet alt")).text.startswith("Alt om dig er slettet")
    clock.advance(seconds=5)

    again = await anna.press(second, "Ja, slet alt")

    assert again.text == (
        "Det er allerede slettet. Det, du har skrevet siden, kan du slette med /deleteme."
    )
    assert [r[0] for r in query("SELECT user_id FROM people")] == [anna.id], "the press, anew"
    assert query("SELECT COUNT(*) FROM audit_log")[0][0] == 1, "one erasure"


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
    await finished(emulator, karim)  # before Karim writes on: the summary comes in between
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
         "Medborgerhuset", "[Ingen grænse]", "[Kun inviterede]", "[Alle, der har sagt ja]"],
    )  # fmt: skip
    assert "Den går til 1 " in preview.text, "Anna only: Eva said no, Ole never said yes"


async def test_leaving_says_the_profile_is_kept_why_and_how_to_delete_it(
    anna: SimulatedPerson,
) -> None:
    await sign_up(anna)

    done = await anna.press(await anna.send("/leave"), "Ja, stop")

    assert done.text.startswith("Du er ikke længere ambassadør. Tak for din indsats!")
    assert "Vi gemmer din profil, så du beholder dit nummer og dit invitationslink" in done.text
    assert done.text.endswith("Vil du have det hele slettet nu, så skriv /deleteme.")
    summary, data = await my_data(anna)
    text = "\n".join(m.text for m in summary)
    assert "Stoppet som ambassadør 22. november 2026." in text
    assert "Nyhedsbreve og invitationer: ikke spurgt endnu" in text
    assert data["ambassadors"][0]["status"] == "left"
