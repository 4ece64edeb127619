"""Random updates of every kind Telegram sends, and some it never would: for the fuzz test in
the suite and the bigger run of bench/fuzz.py.

Each simulated person acts on their own, concurrently with the others, with a random generator
seeded from one seed: commands with random arguments, unknown commands, texts with control and
right-to-left characters, HTML and 100 KB of text, media of every kind, presses on the buttons
they were shown (so conversations are walked, and interrupted at every step), presses with
random or forged data or on messages that are gone, edits, blocking the bot and coming back.
Groups get commands and presses, a member update, an upgrade to a supergroup; and there are
channel posts, inline queries, presses on inline messages, updates with no sender and updates
the library cannot read. What each private message got is counted at the emulator.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from bot.sandbox.emulator import BotApiEmulator, ChatMessage, SimulatedGroup, SimulatedPerson
from handlers.commands import COORDINATOR_COMMANDS, PUBLIC_COMMANDS

Json = dict[str, Any]
COMMANDS = (*PUBLIC_COMMANDS, *COORDINATOR_COMMANDS)
WORDS = (
    "hej", "ja", "nej", "1", "0", "-1", "99", "1, 2, 99", "alle", "en", "da", "bolde",
    "12.12.2026 17:00", "i morgen", "anna@example.com", "ikke-en-mail@", "B-2026-0001",
    "net-abc", "netg-abc", "ref-XYZ", "ev-1", "9" * 40, "Fællesskab", "Øster Alle 12",
)  # fmt: skip
ODD_TEXTS = (
    "\u202eevil\u202c", "مرحبا بالعالم", "שלום", "\x00\x01\x07\x1b[31m", "\u200b\u200d\ufeff",
    "<b>fed</b> <script>alert(1)</script> &amp; &lt; <a href='javascript:x'>", "</b><i>",
    "👩‍👩‍👧‍👦" * 50, "{{name}} %s %(x)s {0}", "' OR 1=1; DROP TABLE people; --", "\n\n\n", " ",
)  # fmt: skip
# Each step's method, and how often it is taken.
STEPS = {
    "_type": 30, "_press_shown": 25, "_media": 8, "_press_forged": 5, "_press_gone": 3,
    "_edit": 3, "_in_group": 6, "_press_in_group": 2, "_block": 1, "_odd_update": 2, "_upgrade": 1,
}  # fmt: skip
BIG = "Lorem ipsum dolor sit amet. " * 3700  # about 100 KB


@dataclass
class Tally:
    """What happened, counted at the emulator."""

    updates: int = 0
    private_messages: int = 0
    unanswered: list[str] = field(default_factory=list)
    presses: int = 0
    presses_unanswered: list[str] = field(default_factory=list)


class Fuzzer:
    def __init__(
        self,
        emulator: BotApiEmulator,
        people: list[SimulatedPerson],
        groups: list[SimulatedGroup],
        seed: int,
        patience: float = 10.0,
    ) -> None:
        self.emulator = emulator
        self.people = people
        self.groups = groups
        self.seed = seed
        self.patience = patience
        self.tally = Tally()
        self._ids = itertools.count(10_000_000)
        self._upgraded = False

    async def run(self, steps_each: int) -> Tally:
        """Every person takes `steps_each` random steps, all of them at the same time."""
        await asyncio.gather(
            *(self._walk(person, random.Random(self.seed * 7919 + i), steps_each)
              for i, person in enumerate(self.people))
        )  # fmt: skip
        return self.tally

    async def _walk(self, person: SimulatedPerson, rng: random.Random, steps: int) -> None:
        for _ in range(steps):
            if person.id in self.emulator.blocked:
                await person.unblock()
                self.tally.updates += 1
                continue
            [name] = rng.choices(list(STEPS), list(STEPS.values()))
            action: Callable[[SimulatedPerson, random.Random], Awaitable[None]]
            action = getattr(self, name)
            await action(person, rng)

    # -- private messages, each of which must be answered ------------------------------------

    async def _answered(self, person: SimulatedPerson, content: Json, what: str) -> None:
        before = len(person.messages)
        await person.share(content, wait=False)
        self.tally.updates += 1
        self.tally.private_messages += 1
        try:
            await self.emulator.wait_for(lambda: len(person.messages) > before, self.patience)
        except AssertionError:
            self.tally.unanswered.append(f"{person.id}: {what[:80]!r}")

    async def _type(self, person: SimulatedPerson, rng: random.Random) -> None:
        text = random_text(rng)
        content: Json = {"text": text}
        if text.startswith("/"):
            length = len(text.split()[0]) if text.split() else 1
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        await self._answered(person, content, text)

    async def _media(self, person: SimulatedPerson, rng: random.Random) -> None:
        kind = rng.choice(("photo", "voice", "sticker", "document", "location", "contact"))
        await self._answered(person, self.media(kind, rng), kind)

    def media(self, kind: str, rng: random.Random) -> Json:
        stored = self.emulator.store_file(f"{kind}.bin", b"\xff\xd8\xff" + rng.randbytes(64), "x")
        ids = {"file_id": stored.file_id, "file_unique_id": stored.file_id}
        content: Json = {
            "photo": {"photo": [{**ids, "width": 800, "height": 600}]},
            "voice": {"voice": {**ids, "duration": 3}},
            "sticker": {
                "sticker": {
                    **ids,
                    "type": "regular",
                    "width": 512,
                    "height": 512,
                    "is_animated": False,
                    "is_video": False,
                }
            },
            "document": {"document": {**ids, "file_name": "brev.pdf", "mime_type": "x/pdf"}},
            "location": {"location": {"latitude": 55.565, "longitude": 9.752}},
            "contact": {"contact": {"phone_number": "+4512345678", "first_name": "Bo"}},
        }[kind]
        if kind in {"photo", "document"} and rng.random() < 0.5:
            content["caption"] = random_text(rng)[:1024]
        return content

    async def _edit(self, person: SimulatedPerson, rng: random.Random) -> None:
        own = [m for m in self.emulator.chats[person.id] if not m.from_bot and "text" in m.payload]
        if own:
            await person.edit(rng.choice(own), random_text(rng))
            self.tally.updates += 1

    async def _block(self, person: SimulatedPerson, rng: random.Random) -> None:
        await person.block()
        self.tally.updates += 1

    # -- presses ------------------------------------------------------------------------------

    async def _press(self, person: SimulatedPerson, message: ChatMessage, data: str) -> None:
        query_id = await person.tap(message, data)
        self.tally.updates += 1
        self.tally.presses += 1
        answers = self.emulator.callback_answers
        try:
            await self.emulator.wait_for(lambda: bool(answers[query_id]), self.patience)
        except AssertionError:
            self.tally.presses_unanswered.append(f"{person.id}: {data!r}")

    async def _press_shown(self, person: SimulatedPerson, rng: random.Random) -> None:
        """A button the person was shown: usually the last message's, sometimes an older one."""
        shown = [m for m in person.messages if m.buttons][-4:]
        if not shown:
            await self._type(person, rng)
            return
        message = shown[-1] if rng.random() < 0.8 else rng.choice(shown)
        button = rng.choice(message.buttons)
        if "callback_data" in button:
            await self._press(person, message, str(button["callback_data"]))

    async def _press_forged(self, person: SimulatedPerson, rng: random.Random) -> None:
        """Random data, another person's real data, or real data with its numbers changed."""
        mine = [m for m in person.messages if m.buttons]
        others = [m for p in self.people if p is not person for m in p.messages if m.buttons]
        others += [m for g in self.groups for m in g.messages if m.buttons]
        if not mine or not others:
            return
        data = str(rng.choice(rng.choice(others).buttons).get("callback_data", "x"))
        parts, choice = data.split(":"), rng.random()
        if choice < 0.3:
            data = "".join(rng.choice("abcdefghij:0123456789-_") for _ in range(rng.randint(1, 64)))
        elif choice < 0.7 and len(parts) > 2:
            parts[rng.randrange(2, len(parts))] = rng.choice(["9" * 40, "-1", "x", "0"])
            data = ":".join(parts)
        await self._press(person, rng.choice(mine), data)

    async def _press_gone(self, person: SimulatedPerson, rng: random.Random) -> None:
        """A press on a message that was deleted, or grew too old to be edited."""
        shown = [m for m in person.messages if m.buttons]
        if not shown:
            return
        message = rng.choice(shown)
        data = str(rng.choice(message.buttons).get("callback_data", "x"))
        if rng.random() < 0.5:
            self.emulator.delete(message)
        else:
            self.emulator.age(message, hours=72)
        await self._press(person, message, data)

    # -- groups -------------------------------------------------------------------------------

    async def _in_group(self, person: SimulatedPerson, rng: random.Random) -> None:
        group = rng.choice(self.groups)
        if rng.random() < 0.1:
            await self.emulator.push_update({"chat_member": self.member_update(group, person)})
        else:
            await group.post(person, random_text(rng))
        self.tally.updates += 1

    async def _press_in_group(self, person: SimulatedPerson, rng: random.Random) -> None:
        cards = [m for g in self.groups for m in g.messages if m.buttons]
        if cards:
            card = rng.choice(cards)
            await self._press(person, card, str(rng.choice(card.buttons)["callback_data"]))

    async def _upgrade(self, person: SimulatedPerson, rng: random.Random) -> None:
        """Once in a run: a group becomes a supergroup, and the run goes on in the new one."""
        if self._upgraded:
            return
        self._upgraded = True
        old = rng.choice(self.groups)
        new = await old.upgrade(person, old.id - 1_000_000_000_000)
        self.groups[self.groups.index(old)] = new
        self.tally.updates += 2

    def member_update(self, group: SimulatedGroup, person: SimulatedPerson) -> Json:
        member = {"user": person.user, "status": "member"}
        return {
            "chat": group.chat,
            "from": person.user,
            "date": int(time.time()),
            "old_chat_member": {**member, "status": "left"},
            "new_chat_member": member,
        }

    # -- what no one can answer ---------------------------------------------------------------

    async def _odd_update(self, person: SimulatedPerson, rng: random.Random) -> None:
        now = int(time.time())
        channel = {"id": -1009999, "type": "channel", "title": "Nyheder"}
        choice = rng.randrange(6)
        if choice == 0:
            update: Json = {"channel_post": {"message_id": next(self._ids), "chat": channel,
                                             "date": now, "text": random_text(rng)}}  # fmt: skip
        elif choice == 1:
            text = random_text(rng)[:256]
            query = {"id": str(next(self._ids)), "from": person.user, "query": text, "offset": ""}
            update = {"inline_query": query}
        elif choice == 2:
            await person.tap_inline(rng.choice(("menu:about", "bold:new", "x")))
            self.tally.updates += 1
            return
        elif choice == 3:  # no sender, in the person's chat
            update = {"message": {"message_id": next(self._ids), "chat": person.chat, "date": now,
                                  "text": "/start"}}  # fmt: skip
        elif choice == 4:  # a field of the wrong type: the library cannot read it
            update = {"message": {"message_id": next(self._ids), "chat": person.chat,
                                  "date": "i går", "text": "hemmelig"}}  # fmt: skip
        else:
            update = {"my_chat_member": self.member_update(rng.choice(self.groups), person)}
        await self.emulator.push_update(update)
        self.tally.updates += 1


def random_text(rng: random.Random) -> str:
    choice = rng.random()
    if choice < 0.35:
        command = rng.choice(COMMANDS)
        args = " ".join(rng.choice(WORDS) for _ in range(rng.choice((0, 0, 1, 2))))
        mention = rng.choice(("", "", "", "@bolden_sandbox_bot", "@other_bot"))
        return f"/{command}{mention} {args}".rstrip()
    if choice < 0.4:
        return "/" + "".join(rng.choice("abcxyz_0123456789") for _ in range(rng.randint(1, 40)))
    if choice < 0.41:
        return BIG
    if choice < 0.55:
        return rng.choice(ODD_TEXTS)
    words = rng.choices(WORDS + ODD_TEXTS, k=rng.randint(1, 30))
    return " ".join(words)
