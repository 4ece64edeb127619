"""The privacy notice (GDPR art. 13): shown by /privacy, and before an ambassador consents."""

from __future__ import annotations

from bot.i18n import Html, Translator
from bot.strategy import Controller


def privacy_notice(t: Translator, controller: Controller) -> str:
    """Who is responsible (from the strategy file), what is stored, why and on what legal
    basis, for how long, who sees it, and the person's rights, the complaint included."""
    return t(
        "privacy.notice",
        controller=controller.name,
        address=controller.address,
        email=controller.email,
        dpo=Html(t("privacy.dpo", value=controller.dpo)) if controller.dpo else "",
    )
