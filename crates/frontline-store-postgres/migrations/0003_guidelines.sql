-- The guidelines engine: customer profiles, decision kinds, rule versions, recorded decisions
-- and their reviews. Same version number and tables as the SQLite migration 0003.
--
-- JSON columns: `scope`, a kind's `facts` and a decision's `findings` are jsonb (read back
-- through serde, so key order does not matter, and they can be queried: "decisions where
-- rule X did not hold"). A decision's `facts` are text: they must read back as the exact
-- map that was evaluated, and jsonb would reorder its keys.

CREATE TABLE customer_profiles (
    person_id      uuid PRIMARY KEY CONSTRAINT customer_profiles_person_fk REFERENCES people (id),
    tier           text NOT NULL,
    lifetime_value double precision NOT NULL,
    customer_since timestamptz NOT NULL
);

CREATE TABLE decision_kinds (
    key         text PRIMARY KEY,
    name        text NOT NULL,
    description text NOT NULL,
    currency    text NOT NULL,
    -- [FactDef], in the kind's order.
    facts       jsonb NOT NULL,
    updated_at  timestamptz NOT NULL
);

-- One row per version; versions of a rule share its id, kind and type.
CREATE TABLE rules (
    rule_id      uuid NOT NULL,
    version      bigint NOT NULL CHECK (version >= 1),
    kind         text NOT NULL CONSTRAINT rules_kind_fk REFERENCES decision_kinds (key),
    rule_type    text NOT NULL CHECK (rule_type IN ('guideline', 'policy', 'principle')),
    scope        jsonb NOT NULL,
    name         text NOT NULL,
    expression   text,
    text         text NOT NULL,
    status       text NOT NULL CHECK (status IN ('draft', 'published', 'retired')),
    -- Like events.actor_id, not a foreign key: who drafted it is history, not a reference.
    created_by   uuid,
    created_at   timestamptz NOT NULL,
    published_at timestamptz,
    retired_at   timestamptz,
    CONSTRAINT rules_pkey PRIMARY KEY (rule_id, version)
);
-- At most one published version per rule (publishing retires the previous one first).
CREATE UNIQUE INDEX rules_one_published ON rules (rule_id) WHERE status = 'published';
-- What evaluation loads: the published rules of a kind.
CREATE INDEX rules_by_kind ON rules (kind, status);

CREATE TABLE decisions (
    id             uuid PRIMARY KEY,
    case_id        uuid NOT NULL CONSTRAINT decisions_case_fk REFERENCES cases (id),
    customer_id    uuid NOT NULL CONSTRAINT decisions_customer_fk REFERENCES people (id),
    kind           text NOT NULL CONSTRAINT decisions_kind_fk REFERENCES decision_kinds (key),
    actor_id       uuid NOT NULL CONSTRAINT decisions_actor_fk REFERENCES people (id),
    -- The facts as evaluated: a JSON object, as text (see above).
    facts          text NOT NULL,
    verdict        text NOT NULL CHECK (verdict IN ('within', 'explain', 'blocked')),
    explanation    text,
    -- [Finding]: the exact rule versions that applied and how each fared.
    findings       jsonb NOT NULL,
    decided_at     timestamptz NOT NULL,
    -- The review: all four set, or none.
    reviewer_id    uuid CONSTRAINT decisions_reviewer_fk REFERENCES people (id),
    review_outcome text CHECK (review_outcome IN ('uphold', 'coach', 'reverse')),
    review_comment text,
    reviewed_at    timestamptz,
    CONSTRAINT decisions_review_whole CHECK (
        (reviewer_id IS NULL AND review_outcome IS NULL AND reviewed_at IS NULL
         AND review_comment IS NULL)
        OR (reviewer_id IS NOT NULL AND review_outcome IS NOT NULL AND reviewed_at IS NOT NULL)
    ),
    -- Only decisions taken with an explanation are reviewed.
    CONSTRAINT decisions_review_explain CHECK (reviewer_id IS NULL OR verdict = 'explain')
);
-- The newest-first list and its (decided_at, id) cursor.
CREATE INDEX decisions_newest ON decisions (decided_at DESC, id DESC);
CREATE INDEX decisions_by_case ON decisions (case_id, decided_at DESC, id DESC);
-- An employee's own decisions (coaching).
CREATE INDEX decisions_by_actor ON decisions (actor_id, decided_at DESC, id DESC);
-- The review queue: deviations nobody has reviewed yet, newest first.
CREATE INDEX decisions_to_review ON decisions (decided_at DESC, id DESC)
    WHERE verdict = 'explain' AND reviewed_at IS NULL;
