-- Applying on a villager's behalf at a station (帮办代办, issue 22): the villager's consent
-- to one item's application, taken by one of the station's clerks, with its proof — a
-- scanned page they signed or thumbprinted, or a code texted to their phone that they read
-- back. A consent makes at most one case (case_id, set in the submission's transaction).
CREATE TABLE proxy_consents (
    id INTEGER PRIMARY KEY,
    station TEXT NOT NULL,
    station_division TEXT NOT NULL,
    station_name TEXT NOT NULL,
    agent_account_id INTEGER NOT NULL REFERENCES accounts(id),
    agent_name TEXT NOT NULL,
    person_id TEXT NOT NULL,
    person_name TEXT NOT NULL,
    person_account_id INTEGER REFERENCES accounts(id),
    item_code TEXT NOT NULL,
    present INTEGER NOT NULL,
    method TEXT NOT NULL,
    mobile TEXT NOT NULL DEFAULT '',
    code_hash TEXT NOT NULL DEFAULT '',
    attempts INTEGER NOT NULL DEFAULT 0,
    scan_name TEXT NOT NULL DEFAULT '',
    scan_type TEXT NOT NULL DEFAULT '',
    scan BLOB,
    scan_sm3 TEXT NOT NULL DEFAULT '',
    deliver_to_station INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    given_at TEXT,
    case_id INTEGER UNIQUE REFERENCES cases(id)
);
CREATE INDEX proxy_consents_station ON proxy_consents (station, created_at);
CREATE INDEX proxy_consents_division ON proxy_consents (station_division, created_at);
-- A person's case list looks for cases held for them before they had an account.
CREATE INDEX proxy_consents_unclaimed ON proxy_consents (person_id) WHERE person_account_id IS NULL;
-- A station lists its villagers' open cases: from the registry's households to their cases.
CREATE INDEX cases_holder ON cases (holder);

-- A case's query code (查询码), printed on its receipt: with the case's number it lets
-- anyone holding the receipt follow the case without signing in (at a kiosk, on a phone).
ALTER TABLE cases ADD COLUMN query_code TEXT NOT NULL DEFAULT '';

-- One-time sign-in codes a person's own signed-in phone shows as a QR code, for a kiosk to
-- scan instead of anyone typing a password there (2 minutes, once).
CREATE TABLE signin_codes (
    token_hash TEXT PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT
);
