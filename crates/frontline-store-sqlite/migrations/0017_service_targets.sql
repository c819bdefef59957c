-- Business hours and service targets: dated versions of each team's calendar, and each
-- outcome's targets. Both are JSON as the API writes them (checked by core before they are
-- stored); times are unix milliseconds.

CREATE TABLE team_calendars (
    team_id    TEXT NOT NULL REFERENCES teams (id),
    valid_from INTEGER NOT NULL,
    spec       TEXT NOT NULL,
    set_at     INTEGER NOT NULL,
    set_by     TEXT REFERENCES people (id),
    PRIMARY KEY (team_id, valid_from)
);

CREATE TABLE outcome_targets (
    outcome_id TEXT PRIMARY KEY REFERENCES outcomes (id),
    targets    TEXT NOT NULL,
    set_at     INTEGER NOT NULL
);
