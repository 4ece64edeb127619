-- Which process took a message to send: after another takes the lead, it releases only what a
-- process no longer alive had in flight (one still alive finishes and records its own).
ALTER TABLE outbox ADD COLUMN claimed_by TEXT COLLATE "C";
