"""A person's own data: all of it, to read in the chat and as JSON, or none of it left."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel

from bot.clock import Clock
from storage import ambassadors, bolde, events, networks, people, privacy
from storage.ambassadors import Ambassador
from storage.bolde import Bold, Event
from storage.database import Database


class SentBold(BaseModel):
    bold: Bold
    timeline: list[Event]


class MyData(BaseModel):
    """Everything stored about one person: the rows by section (what the JSON file holds), and
    what the summary in the chat shows them by: the profile, their bolde with their timelines,
    the titles of the events they answered, the networks' names."""

    rows: dict[str, list[dict[str, Any]]]
    ambassador: Ambassador | None  # also one who left: the profile is kept
    bolde: list[SentBold]
    event_titles: dict[int, str]
    network_names: dict[int, str]

    def as_json(self) -> bytes:
        return json.dumps(self.rows, ensure_ascii=False, indent=2).encode("utf-8")


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class ErasureScope(BaseModel):
    """What /deleteme would end, to say so before the person confirms."""

    ambassador: bool  # an ambassador now (one who left stopped already)
    sent_bolde: bool
    since: str  # names the data asked about: see `_since`


def _since(person: people.Person | None) -> str:
    """A person who was erased and writes again is stored anew, with a later first sign of
    life: a /deleteme question asked before names data that is gone already."""
    if person is None:
        return "0"
    return str((person.first_seen - _EPOCH) // timedelta(microseconds=1))


class PrivacyService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def my_data(self, user_id: int) -> MyData:
        rows = await privacy.export(self._db, user_id)
        answered = {row["event_id"] for row in (*rows["rsvps"], *rows["attendance"])}
        titles = {}
        for event_id in sorted(answered):
            event = await events.get(self._db, event_id)
            if event is not None:
                titles[event_id] = event.title
        return MyData(
            rows=rows,
            ambassador=await ambassadors.get(self._db, user_id),
            bolde=[
                SentBold(bold=bold, timeline=await bolde.events(self._db, bold.id))
                for bold in await bolde.of_sender(self._db, user_id)
            ],
            event_titles=titles,
            network_names=await networks.names(self._db),
        )

    async def erasure_scope(self, user_id: int) -> ErasureScope:
        found = await ambassadors.get(self._db, user_id)
        return ErasureScope(
            ambassador=found is not None and found.status != "left",
            sent_bolde=bool(await bolde.of_sender(self._db, user_id)),
            since=_since(await people.get(self._db, user_id)),
        )

    async def erase(self, user_id: int, since: str) -> bool:
        """Erase the data a /deleteme question was asked about (`since`, from its scope);
        False when that is gone already."""
        if _since(await people.get(self._db, user_id)) != since:
            return False
        await privacy.erase(self._db, user_id, self._clock())
        return True
