"""The one path for messages to many people: the outbox table, drained by one sender that keeps
to Telegram's limits, retries what can be retried and resumes after a restart."""
