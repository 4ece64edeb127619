-- Facebook Messenger as a second channel. A Messenger person is a person of their own (they are
-- one person across channels only if they link them): their user_id is taken from a range no
-- Telegram id reaches (bot/channels MESSENGER_FIRST_ID and up), so every table that keys on
-- user_id serves both channels, and the channel is known from the id alone.
CREATE TABLE messenger_people (
    user_id         INTEGER PRIMARY KEY AUTOINCREMENT, -- MESSENGER_FIRST_ID + n, never reused
    psid            TEXT    NOT NULL UNIQUE, -- the page-scoped id Meta gives the person
    first_name      TEXT,                    -- as Meta's profile gives them, asked once
    last_name       TEXT,
    locale          TEXT,
    first_seen      TEXT    NOT NULL,
    last_message_at TEXT    NOT NULL         -- their last message: opens Meta's 24-hour window
);
-- The ids count on from MESSENGER_FIRST_ID (2^62); AUTOINCREMENT never gives an erased
-- person's id to someone new.
INSERT INTO sqlite_sequence (name, seq) VALUES ('messenger_people', 4611686018427387904);

-- Meta delivers an event again when it missed our answer: each message id is taken once. The
-- row's number makes the update id the journeys see (seen_updates keeps handled or not).
CREATE TABLE messenger_events (
    n       INTEGER PRIMARY KEY,
    mid     TEXT    NOT NULL UNIQUE,         -- a digest of Meta's message id (or event key)
    seen_at TEXT    NOT NULL
);
CREATE INDEX messenger_events_by_age ON messenger_events (seen_at);

-- Messenger cannot edit a message, and a button press names only its payload: what each
-- message to a Messenger person showed (text and buttons, as the journeys made them) is kept
-- under a message id of our own, so a press finds the message it belongs to, and long lists of
-- buttons can be turned page by page.
CREATE TABLE messenger_messages (
    user_id    INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    shown      TEXT    NOT NULL,             -- JSON: {"text", "reply_markup"}
    sent_at    TEXT    NOT NULL,
    PRIMARY KEY (user_id, message_id)
);

-- Photos and voice notes a Messenger person sent (Meta's links to them expire): kept so that a
-- bold's photo reaches a network in Telegram, and a coordinator, as long as the bold keeps it.
CREATE TABLE channel_files (
    id         INTEGER PRIMARY KEY,
    data       BLOB    NOT NULL,
    mime_type  TEXT    NOT NULL,
    created_at TEXT    NOT NULL
);

-- Messages for a Messenger person outside the 24-hour window that no tag allows (broadcasts,
-- newsletters, calls) are 'held' until the person writes again, or until held_until passes
-- ('expired'). SQLite cannot change a CHECK constraint in place, so the table is rebuilt.
CREATE TABLE outbox_new (
    id              INTEGER PRIMARY KEY,
    batch_id        INTEGER REFERENCES batches (id),
    channel         TEXT    NOT NULL CHECK (channel IN ('telegram', 'email')),
    user_id         INTEGER,                          -- the recipient (Telegram or Messenger)
    address         TEXT,                             -- the e-mail address, for e-mail
    payload         TEXT    NOT NULL,                 -- JSON: what to send
    state           TEXT    NOT NULL DEFAULT 'pending'
        CHECK (state IN ('pending', 'sending', 'sent', 'maybe_sent', 'failed', 'blocked',
                         'cancelled', 'held', 'expired')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    timeouts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT    NOT NULL,
    held_until      TEXT,
    error           TEXT,
    sent_at         TEXT
);
INSERT INTO outbox_new (id, batch_id, channel, user_id, address, payload, state, attempts,
                        timeouts, next_attempt_at, error, sent_at)
    SELECT id, batch_id, channel, user_id, address, payload, state, attempts,
           timeouts, next_attempt_at, error, sent_at
    FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_due ON outbox (state, next_attempt_at, id);
CREATE INDEX outbox_batch ON outbox (batch_id, state);
CREATE INDEX outbox_chat_queue ON outbox (channel, user_id, address, id)
    WHERE state IN ('pending', 'sending');
CREATE INDEX outbox_held ON outbox (user_id) WHERE state = 'held';
