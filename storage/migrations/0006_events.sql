-- Events and ad hoc calls, the answers to them, reminders sent, and who came.
CREATE TABLE events (
    id           INTEGER PRIMARY KEY,
    kind         TEXT    NOT NULL,                 -- an event kind from the strategy file, or 'call'
    title        TEXT    NOT NULL,
    description  TEXT    NOT NULL,                 -- HTML, as the coordinator formatted it
    starts_at    TEXT    NOT NULL,
    ends_at      TEXT    NOT NULL,
    place        TEXT    NOT NULL,
    latitude     REAL,
    longitude    REAL,
    capacity     INTEGER,                          -- seats, or the people a call needs
    deadline     TEXT,                             -- a call: answers until then
    audience     TEXT    NOT NULL,
    status       TEXT    NOT NULL CHECK (status IN ('scheduled', 'published', 'cancelled')),
    publish_at   TEXT    NOT NULL,
    reminders    TEXT    NOT NULL,                 -- JSON: minutes before the start
    created_by   INTEGER,
    created_at   TEXT    NOT NULL,
    checkin_code TEXT    NOT NULL UNIQUE,
    alerted      INTEGER NOT NULL DEFAULT 0,       -- the share of seats coordinators were told of
    roster_sent_at TEXT,
    network_id   INTEGER REFERENCES networks (id)
);
CREATE INDEX events_start ON events (status, starts_at);

CREATE TABLE rsvps (
    event_id    INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES people (user_id) ON DELETE CASCADE,
    name        TEXT    NOT NULL,                  -- as the person is called in Telegram
    answer      TEXT    NOT NULL CHECK (answer IN ('yes', 'maybe', 'no', 'waiting')),
    answered_at TEXT    NOT NULL,                  -- the waiting list's order
    PRIMARY KEY (event_id, user_id)
);

-- One row per reminder sent, written with its outbox items: never twice.
CREATE TABLE reminders_sent (
    event_id       INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    offset_minutes INTEGER NOT NULL,
    sent_at        TEXT    NOT NULL,
    PRIMARY KEY (event_id, offset_minutes)
);

CREATE TABLE attendance (
    event_id      INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    user_id       INTEGER NOT NULL REFERENCES people (user_id) ON DELETE CASCADE,
    checked_in_at TEXT    NOT NULL,
    PRIMARY KEY (event_id, user_id)
);
