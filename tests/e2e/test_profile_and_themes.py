"""/themes, /me with its edits, /leave and /certificate, for ambassadors and for others."""

from __future__ import annotations

import io

import pytest
import zxingcpp
from PIL import Image

from bot.sandbox.emulator import BotApiEmulator, SimulatedPerson
from tests.conftest import FakeClock, sign_up

pytestmark = pytest.mark.usefixtures("bot")


async def test_themes_are_toggled_and_saved_at_each_tap(anna: SimulatedPerson, query) -> None:
    await sign_up(anna)
    toggles = await anna.send("/themes")
    assert "<b>Temaer</b> (side 1 af 3)" in (toggles.html or "")
    labels = [b["text"] for b in toggles.buttons]
    assert labels[:6] == [
        "▫️ Fokus på det hele menneske", "▫️ En by for alle", "▫️ Sport i fællesskaber",
        "▫️ Inddrag borgerne", "▫️ Flere ind i fællesskaber", "▫️ Fra udsat til ansat",
    ], "whole titles, so that each keeps its meaning"  # fmt: skip
    assert labels[6:] == ["Næste ▶️", "ℹ️ Hvad betyder de?", "✔️ Færdig"]
    rows = toggles.reply_markup["inline_keyboard"]  # type: ignore[index]
    assert [len(row) for row in rows[:6]] == [1] * 6, "one to a row: a phone shows it whole"

    toggles = await anna.press(await anna.press(toggles, "Næste"), "Vær en god ven")
    assert "(side 2 af 3)" in toggles.text, "the page stays where the tap was"
    assert query("SELECT code FROM ambassador_topics")[0]["code"] == "friend"
    core = await anna.press(toggles, "Næste")
    assert "<b>Kerneområder</b> (side 3 af 3)" in (core.html or "")
    assert [b["text"] for b in core.buttons][:3] == [
        "▫️ Bolig", "▫️ Beskæftigelse", "▫️ Lighed i sundhed",
    ], "the part of a core area's title before the colon"  # fmt: skip
    toggles = await anna.press(core, "Bolig")
    toggles = await anna.press(await anna.press(toggles, "Forrige"), "✅ Vær en god ven")

    assert [r["code"] for r in query("SELECT code FROM ambassador_topics")] == ["bolig"]
    assert "▫️ Vær en god ven" in [b["text"] for b in toggles.buttons]
    for forged in ("themes:toggle:nowhere:0:0", "themes:toggle:bolig:0:7", "themes:nonsense"):
        answer = await anna.press_data(toggles, forged)
        assert answer["text"].startswith("Den knap virker ikke længere."), forged
    assert [r["code"] for r in query("SELECT code FROM ambassador_topics")] == ["bolig"]


async def test_done_with_no_themes_says_none_are_chosen_yet(
    anna: SimulatedPerson, john: SimulatedPerson
) -> None:
    for person, welcome, expected in (
        (anna, await sign_up(anna), "Du har ikke valgt nogen temaer endnu. Du kan vælge dem"),
        (john, await sign_up(john, "Citizen"), "You have not chosen any themes yet. You can"),
    ):
        done = await person.press(welcome, "✔️")

        assert done.text.startswith(expected)
        assert "0" not in done.text


async def test_what_the_themes_mean_is_one_tap_away_on_their_page(john: SimulatedPerson) -> None:
    await sign_up(john, kind="Citizen")
    toggles = await john.press(await john.send("/themes"), "Next")

    explained = await john.press(toggles, "What do they mean?")

    assert explained.text.startswith("Themes (page 2 of 3)\n\nBe a good friend\nSomeone to walk")
    assert (
        "More volunteering\nVolunteering benefits both those who give and those who receive."
        in explained.text
    )
    back = await john.press(explained, "Back to choosing")
    assert "▫️ Be a good friend" in [b["text"] for b in back.buttons]


async def test_profile_shows_what_is_stored_and_edits_a_field(anna: SimulatedPerson, query) -> None:
    await sign_up(anna, email="anna@example.dk")
    profile = await anna.send("/me")
    assert profile.text.splitlines()[:3] == [
        "Din profil · ambassadør nr. 1",
        "Navn: Anna",
        "Type: Borger",
    ]
    assert "E-mail: anna@example.dk" in profile.text
    assert "Ambassadør siden: 22. november 2026" in profile.text

    question = await anna.press(profile, "✏️ Navn")
    saved = await anna.send("Anna Sørensen")

    assert saved.text.startswith("✅ Gemt.\n\nDin profil · ambassadør nr. 1\nNavn: Anna Sørensen")
    assert query("SELECT display_name FROM ambassadors")[0][0] == "Anna Sørensen"
    assert question.message_id == profile.message_id


