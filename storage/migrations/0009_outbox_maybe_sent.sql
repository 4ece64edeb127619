-- A send that timed out after the request left may have arrived: it is counted (`timeouts`),
-- tried once more at most, and then settles as 'maybe_sent' rather than 'failed'.
-- SQLite cannot change a CHECK constraint in place, so the table is rebuilt with its rows.
CREATE TABLE outbox_new (
    id              INTEGER PRIMARY KEY,
    batch_id        INTEGER REFERENCES batches (id),
    channel         TEXT    NOT NULL CHECK (channel IN ('telegram', 'email')),
    user_id         INTEGER,                          -- the recipient
    address         TEXT,                             -- the e-mail address, for e-mail
    payload         TEXT    NOT NULL,                 -- JSON: what to send
    state           TEXT    NOT NULL DEFAULT 'pending'
        CHECK (state IN ('pending', 'sending', 'sent', 'maybe_sent', 'failed', 'blocked',
                         'cancelled')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    timeouts        INTEGER NOT NULL DEFAULT 0,       -- sends that may have arrived unconfirmed
    next_attempt_at TEXT    NOT NULL,
    error           TEXT,
    sent_at         TEXT
);
INSERT INTO outbox_new (id, batch_id, channel, user_id, address, payload, state, attempts,
                        next_attempt_at, error, sent_at)
    SELECT id, batch_id, channel, user_id, address, payload, state, attempts,
           next_attempt_at, error, sent_at
    FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_due ON outbox (state, next_attempt_at, id);
CREATE INDEX outbox_batch ON outbox (batch_id, state);
