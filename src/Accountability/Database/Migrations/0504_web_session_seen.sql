-- When a session was last seen (to the hour), so that sessions nobody uses any more can be forgotten: a browser closed
-- without signing out leaves its row open for ever, and most sessions end that way. The cookie expires 8 hours after
-- its last use, so a session unseen for days is dead whatever its row says; PurgeWebSessions deletes it after 30.
ALTER TABLE web_session ADD COLUMN seen_at timestamptz;
UPDATE web_session SET seen_at = coalesce(ended_at, started_at);
ALTER TABLE web_session ALTER COLUMN seen_at SET NOT NULL;
-- The purge's range: rows last touched (seen or ended) before the cut-off.
CREATE INDEX web_session_last_touched ON web_session ((coalesce(ended_at, seen_at)));
