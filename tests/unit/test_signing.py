"""Signed values: what one purpose signed is trusted only for that purpose and only unchanged."""

from __future__ import annotations

from bot.config import load_settings
from bot.web.signing import sign, verified
from tests.conftest import TOKEN


def test_a_signed_value_is_trusted_only_unchanged_and_for_its_own_purpose() -> None:
    settings = load_settings(token=TOKEN)
    signed = sign(settings, "unsubscribe", "abc123")
    assert verified(settings, "unsubscribe", signed) == "abc123"
    assert verified(settings, "dashboard", signed) is None
    assert verified(settings, "unsubscribe", signed.replace("abc123", "abc124")) is None
    assert (
        verified(settings, "unsubscribe", signed[:-1] + ("A" if signed[-1] != "A" else "B")) is None
    )
    assert verified(settings, "unsubscribe", "abc123") is None
    assert verified(settings, "unsubscribe", "") is None
    other = load_settings(token="987654321:" + "B" * 35)
    assert verified(other, "unsubscribe", signed) is None
