-- Several `bolden run` processes may share one PostgreSQL database (on SQLite there is one).
-- Each writes its heartbeat here; an update one of them took in and never handled is taken
-- over by another once its taker is no longer alive, and one person's updates wait for the
-- earlier ones still in hand elsewhere.
CREATE TABLE instances (
    id TEXT COLLATE "C" PRIMARY KEY,
    started_at TIMESTAMPTZ NOT NULL,
    alive_at TIMESTAMPTZ NOT NULL
);
ALTER TABLE seen_updates ADD COLUMN taken_by TEXT COLLATE "C";
ALTER TABLE seen_updates ADD COLUMN person BIGINT;
CREATE INDEX seen_updates_in_hand ON seen_updates (person, update_id) WHERE handled_at IS NULL;
