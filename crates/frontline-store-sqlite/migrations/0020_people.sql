-- Customer accounts: a person's addresses besides their primary `people.email`, their
-- profile (language, time zone), and what merging and erasure leave (a tombstone). Times are
-- unix milliseconds.

CREATE TABLE person_addresses (
    -- Lower-cased (`Email`); an address belongs to at most one person. The store also keeps
    -- it off every other person's primary address.
    address   TEXT PRIMARY KEY,
    person_id TEXT NOT NULL REFERENCES people (id),
    verified  INTEGER NOT NULL,
    added_at  INTEGER NOT NULL
);
CREATE INDEX person_addresses_by_person ON person_addresses (person_id, added_at);

ALTER TABLE people ADD COLUMN language TEXT;
ALTER TABLE people ADD COLUMN time_zone TEXT;
ALTER TABLE people ADD COLUMN erasure_requested_at INTEGER;
ALTER TABLE people ADD COLUMN erased_at INTEGER;
-- Not a foreign key: an import loads people in any order.
ALTER TABLE people ADD COLUMN merged_into TEXT;
