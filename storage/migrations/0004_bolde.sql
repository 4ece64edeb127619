-- Action networks, routing rules, and the bolde with their timelines.
CREATE TABLE networks (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL,
    kind        TEXT    NOT NULL CHECK (kind IN ('standing', 'adhoc')),
    cross_professional INTEGER NOT NULL DEFAULT 0,    -- where bolde land when no rule matches
    chat_id     INTEGER UNIQUE,                       -- the Telegram group where it works, if any
    invite_code TEXT    NOT NULL UNIQUE,
    created_at  TEXT    NOT NULL,
    closed_at   TEXT
);
CREATE UNIQUE INDEX networks_one_cross ON networks (cross_professional) WHERE cross_professional = 1;

CREATE TABLE network_topics (
    network_id INTEGER NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
    code       TEXT    NOT NULL,
    PRIMARY KEY (network_id, code)
);

CREATE TABLE network_members (
    network_id INTEGER NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES people (user_id) ON DELETE CASCADE,
    joined_at  TEXT    NOT NULL,
    PRIMARY KEY (network_id, user_id)
);

-- (kind, category, theme) -> network; NULL matches anything; the lowest id that matches wins.
CREATE TABLE routing_rules (
    id         INTEGER PRIMARY KEY,
    kind       TEXT,
    category   TEXT,
    theme      TEXT,
    network_id INTEGER NOT NULL REFERENCES networks (id) ON DELETE CASCADE
);

CREATE TABLE bolde (
    id              INTEGER PRIMARY KEY,
    reference       TEXT    NOT NULL UNIQUE,          -- B-2026-0042, what the sender is told
    sender_id       INTEGER REFERENCES people (user_id) ON DELETE SET NULL,
    sender_name     TEXT,                             -- only when the sender chose to show it
    kind            TEXT    NOT NULL CHECK (kind IN ('idea', 'concern', 'problem')),
    text            TEXT    NOT NULL,
    photo_file_id   TEXT,
    latitude        REAL,
    longitude       REAL,
    place           TEXT,                             -- a typed address or description
    category        TEXT,
    urgent          INTEGER NOT NULL DEFAULT 0,
    status          TEXT    NOT NULL
        CHECK (status IN ('received', 'routed', 'in_progress', 'answered', 'declined')),
    network_id      INTEGER REFERENCES networks (id),
    taken_by        INTEGER REFERENCES people (user_id) ON DELETE SET NULL,
    public_answer   TEXT,
    created_at      TEXT    NOT NULL,
    changed_at      TEXT    NOT NULL,
    first_answer_at TEXT,
    stale_reported_at TEXT
);
CREATE INDEX bolde_sender ON bolde (sender_id, created_at);
CREATE INDEX bolde_open ON bolde (status, changed_at);

CREATE TABLE bold_topics (
    bold_id INTEGER NOT NULL REFERENCES bolde (id) ON DELETE CASCADE,
    code    TEXT    NOT NULL,
    PRIMARY KEY (bold_id, code)
);

-- Everything that happened to a bold, in order: changes of status and the messages about it.
CREATE TABLE bold_events (
    id       INTEGER PRIMARY KEY,
    bold_id  INTEGER NOT NULL REFERENCES bolde (id) ON DELETE CASCADE,
    at       TEXT    NOT NULL,
    actor_id INTEGER,                                 -- NULL for the system or an erased person
    role     TEXT    NOT NULL CHECK (role IN ('sender', 'network', 'coordinator', 'system')),
    action   TEXT    NOT NULL,
    status   TEXT    NOT NULL,                        -- the status after the event
    network_id INTEGER REFERENCES networks (id),
    note     TEXT
);
CREATE INDEX bold_events_bold ON bold_events (bold_id, id);
