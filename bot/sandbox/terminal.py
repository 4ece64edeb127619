"""`bolden try`: chat with the real bot in this terminal, on the emulator and a temporary database.

What the bot sends is printed with its buttons numbered; a number presses that button, a line
that starts with ' is sent as it is (so '42 sends "42"), anything else is sent as a message.
Files the bot sends are saved in a folder that outlives the session, and their paths printed.
`/as coordinator` and `/as citizen` switch between two people; `/as <name>` to anyone else, who
is made at the first switch.

`bolden try --messenger`: the citizen is a Messenger person on the Graph API emulator instead,
shown what Messenger shows (quick replies and template buttons numbered, files as [billede] or
[fil name]); `/getstarted`, `/link REF` and `/photo PATH` do what Messenger's Get Started
button, an m.me link and the photo button do, and `/later HOURS` moves the sandbox's clock on
(past Meta's 24-hour window, say). The coordinator stays in Telegram.
"""

from __future__ import annotations

import asyncio
import logging
import mimetypes
import sys
import threading
from contextlib import AsyncExitStack
from datetime import datetime, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory, mkdtemp
from typing import Protocol, TextIO
from urllib.parse import quote

from pydantic import SecretStr

from bot.app import build_application, running, web_of
from bot.clock import utc_now
from bot.config import Settings
from bot.logs import configure_logging
from bot.sandbox.emulator import BotApiEmulator, ChatMessage, Json, SimulatedPerson, StoredFile
from bot.sandbox.messenger import GraphApiEmulator, MessengerMessage, SimulatedMessengerPerson
from bot.strategy import Strategy

SANDBOX_TOKEN = "1000000001:sandbox-token-that-only-works-offline"
SANDBOX_PAGE_TOKEN = "sandbox-page-token-that-only-works-offline"
SANDBOX_APP_SECRET = "sandbox-app-secret"
SANDBOX_VERIFY_TOKEN = "sandbox-verify-token"
MESSENGER_PSID = "7000000000000001"
# How long the bot may stay silent after its first reply before the prompt comes back.
SETTLE_SECONDS = 0.3
REPLY_SECONDS = 15.0

HELP = (
    "Commands of this sandbox: a number presses that button of the last message "
    "('42 sends the text 42); /as citizen, /as coordinator or /as <name> switches person; "
    "/quit leaves. Everything else goes to the bot."
)
MESSENGER_HELP = (
    "Commands of this sandbox: /getstarted presses Messenger's Get Started button, /link REF "
    "opens the page's m.me link with ?ref=REF, /menu ITEM presses an item of the page's menu, "
    "/photo PATH sends a photo, /later HOURS moves the clock on (Messenger's 24-hour window), "
    "a number taps that choice of the last message ('42 sends the text 42); /as coordinator "
    "switches to the coordinator in Telegram and /as citizen back; /quit leaves. Everything else "
    "goes to the bot."
)
ROLES = ("citizen", "coordinator")


class SandboxClock:
    """The bot's and Meta's time in the sandbox: now, plus the hours /later added."""

    def __init__(self) -> None:
        self.ahead = timedelta()

    def __call__(self) -> datetime:
        return utc_now() + self.ahead


# What Messenger shows in a conversation in place of an attachment.
SHOWN_AS = {"image": "[billede]", "audio": "[lyd]", "video": "[video]"}


class Talk(Protocol):
    """A terminal's side of the chat: what it says first, and what a typed line does."""

    def introduce(self, web: str) -> None: ...

    async def handle(self, line: str) -> bool: ...


