-- Mail: mailboxes, the mail received and sent on cases, and the quarantine. Times are unix
-- milliseconds.

CREATE TABLE mailboxes (
    key                TEXT PRIMARY KEY,
    name               TEXT NOT NULL,
    address            TEXT NOT NULL UNIQUE,
    outcome_id         TEXT NOT NULL REFERENCES outcomes (id),
    -- JSON of the IMAP settings (a reference to the password, never the password), or NULL.
    imap               TEXT,
    enabled            INTEGER NOT NULL,
    inbound_token_hash TEXT,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL
);

-- One row per mail received or sent. The primary key is what makes a mail arriving twice
-- (a second poll, a retried pipe) one write.
CREATE TABLE mail (
    mailbox        TEXT NOT NULL,
    direction      TEXT NOT NULL,
    rfc_message_id TEXT NOT NULL,
    case_id        TEXT NOT NULL REFERENCES cases (id),
    message_id     TEXT NOT NULL REFERENCES messages (id),
    address        TEXT NOT NULL,
    subject        TEXT NOT NULL,
    at             INTEGER NOT NULL,
    -- A received mail's bytes; NULL for sent mail (it is rebuilt from the message).
    raw            BLOB,
    PRIMARY KEY (mailbox, direction, rfc_message_id)
);
-- Threading looks a reply's In-Reply-To/References up in every mailbox.
CREATE INDEX mail_by_rfc_id ON mail (rfc_message_id);
CREATE INDEX mail_by_case ON mail (case_id, at);
CREATE INDEX mail_by_message ON mail (message_id);

-- Operational data, not events: mail that could not be read, kept whole until an admin
-- retries or drops it.
CREATE TABLE mail_quarantine (
    id          TEXT PRIMARY KEY,
    mailbox     TEXT,
    reason      TEXT NOT NULL,
    sender      TEXT,
    subject     TEXT,
    size        INTEGER NOT NULL,
    dedupe_key  TEXT NOT NULL UNIQUE,
    raw         BLOB NOT NULL,
    received_at INTEGER NOT NULL
);
CREATE INDEX mail_quarantine_newest ON mail_quarantine (received_at DESC, id DESC);