async def test_changing_to_an_organisation_asks_for_its_name(anna: SimulatedPerson, query) -> None:
    await sign_up(anna)
    profile = await anna.send("/me")

    question = await anna.press(await anna.press(profile, "✏️ Type"), "Virksomhed")
    assert question.text.startswith("Hvad hedder jeres forening")
    saved = await anna.send("Bageriet")

    assert "Organisation: Bageriet" in saved.text
    [row] = query("SELECT kind, organisation FROM ambassadors")
    assert tuple(row) == ("business", "Bageriet")


async def test_newsletter_by_email_can_be_switched(anna: SimulatedPerson, query) -> None:
    await sign_up(anna, email="anna@example.dk")
    profile = await anna.send("/me")
    assert "Nyhedsbrev på e-mail: Ja" in profile.text, "the address was the yes"

    profile = await anna.press(profile, "Stop nyhedsbrevet på e-mail")
    assert "Nyhedsbrev på e-mail: Nej" in profile.text
    profile = await anna.press(profile, "Få nyhedsbrevet på e-mail")

    assert "Nyhedsbrev på e-mail: Ja" in profile.text
    assert query("SELECT newsletter_by_email FROM ambassadors")[0][0] == 1
    answer = await anna.press_data(profile, "amb:mynews:7")
    assert answer["text"].startswith("Den knap virker ikke længere.")


async def test_the_public_list_is_switched_in_the_profile_at_once_in_both_languages(
    anna: SimulatedPerson, john: SimulatedPerson, query, clock: FakeClock
) -> None:
    await sign_up(anna)
    profile = await anna.send("/me")
    assert "Offentlig liste: nej" in profile.text, "nobody is listed without saying yes"

    profile = await anna.press(profile, "Vis mig på den offentlige liste")
    assert profile.text.startswith(
        "✅ Du står nu på den offentlige liste over ambassadører. Du kan tage det tilbage her"
    )
    assert "Offentlig liste: ja, siden 22. november 2026" in profile.text
    assert "🌐 Fjern mig fra den offentlige liste" in [b["text"] for b in profile.buttons]
    assert query("SELECT listed_at FROM ambassadors")[0][0] == "2026-11-22T12:00:00+00:00"
    clock.advance(minutes=5)
    answer = await anna.press_data(profile, "amb:listed:1")  # a second tap: still on it
    assert answer["text"] is None, "not refused"
    assert query("SELECT listed_at FROM ambassadors")[0][0] == "2026-11-22T12:00:00+00:00"

    profile = await anna.press(profile, "Fjern mig fra den offentlige liste")
    assert profile.text.startswith(
        "✅ Du står ikke længere på den offentlige liste. Det gælder med det samme."
    )
    assert "Offentlig liste: nej" in profile.text
    assert query("SELECT listed_at FROM ambassadors")[0][0] is None

    await sign_up(john, "Citizen", listed=True)
    profile = await john.send("/me")
    assert "Public list: yes, since 22 November 2026" in profile.text
    profile = await john.press(profile, "Take me off the public list")
    assert profile.text.startswith("✅ You are no longer on the public list. That applies at once.")
    assert "🌐 Show me on the public list" in [b["text"] for b in profile.buttons]
    assert query("SELECT listed_at FROM ambassadors WHERE user_id = ?", john.id)[0][0] is None


async def test_leaving_needs_a_confirmation_and_keeps_the_citizen(
    anna: SimulatedPerson, query
) -> None:
    await sign_up(anna)
    question = await anna.send("/leave")
    assert question.text.startswith("Vil du stoppe som ambassadør?")
    kept = await anna.press(question, "Nej, fortsæt")
    assert kept.text.startswith("Hej Anna!")
    assert query("SELECT status FROM ambassadors")[0][0] == "active"

    done = await anna.press(await anna.send("/leave"), "Ja, stop")

    assert done.text.startswith("Du er ikke længere ambassadør.")
    assert query("SELECT status FROM ambassadors")[0][0] == "left"
    assert (await anna.send("/me")).text.startswith("Det er kun for ambassadører.")
    assert (await anna.send("/help")).text.startswith("Det kan du her"), "still a citizen"


