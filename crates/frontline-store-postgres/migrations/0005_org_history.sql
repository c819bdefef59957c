-- The organisation's history, PostgreSQL flavour of the SQLite migration 0005: teams retire,
-- and every person's role and title are kept as dated periods. (4 is the asks migration.)

ALTER TABLE teams ADD COLUMN retired_at timestamptz;

CREATE TABLE role_periods (
    person_id  uuid NOT NULL CONSTRAINT role_periods_person_fk REFERENCES people (id),
    role       text NOT NULL CHECK (role IN ('customer', 'employee', 'support')),
    title      text,
    valid_from timestamptz NOT NULL,
    valid_to   timestamptz
);
CREATE INDEX role_periods_by_person ON role_periods (person_id, valid_from);
-- At most one current period per person; it always matches people.role and people.title.
CREATE UNIQUE INDEX role_periods_current ON role_periods (person_id) WHERE valid_to IS NULL;

-- Backfill: everyone has held their present role and title since they were created.
INSERT INTO role_periods (person_id, role, title, valid_from)
SELECT id, role, title, created_at FROM people;
