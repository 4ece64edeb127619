"""The e-mail channel against a real SMTP server on loopback: e-mails in a row share one
connection, a refused address does not cost it, and a connection the server hung up on is
opened again without losing the e-mail. Connections are counted at the server."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiosmtpd.controller import Controller

from bot.config import Settings
from bot.delivery.email import Mailer
from tests.conftest import FakeClock, until
from tests.mailbox import Mailbox, free_port, hang_up, serving

PAYLOAD = {"subject": "Forårsnyt", "text": "Hej", "html": "<p>Hej</p>"}


def mailer(port: int) -> Mailer:
    settings = Settings(
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_tls="none",
        smtp_sender="nyhedsbrev@fredericia.example",
    )
    return Mailer(settings, FakeClock())


@pytest.fixture
async def server() -> AsyncIterator[tuple[Mailbox, Controller, Mailer]]:
    box = Mailbox()
    with serving(box) as (port, controller):
        sender = mailer(port)
        yield box, controller, sender
        await sender.close()


async def test_e_mails_in_a_row_share_one_connection_until_it_is_closed(
    server: tuple[Mailbox, Controller, Mailer],
) -> None:
    box, _, mailer = server

    outcomes = [await mailer.send(f"p{i}@example.dk", PAYLOAD) for i in range(3)]
    await mailer.close()

    assert [o.state for o in outcomes] == ["sent"] * 3
    assert [m["To"] for m in box.messages] == ["p0@example.dk", "p1@example.dk", "p2@example.dk"]
    assert len({m["Message-ID"] for m in box.messages}) == 3
    assert box.connections == 1
    await until(lambda: not box.open)


async def test_a_refused_address_does_not_cost_the_connection(
    server: tuple[Mailbox, Controller, Mailer],
) -> None:
    box, _, mailer = server

    refused = await mailer.send("bounce@example.dk", PAYLOAD)
    sent = await mailer.send("anna@example.dk", PAYLOAD)

    assert (refused.state, sent.state) == ("failed", "sent")
    assert [m["To"] for m in box.messages] == ["anna@example.dk"]
    assert box.connections == 1


async def test_a_connection_the_server_hung_up_on_is_opened_again(
    server: tuple[Mailbox, Controller, Mailer],
) -> None:
    box, controller, mailer = server
    assert (await mailer.send("anna@example.dk", PAYLOAD)).state == "sent"
    hang_up(box, controller)
    await until(lambda: not box.open)

    again = await mailer.send("bo@example.dk", PAYLOAD)

    assert again.state == "sent"
    assert [m["To"] for m in box.messages] == ["anna@example.dk", "bo@example.dk"]
    assert box.connections == 2


async def test_no_server_is_a_retry_and_the_next_try_connects() -> None:
    port = free_port()
    sender = mailer(port)
    down = await sender.send("anna@example.dk", PAYLOAD)

    box = Mailbox()
    with serving(box, port):
        up = await sender.send("anna@example.dk", PAYLOAD)
        await sender.close()

    assert down.state == "retry"
    assert up.state == "sent"
    assert box.connections == 1
