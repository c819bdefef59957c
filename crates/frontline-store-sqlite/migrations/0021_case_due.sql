-- When each open case's first service target falls due (or fell due, unmet), as the target
-- alarm sweep last read it, so lists can sort by what falls due first without reading every
-- case's history. Operational, like event followers: no events, not exported (the sweep
-- writes it again from the cases when it starts). Times are unix milliseconds.

CREATE TABLE case_due (
    case_id TEXT PRIMARY KEY REFERENCES cases (id),
    due_at  INTEGER NOT NULL
);