class Terminal:
    def __init__(self, emulator: BotApiEmulator, out: TextIO, files: Path) -> None:
        self.emulator = emulator
        self.out = out
        self.files = files
        # By lower-case name; the two roles are also known by their people's names.
        self.people = {
            "citizen": emulator.person(1001, "Anna", "da"),
            "coordinator": emulator.person(1002, "Karim", "da"),
        }
        self.people.update({p.user["first_name"].lower(): p for p in list(self.people.values())})
        self.person = self.people["citizen"]
        self.shown: dict[int, int] = {}  # message id -> edits already printed
        self.pending: list[str] = []
        emulator.listeners.append(self._on_answer)

    @property
    def coordinator(self) -> SimulatedPerson:
        return self.people["coordinator"]

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def introduce(self, web: str) -> None:
        self.say("Bolden sandbox: an offline Telegram on this machine, with a temporary database.")
        self.say(HELP)
        self.say(f"Files the bot sends are saved in {self.files}")
        self.say(f"The web pages of this sandbox are at {web}/ (open them in a browser).")
        # Telegram opens the dashboard only from an https address, so here it is a link, signed
        # as Telegram would sign it for the coordinator.
        signed = quote(self.coordinator.init_data(), safe="")
        self.say(
            f"The coordinators' dashboard (for an hour): {web}/dashboard#tgWebAppData={signed}"
        )
        self.say(self._whoami() + " Type /start to begin.")

    def _whoami(self) -> str:
        name = self.person.user["first_name"]
        roles = [role for role in ROLES if self.people[role] is self.person]
        role = f"{roles[0]}, " if roles else ""
        return f"You are {name} ({role}Telegram id {self.person.id})."

    def switch(self, name: str) -> None:
        """/as: to one of the two roles, to someone met before, or to a new person."""
        if not name or len(name) > 64:
            self.say("Say /as citizen, /as coordinator or /as <name> (a new person, or one met).")
            return
        found = self.people.get(name.lower())
        if found is None:
            number = max(person.id for person in self.people.values()) + 1
            found = self.people[name.lower()] = self.emulator.person(number, name, "da")
        self.person = found
        self.say(self._whoami())
        self.show_new()

    async def handle(self, line: str) -> bool:
        """Act on one line of input; False when the person wants to leave."""
        line = line.strip()
        if line in {"/quit", "/exit"}:
            return False
        if not line:
            return True
        if line == "/as" or line.startswith("/as "):
            self.switch(line.removeprefix("/as").strip())
            return True
        before = self.emulator.activity[self.person.id]
        if line.isdigit():
            if not await self._press(int(line)):
                return True
        else:
            await self.person.send(line.removeprefix("'") or "'", wait=False)
        await self._settle(before)
        return True

    async def _press(self, number: int) -> bool:
        """Press a button; False when nothing went to the bot (no answer to wait for)."""
        with_buttons = [m for m in self.person.messages if m.buttons]
        buttons = with_buttons[-1].buttons if with_buttons else []
        if not 1 <= number <= len(buttons):
            self.say(f"There is no button {number}.")
            return False
        self.say(f"(you press: {buttons[number - 1]['text']})")
        if "url" in buttons[number - 1]:
            self.say(f"In Telegram this opens {buttons[number - 1]['url']}")
            return False  # nothing reaches the bot
        data = str(buttons[number - 1].get("callback_data"))
        await self.person.tap(with_buttons[-1], data)
        return True

    async def _settle(self, before: int) -> None:
        user_id = self.person.id
        try:
            await self.emulator.wait_for(
                lambda: self.emulator.activity[user_id] > before, REPLY_SECONDS, "the bot's reply"
            )
        except AssertionError:
            self.say("(the bot did not answer)")
            return
        await self.emulator.quiet_for(SETTLE_SECONDS)
        self.show_new()

    def show_new(self) -> None:
        for message in self.person.messages:
            edits = self.shown.get(message.message_id)
            if edits is None or edits < message.edits:
                self._print(message, edited=edits is not None)
                self.shown[message.message_id] = message.edits
        for line in self.pending:
            self.say(line)
        self.pending.clear()

    def _print(self, message: ChatMessage, edited: bool) -> None:
        label = "Bolden (edited)" if edited else "Bolden"
        body = message.text
        if message.file:
            body = f"[file: {self._save(message.message_id, message.file)}] {body}".rstrip()
        lines = body.splitlines() or [""]
        self.say(f"{label} > {lines[0]}")
        for line in lines[1:]:
            self.say(f"    {line}" if line else "")
        if message.buttons:
            numbered = [f"[{i}] {b['text']}" for i, b in enumerate(message.buttons, start=1)]
            self.say("    " + "   ".join(numbered))

    def _save(self, message_id: int, file: StoredFile) -> Path:
        """Into the files folder, named by the message so that two exports never collide."""
        path = self.files / f"{message_id}-{Path(file.name).name}"
        if not path.exists():  # an edited caption shows the same file again
            path.write_bytes(file.data)
        return path

    def _on_answer(self, kind: str, event: ChatMessage | Json) -> None:
        answered_here = isinstance(event, dict) and event.get("chat_id") == self.person.id
        if kind == "answer" and answered_here and isinstance(event, dict) and event.get("text"):
            self.pending.append(f"Bolden (pop-up) > {event['text']}")


