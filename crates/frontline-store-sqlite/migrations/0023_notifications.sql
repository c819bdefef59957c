-- Staff notifications (issue 21, extended by issue 23): what each staff member chose to be
-- told of by mail, and mail to staff in the outbox. Times are unix milliseconds.

-- Every choice a person made, kept (no row: nothing, the default). `seq` is the sequence
-- number of its `person.notifications_set` event, so the mail follower applies the choice in
-- force when an event happened (the newest at or before it), however late it handles it.
-- `email` is a JSON array of notification kinds (`assigned`, `customer_replied`,
-- `ask_to_me`), each once; kinds are checked by the store, so a new kind needs no migration.
CREATE TABLE notification_choices (
    person_id  TEXT NOT NULL REFERENCES people (id),
    seq        INTEGER NOT NULL,
    email      TEXT NOT NULL,
    chosen_at  INTEGER NOT NULL,
    PRIMARY KEY (person_id, seq)
);

-- The outbox gains a third kind, `notification`: mail to a staff member, on no case, sent
-- from the system sender. SQLite cannot change a CHECK, so the table is rebuilt as in 0019
-- (its attempts with it); ids, times and attempts are kept as they were.
CREATE TABLE mail_outbox_attempts_old AS SELECT * FROM mail_outbox_attempts;
DROP TABLE mail_outbox_attempts;

CREATE TABLE mail_outbox_new (
    id              TEXT PRIMARY KEY,
    -- `case`: mail on a case (a reply, a rating link); `account`: a sign-up, sign-in or
    -- reset link; `notification`: a staff member's notification. The last two are on no
    -- case and sent from the system sender (see `--mail-from`).
    kind            TEXT NOT NULL DEFAULT 'case'
                    CHECK (kind IN ('case', 'account', 'notification')),
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
SELECT id, kind, case_id, message_id, mailbox, recipient, recipient_name, subject, body,
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
