-- The base registries (基础信息库). The population registry keeps one row per person, keyed by
-- the resident identity number; every field has one owning department (一数一源), named in
-- the code's field catalogue with its classification. Every change is a row in
-- registry_changes (who, when, old → new, which department, which case or batch), so the
-- registry can say what was true on any date; every read of a record is a row in
-- registry_reads (who, which fields, why), which the person can see.
CREATE TABLE registry_persons (
    person_id TEXT PRIMARY KEY,
    name_zh TEXT NOT NULL,
    name_bo TEXT NOT NULL DEFAULT '',
    gender TEXT NOT NULL,
    ethnicity TEXT NOT NULL DEFAULT '',
    birth_date TEXT NOT NULL,
    household_division TEXT NOT NULL,
    household_address TEXT NOT NULL DEFAULT '',
    residence_division TEXT NOT NULL DEFAULT '',
    residence_address TEXT NOT NULL DEFAULT '',
    marital_status TEXT NOT NULL DEFAULT '',
    education TEXT NOT NULL DEFAULT '',
    health_insurance TEXT NOT NULL DEFAULT '',
    income_band TEXT NOT NULL DEFAULT '',
    social_security TEXT NOT NULL DEFAULT '',
    assistance TEXT NOT NULL DEFAULT '',
    poverty TEXT NOT NULL DEFAULT '',
    disability TEXT NOT NULL DEFAULT '',
    death_date TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX registry_persons_household ON registry_persons(household_division);

CREATE TABLE registry_changes (
    id INTEGER PRIMARY KEY,
    registry TEXT NOT NULL,
    subject TEXT NOT NULL,
    field TEXT NOT NULL,
    old_value TEXT,
    new_value TEXT,
    department TEXT NOT NULL,
    actor TEXT NOT NULL,
    reference TEXT NOT NULL DEFAULT '',
    at TEXT NOT NULL
);
CREATE INDEX registry_changes_subject ON registry_changes(registry, subject, at);

CREATE TABLE registry_reads (
    id INTEGER PRIMARY KEY,
    registry TEXT NOT NULL,
    subject TEXT NOT NULL,
    reader TEXT NOT NULL,
    reader_name TEXT NOT NULL,
    fields TEXT NOT NULL,
    purpose TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX registry_reads_subject ON registry_reads(registry, subject, at);
