"""Becoming an ambassador: the sign-up conversation, in Danish and English, with its detours."""

from __future__ import annotations

import pytest

from bot.app import build_application, running
from bot.config import Settings
from bot.sandbox.emulator import BotApiEmulator, SimulatedPerson
from tests.conftest import FakeClock, press_again, sign_up


@pytest.mark.usefixtures("bot")
async def test_a_citizen_signs_up_in_under_a_minute(anna: SimulatedPerson, query) -> None:
    menu = await anna.send("/start")
    question = await anna.press(menu, "Ambassadør")
    assert question.text.startswith("Bliv ambassadør\nSom ambassadør er du med")
    assert [b["text"] for b in question.buttons][:7] == [
        "Borger", "Frivillig", "Forening eller organisation", "Virksomhed",
        "Kommunal medarbejder", "Politiker", "Andet",
    ]  # fmt: skip

    question = await anna.press(question, "Borger")
    assert question.text.startswith("Hvilket navn skal stå på dit ambassadørbevis?")
    question = await anna.press(question, "✅ Anna")
    assert question.text.startswith(
        "Vil du have nyhedsbrevet på e-mail? Skriv din e-mailadresse, eller tryk Nej tak."
    )
    assert "Nej tak" in [b["text"] for b in question.buttons]
    question = await anna.send("anna@example.dk")
    assert question.text.startswith(
        "Vil du stå på listen over ambassadører?\nPå strategiens offentlige hjemmeside er der en "
        "liste over ambassadører. Der kan alle se dit navn, hvem du er (fx borger eller forening) "
        "og dine temaer."
    )
    assert "Vi viser aldrig din e-mail eller din Telegram-konto." in question.text
    assert question.text.endswith(
        "Du kan altid tage det tilbage i /me. Så er du væk fra listen med det samme."
    )
    assert [b["text"] for b in question.buttons][:2] == ["👀 Ja, vis mig", "Nej tak"]
    question = await anna.press(question, "Ja, vis mig")
    assert question.text == (
        "Dine oplysninger\nVi gemmer dit navn, hvem du er, dine temaer og din e-mail, hvis du "
        "har givet den. Vi bruger dem til at sende dig invitationer og nyhedsbreve her i chatten "
        "og til at tælle, hvor mange ambassadører vi er. Dit navn kommer på den offentlige liste "
        "over ambassadører. Du kan se det hele med /mydata og slette det når som helst med "
        "/deleteme.\n\n"
        "Er det i orden, at vi gemmer dine oplysninger og skriver til dig? Læs mere under /privacy."
    ), "one question about e-mail, and a summary of the notice that fits a phone's screen"
    welcome = await anna.press(question, "Ja, det er i orden")

    assert welcome.text.startswith("🎉 Velkommen som ambassadør nr. 1, Anna!")
    [row] = query("SELECT * FROM ambassadors")
    assert (row["number"], row["kind"], row["display_name"]) == (1, "citizen", "Anna")
    assert (row["email"], row["newsletter_by_email"]) == ("anna@example.dk", 1)
    assert (row["consent_version"], row["consent_at"]) == ("2026-12", "2026-11-22T12:00:00+00:00")
    assert row["listed_at"] == "2026-11-22T12:00:00+00:00", "the yes to the list, and when"
    assert row["organisation"] is None
    assert query("SELECT * FROM conversations") == []

    chosen = await anna.press(welcome, "En by for alle")
    assert chosen.text.startswith("🎉 Velkommen som ambassadør nr. 1, Anna!"), "the welcome stays"
    assert "✅ En by for alle" in [b["text"] for b in chosen.buttons]
    done = await anna.press(chosen, "Færdig")
    assert done.text.startswith("Gemt. Du har valgt 1 tema.")
    await anna.emulator.wait_for(
        lambda: anna.last.file is not None and anna.last.file.name.endswith(".pdf"),
        what="the certificate and its print version",
    )
    assert [m.file.name for m in anna.messages[-2:] if m.file] == [
        "ambassador-1.png", "ambassador-1.pdf",
    ]  # fmt: skip


