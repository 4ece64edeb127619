-- Payloads of /start deep links (t.me/<bot>?start=<kind>-<argument>), kept for referrals and check-in.
CREATE TABLE deep_links (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES people (user_id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL,
    argument    TEXT    NOT NULL,
    received_at TEXT    NOT NULL
);
CREATE INDEX deep_links_by_kind ON deep_links (kind, argument);
