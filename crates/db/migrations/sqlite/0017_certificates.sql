-- Electronic certificates (电子证照, GB/T 36901–36906): the types (their body as JSON), the
-- departments' SM2 issuing keys (the secret sealed with the master key; a retired key still
-- verifies what it signed), the certificates with the canonical text that was signed, its
-- SM3 digest and SM2 signature, the serial counters, and every use of a certificate (用证).
CREATE TABLE cert_types (
    code TEXT PRIMARY KEY,
    body TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE cert_keys (
    id INTEGER PRIMARY KEY,
    department TEXT NOT NULL,
    public_key TEXT NOT NULL,
    secret TEXT NOT NULL,
    created_at TEXT NOT NULL,
    retired_at TEXT
);
CREATE INDEX cert_keys_department ON cert_keys (department, retired_at);
CREATE TABLE cert_serials (
    type_code TEXT NOT NULL,
    issuer_code TEXT NOT NULL,
    year INTEGER NOT NULL,
    last INTEGER NOT NULL,
    PRIMARY KEY (type_code, issuer_code, year)
);
CREATE TABLE certificates (
    id INTEGER PRIMARY KEY,
    identifier TEXT NOT NULL UNIQUE,
    type_code TEXT NOT NULL,
    serial TEXT NOT NULL,
    version INTEGER NOT NULL,
    holder_name TEXT NOT NULL,
    holder_code TEXT NOT NULL,
    holder_code_type TEXT NOT NULL,
    issuer_department TEXT NOT NULL,
    issuer_code TEXT NOT NULL,
    issue_date TEXT NOT NULL,
    valid_from TEXT NOT NULL,
    valid_to TEXT,
    division TEXT NOT NULL,
    signed TEXT NOT NULL,
    digest TEXT NOT NULL,
    signature TEXT NOT NULL,
    key_id INTEGER NOT NULL REFERENCES cert_keys (id),
    status TEXT NOT NULL,
    status_reason TEXT NOT NULL DEFAULT '',
    status_at TEXT,
    disclosed TEXT NOT NULL DEFAULT '[]',
    case_id INTEGER,
    replaced_by TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX certificates_holder ON certificates (holder_code, type_code, status);
CREATE INDEX certificates_case ON certificates (case_id);
CREATE TABLE cert_uses (
    id INTEGER PRIMARY KEY,
    certificate_id INTEGER NOT NULL REFERENCES certificates (id),
    used_by TEXT NOT NULL,
    used_by_name TEXT NOT NULL,
    purpose TEXT NOT NULL,
    case_id INTEGER,
    at TEXT NOT NULL
);
CREATE INDEX cert_uses_certificate ON cert_uses (certificate_id, at);
