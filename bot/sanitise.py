"""Telegram's HTML (newsletters, event descriptions) made safe for a web page or an e-mail,
or read as plain text for a calendar file, whatever it holds.

What coordinators write in Telegram is stored as Telegram's HTML subset; what shows on a page
is rebuilt from it: only the tags below survive (a link only to http, https or mailto, with
rel="nofollow noopener"), every other tag is dropped with its text kept and escaped, no
attribute but a link's address passes, unclosed tags are closed, and line breaks become
paragraphs (a blank line) and breaks (one line end), as Telegram shows them. A plain web
address (http or https) becomes a link, as Telegram makes it one, except inside a link or code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape
from html.parser import HTMLParser
from urllib.parse import urlsplit

from markupsafe import Markup

# Inline marks, with Telegram's other spellings of the same ones.
_MARKS = {
    "b": "b", "strong": "strong", "i": "i", "em": "em", "u": "u", "ins": "u",
    "s": "s", "strike": "s", "del": "s", "a": "a", "code": "code",
}  # fmt: skip
_BLOCKS = {"pre", "blockquote"}
_SCHEMES = {"http", "https", "mailto"}
# A web address in plain text, up to a space, a quote or an angle bracket; punctuation that
# ends a sentence is not part of it (see `_address_end`).
_ADDRESS = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
_TRAILING = ".,;:!?»"


@dataclass(frozen=True)
class _Mark:
    tag: str
    href: str = ""

    def opening(self) -> str:
        if self.tag == "a":
            return f'<a href="{escape(self.href)}" rel="nofollow noopener">'
        return f"<{self.tag}>"


@dataclass
class _Run:
    """Text under the same marks, in the same block (None: the body, in paragraphs)."""

    text: str
    marks: tuple[_Mark, ...]
    block: _Block | None


@dataclass(eq=False)
class _Block:
    tag: str


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.runs: list[_Run] = []
        # Open elements: a mark, a block, or None for a dropped tag (kept to match its end).
        self.open: list[tuple[str, _Mark | _Block | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self._text("\n")
        elif tag == "p":
            self._text("\n\n")
        elif tag in _BLOCKS:
            self._text("\n\n")
            self.open.append((tag, _Block(tag)))
        elif tag in _MARKS:
            href = _safe_href(dict(attrs).get("href")) if tag == "a" else ""
            dropped = tag == "a" and not href
            self.open.append((tag, None if dropped else _Mark(_MARKS[tag], href)))
        else:
            self.open.append((tag, None))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"br", "p"}:
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == "p":
            self._text("\n\n")
            return
        names = [name for name, _ in self.open]
        if tag not in names:
            return  # an end without its start
        index = len(names) - 1 - names[::-1].index(tag)
        closed = self.open[index:]
        del self.open[index:]
        if any(isinstance(element, _Block) for _, element in closed):
            self._text("\n\n")

    def handle_data(self, data: str) -> None:
        self._text(data)

    def _text(self, text: str) -> None:
        marks = tuple(e for _, e in self.open if isinstance(e, _Mark))
        blocks = [e for _, e in self.open if isinstance(e, _Block)]
        self.runs.append(_Run(text, marks, blocks[-1] if blocks else None))


def _safe_href(href: str | None) -> str:
    """The address if it leads to a web page or an e-mail address, else ''."""
    if not href:
        return ""
    href = href.strip()
    try:
        scheme = urlsplit(href).scheme.lower()
    except ValueError:
        return ""
    return href if scheme in _SCHEMES else ""


def _read(telegram_html: str) -> list[_Run]:
    reader = _Reader()
    reader.feed(telegram_html)
    reader.close()
    return reader.runs


def plain_text(telegram_html: str) -> str:
    """The text alone, paragraphs apart by a blank line."""
    text = "".join(run.text for run in _read(telegram_html)).replace("\r\n", "\n")
    return re.sub(r"\n\s*\n\s*", "\n\n", text).strip()


def sanitised(telegram_html: str) -> Markup:
    """Safe HTML for a page from Telegram's HTML (or anything else)."""
    parts: list[str] = []
    runs = _read(telegram_html)
    start = 0
    while start < len(runs):
        block = runs[start].block
        end = start
        while end < len(runs) and runs[end].block is block:
            end += 1
        parts.append(_render(block, runs[start:end]))
        start = end
    return Markup("\n".join(part for part in parts if part))


def _render(block: _Block | None, runs: list[_Run]) -> str:
    if block is not None and block.tag == "pre":
        return f"<pre>{_marked(_trimmed(runs), keep_lines=True)}</pre>" if _visible(runs) else ""
    paragraphs = [_marked(paragraph) for paragraph in _paragraphs(runs)]
    shown = "\n".join(f"<p>{p}</p>" for p in paragraphs if p)
    if block is None or not shown:
        return shown
    return f"<blockquote>{shown}</blockquote>"


