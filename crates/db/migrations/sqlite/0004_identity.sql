-- Identity: accounts of persons and officials, officials' roles, server-side sessions,
-- sign-in throttling, and the demo population registry used for real-name checks until the
-- base registries exist.
CREATE TABLE accounts (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    person_id TEXT UNIQUE,
    login TEXT UNIQUE,
    mobile TEXT UNIQUE,
    name_zh TEXT NOT NULL DEFAULT '',
    name_bo TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL,
    assurance INTEGER NOT NULL,
    assurance_note TEXT NOT NULL DEFAULT '',
    department_code TEXT REFERENCES departments(code),
    totp_secret TEXT,
    totp_last_step INTEGER,
    created_at TEXT NOT NULL,
    password_changed_at TEXT NOT NULL
);

CREATE TABLE official_roles (
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    role TEXT NOT NULL,
    division_code TEXT NOT NULL REFERENCES divisions(code),
    PRIMARY KEY (account_id, role, division_code)
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    acr TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    ip TEXT NOT NULL,
    user_agent TEXT NOT NULL,
    acting_for_entity_id INTEGER,
    revoked_at TEXT
);
CREATE INDEX sessions_account ON sessions(account_id);

-- Legal entities and the persons who act for them: the legal representative, and agents
-- (经办人) the representative authorises, optionally until a date. An agent acts for the entity
-- without sharing any password.
CREATE TABLE entities (
    id INTEGER PRIMARY KEY,
    credit_code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE entity_members (
    entity_id INTEGER NOT NULL REFERENCES entities(id),
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    role TEXT NOT NULL,
    expires_on TEXT,
    granted_by INTEGER REFERENCES accounts(id),
    created_at TEXT NOT NULL,
    PRIMARY KEY (entity_id, account_id)
);

-- The legal-entity registry as far as the demo knows it, until the base registries exist.
CREATE TABLE legal_entities_demo (
    credit_code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    legal_rep_person_id TEXT NOT NULL
);

-- A password that was right, waiting for the second factor (officials' TOTP).
CREATE TABLE pending_sign_ins (
    token_hash TEXT PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    totp_setup_secret TEXT,
    next_path TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    expires_at TEXT NOT NULL
);

-- One-time sign-in codes sent by SMS: only the SM3 digest of a code is kept.
CREATE TABLE sms_challenges (
    token_hash TEXT PRIMARY KEY,
    mobile TEXT NOT NULL,
    account_id INTEGER REFERENCES accounts(id),
    code_hash TEXT NOT NULL,
    next_path TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX sms_challenges_mobile ON sms_challenges(mobile);

-- What the development SMS sender "sent": shown on /dev/sms, never used in production.
CREATE TABLE sms_outbox (
    id INTEGER PRIMARY KEY,
    mobile TEXT NOT NULL,
    body TEXT NOT NULL,
    sent_at TEXT NOT NULL
);

CREATE TABLE sign_in_throttle (
    key TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    window_start TEXT NOT NULL,
    locked_until TEXT
);

CREATE TABLE population_demo (
    person_id TEXT PRIMARY KEY,
    name_zh TEXT NOT NULL,
    name_bo TEXT NOT NULL DEFAULT ''
);
