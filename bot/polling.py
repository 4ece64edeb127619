"""What getUpdates returns, read so that one update the library cannot parse is skipped.

python-telegram-bot parses a batch of updates as a whole: if one of them does not fit its
classes (a field of the wrong type, a Bot API newer than the library), the whole batch is
logged at CRITICAL with every person's text in it, the offset is not moved, and the same batch
is fetched again at once, forever. Here each update is tried on its own first; one that cannot
be read becomes an empty update with its id (no handler answers it, and the offset moves past
it), and the log gets one line without its content.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram._utils.types import JSONDict
from telegram.request import BaseRequest

from bot.request import WrappingRequest

logger = logging.getLogger(__name__)


def readable(update: JSONDict) -> JSONDict:
    """The update, or only its id when the library cannot read it."""
    try:
        Update.de_json(update, None)
    except Exception as error:  # whatever the library raises on data it did not expect
        update_id = update.get("update_id")
        logger.warning(
            "Update %s could not be read (%s); it is skipped", update_id, type(error).__name__
        )
        return {"update_id": update_id}
    return update


class SkippingUnreadable(WrappingRequest):
    """The connection getUpdates uses: another request's, with each update checked."""

    @staticmethod
    def parse_json_payload(payload: bytes) -> JSONDict:
        """Telegram's answer; what getUpdates returned, each update readable or only its id."""
        answer = BaseRequest.parse_json_payload(payload)
        updates = answer.get("result")
        if isinstance(updates, list):
            answer["result"] = [readable(update) for update in updates if isinstance(update, dict)]
        return answer
