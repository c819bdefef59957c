-- Asks from employees to support employees, and their messages. Same version number and
-- tables as the SQLite migration 0004.

CREATE TABLE asks (
    id                uuid PRIMARY KEY,
    asker_id          uuid NOT NULL CONSTRAINT asks_asker_fk REFERENCES people (id),
    kind              text NOT NULL
        CHECK (kind IN ('unblock', 'approval', 'resource', 'advice', 'other')),
    urgency           text NOT NULL CHECK (urgency IN ('low', 'normal', 'high', 'urgent')),
    text              text NOT NULL,
    case_id           uuid CONSTRAINT asks_case_fk REFERENCES cases (id),
    assignee_id       uuid NOT NULL CONSTRAINT asks_assignee_fk REFERENCES people (id),
    claimed_by        uuid CONSTRAINT asks_claimer_fk REFERENCES people (id),
    status            text NOT NULL CHECK (status IN ('open', 'claimed', 'resolved', 'withdrawn')),
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL,
    first_response_at timestamptz,
    resolved_at       timestamptz,
    escalations       integer NOT NULL CHECK (escalations >= 0),
    -- NULL once responded to, or flagged overdue at the top of the support chain.
    respond_by        timestamptz,
    -- How the help felt: all three set, or none.
    feeling_score     smallint CHECK (feeling_score BETWEEN 1 AND 5),
    feeling_word      text,
    felt_at           timestamptz,
    -- [AskStep]: raised, claimed, climbed, resolved...
    history           jsonb NOT NULL,
    CONSTRAINT asks_feeling_whole CHECK (
        (feeling_score IS NULL) = (feeling_word IS NULL)
        AND (feeling_score IS NULL) = (felt_at IS NULL)
    )
);
-- The newest-first lists and their (created_at, id) cursor.
CREATE INDEX asks_newest ON asks (created_at DESC, id DESC);
CREATE INDEX asks_by_asker ON asks (asker_id, created_at DESC);
CREATE INDEX asks_by_assignee ON asks (assignee_id, created_at DESC);
CREATE INDEX asks_by_claimer ON asks (claimed_by, created_at DESC);
CREATE INDEX asks_by_case ON asks (case_id) WHERE case_id IS NOT NULL;
-- The escalation sweep: open, unanswered asks by the end of their response window.
CREATE INDEX asks_due ON asks (respond_by) WHERE status = 'open' AND first_response_at IS NULL;

CREATE TABLE ask_messages (
    id         uuid PRIMARY KEY,
    ask_id     uuid NOT NULL CONSTRAINT ask_messages_ask_fk REFERENCES asks (id),
    author_id  uuid NOT NULL CONSTRAINT ask_messages_author_fk REFERENCES people (id),
    body       text NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE INDEX ask_messages_by_ask ON ask_messages (ask_id, created_at);
