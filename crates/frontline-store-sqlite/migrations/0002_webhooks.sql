-- Webhook subscriptions and their delivery attempts. Times are unix milliseconds.

CREATE TABLE webhooks (
    id              TEXT PRIMARY KEY,
    url             TEXT NOT NULL,
    -- Comma-separated event kinds; empty: every kind.
    kinds           TEXT NOT NULL,
    secret          TEXT NOT NULL,
    -- The last delivered event seq.
    cursor          INTEGER NOT NULL DEFAULT 0,
    enabled         INTEGER NOT NULL DEFAULT 1,
    failing_since   INTEGER,
    next_attempt_at INTEGER,
    created_at      INTEGER NOT NULL,
    -- Which node delivers it, until when (see `Store::claim_webhook`).
    lease_owner     TEXT,
    lease_until     INTEGER
);

-- Operational data, not events: one row per try.
CREATE TABLE webhook_attempts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    webhook_id  TEXT NOT NULL REFERENCES webhooks (id),
    seq         INTEGER NOT NULL,
    at          INTEGER NOT NULL,
    status      INTEGER,
    error       TEXT,
    duration_ms INTEGER NOT NULL
);
CREATE INDEX webhook_attempts_newest ON webhook_attempts (webhook_id, at DESC, id DESC);
