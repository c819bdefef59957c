-- Mail: mailboxes, the mail received and sent on cases, and the quarantine. Same version
-- number, tables and columns as the SQLite migration 0013; ids are uuid, times timestamptz,
-- bytes bytea, the IMAP settings jsonb. Constraints are named for error classification.

CREATE TABLE mailboxes (
    key                text CONSTRAINT mailboxes_pkey PRIMARY KEY,
    name               text NOT NULL,
    address            text NOT NULL CONSTRAINT mailboxes_address_unique UNIQUE,
    outcome_id         uuid NOT NULL CONSTRAINT mailboxes_outcome_fk REFERENCES outcomes (id),
    -- The IMAP settings (a reference to the password, never the password), or NULL.
    imap               jsonb,
    enabled            boolean NOT NULL,
    inbound_token_hash text,
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL
);

-- One row per mail received or sent. The primary key is what makes a mail arriving twice
-- (a second poll, a retried pipe, two nodes polling one folder) one write. `mailbox` is not a
-- foreign key, as in SQLite.
CREATE TABLE mail (
    mailbox        text NOT NULL,
    direction      text NOT NULL CHECK (direction IN ('inbound', 'outbound')),
    rfc_message_id text NOT NULL,
    case_id        uuid NOT NULL CONSTRAINT mail_case_fk REFERENCES cases (id),
    message_id     uuid NOT NULL CONSTRAINT mail_message_fk REFERENCES messages (id),
    address        text NOT NULL,
    subject        text NOT NULL,
    at             timestamptz NOT NULL,
    -- A received mail's bytes; NULL for sent mail (it is rebuilt from the message).
    raw            bytea,
    CONSTRAINT mail_pkey PRIMARY KEY (mailbox, direction, rfc_message_id)
);
-- Threading looks a reply's In-Reply-To/References up in every mailbox.
CREATE INDEX mail_by_rfc_id ON mail (rfc_message_id);
CREATE INDEX mail_by_case ON mail (case_id, at);
CREATE INDEX mail_by_message ON mail (message_id);

-- Operational data, not events: mail that could not be read, kept whole until an admin
-- retries or drops it.
CREATE TABLE mail_quarantine (
    id          uuid CONSTRAINT mail_quarantine_pkey PRIMARY KEY,
    mailbox     text,
    reason      text NOT NULL,
    sender      text,
    subject     text,
    size        bigint NOT NULL CHECK (size >= 0),
    -- The mailbox and a SHA-256 of the bytes (`NewQuarantined::dedupe_key`).
    dedupe_key  text NOT NULL CONSTRAINT mail_quarantine_dedupe_unique UNIQUE,
    raw         bytea NOT NULL,
    received_at timestamptz NOT NULL
);
CREATE INDEX mail_quarantine_newest ON mail_quarantine (received_at DESC, id DESC);
