"""The newsletter archive and the public events on the web: only what was sent and what is for
everyone, markup made safe, seats left, calendar files and a feed that read back right in
Copenhagen's time, in both languages."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar

from bot.app import BoldenApp
from bot.config import Settings
from bot.sandbox.emulator import BotApiEmulator, SimulatedPerson
from tests.conftest import FakeClock, sign_up
from tests.e2e.test_bolde import next_message
from tests.e2e.test_broadcast import finished, write_newsletter
from tests.e2e.test_events import publish, through
from tests.web import fetch

COPENHAGEN = ZoneInfo("Europe/Copenhagen")
HOSTILE = (
    '<b onclick="steal()">Fed</b> <a href="javascript:alert(1)">klik</a> '
    '<a href="https://www.fredericia.dk">side</a><img src=x onerror=alert(2)>'
    "<script>alert(3)</script>"
)


def write(settings: Settings, sql: str, *params: object) -> None:
    """Change the bot's database as another program would (what the chat cannot write)."""
    connection = sqlite3.connect(settings.database, timeout=10)
    try:
        with connection:
            connection.execute(sql, params)
    finally:
        connection.close()


def newsletter(settings: Settings, title: str, status: str, sent: datetime, body: str) -> None:
    write(
        settings,
        "INSERT INTO newsletters (title, body_html, body_text, audience, status, send_at, "
        "created_at, sent_at) VALUES (?, ?, ?, 'amb', ?, ?, ?, ?)",
        title, body, body, status, sent.isoformat(), sent.isoformat(),
        sent.isoformat() if status == "sent" else None,
    )  # fmt: skip


def ids(query: Callable[..., list], table: str) -> dict[str, int]:
    return {row["title"]: row["id"] for row in query(f"SELECT id, title FROM {table}")}


async def test_the_archive_shows_only_sent_newsletters_newest_first_their_markup_made_safe(
    bot: BoldenApp,
    site: str,
    karim: SimulatedPerson,
    anna: SimulatedPerson,
    emulator: BotApiEmulator,
    settings: Settings,
    clock: FakeClock,
    query: Callable[..., list],
) -> None:
    await karim.send("/start")
    await sign_up(anna)
    body = "Kom <script>alert(1)</script> & vær med\nfredag.\n\nVi ses!"
    confirm = await write_newsletter(karim, "Forårsnyt <i>", body, "Alle aktive ambassadører")
    await karim.press(confirm, "Send nu")
    await finished(emulator, karim)
    autumn = clock.now - timedelta(days=60)
    newsletter(settings, "Efterårsnyt", "sent", autumn, HOSTILE)
    newsletter(settings, "Planlagt nyt", "scheduled", clock.now + timedelta(days=1), "Snart")
    newsletter(settings, "Aflyst nyt", "cancelled", clock.now + timedelta(days=2), "Aldrig")
    for month in range(1, 10):  # older ones, for a second page
        newsletter(settings, f"Gammelt nyt {month}", "sent", datetime(2025, month, 1), "Før")
    found = ids(query, "newsletters")

    archive = await fetch(f"{site}/newsletters")
    assert archive.status == 200
    assert "<h1>Nyhedsbreve</h1>" in archive.text
    assert "Forårsnyt &lt;i&gt;" in archive.text, "a title is text, never markup"
    assert archive.text.index("Forårsnyt") < archive.text.index("Efterårsnyt"), "newest first"
    assert "Sendt 22. november 2026" in archive.text
    assert "Planlagt nyt" not in archive.text
    assert "Aflyst nyt" not in archive.text
    assert "Gammelt nyt 1<" not in archive.text, "the oldest is on the second page"
    assert "Side 1 af 2" in archive.text
    assert 'href="/newsletters?page=2"' in archive.text
    second = await fetch(f"{site}/newsletters?page=2")
    assert "Gammelt nyt 1<" in second.text
    assert 'href="/newsletters?page=1"' in second.text

    letter = await fetch(f"{site}/newsletters/{found['Forårsnyt <i>']}")
    assert "<h1>Forårsnyt &lt;i&gt;</h1>" in letter.text
    assert "<p>Kom &lt;script&gt;alert(1)&lt;/script&gt; &amp; vær med<br>\nfredag.</p>" in (
        letter.text
    )
    assert "<p>Vi ses!</p>" in letter.text
    hostile = await fetch(f"{site}/newsletters/{found['Efterårsnyt']}")
    assert '<a href="/newsletters" aria-current="page">' in hostile.text, "in the archive"
    assert "<b>Fed</b>" in hostile.text
    assert '<a href="https://www.fredericia.dk" rel="nofollow noopener">side</a>' in hostile.text
    for harmful in ("onclick", "javascript:", "<img", "<script", "onerror"):
        assert harmful not in hostile.text.split('<main id="main">')[1]
    for hidden in ("Planlagt nyt", "Aflyst nyt"):
        assert (await fetch(f"{site}/newsletters/{found[hidden]}")).status == 404
    assert (await fetch(f"{site}/newsletters/9999")).status == 404

    english = await fetch(f"{site}/newsletters?lang=en")
    assert "<h1>Newsletters</h1>" in english.text
    assert "Sent 22 November 2026" in english.text
    assert f'href="/newsletters/{found["Efterårsnyt"]}?lang=en" lang="da">Efterårsnyt</a>' in (
        english.text
    ), "a Danish title on an English page is marked as Danish"
    one_english = await fetch(f"{site}/newsletters/{found['Efterårsnyt']}?lang=en")
    assert '<h1 lang="da">Efterårsnyt</h1>' in one_english.text
    assert '<div lang="da">' in one_english.text
    assert 'lang="da"' not in hostile.text.split("<main")[1], "nothing to mark on a Danish page"


