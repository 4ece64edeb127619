"""The coordinator's commands, and polite refusals for everyone else."""

from __future__ import annotations

import csv
import io

import pytest

from bot.sandbox.emulator import BotApiEmulator, SimulatedPerson
from tests.conftest import COORDINATOR_ID, sign_up

pytestmark = pytest.mark.usefixtures("bot")
COMMANDS = ["/coordinator add 5", "/coordinator remove 4242", "/ambassadors", "/export", "/stats"]


@pytest.mark.parametrize("command", COMMANDS)
async def test_others_are_refused_every_coordinator_command(
    anna: SimulatedPerson, query, command: str
) -> None:
    reply = await anna.send(command)

    assert reply.text == (
        "Den kommando er kun for strategiens koordinatorer. Skriv /help for at se, hvad du kan."
    )
    assert reply.file is None
    assert query("SELECT * FROM coordinators") == []
    assert query("SELECT * FROM audit_log") == []


async def test_granting_and_removing_the_role_is_audited(
    karim: SimulatedPerson, anna: SimulatedPerson, emulator: BotApiEmulator, query
) -> None:
    await anna.send("/start")

    added = await karim.send(f"/coordinator add {anna.id}")
    assert added.text == "1001 er nu koordinator."
    assert (await anna.send("/stats")).text.startswith("Tal mod strategiens mål")
    help_page = await anna.send("/help")
    assert "For koordinatorer" in help_page.text
    menu = [c["command"] for c in emulator.commands[("chat:1001", "")]]
    assert menu[-4:] == ["ambassadors", "stats", "export", "coordinator"]

    removed = await karim.send(f"/coordinator remove {anna.id}")
    assert removed.text == "1001 er ikke længere koordinator."
    assert (await anna.send("/stats")).text.startswith("Den kommando er kun for")
    assert "stats" not in [c["command"] for c in emulator.commands[("chat:1001", "")]]
    audit = [tuple(r) for r in query("SELECT actor, action, subject FROM audit_log ORDER BY id")]
    assert audit == [(4242, "coordinator.add", "1001"), (4242, "coordinator.remove", "1001")]


async def test_configured_coordinators_stay_and_bad_use_is_explained(
    karim: SimulatedPerson, query
) -> None:
    kept = await karim.send(f"/coordinator remove {COORDINATOR_ID}")
    usage = await karim.send("/coordinator promote anna")
    again = await karim.send("/coordinator remove 77")

    assert kept.text.startswith("4242 er koordinator via BOLDEN_COORDINATORS.")
    assert usage.text.startswith("Skriv /coordinator add 12345")
    assert again.text == "77 er ikke koordinator."
    assert query("SELECT * FROM audit_log") == []


async def test_overview_export_and_figures(
    karim: SimulatedPerson, anna: SimulatedPerson, john: SimulatedPerson
) -> None:
    await sign_up(anna, email="anna@example.dk")
    await anna.press(await anna.press(await anna.send("/themes"), "Næste"), "Vær en god ven")
    question = await john.press(await john.send("/ambassador"), "Business")
    await john.press(question, "✅ John")
    await john.send("Bakery & Co")
    for _ in range(3):
        await john.press(john.last, "Skip")
    await john.press(john.last, "Yes, that is fine")

    overview = await karim.send("/ambassadors")
    assert overview.text.startswith("Ambassadører: 2 aktive, 0 passive")
    assert "Borger: 1" in overview.text
    assert "Virksomhed: 1" in overview.text
    assert "Vær en god ven: 1" in overview.text
    assert "nr. 2 John (Virksomhed)" in overview.text

    await karim.send("/export")
    document = karim.last
    assert document.file is not None
    assert document.file.name == "ambassadors.csv"
    assert document.file.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(document.file.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["number", "name", "kind"]
    assert [r[-2:] for r in rows[1:]] == [["active", "0"], ["active", "0"]]
    assert [r[:4] for r in rows[1:]] == [
        ["1", "Anna", "citizen", ""],
        ["2", "John", "business", "Bakery & Co"],
    ]

    stats = await karim.send("/stats")
    assert stats.text.splitlines() == [
        "Tal mod strategiens mål",
        "Ambassadører nu: 2 aktive, 0 passive",
        "Mål for 2019: 50 ambassadører · nu 2",
        "Mål for 2020: 70 ambassadører · nu 2",
        "Borgerambassadører: 50\xa0% (mål: 20\xa0%)",
        "",
        "Bolde i alt: 0",
        "Ingen bolde er besvaret endnu.",
        "",
        "Aktiviteter (arrangementer og kald, der er holdt)",
        "Mål: 30 netværksaktiviteter i 2019–2020",
        "Ingen endnu.",
    ]


async def test_a_coordinators_start_gives_them_their_command_menu(
    karim: SimulatedPerson, emulator: BotApiEmulator
) -> None:
    assert ("chat:4242", "") not in emulator.commands, "Telegram refused it before the chat existed"

    await karim.send("/start")

    await emulator.wait_for(lambda: ("chat:4242", "") in emulator.commands)
    menu = [c["command"] for c in emulator.commands[("chat:4242", "")]]
    assert menu[0] == "start"
    assert menu[-4:] == ["ambassadors", "stats", "export", "coordinator"]


async def test_a_coordinator_reads_the_figures_in_english(
    karim: SimulatedPerson, john: SimulatedPerson
) -> None:
    await john.send("/start")
    await karim.send(f"/coordinator add {john.id}")

    stats = await john.send("/stats")

    assert stats.text.splitlines()[:3] == [
        "Figures against the strategy's targets",
        "Ambassadors now: 0 active, 0 passive",
        "Target for 2019: 50 ambassadors · now 0",
    ]
    assert stats.text.splitlines()[-8:] == [
        "Citizen ambassadors: 0% (target: 20%)",
        "",
        "Bolde in total: 0",
        "No bolde have been answered yet.",
        "",
        "Activities (events and calls held)",
        "Target: 30 network activities in 2019–2020",
        "None yet.",
    ]
