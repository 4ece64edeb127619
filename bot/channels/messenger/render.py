"""A screen as Messenger shows it: Send API messages within Meta's limits.

Messenger has no markup, so the catalogs' HTML becomes plain text (bot.sanitise.readable); a
link keeps its label in the text and becomes a web_url button while the template has room,
else its address follows the label. Buttons take the richest form that holds them:

- 1-3 buttons (postbacks and links), labels of at most 20 characters and a text of at most 640:
  a button template, whose postbacks stay pressable (a later press is a stale press, which the
  journeys refuse kindly);
- only links and a longer text: the text, then the links under a short line;
- anything else: quick replies on the last text message, 13 at most; more are paged, 12 and a
  "More ›" whose payload shows the next page (`page_of`, `payloads.page`).

A title that must be cut is cut at 20 characters, and the text ends with those choices in
full, one a line, so that every choice can be read (`_titles`). Texts over 2,000 characters
are split at paragraphs, else lines, else words.

An edit of a message shown before (Messenger cannot edit) shows only what changed, on a new
message with the new buttons (`change`).
"""

from __future__ import annotations

import html
from collections import Counter
from dataclasses import replace
from typing import Any

from bot.channels.messenger import payloads
from bot.channels.screen import Button, Screen
from bot.i18n import Translator
from bot.sanitise import readable

Json = dict[str, Any]
MAX_TEXT = 2000
MAX_TEMPLATE_TEXT = 640
MAX_TEMPLATE_BUTTONS = 3
MAX_TITLE = 20
MAX_QUICK_REPLIES = 13
PAGE_SIZE = MAX_QUICK_REPLIES - 1  # and "More ›"
LISTED = "listed"  # a screen's extra: its cut choices are listed above already, same numbers


def buttons_of(reply_markup: Json | None) -> tuple[tuple[Button, ...], ...]:
    """A Bot API reply_markup (JSON) as a screen's buttons. Messenger cannot ask for a
    location or a contact: such buttons are left out (the journeys say a place can be typed);
    a Mini App opens as a link."""
    if not reply_markup:
        return ()
    rows: list[tuple[Button, ...]] = []
    for row in reply_markup.get("inline_keyboard") or ():
        rows.append(tuple(b for b in map(_inline, row) if b is not None))
    for row in reply_markup.get("keyboard") or ():
        typed = (
            Button(str(key), typed=True)
            if isinstance(key, str)
            else Button(str(key["text"]), typed=True)
            for key in row
            if isinstance(key, str)
            or not (key.get("request_location") or key.get("request_contact"))
        )
        rows.append(tuple(typed))
    return tuple(row for row in rows if row)


def markup_of(buttons: tuple[tuple[Button, ...], ...]) -> Json | None:
    """The inline keyboard a message's buttons make, as the Bot API writes it (what a press's
    `callback_query.message.reply_markup` shows the journeys); None without one."""
    rows = [
        [
            {"text": b.label, "url": b.url}
            if b.url
            else {"text": b.label, "callback_data": b.action}
            for b in row
            if not b.typed
        ]
        for row in buttons
    ]
    rows = [row for row in rows if row]
    return {"inline_keyboard": rows} if rows else None


def _inline(key: Json) -> Button | None:
    if key.get("callback_data") is not None:
        return Button(str(key["text"]), action=str(key["callback_data"]))
    url = key.get("url") or (key.get("web_app") or {}).get("url")
    return Button(str(key["text"]), url=str(url)) if url else None


def page_of(shown: Json, page: int) -> Screen:
    """Page `page` (from 1) of the choices of a message shown before (its stored `shown`): the
    inbound side shows it when a "More ›" is pressed; its presses name the first message."""
    return Screen(text="", buttons=buttons_of(shown.get("reply_markup")), extra={"page": page})


