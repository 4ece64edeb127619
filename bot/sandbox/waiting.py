"""Waiting without sleeping, for the emulators (the Bot API's and the Graph API's): each change
in an emulator notifies one condition, so a test waits for exactly what it expects, and a
request kept unanswered is let go when the emulator stops."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import suppress

_HOLD = 120.0  # seconds a hung request waits at most: far past any client's timeout


class Waitable:
    """What an emulator's tests wait on: `_notify` after every change, `_closing` once it
    stops."""

    def __init__(self) -> None:
        self._changed = asyncio.Condition()
        self.version = 0
        self._closing = False

    async def _notify(self) -> None:
        async with self._changed:
            self.version += 1
            self._changed.notify_all()

    async def wait_for(
        self, predicate: Callable[[], object], seconds: float = 10.0, what: str = ""
    ) -> None:
        """Wait until `predicate()` is true; fail the test with `what` if it never becomes so."""
        try:
            async with self._changed:
                await asyncio.wait_for(self._changed.wait_for(predicate), seconds)
        except TimeoutError:
            raise AssertionError(
                f"timed out after {seconds}s waiting for {what or predicate}"
            ) from None

    async def quiet_for(self, seconds: float) -> None:
        """Return once nothing has happened for `seconds` (the terminal's sense of 'done')."""
        while True:
            try:
                async with self._changed:
                    await asyncio.wait_for(self._changed.wait(), seconds)
            except TimeoutError:
                return

    async def _hold(self) -> None:
        """Keep a request unanswered until the emulator stops (the client gave up long before)."""
        with suppress(TimeoutError):
            async with self._changed:
                await asyncio.wait_for(self._changed.wait_for(lambda: self._closing), _HOLD)
