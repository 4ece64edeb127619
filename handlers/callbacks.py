"""Callback data `feature:action[:argument…]`: built and parsed in one place per feature.

Button presses are never trusted: `parse` rejects anything that is not exactly one of the
feature's actions with the right number of plain arguments, and handlers re-check the meaning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_BYTES = 64  # Telegram's limit for callback data
_ARGUMENT_CHARS = "[A-Za-z0-9_-]{1,40}"
_ARGUMENT = re.compile(f"^{_ARGUMENT_CHARS}$")


@dataclass(frozen=True)
class Press:
    action: str
    args: tuple[str, ...]


class CallbackCodec:
    def __init__(self, feature: str, **actions: int) -> None:
        """`actions` maps each action to the number of arguments it carries."""
        self.feature = feature
        self._actions = actions

    def data(self, action: str, *args: str | int) -> str:
        if self._actions.get(action) != len(args):
            raise ValueError(f"{self.feature}:{action} takes {self._actions.get(action)} arguments")
        data = ":".join([self.feature, action, *map(str, args)])
        if len(data.encode()) > MAX_BYTES or not all(_ARGUMENT.match(str(a)) for a in args):
            raise ValueError(f"callback data {data!r} is too long or has unsafe characters")
        return data

    def parse(self, data: str | None) -> Press | None:
        parts = (data or "").split(":")
        if len(parts) < 2 or parts[0] != self.feature:
            return None
        action, args = parts[1], tuple(parts[2:])
        if self._actions.get(action) != len(args) or not all(_ARGUMENT.match(a) for a in args):
            return None
        return Press(action, args)

    def pattern(self, action: str | None = None) -> str:
        """A regex for CallbackQueryHandler: the whole feature (its handler parses the data), or
        exactly one action with its number of arguments."""
        if action is None:
            return f"^{self.feature}:"
        return f"^{self.feature}:{action}" + f"(?::{_ARGUMENT_CHARS})" * self._actions[action] + "$"