def _paragraphs(runs: list[_Run]) -> list[list[_Run]]:
    """Split at blank lines; each paragraph keeps the marks its text was under, and loses the
    line ends at its edges."""
    paragraphs: list[list[_Run]] = [[]]
    for run in runs:
        pieces = run.text.replace("\r\n", "\n").split("\n\n")
        for number, piece in enumerate(pieces):
            if number:
                paragraphs.append([])
            if piece:
                paragraphs[-1].append(_Run(piece, run.marks, None))
    return [_trimmed(paragraph) for paragraph in paragraphs if _visible(paragraph)]


def _visible(runs: list[_Run]) -> bool:
    return any(run.text.strip() for run in runs)


def _trimmed(runs: list[_Run]) -> list[_Run]:
    runs = list(runs)
    while not runs[0].text.strip():
        runs.pop(0)
    while not runs[-1].text.strip():
        runs.pop()
    first, last = runs[0], runs[-1]
    runs[0] = _Run(first.text.lstrip("\n"), first.marks, None)
    runs[-1] = _Run(runs[-1].text.rstrip("\n"), last.marks, None)
    return runs


def _marked(runs: list[_Run], keep_lines: bool = False) -> str:
    """Runs as HTML, each mark opened and closed where it begins and ends, so that no tag is
    left open; outside <pre> a line end is a break."""
    out: list[str] = []
    current: tuple[_Mark, ...] = ()
    for run in runs:
        if not run.text:
            continue
        shared = 0
        while shared < min(len(current), len(run.marks)) and current[shared] == run.marks[shared]:
            shared += 1
        out.extend(f"</{mark.tag}>" for mark in reversed(current[shared:]))
        out.extend(mark.opening() for mark in run.marks[shared:])
        current = run.marks
        linkable = not keep_lines and not any(mark.tag in {"a", "code"} for mark in run.marks)
        shown = _linked(run.text) if linkable else escape(run.text, quote=False)
        out.append(shown if keep_lines else shown.replace("\n", "<br>\n"))
    out.extend(f"</{mark.tag}>" for mark in reversed(current))
    return "".join(out)


def linked(text: str) -> Markup:
    """Plain text (a public answer) escaped, each web address in it a link."""
    return Markup(_linked(text))


def _linked(text: str) -> str:
    """Escaped text with each plain web address in it a link."""
    out: list[str] = []
    done = 0
    for found in _ADDRESS.finditer(text):
        start, end = found.start(), _address_end(found.group())
        address = found.group()[:end]
        out.append(escape(text[done:start], quote=False))
        out.append(f"{_Mark('a', address).opening()}{escape(address, quote=False)}</a>")
        done = start + end
    out.append(escape(text[done:], quote=False))
    return "".join(out)


def _address_end(address: str) -> int:
    """Where the address ends: not at a full stop or comma after it, nor a closing bracket
    that it did not open."""
    end = len(address)
    while end and (
        address[end - 1] in _TRAILING
        or (address[end - 1] == ")" and address[:end].count("(") < address[:end].count(")"))
    ):
        end -= 1
    return end


@dataclass(frozen=True)
class Readable:
    """Telegram's HTML as a plain-text chat (Messenger) shows it: marks dropped, quotes set off
    by a bar, and the links whose label is not their address listed apart (to become buttons),
    or, with `inline_links`, written out after their label."""

    text: str
    links: tuple[tuple[str, str], ...] = ()  # (label, address), in order, each once


QUOTE_BAR = "│ "


def readable(telegram_html: str, inline_links: bool = False) -> Readable:
    parts: list[str] = []
    links: list[tuple[str, str]] = []
    runs = _read(telegram_html)
    start = 0
    while start < len(runs):
        block, end = runs[start].block, start
        while end < len(runs) and runs[end].block is block:
            end += 1
        text = _linked_text(runs[start:end], inline_links, links)
        text = re.sub(r"\n\s*\n\s*", "\n\n", text.replace("\r\n", "\n")).strip()
        if block is not None and block.tag == "blockquote":
            text = "\n".join(QUOTE_BAR + line if line else line for line in text.split("\n"))
        if text:
            parts.append(text)
        start = end
    return Readable("\n\n".join(parts), tuple(dict.fromkeys(links)))


def _linked_text(runs: list[_Run], inline_links: bool, links: list[tuple[str, str]]) -> str:
    """The runs' text; a labelled link's address after its label, or kept in `links`."""
    out: list[str] = []
    index = 0
    while index < len(runs):
        href = next((mark.href for mark in runs[index].marks if mark.tag == "a"), "")
        end = index + 1
        while href and end < len(runs) and any(m.href == href for m in runs[end].marks):
            end += 1
        label = "".join(run.text for run in runs[index:end])
        out.append(label)
        address = href.removeprefix("mailto:")
        if href and label.strip() and label.strip() != address:
            web = href.startswith(("http://", "https://"))
            if inline_links or not web:
                out.append(f" ({address})")
            else:
                links.append((label.strip(), href))
        index = end
    return "".join(out)