class MessengerTerminal:
    """The citizen on Messenger; `/as coordinator` hands the lines to the Telegram terminal
    until `/as citizen`."""

    def __init__(self, graph: GraphApiEmulator, telegram: Terminal, clock: SandboxClock) -> None:
        self.clock = clock
        self.graph = graph
        self.telegram = telegram
        self.person: SimulatedMessengerPerson = graph.person(MESSENGER_PSID, "Anna", "Hansen")
        self.on_telegram = False
        self.shown = 0  # messages of the person already printed

    def say(self, text: str) -> None:
        self.telegram.say(text)

    def introduce(self, web: str) -> None:
        page = self.graph.page["username"]
        self.say(
            "Bolden sandbox: an offline Messenger (and Telegram for the coordinator) on this "
            "machine, with a temporary database."
        )
        self.say(MESSENGER_HELP)
        self.say(f"Files the bot sends are saved in {self.telegram.files}")
        self.say(f"The web pages of this sandbox are at {web}/ (open them in a browser).")
        self.say(f"{self._whoami()} The page is m.me/{page}. Type /getstarted to begin.")

    def _whoami(self) -> str:
        return f"You are Anna (citizen, Messenger psid {self.person.psid})."

    async def handle(self, line: str) -> bool:
        """Act on one line of input; False when the person wants to leave."""
        line = line.strip()
        if line in {"/quit", "/exit"}:
            return False
        if line == "/as" or line.startswith("/as "):
            self._switch(line.removeprefix("/as").strip())
            return True
        if self.on_telegram:
            return await self.telegram.handle(line)
        if line:
            await self._act(line)
        return True

    def _switch(self, name: str) -> None:
        self.on_telegram = name.lower() not in {"citizen", "anna"}
        if self.on_telegram:
            self.telegram.switch(name)
            return
        self.say(self._whoami())
        self.show_new()

    async def _act(self, line: str) -> None:
        before = self.graph.activity[self.person.psid]
        command, _, argument = line.partition(" ")
        try:
            if line.isdigit():
                if not await self._choose(int(line)):
                    return
            elif command == "/later":
                self._later(argument.strip())
                return
            elif command == "/getstarted":
                await self.person.get_started()
            elif command == "/link" and argument.strip():
                await self.person.open_link(argument.strip())
            elif command == "/menu" and argument.strip():
                await self.person.menu(argument.strip())
            elif command == "/photo" and argument.strip():
                photo = _read_photo(argument.strip())
                if photo is None:
                    self.say(f"There is no file {argument.strip()}.")
                    return
                await self.person.send_photo(*photo)
            else:
                await self.person.send(line.removeprefix("'") or "'")
        except AssertionError as problem:  # what Messenger would not let the person do
            self.say(f"({problem})")
            return
        await self._settle(before)

    def _later(self, hours: str) -> None:
        try:
            ahead = timedelta(hours=float(hours.replace(",", ".")))
        except ValueError:
            self.say("Write /later and a number of hours, e.g. /later 25.")
            return
        self.clock.ahead += ahead
        self.say(f"(It is now {self.clock():%d.%m.%Y %H.%M} UTC in the sandbox.)")

    async def _choose(self, number: int) -> bool:
        """Press a button or tap a quick reply of the last message with choices; False when
        nothing went to the bot."""
        with_choices = [m for m in self.person.messages if m.choices]
        choices = with_choices[-1].choices if with_choices else []
        if not 1 <= number <= len(choices):
            self.say(f"There is no choice {number}.")
            return False
        message, choice = with_choices[-1], choices[number - 1]
        if choice in message.quick_replies:
            self.say(f"(you tap: {choice['title']})")
            await self.person.tap(choice["title"])
        elif choice["type"] == "web_url":
            self.say(f"(you press: {choice['title']})\nIn Messenger this opens {choice['url']}")
            return False  # nothing reaches the bot
        else:
            self.say(f"(you press: {choice['title']})")
            await self.person.press(message, choice["title"])
        return True

    async def _settle(self, before: int) -> None:
        psid = self.person.psid
        try:
            await self.graph.wait_for(
                lambda: self.graph.activity[psid] > before, REPLY_SECONDS, "the bot's reply"
            )
        except AssertionError:
            self.say("(the bot did not answer)")
            return
        await self.graph.quiet_for(SETTLE_SECONDS)
        self.show_new()

    def show_new(self) -> None:
        for message in self.person.messages[self.shown :]:
            self._print(message)
        self.shown = len(self.person.messages)

    def _print(self, message: MessengerMessage) -> None:
        body = message.text
        if message.attachment_type is not None:
            name = message.attachment_name or "fil"
            body = SHOWN_AS.get(message.attachment_type, f"[fil {name}]")
        lines = body.splitlines() or [""]
        self.say(f"Bolden > {lines[0]}")
        for line in lines[1:]:
            self.say(f"    {line}" if line else "")
        if message.attachment is not None:
            path = (
                self.telegram.files / f"{message.mid}-{Path(message.attachment_name or 'fil').name}"
            )
            path.write_bytes(message.attachment)
            self.say(f"    (saved in {path})")
        if message.choices:
            numbered = [f"[{i}] {title}" for i, title in enumerate(message.labels, start=1)]
            self.say("    " + "   ".join(numbered))


