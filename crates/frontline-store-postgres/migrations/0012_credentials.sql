-- Credentials a person can list and revoke. Tokens and sessions get an id, so they can be
-- named (in a list, in a revoke request) without exposing their hash; tokens may expire; both
-- record when they were last used (at most once a minute, see `frontline_store::credentials`).
-- Version 0012 on both backends. Existing tokens get a random (version 4) UUID: their creation
-- order is kept by created_at.
ALTER TABLE api_tokens ADD COLUMN id uuid;
UPDATE api_tokens SET id = gen_random_uuid();
ALTER TABLE api_tokens ALTER COLUMN id SET NOT NULL;
ALTER TABLE api_tokens DROP CONSTRAINT api_tokens_pkey;
ALTER TABLE api_tokens ADD CONSTRAINT api_tokens_pkey PRIMARY KEY (id);
ALTER TABLE api_tokens ADD CONSTRAINT api_tokens_hash_unique UNIQUE (token_hash);
ALTER TABLE api_tokens ADD COLUMN expires_at timestamptz;
ALTER TABLE api_tokens ADD COLUMN last_used_at timestamptz;
CREATE INDEX api_tokens_by_person ON api_tokens (person_id, created_at);

-- Sessions are short-lived (12 hours by default) and hold nothing but a sign-in, so the
-- upgrade ends them rather than invent a creation time: everyone signs in again once.
DROP TABLE sessions;
CREATE TABLE sessions (
    id           uuid PRIMARY KEY,
    session_hash text NOT NULL CONSTRAINT sessions_hash_unique UNIQUE,
    person_id    uuid NOT NULL CONSTRAINT sessions_person_fk REFERENCES people (id),
    csrf_token   text NOT NULL,
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    last_used_at timestamptz NOT NULL,
    user_agent   text
);
CREATE INDEX sessions_by_person ON sessions (person_id, created_at);