@pytest.mark.usefixtures("bot")
async def test_an_association_signs_up_in_english_with_every_field(
    john: SimulatedPerson, query
) -> None:
    question = await john.press(await john.send("/ambassador"), "Association or organisation")
    question = await john.send("Søren Ærø-Østergård")
    assert question.text == "What is the name of your association, organisation or business?"
    question = await john.send("Foreningen for Hjemløse i Fredericia")
    question = await john.send("We help people without a home.")
    question = await john.send("https://hjemlose.example")
    question = await john.press(question, "No thanks")
    assert question.text.startswith("Do you want to be on the list of ambassadors?")
    assert "also its name, description and website" in question.text
    question = await john.press(question, "No thanks")
    assert question.text.startswith("Your details\nWe store your name, who you are, your themes")
    assert "You will not be on the public list of ambassadors." in question.text
    assert question.text.endswith("Read more under /privacy.")
    await john.press(question, "Yes, that is fine")

    [row] = query("SELECT * FROM ambassadors")
    assert row["display_name"] == "Søren Ærø-Østergård"
    assert row["organisation"] == "Foreningen for Hjemløse i Fredericia"
    assert row["org_description"] == "We help people without a home."
    assert row["org_website"] == "https://hjemlose.example"
    assert (row["email"], row["newsletter_by_email"]) == (None, 0)
    assert row["listed_at"] is None, "not on the list unless they said yes"


@pytest.mark.usefixtures("bot")
@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        ("x" * 65, "Det er for langt. Der er plads til højst 64 tegn."),
        ("   ", "Skriv mindst ét tegn."),
    ],
)
async def test_a_wrong_name_is_explained_and_asked_again(
    anna: SimulatedPerson, query, answer: str, problem: str
) -> None:
    await anna.press(await anna.send("/ambassador"), "Borger")

    reply = await anna.send(answer)

    assert reply.text.startswith(problem)
    assert "Hvilket navn skal stå på dit ambassadørbevis?" in reply.text
    assert query("SELECT step FROM conversations")[0]["step"] == "display_name"


@pytest.mark.usefixtures("bot")
async def test_wrong_website_and_email_are_refused_kindly(anna: SimulatedPerson, query) -> None:
    await anna.press(await anna.send("/ambassador"), "Virksomhed")
    await anna.send("Anna")
    await anna.send("Bageriet")
    await anna.send("Vi bager brød")

    website = await anna.send("bageriet dk")
    assert website.text.startswith("Det ligner ikke en hjemmeside. Skriv adressen, fx eksempel.dk.")
    email = await anna.send("www.bageriet.dk")
    assert email.text.startswith("Vil du have nyhedsbrevet på e-mail?"), "taken, with https://"
    email = await anna.send("anna at bageriet")
    assert email.text.startswith("Det ligner ikke en e-mailadresse.")
    [answers] = query("SELECT answers FROM conversations")
    assert '"org_website": "https://www.bageriet.dk"' in answers[0]
    assert answers[0].count("@") == 0


@pytest.mark.usefixtures("bot")
async def test_back_goes_one_question_back_and_remembers_answers(anna: SimulatedPerson) -> None:
    question = await anna.press(await anna.send("/ambassador"), "Forening")
    question = await anna.send("Anna")
    question = await anna.send("Klubben")
    assert question.text.startswith("Skriv kort, hvad I laver")

    question = await anna.press(question, "Tilbage")
    assert question.text.startswith("Hvad hedder jeres forening")
    assert "Nu: Klubben" in question.text
    question = await anna.press(question, "Behold")
    assert question.text.startswith("Skriv kort, hvad I laver")


@pytest.mark.usefixtures("bot")
async def test_cancel_by_button_and_by_command_stores_nothing(anna: SimulatedPerson, query) -> None:
    question = await anna.press(await anna.send("/ambassador"), "Borger")
    stopped = await anna.press(question, "Stop")
    assert stopped.text.startswith("Tilmeldingen er stoppet. Intet er ændret.")

    await anna.press(await anna.send("/ambassador"), "Borger")
    reply = await anna.send("/cancel")
    assert reply.text.startswith("Tilmeldingen er stoppet. Intet er ændret.")
    assert query("SELECT * FROM conversations WHERE stopped_at IS NULL") == []
    assert query("SELECT * FROM ambassadors") == []
    assert (await anna.send("/cancel")).text.startswith("Der er ikke noget at stoppe.")


