-- The outcome scoreboard reads the cases opened in a period (`Store::scoreboard_rows`) and the
-- case list filters by creation time: both are one range read on this index instead of a scan
-- of every case. Version 0010 on both backends (0008 and 0009 belong to other parts of the
-- same issue).
CREATE INDEX cases_by_created ON cases (created_at, outcome_id);
