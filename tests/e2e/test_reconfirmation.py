"""Once a year each ambassador is asked whether to stay; silence makes them passive."""

from __future__ import annotations

from bot.app import BoldenApp, build_application, running
from bot.config import Settings
from bot.sandbox.emulator import BotApiEmulator, SimulatedPerson
from bot.scheduling import YEARLY_QUESTION
from tests.conftest import COORDINATOR_ID, FakeClock, press_again, sign_up


async def run_job(application: BoldenApp) -> None:
    """Run the scheduled job now, as the JobQueue would when its time comes."""
    assert application.job_queue is not None
    [job] = application.job_queue.get_jobs_by_name(YEARLY_QUESTION)
    await job.run(application)


def questions(person: SimulatedPerson) -> list[str]:
    """The yearly questions sent to the person (as sent: a later answer edits the message)."""
    return [
        str(p["text"])
        for method, p in person.emulator.requests
        if method == "sendMessage"
        and p["chat_id"] == person.id
        and ("i et år" in p["text"] or "for a year" in p["text"])
    ]


async def test_asked_once_a_year_even_across_a_restart(
    settings: Settings, anna: SimulatedPerson, clock: FakeClock, query
) -> None:
    async with running(build_application(settings, clock=clock)) as bot:
        await sign_up(anna)
        await run_job(bot)
        assert questions(anna) == [], "not due yet"

        clock.advance(days=366)
        await run_job(bot)
        await anna.emulator.wait_for(lambda: questions(anna))
        await run_job(bot)

    async with running(build_application(settings, clock=clock)) as bot:
        await run_job(bot)
        stay = await anna.press(anna.last, "Ja, jeg fortsætter")

    assert questions(anna) == [
        "Hej Anna! Du har været ambassadør i et år. Tak! Vil du fortsætte som ambassadør?"
    ]
    assert stay.text.startswith("Dejligt! Du er stadig ambassadør.")
    [row] = query("SELECT status, confirm_asked_at, confirm_due_at FROM ambassadors")
    assert tuple(row) == ("active", None, "2028-11-22T12:00:00+00:00")


async def test_no_answer_in_30_days_makes_an_ambassador_passive(
    settings: Settings, emulator: BotApiEmulator, john: SimulatedPerson, clock: FakeClock, query
) -> None:
    karim = emulator.person(COORDINATOR_ID, "Karim", "da")
    async with running(build_application(settings, clock=clock)) as bot:
        await sign_up(john, kind="Citizen")
        clock.advance(days=366)
        await run_job(bot)
        await emulator.wait_for(lambda: questions(john))
        question = john.last
        clock.advance(days=29)
        await run_job(bot)
        assert query("SELECT status FROM ambassadors")[0][0] == "active"

        clock.advance(days=2)
        await run_job(bot)
        assert query("SELECT status FROM ambassadors")[0][0] == "passive"
        overview = await karim.send("/ambassadors")
        stats = await karim.send("/stats")
        late = await john.press(question, "Yes, I'll carry on")

    assert overview.text.startswith("Ambassadører: 0 aktive og 1 passiv")
    assert overview.buttons[0]["text"] == "nr. 1 John (Borger) · passiv"
    assert "Ambassadører nu: 0 aktive og 1 passiv" in stats.text
    assert late.text.startswith("Wonderful! You are still an ambassador.")
    assert query("SELECT status FROM ambassadors")[0][0] == "active"


async def test_answering_no_ends_the_ambassadorship(
    settings: Settings, anna: SimulatedPerson, john: SimulatedPerson, clock: FakeClock, query
) -> None:
    async with running(build_application(settings, clock=clock)) as bot:
        await sign_up(anna)
        clock.advance(days=400)
        await run_job(bot)
        await anna.emulator.wait_for(lambda: questions(anna))
        question = anna.last
        done = (await anna.press(question, "Nej, jeg stopper")).text
        again = await press_again(anna, question, "amb:stay:1")
        stranger = await john.press_data(question, "amb:stay:1")

    assert done.startswith("Du er ikke længere ambassadør. Tak for din indsats!")
    assert "Vi gemmer din profil" in done, "what is kept, as /leave says it"
    assert again.text.startswith("Du er allerede stoppet som ambassadør."), "not a refusal"
    assert stranger["text"].startswith("That is for ambassadors only."), "never was one"
    assert query("SELECT status FROM ambassadors")[0][0] == "left"


async def test_answering_twice_says_it_is_answered_already(
    settings: Settings, anna: SimulatedPerson, clock: FakeClock, query
) -> None:
    async with running(build_application(settings, clock=clock)) as bot:
        await sign_up(anna)
        clock.advance(days=400)
        await run_job(bot)
        await anna.emulator.wait_for(lambda: questions(anna))
        question = anna.last
        await anna.press(question, "Ja, jeg fortsætter")
        again = await press_again(anna, question, "amb:stay:1")

    assert again.text == (
        "Det har du allerede svaret på. Du er stadig ambassadør. Vi spørger igen om et år."
    )
    [row] = query("SELECT status, confirm_due_at FROM ambassadors")
    assert tuple(row) == ("active", "2028-12-26T12:00:00+00:00"), "a year from the first answer"


async def test_a_person_who_blocked_the_bot_is_marked_not_asked_again(
    settings: Settings, anna: SimulatedPerson, clock: FakeClock, query
) -> None:
    async with running(build_application(settings, clock=clock)) as bot:
        await sign_up(anna)
        anna.emulator.blocked.add(anna.id)
        clock.advance(days=366)
        await run_job(bot)
        await run_job(bot)

    assert len(questions(anna)) == 1
    assert query("SELECT blocked_at FROM people")[0][0] is not None
