-- A customer's own added address is verified by a link mailed to it (issue 22): account
-- links gain the purpose `verify_address` (its person is the one who added the address,
-- its email the address).
ALTER TABLE account_links DROP CONSTRAINT account_links_purpose_check;
ALTER TABLE account_links ADD CONSTRAINT account_links_purpose_check
    CHECK (purpose IN ('sign_up', 'sign_in', 'reset', 'verify_address'));