@pytest.mark.usefixtures("bot")
async def test_declining_the_privacy_notice_stores_nothing(anna: SimulatedPerson, query) -> None:
    question = await anna.press(await anna.send("/ambassador"), "Borger")
    question = await anna.press(question, "✅ Anna")
    question = await anna.press(question, "Nej tak")
    question = await anna.press(question, "Nej tak")

    declined = await anna.press(question, "Nej tak")

    assert declined.text.startswith("Helt i orden. Vi har ikke gemt noget om dig som ambassadør.")
    assert query("SELECT * FROM ambassadors") == []
    assert query("SELECT * FROM conversations") == []


@pytest.mark.usefixtures("bot")
async def test_old_buttons_and_text_at_a_button_question_change_nothing(
    anna: SimulatedPerson, query
) -> None:
    first = await anna.send("/ambassador")
    question = await anna.press(first, "Borger")
    kind_again = await anna.press_data(question, "ambq:kind:signup:politician")
    assert kind_again["text"].startswith("Den knap virker ikke længere.")
    forged = await anna.press_data(question, "ambq:kind:signup:" + "x" * 30)
    assert forged["show_alert"] is True

    question = await anna.press(question, "✅ Anna")
    question = await anna.press(question, "Nej tak")
    for step in ("listed", "consent"):
        reply = await anna.send("ja tak")
        assert (
            reply.text == "👆 Vælg med knapperne under spørgsmålet. Det, du skrev, er ikke brugt."
        )
        assert query("SELECT step FROM conversations")[0]["step"] == step
        if step == "listed":
            question = await anna.press(question, "Nej tak")  # its buttons still work
    assert query("SELECT kind FROM ambassadors") == []


async def test_a_restart_in_the_middle_resumes_where_the_person_was(
    settings: Settings, anna: SimulatedPerson, query, clock: FakeClock
) -> None:
    async with running(build_application(settings, clock=clock)):
        question = await anna.press(await anna.send("/ambassador"), "Forening")
        await anna.send("Anna")

    async with running(build_application(settings, clock=clock)):
        question = await anna.send("Klubben i Fredericia")
        assert question.text.startswith("Skriv kort, hvad I laver")
        question = await anna.press(question, "Spring over")
        question = await anna.press(question, "Spring over")
        question = await anna.press(question, "Nej tak")
        question = await anna.press(question, "Nej tak")
        await anna.press(question, "Ja, det er i orden")

    [row] = query("SELECT display_name, organisation FROM ambassadors")
    assert tuple(row) == ("Anna", "Klubben i Fredericia")


@pytest.mark.usefixtures("bot")
async def test_signing_up_twice_updates_and_numbers_keep_running(
    anna: SimulatedPerson, john: SimulatedPerson, query
) -> None:
    await sign_up(anna)
    await sign_up(john, kind="Volunteer")
    question = await anna.press(await anna.send("/ambassador"), "Politiker")
    question = await anna.press(question, "Behold")
    question = await anna.press(question, "Nej tak")
    question = await anna.press(question, "Nej tak")
    await anna.press(question, "Ja, det er i orden")

    rows = [
        tuple(r) for r in query("SELECT user_id, number, kind FROM ambassadors ORDER BY number")
    ]
    assert rows == [(1001, 1, "politician"), (1002, 2, "volunteer")]


@pytest.mark.usefixtures("bot")
async def test_a_referral_through_the_certificate_link_is_counted(
    anna: SimulatedPerson, emulator: BotApiEmulator, query
) -> None:
    await sign_up(anna)
    [code] = [r["referral_code"] for r in query("SELECT referral_code FROM ambassadors")]
    friend = emulator.person(1003, "Mette", "da")

    await friend.send(f"/start ref-{code}")
    await sign_up(friend)
    await emulator.wait_for(lambda: anna.last.text.startswith("🎉 Mette"), what="Anna's notice")
    profile = await anna.send("/me")

    assert "Via din kode: 1 ny ambassadør" in profile.text
    [row] = query("SELECT referred_by FROM ambassadors WHERE user_id = 1003")
    assert row["referred_by"] == 1001
    karim = emulator.person(4242, "Karim", "da")
    await karim.send("/export")
    assert karim.last.file is not None
    lines = karim.last.file.data.decode("utf-8-sig").splitlines()
    assert lines[1].startswith("1;Anna;Borger")
    assert lines[1].endswith(";aktiv;1"), "Anna's code brought one"


