"""A real SMTP server on loopback (aiosmtpd) that keeps what it received and counts the
connections it was given; one address is refused for good."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.connections = 0  # opened by clients, since the server started
        self.open: list[SMTP] = []  # connections open now

    async def handle_RCPT(
        self, server: object, session: object, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address.startswith("bounce@"):
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: object, session: object, envelope: Envelope) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        return "250 Message accepted"


class _Counted(SMTP):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        box: Mailbox = self.event_handler
        box.connections += 1
        box.open.append(self)
        super().connection_made(transport)

    def connection_lost(self, error: Exception | None) -> None:
        box: Mailbox = self.event_handler
        box.open.remove(self)
        super().connection_lost(error)


class _Controller(Controller):
    def factory(self) -> SMTP:
        return _Counted(self.handler, **self.SMTP_kwargs)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving(box: Mailbox, port: int | None = None) -> Iterator[tuple[int, Controller]]:
    """The server on loopback (a free port unless given); its own check that it is up is not
    counted."""
    port = port or free_port()
    controller = _Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    box.connections = 0
    try:
        yield port, controller
    finally:
        controller.stop()


def hang_up(box: Mailbox, controller: Controller) -> None:
    """The server closes every open connection, as one does with a client idle too long."""
    for server in list(box.open):
        transport = server.transport
        assert transport is not None
        controller.loop.call_soon_threadsafe(transport.close)