async def chat(
    settings: Settings, strategy: Strategy, stdin: TextIO, stdout: TextIO, messenger: bool = False
) -> int:
    """Run the emulator(s) and the bot, and talk to it line by line until /quit or end of
    input; on Messenger, 1 when the bot's webhook does not pass Meta's handshake."""
    configure_logging(SANDBOX_TOKEN, sys.stderr, logging.WARNING)
    files = Path(mkdtemp(prefix="bolden-try-files-"))  # kept: the files are there to be opened
    async with AsyncExitStack() as stack:
        folder = stack.enter_context(TemporaryDirectory(prefix="bolden-try-"))
        emulator = await stack.enter_async_context(BotApiEmulator(SANDBOX_TOKEN))
        terminal = Terminal(emulator, stdout, files)
        talk: Talk = terminal
        sandbox = settings.model_copy(
            update={
                "token": SecretStr(SANDBOX_TOKEN),
                "api_base_url": emulator.url,
                "database": Path(folder) / "bolden.sqlite3",
                "coordinators": settings.coordinators | {terminal.coordinator.id},
                # On loopback only; a free port unless BOLDEN_WEB_PORT names one.
                "web_host": "127.0.0.1",
                "web_port": settings.web_port if "web_port" in settings.model_fields_set else 0,
                "public_url": None,
                "webhook_url": None,  # the sandbox polls its own emulator
            }
        )
        clock = SandboxClock()
        if messenger:
            graph = await stack.enter_async_context(
                GraphApiEmulator(SANDBOX_PAGE_TOKEN, SANDBOX_APP_SECRET, clock=clock)
            )
            talk = MessengerTerminal(graph, terminal, clock)
            sandbox = sandbox.model_copy(
                update={
                    "messenger_page_token": SecretStr(SANDBOX_PAGE_TOKEN),
                    "messenger_app_secret": SecretStr(SANDBOX_APP_SECRET),
                    "messenger_verify_token": SecretStr(SANDBOX_VERIFY_TOKEN),
                    "messenger_api_base_url": graph.url,
                }
            )
        application = await stack.enter_async_context(
            running(build_application(sandbox, strategy, clock))
        )
        web = web_of(application).url
        if messenger and not await graph.subscribe(
            f"{web}/messenger/webhook", SANDBOX_VERIFY_TOKEN
        ):
            print(
                f"The bot's Messenger webhook at {web}/messenger/webhook did not pass Meta's "
                "handshake.",
                file=stdout,
                flush=True,
            )
            return 1
        talk.introduce(web)
        lines = _read_lines(stdin)
        while True:
            if stdin.isatty():
                print("> ", end="", file=stdout, flush=True)
            line = await lines.get()
            if not line or not await talk.handle(line):
                break
    return 0


def _read_photo(name: str) -> tuple[bytes, str] | None:
    """A photo on this machine to send: its bytes and type; None when there is no such file."""
    path = Path(name).expanduser()
    if not path.is_file():
        return None
    return path.read_bytes(), mimetypes.guess_type(path.name)[0] or "image/jpeg"


def _read_lines(stdin: TextIO) -> asyncio.Queue[str]:
    """Lines typed or piped in, read by a daemon thread so that Ctrl-C never waits for Enter;
    an empty string marks the end of input."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str] = asyncio.Queue()

    def read() -> None:
        for line in iter(stdin.readline, ""):
            loop.call_soon_threadsafe(queue.put_nowait, line)
        loop.call_soon_threadsafe(queue.put_nowait, "")

    threading.Thread(target=read, name="bolden-try-input", daemon=True).start()
    return queue
