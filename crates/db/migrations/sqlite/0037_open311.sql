-- Open311 GeoReport v2 (issue 24, item 6): the keys systems post requests with (only an
-- SM3 digest of each is kept), and what a request brings besides a ticket's own fields.
CREATE TABLE hotline_open311_keys (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    revoked_at TEXT
);
-- The token a POST answers with (GET tokens/{token} finds the request), and its media URL.
ALTER TABLE hotline_tickets ADD COLUMN token TEXT;
ALTER TABLE hotline_tickets ADD COLUMN media_url TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX hotline_tickets_token ON hotline_tickets (token) WHERE token IS NOT NULL;
-- The public Open311 list: requests raised through Open311, by day.
CREATE INDEX hotline_tickets_channel ON hotline_tickets (channel, created_at);
