"""The conversations a person has with the bot (signing up, sending a bold, writing an answer,
a newsletter...), one of each kind at a time, kept in the database so that a restart resumes
them. The most recently started or touched one gets what the person types; the others wait
until the person resumes or drops them, or a day has passed."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from typing import Any

from bot.clock import Clock
from storage import conversations
from storage.conversations import StoredConversation, WaitingQuestion
from storage.database import Connection, Database

LIFETIME = timedelta(days=1)


class ConversationKind(StrEnum):
    """Every conversation there is; handlers/conversation.py maps each to its handler."""

    SIGNUP = "signup"  # becoming an ambassador
    EDIT = "edit"  # changing one's ambassador profile
    BOLD = "bold"  # writing a bold
    NOTE = "note"  # the text for an action on a bold (an answer, a question)
    NETWORK = "network"  # naming an action network, adding members
    BROADCAST = "broadcast"
    NEWSLETTER = "newsletter"
    EVENT = "event"
    CALL = "call"
    MESSAGE = "message"  # a coordinator's message to one person


class Needs(StrEnum):
    """Who may continue a conversation, checked again at every step."""

    ANYONE = "anyone"  # what the services check per object (a bold's network) still applies
    COORDINATOR = "coordinator"


NEEDS = {kind: Needs.ANYONE for kind in ConversationKind} | {
    kind: Needs.COORDINATOR
    for kind in (
        ConversationKind.NETWORK,
        ConversationKind.BROADCAST,
        ConversationKind.NEWSLETTER,
        ConversationKind.EVENT,
        ConversationKind.CALL,
        ConversationKind.MESSAGE,
    )
}


class Conversations:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def current(self, user_id: int, *kinds: ConversationKind) -> StoredConversation | None:
        """The most recent open conversation (of one of `kinds`, when given). Those left alone
        for a day are forgotten, so that a later message is not taken for an answer to an old
        question."""
        stored = await conversations.get(self._db, user_id, kinds)
        if stored and stored.updated_at and self._clock() - stored.updated_at > LIFETIME:
            async with self._db.transaction() as connection:
                await conversations.delete_older(connection, user_id, self._clock() - LIFETIME)
            stored = await conversations.get(self._db, user_id, kinds)
        return stored

    async def start(
        self, user_id: int, kind: ConversationKind, step: str, answers: dict[str, Any]
    ) -> None:
        """Begin a conversation at its first question, in place of any of its kind; nothing
        is answered yet, so another start may replace it without asking."""
        await self._store(
            user_id, StoredConversation(name=kind, step=step, answers=answers, answered=False)
        )

    async def put(
        self, user_id: int, kind: ConversationKind, step: str, answers: dict[str, Any]
    ) -> int:
        """Store a step the person answered; the conversation becomes the one that gets what
        they type. Its new `touched`: a button can name the draft exactly as it stands now."""
        return await self._store(user_id, StoredConversation(name=kind, step=step, answers=answers))

    async def _store(self, user_id: int, stored: StoredConversation) -> int:
        async with self._db.transaction() as connection:
            return await conversations.put(connection, user_id, stored, self._clock())

    @staticmethod
    async def forget(connection: Connection, user_id: int, kind: ConversationKind) -> None:
        """End one conversation inside a transaction that stores what it led to."""
        await conversations.delete(connection, user_id, kind)

    @staticmethod
    async def forget_unchanged(
        connection: Connection, user_id: int, kind: ConversationKind, touched: int
    ) -> bool:
        """End one conversation inside a transaction, only as it stood when shown (`touched`);
        False when it has moved on since or is gone."""
        return await conversations.delete_unchanged(connection, user_id, kind, touched)

    async def resume(self, user_id: int, kind: ConversationKind) -> StoredConversation | None:
        """Make a waiting conversation the one that gets what the person types again, as it
        stands; None when it is gone (finished, dropped or expired)."""
        if await self.current(user_id, kind) is None:
            return None
        async with self._db.transaction() as connection:
            touched = await conversations.touch(connection, user_id, kind, self._clock())
        return await conversations.get(self._db, user_id, [kind]) if touched else None

    async def drop_unchanged(self, user_id: int, kind: ConversationKind, touched: int) -> bool:
        """Forget a draft as it stood when the person was asked about it (`touched`); False
        when it has moved on since (a step, Continue, a new start) or is gone."""
        async with self._db.transaction() as connection:
            return await self.forget_unchanged(connection, user_id, kind, touched)

    async def stop(self, user_id: int, kind: ConversationKind) -> StoredConversation | None:
        """Stop the open one of `kind` (None when there is none). One with something answered
        is kept hidden for `undo`, under its `touched`; one still at its first question goes."""
        stored = await self.current(user_id, kind)
        if stored is None:
            return None
        async with self._db.transaction() as connection:
            if stored.answered:
                kept = await conversations.stop(
                    connection, user_id, kind, stored.touched, self._clock()
                )
            else:
                kept = await conversations.delete_unchanged(
                    connection, user_id, kind, stored.touched
                )
        return stored if kept else None

    async def undo(
        self, user_id: int, kind: ConversationKind, touched: int
    ) -> StoredConversation | None:
        """Bring back the one stopped as it stood (`touched`) as the one that gets what is
        typed; None when it expired or a new one of its kind took its place."""
        now = self._clock()
        async with self._db.transaction() as connection:
            await conversations.delete_older(connection, user_id, now - LIFETIME)
            restored = await conversations.restore(connection, user_id, kind, touched, now)
        return await conversations.get(self._db, user_id, [kind]) if restored else None

    async def cancel(self, user_id: int, kind: ConversationKind) -> bool:
        """Forget one conversation; True when there was one."""
        async with self._db.transaction() as connection:
            return await conversations.delete(connection, user_id, kind)

    async def ask(self, user_id: int, text: str, buttons: dict[str, Any]) -> None:
        """Remember the question on screen that is answered only with its buttons (their Bot
        API form), in the database: whichever process takes what the person types next, also
        after a restart, answers with this question again."""
        asked = WaitingQuestion(text=text, buttons=buttons, asked_at=self._clock())
        async with self._db.transaction() as connection:
            await conversations.remember_question(connection, user_id, asked)

    async def asking(self, user_id: int) -> WaitingQuestion | None:
        """The question that waits for a button; None when there is none, or it was asked a
        day ago or longer (like a conversation, it is then forgotten: a later message is not
        held up by an old question)."""
        asked = await conversations.question(self._db, user_id)
        if asked is None or self._clock() - asked.asked_at > LIFETIME:
            return None
        return asked

    async def moved_on(self, user_id: int) -> None:
        """A press or a command: the question that waited for a button is behind the person.
        This runs for every press and command, so a plain read first: a write only when there
        is one to forget."""
        if await conversations.question(self._db, user_id) is not None:
            async with self._db.transaction() as connection:
                await conversations.forget_question(connection, user_id)
