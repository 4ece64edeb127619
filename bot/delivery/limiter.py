"""The Application's rate limiter: the interactive replies' side of the shared `Budget`.

python-telegram-bot calls `process_request` for every request but getUpdates. A message waits
for a slot in the budget (replies come before the outbox); whatever Telegram answers with 429
pauses the whole budget, the outbox too, and is tried again after the wait it asked for, a few
times, as PTB's AIORateLimiter(max_retries=...) did.

A call for a Messenger person (answered by bot/channels/messenger/bridge.py) takes no slot of
Telegram's: it keeps Messenger's own pace there, and Meta's "slow down" pauses only Messenger.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot.channels import on_messenger
from bot.delivery.budget import Budget, ChatId, counted

logger = logging.getLogger(__name__)

Result = bool | dict[str, Any] | list[dict[str, Any]]


class SharedRateLimiter(BaseRateLimiter[int]):
    """`rate_limit_args`, when given to a bot method, is that request's number of retries."""

    def __init__(self, budget: Budget, max_retries: int = 3) -> None:
        self.budget = budget
        self._max_retries = max_retries

    async def initialize(self) -> None:
        """The budget needs no start: it lives as long as the Application."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Result]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Result:
        retries = self._max_retries if rate_limit_args is None else rate_limit_args
        chat_id = _chat(data.get("chat_id"))
        telegram = not on_messenger(chat_id)
        for attempt in range(retries + 1):
            try:
                if not (telegram and counted(endpoint)):
                    return await callback(*args, **kwargs)
                async with self.budget.slot(chat_id):
                    return await callback(*args, **kwargs)
            except RetryAfter as error:
                wait = seconds(error.retry_after)
                if telegram:
                    self.budget.pause(wait, self.budget.clock())
                if attempt == retries:
                    raise
                logger.info("Asked to wait %.1f s; %s is tried again", wait, endpoint)
                # Messenger's own budget makes the next try wait as long as Meta wants.
                await self.budget.resumed()
        raise AssertionError("unreachable: the last attempt returns or raises")


def _chat(value: object) -> ChatId | None:
    if isinstance(value, int | str):
        try:
            return int(value)
        except ValueError:
            return value  # an @username
    return None


def seconds(value: timedelta | float) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
