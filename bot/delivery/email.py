"""Newsletters by e-mail through the SMTP server in BOLDEN_SMTP_*."""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from email.message import EmailMessage
from typing import Any

from bot.config import Settings
from bot.services.delivery import Outcome


class Mailer:
    def __init__(self, settings: Settings) -> None:
        assert settings.smtp_host is not None
        assert settings.smtp_sender is not None
        self._settings = settings
        self.sender = settings.smtp_sender

    async def send(self, address: str, payload: dict[str, Any]) -> Outcome:
        """One e-mail; a refusal by the server (5xx) is final, anything passing is retried."""
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = address
        message["Subject"] = payload["subject"]
        for name, value in payload.get("headers", {}).items():
            message[name] = value
        message.set_content(payload["text"])
        message.add_alternative(payload["html"], subtype="html")
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
            return Outcome(state="retry", error=str(error) or type(error).__name__)
        return Outcome(state="sent")

    def _send(self, message: EmailMessage) -> None:
        s = self._settings
        assert s.smtp_host is not None
        connection: smtplib.SMTP
        if s.smtp_tls == "ssl":
            connection = smtplib.SMTP_SSL(s.smtp_host, s.smtp_port, timeout=30)
        else:
            connection = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=30)
        with connection:
            if s.smtp_tls == "starttls":
                connection.starttls(context=ssl.create_default_context())
            if s.smtp_user and s.smtp_password:
                connection.login(s.smtp_user, s.smtp_password.get_secret_value())
            connection.send_message(message)
