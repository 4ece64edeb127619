-- A voice note can be a bold's content: its Telegram file and its length travel with the bold
-- (the card to a network carries the audio). `text` is then the note's caption, or empty.
ALTER TABLE bolde ADD COLUMN voice_file_id TEXT;
ALTER TABLE bolde ADD COLUMN voice_seconds INTEGER;
