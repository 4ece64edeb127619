-- The question on screen that waits for a button, one per person: what they type meanwhile
-- gets "use the buttons" and this question again, whichever process takes the message and
-- after a restart. Any press or command moves on from it (its row goes).
CREATE TABLE questions_waiting (
    user_id  BIGINT      PRIMARY KEY REFERENCES people (user_id) ON DELETE CASCADE,
    text     TEXT        COLLATE "C" NOT NULL,
    buttons  TEXT        COLLATE "C" NOT NULL,  -- JSON: the inline keyboard's Bot API form
    asked_at TIMESTAMPTZ NOT NULL
);
