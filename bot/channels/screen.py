"""What the journeys show, free of any channel: a screen of text and buttons.

The journeys write Telegram's shape (HTML text, rows of buttons with action data, a photo or a
file); `bot/channels/messenger` renders a screen within Messenger's limits. A screen's purpose
decides, on Messenger, whether it may go outside the 24-hour window and with which tag.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Purpose(enum.StrEnum):
    REPLY = "reply"  # the answer to what the person just did
    ACCOUNT = "account"  # a change to something of theirs: their bold, their profile
    EVENT = "event"  # a reminder or change of an event they said yes (or maybe) to
    PROMOTION = "promotion"  # broadcasts, newsletters, invitations, calls: inside the window only


@dataclass(frozen=True)
class Button:
    label: str
    action: str | None = None  # what a press sends back (Telegram's callback data)
    url: str | None = None  # a link instead
    typed: bool = False  # a reply-keyboard button: a press types its label


@dataclass(frozen=True)
class Attachment:
    kind: str  # image | audio | file
    data: bytes | None = None  # uploaded as it is
    file_id: str | None = None  # a file the bot already has (Telegram's, or channel_files')
    name: str | None = None
    mime_type: str | None = None


@dataclass(frozen=True)
class Screen:
    text: str  # the catalogs' HTML subset
    buttons: tuple[tuple[Button, ...], ...] = ()
    attachment: Attachment | None = None
    purpose: Purpose = Purpose.REPLY
    extra: dict[str, object] = field(default_factory=dict)
