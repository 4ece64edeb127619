"""The coordinators' dashboard, a Telegram Mini App: who may open it (Telegram's signed
initData, then the coordinator role), what it shows, its downloads, and its button and chart
in the chat."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import re
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit

import pytest
from PIL import Image
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, WebAppInfo
from telegram.error import BadRequest

from bot.app import BoldenApp
from bot.config import Settings
from bot.sandbox.emulator import BotApiEmulator, ChatMessage, SimulatedPerson
from bot.web.initdata import Refusal, WebAppUser, validated
from storage.database import iso
from tests.conftest import TOKEN, FakeClock, make_coordinator, sign_up
from tests.e2e.test_bolde import send_bold
from tests.e2e.test_web import table, with_targets
from tests.web import Answer, fetch

PUBLIC = "https://bolden.example.dk"


def init_data(user: dict[str, object], signed: datetime, token: str = TOKEN) -> str:
    """What Telegram hands a Mini App (opened from a button in the chat with the bot), made
    here by the algorithm Telegram documents, not by the code under test
    (core.telegram.org/bots/webapps#validating-data-received-via-the-mini-app): the key is
    HMAC-SHA256 of the token under "WebAppData"; the hash is the hex HMAC-SHA256 under that
    key of every other field as sorted `name=value` lines."""
    fields = {
        "user": json.dumps(user, separators=(",", ":")),
        "chat_instance": "-5471737045128434439",
        "chat_type": "sender",
        "auth_date": str(int(signed.timestamp())),
        # Telegram's Ed25519 signature for third parties: part of what the hash covers.
        "signature": "Wn1Xo5OboCJ7X-KwCMsfhAp6okKjKMuoKKyYoYKskC9_F7h-5wIYoIlgA86kjFIZ3FKofmWXT0a",
    }
    check = "\n".join(f"{name}={value}" for name, value in sorted(fields.items()))
    key = hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()
    fields["hash"] = hmac.new(key, check.encode(), hashlib.sha256).hexdigest()
    return urlencode(fields)


def person(someone: SimulatedPerson) -> dict[str, object]:
    return {"id": someone.id, "first_name": someone.user["first_name"], **_language(someone)}


def _language(someone: SimulatedPerson) -> dict[str, object]:
    code = someone.user.get("language_code")
    return {"language_code": code} if code else {}


@pytest.fixture
def public_url() -> str:
    return PUBLIC


@pytest.fixture
def settings(settings: Settings, public_url: str) -> Settings:
    """The bot as it runs behind https, where Telegram opens Mini Apps."""
    return settings.model_copy(update={"public_url": public_url})


async def sign_in(site: str, data: str) -> Answer:
    return await fetch(f"{site}/dashboard/session", "POST", data={"init_data": data})


async def signed_in(site: str, someone: SimulatedPerson, clock: FakeClock) -> str:
    """The dashboard's address with the session the sign-in handed out."""
    answer = await sign_in(site, init_data(person(someone), clock.now))
    assert answer.status == 303
    assert answer.headers["Location"].startswith("/dashboard/view?")
    return site + answer.headers["Location"]


def test_the_signature_is_checked_as_telegram_documents_it() -> None:
    now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    anna = {"id": 1001, "first_name": "Anna", "language_code": "da"}
    valid = init_data(anna, now - timedelta(minutes=59))
    assert validated(valid, TOKEN, now) == WebAppUser(1001, "da")

    fields = dict(parse_qsl(valid))
    forged_hash = urlencode({**fields, "hash": "0" * 64})
    someone_else = urlencode({**fields, "user": fields["user"].replace("1001", "4242")})
    other_bot = init_data(anna, now, token="987654321:AAE-another-bot")
    assert validated(forged_hash, TOKEN, now) is Refusal.FORGED
    assert validated(someone_else, TOKEN, now) is Refusal.FORGED
    assert validated(other_bot, TOKEN, now) is Refusal.FORGED
    assert validated(init_data(anna, now - timedelta(minutes=61)), TOKEN, now) is Refusal.EXPIRED
    assert validated(init_data(anna, now + timedelta(hours=1)), TOKEN, now) is Refusal.EXPIRED
    assert validated("", TOKEN, now) is Refusal.MISSING
    assert validated("hash=&&&", TOKEN, now) is Refusal.FORGED


async def test_a_coordinator_opens_the_dashboard_from_telegram(
    site: str, karim: SimulatedPerson, anna: SimulatedPerson, clock: FakeClock
) -> None:
    await sign_up(anna)
    opening = await fetch(f"{site}/dashboard")
    assert '<script src="/static/dashboard.js" defer></script>' in opening.text
    assert 'action="/dashboard/session"' in opening.text

    page = await fetch(await signed_in(site, karim, clock))

    assert page.status == 200
    assert "<h1>Dashboard for koordinatorer</h1>" in page.text
    assert page.text.count("<svg") == 4, "the three targets, and ambassadors over time"
    # As /stats and the front page say it: the shipped strategy's goals ended in 2020.
    assert "Der er ikke sat mål for 2026 endnu." in page.text
    assert '<h3 id="figure-growth">Ambassadører måned for måned</h3>' in page.text
    assert "Der er ikke noget mål at måle mod i år." in page.text, "so no on-track line"
    assert '<th scope="row">november 2026</th><td>1</td>' in page.text
    # The strategy's goals were for 2019 and 2020, before anyone joined in 2026.
    assert '<th scope="row">2019</th>' not in page.text
    assert "Der er ingen bolde endnu." in page.text
    assert "Der er ingen arrangementer på vej." in page.text
    assert "Der er ikke holdt nogen arrangementer endnu, så der er intet fremmøde" in page.text
    assert "1 ambassadør fundet" in page.text
    assert '<th scope="row">Anna</th>' in page.text


async def test_the_dashboard_measures_the_three_targets_as_the_front_page_does(
    settings: Settings,
    clock: FakeClock,
    karim: SimulatedPerson,
    anna: SimulatedPerson,
    john: SimulatedPerson,
) -> None:
    async with with_targets(settings, clock, anna, john) as site:
        await send_bold(anna, "Flere bænke ved stien langs fjorden.")
        front = (await fetch(f"{site}/")).text
        page = (await fetch(await signed_in(site, karim, clock))).text

    assert "Målene for 2026–2027 gælder nu." in page
    for sentence in (
        "2 af 4 ambassadører i 2026 (50\xa0%). Status: bagud.",
        "100\xa0% af ambassadørerne er borgere. Målet er 50\xa0%. Status: nået.",
        "0 af 4 aktiviteter i 2026–2027 (0\xa0%). Status: bagud.",
    ):
        assert sentence in front
        assert sentence in page
    for ident in ("ambassadors", "citizens", "activities", "by_kind"):
        assert f'aria-labelledby="figure-{ident}"' in page
    assert table(page, "Bolde efter slags") == [["Idé", "1"]]
    # Every status, empty ones too, in the order of the lifecycle as on the public board.
    assert table(page, "Bolde efter status") == [
        ["Modtaget", "1"],
        ["Sendt til netværket", "0"],
        ["I gang", "0"],
        ["Besvaret", "0"],
        ["Afvist med svar", "0"],
    ]
    assert "og hvor mange der skulle være for at nå målet." in page
    # The on-track line's axis tops at a round whole number, not at a figure like 76,603.
    growth = page.split('id="figure-growth"')[1].split("</svg>")[0]
    assert re.findall(r'class="value">(\d+)</text>', growth)[:2] == ["4", "0"]
    assert not re.search(r'class="value">\d+,\d', growth)


async def test_forged_expired_missing_or_not_a_coordinators_data_opens_nothing(
    site: str, karim: SimulatedPerson, john: SimulatedPerson, clock: FakeClock
) -> None:
    fields = dict(parse_qsl(init_data(person(john), clock.now)))
    as_karim = urlencode({**fields, "user": fields["user"].replace(str(john.id), str(karim.id))})
    cases = {
        "forged": as_karim,
        "expired": init_data(person(john), clock.now - timedelta(hours=2)),
        "missing": "",
        "not_coordinator": init_data(person(john), clock.now),
    }
    for reason, data in cases.items():
        answer = await sign_in(site, data)
        assert answer.status == 303
        where = urlsplit(answer.headers["Location"])
        assert where.path == "/dashboard/refused"
        assert parse_qs(where.query)["why"] == [reason]
        assert "s" not in parse_qs(where.query)

    answer = await sign_in(site, cases["not_coordinator"])
    refused = await fetch(site + answer.headers["Location"])
    assert refused.status == 403
    assert '<html lang="en">' in refused.text, "in the language of John's Telegram"
    assert "The dashboard is for coordinators only." in refused.text
    assert "<svg" not in refused.text
    expired = await fetch(f"{site}/dashboard/refused?why=expired")
    assert "Adgangen er udløbet: den gælder en time." in expired.text


async def test_a_session_expires_after_an_hour_and_cannot_be_forged(
    site: str, karim: SimulatedPerson, clock: FakeClock
) -> None:
    address = await signed_in(site, karim, clock)
    session = parse_qs(urlsplit(address).query)["s"][0]
    value, signature = session.rsplit(".", 1)
    other = f"1001-{value.split('-')[1]}.{signature}"

    forged = await fetch(f"{site}/dashboard/view?s={other}")
    assert forged.status == 403
    assert "Din adgang er udløbet eller gælder ikke længere." in forged.text
    download = await fetch(f"{site}/dashboard/export/ambassadors?s={other}")
    assert download.status == 403
    assert (await fetch(address)).status == 200

    clock.advance(minutes=61)
    late = await fetch(address)
    assert late.status == 403
    assert "<svg" not in late.text


async def test_a_coordinator_removed_in_the_chat_is_out_of_the_dashboard_at_once(
    site: str, karim: SimulatedPerson, john: SimulatedPerson, clock: FakeClock
) -> None:
    await john.send("/start")
    await make_coordinator(karim, john)
    address = await signed_in(site, john, clock)
    assert '<html lang="en">' in (await fetch(address)).text

    await karim.send(f"/coordinator remove {john.id}")

    refused = await fetch(address)
    assert refused.status == 403
    assert "Your access has run out or no longer holds." in refused.text


async def test_names_are_escaped_on_the_dashboard(
    site: str, karim: SimulatedPerson, emulator: BotApiEmulator, clock: FakeClock
) -> None:
    await sign_up(emulator.person(1010, "<script>x</script>", "da"))

    page = await fetch(await signed_in(site, karim, clock) + "&q=script")

    assert "&lt;script&gt;x&lt;/script&gt;" in page.text
    assert "<script>x" not in page.text
    assert 'value="script"' in page.text


async def test_the_list_is_searched_as_in_the_chat_by_words_kind_and_theme(
    site: str, karim: SimulatedPerson, emulator: BotApiEmulator, clock: FakeClock
) -> None:
    await sign_up(emulator.person(1011, "Bent", "da"), "Frivillig")
    await sign_up(emulator.person(1012, "Berit", "da"))
    address = await signed_in(site, karim, clock)

    volunteers = await fetch(address + "&q=be&kind=volunteer")
    everyone = await fetch(address + "&q=be&kind=nonsense")

    assert '<th scope="row">Bent</th>' in volunteers.text
    assert '<th scope="row">Berit</th>' not in volunteers.text
    assert '<option value="volunteer" selected>Frivillig</option>' in volunteers.text
    assert "2 ambassadører fundet" in everyone.text, "an unknown kind filters nothing"


async def test_downloads_are_the_chats_exports_and_are_written_in_the_log(
    site: str,
    karim: SimulatedPerson,
    anna: SimulatedPerson,
    clock: FakeClock,
    query: Callable[..., list[sqlite3.Row]],
) -> None:
    await sign_up(anna)
    session = parse_qs(urlsplit(await signed_in(site, karim, clock)).query)["s"][0]

    answer = await fetch(f"{site}/dashboard/export/ambassadors?s={session}")

    assert answer.status == 200
    assert answer.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert answer.headers["Content-Disposition"].startswith(
        'attachment; filename="ambassadoerer.csv"'
    )
    assert answer.body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(answer.body.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Nummer", "Navn", "Type"]
    assert rows[1][:3] == ["1", "Anna", "Borger"]
    logged = query("SELECT actor, action FROM audit_log ORDER BY id")
    assert [tuple(row) for row in logged][-1] == (karim.id, "export.ambassadors")

    nothing = await fetch(f"{site}/dashboard/export/bolde?s={session}")
    assert nothing.status == 200
    assert "text/html" in nothing.headers["Content-Type"]
    assert (await fetch(f"{site}/dashboard/export/secrets?s={session}")).status == 404


async def test_coordinators_find_the_dashboard_in_their_menu_and_under_stats(
    bot: BoldenApp, karim: SimulatedPerson, anna: SimulatedPerson
) -> None:
    menu = await karim.send("/start")
    assert menu.button("Dashboard")["web_app"] == {"url": f"{PUBLIC}/dashboard"}
    assert all("web_app" not in button for button in (await anna.send("/start")).buttons)

    stats = await karim.send("/stats")

    assert stats.payload["photo"], "the chart comes as a photo"
    assert stats.text.startswith("Tal mod strategiens mål"), "with the figures as its caption"
    assert stats.button("Dashboard")["web_app"] == {"url": f"{PUBLIC}/dashboard"}
    assert stats.file is not None
    assert stats.file.data.startswith(b"\x89PNG\r\n\x1a\n")
    assert 10_000 < len(stats.file.data) < 300_000
    with Image.open(io.BytesIO(stats.file.data)) as chart:
        assert chart.size == (1080, 760)
    refused = await anna.send("/stats")
    assert "photo" not in refused.payload
    assert refused.buttons == []


@pytest.mark.parametrize("public_url", ["http://bolden.example.dk"])
async def test_without_an_https_address_there_is_no_button(
    public_url: str, bot: BoldenApp, karim: SimulatedPerson
) -> None:
    menu = await karim.send("/start")
    assert all("web_app" not in button for button in menu.buttons)
    stats = await karim.send("/stats")
    assert stats.payload["photo"], "the chart still comes"
    assert stats.buttons == []


async def test_telegram_refuses_a_mini_app_button_to_http_or_in_a_group(
    emulator: BotApiEmulator, karim: SimulatedPerson
) -> None:
    """The emulator, as Telegram, so that the tests above would notice such a button."""
    group = emulator.group(-1001, "Netværket")
    cases = {
        karim.id: ("http://bolden.example.dk/dashboard", "only https links are allowed"),
        group.chat["id"]: (f"{PUBLIC}/dashboard", "button_type_invalid"),
    }
    async with Bot(TOKEN, base_url=f"{emulator.url}/bot") as bot:
        for chat_id, (url, problem) in cases.items():
            button = InlineKeyboardButton("📊", web_app=WebAppInfo(url))
            with pytest.raises(BadRequest, match=f"(?i){problem}"):
                await bot.send_message(chat_id, "x", reply_markup=InlineKeyboardMarkup([[button]]))


def stored_event(settings: Settings, title: str, starts: datetime, capacity: int | None) -> int:
    """A published event, written by another process; its id."""
    connection = sqlite3.connect(settings.database)
    try:
        with connection:
            cursor = connection.execute(
                "INSERT INTO events (kind, title, description, starts_at, ends_at, place, "
                "audience, status, publish_at, reminders, created_at, checkin_code, capacity) "
                "VALUES ('workshop', ?, 'Vi mødes.', ?, ?, 'Rådhuset', 'amb', 'published', "
                "'2026-11-01T00:00:00+00:00', '[]', '2026-11-01T00:00:00+00:00', ?, ?)",
                (title, iso(starts), iso(starts + timedelta(hours=2)), title, capacity),
            )
            assert cursor.lastrowid is not None
            return cursor.lastrowid
    finally:
        connection.close()


def said(settings: Settings, event_id: int, user_id: int, answer: str) -> None:
    connection = sqlite3.connect(settings.database)
    try:
        with connection:
            connection.execute(
                "INSERT INTO rsvps (event_id, user_id, name, answer, answered_at, turn) "
                "VALUES (?, ?, 'N', ?, '2026-11-25T00:00:00+00:00', ?)",
                (event_id, user_id, answer, user_id),
            )
    finally:
        connection.close()


async def test_on_top_the_dashboard_shows_what_waits_and_where_to_act_in_the_chat(
    site: str, settings: Settings, clock: FakeClock, karim: SimulatedPerson, anna: SimulatedPerson
) -> None:
    await karim.send("/start")
    await sign_up(anna)
    empty = (await fetch(await signed_in(site, karim, clock))).text
    assert "<strong>0 åbne bolde</strong>" in empty
    assert "<strong>0 arrangementer på vej</strong>" in empty

    await send_bold(anna, "Flere bænke ved stien langs fjorden.")
    clock.advance(days=settings.bold_stale_days, minutes=1)
    for text in ("Lys på cykelstien ved skolen, tak.", "Et bibliotek med åbent om søndagen."):
        await send_bold(anna, text)
    await karim.emulator.wait_for(lambda: len(cards(karim)) == 3, what="the three cards")
    taken = await karim.press(cards(karim)[-1], "Tag den")
    assert "Status: I gang" in taken.text
    soup = stored_event(settings, "Suppe og snak", clock.now + timedelta(days=3), 20)
    stored_event(settings, "Gåtur i parken", clock.now + timedelta(days=9), None)
    said(settings, soup, anna.id, "yes")

    page = (await fetch(await signed_in(site, karim, clock))).text

    waiting = page.split('<h2 id="waiting">')[1].split("</section>")[0]
    for line in (
        "<strong>3 åbne bolde</strong>",
        "2 af dem har ingen taget endnu",
        f"1 af dem har stået stille i {settings.bold_stale_days} dage eller mere",
        "<code>/inbox</code>",
        "<strong>2 arrangementer på vej</strong>",
        "1 person har sagt ja til dem i alt.",
        "<code>/events</code>",
    ):
        assert line in waiting
    assert page.index('<h2 id="waiting">') < page.index('<h2 id="targets">'), "first thing seen"
    # Under Arrangementer, what is coming too, not only what was held.
    assert table(page, "Arrangementer på vej") == [
        ["Suppe og snak", "02.12.2026 13.01", "1", "0", "20"],
        ["Gåtur i parken", "08.12.2026 13.01", "0", "0", "Ingen grænse"],
    ]
    assert "Der er ingen arrangementer på vej." not in page


def cards(karim: SimulatedPerson) -> list[ChatMessage]:
    return [m for m in karim.messages if "Tag den" in str(m.buttons)]