async def test_events_show_only_what_is_public_and_coming_with_calendar_files_that_read_back(
    bot: BoldenApp,
    site: str,
    karim: SimulatedPerson,
    anna: SimulatedPerson,
    emulator: BotApiEmulator,
    settings: Settings,
    clock: FakeClock,
    query: Callable[..., list],
) -> None:
    await karim.send("/start")
    await sign_up(anna)
    everyone = "[Alle, der har sagt ja]"
    for title, start, audience in (
        ("Suppe <b>&</b> snak", "3.12.2026 18:00", everyone),
        ("Morgenkaffe", "23.11.2026 09:00", everyone),
        ("Ambassadørmøde", "4.12.2026 17:00", "[Alle aktive ambassadører]"),
        ("Juletræ", "12.12.2026 15:00", everyone),
    ):
        confirm = await publish(
            karim,
            "/event",
            ["[Workshop]", title, "Vi laver <suppe> & <script>alert(1)</script>\n\nTag en ven med.",
             start, "21:00" if title != "Morgenkaffe" else "10:30", "Medborgerhuset",
             "20", "[Kun inviterede]", audience],
        )  # fmt: skip
        await karim.press(confirm, "Send invitationer nu")
        await emulator.wait_for(lambda sent=title: any(sent in m.text for m in anna.messages))
    found = ids(query, "events")
    page = await karim.press(await karim.send("/events"), "Juletræ")
    cancelled_at = clock.now
    await karim.press(await karim.press(page, "Aflys"), "Ja, aflys")
    [invitation] = [m for m in anna.messages if "Suppe" in m.text]
    await anna.press_data(invitation, invitation.button("Ja")["callback_data"])
    write(
        settings,
        "UPDATE events SET description = ? WHERE id = ?",
        HOSTILE,
        found["Morgenkaffe"],
    )

    events = await fetch(f"{site}/events")
    assert events.status == 200
    text = events.text
    assert "<h1>Arrangementer</h1>" in text
    assert "Suppe &lt;b&gt;&amp;&lt;/b&gt; snak" in text, "a title is text, never markup"
    assert "Vi laver &lt;suppe&gt; &amp; &lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "<p>Tag en ven med.</p>" in text
    assert "03.12.2026 18.00–21.00" in text, "in Copenhagen's time"
    assert "19 ledige pladser" in text, "Anna took one of 20"
    assert "Workshop" in text
    assert "Ambassadørmøde" not in text, "for ambassadors only: not public"
    juletrae = found["Juletræ"]
    cancelled = text.split(f'id="event-{juletrae}"')[1].split("</article>")[0]
    assert '<span class="status cancelled">Aflyst</span> <span>Juletræ</span>' in cancelled
    assert "?start=ev-" not in cancelled, "no answer link"
    assert "ledige pladser" not in cancelled
    assert text.index("Morgenkaffe") < text.index("Suppe"), "soonest first"
    assert f'href="/events/{found["Suppe <b>&</b> snak"]}.ics"' in text
    suppe = found["Suppe <b>&</b> snak"]
    assert f'href="https://t.me/bolden_sandbox_bot?start=ev-{suppe}"' in text, "its own link"
    assert text.count("?start=ev-") == 2, "one link for each event shown"
    assert f"{site}/events.ics" in text
    main = text.split('<main id="main">')[1]
    for harmful in ("onclick", "javascript:", "<img", "<script", "onerror"):
        assert harmful not in main
    assert "<b>Fed</b>" in main
    assert "Svarer du ja, er du tilmeldt og har en plads" in main, "a yes takes a seat"

    english = await fetch(f"{site}/events?lang=en")
    assert "<h1>Events</h1>" in english.text
    assert "19 seats left" in english.text
    assert "Answer in Telegram" in english.text
    assert "If you answer yes, you are signed up and have a seat" in english.text
    assert '<span class="status cancelled">Cancelled</span> <span lang="da">Juletræ</span>' in (
        english.text
    ), "what the municipality wrote is marked as Danish on an English page"
    assert '<div class="description" lang="da"><p>Vi laver' in english.text

    feed = await fetch(f"{site}/events.ics")
    assert feed.headers["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(feed.body)
    entries = {str(e["summary"]): e for e in calendar.walk("VEVENT")}
    assert set(entries) == {"Suppe <b>&</b> snak", "Morgenkaffe", "Aflyst: Juletræ"}
    soup = entries["Suppe <b>&</b> snak"]
    assert soup.decoded("dtstart") == datetime(2026, 12, 3, 18, 0, tzinfo=COPENHAGEN)
    assert soup.decoded("dtend") == datetime(2026, 12, 3, 21, 0, tzinfo=COPENHAGEN)
    assert str(soup["dtstart"].params["TZID"]) == "Europe/Copenhagen"
    assert str(soup["uid"]) == f"event-{found['Suppe <b>&</b> snak']}@www.fredericia.dk"
    cancelled_entry = entries["Aflyst: Juletræ"]
    assert str(cancelled_entry["status"]) == "CANCELLED", "so calendars take it away"
    assert cancelled_entry.decoded("sequence") == 1, "one change: its cancellation"
    assert cancelled_entry.decoded("last-modified") == cancelled_at
    assert cancelled_entry.decoded("dtstamp") == cancelled_at
    assert "status" not in soup
    assert soup.decoded("sequence") == 0, "never changed"
    english_feed = Calendar.from_ical((await fetch(f"{site}/events.ics?lang=en")).body)
    assert "Cancelled: Juletræ" in {str(e["summary"]) for e in english_feed.walk("VEVENT")}

    one = await fetch(f"{site}/events/{found['Suppe <b>&</b> snak']}.ics")
    assert one.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert "attachment" in one.headers["Content-Disposition"]
    [entry] = Calendar.from_ical(one.body).walk("VEVENT")
    assert str(entry["uid"]) == str(soup["uid"]), "the same event in the file and the feed"
    assert "Tag en ven med." in str(entry["description"])
    assert (await fetch(f"{site}/events/{found['Ambassadørmøde']}.ics")).status == 404
    [called_off] = Calendar.from_ical((await fetch(f"{site}/events/{juletrae}.ics")).body).walk(
        "VEVENT"
    )
    assert str(called_off["status"]) == "CANCELLED", "its own file takes it away too"
    assert str(called_off["summary"]) == "Aflyst: Juletræ"

    clock.advance(hours=1)
    changed_at = clock.now
    asked = await through(
        karim,
        await karim.press(await karim.press(await karim.send("/events"), "Suppe"), "Ret"),
        ["[Workshop]", "[Behold]", "[Behold]", "[Behold]", "[Behold]", "[Behold]", "[Behold]",
         "[Kun inviterede]"],
    )  # fmt: skip
    seen = len(karim.messages)
    await karim.press(asked, "Alle, der har sagt ja")
    await karim.press(await next_message(karim, seen + 1), "Gem ændringen")
    [changed] = Calendar.from_ical((await fetch(f"{site}/events/{suppe}.ics")).body).walk("VEVENT")
    assert changed.decoded("sequence") == 1, "a calendar that has it takes the change"
    assert changed.decoded("last-modified") == changed_at

    clock.advance(days=2)  # Morgenkaffe is over
    later = await fetch(f"{site}/events")
    assert "<h2>Tidligere arrangementer</h2>" in later.text
    earlier = later.text.split("Tidligere arrangementer")[1]
    assert "Morgenkaffe" in earlier
    assert "Suppe" not in earlier
    assert "Morgenkaffe" not in (await fetch(f"{site}/events.ics")).text
