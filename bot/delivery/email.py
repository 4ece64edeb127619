"""Newsletters by e-mail through the SMTP server in BOLDEN_SMTP_*.

One connection carries the e-mails that follow each other in the outbox: the sender closes it
when the next item is not an e-mail (or there is none), and a connection the server dropped
while it was idle is opened again. Only one e-mail is in flight at a time, so the connection
is never used by two threads at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

from bot.clock import Clock
from bot.config import Settings
from bot.services.delivery import Outcome


def unsubscribe_headers(web_link: str, chat_link: str) -> dict[str, str]:
    """List-Unsubscribe (RFC 2369): the web page's link first, then the chat's.

    With an https web link also List-Unsubscribe-Post (RFC 8058): a mail provider's own
    button then unsubscribes with one POST to it (bot/web/unsubscribe.py). RFC 8058 asks for
    https, so a local http address (`bolden try`) gets the links without the one click. No
    mailto: the bot reads no mailbox, so such a request would wait for a person while the
    reader believes it is done.
    """
    headers = {"List-Unsubscribe": f"<{web_link}>, <{chat_link}>"}
    if web_link.startswith("https://"):
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return headers


def message_id(sender: str) -> str:
    """Made when the e-mail is queued, so a retry carries the same id and a mailbox that got
    both copies can tell they are one."""
    return make_msgid(domain=sender.rpartition("@")[2])


class Mailer:
    def __init__(self, settings: Settings, clock: Clock) -> None:
        assert settings.smtp_host is not None
        assert settings.smtp_sender is not None
        self._settings = settings
        self._clock = clock
        self.sender = settings.smtp_sender
        self._connection: smtplib.SMTP | None = None

    async def send(self, address: str, payload: dict[str, Any]) -> Outcome:
        """One e-mail; a refusal by the server (5xx) is final, anything passing is retried."""
        message = self._message(address, payload)
        try:
            await asyncio.to_thread(self._send, message)
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _ in error.recipients.values()]
            state = "failed" if all(code >= 500 for code in codes) else "retry"
            return Outcome(state=state, error=f"recipient refused: {codes}")
        except smtplib.SMTPResponseException as error:
            state = "failed" if error.smtp_code >= 500 else "retry"
            return Outcome(state=state, error=f"{error.smtp_code} {error.smtp_error!r}")
        except (OSError, smtplib.SMTPException) as error:
            # The connection is in an unknown state: the next e-mail opens a new one.
            await asyncio.to_thread(self._drop)
            return Outcome(state="retry", error=str(error) or type(error).__name__)
        return Outcome(state="sent")

    async def close(self) -> None:
        """Say goodbye to the server, if a connection is open."""
        if self._connection is not None:
            await asyncio.to_thread(self._drop, polite=True)

    def _message(self, address: str, payload: dict[str, Any]) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = address
        message["Subject"] = payload["subject"]
        message["Date"] = format_datetime(self._clock())
        for name, value in payload.get("headers", {}).items():
            message[name] = value
        if "Message-ID" not in message:  # queued before ids were made with the e-mail
            message["Message-ID"] = message_id(self.sender)
        message.set_content(payload["text"])
        message.add_alternative(payload["html"], subtype="html")
        return message

    def _send(self, message: EmailMessage) -> None:
        if self._connection is not None:
            try:
                self._connection.send_message(message)
                return
            except smtplib.SMTPServerDisconnected:
                # Most likely closed by the server while idle, so nothing went out: the e-mail
                # goes on a new connection. Were it dropped mid-message, the copy has the same
                # Message-ID.
                self._drop()
        self._connection = self._connect()
        self._connection.send_message(message)

    def _connect(self) -> smtplib.SMTP:
        s = self._settings
        assert s.smtp_host is not None
        connection: smtplib.SMTP
        if s.smtp_tls == "ssl":
            connection = smtplib.SMTP_SSL(s.smtp_host, s.smtp_port, timeout=30)
        else:
            connection = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=30)
        try:
            if s.smtp_tls == "starttls":
                connection.starttls(context=ssl.create_default_context())
            if s.smtp_user and s.smtp_password:
                connection.login(s.smtp_user, s.smtp_password.get_secret_value())
        except BaseException:
            connection.close()
            raise
        return connection

    def _drop(self, polite: bool = False) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        if polite:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                connection.quit()
        connection.close()
