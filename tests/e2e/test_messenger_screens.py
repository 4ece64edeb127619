"""How the journeys' screens read on Messenger, end to end against Meta's emulator: an edit in
place (which Messenger cannot do) shows only what changed, and a choice whose title Meta cuts
can still be read in full."""

from __future__ import annotations

from bot.app import BoldenApp
from bot.sandbox.emulator import SimulatedPerson
from bot.sandbox.messenger import GraphApiEmulator, SimulatedMessengerPerson
from tests.conftest import pick
from tests.e2e.test_messenger_journeys import invited, received, sign_up_on_messenger

WELCOME = "🎉 Velkommen som ambassadør"


async def test_each_theme_tapped_during_sign_up_shows_only_its_new_label(
    messenger_bot: BoldenApp, mette: SimulatedMessengerPerson, graph: GraphApiEmulator
) -> None:
    await sign_up_on_messenger(mette, "Mette Holm")
    welcome = mette.last
    assert welcome.text.endswith(
        "Temaer (side 1 af 3)\n\n• ▫️ Fokus på det hele menneske\n• ▫️ Sport i fællesskaber"
        "\n• ▫️ Flere ind i fællesskaber\n• ▫️ Fra udsat til ansat"
    ), "the themes whose titles are cut, in full"
    assert welcome.labels[:3] == ["▫️ Fokus på det…", "▫️ En by for alle", "▫️ Sport i fællessk…"]
    assert "Næste ▶️" in welcome.labels, "what fits stays as it is"

    for theme in ("En by for alle", "▫️ Fokus", "▫️ Fra udsat", "En by for alle", "Inddrag"):
        await pick(mette, theme)
    toggled = mette.messages[-5:]
    assert [m.text for m in toggled] == [
        "✅ En by for alle",
        "✅ Fokus på det hele menneske",
        "✅ Fra udsat til ansat",
        "▫️ En by for alle",
        "✅ Inddrag borgerne",
    ], "only the label that changed, in full, and not the list above again"
    assert toggled[-1].labels[:3] == [
        "✅ Fokus på det…",
        "▫️ En by for alle",
        "▫️ Sport i fællessk…",
    ]
    [turned] = await pick(mette, "Næste")
    assert turned.text.startswith("Temaer (side 2 af 3)\n\n• "), "the welcome above stays"
    assert "◀️ Forrige" in turned.labels
    assert len(received(mette, WELCOME)) == 1, "the welcome is shown once"
    assert all(len(title) <= 20 for m in mette.messages for title in m.labels)
    assert graph.refusals == []


async def test_a_yes_to_an_invitation_shows_a_short_line_not_the_invitation_again(
    messenger_bot: BoldenApp,
    karim: SimulatedPerson,
    mette: SimulatedMessengerPerson,
    graph: GraphApiEmulator,
) -> None:
    await invited(karim, mette, graph)

    note, line = await pick(mette, "Ja")
    assert note.text == "Dejligt! Du er tilmeldt.", "the answer to the press, as before"
    assert line.text == "✓ Ja", "only what changed"
    assert line.labels == ["✓ Ja", "Måske", "Nej", "📅 Læg i kalenderen"]
    *_, line = await pick(mette, "Måske")
    assert line.text == "Ja\n✓ Måske", "the labels that changed, in the order shown"
    assert len(received(mette, "Suppe og snak")) == 1, "the invitation is shown once"
    assert graph.refusals == []


async def send_idea(person: SimulatedMessengerPerson, text: str) -> None:
    await person.send("/bold")
    await pick(person, "En idé")
    await person.send(text)
    await pick(person, "Spring over")  # no photo
    await pick(person, "Videre")  # no themes
    [sent] = await pick(person, "📨 Send")
    assert sent.text.startswith("✅ Tak! Din bold er modtaget.")


async def test_my_two_bolde_of_the_same_kind_can_be_told_apart_by_their_references(
    messenger_bot: BoldenApp, mette: SimulatedMessengerPerson, graph: GraphApiEmulator
) -> None:
    await mette.get_started()
    await send_idea(mette, "Et fælles spisested i Ullerup, hvor alle kan spise med.")
    note, line = await pick(mette, "🔔 Få nyhedsbreve")
    assert note.text.startswith("Tak! Du får nyhedsbreve og invitationer her. Har du ikke skrevet")
    assert line.text == "🔕 Ingen nyhedsbreve eller invitationer", "not the bold received again"
    assert len(received(mette, "Din bold er modtaget")) == 1
    await send_idea(mette, "Bænke langs stien ved fjorden, så flere kan gå en tur.")

    [mine] = await mette.send("/mybolde")
    assert mine.text == (
        "Dine bolde (2). Tryk på en for at se forløbet.\n\n"
        "• 💡 Idé · B-2026-0002 · Modtaget\n• 💡 Idé · B-2026-0001 · Modtaget"
    ), "each reference in full"
    assert mine.labels == [
        "💡 Idé · B-2026-0002…",
        "💡 Idé · B-2026-0001…",
        "📨 Send en bold",
        "⬅️ Menu",
    ], "cut, yet each title keeps its reference"
    [page] = await pick(mette, "B-2026-0001")
    assert "B-2026-0001" in page.text, "the choice leads to the bold it names"
    assert "B-2026-0002" not in page.text
    assert graph.refusals == []
