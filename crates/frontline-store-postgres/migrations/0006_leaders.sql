-- Leaders on the tools: indexes for the customer-time ledger's reads of staff activity, and
-- leader standard work (items and the ticks of plain items). Same version number and tables
-- as the SQLite migration 0006 (0005 belongs to the org history).

-- A person's messages in time order: their replies in a window, and their last one ever.
CREATE INDEX messages_by_author ON messages (author_id, created_at);
-- Cases a person owns, by when they were resolved.
CREATE INDEX cases_resolved_by_owner ON cases (owner_id, resolved_at)
    WHERE resolved_at IS NOT NULL;
-- Decisions a person reviewed, by when.
CREATE INDEX decisions_by_reviewer ON decisions (reviewer_id, reviewed_at)
    WHERE reviewer_id IS NOT NULL;
-- Asks a person handled, by when they were resolved.
CREATE INDEX asks_resolved_by_claimer ON asks (claimed_by, resolved_at)
    WHERE resolved_at IS NOT NULL;

CREATE TABLE standard_work_items (
    id          uuid PRIMARY KEY,
    person_id   uuid NOT NULL CONSTRAINT standard_work_items_person_fk REFERENCES people (id),
    title       text NOT NULL,
    cadence     text NOT NULL CHECK (cadence IN ('daily', 'weekly', 'monthly')),
    -- Both set (a proven item) or neither (a plain item, ticked by hand).
    metric      text CHECK (metric IN ('cases_worked', 'public_replies',
                    'minutes_with_customers', 'reviews_done', 'asks_resolved')),
    target      integer CHECK (target > 0),
    created_by  uuid CONSTRAINT standard_work_items_creator_fk REFERENCES people (id),
    created_at  timestamptz NOT NULL,
    retired_at  timestamptz,
    CONSTRAINT standard_work_items_proof_whole CHECK ((metric IS NULL) = (target IS NULL))
);
CREATE INDEX standard_work_items_by_person ON standard_work_items (person_id, created_at, id);

-- One row per plain item ticked done for one period (the period's key, e.g. 2026-W48).
-- Unticking deletes the row; the event log keeps that it was ticked.
CREATE TABLE standard_work_ticks (
    item_id      uuid NOT NULL CONSTRAINT standard_work_ticks_item_fk
        REFERENCES standard_work_items (id),
    person_id    uuid NOT NULL CONSTRAINT standard_work_ticks_person_fk REFERENCES people (id),
    period       text NOT NULL,
    period_start timestamptz NOT NULL,
    ticked_by    uuid NOT NULL CONSTRAINT standard_work_ticks_ticker_fk REFERENCES people (id),
    ticked_at    timestamptz NOT NULL,
    CONSTRAINT standard_work_ticks_pkey PRIMARY KEY (item_id, period)
);
CREATE INDEX standard_work_ticks_by_person ON standard_work_ticks (person_id, period_start);
