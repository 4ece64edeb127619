"""Updates run at once, one person's in the order they came: the processor PTB runs them with."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from telegram import Chat, Message, Update, User

from bot.ordering import InOrderPerPerson


def typed(update_id: int, user_id: int) -> Update:
    chat = Chat(user_id, Chat.PRIVATE)
    user = User(user_id, f"Person {user_id}", is_bot=False)
    return Update(update_id, message=Message(update_id, datetime.now(UTC), chat, user, text="x"))


async def test_one_persons_burst_never_holds_up_anyone_else() -> None:
    processor = InOrderPerPerson(running_at_once=4)
    gate, ran = asyncio.Event(), []

    async def first_persons(n: int) -> None:
        ran.append(n)
        await gate.wait()

    async def second_persons() -> None:
        ran.append("other")

    burst = [
        asyncio.create_task(processor.process_update(typed(n, 1), first_persons(n)))
        for n in range(300)
    ]
    await asyncio.wait_for(processor.process_update(typed(1000, 2), second_persons()), timeout=5)
    assert ran == [0, "other"], "300 waiting updates of one person hold no one else up"
    gate.set()
    await asyncio.gather(*burst)
    assert ran[2:] == list(range(1, 300)), "and theirs ran in the order they came"
