"""Each channel's links and texts: a person is shown the link of their own channel and reads
the texts written for it, while a Telegram person reads exactly what they read before."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from pydantic import SecretStr

from bot.channels import Channel
from bot.channels.links import add_to_group_link, chat_link, chat_links, links_text
from bot.channels.messenger.channel import MESSENGER, Messenger
from bot.config import Settings
from bot.context import BoldenApp, BoldenContext
from bot.i18n import load_catalogs, placeholders
from bot.services.delivery import Recipient
from bot.services.people import parse_deep_link
from bot.services.poster import Code, PosterText, render_pdf
from bot.web.unsubscribe import unsubscribe_link
from handlers.broadcast import email_payload
from handlers.privacy import summary
from handlers.privacy_notice import privacy_notice
from handlers.progress import services_of, translator_of
from storage import messenger, privacy
from storage.newsletters import Newsletter
from tests.conftest import FakeClock
from tests.web import fetch

CATALOGS = load_catalogs()
PAGE = "boldenfredericia"


def start_messenger(bot: BoldenApp, settings: Settings, clock: FakeClock) -> Messenger:
    """The bot's Messenger channel as start-up leaves it: the page known (its Graph API client
    is not needed to make links)."""
    on = settings.model_copy(update={"messenger_page_token": SecretStr("page-token")})
    channel = Messenger(on, services_of(bot).db, clock)
    channel.page_id, channel.page_username = "1234567890", PAGE
    bot.bot_data[MESSENGER] = channel
    return channel


@pytest.fixture
def with_messenger(bot: BoldenApp, settings: Settings, clock: FakeClock) -> BoldenApp:
    start_messenger(bot, settings, clock)
    return bot


@pytest.fixture
async def messenger_person(bot: BoldenApp, clock: FakeClock) -> int:
    """A person who wrote to the page: their psid kept, their person row made."""
    services = services_of(bot)
    async with services.db.transaction() as connection:
        user_id = await messenger.person_of(connection, "psid-4711", clock())
    await services.people.seen(user_id, "da", name="Mette Hansen")
    return user_id


def telegram(bot: BoldenApp, reference: str) -> str:
    return f"https://t.me/{bot.bot.username}?start={reference}"


async def test_without_messenger_every_link_is_telegrams(bot: BoldenApp) -> None:
    assert chat_link(bot, Channel.TELEGRAM, "ref-AB12") == telegram(bot, "ref-AB12")
    assert chat_link(bot, Channel.MESSENGER, "ref-AB12") == telegram(bot, "ref-AB12")
    assert chat_link(bot, Channel.TELEGRAM) == f"https://t.me/{bot.bot.username}"
    assert chat_links(bot, "ev-7") == {Channel.TELEGRAM: telegram(bot, "ev-7")}
    assert (
        add_to_group_link(bot, "netg-XY") == f"https://t.me/{bot.bot.username}?startgroup=netg-XY"
    )


async def test_with_messenger_each_channel_opens_its_own_chat(with_messenger: BoldenApp) -> None:
    bot = with_messenger
    assert chat_link(bot, Channel.MESSENGER, "ref-AB12") == f"https://m.me/{PAGE}?ref=ref-AB12"
    assert chat_link(bot, Channel.MESSENGER) == f"https://m.me/{PAGE}"
    assert chat_link(bot, Channel.TELEGRAM, "ref-AB12") == telegram(bot, "ref-AB12")
    assert chat_links(bot, "in-Qw3") == {
        Channel.TELEGRAM: telegram(bot, "in-Qw3"),
        Channel.MESSENGER: f"https://m.me/{PAGE}?ref=in-Qw3",
    }


async def test_a_page_without_a_username_is_linked_by_its_id(with_messenger: BoldenApp) -> None:
    channel = with_messenger.bot_data[MESSENGER]
    assert isinstance(channel, Messenger)
    channel.page_username = None
    assert (
        chat_link(with_messenger, Channel.MESSENGER, "ev-3") == "https://m.me/1234567890?ref=ev-3"
    )


async def test_both_links_carry_a_reference_the_bot_reads_back(with_messenger: BoldenApp) -> None:
    for reference in ("ref-AB12_x", "net-Zz9", "ev-42", "in-Qw3-e", "unsub-tok_en"):
        for link in chat_links(with_messenger, reference).values():
            parameter = link.rpartition("=")[2]
            assert parse_deep_link(parameter) == parse_deep_link(reference) is not None


async def test_a_link_to_pass_on_is_telegrams_alone_or_each_named(
    bot: BoldenApp, settings: Settings, clock: FakeClock
) -> None:
    t = services_of(bot).translator("da")
    assert links_text(bot, t, "net-AB") == telegram(bot, "net-AB")
    start_messenger(bot, settings, clock)
    assert links_text(bot, t, "net-AB") == (
        f"Telegram: {telegram(bot, 'net-AB')}\nMessenger: https://m.me/{PAGE}?ref=net-AB"
    )


# -- texts ------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["da", "en"])
def test_every_variant_stands_for_a_text_and_asks_for_nothing_more(language: str) -> None:
    """A journey asks for one key with one set of values, whichever channel reads it."""
    catalog = CATALOGS[language]
    assert set(catalog.variants) == {Channel.MESSENGER.value}
    assert catalog.plural_variants == {}
    for key, text in catalog.variants[Channel.MESSENGER].items():
        assert key in catalog.texts, key
        assert placeholders(text) <= placeholders(catalog.texts[key]), key
        assert text != catalog.texts[key], key


@pytest.mark.parametrize("language", ["da", "en"])
def test_every_channel_has_its_name(language: str) -> None:
    """`channel.<channel>` names a link's chat where both are shown (links_text, the poster)."""
    assert {f"channel.{c}" for c in Channel} <= set(CATALOGS[language].texts)


