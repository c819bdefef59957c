-- Customers' addresses that mail does not reach: marked when a delivery report names the
-- address or our mail server refuses mail to it for good, deleted when mail comes in from it
-- again. Both are events (`mail.bouncing`, `mail.bounce_cleared`). Times are unix ms.

CREATE TABLE mail_bounces (
    -- Lower case, as every stored address.
    address   TEXT PRIMARY KEY,
    person_id TEXT NOT NULL REFERENCES people (id),
    since     INTEGER NOT NULL,
    reason    TEXT NOT NULL,
    source    TEXT NOT NULL CHECK (source IN ('report', 'refused'))
);