def change(before: Json, screen: Screen) -> Screen | None:
    """What an edit shows anew of a message shown before (`before`, its stored `shown`), as
    Messenger cannot edit: with the same text, only the labels that changed ("✅ En by for
    alle", "✓ Ja") and the new buttons, or nothing when the buttons are only taken away; with
    text added or changed after what stays at its start, only that; else the whole new screen
    (it is new content)."""
    was = str(before.get("text") or "")
    now = readable(screen.text).text
    if now == was:
        if not screen.buttons:
            return None
        return _relabelled(buttons_of(before.get("reply_markup")), screen)
    added = _added(was, now)
    return screen if added is None else replace(screen, text=_ending(screen.text, added))


def _relabelled(earlier: tuple[tuple[Button, ...], ...], screen: Screen) -> Screen:
    """The labels that changed on the message's buttons, one a line, in full, with the new
    buttons. The list of cut choices shown with the message still holds while the same ones
    are cut, and is not repeated."""
    first = _page(_choices(screen.buttons), 0)
    cut = _cut(first)
    listed = any(cut) and cut == _cut(_page(_choices(earlier), 0))
    old = Counter(b.label for row in earlier for b in row)
    changed = []
    for button in (b for row in screen.buttons for b in row):
        if old[button.label]:
            old[button.label] -= 1
        else:
            changed.append(_label(button))
    return replace(screen, text=html.escape("\n".join(changed)), extra={LISTED: listed})


def _added(was: str, now: str) -> str | None:
    """What a new text adds to the one shown: its end after the old text, the line or two that
    changed in place, or what follows the paragraphs it starts with unchanged ("Temaer (side 2
    af 3)" under the same welcome); None when it changes from the start."""
    if was and now.startswith(was):
        return now[len(was) :].strip()
    before, after = was.splitlines(), now.splitlines()
    if len(before) == len(after) > CHANGED_LINES:
        changed = [line for line, earlier in zip(after, before, strict=True) if line != earlier]
        if len(changed) <= CHANGED_LINES:  # a line or two in place ("👤 Anonym")
            return "\n".join(changed)
    old, new = was.split("\n\n"), now.split("\n\n")
    same = next((n for n, (a, b) in enumerate(zip(old, new, strict=False)) if a != b), len(old))
    return "\n\n".join(new[same:]) if same else None


def _ending(markup: str, added: str) -> str:
    """The end of a screen's HTML that reads as `added`, from a line's start so that its links
    stay links; else `added` as plain text."""
    starts = (at + 1 for at in range(len(markup) - 1, -1, -1) if markup[at] == "\n")
    return next(
        (markup[at:] for at in starts if readable(markup[at:]).text == added),
        html.escape(added),
    )


def render(screen: Screen, message_id: int, t: Translator) -> list[Json]:
    """The Send API `message` objects that show the screen's text and buttons, in order (an
    attachment is sent before them by the caller). `message_id` is the message the buttons'
    payloads name."""
    choices = _choices(screen.buttons)
    urls = [button for row in screen.buttons for button in row if button.url]
    page = int(str(screen.extra.get("page", 0)))
    text = readable(screen.text)
    links = [Button(label, url=href) for label, href in text.links] + urls
    choose = t.plain("messenger.choose")
    listed = bool(screen.extra.get(LISTED))
    if page == 0 and _templated(choices, links):
        titles, listing = _titles(choices + links, listed)
        named = zip(choices + links, titles, strict=True)
        buttons = [_web(b, name) if b.url else _postback(b, name, message_id) for b, name in named]
        words = _joined(text.text, listing)
        if len(words) <= MAX_TEMPLATE_TEXT and (text.text or choices):
            return [_template(words or choose, buttons)]
        if not choices:
            return [*map(_text, _split(words)), _template(choose, buttons)]
    shown = _page(choices, page)
    titles, listing = _titles(shown, listed)
    if page:
        written = t.plain("messenger.more_choices")
    else:
        inline = readable(screen.text, inline_links=True).text
        written = _joined(inline, "\n".join(f"{b.label}: {b.url}" for b in urls))
    if choices and not written:
        written = choose
    messages = [_text(part) for part in _split(_joined(written, listing))]
    if choices:
        replies = [_reply(b, name, message_id) for b, name in zip(shown, titles, strict=True)]
        if len(choices) > page * PAGE_SIZE + len(shown):
            more = {"content_type": "text", "title": t.plain("messenger.more")}
            replies.append({**more, "payload": payloads.page(message_id, page + 1)})
        messages[-1]["quick_replies"] = replies
    return messages


