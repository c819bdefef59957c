-- Customers' addresses that mail does not reach: marked when a delivery report names the
-- address or our mail server refuses mail to it for good, deleted when mail comes in from it
-- again. Both are events (`mail.bouncing`, `mail.bounce_cleared`). Same version number,
-- table and columns as the SQLite migration 0015; constraints are named for error
-- classification.

CREATE TABLE mail_bounces (
    -- Lower case, as every stored address.
    address   text CONSTRAINT mail_bounces_pkey PRIMARY KEY,
    person_id uuid NOT NULL CONSTRAINT mail_bounces_person_fk REFERENCES people (id),
    since     timestamptz NOT NULL,
    reason    text NOT NULL,
    source    text NOT NULL CHECK (source IN ('report', 'refused'))
);
