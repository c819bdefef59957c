-- Foundation schema. Ids are UUIDv7 text; times are unix milliseconds (INTEGER).

CREATE TABLE people (
    id               TEXT PRIMARY KEY,
    email            TEXT NOT NULL UNIQUE,
    name             TEXT NOT NULL,
    role             TEXT NOT NULL CHECK (role IN ('customer', 'employee', 'support')),
    title            TEXT,
    admin            INTEGER NOT NULL DEFAULT 0,
    capacity         INTEGER NOT NULL,
    available        INTEGER NOT NULL DEFAULT 1,
    password_hash    TEXT,
    created_at       INTEGER NOT NULL,
    -- Routing state, maintained on every write that changes a case's owner or status.
    open_cases       INTEGER NOT NULL DEFAULT 0,
    last_assigned_at INTEGER
);

CREATE TABLE api_tokens (
    token_hash TEXT PRIMARY KEY,
    person_id  TEXT NOT NULL REFERENCES people (id),
    label      TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE sessions (
    session_hash TEXT PRIMARY KEY,
    person_id    TEXT NOT NULL REFERENCES people (id),
    csrf_token   TEXT NOT NULL,
    expires_at   INTEGER NOT NULL
);

CREATE TABLE teams (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);

CREATE TABLE memberships (
    person_id  TEXT NOT NULL REFERENCES people (id),
    team_id    TEXT NOT NULL REFERENCES teams (id),
    valid_from INTEGER NOT NULL,
    valid_to   INTEGER
);
CREATE INDEX memberships_by_team ON memberships (team_id, person_id);
CREATE INDEX memberships_by_person ON memberships (person_id, team_id);
-- At most one current membership per person and team.
CREATE UNIQUE INDEX memberships_current ON memberships (person_id, team_id) WHERE valid_to IS NULL;

CREATE TABLE supports (
    support_id TEXT NOT NULL REFERENCES people (id),
    team_id    TEXT NOT NULL REFERENCES teams (id),
    valid_from INTEGER NOT NULL,
    valid_to   INTEGER
);
CREATE INDEX supports_by_team ON supports (team_id);
CREATE UNIQUE INDEX supports_current ON supports (support_id, team_id) WHERE valid_to IS NULL;

CREATE TABLE outcomes (
    id               TEXT PRIMARY KEY,
    key              TEXT NOT NULL UNIQUE,
    name             TEXT NOT NULL,
    success_criteria TEXT NOT NULL,
    target_minutes   INTEGER NOT NULL,
    created_at       INTEGER NOT NULL
);

CREATE TABLE outcome_teams (
    outcome_id TEXT NOT NULL REFERENCES outcomes (id),
    team_id    TEXT NOT NULL REFERENCES teams (id),
    rank       INTEGER NOT NULL,
    PRIMARY KEY (outcome_id, team_id)
);

CREATE TABLE cases (
    id                TEXT PRIMARY KEY,
    number            INTEGER NOT NULL UNIQUE,
    customer_id       TEXT NOT NULL REFERENCES people (id),
    outcome_id        TEXT NOT NULL REFERENCES outcomes (id),
    subject           TEXT NOT NULL,
    channel           TEXT NOT NULL,
    priority          TEXT NOT NULL,
    priority_rank     INTEGER NOT NULL,
    owner_id          TEXT REFERENCES people (id),
    team_id           TEXT REFERENCES teams (id),
    tags              TEXT NOT NULL,
    status            TEXT NOT NULL,
    outcome_achieved  TEXT NOT NULL,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    first_response_at INTEGER,
    resolved_at       INTEGER
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
    id         TEXT PRIMARY KEY,
    case_id    TEXT NOT NULL REFERENCES cases (id),
    author_id  TEXT NOT NULL REFERENCES people (id),
    body       TEXT NOT NULL,
    visibility TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX messages_by_case ON messages (case_id, created_at);

-- The event log: gap-free, strictly increasing seq in commit order.
CREATE TABLE events (
    seq         INTEGER PRIMARY KEY,
    at          INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    actor_id    TEXT,
    case_id     TEXT,
    -- The customer who may also read this event; NULL: staff only.
    customer_id TEXT,
    payload     TEXT NOT NULL
);
CREATE INDEX events_by_case ON events (case_id, seq);
CREATE INDEX events_by_customer ON events (customer_id, seq);

-- Idempotent creates: (actor, key) -> the first result and its events.
CREATE TABLE idempotency (
    actor_id   TEXT NOT NULL,
    key        TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    first_seq  INTEGER NOT NULL,
    last_seq   INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (actor_id, key)
);
