"""Values the web server hands out and must later trust: an unsubscribe link, a dashboard
session, the webhook's secret. Each is signed with a key derived from the bot's token and the
value's purpose, so one kind can never stand in for another and nothing new must be configured."""

from __future__ import annotations

import base64
import hashlib
import hmac

from bot.config import Settings


def key(settings: Settings, purpose: str) -> bytes:
    assert settings.token is not None, "the sandbox supplies a token when none is configured"
    token = settings.token.get_secret_value().encode()
    return hmac.new(token, f"bolden:{purpose}".encode(), hashlib.sha256).digest()


def sign(settings: Settings, purpose: str, value: str) -> str:
    """`value.signature`, safe in a URL; `value` must not contain a dot."""
    mac = hmac.new(key(settings, purpose), value.encode(), hashlib.sha256).digest()
    return f"{value}.{base64.urlsafe_b64encode(mac[:18]).decode()}"


def verified(settings: Settings, purpose: str, signed: str) -> str | None:
    """The value a signature made by `sign` for this purpose vouches for, else None."""
    value, _, _ = signed.rpartition(".")
    if not value or not hmac.compare_digest(sign(settings, purpose, value), signed):
        return None
    return value
