-- The name a person has in Telegram (first and last name; they may change it): how coordinators
-- see who did what when the person is no ambassador. Updated whenever the person is seen with
-- another one, like the @username.
ALTER TABLE people ADD COLUMN name TEXT;

-- The network an audit entry is about besides its subject: the one a person was added to or
-- taken out of, the one a bold was moved to.
ALTER TABLE audit_log ADD COLUMN network_id INTEGER REFERENCES networks (id);
