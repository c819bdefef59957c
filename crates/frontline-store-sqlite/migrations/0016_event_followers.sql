-- Event followers: background tasks that act on the event log (the mail notices), each with
-- a durable cursor and a lease so one node of several follows (`Store::claim_follower`).
-- Operational data, like webhook cursors: no events. Times are unix milliseconds.

CREATE TABLE event_followers (
    name        TEXT PRIMARY KEY,
    -- The seq of the last event the follower finished with.
    cursor      INTEGER NOT NULL,
    lease_owner TEXT,
    lease_until INTEGER
);
