-- The access log is kept for a set number of days (issue 21): lines older than that are
-- deleted from the oldest on, and the head remembers the last deleted line's number and hash
-- (the floor), so the chain is still checked from there; every purge is an audit event.
ALTER TABLE exchange_access_head ADD COLUMN floor_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE exchange_access_head ADD COLUMN floor_hash TEXT NOT NULL DEFAULT '0000000000000000000000000000000000000000000000000000000000000000';
