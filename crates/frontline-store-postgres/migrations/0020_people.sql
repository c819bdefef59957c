-- Customer accounts: a person's addresses besides their primary `people.email`, their
-- profile (language, time zone), and what merging and erasure leave (a tombstone).

CREATE TABLE person_addresses (
    -- Lower-cased (`Email`); an address belongs to at most one person. The store also keeps
    -- it off every other person's primary address.
    address   text PRIMARY KEY,
    person_id uuid NOT NULL REFERENCES people (id),
    verified  boolean NOT NULL,
    added_at  timestamptz NOT NULL
);
CREATE INDEX person_addresses_by_person ON person_addresses (person_id, added_at);

ALTER TABLE people ADD COLUMN language text;
ALTER TABLE people ADD COLUMN time_zone text;
ALTER TABLE people ADD COLUMN erasure_requested_at timestamptz;
ALTER TABLE people ADD COLUMN erased_at timestamptz;
-- Not a foreign key: an import loads people in any order.
ALTER TABLE people ADD COLUMN merged_into uuid;
