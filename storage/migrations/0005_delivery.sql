-- The outbox (every message to many people goes through it), its batches, and newsletters.
ALTER TABLE people ADD COLUMN newsletter_off INTEGER NOT NULL DEFAULT 0;  -- opted out in the chat
ALTER TABLE ambassadors ADD COLUMN email_token TEXT;                       -- for unsubscribe links
UPDATE ambassadors SET email_token = lower(hex(randomblob(12)));
CREATE UNIQUE INDEX ambassadors_email_token ON ambassadors (email_token);

-- One broadcast or one newsletter's sending: who started it and where its progress is shown.
CREATE TABLE batches (
    id                INTEGER PRIMARY KEY,
    kind              TEXT    NOT NULL CHECK (kind IN ('broadcast', 'newsletter')),
    created_by        INTEGER,
    audience          TEXT    NOT NULL,
    created_at        TEXT    NOT NULL,
    cancelled_at      TEXT,
    finished_at       TEXT,
    report_chat_id    INTEGER,
    report_message_id INTEGER
);

CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    batch_id        INTEGER REFERENCES batches (id),
    channel         TEXT    NOT NULL CHECK (channel IN ('telegram', 'email')),
    user_id         INTEGER,                          -- the recipient
    address         TEXT,                             -- the e-mail address, for e-mail
    payload         TEXT    NOT NULL,                 -- JSON: what to send
    state           TEXT    NOT NULL DEFAULT 'pending'
        CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'blocked', 'cancelled')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT    NOT NULL,
    error           TEXT,
    sent_at         TEXT
);
CREATE INDEX outbox_due ON outbox (state, next_attempt_at, id);
CREATE INDEX outbox_batch ON outbox (batch_id, state);

CREATE TABLE newsletters (
    id            INTEGER PRIMARY KEY,
    title         TEXT    NOT NULL,
    body_html     TEXT    NOT NULL,                   -- as the coordinator formatted it in Telegram
    body_text     TEXT    NOT NULL,                   -- the same without formatting, for e-mail
    photo_file_id TEXT,
    audience      TEXT    NOT NULL,
    status        TEXT    NOT NULL CHECK (status IN ('scheduled', 'sent', 'cancelled')),
    send_at       TEXT    NOT NULL,
    created_by    INTEGER,
    created_at    TEXT    NOT NULL,
    sent_at       TEXT,
    batch_id      INTEGER REFERENCES batches (id)
);
CREATE INDEX newsletters_due ON newsletters (status, send_at);
