"""The channels people reach Bolden on, and which one a person is on.

Every table keys people by one integer user id. A Telegram person's is their Telegram id; a
Messenger person's is taken from MESSENGER_FIRST_ID upwards (storage/messenger.py), a range no
Telegram id reaches (Telegram's ids have at most 52 bits; groups are negative). So the journeys,
the services and the outbox serve both channels unchanged, and the channel follows from the id.
"""

from __future__ import annotations

import enum

MESSENGER_FIRST_ID = 2**62


class Channel(enum.StrEnum):
    TELEGRAM = "telegram"
    MESSENGER = "messenger"


def channel_of(chat_id: int) -> Channel:
    return Channel.MESSENGER if chat_id >= MESSENGER_FIRST_ID else Channel.TELEGRAM


def on_messenger(chat_id: object) -> bool:
    """Whether a chat id (as a journey or the outbox passes it: int, or digits) is a
    Messenger person's."""
    try:
        return int(str(chat_id)) >= MESSENGER_FIRST_ID
    except ValueError:
        return False


_FILE_PREFIX = "bolden-file-"


def channel_file_id(number: int) -> str:
    """The file id the journeys see for a file a Messenger person sent (kept in
    channel_files): it stands where a Telegram file id would."""
    return f"{_FILE_PREFIX}{number}"


def channel_file_number(file_id: str) -> int | None:
    """The channel_files row of such a file id; None for a Telegram file id."""
    digits = file_id.removeprefix(_FILE_PREFIX)
    return int(digits) if digits != file_id and digits.isdigit() else None
