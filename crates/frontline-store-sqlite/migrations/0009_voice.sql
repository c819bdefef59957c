-- The voice of the customer (frontline_core::mood): every customer message keeps its sentiment
-- score, and the alert it raised (anger, or a sharp drop) with the reason in words until the
-- case's owner or a team member acknowledges it. Version 0009 on both backends. Messages
-- written before this version, and staff messages, have no score.

ALTER TABLE messages ADD COLUMN sentiment REAL;
ALTER TABLE messages ADD COLUMN mood_alert TEXT CHECK (mood_alert IN ('anger', 'drop'));
ALTER TABLE messages ADD COLUMN mood_alert_why TEXT;
ALTER TABLE messages ADD COLUMN mood_acknowledged_by TEXT REFERENCES people (id);
ALTER TABLE messages ADD COLUMN mood_acknowledged_at INTEGER;

-- Cockpits list the alerts still waiting, newest first; the case page reads its own.
CREATE INDEX messages_mood_alerts ON messages (created_at, id) WHERE mood_alert IS NOT NULL;
-- Themes read the customer messages that scored low in a window.
CREATE INDEX messages_by_sentiment ON messages (created_at) WHERE sentiment IS NOT NULL;
