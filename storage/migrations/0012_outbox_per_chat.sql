-- The sender takes the oldest unsettled item of each chat first (storage/outbox.py `_NEXT`):
-- this index finds whether a chat has an earlier one still waiting without reading the table.
CREATE INDEX outbox_chat_queue ON outbox (channel, user_id, address, id)
    WHERE state IN ('pending', 'sending');
