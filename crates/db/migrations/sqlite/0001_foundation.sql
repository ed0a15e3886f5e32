-- Foundation: divisions, departments, service centres and windows, calendar, audit chain.
CREATE TABLE divisions (
    code TEXT PRIMARY KEY,
    parent_code TEXT REFERENCES divisions(code),
    level TEXT NOT NULL,
    name_zh TEXT NOT NULL,
    name_bo TEXT NOT NULL DEFAULT '',
    name_en TEXT NOT NULL DEFAULT '',
    retired_in INTEGER,
    successor_code TEXT,
    origin TEXT NOT NULL
);
CREATE INDEX divisions_parent ON divisions(parent_code);

CREATE TABLE departments (
    id INTEGER PRIMARY KEY,
    division_code TEXT NOT NULL REFERENCES divisions(code),
    code TEXT NOT NULL UNIQUE,
    credit_code TEXT UNIQUE,
    kind TEXT NOT NULL,
    name_zh TEXT NOT NULL,
    name_bo TEXT NOT NULL DEFAULT '',
    name_en TEXT NOT NULL DEFAULT ''
);
CREATE INDEX departments_division ON departments(division_code);

CREATE TABLE service_centres (
    id INTEGER PRIMARY KEY,
    division_code TEXT NOT NULL REFERENCES divisions(code),
    code TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    name_zh TEXT NOT NULL,
    name_bo TEXT NOT NULL DEFAULT '',
    name_en TEXT NOT NULL DEFAULT '',
    address_zh TEXT NOT NULL,
    address_bo TEXT NOT NULL DEFAULT '',
    address_en TEXT NOT NULL DEFAULT '',
    hours TEXT NOT NULL,
    phone TEXT NOT NULL DEFAULT ''
);
CREATE INDEX service_centres_division ON service_centres(division_code);

CREATE TABLE service_windows (
    id INTEGER PRIMARY KEY,
    centre_id INTEGER NOT NULL REFERENCES service_centres(id),
    number TEXT NOT NULL,
    category TEXT NOT NULL,
    UNIQUE (centre_id, number)
);

CREATE TABLE calendar_years (
    division_code TEXT NOT NULL,
    year INTEGER NOT NULL,
    complete INTEGER NOT NULL,
    note TEXT NOT NULL,
    source TEXT NOT NULL,
    loaded_at TEXT NOT NULL,
    loaded_by TEXT NOT NULL,
    PRIMARY KEY (division_code, year)
);

CREATE TABLE calendar_days (
    division_code TEXT NOT NULL,
    year INTEGER NOT NULL,
    day TEXT NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    name_bo TEXT NOT NULL DEFAULT '',
    name_en TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (division_code, day),
    FOREIGN KEY (division_code, year) REFERENCES calendar_years(division_code, year)
);

CREATE TABLE audit_events (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    payload TEXT NOT NULL,
    payload_digest TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_events_subject ON audit_events(subject);

-- The chain's head: one row, updated by every append, so that concurrent appenders queue on
-- it and the removal of the newest events is noticed.
CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TRIGGER audit_events_append_only_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
CREATE TRIGGER audit_events_append_only_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
