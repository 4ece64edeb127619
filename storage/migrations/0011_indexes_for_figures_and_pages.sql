-- A big municipality (10,000 ambassadors, 100,000 bolde): /stats, the inbox's pages and the
-- exports read counts kept by triggers and indexes, instead of every row (issue 11).

-- How many bolde there are of each kind and status, and with a first answer or not: kept by
-- the triggers below in the same transaction as the change, so /stats reads a few rows
-- whatever the number of bolde (a GROUP BY over 100,000 of them takes tens of milliseconds).
CREATE TABLE bold_counts (
    kind     TEXT    NOT NULL,
    status   TEXT    NOT NULL,
    answered INTEGER NOT NULL,                       -- 1: first_answer_at is set
    n        INTEGER NOT NULL,
    PRIMARY KEY (kind, status, answered)
);
INSERT INTO bold_counts (kind, status, answered, n)
    SELECT kind, status, first_answer_at IS NOT NULL, COUNT(*) FROM bolde GROUP BY 1, 2, 3;

CREATE TRIGGER bold_counts_insert AFTER INSERT ON bolde BEGIN
    INSERT INTO bold_counts (kind, status, answered, n)
        VALUES (NEW.kind, NEW.status, NEW.first_answer_at IS NOT NULL, 1)
        ON CONFLICT (kind, status, answered) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER bold_counts_update AFTER UPDATE OF kind, status, first_answer_at ON bolde BEGIN
    UPDATE bold_counts SET n = n - 1
        WHERE kind = OLD.kind AND status = OLD.status
        AND answered = (OLD.first_answer_at IS NOT NULL);
    INSERT INTO bold_counts (kind, status, answered, n)
        VALUES (NEW.kind, NEW.status, NEW.first_answer_at IS NOT NULL, 1)
        ON CONFLICT (kind, status, answered) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER bold_counts_delete AFTER DELETE ON bolde BEGIN
    UPDATE bold_counts SET n = n - 1
        WHERE kind = OLD.kind AND status = OLD.status
        AND answered = (OLD.first_answer_at IS NOT NULL);
END;

-- How many bolde carry each theme, kept the same way.
CREATE TABLE bold_topic_counts (
    code TEXT    PRIMARY KEY,
    n    INTEGER NOT NULL
);
INSERT INTO bold_topic_counts (code, n) SELECT code, COUNT(*) FROM bold_topics GROUP BY code;

CREATE TRIGGER bold_topic_counts_insert AFTER INSERT ON bold_topics BEGIN
    INSERT INTO bold_topic_counts (code, n) VALUES (NEW.code, 1)
        ON CONFLICT (code) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER bold_topic_counts_update AFTER UPDATE OF code ON bold_topics BEGIN
    UPDATE bold_topic_counts SET n = n - 1 WHERE code = OLD.code;
    INSERT INTO bold_topic_counts (code, n) VALUES (NEW.code, 1)
        ON CONFLICT (code) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER bold_topic_counts_delete AFTER DELETE ON bold_topics BEGIN
    UPDATE bold_topic_counts SET n = n - 1 WHERE code = OLD.code;
END;

-- /stats: the median time to a first answer is the middle entry of this index. The expression
-- must stay written exactly as in storage/bolde.py (_WAIT) for the planner to use it.
CREATE INDEX bolde_first_answer
    ON bolde (strftime('%s', first_answer_at) - strftime('%s', created_at))
    WHERE first_answer_at IS NOT NULL;

-- /inbox: open bolde in the inbox's order, with what its filters ask, so a page and the count
-- are read from the index alone. The condition must stay as in storage/bolde.py (_OPEN).
CREATE INDEX bolde_inbox ON bolde (created_at, id, status, network_id)
    WHERE status IN ('received', 'routed', 'in_progress');

-- /stats and /ambassadors: ambassadors by status and kind; the export's referral counts.
CREATE INDEX ambassadors_status_kind ON ambassadors (status, kind);
CREATE INDEX ambassadors_referred_by ON ambassadors (referred_by);
