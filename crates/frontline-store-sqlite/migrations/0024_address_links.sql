-- A customer's own added address is verified by a link mailed to it (issue 22): account
-- links gain the purpose `verify_address` (its person is the one who added the address,
-- its email the address). SQLite cannot change a CHECK, so the table is rebuilt as it was
-- with the wider one; rows are kept as they were.
CREATE TABLE account_links_new (
    token_hash    TEXT PRIMARY KEY,
    purpose       TEXT NOT NULL
                  CHECK (purpose IN ('sign_up', 'sign_in', 'reset', 'verify_address')),
    email         TEXT NOT NULL,
    person_id     TEXT REFERENCES people (id),
    name          TEXT,
    password_hash TEXT,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    used_at       INTEGER
);
INSERT INTO account_links_new (token_hash, purpose, email, person_id, name, password_hash,
    created_at, expires_at, used_at)
SELECT token_hash, purpose, email, person_id, name, password_hash, created_at, expires_at,
    used_at
FROM account_links;
DROP TABLE account_links;
ALTER TABLE account_links_new RENAME TO account_links;
CREATE INDEX account_links_expiry ON account_links (expires_at);
