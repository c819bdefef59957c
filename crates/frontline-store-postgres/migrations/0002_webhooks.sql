-- Webhook subscriptions and their delivery attempts.

CREATE TABLE webhooks (
    id              uuid PRIMARY KEY,
    url             text NOT NULL,
    -- Empty: every kind.
    kinds           text[] NOT NULL,
    secret          text NOT NULL,
    -- The last delivered event seq.
    cursor          bigint NOT NULL DEFAULT 0,
    enabled         boolean NOT NULL DEFAULT true,
    failing_since   timestamptz,
    next_attempt_at timestamptz,
    created_at      timestamptz NOT NULL,
    -- Which node delivers it, until when (see `Store::claim_webhook`).
    lease_owner     uuid,
    lease_until     timestamptz
);

-- Operational data, not events: one row per try.
CREATE TABLE webhook_attempts (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    webhook_id  uuid NOT NULL REFERENCES webhooks (id),
    seq         bigint NOT NULL,
    at          timestamptz NOT NULL,
    status      integer,
    error       text,
    duration_ms bigint NOT NULL
);
CREATE INDEX webhook_attempts_newest ON webhook_attempts (webhook_id, at DESC, id DESC);
