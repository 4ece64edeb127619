"""Several drafts open at once: a coordinator answers a bold in the middle of a newsletter and
continues the newsletter after; each draft's buttons act on that draft; /cancel and Stop end
only one and offer the one that waits; a coordinator removed while naming a network."""

from __future__ import annotations

from collections.abc import Callable

from bot.app import BoldenApp
from bot.sandbox.emulator import BotApiEmulator, ChatMessage, SimulatedPerson
from tests.conftest import sign_up, until
from tests.e2e.test_bolde import add_rule, join, new_network, next_message
from tests.e2e.test_broadcast import received

WAITING = "📝 Du er stadig i gang med nyhedsbrevet."
BODY_QUESTION = "Skriv selve nyhedsbrevet"
ANSWER = "Tak for idéen! Vi tager den med på næste møde i netværket."


async def newsletter_at_its_text(karim: SimulatedPerson, title: str) -> ChatMessage:
    """/newsletter, a new one, its title typed: returns the question for its text."""
    asked = await karim.press(await karim.send("/newsletter"), "Nyt nyhedsbrev")
    asked = await karim.send(title)
    assert asked.text.startswith(BODY_QUESTION)
    return asked


async def karim_in_a_network(karim: SimulatedPerson, query: Callable[..., list]) -> None:
    """Karim, an ambassador too, is in the network "Fællesskab" (no group: its members get the
    cards in their own chat), and ideas go there."""
    await karim.send("/start")
    await sign_up(karim)
    await new_network(karim, "Fællesskab")
    await join(karim, query, "Fællesskab")
    await add_rule(karim, "Idé", "", "alle", "Fællesskab")


async def card_for_the_coordinator(
    anna: SimulatedPerson, karim: SimulatedPerson, text: str
) -> ChatMessage:
    """Anna sends an idea: its card reaches the coordinator's chat."""
    seen = len(karim.messages)
    step = await anna.press(await anna.send("/bold"), "En idé")
    step = await anna.press(await anna.send(text), "Spring over")
    sent = await anna.press(await anna.press(step, "Videre"), "📨 Send")
    assert sent.text.startswith("✅ Tak! Din bold er modtaget.")
    await karim.emulator.wait_for(
        lambda: any(text in m.text for m in karim.messages[seen:]), what="the card"
    )
    return next(m for m in karim.messages[seen:] if text in m.text)


async def test_a_coordinator_answers_a_bold_mid_newsletter_and_then_finishes_the_newsletter(
    bot: BoldenApp,
    karim: SimulatedPerson,
    anna: SimulatedPerson,
    emulator: BotApiEmulator,
    query: Callable[..., list],
) -> None:
    bo = emulator.person(1003, "Bo", "da")
    await karim_in_a_network(karim, query)
    await sign_up(anna)
    await sign_up(bo)
    await newsletter_at_its_text(karim, "Vinternyt")

    card = await card_for_the_coordinator(anna, karim, "En varmestue i Erritsø om vinteren.")
    prompt = await karim.press(card, "Svar")
    assert prompt.text.startswith("Skriv svaret på B-2026-0001.")
    seen_by_karim = len(karim.messages)
    done = await karim.send(ANSWER)
    assert done.text == "✅ Svaret er sendt til afsenderen af B-2026-0001."
    offer = await next_message(karim, seen_by_karim + 1)
    assert offer.text.startswith(WAITING)
    assert [b["text"] for b in offer.buttons] == ["▶️ Fortsæt", "🗑 Slet kladden"]
    await emulator.wait_for(lambda: received(anna, ANSWER), what="the answer at the sender")

    asked = await karim.press(offer, "Fortsæt")
    assert asked is offer, "the offer becomes the question"
    assert asked.text.startswith(BODY_QUESTION)
    asked = await karim.send("Varmestuen åbner 1. december.")
    asked = await karim.press(asked, "Uden billede")
    seen = len(karim.messages)
    await karim.press(asked, "Alle aktive ambassadører")
    confirm = await next_message(karim, seen + 1)
    assert "Det går til 3 modtagere" in confirm.text
    await karim.press(confirm, "Send nu")

    await emulator.wait_for(
        lambda: received(anna, "Vinternyt") and received(bo, "Vinternyt"), what="the newsletter"
    )
    await until(lambda: not query("SELECT 1 FROM outbox WHERE state IN ('pending', 'sending')"))
    assert [len(received(p, "Vinternyt")) for p in (anna, bo)] == [1, 1]
    assert len(received(karim, "Vinternyt")) == 2, "the preview, and the newsletter itself"
    assert len(received(anna, ANSWER)) == 1
    assert query("SELECT status, public_answer FROM bolde")[0][:] == ("answered", ANSWER)
    assert query("SELECT * FROM conversations WHERE user_id = ?", karim.id) == []


