-- Feelings: customers' ratings of resolved cases, employees' observations of the customer and
-- their own feeling at close, and the weekly pulse (frontline_core::feeling). Version 0007 on
-- both backends. Plus the signing keys of the rating links.

CREATE TABLE feelings (
    id          uuid PRIMARY KEY,
    kind        text NOT NULL CHECK (kind IN ('customer', 'observed', 'own', 'pulse')),
    source      text NOT NULL CHECK (source IN ('link', 'portal', 'case', 'pulse')),
    person_id   uuid NOT NULL CONSTRAINT feelings_person_fk REFERENCES people (id),
    case_id     uuid CONSTRAINT feelings_case_fk REFERENCES cases (id),
    -- The case's team, outcome and (for ratings) owner when the feeling was given.
    team_id     uuid CONSTRAINT feelings_team_fk REFERENCES teams (id),
    outcome_id  uuid CONSTRAINT feelings_outcome_fk REFERENCES outcomes (id),
    owner_id    uuid CONSTRAINT feelings_owner_fk REFERENCES people (id),
    score       smallint NOT NULL CHECK (score BETWEEN 1 AND 5),
    emotion     text,
    text        text,
    -- The ISO week of a pulse answer, e.g. 2026-W48.
    period      text,
    created_at  timestamptz NOT NULL,
    CHECK ((kind = 'pulse') = (case_id IS NULL)),
    CHECK ((kind = 'pulse') = (period IS NOT NULL))
);
-- A customer rates a case once.
CREATE UNIQUE INDEX feelings_one_rating ON feelings (case_id) WHERE kind = 'customer';
-- One observation and one own feeling per person per case; one pulse per person per week.
CREATE UNIQUE INDEX feelings_one_per_case ON feelings (case_id, kind, person_id)
    WHERE kind IN ('observed', 'own');
CREATE UNIQUE INDEX feelings_one_pulse ON feelings (person_id, period) WHERE kind = 'pulse';
-- Figures read one kind over a window; a person reads their own answers.
CREATE INDEX feelings_by_kind ON feelings (kind, created_at, id);
CREATE INDEX feelings_by_person ON feelings (person_id, created_at);
CREATE INDEX feelings_by_case ON feelings (case_id, created_at) WHERE case_id IS NOT NULL;

CREATE TABLE signing_keys (
    name        text PRIMARY KEY,
    key         bytea NOT NULL,
    created_at  timestamptz NOT NULL
);
