"""The schema and every SQL statement of Bolden, on one long-lived aiosqlite connection."""
