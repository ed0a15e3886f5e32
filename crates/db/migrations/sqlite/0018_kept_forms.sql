-- A form sent after its session ended (signed out elsewhere, expired mid-form): what was typed
-- is kept for an hour under a random token the browser holds in a cookie, and comes back on
-- the form, saved as a draft, once the person signs in again. Files are not kept.
CREATE TABLE kept_forms (
    token_hash TEXT PRIMARY KEY,
    path TEXT NOT NULL,
    form TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