def _joined(*parts: str) -> str:
    return "\n\n".join(part for part in parts if part)


def _choices(buttons: tuple[tuple[Button, ...], ...]) -> list[Button]:
    return [button for row in buttons for button in row if not button.url]


def _page(choices: list[Button], page: int) -> list[Button]:
    """The choices shown on page `page` (from 0): all that are left if they fit, else 12."""
    rest = choices[page * PAGE_SIZE :]
    return rest if len(rest) <= MAX_QUICK_REPLIES else rest[:PAGE_SIZE]


def _label(button: Button) -> str:
    return " ".join(button.label.split())


def _cut(buttons: list[Button]) -> list[bool]:
    """Which buttons' titles must be cut to Messenger's 20 characters."""
    return [len(_label(b)) > MAX_TITLE for b in buttons]


def _titles(buttons: list[Button], listed: bool) -> tuple[list[str], str]:
    """The buttons' titles and, when some must be cut, those choices in full (unless the
    message `listed` them above already), one a line under the text, so that every choice can
    be read whole ("▫️ Fokus på det…" is "• ▫️ Fokus på det hele menneske"). No numbers: a
    person on Messenger would type them, and choices are tapped."""
    titles = [title(_label(b)) for b in buttons]
    lines = [f"• {_label(b)}" for b, cut in zip(buttons, _cut(buttons), strict=True) if cut]
    return titles, "" if listed else "\n".join(lines)


def _templated(choices: list[Button], links: list[Button]) -> bool:
    if not choices:
        return 0 < len(links) <= MAX_TEMPLATE_BUTTONS
    return (
        len(choices) + len(links) <= MAX_TEMPLATE_BUTTONS
        and all(not b.typed and len(b.label) <= MAX_TITLE for b in choices)
        and all(len(b.label) <= MAX_TITLE for b in links)
    )


def _template(text: str, buttons: list[Json]) -> Json:
    return {
        "attachment": {
            "type": "template",
            "payload": {"template_type": "button", "text": text, "buttons": buttons},
        }
    }


def _postback(button: Button, name: str, message_id: int) -> Json:
    return {"type": "postback", "title": name, "payload": _payload(button, message_id)}


def _web(button: Button, name: str) -> Json:
    return {"type": "web_url", "url": button.url, "title": name}


def _reply(button: Button, name: str, message_id: int) -> Json:
    return {"content_type": "text", "title": name, "payload": _payload(button, message_id)}


def _text(text: str) -> Json:
    return {"text": text}


def _payload(button: Button, message_id: int) -> str:
    if button.typed or button.action is None:
        return payloads.typed(button.label)
    return payloads.action(message_id, button.action)


CHANGED_LINES = 2  # lines an edit may change in place and be shown alone
WORD_CUT = 5  # characters a title may lose to end at a whole word


def title(label: str) -> str:
    """A button's title within Messenger's 20 characters (its payload keeps the whole action)."""
    label = " ".join(label.split())
    if len(label) <= MAX_TITLE:
        return label
    cut = label[: MAX_TITLE - 1]
    # At the last whole word when that loses little ("Forening eller…"), else mid-word.
    space = cut.rfind(" ")
    kept = cut[:space] if space >= len(cut) - WORD_CUT else cut
    return kept.rstrip(" ,.:;-–") + "…"


def _split(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Pieces of at most `limit` characters, cut at a blank line, else a line end, else a
    space, else anywhere."""
    pieces: list[str] = []
    text = text.strip()
    while len(text) > limit:
        head = text[: limit + 1]
        cut = next(
            (at for sep in ("\n\n", "\n", " ") if (at := head.rfind(sep)) > 0),
            limit,
        )
        pieces.append(text[:cut].rstrip())
        text = text[cut:].strip()
    if text:
        pieces.append(text)
    return pieces