def test_both_languages_have_the_same_variants() -> None:
    assert set(CATALOGS["da"].variants["messenger"]) == set(CATALOGS["en"].variants["messenger"])


@pytest.mark.parametrize("language", ["da", "en"])
def test_a_telegram_person_reads_exactly_the_plain_texts(language: str) -> None:
    services_catalog = CATALOGS[language]
    on_telegram = services_catalog.on(Channel.TELEGRAM)
    assert on_telegram.texts == services_catalog.texts
    assert on_telegram.plurals == services_catalog.plurals


@pytest.mark.parametrize("language", ["da", "en"])
def test_no_text_a_messenger_person_reads_in_the_chat_says_their_account_is_telegram(
    language: str,
) -> None:
    """What still names Telegram on Messenger names it as the other app (a group, a coordinator
    on Telegram), never as the person's own account, id or name."""
    texts = CATALOGS[language].on(Channel.MESSENGER).texts
    for key in CATALOGS[language].variants["messenger"]:
        for said in ("Telegram-id", "Telegram id", "Telegram-konto", "Telegram account"):
            assert said not in texts[key], key
        for said in ("i Telegram", "in Telegram"):
            if key != "net.welcome.group":
                assert said not in texts[key], key


async def test_the_privacy_notice_on_messenger_says_meta_carries_the_messages(
    bot: BoldenApp,
) -> None:
    services = services_of(bot)
    controller = services.strategy.controller
    for language, meta, kept in [
        ("da", "går gennem Meta (Facebook)", "Dit id på Messenger (et nummer, som Meta giver dig"),
        ("en", "passes through Meta (Facebook)", "Your id on Messenger (a number Meta gives you"),
    ]:
        on_messenger = privacy_notice(services.translator(language, Channel.MESSENGER), controller)
        on_telegram = privacy_notice(services.translator(language), controller)
        assert meta in on_messenger
        assert kept in on_messenger
        assert "Meta" not in on_telegram
        assert "Telegram" not in on_messenger.split("Meta")[0], "their own account is Messenger"


