-- A conversation stopped with something answered in it is kept for a while, hidden, so that
-- Undo under "stopped" brings it back exactly as it stood (Stop sits next to Back, one tap
-- must not throw away what was typed). Starting one of the same kind anew replaces it; it
-- expires with the open ones.
ALTER TABLE conversations ADD COLUMN stopped_at TEXT;
