-- Foundation schema, PostgreSQL flavour. Same version number, tables and columns as the SQLite
-- migration 0001; the types differ: ids are uuid, times timestamptz, flags boolean, counts bigint.
-- Constraints are named because error classification (src/error.rs) reads the names.

CREATE TABLE people (
    id               uuid PRIMARY KEY,
    email            text NOT NULL CONSTRAINT people_email_unique UNIQUE,
    name             text NOT NULL,
    role             text NOT NULL CHECK (role IN ('customer', 'employee', 'support')),
    title            text,
    admin            boolean NOT NULL DEFAULT false,
    capacity         bigint NOT NULL,
    available        boolean NOT NULL DEFAULT true,
    password_hash    text,
    created_at       timestamptz NOT NULL,
    -- Routing state, maintained on every write that changes a case's owner or status. The
    -- check makes a bookkeeping bug fail the write instead of corrupting routing.
    open_cases       bigint NOT NULL DEFAULT 0 CHECK (open_cases >= 0),
    last_assigned_at timestamptz
);

CREATE TABLE api_tokens (
    token_hash text PRIMARY KEY,
    person_id  uuid NOT NULL CONSTRAINT api_tokens_person_fk REFERENCES people (id),
    label      text NOT NULL,
    created_at timestamptz NOT NULL
);

CREATE TABLE sessions (
    session_hash text PRIMARY KEY,
    person_id    uuid NOT NULL CONSTRAINT sessions_person_fk REFERENCES people (id),
    csrf_token   text NOT NULL,
    expires_at   timestamptz NOT NULL
);

CREATE TABLE teams (
    id         uuid PRIMARY KEY,
    name       text NOT NULL CONSTRAINT teams_name_unique UNIQUE,
    created_at timestamptz NOT NULL
);

CREATE TABLE memberships (
    person_id  uuid NOT NULL CONSTRAINT memberships_person_fk REFERENCES people (id),
    team_id    uuid NOT NULL CONSTRAINT memberships_team_fk REFERENCES teams (id),
    valid_from timestamptz NOT NULL,
    valid_to   timestamptz
);
CREATE INDEX memberships_by_team ON memberships (team_id, person_id);
CREATE INDEX memberships_by_person ON memberships (person_id, team_id);
-- At most one current membership per person and team.
CREATE UNIQUE INDEX memberships_current ON memberships (person_id, team_id) WHERE valid_to IS NULL;

CREATE TABLE supports (
    support_id uuid NOT NULL CONSTRAINT supports_support_fk REFERENCES people (id),
    team_id    uuid NOT NULL CONSTRAINT supports_team_fk REFERENCES teams (id),
    valid_from timestamptz NOT NULL,
    valid_to   timestamptz
);
CREATE INDEX supports_by_team ON supports (team_id);
CREATE UNIQUE INDEX supports_current ON supports (support_id, team_id) WHERE valid_to IS NULL;

CREATE TABLE outcomes (
    id               uuid PRIMARY KEY,
    key              text NOT NULL CONSTRAINT outcomes_key_unique UNIQUE,
    name             text NOT NULL,
    success_criteria text NOT NULL,
    target_minutes   bigint NOT NULL,
    created_at       timestamptz NOT NULL
);

CREATE TABLE outcome_teams (
    outcome_id uuid NOT NULL CONSTRAINT outcome_teams_outcome_fk REFERENCES outcomes (id),
    team_id    uuid NOT NULL CONSTRAINT outcome_teams_team_fk REFERENCES teams (id),
    rank       bigint NOT NULL,
    CONSTRAINT outcome_teams_pkey PRIMARY KEY (outcome_id, team_id)
);

CREATE TABLE cases (
    id                uuid PRIMARY KEY,
    number            bigint NOT NULL CONSTRAINT cases_number_unique UNIQUE,
    customer_id       uuid NOT NULL CONSTRAINT cases_customer_fk REFERENCES people (id),
    outcome_id        uuid NOT NULL CONSTRAINT cases_outcome_fk REFERENCES outcomes (id),
    subject           text NOT NULL,
    channel           text NOT NULL,
    priority          text NOT NULL,
    priority_rank     bigint NOT NULL,
    owner_id          uuid CONSTRAINT cases_owner_fk REFERENCES people (id),
    team_id           uuid CONSTRAINT cases_team_fk REFERENCES teams (id),
    tags              text NOT NULL,
    status            text NOT NULL,
    outcome_achieved  text NOT NULL,
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL,
    first_response_at timestamptz,
    resolved_at       timestamptz
);
CREATE INDEX cases_by_customer ON cases (customer_id, number);
CREATE INDEX cases_by_owner ON cases (owner_id, number);
CREATE INDEX cases_by_team ON cases (team_id, number);
CREATE INDEX cases_by_status ON cases (status, number);
CREATE INDEX cases_by_outcome ON cases (outcome_id, number);
-- The team queues: unowned cases still open, most urgent and oldest first.
CREATE INDEX cases_queue ON cases (team_id, priority_rank DESC, created_at)
    WHERE owner_id IS NULL AND status IN ('new', 'open', 'waiting_on_customer');

CREATE TABLE messages (
    id         uuid PRIMARY KEY,
    case_id    uuid NOT NULL CONSTRAINT messages_case_fk REFERENCES cases (id),
    author_id  uuid NOT NULL CONSTRAINT messages_author_fk REFERENCES people (id),
    body       text NOT NULL,
    visibility text NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE INDEX messages_by_case ON messages (case_id, created_at);

-- The event log: gap-free, strictly increasing seq in commit order (see event_counter).
CREATE TABLE events (
    seq         bigint PRIMARY KEY,
    at          timestamptz NOT NULL,
    kind        text NOT NULL,
    actor_id    uuid,
    case_id     uuid,
    -- The customer who may also read this event; NULL: staff only.
    customer_id uuid,
    payload     jsonb NOT NULL
);
CREATE INDEX events_by_case ON events (case_id, seq);
CREATE INDEX events_by_customer ON events (customer_id, seq);

-- Idempotent creates: (actor, key) -> the first result and its events. A create without an
-- actor uses the nil uuid, so the key is still unique per "nobody".
CREATE TABLE idempotency (
    actor_id   uuid NOT NULL,
    key        text NOT NULL,
    subject_id uuid NOT NULL,
    first_seq  bigint NOT NULL,
    last_seq   bigint NOT NULL,
    created_at timestamptz NOT NULL,
    CONSTRAINT idempotency_pkey PRIMARY KEY (actor_id, key)
);

-- PostgreSQL only: the event log's counter. Every write transaction updates this one row just
-- before it commits; the row lock makes appends take their numbers in commit order, and a
-- rolled-back transaction gives its numbers back. `last_at` keeps event times non-decreasing
-- in seq order even when nodes' clocks disagree a little.
CREATE TABLE event_counter (
    id       boolean PRIMARY KEY DEFAULT true CHECK (id),
    last_seq bigint NOT NULL,
    last_at  timestamptz NOT NULL
);
INSERT INTO event_counter (id, last_seq, last_at) VALUES (true, 0, to_timestamp(0));

-- PostgreSQL only: case numbers. Gaps (from rolled-back creates) are acceptable here, unlike
-- in the event log.
CREATE SEQUENCE case_numbers START WITH 1001 MINVALUE 1;
