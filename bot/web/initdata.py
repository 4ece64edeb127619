"""Who opened the dashboard: the `initData` Telegram hands a Mini App, checked as Telegram
documents it (core.telegram.org/bots/webapps, "Validating data received via the Mini App").

The key is HMAC-SHA256 of the bot's token under the key "WebAppData"; the hash is HMAC-SHA256
of the data-check-string (every field but `hash`, sorted by name, `name=value` lines joined by
a line feed) under that key, in hex. Only Telegram and this bot know the token, so a matching
hash means Telegram vouches for the user in it; it is compared in constant time.

`auth_date` says when Telegram signed it. Data older than MAX_AGE is refused: the dashboard
signs in the moment it opens, so an hour leaves room for a phone's clock and a slow network
while a copy that leaked (a screenshot of the address, a shared device) soon stops working.
Reopening the dashboard from its button gives fresh data.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from urllib.parse import parse_qsl

MAX_AGE = timedelta(hours=1)
# A phone's clock a little ahead of Telegram's is not a forgery.
SKEW = timedelta(minutes=5)


class Refusal(StrEnum):
    MISSING = "missing"  # opened outside Telegram, or without its data
    FORGED = "forged"  # the hash does not match: changed, or not made with our token
    EXPIRED = "expired"  # signed longer ago than MAX_AGE


@dataclass(frozen=True)
class WebAppUser:
    id: int
    language_code: str


def data_check_string(fields: dict[str, str]) -> str:
    return "\n".join(f"{name}={value}" for name, value in sorted(fields.items()) if name != "hash")


def signature(token: str, fields: dict[str, str]) -> str:
    secret = hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()
    return hmac.new(secret, data_check_string(fields).encode(), hashlib.sha256).hexdigest()


def language_of(init_data: str) -> str:
    """The language the person's Telegram is set to, even from data that did not pass: only to
    choose the language of the page that refuses it."""
    return _user(dict(parse_qsl(init_data))).language_code if init_data else ""


def validated(init_data: str, token: str, now: datetime) -> WebAppUser | Refusal:
    """The user Telegram vouches for in `init_data` (the query string, as the Mini App got it)."""
    if not init_data.strip():
        return Refusal.MISSING
    try:
        fields = dict(parse_qsl(init_data, keep_blank_values=True, strict_parsing=True))
    except ValueError:
        return Refusal.FORGED
    given = fields.get("hash", "")
    if not hmac.compare_digest(signature(token, fields).encode(), given.encode()):
        return Refusal.FORGED
    user = _user(fields)
    signed = fields.get("auth_date", "")
    if not (signed.isdigit() and len(signed) < 12) or user.id <= 0:
        return Refusal.FORGED  # signed by Telegram, but not for opening a Mini App by a person
    age = now - datetime.fromtimestamp(int(signed), now.tzinfo)
    if age > MAX_AGE or age < -SKEW:
        return Refusal.EXPIRED
    return user


def _user(fields: dict[str, str]) -> WebAppUser:
    try:
        user = json.loads(fields.get("user", ""))
    except ValueError:
        user = None
    if not isinstance(user, dict):
        return WebAppUser(0, "")
    user_id, language = user.get("id"), user.get("language_code")
    return WebAppUser(
        user_id if isinstance(user_id, int) and not isinstance(user_id, bool) else 0,
        language if isinstance(language, str) else "",
    )
