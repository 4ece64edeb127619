"""Messenger people get ids of their own, in a range no Telegram id reaches, never reused."""

from __future__ import annotations

from pathlib import Path

from bot.channels import MESSENGER_FIRST_ID, Channel, channel_of, on_messenger
from storage import messenger, privacy
from storage.database import Database
from storage.migrations import migrate
from tests.conftest import FakeClock


async def test_a_messenger_person_keeps_one_id_and_an_erased_ones_is_never_given_again(
    tmp_path: Path,
) -> None:
    clock = FakeClock()
    db = await Database.open(tmp_path / "messenger.sqlite3")
    try:
        await migrate(db)
        async with db.transaction() as connection:
            anna = await messenger.person_of(connection, "7001", clock())
            clock.advance(hours=1)
            again = await messenger.person_of(connection, "7001", clock())
            bo = await messenger.person_of(connection, "7002", clock())
        assert anna == again > MESSENGER_FIRST_ID
        assert bo > anna
        assert await messenger.psid_of(db, anna) == ("7001", clock()), "her window opened again"
        assert channel_of(anna) is Channel.MESSENGER
        assert on_messenger(str(bo))
        assert channel_of(2**52) is Channel.TELEGRAM
        assert channel_of(-1001234) is Channel.TELEGRAM

        await privacy.erase(db, bo, clock())
        assert await messenger.psid_of(db, bo) is None
        async with db.transaction() as connection:
            newcomer = await messenger.person_of(connection, "7003", clock())
        assert newcomer > bo, "an erased person's id is never someone else's"
    finally:
        await db.close()
