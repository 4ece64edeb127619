"""How a bold looks: the card a network works from, the sender's page with its timeline, and the
buttons under each. Shared by the sender's side (handlers/bolde.py) and the network's
(handlers/inbox.py); the buttons shown follow the state machine in bot/services/bolde.py."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.channels import Channel, channel_of
from bot.i18n import Translator
from bot.services import Services
from bot.services.bolde import Action, Role
from handlers.callbacks import CallbackCodec
from handlers.paging import MAX_TEXT, beginning, fits, grid
from storage.bolde import OPEN, Bold, Event, Status

# The sender's side: writing a bold, their list, their page of one.
BOLD = CallbackCodec(
    "bold",
    new=0, kind=1, skip=1, back=1, cat=1, topic=2, tpage=1, tabout=1, done=0, name=0, edit=0,
    send=0, isreply=2, isnew=2,
    mine=1, show=1, reopen=1, reply=1, whole=1,
)  # fmt: skip
# The network's side: the card's buttons.
# send and edit belong to a previewed text: send names the bold and the draft as it was shown.
WORK = CallbackCodec(
    "bw", take=1, answer=1, ask=1, move=1, to=2, decline=1, open=1, log=1, send=2, edit=1,
    whole=1,
)  # fmt: skip
ICONS = {"idea": "💡", "concern": "😟", "problem": "📍"}
# Of a bold's text, as Telegram counts (UTF-16 code units): what a card or a page shows (room
# is left for an answer of NOTE_MAX and every other line), what the sender's own draft shows,
# and what each message carrying a long text whole holds.
SHOWN_TEXT, DRAFT_TEXT, PART = 1000, 3000, 4000
TIMELINE_NOTE = 300  # a note in the timeline, when the page would not fit one message otherwise
_WORK_BUTTONS = (
    (Action.TAKE, "take", "work.take"),
    (Action.ANSWER, "answer", "work.answer"),
    (Action.ASK, "ask", "work.ask"),
    (Action.MOVE, "move", "work.move"),
    (Action.DECLINE, "decline", "work.decline"),
)


def kind_title(t: Translator, bold: Bold) -> str:
    return f"{ICONS[bold.kind]} {t.plain('bold.kind.' + bold.kind)}"


def voice_length(seconds: int) -> str:
    """0:42, 12:05: how a voice note's length reads in the chat."""
    return f"{seconds // 60}:{seconds % 60:02d}"


def content(
    t: Translator, text: str, voice_seconds: int | None, limit: int = SHOWN_TEXT
) -> list[str]:
    """What a bold says: a voice note and its length, then the text; a text too long to show
    with the card's other lines is shortened here (`text_parts` carries it whole)."""
    lines = []
    if voice_seconds is not None:
        lines.append(t("bold.voice", length=voice_length(voice_seconds)))
    if text:
        lines.append(t("bold.card.text", text=shown(text, limit)))
    if not fits(text, limit):
        lines.append(t.count("bold.shortened", len(text)))
    return lines


def shown(text: str, limit: int = SHOWN_TEXT) -> str:
    """A bold's text as a card or a page shows it: a long one's beginning."""
    return text if fits(text, limit) else beginning(text, limit).rstrip() + " …"


def text_parts(text: str) -> list[str]:
    """A text too long for a card, whole, in messages that each fit; none for a text the
    card shows whole."""
    if fits(text, SHOWN_TEXT):
        return []
    parts = []
    while text:
        part = beginning(text, PART)
        parts.append(part.strip())
        text = text[len(part) :].strip()
    return parts


def whole_text(t: Translator, bold: Bold) -> list[str]:
    """The messages that carry a long text whole, each saying which part it is."""
    parts = text_parts(bold.text)
    return [
        t("bold.part", reference=bold.reference, text=part, page=n, pages=len(parts))
        for n, part in enumerate(parts, 1)
    ]


def map_link(bold: Bold) -> str | None:
    if bold.latitude is None or bold.longitude is None:
        return None
    lat, lon = f"{bold.latitude:.5f}", f"{bold.longitude:.5f}"
    return f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=17/{lat}/{lon}"


def _details(
    services: Services, t: Translator, bold: Bold, network: str | None, who: list[str] | None = None
) -> list[str]:
    """What both sides see: kind, reference, status, where it is, what it is about; `who`
    adds the lines of one side (for a network the sender's name if shown and who took it, for
    the sender that it went anonymously)."""
    strategy, language = services.strategy, t.language
    lines = [t("bold.card.title", kind=kind_title(t, bold), reference=bold.reference)]
    if bold.urgent:
        lines.insert(0, t("bold.card.urgent"))
    lines.append(
        t(
            "bold.card.status",
            status=t.plain("bold.status." + bold.status),
            network=network
            or t.plain("bold.no_network" if bold.status in OPEN else "bold.without_network"),
        )
    )
    categories = {c.code: c.title.get(language) for c in strategy.categories}
    if bold.category:
        lines.append(t("bold.card.category", value=categories.get(bold.category, bold.category)))
    if bold.topics:
        lines.append(t("bold.card.topics", value=", ".join(strategy.titles(bold.topics, language))))
    link = map_link(bold)
    if link:
        lines.append(t("bold.card.map", url=link))
    if bold.place:
        lines.append(t("bold.card.place", value=bold.place))
    if bold.photo_file_id:
        lines.append(t("bold.card.photo"))
    lines += who or []
    lines.append(t("bold.card.sent", when=t.moment(bold.created_at)))
    lines += ["", *content(t, bold.text, bold.voice_seconds)]
    if bold.public_answer:
        # Open again after an answer: the answer stays to read, named as the one that did not do.
        key = "bold.card.earlier_answer" if bold.status in OPEN else "bold.card.answer"
        lines += ["", t(key, text=bold.public_answer)]
    return lines


