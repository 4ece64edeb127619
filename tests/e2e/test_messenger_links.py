"""While the bot runs on Messenger too, what a Telegram coordinator passes on names both chats,
and what a Telegram person gets still opens Telegram."""

from __future__ import annotations

from collections.abc import Callable

from bot.app import BoldenApp
from bot.config import Settings
from bot.sandbox.emulator import SimulatedPerson
from tests.conftest import FakeClock, sign_up
from tests.e2e.test_bolde import invite_code, new_network, next_message
from tests.unit.test_channel_links import PAGE, public_event, start_messenger

TELEGRAM = "https://t.me/bolden_sandbox_bot"


async def test_a_coordinator_passes_on_a_link_for_each_chat(
    bot: BoldenApp,
    settings: Settings,
    clock: FakeClock,
    karim: SimulatedPerson,
    query: Callable[..., list],
) -> None:
    start_messenger(bot, settings, clock)
    await karim.send("/start")
    page = await new_network(karim, "Gadeteam", "Ad hoc")
    code = invite_code(query, "Gadeteam")
    assert (
        f"Invitationslink for ambassadører:\nTelegram: {TELEGRAM}?start=net-{code}\n"
        f"Messenger: https://m.me/{PAGE}?ref=net-{code}"
    ) in page.text
    group = page.button("Forbind en Telegram-gruppe")
    assert group["url"] == f"{TELEGRAM}?startgroup=netg-{code}", "groups are Telegram's alone"

    await public_event(bot, clock)
    page = await karim.press(await karim.send("/events"), "Fællesspisning")
    seen = len(karim.messages)
    await karim.press_data(page, page.button("QR")["callback_data"])
    poster = await next_message(karim, seen)
    assert poster.file is not None
    assert poster.file.data.startswith(b"%PDF-")
    assert poster.text.endswith(
        f"Telegram: {TELEGRAM}?start=in-Qw3\nMessenger: https://m.me/{PAGE}?ref=in-Qw3"
    )


async def test_a_telegram_ambassadors_certificate_still_invites_to_telegram(
    bot: BoldenApp,
    settings: Settings,
    clock: FakeClock,
    anna: SimulatedPerson,
    query: Callable[..., list],
) -> None:
    start_messenger(bot, settings, clock)
    await sign_up(anna)
    seen = len(anna.messages)
    await anna.send("/certificate")
    certificate = await next_message(anna, seen)
    [code] = [r[0] for r in query("SELECT referral_code FROM ambassadors")]
    assert certificate.file is not None
    assert certificate.file.name == "ambassador-1.png"
    assert f"{TELEGRAM}?start=ref-{code}" in certificate.text
    assert "m.me" not in certificate.text
