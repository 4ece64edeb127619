-- Who may check in at an event's door: those invited (0, the default), or anyone who comes (1).
ALTER TABLE events ADD COLUMN checkin_open INTEGER NOT NULL DEFAULT 0;
