"""The bold board on the web: bolde sent through the chat are shown with their reference,
kind, themes or category, status, dates and public answer, searchable, filterable and paged;
never with who sent them, their words, a photo or a place."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import BoldenApp, build_application, running, web_of
from bot.config import Settings
from bot.sandbox.emulator import BotApiEmulator, ChatMessage, SimulatedPerson
from tests.conftest import DATA, FakeClock
from tests.e2e.test_bolde import send_bold
from tests.e2e.test_networks_and_inbox import arrived
from tests.web import fetch

ZELDA = 7_654_321
SECRET = "Zeldas hemmelige tekst om <script>alert(1)</script> & mere"
ANSWER = "Vi <script>alert(1)</script> & kommunen starter i januar: https://fredericia.dk/plan."
ANSWER_SHOWN = (
    "Vi &lt;script&gt;alert(1)&lt;/script&gt; &amp; kommunen starter i januar: "
    '<a href="https://fredericia.dk/plan" rel="nofollow noopener">https://fredericia.dk/plan</a>.'
)


@pytest.fixture
def zelda(emulator: BotApiEmulator) -> SimulatedPerson:
    """A sender whose name, username and id must never appear on the board."""
    return emulator.person(ZELDA, "Zelda", "da", last_name="Quixote", username="zelda_q")


def items(page: str) -> list[str]:
    """The references of the bolde listed on a page of the board, in their order."""
    return re.findall(r'<h3 id="bold-(B-\d{4}-\d{4})">', page)


async def send_problem_with_place(
    person: SimulatedPerson, text: str, place: str | tuple[float, float], category: str
) -> ChatMessage:
    """/bold for a problem with a typed place or a shared location, sent anonymously (as a
    problem is unless the sender shows their name)."""
    step = await person.press(await person.send("/bold"), "Et problem")
    step = await person.press(await person.send(text), "Spring over")
    assert "Hvor er det?" in step.text
    seen = len(person.messages)
    if isinstance(place, str):
        await person.send(place)
    else:
        await person.send_location(*place)
    step = await arrived(person, seen, "Hvad handler det om?")
    summary = await person.press(await person.press(step, category), "Videre")
    return await person.press(summary, "📨 Send")


async def answer_as_coordinator(
    karim: SimulatedPerson, card: ChatMessage, answer: str, sender: SimulatedPerson
) -> None:
    """Answer a bold from its card, and wait until the sender has the answer."""
    await karim.press(card, "💬 Svar")
    preview = await karim.send(answer)
    seen = len(sender.messages)
    await karim.press(preview, "Send")
    await arrived(sender, seen, "✅ Svar på din bold")


async def test_the_board_shows_what_became_of_each_bold_and_never_who_sent_it(
    bot: BoldenApp,
    site: str,
    karim: SimulatedPerson,
    zelda: SimulatedPerson,
    query: Callable[..., list[sqlite3.Row]],
) -> None:
    await karim.send("/start")
    empty = await fetch(f"{site}/bolde")
    assert "Der er ingen bolde endnu." in empty.text

    seen = len(karim.messages)
    await send_bold(zelda, SECRET, photo=True, themes=("Flere ind i fællesskaber",))
    card = await arrived(karim, seen, "🧭 Ingen regel passede på denne bold.")
    assert "Zelda" in card.text, "an idea is sent with the name shown, to the network"
    await answer_as_coordinator(karim, card, ANSWER, zelda)
    await send_problem_with_place(
        zelda, "Der ligger glasskår i Kongensgade.", "Kongensgade 12", "Ensomhed"
    )
    await send_problem_with_place(
        zelda, "Lygten er gået ud ved stien.", (55.56553, 9.75201), "Et sted føles utrygt"
    )
    [photo] = [
        row[0] for row in query("SELECT photo_file_id FROM bolde WHERE photo_file_id IS NOT NULL")
    ]

    board = await fetch(f"{site}/bolde")
    assert board.status == 200
    assert items(board.text) == ["B-2026-0003", "B-2026-0002", "B-2026-0001"], "newest first"
    assert "3 bolde. Nyeste først." in board.text
    assert "Idé" in board.text
    assert "Problem" in board.text
    assert "Flere ind i fællesskaber" in board.text
    assert "Ensomhed" in board.text
    assert "Et sted føles utrygt" in board.text
    assert '<span class="status">Besvaret</span>' in board.text
    assert board.text.count('<span class="status">Modtaget</span>') == 2
    assert board.text.count("<dt>Sendt</dt>") == 3, "the date is not called Modtaget too"
    assert "<dt>Modtaget</dt>" not in board.text
    assert "hvilken slags bold det er, hvilket tema eller hvilken kategori" in board.text
    assert ANSWER_SHOWN in board.text, "the public answer, escaped, its web address a link"
    assert "22. november 2026" in board.text

    answered = await fetch(f"{site}/bolde/b-2026-0001")
    assert answered.status == 200
    assert "<h1>Bold B-2026-0001</h1>" in answered.text
    assert ANSWER_SHOWN in answered.text
    english = await fetch(f"{site}/bolde?lang=en")
    assert "More people in communities" in english.text
    what = (
        "<p>A <b>bold</b> (Danish for “ball”) is an idea, a worry or a problem you pass on to "
        "the people who can act on it.</p>"
    )
    assert f"</p>\n{what}\n" in english.text.split("<h2")[0], "the word, under the intro"
    assert "Danish for" not in board.text, "Danish readers know the word"
    assert '<span class="status">Answered</span>' in english.text
    assert '<p class="answer-text" lang="da">' in english.text, "the answer is Danish"
    assert "Loneliness" in english.text
    assert "Idea" in english.text

    pages = [board, answered, english]
    pages += [
        await fetch(f"{site}/bolde/B-2026-000{n}?lang={lang}")
        for n in (2, 3)
        for lang in ("da", "en")
    ]
    never = [
        "Zelda", "Quixote", "zelda_q", str(ZELDA), "hemmelige", "glasskår", "Lygten",
        "Kongensgade", "55.5655", "9.752", "openstreetmap", photo, "<script>",
    ]  # fmt: skip
    for page in pages:
        assert [word for word in never if word in page.text] == []
        # Only the date is shown, so only the date is published: a time could point to a sender.
        stamps = re.findall(r'<time datetime="([^"]*)"', page.text)
        assert stamps, "the dates are marked up"
        assert [s for s in stamps if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", s)] == []


async def test_an_exact_reference_leads_to_its_bold_and_the_filters_narrow_the_list(
    bot: BoldenApp, site: str, karim: SimulatedPerson, zelda: SimulatedPerson
) -> None:
    await karim.send("/start")
    seen = len(karim.messages)
    await send_bold(zelda, "Flere bænke langs havnen, tak!", themes=("Flere ind i fællesskaber",))
    card = await arrived(karim, seen, "🧭 Ingen regel passede på denne bold.")
    await answer_as_coordinator(karim, card, "Vi har sat tre nye bænke op ved havnen.", zelda)
    await send_bold(zelda, "Et fælles køkken i Ullerup, tak.")

    found = await fetch(f"{site}/bolde?reference=+b-2026-0001+")
    assert (found.status, found.headers["Location"]) == (303, "/bolde/B-2026-0001")
    for typed, reference in (
        ("b20260001", "B-2026-0001"),
        ("B+2026+0002", "B-2026-0002"),
        ("B%E2%80%912026%E2%80%910002", "B-2026-0002"),  # non-breaking hyphens, copied
        ("0001", "B-2026-0001"),  # a number alone: this year's
    ):
        typed_in = await fetch(f"{site}/bolde?reference={typed}")
        assert typed_in.headers["Location"] == f"/bolde/{reference}", typed
    english = await fetch(f"{site}/bolde?reference=B-2026-0002&lang=en")
    assert english.headers["Location"] == "/bolde/B-2026-0002?lang=en"
    unknown = await fetch(f"{site}/bolde?reference=B-2099-<b>")
    assert unknown.status == 200
    assert "Ingen bold har referencen B-2099-&lt;b&gt;." in unknown.text
    assert items(unknown.text) == ["B-2026-0002", "B-2026-0001"], "and the list is still there"
    missing = await fetch(f"{site}/bolde/B-2099-0001")
    assert missing.status == 404

    answered = await fetch(f"{site}/bolde?status=answered&lang=en")
    assert items(answered.text) == ["B-2026-0001"]
    opened = answered.text.split('<a href="')[1:]
    [address] = [a.split('"')[0] for a in opened if a.startswith("/bolde/B-2026-0001")]
    assert address == "/bolde/B-2026-0001?status=answered&amp;lang=en", "the filters go along"
    detail = await fetch(f"{site}{address.replace('&amp;', '&')}")
    assert '<a href="/bolde?status=answered&amp;lang=en">⬅️ Back to the list</a>' in detail.text
    plain = await fetch(f"{site}/bolde/B-2026-0001")
    assert '<a href="/bolde">Alle bolde</a>' in plain.text, "no filters: the whole list"
    paged = await fetch(f"{site}/bolde/B-2026-0001?theme=communities")
    assert '<a href="/bolde?theme=communities">⬅️ Tilbage til listen</a>' in paged.text
    assert '<a href="/bolde?lang=en" aria-current="page">' in detail.text, "still on the board"
    answered = await fetch(f"{site}/bolde?status=answered")
    assert '<option value="answered" selected>Besvaret</option>' in answered.text
    themed = await fetch(f"{site}/bolde?theme=communities")
    assert items(themed.text) == ["B-2026-0001"]
    assert '<option value="communities" selected>' in themed.text
    neither = await fetch(f"{site}/bolde?status=received&theme=communities")
    assert items(neither.text) == []
    assert "Ingen bolde passer til det, du har valgt." in neither.text
    assert 'href="/bolde">Vis alle bolde</a>' in neither.text
    garbled = await fetch(f"{site}/bolde?status=<x>&theme=nope&page=-3")
    assert items(garbled.text) == ["B-2026-0002", "B-2026-0001"], "unknown filters are dropped"

    home = await fetch(f"{site}/?lang=en")
    assert "2 bolds have been sent to the strategy. Received: 1. Answered: 1. <a" in home.text
    figures = await fetch(f"{site}/bolde?lang=en")
    assert "2 bolds in all." in figures.text
    table = figures.text.split("<caption>Bolds by status</caption>")[1].split("</table>")[0]
    assert '<th scope="row">Received</th><td>1</td>' in table
    assert '<th scope="row">Answered</th><td>1</td>' in table
    assert '<th scope="row">Declined, with an answer</th><td>0</td>' in table


async def test_a_bold_sent_anonymously_shows_exactly_what_one_with_the_name_shows(
    bot: BoldenApp, site: str, zelda: SimulatedPerson
) -> None:
    await send_bold(
        zelda, "Flere lygter på stien ved skolen.", themes=("Flere ind i fællesskaber",)
    )
    await send_bold(
        zelda,
        "Flere lygter på stien ved skolen.",
        themes=("Flere ind i fællesskaber",),
        anonymous=True,
    )

    named = await fetch(f"{site}/bolde/B-2026-0001")
    anonymous = await fetch(f"{site}/bolde/B-2026-0002")
    assert named.text.replace("B-2026-0001", "B") == anonymous.text.replace("B-2026-0002", "B")
    board = (await fetch(f"{site}/bolde")).text
    first, second = [card.split("</article>")[0] for card in board.split("<article")[1:3]]
    assert first.replace("B-2026-0002", "B") == second.replace("B-2026-0001", "B")


def store_bolde(settings: Settings, count: int) -> None:
    """Bolde written by another process, one an hour; every third answered and themed."""
    start = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
    connection = sqlite3.connect(settings.database)
    try:
        with connection:
            for number in range(1, count + 1):
                created = (start + timedelta(hours=number)).isoformat()
                status = "answered" if number % 3 == 0 else "received"
                cursor = connection.execute(
                    "INSERT INTO bolde (reference, kind, text, status, created_at, changed_at) "
                    "VALUES (?, 'idea', 'En idé med ti tegn.', ?, ?, ?)",
                    (f"B-2026-{number:04d}", status, created, created),
                )
                if status == "answered":
                    connection.execute(
                        "INSERT INTO bold_topics (bold_id, code) VALUES (?, 'communities')",
                        (cursor.lastrowid,),
                    )
    finally:
        connection.close()


async def test_the_board_turns_pages_newest_first_keeping_its_filters(
    bot: BoldenApp, site: str, settings: Settings
) -> None:
    # In a thread: the bot's own transactions go on in this loop while the other process waits.
    await asyncio.to_thread(store_bolde, settings, 45)

    first = await fetch(f"{site}/bolde")
    assert "45 bolde. Nyeste først." in first.text
    assert items(first.text) == [f"B-2026-{n:04d}" for n in range(45, 25, -1)]
    assert "Side 1 af 3." in first.text
    assert 'href="/bolde?page=2" rel="next">Ældre bolde</a>' in first.text
    assert 'rel="prev"' not in first.text
    second = await fetch(f"{site}/bolde?page=2")
    assert items(second.text) == [f"B-2026-{n:04d}" for n in range(25, 5, -1)]
    assert 'href="/bolde" rel="prev">Nyere bolde</a>' in second.text
    last = await fetch(f"{site}/bolde?page=99")
    assert items(last.text) == [f"B-2026-{n:04d}" for n in range(5, 0, -1)]
    assert "Side 3 af 3." in last.text
    assert 'rel="next"' not in last.text

    answered = await fetch(f"{site}/bolde?status=answered&theme=communities&lang=en")
    assert "15 bolds. Newest first." in answered.text
    assert "Side" not in answered.text, "one page"
    assert items(answered.text) == [f"B-2026-{n:04d}" for n in range(45, 0, -3)]
    received = await fetch(f"{site}/bolde?status=received")
    assert "30 bolde. Nyeste først." in received.text
    assert 'href="/bolde?status=received&amp;page=2" rel="next">' in received.text
    older = await fetch(f"{site}/bolde?status=received&page=2")
    assert len(items(older.text)) == 10
    assert 'href="/bolde?status=received" rel="prev">' in older.text


async def test_titles_from_the_strategy_file_are_escaped_on_the_board_and_the_front_page(
    settings: Settings, clock: FakeClock, zelda: SimulatedPerson, tmp_path: Path
) -> None:
    content = tmp_path / "strategy.toml"
    content.write_text(
        (DATA / "other_strategy.toml")
        .read_text(encoding="utf-8")
        .replace('da = "Gode naboer"', 'da = "Gode <script>naboer</script> & venner"'),
        encoding="utf-8",
    )
    other = settings.model_copy(update={"content": content})
    async with running(build_application(other, clock=clock)) as application:
        site = web_of(application).url
        await send_bold(
            zelda, "Et gadekøkken for naboerne.", themes=("Gode <script>naboer</script>",)
        )
        board = await fetch(f"{site}/bolde")
        home = await fetch(f"{site}/")

    shown = "Gode &lt;script&gt;naboer&lt;/script&gt; &amp; venner"
    assert board.text.count(shown) == 2, "in the bold's themes and in the theme filter"
    assert shown in home.text
    assert "<script>" not in board.text + home.text


async def test_the_front_page_counts_answers_and_declines_as_the_boards_chart_does(
    bot: BoldenApp, site: str, karim: SimulatedPerson, zelda: SimulatedPerson
) -> None:
    await karim.send("/start")
    seen = len(karim.messages)
    await send_bold(zelda, "Flere bænke langs havnen, tak!")
    card = await arrived(karim, seen, "🧭 Ingen regel passede på denne bold.")
    await answer_as_coordinator(karim, card, "Vi har sat tre nye bænke op ved havnen.", zelda)
    seen = len(karim.messages)
    await send_bold(zelda, "Et fælles køkken i Ullerup, tak.")
    card = await arrived(karim, seen, "🧭 Ingen regel passede på denne bold.")
    await karim.press(card, "Afvis med svar")
    preview = await karim.send("Der er ikke plads i Ullerup i år.")
    told = len(zelda.messages)
    await karim.press(preview, "Send")
    await arrived(zelda, told, "Din bold")
    await send_bold(zelda, "En bænk mere ved stationen, tak.")  # still open

    home = (await fetch(f"{site}/")).text
    board = (await fetch(f"{site}/bolde")).text

    assert (
        "3 bolde er sendt til strategien. Modtaget: 1. Besvaret: 1. Afvist med svar: 1. <a"
    ) in home, "every status with a bold, in the board's order, adding up to the total"
    assert "3 bolde i alt." in board
    table = board.split("<caption>Boldene efter status</caption>")[1].split("</table>")[0]
    assert '<th scope="row">Besvaret</th><td>1</td>' in table
    assert '<th scope="row">Afvist med svar</th><td>1</td>' in table
