-- Proposals: employees' ideas for a change backed by evidence (cases and/or a theme), votes
-- (one per person), comments, and the closed-loop message each evidence case's customer got
-- when the proposal shipped (frontline_core::proposal). Version 0008 on both backends.

CREATE TABLE proposals (
    id            TEXT PRIMARY KEY,
    author_id     TEXT NOT NULL REFERENCES people (id),
    title         TEXT NOT NULL,
    body          TEXT NOT NULL,
    -- A voice-of-the-customer theme, named by its key and label (both or neither).
    theme_key     TEXT,
    theme_label   TEXT,
    status        TEXT NOT NULL
        CHECK (status IN ('open', 'adopted', 'declined', 'shipped', 'withdrawn')),
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    decided_by    TEXT REFERENCES people (id),
    decided_at    INTEGER,
    reason        TEXT,
    shipped_by    TEXT REFERENCES people (id),
    shipped_at    INTEGER,
    what_changed  TEXT,
    CHECK ((theme_key IS NULL) = (theme_label IS NULL)),
    -- A decision always has its reason; shipping always says what changed.
    CHECK ((decided_at IS NULL) = (reason IS NULL)),
    CHECK ((shipped_at IS NULL) = (what_changed IS NULL))
);
-- The newest-first list and its (created_at, id) cursor; "mine"; by status.
CREATE INDEX proposals_newest ON proposals (created_at DESC, id DESC);
CREATE INDEX proposals_by_author ON proposals (author_id, created_at DESC);
CREATE INDEX proposals_by_status ON proposals (status, created_at DESC);

CREATE TABLE proposal_cases (
    proposal_id  TEXT NOT NULL REFERENCES proposals (id),
    case_id      TEXT NOT NULL REFERENCES cases (id),
    -- The order the author cited them in.
    position     INTEGER NOT NULL,
    -- The closed-loop message the case's customer got when the proposal shipped.
    told_message_id TEXT REFERENCES messages (id),
    PRIMARY KEY (proposal_id, case_id)
);
-- "Proposals citing this case" (the case page, the list's filter).
CREATE INDEX proposal_cases_by_case ON proposal_cases (case_id);

-- One vote per person per proposal: the key itself refuses a second, even when two race.
CREATE TABLE proposal_votes (
    proposal_id  TEXT NOT NULL REFERENCES proposals (id),
    person_id    TEXT NOT NULL REFERENCES people (id),
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (proposal_id, person_id)
);

CREATE TABLE proposal_comments (
    id           TEXT PRIMARY KEY,
    proposal_id  TEXT NOT NULL REFERENCES proposals (id),
    author_id    TEXT NOT NULL REFERENCES people (id),
    body         TEXT NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX proposal_comments_by_proposal ON proposal_comments (proposal_id, created_at, id);
