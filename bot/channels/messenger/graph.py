"""A small client of Meta's Graph API for one page: the Send API, attachment uploads, people's
names and the Messenger Profile. Meta's error envelope becomes one of the exceptions below, so
callers tell "outside the 24-hour window", "cannot be reached" and "slow down" apart."""

from __future__ import annotations

import io
import json
import logging
from typing import Any

import aiohttp

logger = logging.getLogger(__name__)

Json = dict[str, Any]


class GraphError(Exception):
    """Meta refused: its code, subcode and message (never the token)."""

    def __init__(self, status: int, code: int | None, subcode: int | None, message: str) -> None:
        super().__init__(f"{message} (code {code}, subcode {subcode}, HTTP {status})")
        self.status, self.code, self.subcode, self.message = status, code, subcode, message


class OutsideWindow(GraphError):
    """More than 24 hours since the person's last message, and no tag that allows it."""


class Unreachable(GraphError):
    """The person cannot be reached (deleted their account, blocked the page): as blocked."""


class Throttled(GraphError):
    """Too many calls: wait and try again."""


class BadToken(GraphError):
    """The page token is refused: nothing can be sent until it is replaced."""


class GraphUnavailable(Exception):
    """No answer: the connection failed, timed out or Meta answered 5xx. May be tried again;
    `left` says whether the request may have arrived (it timed out after it left)."""

    def __init__(self, message: str, left: bool) -> None:
        super().__init__(message)
        self.left = left


def _error(status: int, body: Json) -> GraphError:
    error = body.get("error") or {}
    code, subcode = error.get("code"), error.get("error_subcode")
    message = str(error.get("message") or f"HTTP {status}")
    kind: type[GraphError] = GraphError
    if code == 10 or subcode == 2018278:
        kind = OutsideWindow
    elif code == 551 or subcode == 1545041:
        kind = Unreachable
    elif code in (4, 32, 613) or status == 429:
        kind = Throttled
    elif code == 190:
        kind = BadToken
    return kind(status, code, subcode, message)


class GraphClient:
    def __init__(self, base_url: str, page_token: str, timeout: float) -> None:
        self._base = base_url.rstrip("/")
        self._token = page_token
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        self._session = aiohttp.ClientSession(timeout=self._timeout)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def send(
        self, psid: str, message: Json, messaging_type: str = "RESPONSE", tag: str | None = None
    ) -> str:
        """Send one message (text, template or attachment); Meta's message id."""
        body: Json = {
            "recipient": {"id": psid},
            "messaging_type": messaging_type,
            "message": message,
        }
        if tag is not None:
            body["tag"] = tag
        answer = await self._call("POST", "/me/messages", json_body=body)
        return str(answer.get("message_id", ""))

    async def action(self, psid: str, sender_action: str) -> None:
        """typing_on, mark_seen: shows that the bot is at work."""
        await self._call(
            "POST",
            "/me/messages",
            json_body={"recipient": {"id": psid}, "sender_action": sender_action},
        )

    async def upload(self, kind: str, data: bytes, name: str, mime_type: str) -> str:
        """Upload a file once (image, audio, file); the attachment id to send it by."""
        form = aiohttp.FormData()
        form.add_field(
            "message",
            json.dumps({"attachment": {"type": kind, "payload": {"is_reusable": False}}}),
        )
        form.add_field("filedata", io.BytesIO(data), filename=name, content_type=mime_type)
        answer = await self._call("POST", "/me/message_attachments", data=form)
        return str(answer["attachment_id"])

    async def profile(self, psid: str) -> Json:
        """The person's first and last name and locale, as far as Meta gives them."""
        return await self._call("GET", f"/{psid}", params={"fields": "first_name,last_name,locale"})

    async def page(self) -> Json:
        """The page's id and username (for m.me links)."""
        return await self._call("GET", "/me", params={"fields": "id,name,username"})

    async def set_profile(self, settings: Json) -> None:
        """The Get Started button, the persistent menu and the greeting."""
        await self._call("POST", "/me/messenger_profile", json_body=settings)

    async def download(self, url: str) -> tuple[bytes, str]:
        """A file a person sent (Meta's link to it expires): its bytes and type."""
        session = self._open()
        try:
            async with session.get(url) as response:
                if response.status >= 400:
                    raise GraphUnavailable(f"download answered HTTP {response.status}", left=False)
                data = await response.read()
                return data, response.content_type or "application/octet-stream"
        except (aiohttp.ClientError, TimeoutError) as error:
            raise GraphUnavailable(f"download failed: {type(error).__name__}", left=False) from None

    def _open(self) -> aiohttp.ClientSession:
        if self._session is None:
            raise RuntimeError("GraphClient.start() was not called")
        return self._session

    async def _call(
        self,
        method: str,
        path: str,
        *,
        json_body: Json | None = None,
        data: aiohttp.FormData | None = None,
        params: dict[str, str] | None = None,
    ) -> Json:
        session = self._open()
        query = {**(params or {}), "access_token": self._token}
        try:
            async with session.request(
                method, self._base + path, params=query, json=json_body, data=data
            ) as response:
                try:
                    body = await response.json(content_type=None)
                except (json.JSONDecodeError, aiohttp.ContentTypeError):
                    body = {}
                if response.status >= 500:
                    # An answer that it failed ("please retry", code 2): tried again as long as
                    # Telegram's 5xx is; only a send left without an answer may have arrived.
                    raise GraphUnavailable(f"Graph API answered HTTP {response.status}", left=False)
                if response.status >= 400 or "error" in body:
                    raise _error(response.status, body)
                return body if isinstance(body, dict) else {}
        except aiohttp.ClientConnectorError as error:
            raise GraphUnavailable(f"no connection: {error.os_error}", left=False) from None
        except (aiohttp.ClientError, TimeoutError) as error:
            raise GraphUnavailable(f"no answer: {type(error).__name__}", left=True) from None
