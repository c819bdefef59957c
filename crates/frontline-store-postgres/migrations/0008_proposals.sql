-- Proposals: employees' ideas for a change backed by evidence (cases and/or a theme), votes
-- (one per person), comments, and the closed-loop message each evidence case's customer got
-- when the proposal shipped (frontline_core::proposal). Version 0008 on both backends.

CREATE TABLE proposals (
    id            uuid PRIMARY KEY,
    author_id     uuid NOT NULL CONSTRAINT proposals_author_fk REFERENCES people (id),
    title         text NOT NULL,
    body          text NOT NULL,
    -- A voice-of-the-customer theme, named by its key and label (both or neither).
    theme_key     text,
    theme_label   text,
    status        text NOT NULL
        CHECK (status IN ('open', 'adopted', 'declined', 'shipped', 'withdrawn')),
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    decided_by    uuid CONSTRAINT proposals_decider_fk REFERENCES people (id),
    decided_at    timestamptz,
    reason        text,
    shipped_by    uuid CONSTRAINT proposals_shipper_fk REFERENCES people (id),
    shipped_at    timestamptz,
    what_changed  text,
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
    proposal_id  uuid NOT NULL CONSTRAINT proposal_cases_proposal_fk REFERENCES proposals (id),
    case_id      uuid NOT NULL CONSTRAINT proposal_cases_case_fk REFERENCES cases (id),
    -- The order the author cited them in.
    position     integer NOT NULL,
    -- The closed-loop message the case's customer got when the proposal shipped.
    told_message_id uuid CONSTRAINT proposal_cases_told_fk REFERENCES messages (id),
    PRIMARY KEY (proposal_id, case_id)
);
-- "Proposals citing this case" (the case page, the list's filter).
CREATE INDEX proposal_cases_by_case ON proposal_cases (case_id);

-- One vote per person per proposal: the key itself refuses a second, even when two race.
CREATE TABLE proposal_votes (
    proposal_id  uuid NOT NULL CONSTRAINT proposal_votes_proposal_fk REFERENCES proposals (id),
    person_id    uuid NOT NULL CONSTRAINT proposal_votes_person_fk REFERENCES people (id),
    created_at   timestamptz NOT NULL,
    PRIMARY KEY (proposal_id, person_id)
);

CREATE TABLE proposal_comments (
    id           uuid PRIMARY KEY,
    proposal_id  uuid NOT NULL CONSTRAINT proposal_comments_proposal_fk REFERENCES proposals (id),
    author_id    uuid NOT NULL CONSTRAINT proposal_comments_author_fk REFERENCES people (id),
    body         text NOT NULL,
    created_at   timestamptz NOT NULL
);
CREATE INDEX proposal_comments_by_proposal ON proposal_comments (proposal_id, created_at, id);
