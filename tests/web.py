"""Reading the bot's web pages in the tests, over real HTTP."""

from __future__ import annotations

from dataclasses import dataclass

import aiohttp
from multidict import CIMultiDictProxy


@dataclass
class Answer:
    status: int
    text: str
    headers: CIMultiDictProxy[str]
    body: bytes


async def fetch(
    url: str,
    method: str = "GET",
    *,
    data: object = None,
    json: object = None,
    headers: dict[str, str] | None = None,
) -> Answer:
    async with (
        aiohttp.ClientSession() as session,
        session.request(
            method, url, data=data, json=json, headers=headers, allow_redirects=False
        ) as response,
    ):
        body = await response.read()
        return Answer(response.status, body.decode("utf-8", "replace"), response.headers, body)