async def test_owed_messages_speak_to_the_recipients_channel(
    bot: BoldenApp, messenger_person: int
) -> None:
    services = services_of(bot)
    await services.people.seen(1001, "da")
    on_messenger = await translator_of(services, messenger_person)
    on_telegram = await translator_of(services, 1001)
    assert on_messenger("dir.letter_reply", username="karim").startswith(
        "Vil du svare? Koordinatoren hedder @karim på Telegram."
    )
    assert on_telegram("dir.letter_reply", username="karim") == (
        "Vil du svare? Skriv til @karim på Telegram."
    )


async def test_mydata_shows_a_messenger_person_the_id_meta_gave_them(
    bot: BoldenApp, messenger_person: int
) -> None:
    services = services_of(bot)
    context = BoldenContext(bot)
    context.person = await services.people.known(messenger_person)
    lines = "\n".join(summary(context, await services.privacy.my_data(messenger_person)))
    assert "Id på Messenger (kun over for kommunens side): psid-4711" in lines
    assert "Navn fra Messenger: Mette Hansen" in lines
    assert str(messenger_person) not in lines
    assert "Telegram" not in lines


async def test_deleteme_erases_the_messenger_person_and_what_they_were_shown(
    bot: BoldenApp, messenger_person: int, clock: FakeClock
) -> None:
    services = services_of(bot)
    async with services.db.transaction() as connection:
        await messenger.remember_message(connection, messenger_person, {"text": "Hej"}, clock())
    exported = (await services.privacy.my_data(messenger_person)).rows
    assert [r["psid"] for r in exported["messenger_people"]] == ["psid-4711"]
    assert len(exported["messenger_messages"]) == 1
    await privacy.erase(services.db, messenger_person, clock())
    assert await messenger.psid_of(services.db, messenger_person) is None
    assert await messenger.shown_in(services.db, messenger_person, 1) is None


def test_a_poster_for_both_channels_is_one_printable_page() -> None:
    text = PosterText(
        heading="Tjek ind her",
        title="Stormøde 2026",
        when="3. juni 2026 17.00–20.00",
        place="Fredericia Bibliotek",
        scan="Scan koden til den app, du bruger.",
        codes=[
            Code(channel="Telegram", link="https://t.me/BoldenBot?start=in-Qw3"),
            Code(channel="Messenger", link=f"https://m.me/{PAGE}?ref=in-Qw3"),
        ],
    )
    pdf = render_pdf(text)
    assert pdf.startswith(b"%PDF-")
    assert b"/MediaBox [ 0 0 595.44 842.04 ]" in pdf, "A4, in points"


# -- what everyone sees: the web pages ---------------------------------------------------------


async def public_event(bot: BoldenApp, clock: FakeClock) -> int:
    """An event for everyone, published, ten days ahead (written as the event service would)."""
    starts = clock() + timedelta(days=10)
    async with services_of(bot).db.transaction() as connection:
        row = await connection.fetch_one(
            "INSERT INTO events (kind, title, description, starts_at, ends_at, place, "
            "audience, status, publish_at, reminders, created_at, checkin_code) VALUES "
            "('workshop', 'Fællesspisning', 'Vi mødes.', ?, ?, 'Rådhuset', 'all', "
            "'published', ?, '[]', ?, 'Qw3') RETURNING id",
            (starts.isoformat(), (starts + timedelta(hours=2)).isoformat(),
             clock().isoformat(), clock().isoformat()),
        )  # fmt: skip
    assert row is not None
    return int(row[0])


async def test_the_pages_open_the_chat_on_telegram_alone_while_messenger_is_off(
    bot: BoldenApp, site: str, clock: FakeClock
) -> None:
    event = await public_event(bot, clock)
    home, events = (await fetch(f"{site}/")).text, (await fetch(f"{site}/events")).text
    assert f'href="{telegram(bot, f"ev-{event}")}"' in events
    assert "m.me" not in home + events
    assert "Ingen Telegram? Kontakt" in home


