-- Credentials a person can list and revoke. Tokens and sessions get an id, so they can be
-- named (in a list, in a revoke request) without exposing their hash; tokens may expire; both
-- record when they were last used (at most once a minute, see `frontline_store::credentials`).
-- Version 0012 on both backends.
--
-- SQLite cannot add a primary key to a table, so api_tokens is rebuilt. Existing tokens get a
-- random (version 4) UUID: their creation order is kept by created_at.
CREATE TABLE api_tokens_0012 (
    id           TEXT PRIMARY KEY,
    token_hash   TEXT NOT NULL UNIQUE,
    person_id    TEXT NOT NULL REFERENCES people (id),
    label        TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER,
    last_used_at INTEGER
);
INSERT INTO api_tokens_0012 (id, token_hash, person_id, label, created_at)
SELECT lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4'
             || substr(hex(randomblob(2)), 2) || '-'
             || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2)
             || '-' || hex(randomblob(6))),
       token_hash, person_id, label, created_at
FROM api_tokens;
DROP TABLE api_tokens;
ALTER TABLE api_tokens_0012 RENAME TO api_tokens;
CREATE INDEX api_tokens_by_person ON api_tokens (person_id, created_at);

-- Sessions are short-lived (12 hours by default) and hold nothing but a sign-in, so the
-- upgrade ends them rather than invent a creation time: everyone signs in again once.
DROP TABLE sessions;
CREATE TABLE sessions (
    id           TEXT PRIMARY KEY,
    session_hash TEXT NOT NULL UNIQUE,
    person_id    TEXT NOT NULL REFERENCES people (id),
    csrf_token   TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    last_used_at INTEGER NOT NULL,
    user_agent   TEXT
);
CREATE INDEX sessions_by_person ON sessions (person_id, created_at);
