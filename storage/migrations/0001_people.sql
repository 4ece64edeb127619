-- Everyone who has talked to the bot. Only what the bot needs: no names, no phone numbers.
CREATE TABLE people (
    user_id          INTEGER PRIMARY KEY,            -- Telegram user id
    language         TEXT    NOT NULL CHECK (language IN ('da', 'en')),
    language_chosen  INTEGER NOT NULL DEFAULT 0,     -- 1 once set with /language: Telegram's code no longer overrides it
    first_seen       TEXT    NOT NULL,               -- ISO 8601, UTC
    last_seen        TEXT    NOT NULL,
    blocked_at       TEXT                            -- set when Telegram says the person blocked the bot
);