async def test_with_messenger_the_pages_open_the_chat_on_both(
    with_messenger: BoldenApp, site: str, clock: FakeClock
) -> None:
    event = await public_event(with_messenger, clock)
    home = (await fetch(f"{site}/")).text
    assert f'href="https://m.me/{PAGE}">Åbn chatten i Messenger</a>' in home
    assert f'href="https://m.me/{PAGE}">Skriv til Bolden på Messenger</a>' in home, "the footer"
    assert f'href="https://t.me/{with_messenger.bot.username}">' in home
    assert "Hverken Telegram eller Messenger? Kontakt" in home
    events = (await fetch(f"{site}/events?lang=en")).text
    assert f'href="https://m.me/{PAGE}?ref=ev-{event}"' in events
    assert "Answer in Messenger" in events
    assert f'href="{telegram(with_messenger, f"ev-{event}")}"' in events
    assert "Tap the button for your app, Telegram or Messenger" in events
    news = (await fetch(f"{site}/newsletters")).text
    assert f'<a href="https://m.me/{PAGE}">Messenger</a>' in news
    statement = (await fetch(f"{site}/accessibility")).text
    assert "Metas apps er ikke omfattet" in statement


# -- the newsletter by e-mail of an ambassador on Messenger ------------------------------------


async def messenger_ambassador(bot: BoldenApp, clock: FakeClock, user_id: int) -> str:
    """An ambassador on Messenger who gets the newsletter by e-mail; their e-mail token."""
    now = clock().isoformat()
    async with services_of(bot).db.transaction() as connection:
        await connection.execute(
            "INSERT INTO ambassadors (user_id, number, kind, display_name, email, "
            "newsletter_by_email, consent_at, consent_version, joined_at, referral_code, "
            "confirm_due_at, email_token) VALUES (?, 1, 'citizen', 'Mette Hansen', "
            "'mette@example.org', 1, ?, '1', ?, 'mEtTe1', ?, 'token-of-mette')",
            (user_id, now, now, now),
        )
    return "token-of-mette"


async def test_the_newsletter_by_email_unsubscribes_in_the_readers_own_chat(
    with_messenger: BoldenApp, settings: Settings, clock: FakeClock, messenger_person: int
) -> None:
    token = await messenger_ambassador(with_messenger, clock, messenger_person)
    services = services_of(with_messenger)
    mailing = replace(
        services, settings=settings.model_copy(update={"smtp_sender": "bolden@fredericia.dk"})
    )
    newsletter = Newsletter(
        id=1, title="Nyt fra strategien", body_html="<p>Hej</p>", body_text="Hej",
        photo_file_id=None, audience="amb", status="scheduled", send_at=clock(),
        created_by=None, created_at=clock(), sent_at=None, batch_id=None,
    )  # fmt: skip
    reader = Recipient(
        user_id=messenger_person, language="da", email="mette@example.org", email_token=token
    )
    t = services.translator("da", Channel.MESSENGER)
    mail = email_payload(mailing, t, newsletter, reader, with_messenger, "https://bolden.example")
    assert f"<https://m.me/{PAGE}?ref=unsub-{token}>" in mail["headers"]["List-Unsubscribe"]
    assert "(eller skriv /me til botten i Messenger)" in mail["text"]


async def test_the_unsubscribe_page_speaks_of_the_readers_own_chat(
    with_messenger: BoldenApp,
    site: str,
    settings: Settings,
    clock: FakeClock,
    messenger_person: int,
) -> None:
    token = await messenger_ambassador(with_messenger, clock, messenger_person)
    page = (await fetch(unsubscribe_link(site, settings, token))).text
    assert "Chatten med Bolden på Messenger ændrer sig ikke." in page
    assert "Telegram" not in page.split("<main")[1].split("</main>")[0]
