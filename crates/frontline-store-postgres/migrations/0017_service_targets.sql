-- Business hours and service targets: dated versions of each team's calendar, and each
-- outcome's targets. Same version number, tables and columns as the SQLite migration 0017;
-- the JSON is jsonb here. Constraints are named for error classification.

CREATE TABLE team_calendars (
    team_id    uuid NOT NULL CONSTRAINT team_calendars_team_fk REFERENCES teams (id),
    valid_from timestamptz NOT NULL,
    spec       jsonb NOT NULL,
    set_at     timestamptz NOT NULL,
    set_by     uuid CONSTRAINT team_calendars_person_fk REFERENCES people (id),
    CONSTRAINT team_calendars_pkey PRIMARY KEY (team_id, valid_from)
);

CREATE TABLE outcome_targets (
    outcome_id uuid CONSTRAINT outcome_targets_pkey PRIMARY KEY
        CONSTRAINT outcome_targets_outcome_fk REFERENCES outcomes (id),
    targets    jsonb NOT NULL,
    set_at     timestamptz NOT NULL
);