async def test_the_certificate_is_a_png_with_the_person_on_it_and_a_pdf_to_print(
    emulator: BotApiEmulator, query
) -> None:
    soren = emulator.person(1010, "Søren", "da", last_name="Ærø-Østergård")
    question = await soren.press(await soren.send("/ambassador"), "Forening")
    question = await soren.press(question, "✅ Søren Ærø-Østergård")
    await soren.send("Foreningen for Hjemløse i Fredericia")
    for label in ("Spring over", "Spring over", "Nej tak", "Nej tak"):
        question = await soren.press(soren.last, label)
    await soren.press(question, "Ja, det er i orden")

    photo = await soren.send("/certificate")
    await emulator.wait_for(lambda: len(soren.messages) > soren.messages.index(photo) + 1)

    assert photo.file is not None
    image = Image.open(io.BytesIO(photo.file.data))
    assert (image.format, image.size) == ("PNG", (1600, 920))
    code = query("SELECT referral_code FROM ambassadors")[0][0]
    link = f"https://t.me/bolden_sandbox_bot?start=ref-{code}"
    assert photo.text.endswith(link)
    assert [found.text for found in zxingcpp.read_barcodes(image)] == [link], "the QR code scans"
    document = soren.last
    assert document.file is not None
    assert document.file.name == "ambassador-1.pdf"
    assert document.file.data.startswith(b"%PDF-")
    assert b"/MediaBox [ 0 0 841.92 595.2 ]" in document.file.data, "A4 landscape"
    assert 100_000 < len(document.file.data) < 3_000_000
    assert document.text.startswith("🖨️ Til print: samme bevis som PDF i A4.")
    assert soren.messages[-2] is photo, "nothing about characters left out: all could be drawn"


async def test_a_name_in_arabic_with_emoji_is_drawn_and_what_cannot_be_is_named(
    emulator: BotApiEmulator,
) -> None:
    person = emulator.person(1011, "Mohammed", "da")
    question = await person.press(await person.send("/ambassador"), "Borger")
    question = await person.send("محمد علي 🌻 李")
    await person.press(question, "Nej tak")
    await person.press(person.last, "Nej tak")
    await person.press(person.last, "Ja, det er i orden")

    photo = await person.send("/certificate")
    await emulator.wait_for(lambda: person.last.text.startswith("Nogle tegn"), what="the note")

    assert photo.file is not None
    assert Image.open(io.BytesIO(photo.file.data)).size == (1600, 920)
    assert [m.file.name for m in person.messages[-3:-1] if m.file] == [
        "ambassador-1.png", "ambassador-1.pdf",
    ]  # fmt: skip
    assert person.last.text == (
        "Nogle tegn kan jeg ikke skrive på beviset, så de er udeladt: 李\n"
        "Vil du have et andet navn på beviset, kan du ændre det under /me."
    )


@pytest.mark.parametrize("command", ["/me", "/themes", "/certificate", "/leave"])
async def test_people_who_are_not_ambassadors_are_invited_instead(
    anna: SimulatedPerson, command: str
) -> None:
    reply = await anna.send(command)

    assert reply.text.startswith("Det er kun for ambassadører. Vil du være med?")
    assert [b["text"] for b in reply.buttons] == ["🤝 Ambassadør"]


@pytest.mark.parametrize(
    "data", ["themes:toggle:friend:0:0", "amb:edit:display_name", "amb:cert", "amb:leaveyes"]
)
async def test_forged_ambassador_buttons_from_others_change_nothing(
    anna: SimulatedPerson, query, data: str
) -> None:
    menu = await anna.send("/start")

    answer = await anna.press_data(menu, data)

    assert answer["text"] == "Det er kun for ambassadører. Skriv /ambassador for at blive en."
    assert query("SELECT * FROM ambassadors") == []
    assert query("SELECT * FROM conversations") == []


async def test_what_people_type_is_shown_as_written(anna: SimulatedPerson, query) -> None:
    await anna.press(await anna.send("/ambassador"), "Forening")
    await anna.send("<b>Anna</b> & co")
    await anna.send("Klub <3 & venner")
    for label in ("Spring over", "Spring over", "Nej tak", "Nej tak"):
        await anna.press(anna.last, label)
    await anna.press(anna.last, "Ja, det er i orden")

    profile = await anna.send("/me")

    assert "Navn: <b>Anna</b> & co" in profile.text
    assert "Organisation: Klub <3 & venner" in profile.text
    assert profile.html is not None
    assert "&lt;b&gt;Anna&lt;/b&gt; &amp; co" in profile.html
