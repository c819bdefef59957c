-- The guidelines engine: customer profiles, decision kinds, rule versions, decisions and their
-- reviews. Times are unix milliseconds; structured values (fact definitions, scopes, facts,
-- findings) are JSON text written and read only through serde, so they round-trip exactly.

-- What the automatic customer facts read besides the store's own counts.
CREATE TABLE customer_profiles (
    person_id      TEXT PRIMARY KEY REFERENCES people (id),
    tier           TEXT NOT NULL,
    lifetime_value REAL NOT NULL,
    customer_since INTEGER NOT NULL
);

CREATE TABLE decision_kinds (
    key         TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    description TEXT NOT NULL,
    currency    TEXT NOT NULL,
    -- JSON array of fact definitions.
    facts       TEXT NOT NULL,
    updated_at  INTEGER NOT NULL
);

-- Every version of every rule; a rule is its versions (same rule_id, kind and type).
CREATE TABLE rule_versions (
    rule_id      TEXT NOT NULL,
    version      INTEGER NOT NULL,
    kind         TEXT NOT NULL REFERENCES decision_kinds (key),
    rule_type    TEXT NOT NULL CHECK (rule_type IN ('guideline', 'policy', 'principle')),
    -- JSON, e.g. {"type":"team","team_id":"…"}.
    scope        TEXT NOT NULL,
    name         TEXT NOT NULL,
    expression   TEXT,
    text         TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('draft', 'published', 'retired')),
    created_by   TEXT REFERENCES people (id),
    created_at   INTEGER NOT NULL,
    published_at INTEGER,
    retired_at   INTEGER,
    PRIMARY KEY (rule_id, version)
);
-- What evaluation reads: the published rules of a kind.
CREATE INDEX rule_versions_by_kind ON rule_versions (kind, status, rule_id, version);
-- At most one published version per rule (publishing retires the previous one first).
CREATE UNIQUE INDEX rule_versions_one_published ON rule_versions (rule_id)
    WHERE status = 'published';

CREATE TABLE decisions (
    id             TEXT PRIMARY KEY,
    case_id        TEXT NOT NULL REFERENCES cases (id),
    -- The case's customer, copied so per-customer facts need no join.
    customer_id    TEXT NOT NULL REFERENCES people (id),
    kind           TEXT NOT NULL REFERENCES decision_kinds (key),
    actor_id       TEXT NOT NULL REFERENCES people (id),
    -- JSON object: every fact as evaluated, by name.
    facts          TEXT NOT NULL,
    verdict        TEXT NOT NULL CHECK (verdict IN ('within', 'explain', 'blocked')),
    explanation    TEXT,
    -- JSON array of findings: the exact rule versions that applied and how they fared.
    findings       TEXT NOT NULL,
    decided_at     INTEGER NOT NULL,
    -- The review, all four set together or none.
    reviewer_id    TEXT REFERENCES people (id),
    review_outcome TEXT CHECK (review_outcome IN ('uphold', 'coach', 'reverse')),
    review_comment TEXT,
    reviewed_at    INTEGER,
    CHECK ((reviewer_id IS NULL) = (review_outcome IS NULL)
       AND (reviewer_id IS NULL) = (reviewed_at IS NULL)),
    CHECK (reviewer_id IS NULL OR verdict = 'explain')
);
-- Lists are newest first ((decided_at, id) descending, read backwards off these indexes).
CREATE INDEX decisions_newest ON decisions (decided_at, id);
CREATE INDEX decisions_by_case ON decisions (case_id, decided_at, id);
CREATE INDEX decisions_by_customer ON decisions (customer_id, decided_at, id);
CREATE INDEX decisions_by_actor ON decisions (actor_id, decided_at, id);
-- The review queue: decisions taken with an explanation that nobody has reviewed yet. Small
-- (reviews drain it), so the queue query never touches reviewed or unexplained decisions.
CREATE INDEX decisions_to_review ON decisions (decided_at, id)
    WHERE verdict = 'explain' AND reviewed_at IS NULL;
