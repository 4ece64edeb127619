"""Addresses people type or mangle: numbers too big for the database, negative or no number
at all give the page that says it does not exist (or the first page), and a page that fails
says so kindly in the person's language, never aiohttp's bare text."""

from __future__ import annotations

import logging

import pytest

from bot.app import BoldenApp
from bot.config import Settings
from bot.sandbox.emulator import SimulatedPerson
from tests.e2e.test_web_news_and_events import write
from tests.web import fetch

BAD_NUMBERS = ["99999999999999999999999", "9223372036854775808", "-1", "1e3", "abc", "١", "²"]


@pytest.mark.parametrize("bad", BAD_NUMBERS)
async def test_an_id_that_is_no_number_we_read_is_a_page_that_does_not_exist(
    site: str, bad: str
) -> None:
    for address in (f"/newsletters/{bad}", f"/events/{bad}.ics"):
        answer = await fetch(f"{site}{address}")
        assert answer.status == 404, address
        assert "<h1>Siden findes ikke</h1>" in answer.text, address


@pytest.mark.parametrize("bad", BAD_NUMBERS)
async def test_a_page_that_is_no_number_we_read_shows_the_first_page(site: str, bad: str) -> None:
    for address in ("/newsletters", "/bolde", "/ambassadors"):
        answer = await fetch(f"{site}{address}?page={bad}")
        assert answer.status == 200, address
        assert "<h1>" in answer.text, address


async def test_a_page_that_fails_says_so_in_the_persons_language_and_logs_it_once(
    bot: BoldenApp,
    site: str,
    settings: Settings,
    karim: SimulatedPerson,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await karim.send("/start")  # the bot has started and holds no write
    write(
        settings,
        "INSERT INTO newsletters (title, body_html, body_text, audience, status, send_at, "
        "created_at, sent_at) VALUES ('Nyt', 'x', 'x', 'amb', 'sent', 'no date', 'no date', "
        "'no date')",
    )
    with caplog.at_level(logging.ERROR, logger="bot.web.server"):
        danish = await fetch(f"{site}/newsletters")
        english = await fetch(f"{site}/newsletters?lang=en")

    assert danish.status == 500
    assert "<h1>Noget gik galt</h1>" in danish.text
    assert danish.headers["Content-Type"].startswith("text/html")
    assert danish.headers["X-Content-Type-Options"] == "nosniff"
    assert english.status == 500
    assert "<h1>Something went wrong</h1>" in english.text
    failures = [r for r in caplog.records if r.name == "bot.web.server"]
    assert len(failures) == 2, "each failure is logged once"
    assert all(r.exc_info for r in failures)


async def test_an_address_with_a_trailing_slash_leads_to_the_one_without(site: str) -> None:
    for typed, meant in (
        ("/bolde/", "/bolde"),
        ("/events/?lang=en", "/events?lang=en"),
        ("/newsletters//", "/newsletters"),
        ("//evil.example/", "/evil.example"),  # never off the site
    ):
        answer = await fetch(f"{site}{typed}")
        assert (answer.status, answer.headers["Location"]) == (308, meant), typed
    followed = await fetch(f"{site}/bolde")
    assert followed.status == 200
    assert (await fetch(f"{site}/", "HEAD")).status == 200, "the front page is itself"
    assert (await fetch(f"{site}/unsubscribe/x/", "POST")).status == 404, "a form is not moved"


async def test_the_site_has_an_icon(site: str) -> None:
    icon = await fetch(f"{site}/favicon.ico")
    assert icon.status == 200
    assert icon.body[:4] == b"\x00\x00\x01\x00", "an ICO file"
    assert icon.headers["Content-Type"] in {"image/x-icon", "image/vnd.microsoft.icon"}
    assert '<link rel="icon" href="/favicon.ico"' in (await fetch(f"{site}/")).text
