-- A person may have one conversation of each kind at a time (a newsletter draft survives an
-- answer written to a bold); `touched` orders them, the highest is the one that gets what
-- the person types. Existing conversations are kept.
CREATE TABLE conversations_by_kind (
    user_id    INTEGER NOT NULL REFERENCES people (user_id) ON DELETE CASCADE,
    name       TEXT    NOT NULL,
    step       TEXT    NOT NULL,
    answers    TEXT    NOT NULL,                         -- JSON
    updated_at TEXT    NOT NULL,
    touched    INTEGER NOT NULL,                         -- per person, higher is more recent
    PRIMARY KEY (user_id, name)
);

INSERT INTO conversations_by_kind (user_id, name, step, answers, updated_at, touched)
SELECT user_id, name, step, answers, updated_at, 1 FROM conversations;

DROP TABLE conversations;
ALTER TABLE conversations_by_kind RENAME TO conversations;
