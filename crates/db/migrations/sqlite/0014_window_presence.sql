-- A person present at a window proves who they are without signing in on the clerk's
-- screen: by a code texted to their account's mobile (method 'sms'), or by the one-time code
-- their own account page shows as a QR code (method 'qr', found by the digest of that code).
-- A proof is bound to the clerk who took it and lasts half an hour.
CREATE TABLE window_presences (
    id INTEGER PRIMARY KEY,
    method TEXT NOT NULL,
    person_account_id INTEGER NOT NULL REFERENCES accounts (id),
    clerk_account_id INTEGER REFERENCES accounts (id),
    token_hash TEXT UNIQUE,
    code_hash TEXT NOT NULL DEFAULT '',
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    verified_at TEXT
);
CREATE INDEX window_presences_person ON window_presences (person_account_id, created_at);
