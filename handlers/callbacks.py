"""Callback data `feature:action[:argument…]`: built and parsed in one place per feature.

Button presses are never trusted: `parse` rejects anything that is not exactly one of the
feature's actions with the right number of plain arguments, and handlers re-check the meaning.
A number in an argument must fit the database's 64-bit integers: a forged 40-digit id is
refused here, once for every feature, instead of failing in SQLite. The buttons of a draft name
it (`feature:action:draft[:argument…]`, the draft being the conversation's kind), so that a
press acts on the draft it was shown with, never on another one the person opened since.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

MAX_BYTES = 64  # Telegram's limit for callback data
_ARGUMENT_CHARS = "[A-Za-z0-9_-]{1,40}"
_ARGUMENT = re.compile(f"^{_ARGUMENT_CHARS}$")
_NUMBER = re.compile(r"^-?[0-9]+$")
_INTEGERS = range(-(2**63), 2**63)  # SQLite's INTEGER


def _plain(argument: str) -> bool:
    """Safe characters, and a number only if the database can hold it."""
    if not _ARGUMENT.match(argument):
        return False
    return not _NUMBER.match(argument) or int(argument) in _INTEGERS


@dataclass(frozen=True)
class Press:
    action: str
    args: tuple[str, ...]
    draft: str | None = None  # the conversation kind the button belongs to, for a draft's


class CallbackCodec:
    def __init__(self, feature: str, drafts: Iterable[str] = (), **actions: int) -> None:
        """`actions` maps each action to the number of arguments it carries; with `drafts` (the
        conversation kinds it may belong to), every button names its draft before them."""
        self.feature = feature
        self._drafts = frozenset(drafts)
        self._actions = actions

    def data(self, action: str, *args: str | int, draft: str | None = None) -> str:
        if self._actions.get(action) != len(args):
            raise ValueError(f"{self.feature}:{action} takes {self._actions.get(action)} arguments")
        if (draft is not None or self._drafts) and draft not in self._drafts:
            raise ValueError(f"{self.feature}:{action} belongs to one of {sorted(self._drafts)}")
        named = [draft] if draft is not None else []
        data = ":".join([self.feature, action, *named, *map(str, args)])
        if len(data.encode()) > MAX_BYTES or not all(_plain(str(a)) for a in args):
            raise ValueError(f"callback data {data!r} is too long or has unsafe characters")
        return data

    def parse(self, data: str | None) -> Press | None:
        parts = (data or "").split(":")
        if len(parts) < 2 or parts[0] != self.feature:
            return None
        action, args, draft = parts[1], tuple(parts[2:]), None
        if self._drafts:
            if not args or args[0] not in self._drafts:
                return None
            draft, args = args[0], args[1:]
        if self._actions.get(action) != len(args) or not all(map(_plain, args)):
            return None
        return Press(action, args, draft)

    def pattern(self, action: str | None = None) -> str:
        """A regex for CallbackQueryHandler: the whole feature (its handler parses the data), or
        exactly one action with its number of arguments."""
        if action is None:
            return f"^{self.feature}:"
        count = self._actions[action] + (1 if self._drafts else 0)
        return f"^{self.feature}:{action}" + f"(?::{_ARGUMENT_CHARS})" * count + "$"
