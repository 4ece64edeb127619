-- How often an event was changed or cancelled after it was made, and when last, so that the
-- calendar files and the feed carry SEQUENCE and LAST-MODIFIED and subscribed calendars take
-- the change. Events made before this count their changes from the audit log.
ALTER TABLE events ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
ALTER TABLE events ADD COLUMN changed_at TEXT;
UPDATE events SET
    revision = (
        SELECT COUNT(*) FROM audit_log
        WHERE subject = CAST(events.id AS TEXT)
          AND action IN ('event.change', 'event.cancel', 'call.change', 'call.cancel')
    ),
    changed_at = (
        SELECT MAX(at) FROM audit_log
        WHERE subject = CAST(events.id AS TEXT)
          AND action IN ('event.change', 'event.cancel', 'call.change', 'call.cancel')
    );
