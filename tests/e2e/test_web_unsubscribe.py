"""One-click unsubscribe from the newsletter by e-mail (RFC 8058) against a real SMTP server on
loopback: the e-mail carries both headers, a mail provider's POST turns the e-mail off and the
next newsletter is not mailed, opening the link changes nothing, a forged link is refused
kindly, and a second press says it is done already, in the ambassador's language."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from bot.app import build_application, running, web_of
from bot.config import Settings
from bot.sandbox.emulator import BotApiEmulator, SimulatedPerson
from bot.web.signing import sign
from tests.conftest import COORDINATOR_ID, FakeClock, mailing, sign_up
from tests.e2e.test_broadcast import write_newsletter
from tests.mailbox import Mailbox
from tests.web import fetch

PUBLIC = "https://bolden.fredericia.example"
ONE_CLICK = {"List-Unsubscribe": "One-Click"}


async def send_newsletter(emulator: BotApiEmulator, karim: SimulatedPerson, title: str) -> None:
    """Karim sends one to ambassadors now; returns when the outbox has sent it all."""
    done = sum(1 for m in karim.messages if m.text.startswith("🏁 Færdig"))
    confirm = await write_newsletter(karim, title, "Nyt fra os.", "Alle aktive ambassadører")
    await karim.press(confirm, "Send nu")
    await emulator.wait_for(
        lambda: sum(1 for m in karim.messages if m.text.startswith("🏁 Færdig")) > done,
        what="the summary",
    )


async def test_one_click_in_the_mail_stops_the_e_mails_and_nothing_else_does(
    emulator: BotApiEmulator,
    settings: Settings,
    clock: FakeClock,
    mailbox: tuple[Mailbox, int],
    query: Callable[..., list],
) -> None:
    box, port = mailbox
    settings = mailing(settings, port, public_url=PUBLIC)
    karim = emulator.person(COORDINATOR_ID, "Karim", "da")
    anna, john = emulator.person(1001, "Anna", "da"), emulator.person(1002, "John", "en")
    async with running(build_application(settings, clock=clock)) as application:
        site = web_of(application).url
        await karim.send("/start")
        await sign_up(anna, email="anna@example.dk")
        await sign_up(john, "Citizen", email="john@example.com")
        await send_newsletter(emulator, karim, "Forårsnyt")

        mails = {m["To"]: m for m in box.messages}
        assert set(mails) == {"anna@example.dk", "john@example.com"}
        mail = mails["anna@example.dk"]
        [token] = [r[0] for r in query("SELECT email_token FROM ambassadors WHERE user_id = 1001")]
        page = f"{PUBLIC}/unsubscribe/{sign(settings, 'unsubscribe', token)}"
        chat = f"https://t.me/bolden_sandbox_bot?start=unsub-{token}"
        # A long header comes folded.
        assert " ".join(str(mail["List-Unsubscribe"]).split()) == f"<{page}>, <{chat}>"
        assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        plain, html = mail.get_body(("plain",)), mail.get_body(("html",))
        assert plain is not None
        assert html is not None
        assert page in plain.get_content()
        assert page in html.get_content()
        link = site + urlsplit(page).path  # the public address leads to this server

        def by_email(user_id: int) -> int:
            sql = "SELECT newsletter_by_email FROM ambassadors WHERE user_id = ?"
            return int(query(sql, user_id)[0][0])

        opened = await fetch(link)  # as a mail scanner follows every link
        assert opened.status == 200
        assert "<h1>Stop nyhedsbrevet på e-mail</h1>" in opened.text
        assert '<form method="post"' in opened.text
        assert f'action="{urlsplit(page).path}?lang=da"' in opened.text
        assert by_email(1001) == 1, "opening the link changes nothing"
        switched = await fetch(f"{link}?lang=en")
        assert "<h1>Stop the newsletter by e-mail</h1>" in switched.text, "the switch works"
        assert f'action="{urlsplit(page).path}?lang=en"' in switched.text

        done = await fetch(link, "POST", data=ONE_CLICK)  # the mail provider's own button
        assert done.status == 200
        assert "<h1>Du er afmeldt</h1>" in done.text
        assert "Vi sender ikke flere nyhedsbreve til din e-mail." in done.text
        assert "Chatten med Bolden på Telegram fortsætter som før" in done.text
        assert "Skriv /me til" in done.text, "how to get it by e-mail again"
        assert by_email(1001) == 0

        again = await fetch(link, "POST", data=ONE_CLICK)
        assert "<h1>Du er allerede afmeldt</h1>" in again.text
        reopened = await fetch(link)
        assert "<h1>Du er allerede afmeldt</h1>" in reopened.text
        assert "<form" not in reopened.text

        [johns] = [r[0] for r in query("SELECT email_token FROM ambassadors WHERE user_id = 1002")]
        signed = sign(settings, "unsubscribe", johns)
        english = await fetch(f"{site}/unsubscribe/{signed}")
        assert '<html lang="en">' in english.text, "in John's chat language"
        assert "<h1>Stop the newsletter by e-mail</h1>" in english.text
        assert f'href="/unsubscribe/{signed}?lang=da"' in english.text
        danish = await fetch(f"{site}/unsubscribe/{signed}?lang=da")
        assert "<h1>Stop nyhedsbrevet på e-mail</h1>" in danish.text
        forged = [
            signed[:-2] + ("AA" if not signed.endswith("AA") else "BB"),  # altered signature
            f"{johns}.{signed.rpartition('.')[2]}x",
            sign(settings, "dashboard", johns),  # signed, but for something else
            sign(settings, "unsubscribe", "0" * 24),  # signed, but no one's
            johns,
        ]
        for wrong in forged:
            for method in ("GET", "POST"):
                refused = await fetch(f"{site}/unsubscribe/{wrong}", method, data=ONE_CLICK)
                assert refused.status == 404
                assert "<h1>Linket virker ikke</h1>" in refused.text
                assert "Vi har ikke ændret noget." in refused.text
                assert "Linket er ikke helt rigtigt" in refused.text
        refused = await fetch(f"{site}/unsubscribe/{forged[0]}?lang=en", "POST", data=ONE_CLICK)
        assert "<h1>This link does not work</h1>" in refused.text
        assert by_email(1002) == 1, "a forged link changed nothing"

        box.messages.clear()
        await send_newsletter(emulator, karim, "Sommernyt")
        assert [m["To"] for m in box.messages] == ["john@example.com"], "Anna's e-mail is off"
        assert [m for m in anna.messages if m.text.startswith("📰 Sommernyt")], "the chat is not"

        johns_done = await fetch(f"{site}/unsubscribe/{signed}", "POST", data=ONE_CLICK)
        assert "<h1>You have unsubscribed</h1>" in johns_done.text
        assert "Get the newsletter by e-mail" in johns_done.text
