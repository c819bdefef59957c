-- Full-text search over cases: one tsvector per case, its words weighted by where they are:
-- A the head (number, subject, tags, the customer's name and addresses), B public messages,
-- C internal notes (a customer's search asks for A and B only). Written from Rust, which
-- cuts the text into the same tokens SQLite's index reads (`frontline_core::search`), in the
-- transaction of every write that changes what a case says; cases that predate this table
-- are indexed when a node starts (`src/search.rs`).
CREATE TABLE case_text (
    case_id uuid PRIMARY KEY REFERENCES cases (id),
    doc     tsvector NOT NULL
);
CREATE INDEX case_text_doc ON case_text USING gin (doc);
