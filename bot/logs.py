"""Logging that never shows the bot token, not even inside the URLs httpx and PTB log."""

from __future__ import annotations

import logging
import re
import sys
from typing import TextIO

# Any token-shaped text after "bot" in a URL, whichever token it is.
_TOKEN_IN_URL = re.compile(r"bot\d{1,20}:[A-Za-z0-9_-]+")


class RedactToken(logging.Filter):
    """Rewrites each record's final message with the token replaced."""

    def __init__(self, token: str | None) -> None:
        super().__init__()
        self._token = token

    def redact(self, text: str) -> str:
        if self._token:
            text = text.replace(self._token, "<token>")
        return _TOKEN_IN_URL.sub("bot<token>", text)

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.redact(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = self.redact(logging.Formatter().formatException(record.exc_info))
        return True


def configure_logging(
    token: str | None, stream: TextIO = sys.stderr, level: int = logging.INFO
) -> logging.Handler:
    """One handler on the root logger, with the token filter on it; returns the handler."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactToken(token))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(level)
    # httpx logs every long poll and APScheduler every job it runs (two lines a minute) at
    # INFO; keep their warnings only unless debugging.
    for chatty in ("httpx", "apscheduler"):
        logging.getLogger(chatty).setLevel(level if level < logging.INFO else logging.WARNING)
    return handler
