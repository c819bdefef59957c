-- Full-text search over cases (FTS5): one row per case, its rowid the case number, so
-- "newest first" is the index's own order and a search for a common word stops after a page.
-- Columns: `head` (number, subject, tags, the customer's name and addresses, and the token
-- `cust<id without hyphens>` so a search within one customer's cases is one FTS5 query), `public`
-- (public messages), `internal` (internal notes; searched for staff only). Contentless: the
-- text itself lives in `cases`, `messages` and `people`, and the store rebuilds a case's row
-- in the transaction of every write that changes it (`src/search.rs`, which holds the same
-- SELECT as below).
CREATE VIRTUAL TABLE case_text USING fts5(
    head, public, internal,
    content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
);

INSERT INTO case_text (rowid, head, public, internal)
SELECT c.number,
       'FL-' || c.number || ' ' || c.number || ' ' || c.subject || ' ' || c.tags || ' '
           || p.name || ' ' || p.email || ' ' || 'cust' || replace(p.id, '-', '') || ' '
           || coalesce((SELECT group_concat(a.address, ' ') FROM person_addresses a
                        WHERE a.person_id = p.id), ''),
       coalesce((SELECT group_concat(m.body, char(10)) FROM messages m
                 WHERE m.case_id = c.id AND m.visibility = 'public'), ''),
       coalesce((SELECT group_concat(m.body, char(10)) FROM messages m
                 WHERE m.case_id = c.id AND m.visibility = 'internal'), '')
FROM cases c JOIN people p ON p.id = c.customer_id;
