"""Several drafts open at once: a coordinator answers a bold in the middle of a newsletter and
continues the newsletter after; each draft's buttons act on that draft; /cancel and Stop end
only one and offer the one that waits; a coordinator removed while naming a network. Starting
a draft of a kind already half-written asks first: continue it, or start over."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from bot.app import BoldenApp, build_application, running
from bot.config import Settings
from bot.sandbox.emulator import BotApiEmulator, ChatMessage, SimulatedPerson
from tests.conftest import FakeClock, make_coordinator, sign_up, until
from tests.e2e.test_bolde import add_rule, join, new_network, next_message
from tests.e2e.test_broadcast import received

WAITING = "📝 Du er stadig i gang med nyhedsbrevet."
ALREADY = "📝 Du er allerede i gang med {}. Vil du fortsætte, hvor du slap, eller starte forfra?"
BODY_QUESTION = "Skriv selve nyhedsbrevet"
TITLE_QUESTION = "Hvad er nyhedsbrevets titel?"
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
    done = await karim.press(await karim.send(ANSWER), "Send")
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
    assert audience.text.startswith("Hvem skal have nyhedsbrevet?")
    steps = dict(query("SELECT name, step FROM conversations WHERE user_id = ?", karim.id))
    assert steps == {"newsletter": "audience", "event": "event_kind"}

    title = await karim.press(kind, "Workshop")
    assert title.text.startswith("Hvad hedder arrangementet?")
    stopped = await karim.press(title, "Stop")
    assert stopped.text.startswith("Arrangementet er stoppet. Intet er sendt eller ændret.")
    assert WAITING in stopped.text
    late = await karim.press_data(kind, workshop)
    assert late["show_alert"] is True
    assert late["text"].startswith("Den knap virker ikke længere.")
    assert {k: step for k, (step, _) in drafts(query, karim).items()} == {"newsletter": "audience"}
    assert stopped_drafts(query, karim) == ["event"], "the stale press changed nothing"


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
    await make_coordinator(karim, john)
    asked = await john.press(await john.send("/network"), "New network")
    assert asked.text.startswith("What is the network called?")
    kind = await john.send("Winter help")
    await karim.send(f"/coordinator remove {john.id}")

    refused = await john.press_data(kind, kind.button("Standing")["callback_data"])

    assert refused["show_alert"] is True
    assert refused["text"].startswith("You are no longer a coordinator, so you cannot finish")
    assert query("SELECT * FROM networks WHERE name = ?", "Winter help") == []
    assert query("SELECT * FROM conversations WHERE user_id = ?", john.id) == []


def drafts(query: Callable[..., list], person: SimulatedPerson) -> dict[str, tuple[str, Any]]:
    """The person's open conversations (not the stopped ones, kept for Undo): kind -> (step,
    answers)."""
    rows = query(
        "SELECT name, step, answers FROM conversations WHERE user_id = ? AND stopped_at IS NULL",
        person.id,
    )
    return {row["name"]: (row["step"], json.loads(row["answers"])) for row in rows}


async def test_a_new_newsletter_while_one_is_half_written_asks_and_continue_keeps_writing_it(
    bot: BoldenApp, karim: SimulatedPerson, query: Callable[..., list]
) -> None:
    await karim.send("/start")
    await newsletter_at_its_text(karim, "Vinternyt")
    before = drafts(query, karim)

    asked = await karim.press(await karim.send("/newsletter"), "Nyt nyhedsbrev")

    assert asked.text == ALREADY.format("nyhedsbrevet")
    assert [b["text"] for b in asked.buttons] == ["▶️ Fortsæt", "🔄 Start forfra"]
    assert drafts(query, karim) == before, "nothing replaced while asking"
    again = await karim.press(asked, "Fortsæt")
    assert again.text.startswith(BODY_QUESTION)
    photo = await karim.send("Varmestuen åbner 1. december.")
    assert photo.text.startswith("Vil du have et billede med?")
    step, answers = drafts(query, karim)["newsletter"]
    assert step == "photo"
    assert (answers["title"], answers["plain"]) == ("Vinternyt", "Varmestuen åbner 1. december.")


async def test_start_over_deletes_the_half_written_newsletter_and_begins_an_empty_one(
    bot: BoldenApp, karim: SimulatedPerson, query: Callable[..., list]
) -> None:
    await karim.send("/start")
    await newsletter_at_its_text(karim, "Vinternyt")
    asked = await karim.press(await karim.send("/newsletter"), "Nyt nyhedsbrev")
    restart = str(asked.button("Start forfra")["callback_data"])

    fresh = await karim.press(asked, "Start forfra")

    assert fresh.text.startswith("🗑 Den gamle kladde til nyhedsbrevet er slettet.")
    assert TITLE_QUESTION in fresh.text
    assert drafts(query, karim) == {"newsletter": ("title", {})}
    late = await karim.press_data(fresh, restart)
    assert late["text"].startswith("Den knap virker ikke længere.")
    body = await karim.send("Forårsnyt")
    assert body.text.startswith(BODY_QUESTION), "the late press changed nothing"
    assert drafts(query, karim)["newsletter"][0] == "body"


async def test_a_new_newsletter_replaces_one_still_at_its_first_empty_question_at_once(
    bot: BoldenApp, karim: SimulatedPerson, query: Callable[..., list]
) -> None:
    await karim.send("/start")
    first = await karim.press(await karim.send("/newsletter"), "Nyt nyhedsbrev")
    assert first.text.startswith(TITLE_QUESTION)

    second = await karim.press(await karim.send("/newsletter"), "Nyt nyhedsbrev")

    assert second.text.startswith(TITLE_QUESTION)
    assert drafts(query, karim) == {"newsletter": ("title", {})}


async def test_bold_twice_asks_once_something_is_written_and_start_over_begins_a_new_bold(
    bot: BoldenApp, anna: SimulatedPerson, query: Callable[..., list]
) -> None:
    first = await anna.send("/bold")
    assert "Hvad vil du sende?" in first.text
    again = await anna.send("/bold")
    assert "Hvad vil du sende?" in again.text, "an empty draft is simply started again"
    text = await anna.press(again, "En idé")
    assert text.text.startswith("Skriv med dine egne ord")
    photo = await anna.send("Flere bænke langs åen, så ældre kan hvile sig.")
    assert photo.text.startswith("Har du et billede")

    asked = await anna.send("/bold")

    assert asked.text == ALREADY.format("din bold")
    assert drafts(query, anna)["bold"][0] == "photo"
    resumed = await anna.press(asked, "Fortsæt")
    assert resumed.text.startswith("Har du et billede")
    asked = await anna.send("/bold")
    fresh = await anna.press(asked, "Start forfra")
    assert fresh.text.startswith("🗑 Den gamle kladde til din bold er slettet.")
    assert "Hvad vil du sende?" in fresh.text
    assert drafts(query, anna) == {"bold": ("kind", {})}


async def test_a_button_of_the_older_profile_edit_acts_on_it_while_a_sign_up_is_newer(
    bot: BoldenApp, anna: SimulatedPerson, query: Callable[..., list]
) -> None:
    await sign_up(anna)
    edit = await anna.press(await anna.send("/me"), "✏️ Type")
    assert edit.text.startswith("Hvem er du?")
    volunteer = str(edit.button("Frivillig")["callback_data"])
    signup = await anna.send("/ambassador")
    assert "Hvem er du?" in signup.text, "an empty edit of another kind does not stop it"
    assert set(drafts(query, anna)) == {"edit", "signup"}

    saved = await anna.press(edit, "Frivillig")

    assert saved.text.startswith("✅ Gemt.")
    assert "Type: Frivillig" in saved.text
    assert query("SELECT kind FROM ambassadors")[0][0] == "volunteer"
    assert {k: step for k, (step, _) in drafts(query, anna).items()} == {"signup": "kind"}
    late = await anna.press_data(saved, volunteer)
    assert late["show_alert"] is True
    assert late["text"].startswith("Den knap virker ikke længere.")
    assert {k: step for k, (step, _) in drafts(query, anna).items()} == {"signup": "kind"}


async def test_ambassador_again_in_the_middle_of_a_sign_up_asks_and_continue_keeps_it(
    bot: BoldenApp, anna: SimulatedPerson, query: Callable[..., list]
) -> None:
    name = await anna.press(await anna.send("/ambassador"), "Borger")
    assert name.text.startswith("Hvilket navn skal stå på dit ambassadørbevis?")

    asked = await anna.send("/ambassador")

    assert asked.text == ALREADY.format("din tilmelding som ambassadør")
    again = await anna.press(asked, "Fortsæt")
    assert again.text.startswith("Hvilket navn skal stå på dit ambassadørbevis?")
    await anna.press(again, "✅ Anna")
    step, answers = drafts(query, anna)["signup"]
    assert (step, answers["kind"], answers["display_name"]) == ("email", "citizen", "Anna")


# -- Stop is safe, text where a button is needed, edited messages ------------------------------

USE_BUTTONS = "👆 Vælg med knapperne under spørgsmålet. Det, du skrev, er ikke brugt."
EDITED = "✏️ Jeg så, at du rettede en besked, men rettelser kommer ikke med."
BOLD_TEXT = "Flere bænke langs åen, så ældre kan hvile sig."
PHOTO_QUESTION = "Har du et billede"


def stopped_drafts(query: Callable[..., list], person: SimulatedPerson) -> list[str]:
    rows = query(
        "SELECT name FROM conversations WHERE user_id = ? AND stopped_at IS NOT NULL", person.id
    )
    return [row["name"] for row in rows]


def sent_by(emulator: BotApiEmulator, person: SimulatedPerson) -> ChatMessage:
    """The message the person sent last."""
    return [m for m in emulator.chats[person.id] if not m.from_bot][-1]


async def bold_at_its_photo(anna: SimulatedPerson) -> ChatMessage:
    """/bold, an idea, its text typed: returns the question for a photo."""
    asked = await anna.press(await anna.send("/bold"), "En idé")
    asked = await anna.send(BOLD_TEXT)
    assert asked.text.startswith(PHOTO_QUESTION)
    return asked


async def test_stop_after_typing_a_bold_offers_undo_that_brings_the_text_back_exactly(
    bot: BoldenApp, anna: SimulatedPerson, query: Callable[..., list]
) -> None:
    asked = await bold_at_its_photo(anna)
    before = drafts(query, anna)

    stopped = await anna.press(asked, "Stop")

    assert stopped.text.startswith("Din bold er stoppet og ikke sendt.")
    assert "Tryk ↩️ Fortryd, så får du det, du har skrevet, tilbage." in stopped.text
    assert stopped.buttons[0]["text"] == "↩️ Fortryd"
    assert "📨 Send en bold" in [b["text"] for b in stopped.buttons], "and the menu"
    assert stopped_drafts(query, anna) == ["bold"]
    undo = str(stopped.button("Fortryd")["callback_data"])
    back = await anna.press(stopped, "Fortryd")
    assert back.text.startswith(PHOTO_QUESTION)
    assert drafts(query, anna) == before, "exactly as it stood"
    assert stopped_drafts(query, anna) == []
    twice = await anna.press_data(back, undo)
    assert twice["text"].startswith("Den knap virker ikke længere.")

    # Stopped again, and a new bold started: that one is empty, and Undo is gone.
    stopped = await anna.press(back, "Stop")
    fresh = await anna.send("/bold")
    assert "Hvad vil du sende?" in fresh.text, "no question about the stopped one"
    late = await anna.press_data(stopped, str(stopped.button("Fortryd")["callback_data"]))
    assert late["text"].startswith("Den knap virker ikke længere.")
    assert drafts(query, anna) == {"bold": ("kind", {})}


async def test_cancel_of_a_newsletter_offers_undo_and_a_draft_with_nothing_typed_stops_at_once(
    bot: BoldenApp, karim: SimulatedPerson, query: Callable[..., list]
) -> None:
    await karim.send("/start")
    await newsletter_at_its_text(karim, "Vinternyt")

    stopped = await karim.send("/cancel")

    assert stopped.text.startswith("Nyhedsbrevet er stoppet. Intet er sendt eller ændret.")
    assert drafts(query, karim) == {}
    assert stopped_drafts(query, karim) == ["newsletter"]
    again = await karim.press(stopped, "Fortryd")
    assert again.text.startswith(BODY_QUESTION)
    assert drafts(query, karim) == {"newsletter": ("body", {"title": "Vinternyt"})}
    photo = await karim.send("Varmestuen åbner 1. december.")
    assert photo.text.startswith("Vil du have et billede med?"), "writing goes on"

    empty = await karim.press(await karim.send("/network"), "Nyt netværk")
    assert "Hvad skal netværket hedde?" in empty.text
    gone = await karim.press(empty, "Stop")
    assert gone.text.startswith("Stoppet.")
    assert "Fortryd" not in str(gone.buttons), "nothing typed, nothing to bring back"
    assert set(drafts(query, karim)) == {"newsletter"}


async def test_typing_at_continue_or_start_over_asks_for_a_button_and_keeps_draft_and_buttons(
    bot: BoldenApp, karim: SimulatedPerson, anna: SimulatedPerson, query: Callable[..., list]
) -> None:
    await karim.send("/start")
    named = await karim.press(await karim.send("/network"), "Nyt netværk")
    await karim.send("Testnet")
    before = drafts(query, karim)
    asked = await karim.press(await karim.send("/network"), "Nyt netværk")
    assert asked.text == ALREADY.format("netværket")

    typed = await karim.send("Testnet2")

    assert typed.text.startswith(USE_BUTTONS)
    assert ALREADY.format("netværket") in typed.text
    assert [b["text"] for b in typed.buttons] == ["▶️ Fortsæt", "🔄 Start forfra"]
    assert drafts(query, karim) == before
    kind = await karim.press(asked, "Fortsæt")
    assert kind.text.startswith("Er Testnet et stående netværk")
    assert named.text.startswith("Hvad skal netværket hedde?")

    # The same for a bold: the prompt's Start over still acts on the draft as it was.
    await bold_at_its_photo(anna)
    asked = await anna.send("/bold")
    typed = await anna.send("En helt ny idé")
    assert typed.text.startswith(USE_BUTTONS)
    assert drafts(query, anna)["bold"][1]["text"] == BOLD_TEXT
    fresh = await anna.press(typed, "Start forfra")
    assert "Hvad vil du sende?" in fresh.text
    assert drafts(query, anna) == {"bold": ("kind", {})}

    # Any question that waits for a button: /deleteme's.
    await anna.send("/deleteme")
    typed = await anna.send("ja")
    assert typed.text.startswith(USE_BUTTONS)
    assert "Vil du have alt om dig slettet?" in typed.text
    assert query("SELECT 1 FROM people WHERE user_id = ?", anna.id), "nothing erased"


async def test_the_question_that_waits_for_a_button_is_kept_across_a_restart_of_the_bot(
    settings: Settings, clock: FakeClock, anna: SimulatedPerson, query: Callable[..., list]
) -> None:
    """The question lives in the database, not in the process: after a restart (or on another
    of several processes) what is typed meanwhile is neither dropped nor taken as an answer."""
    typed_text = "Et bænkested ved åen, tak."
    async with running(build_application(settings, clock=clock)):
        await anna.press(await anna.send("/bold"), "En idé")
        asked = await anna.send("/bold")
        assert asked.text == ALREADY.format("din bold")
    before = drafts(query, anna)

    async with running(build_application(settings, clock=clock)):
        typed = await anna.send(typed_text)

        assert typed.text.startswith(USE_BUTTONS)
        assert ALREADY.format("din bold") in typed.text
        assert [b["text"] for b in typed.buttons] == ["▶️ Fortsæt", "🔄 Start forfra"]
        assert drafts(query, anna) == before, "not taken as the bold's text"
        resumed = await anna.press(typed, "Fortsæt")
        assert resumed.text.startswith("Skriv med dine egne ord")
        photo = await anna.send(typed_text)
        assert photo.text.startswith(PHOTO_QUESTION), "after the press, what is typed counts"
    assert drafts(query, anna)["bold"][1]["text"] == typed_text
    assert query("SELECT 1 FROM questions_waiting") == [], "moved on: nothing is kept"


async def test_text_where_a_button_is_needed_gets_the_step_again_not_the_fallback(
    bot: BoldenApp, karim: SimulatedPerson, query: Callable[..., list]
) -> None:
    await karim.send("/start")
    await new_network(karim, "Fællesskab")
    kinds = await karim.press(await karim.send("/rules"), "Ny regel")
    assert kinds.text.startswith("Hvilken slags bolde gælder reglen?")

    typed = await karim.send("Problem")

    assert typed.text.startswith(USE_BUTTONS)
    assert "Hvilken slags bolde gælder reglen?" in typed.text
    assert "Tak for din besked" not in typed.text
    category = await karim.press(typed, "Problem")
    assert category.text.startswith("Hvilken kategori?")

    # A conversation's button step: the network's kind.
    await karim.press(await karim.send("/network"), "Nyt netværk")
    await karim.send("Vinterhjælp")
    seen = len(karim.messages)
    typed = await karim.send("stående")
    assert typed.text == USE_BUTTONS
    kind = await next_message(karim, seen + 1)
    assert kind.text.startswith("Er Vinterhjælp et stående netværk")
    assert drafts(query, karim) == {"network": ("kind", {"name": "Vinterhjælp"})}
    page = await karim.press(kind, "Stående")
    assert "Vinterhjælp" in page.text
    assert query("SELECT name FROM networks WHERE name = ?", "Vinterhjælp")

    # An audience picker.
    await newsletter_at_its_text(karim, "Vinternyt")
    audience = await karim.press(await karim.send("Tæpper søges."), "Uden billede")
    assert audience.text.startswith("Hvem skal have nyhedsbrevet?")
    seen = len(karim.messages)
    assert (await karim.send("alle")).text == USE_BUTTONS
    again = await next_message(karim, seen + 1)
    assert again.text.startswith("Hvem skal have nyhedsbrevet?")
    assert drafts(query, karim)["newsletter"][0] == "audience"
    assert "Tak for din besked" not in " ".join(m.text for m in karim.messages[seen:])


async def test_an_edited_answer_is_met_with_how_to_change_it_and_an_edit_outside_gets_no_reply(
    bot: BoldenApp,
    anna: SimulatedPerson,
    karim: SimulatedPerson,
    emulator: BotApiEmulator,
    query: Callable[..., list],
) -> None:
    await bold_at_its_photo(anna)
    before, seen = drafts(query, anna), len(anna.messages)

    await anna.edit(sent_by(emulator, anna), "Flere bænke langs åen og ved torvet.")

    told = await next_message(anna, seen)
    assert told.text.startswith(EDITED)
    again = await next_message(anna, seen + 1)
    assert again.text.startswith(PHOTO_QUESTION)
    assert drafts(query, anna) == before, "the edit is not taken as an answer"

    await karim.send("/start")
    await newsletter_at_its_text(karim, "Vinternyt")
    seen = len(karim.messages)
    await karim.edit(sent_by(emulator, karim), "Forårsnyt")
    assert (await next_message(karim, seen)).text.startswith(EDITED)
    assert (await next_message(karim, seen + 1)).text.startswith(BODY_QUESTION)
    assert drafts(query, karim) == {"newsletter": ("body", {"title": "Vinternyt"})}

    # Outside a conversation a correction needs no reply: the next reply is to what comes next.
    await karim.send("/cancel")
    await karim.send("Hej")
    seen = len(karim.messages)
    await karim.edit(sent_by(emulator, karim), "Hej igen")
    help_page = await karim.send("/help")
    assert karim.messages[seen] is help_page
