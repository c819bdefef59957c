-- Event followers: background tasks that act on the event log (the mail notices), each with
-- a durable cursor and a lease so one node of several follows (`Store::claim_follower`).
-- Operational data, like webhook cursors: no events.

CREATE TABLE event_followers (
    name        text PRIMARY KEY,
    -- The seq of the last event the follower finished with.
    cursor      bigint NOT NULL,
    lease_owner uuid,
    lease_until timestamptz
);