def card_text(
    services: Services, t: Translator, bold: Bold, network: str | None, taker: str | None
) -> str:
    """The card for a network: never the sender's identity unless they chose to show it; a
    sender who shows it on Messenger is named so (an answer may wait for them to write)."""
    on_messenger = bold.sender_name and channel_of(bold.sender_id or 0) is Channel.MESSENGER
    key = "bold.card.from_messenger" if on_messenger else "bold.card.from"
    who = [t(key, name=bold.sender_name or t.plain("bold.anonymous"))]
    if taker and bold.status == Status.IN_PROGRESS:
        who.append(t("bold.card.taken_by", name=taker))
    return "\n".join(_details(services, t, bold, network, who))


def card_keyboard(services: Services, t: Translator, bold: Bold) -> InlineKeyboardMarkup:
    """The actions the bold's status allows now; the service checks again on every press."""
    allowed = services.bolde.allowed
    buttons = [
        InlineKeyboardButton(t.plain(key), callback_data=WORK.data(action, bold.id))
        for rule, action, key in _WORK_BUTTONS
        if allowed(rule, bold)
    ]
    rows = grid(buttons)
    last = [InlineKeyboardButton(t.plain("work.log"), callback_data=WORK.data("log", bold.id))]
    if text_parts(bold.text):
        whole = WORK.data("whole", bold.id)
        last.append(InlineKeyboardButton(t.plain("bold.whole_text"), callback_data=whole))
    rows.append(last)
    return InlineKeyboardMarkup(rows)


def _who(t: Translator, event: Event, actors: dict[int, str] | None) -> str:
    """The sender as such; to a network, a coordinator or member by name (`actors`), to the
    sender (`actors` None) by their role only."""
    if event.role == Role.SENDER:
        return t.plain("bold.who.sender" if actors is not None else "bold.who.you")
    name = (actors or {}).get(event.actor_id or 0)
    if name and event.role in {Role.COORDINATOR, Role.NETWORK}:
        return t.plain("bold.who.named." + event.role, name=name)
    return t.plain("bold.who." + event.role)


def timeline(
    t: Translator,
    head: list[str],
    events: list[Event],
    networks: dict[int, str],
    actors: dict[int, str] | None,
) -> str:
    """The head, then what happened, newest last. When that is longer than one message, the
    oldest events give way; when even the newest alone is too long, the notes are shortened
    (the head holds the answer whole). `actors` names who acted, for a network's eyes; None is
    the sender's view."""
    top = "\n".join(head) + "\n\n" + t("bold.timeline")
    for limit in (MAX_TEXT, TIMELINE_NOTE):
        lines = [
            t(
                "bold.event." + event.action,
                when=t.moment(event.at),
                who=_who(t, event, actors),
                network=networks.get(event.network_id or 0, t.plain("bold.no_network")),
                note=shown(event.note or "", limit),
            )
            for event in events
        ]
        shown_lines = lines
        while len(lines) > 1 and not fits(top + "\n" + "\n".join(shown_lines), MAX_TEXT - 100):
            lines = lines[1:]
            shown_lines = [t("bold.earlier"), *lines]
        text = top + "\n" + "\n".join(shown_lines)
        if fits(text, MAX_TEXT - 100):
            break
    return text


def sender_page(
    services: Services,
    t: Translator,
    bold: Bold,
    events: list[Event],
    networks: dict[int, str],
) -> tuple[str, InlineKeyboardMarkup]:
    """The sender's view of their bold: what they sent, the answer, and everything since."""
    who = [] if bold.sender_name else [t("bold.sent_anonymously")]
    head = _details(services, t, bold, networks.get(bold.network_id or 0), who)
    text = timeline(t, head, events, networks, actors=None)
    return text, sender_keyboard(t, bold, events, page=True)


def worker_log(
    services: Services,
    t: Translator,
    bold: Bold,
    events: list[Event],
    networks: dict[int, str],
    actors: dict[int, str],
) -> str:
    """The network's view of the timeline: the same events, the sender named as such, the
    others by name."""
    head = _details(services, t, bold, networks.get(bold.network_id or 0))
    return timeline(t, head, events, networks, actors)


def sender_keyboard(
    t: Translator, bold: Bold, events: list[Event], page: bool = False
) -> InlineKeyboardMarkup:
    """Under the sender's page or a notice: reopen an answer, reply to a question, the timeline."""
    rows: list[list[InlineKeyboardButton]] = []
    if bold.status in {Status.ANSWERED, Status.DECLINED}:
        label = "bold.disagree" if bold.status == Status.DECLINED else "bold.reopen"
        rows.append([_sender_button(t, label, "reopen", bold.id)])
    asked = [e for e in events if e.action in {Action.ASK, Action.REPLY}]
    if bold.status in OPEN and asked and asked[-1].action == Action.ASK:
        rows.append([_sender_button(t, "bold.reply", "reply", bold.id)])
    if page and text_parts(bold.text):
        rows.append([_sender_button(t, "bold.whole_text", "whole", bold.id)])
    if page:
        rows.append([_sender_button(t, "bold.back_to_mine", "mine", 0)])
    else:
        rows.append([_sender_button(t, "bold.see_timeline", "show", bold.id)])
    return InlineKeyboardMarkup(rows)


def _sender_button(t: Translator, key: str, action: str, argument: int) -> InlineKeyboardButton:
    return InlineKeyboardButton(t.plain(key), callback_data=BOLD.data(action, argument))
