-- The waiting list's order: answers written in the same second still queue in the order they
-- were written (a counter per event), and a promotion keeps the place.
ALTER TABLE rsvps ADD COLUMN turn INTEGER NOT NULL DEFAULT 0;
UPDATE rsvps SET turn = rowid;

-- A reminder whose time had passed when the event was published is recorded as skipped, not sent.
ALTER TABLE reminders_sent ADD COLUMN skipped INTEGER NOT NULL DEFAULT 0;

-- The invitations' batch: who the event was sent to, so only they (or its audience) can answer.
ALTER TABLE events ADD COLUMN invitation_batch INTEGER REFERENCES batches (id);
