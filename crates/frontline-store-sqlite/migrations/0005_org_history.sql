-- The organisation's history: teams retire, and every person's role and title are kept as
-- dated periods (a promotion ends one period and opens the next). Version 5 on both backends
-- (4 is the asks migration).

ALTER TABLE teams ADD COLUMN retired_at INTEGER;

CREATE TABLE role_periods (
    person_id  TEXT NOT NULL REFERENCES people (id),
    role       TEXT NOT NULL CHECK (role IN ('customer', 'employee', 'support')),
    title      TEXT,
    valid_from INTEGER NOT NULL,
    valid_to   INTEGER
);
CREATE INDEX role_periods_by_person ON role_periods (person_id, valid_from);
-- At most one current period per person; it always matches people.role and people.title.
CREATE UNIQUE INDEX role_periods_current ON role_periods (person_id) WHERE valid_to IS NULL;

-- Backfill: everyone has held their present role and title since they were created.
INSERT INTO role_periods (person_id, role, title, valid_from)
SELECT id, role, title, created_at FROM people;
