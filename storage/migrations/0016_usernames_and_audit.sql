-- The Telegram @username a person has (they may change or remove it): the contact a
-- coordinator's exports and lists give. Updated whenever the person is seen with another one.
ALTER TABLE people ADD COLUMN username TEXT;

-- The audit log is read newest first, a page at a time, and exported by date.
CREATE INDEX audit_log_at ON audit_log (at);