async def test_a_button_on_the_older_of_two_drafts_acts_on_the_older_one(
    bot: BoldenApp, karim: SimulatedPerson, query: Callable[..., list]
) -> None:
    await karim.send("/start")
    await newsletter_at_its_text(karim, "Forår")
    photo = await karim.send("Nu kommer foråret.")
    assert photo.text.startswith("Vil du have et billede med?")
    kind = await karim.send("/event")
    assert kind.text.startswith("Hvad slags arrangement?")
    workshop = str(kind.button("Workshop")["callback_data"])

    audience = await karim.press(photo, "Uden billede")
    assert audience.text.startswith("Hvem skal have den?")
    steps = dict(query("SELECT name, step FROM conversations WHERE user_id = ?", karim.id))
    assert steps == {"newsletter": "audience", "event": "event_kind"}

    title = await karim.press(kind, "Workshop")
    assert title.text.startswith("Hvad er nyhedsbrevets titel?")  # an event's title, too
    stopped = await karim.press(title, "Stop")
    assert stopped.text.startswith("Arrangementet er stoppet. Intet er sendt eller ændret.")
    assert WAITING in stopped.text
    late = await karim.press_data(kind, workshop)
    assert late["show_alert"] is True
    assert late["text"].startswith("Den knap virker ikke længere.")
    steps = dict(query("SELECT name, step FROM conversations WHERE user_id = ?", karim.id))
    assert steps == {"newsletter": "audience"}, "the stale press changed nothing"


async def test_cancel_in_the_middle_of_a_note_stops_only_the_note_and_offers_the_newsletter(
    bot: BoldenApp,
    karim: SimulatedPerson,
    anna: SimulatedPerson,
    emulator: BotApiEmulator,
    query: Callable[..., list],
) -> None:
    await karim_in_a_network(karim, query)
    await sign_up(anna)
    await newsletter_at_its_text(karim, "Sommer")
    card = await card_for_the_coordinator(anna, karim, "Flere bænke ved stranden, tak.")
    await karim.press(card, "Svar")

    stopped = await karim.send("/cancel")
    assert stopped.text.startswith("Din tekst til bolden er stoppet. Intet er sendt.")
    assert WAITING in stopped.text
    assert [r[0] for r in query("SELECT name FROM conversations")] == ["newsletter"]
    assert query("SELECT status, public_answer FROM bolde")[0]["public_answer"] is None
    resume = str(stopped.button("Fortsæt")["callback_data"])

    dropped = await karim.press(stopped, "Slet kladden")
    assert dropped.text == "🗑 Kladden til nyhedsbrevet er slettet. Intet er sendt."
    assert query("SELECT * FROM conversations") == []
    late = await karim.press_data(dropped, resume)
    assert late["text"].startswith("Den knap virker ikke længere.")
    assert query("SELECT * FROM newsletters") == []
    nothing = await karim.send("/cancel")
    assert nothing.text.startswith("Der er ikke noget at stoppe.")


async def test_a_coordinator_removed_while_naming_a_network_is_refused_and_the_draft_dropped(
    bot: BoldenApp,
    karim: SimulatedPerson,
    john: SimulatedPerson,
    query: Callable[..., list],
) -> None:
    await john.send("/start")
    await karim.send(f"/coordinator add {john.id}")
    asked = await john.press(await john.send("/network"), "New network")
    assert asked.text.startswith("What is the network called?")
    kind = await john.send("Winter help")
    await karim.send(f"/coordinator remove {john.id}")

    refused = await john.press_data(kind, kind.button("Standing")["callback_data"])

    assert refused["show_alert"] is True
    assert refused["text"].startswith("You are no longer a coordinator, so you cannot finish")
    assert query("SELECT * FROM networks WHERE name = ?", "Winter help") == []
    assert query("SELECT * FROM conversations WHERE user_id = ?", john.id) == []
