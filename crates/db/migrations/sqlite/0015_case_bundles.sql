-- A life-event bundle applied for with one merged form (一件事一次办): one row for the
-- application, and each of its cases linked to it, tracked together.
CREATE TABLE case_bundles (
    id INTEGER PRIMARY KEY,
    bundle_code TEXT NOT NULL,
    name_zh TEXT NOT NULL,
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    division TEXT NOT NULL,
    idempotency_key TEXT,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX case_bundles_key ON case_bundles (account_id, idempotency_key);
ALTER TABLE cases ADD COLUMN bundle_id INTEGER REFERENCES case_bundles (id);
CREATE INDEX cases_bundle ON cases (bundle_id);
