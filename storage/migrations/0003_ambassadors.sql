-- Ambassadors, the topics they chose, conversations in progress, coordinators and their audit log.
CREATE TABLE ambassadors (
    user_id             INTEGER PRIMARY KEY REFERENCES people (user_id) ON DELETE CASCADE,
    number              INTEGER NOT NULL UNIQUE,         -- running number, never reused
    kind                TEXT    NOT NULL,                -- a code from the strategy file
    display_name        TEXT    NOT NULL,
    organisation        TEXT,
    org_description     TEXT,
    org_website         TEXT,
    email               TEXT,
    newsletter_by_email INTEGER NOT NULL DEFAULT 0,
    consent_at          TEXT    NOT NULL,
    consent_version     TEXT    NOT NULL,
    joined_at           TEXT    NOT NULL,
    referral_code       TEXT    NOT NULL UNIQUE,
    referred_by         INTEGER REFERENCES ambassadors (user_id) ON DELETE SET NULL,
    status              TEXT    NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'passive', 'left')),
    confirm_due_at      TEXT    NOT NULL,                -- when to ask next whether they want to stay
    confirm_asked_at    TEXT,                            -- set when asked, cleared by the answer
    left_at             TEXT
);
CREATE INDEX ambassadors_due ON ambassadors (status, confirm_due_at);

CREATE TABLE ambassador_topics (
    user_id INTEGER NOT NULL REFERENCES ambassadors (user_id) ON DELETE CASCADE,
    code    TEXT    NOT NULL,                            -- a theme or core area code
    PRIMARY KEY (user_id, code)
);

-- A conversation in progress (sign-up, editing a field), so a restart resumes it.
CREATE TABLE conversations (
    user_id    INTEGER PRIMARY KEY REFERENCES people (user_id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    step       TEXT NOT NULL,
    answers    TEXT NOT NULL,                            -- JSON
    updated_at TEXT NOT NULL
);

CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);

-- Coordinators granted in the chat; those in BOLDEN_COORDINATORS are not stored here.
CREATE TABLE coordinators (
    user_id    INTEGER PRIMARY KEY,
    granted_by INTEGER NOT NULL,
    granted_at TEXT    NOT NULL
);

CREATE TABLE audit_log (
    id      INTEGER PRIMARY KEY,
    actor   INTEGER NOT NULL,
    action  TEXT    NOT NULL,
    subject TEXT    NOT NULL,
    at      TEXT    NOT NULL
);
