-- The outbox: mail to send, written in the transaction of the message or event that causes
-- it, then sent by a sender task that claims it with a lease. Times are unix milliseconds.

CREATE TABLE mail_outbox (
    id              TEXT PRIMARY KEY,
    case_id         TEXT NOT NULL REFERENCES cases (id),
    -- The message it carries; NULL for mail about the case that is no message.
    message_id      TEXT REFERENCES messages (id),
    -- Not a foreign key, as in `mail`.
    mailbox         TEXT NOT NULL,
    recipient       TEXT NOT NULL,
    recipient_name  TEXT,
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    rfc_message_id  TEXT NOT NULL,
    -- A JSON array of Message-IDs, oldest first.
    refs            TEXT NOT NULL,
    purpose         TEXT NOT NULL CHECK (purpose IN ('reply', 'automatic')),
    status          TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL CHECK (attempts >= 0),
    next_attempt_at INTEGER NOT NULL,
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    sent_at         INTEGER,
    -- Which sender is sending it, until when (see `Store::claim_outbound`).
    lease_owner     TEXT,
    lease_until     INTEGER,
    -- The same mail is queued once.
    UNIQUE (mailbox, rfc_message_id)
);
-- What the sender claims: only pending mail, soonest due first.
CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at) WHERE status = 'pending';
CREATE INDEX mail_outbox_by_case ON mail_outbox (case_id, created_at, id);
CREATE INDEX mail_outbox_by_message ON mail_outbox (message_id) WHERE message_id IS NOT NULL;

-- Operational data, not events: one row per attempt, the newest few kept per mail.
CREATE TABLE mail_outbox_attempts (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    outbox_id  TEXT NOT NULL REFERENCES mail_outbox (id),
    at         INTEGER NOT NULL,
    error      TEXT
);
CREATE INDEX mail_outbox_attempts_newest ON mail_outbox_attempts (outbox_id, at DESC, id DESC);
