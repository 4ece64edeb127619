"""The web server in the bot's process: it starts and stops with the bot, answers in Danish
first and in English on request, and says kindly when a page does not exist."""

from __future__ import annotations

from tests.web import fetch


async def test_the_front_page_is_danish_first_and_english_on_request(site: str) -> None:
    danish = await fetch(f"{site}/")
    assert danish.status == 200
    assert '<html lang="da">' in danish.text
    assert "Strategiens temaer" in danish.text
    assert 'href="/?lang=en"' in danish.text
    assert danish.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert danish.headers["X-Content-Type-Options"] == "nosniff"

    english = await fetch(f"{site}/?lang=en")
    assert '<html lang="en">' in english.text
    assert "The strategy's themes" in english.text
    assert 'href="/bolde?lang=en"' in english.text  # links keep the language
    assert 'href="/"' in english.text  # and the switch leads back to Danish


async def test_a_page_that_does_not_exist_says_so_in_the_persons_language(site: str) -> None:
    missing = await fetch(f"{site}/nothing-here?lang=en")
    assert missing.status == 404
    assert "This page does not exist" in missing.text
    assert missing.headers["X-Content-Type-Options"] == "nosniff"
