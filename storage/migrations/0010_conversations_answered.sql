-- Whether the person has answered anything in a conversation since it started: starting
-- another of the same kind asks first when they have, so that nothing written is dropped
-- unseen, and simply replaces one still at its first, empty question. Conversations open at
-- the upgrade count as answered: none of them is dropped without asking.
ALTER TABLE conversations ADD COLUMN answered INTEGER NOT NULL DEFAULT 1;
