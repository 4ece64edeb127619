"""Telegram's HTML parse mode, checked as strictly as the real Bot API checks it."""

from __future__ import annotations

import html
import re

ALLOWED_TAGS = {
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler",
    "a", "tg-emoji", "code", "pre", "blockquote",
}  # fmt: skip
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^<>]*)?)>")
_ENTITY = re.compile(r"&(#\d+|#x[0-9a-fA-F]+|lt|gt|amp|quot);")


def html_to_plain(text: str) -> str:
    """The text a person sees; ValueError with Telegram's wording when the markup is wrong."""
    plain: list[str] = []
    open_tags: list[str] = []
    position = 0
    while position < len(text):
        char = text[position]
        if char == "<":
            tag = _TAG.match(text, position)
            if tag is None:
                raise ValueError(f"Unclosed start tag at byte offset {position}")
            closing, name = tag[1] == "/", tag[2].lower()
            if name not in ALLOWED_TAGS:
                raise ValueError(f'Unsupported start tag "{name}" at byte offset {position}')
            if closing:
                if not open_tags or open_tags.pop() != name:
                    raise ValueError(
                        f'Unmatched end tag at byte offset {position}, expected "</{name}>"'
                    )
            else:
                open_tags.append(name)
            position = tag.end()
        elif char == "&":
            entity = _ENTITY.match(text, position)
            if entity is None:
                raise ValueError(f"Unsupported HTML entity at byte offset {position}")
            plain.append(html.unescape(entity[0]))
            position = entity.end()
        elif char == ">":
            raise ValueError(f"Unexpected > at byte offset {position}")
        else:
            plain.append(char)
            position += 1
    if open_tags:
        raise ValueError(f'Can\'t find end tag corresponding to start tag "{open_tags[-1]}"')
    return "".join(plain)


def telegram_length(text: str) -> int:
    """Telegram counts UTF-16 code units, so an emoji counts as two."""
    return len(text.encode("utf-16-le")) // 2
