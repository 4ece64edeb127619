"""How the journeys' screens read on Messenger, end to end against Meta's emulator: an edit in
place (which Messenger cannot do) shows only what changed, and a choice whose title Meta cuts
can still be read in full."""

from __future__ import annotations

from bot.app import BoldenApp
from bot.sandbox.emulator import SimulatedPerson
from bot.sandbox.messenger import GraphApiEmulator, SimulatedMessengerPerson
from tests.conftest import pick
from tests.e2e.test_events import publish
from tests.e2e.test_messenger_journeys import received, sign_up_on_messenger

WELCOME = "🎉 Velkommen som ambassadør"


async def test_each_theme_tapped_during_sign_up_shows_only_its_new_label(
    messenger_bot: BoldenApp, mette: SimulatedMessengerPerson, graph: GraphApiEmulator
) -> None:
    await sign_up_on_messenger(mette, "Mette Holm")
    for theme in ("En by for alle", "Fokus på", "Fra udsat", "En by for alle", "Inddrag"):
        [shown] = await pick(mette, theme)
        assert not shown.text.startswith(WELCOME)
    [turned] = await pick(mette, "Næste")
    assert turned.text == "Temaer (side 2 af 3)", "the welcome above stays, the page is new"
    assert "◀️ Forrige" in turned.labels

    assert len(received(mette, WELCOME)) == 1, "the welcome is shown once"
    toggled = mette.messages[-6:-1]
    assert [m.text.splitlines()[0] for m in toggled] == [
        "✅ En by for alle",
        "✅ Fokus på det hele menneske",
        "✅ Fra udsat til ansat",
        "▫️ En by for alle",
        "✅ Inddrag borgerne",
    ]
    assert graph.refusals == []


async def test_a_yes_to_an_invitation_shows_a_short_line_not_the_invitation_again(
    messenger_bot: BoldenApp,
    karim: SimulatedPerson,
    mette: SimulatedMessengerPerson,
    graph: GraphApiEmulator,
) -> None:
    await karim.send("/start")
    await sign_up_on_messenger(mette, "Mette Holm")
    confirm = await publish(
        karim,
        "/event",
        ["[Workshop]", "Suppe og snak", "Vi laver suppe sammen.", "3.12.2026 18:00", "21:00",
         "Medborgerhuset, Danmarksgade 12", "20", "[Kun inviterede]",
         "[Alle aktive ambassadører]"],
    )  # fmt: skip
    await karim.press(confirm, "Send invitationer nu")
    await graph.wait_for(lambda: received(mette, "Suppe og snak"), what="the invitation")

    note, line = await pick(mette, "Ja")
    assert note.text == "Dejligt! Du er tilmeldt.", "the answer to the press, as before"
    assert line.text == "✓ Ja", "only what changed"
    assert line.labels == ["✓ Ja", "Måske", "Nej", "📅 Læg i kalenderen"]
    *_, line = await pick(mette, "Måske")
    assert line.text == "Ja\n✓ Måske", "the labels that changed, in the order shown"
    assert len(received(mette, "Suppe og snak")) == 1, "the invitation is shown once"
    assert graph.refusals == []
