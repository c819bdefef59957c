-- Customers who help themselves (issue 22): sign-up, sign-in and password-reset links, and
-- mail that belongs to no case (the links go out through the same outbox and sender).

-- One row per link sent. Only the SHA-256 of the link's token is kept: the token itself is
-- in the mail, nowhere else. A link is used once (`used_at`) and not after `expires_at`.
-- A sign-up link also carries what the account is made of once the address is confirmed
-- (the name and the argon2 hash of the chosen password): nobody exists, or signs in, before.
CREATE TABLE account_links (
    token_hash    TEXT PRIMARY KEY,
    purpose       TEXT NOT NULL CHECK (purpose IN ('sign_up', 'sign_in', 'reset')),
    email         TEXT NOT NULL,
    person_id     TEXT REFERENCES people (id),
    name          TEXT,
    password_hash TEXT,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    used_at       INTEGER
);
CREATE INDEX account_links_expiry ON account_links (expires_at);

-- The outbox gains mail about no case: `case_id` becomes optional and `kind` says which.
-- SQLite cannot drop a NOT NULL, so the table is rebuilt (its attempts with it, since they
-- refer to it); ids, times and attempts are kept as they were.
CREATE TABLE mail_outbox_attempts_old AS SELECT * FROM mail_outbox_attempts;
DROP TABLE mail_outbox_attempts;

CREATE TABLE mail_outbox_new (
    id              TEXT PRIMARY KEY,
    -- `case`: mail on a case (a reply, a rating link); `account`: a sign-up, sign-in or
    -- reset link, on no case, sent from the system sender (see `--mail-from`).
    kind            TEXT NOT NULL DEFAULT 'case' CHECK (kind IN ('case', 'account')),
    case_id         TEXT REFERENCES cases (id),
    message_id      TEXT REFERENCES messages (id),
    mailbox         TEXT NOT NULL,
    recipient       TEXT NOT NULL,
    recipient_name  TEXT,
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    rfc_message_id  TEXT NOT NULL,
    refs            TEXT NOT NULL,
    purpose         TEXT NOT NULL CHECK (purpose IN ('reply', 'automatic')),
    status          TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL CHECK (attempts >= 0),
    next_attempt_at INTEGER NOT NULL,
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    sent_at         INTEGER,
    lease_owner     TEXT,
    lease_until     INTEGER,
    UNIQUE (mailbox, rfc_message_id),
    CHECK ((kind = 'case') = (case_id IS NOT NULL))
);
INSERT INTO mail_outbox_new (id, kind, case_id, message_id, mailbox, recipient, recipient_name,
    subject, body, rfc_message_id, refs, purpose, status, attempts, next_attempt_at, last_error,
    created_at, sent_at, lease_owner, lease_until)
SELECT id, 'case', case_id, message_id, mailbox, recipient, recipient_name, subject, body,
    rfc_message_id, refs, purpose, status, attempts, next_attempt_at, last_error, created_at,
    sent_at, lease_owner, lease_until
FROM mail_outbox;
DROP TABLE mail_outbox;
ALTER TABLE mail_outbox_new RENAME TO mail_outbox;
CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at) WHERE status = 'pending';
CREATE INDEX mail_outbox_by_case ON mail_outbox (case_id, created_at, id);
CREATE INDEX mail_outbox_by_message ON mail_outbox (message_id) WHERE message_id IS NOT NULL;
CREATE INDEX mail_outbox_by_kind ON mail_outbox (kind, created_at DESC, id DESC);

CREATE TABLE mail_outbox_attempts (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    outbox_id  TEXT NOT NULL REFERENCES mail_outbox (id),
    at         INTEGER NOT NULL,
    error      TEXT
);
INSERT INTO mail_outbox_attempts (id, outbox_id, at, error)
SELECT id, outbox_id, at, error FROM mail_outbox_attempts_old;
DROP TABLE mail_outbox_attempts_old;
CREATE INDEX mail_outbox_attempts_newest ON mail_outbox_attempts (outbox_id, at DESC, id DESC);
