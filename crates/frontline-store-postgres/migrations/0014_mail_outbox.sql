-- The outbox: mail to send, written in the transaction of the message or event that causes
-- it, then sent by a sender task that claims it with a lease (`FOR UPDATE SKIP LOCKED`, so
-- several nodes never claim the same mail). Same version number, tables and columns as the
-- SQLite migration 0014; ids are uuid, times timestamptz, the references text[].
-- Constraints are named for error classification.

CREATE TABLE mail_outbox (
    id              uuid CONSTRAINT mail_outbox_pkey PRIMARY KEY,
    case_id         uuid NOT NULL CONSTRAINT mail_outbox_case_fk REFERENCES cases (id),
    -- The message it carries; NULL for mail about the case that is no message.
    message_id      uuid CONSTRAINT mail_outbox_message_fk REFERENCES messages (id),
    -- Not a foreign key, as in `mail`.
    mailbox         text NOT NULL,
    recipient       text NOT NULL,
    recipient_name  text,
    subject         text NOT NULL,
    body            text NOT NULL,
    rfc_message_id  text NOT NULL,
    -- Message-IDs, oldest first.
    refs            text[] NOT NULL,
    purpose         text NOT NULL CHECK (purpose IN ('reply', 'automatic')),
    status          text NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    attempts        bigint NOT NULL CHECK (attempts >= 0),
    next_attempt_at timestamptz NOT NULL,
    last_error      text,
    created_at      timestamptz NOT NULL,
    sent_at         timestamptz,
    -- Which sender is sending it, until when (see `Store::claim_outbound`).
    lease_owner     uuid,
    lease_until     timestamptz,
    -- The same mail is queued once.
    CONSTRAINT mail_outbox_message_id_unique UNIQUE (mailbox, rfc_message_id)
);
-- What the sender claims: only pending mail, soonest due first.
CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at) WHERE status = 'pending';
CREATE INDEX mail_outbox_by_case ON mail_outbox (case_id, created_at, id);
CREATE INDEX mail_outbox_by_message ON mail_outbox (message_id) WHERE message_id IS NOT NULL;

-- Operational data, not events: one row per attempt, the newest few kept per mail.
CREATE TABLE mail_outbox_attempts (
    id         bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT mail_outbox_attempts_pkey PRIMARY KEY,
    outbox_id  uuid NOT NULL CONSTRAINT mail_outbox_attempts_outbox_fk REFERENCES mail_outbox (id),
    at         timestamptz NOT NULL,
    error      text
);
CREATE INDEX mail_outbox_attempts_newest ON mail_outbox_attempts (outbox_id, at DESC, id DESC);
