-- Updates Telegram delivered to the webhook, by id only (never their content), so that one it
-- delivers again is handled once. handled_at is set when the update has been handled and
-- Telegram is told so; a row without it is being handled now, or was left by a process that
-- died before answering (start-up forgets those, and Telegram delivers them again).
CREATE TABLE seen_updates (
    update_id INTEGER PRIMARY KEY,
    seen_at TEXT NOT NULL,
    handled_at TEXT
);
CREATE INDEX seen_updates_by_age ON seen_updates (seen_at);