@pytest.mark.usefixtures("bot")
async def test_a_question_left_for_a_day_is_forgotten(
    anna: SimulatedPerson, clock: FakeClock, query
) -> None:
    await anna.press(await anna.send("/ambassador"), "Borger")
    clock.advance(days=1, minutes=1)

    reply = await anna.send("Der sover en mand ved stationen")

    assert reply.text.startswith("Tak for din besked. Vil du sende den som en bold?")
    [draft] = query("SELECT name, answers FROM conversations")
    assert draft["name"] == "bold", "the sign-up is gone; the message waits to become a bold"
    assert "Der sover en mand ved stationen" in draft["answers"]


@pytest.mark.usefixtures("bot")
async def test_the_menu_button_opens_the_profile_for_an_ambassador(anna: SimulatedPerson) -> None:
    await sign_up(anna)

    profile = await anna.press(await anna.send("/start"), "Ambassadør")

    assert profile.text.startswith("Din profil · ambassadør nr. 1")


@pytest.mark.usefixtures("bot")
async def test_stopping_twice_says_it_is_done_already_in_both_languages(
    anna: SimulatedPerson, john: SimulatedPerson
) -> None:
    for person, yes, already in (
        (anna, "Ja, stop", "Du er allerede stoppet som ambassadør. Vil du være med igen"),
        (john, "Yes, stop", "You have already stopped being an ambassador. If you want to join"),
    ):
        await sign_up(person, kind="Borger" if person is anna else "Citizen")
        first, second = await person.send("/leave"), await person.send("/leave")
        assert (await person.press(first, yes)).text.startswith(("Du er ikke", "You are no"))

        again = await person.press(second, yes)

        assert again.text.startswith(already), "not 'that is for ambassadors only'"
        assert again.message_id == second.message_id
        assert (await person.send("/leave")).text.startswith(already), "the command too"


@pytest.mark.usefixtures("bot")
async def test_consenting_twice_says_the_person_is_an_ambassador_already(
    anna: SimulatedPerson, query
) -> None:
    question = await anna.press(await anna.send("/ambassador"), "Borger")
    question = await anna.press(await anna.press(question, "✅ Anna"), "Nej tak")
    question = await anna.press(question, "Nej tak")
    yes = str(question.button("Ja, det er i orden")["callback_data"])
    await anna.press(question, "Ja, det er i orden")

    again = await press_again(anna, question, yes)

    assert again.text.startswith("Du er allerede ambassadør. Se din profil med /me.")
    assert [tuple(r) for r in query("SELECT number, status FROM ambassadors")] == [(1, "active")]


@pytest.mark.usefixtures("bot")
async def test_declining_twice_says_the_same_and_stores_nothing(
    anna: SimulatedPerson, query
) -> None:
    question = await anna.press(await anna.send("/ambassador"), "Borger")
    question = await anna.press(await anna.press(question, "✅ Anna"), "Nej tak")
    question = await anna.press(question, "Nej tak")
    no = str(question.button("Nej tak")["callback_data"])
    await anna.press(question, "Nej tak")

    answer = await anna.press_data(question, no)

    assert answer["text"] is None, "no refusal: the message says already how it ended"
    assert question.text.startswith("Helt i orden. Vi har ikke gemt noget om dig som ambassadør.")
    assert query("SELECT * FROM ambassadors") == []


@pytest.mark.usefixtures("bot")
async def test_joining_again_offers_the_kept_name_once(
    anna: SimulatedPerson, john: SimulatedPerson
) -> None:
    for person, kind, keep in ((anna, "Borger", "Behold det"), (john, "Citizen", "Keep it")):
        await sign_up(person, kind=kind)
        await person.press(await person.send("/leave"), "stop")

        question = await person.press(await person.send("/ambassador"), kind)

        labels = [b["text"] for b in question.buttons]
        assert f"✅ {keep}" in labels
        assert f"✅ {person.user['first_name']}" not in labels, "the same name, offered once"


@pytest.mark.usefixtures("bot")
async def test_a_changed_telegram_name_is_offered_beside_the_kept_one(
    anna: SimulatedPerson,
) -> None:
    question = await anna.press(await anna.send("/ambassador"), "Borger")
    question = await anna.send("Anna fra Havnen")
    question = await anna.press(await anna.press(question, "Nej tak"), "Nej tak")
    await anna.press(question, "Ja, det er i orden")

    question = await anna.press(await anna.send("/ambassador"), "Borger")

    labels = [b["text"] for b in question.buttons]
    assert "✅ Anna" in labels
    assert "✅ Behold det" in labels
