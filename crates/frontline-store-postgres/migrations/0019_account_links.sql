-- Customers who help themselves (issue 22): sign-up, sign-in and password-reset links, and
-- mail that belongs to no case. Same version number, tables and columns as the SQLite
-- migration 0019; constraints are named for error classification.

-- One row per link sent; only the SHA-256 of its token is kept (the token is in the mail).
CREATE TABLE account_links (
    token_hash    text CONSTRAINT account_links_pkey PRIMARY KEY,
    purpose       text NOT NULL CHECK (purpose IN ('sign_up', 'sign_in', 'reset')),
    email         text NOT NULL,
    person_id     uuid CONSTRAINT account_links_person_fk REFERENCES people (id),
    name          text,
    password_hash text,
    created_at    timestamptz NOT NULL,
    expires_at    timestamptz NOT NULL,
    used_at       timestamptz
);
CREATE INDEX account_links_expiry ON account_links (expires_at);

-- `case`: mail on a case; `account`: a sign-up, sign-in or reset link, on no case.
ALTER TABLE mail_outbox ADD COLUMN kind text NOT NULL DEFAULT 'case'
    CONSTRAINT mail_outbox_kind_check CHECK (kind IN ('case', 'account'));
ALTER TABLE mail_outbox ALTER COLUMN case_id DROP NOT NULL;
ALTER TABLE mail_outbox ADD CONSTRAINT mail_outbox_kind_case_check
    CHECK ((kind = 'case') = (case_id IS NOT NULL));
CREATE INDEX mail_outbox_by_kind ON mail_outbox (kind, created_at DESC, id DESC);
