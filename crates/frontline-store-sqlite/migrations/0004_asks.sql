-- Asks from employees to support employees, and their messages.

CREATE TABLE asks (
    id                TEXT PRIMARY KEY,
    asker_id          TEXT NOT NULL REFERENCES people (id),
    kind              TEXT NOT NULL,
    urgency           TEXT NOT NULL,
    text              TEXT NOT NULL,
    case_id           TEXT REFERENCES cases (id),
    assignee_id       TEXT NOT NULL REFERENCES people (id),
    claimed_by        TEXT REFERENCES people (id),
    status            TEXT NOT NULL,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    first_response_at INTEGER,
    resolved_at       INTEGER,
    escalations       INTEGER NOT NULL,
    -- NULL once responded to, or flagged overdue at the top of the support chain.
    respond_by        INTEGER,
    feeling_score     INTEGER,
    feeling_word      TEXT,
    felt_at           INTEGER,
    -- [AskStep] as JSON: raised, claimed, climbed, resolved...
    history           TEXT NOT NULL
);
CREATE INDEX asks_by_created ON asks (created_at, id);
CREATE INDEX asks_by_asker ON asks (asker_id, created_at);
CREATE INDEX asks_by_assignee ON asks (assignee_id, created_at);
CREATE INDEX asks_by_claimer ON asks (claimed_by, created_at);
CREATE INDEX asks_by_case ON asks (case_id) WHERE case_id IS NOT NULL;
-- The escalation sweep: open, unanswered asks by the end of their response window.
CREATE INDEX asks_due ON asks (respond_by) WHERE status = 'open' AND first_response_at IS NULL;

CREATE TABLE ask_messages (
    id         TEXT PRIMARY KEY,
    ask_id     TEXT NOT NULL REFERENCES asks (id),
    author_id  TEXT NOT NULL REFERENCES people (id),
    body       TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX ask_messages_by_ask ON ask_messages (ask_id, created_at);
