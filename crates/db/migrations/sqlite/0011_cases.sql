-- Cases (办件): one row per application, online or at a window, with its form, materials,
-- timeline, formal documents and the counters that number them.
--
-- A case has no number while it is a draft; submitting gives it the implementation code +
-- date + a sequence per item and day (case_counters). `revision` rises with every change, so
-- two officials deciding at once cannot both win. The same applicant account sending the
-- same idempotency key twice gets the one case.
CREATE TABLE cases (
    id INTEGER PRIMARY KEY,
    number TEXT UNIQUE,
    item_code TEXT NOT NULL,
    item_version INTEGER NOT NULL,
    item_name TEXT NOT NULL,
    department TEXT NOT NULL,
    division TEXT NOT NULL,
    account_id INTEGER NOT NULL,
    applicant_kind TEXT NOT NULL,
    holder TEXT NOT NULL,
    applicant_name TEXT NOT NULL,
    channel TEXT NOT NULL,
    state TEXT NOT NULL,
    form TEXT NOT NULL,
    notices INTEGER NOT NULL DEFAULT 0,
    promised_days INTEGER NOT NULL,
    submitted_at TEXT,
    accepted_at TEXT,
    due_date TEXT,
    decided_at TEXT,
    closed_at TEXT,
    idempotency_key TEXT,
    revision INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (account_id, idempotency_key)
);
CREATE INDEX cases_account ON cases (account_id, updated_at);
CREATE INDEX cases_queue ON cases (state, division, updated_at);

CREATE TABLE case_materials (
    case_id INTEGER NOT NULL REFERENCES cases (id),
    idx INTEGER NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    waived_by TEXT NOT NULL DEFAULT '',
    file_name TEXT NOT NULL DEFAULT '',
    content_type TEXT NOT NULL DEFAULT '',
    size INTEGER NOT NULL DEFAULT 0,
    sm3 TEXT NOT NULL DEFAULT '',
    content BLOB,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (case_id, idx)
);

CREATE TABLE case_events (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases (id),
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    actor_name TEXT NOT NULL,
    action TEXT NOT NULL,
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX case_events_case ON case_events (case_id, id);

CREATE TABLE case_documents (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases (id),
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    issued_at TEXT NOT NULL,
    issued_by TEXT NOT NULL
);
CREATE INDEX case_documents_case ON case_documents (case_id, id);

CREATE TABLE case_counters (
    item_code TEXT NOT NULL,
    day TEXT NOT NULL,
    last INTEGER NOT NULL,
    PRIMARY KEY (item_code, day)
);

-- What an applicant typed once, offered again on their next form (信息复用).
CREATE TABLE case_reuse (
    account_id INTEGER NOT NULL,
    field TEXT NOT NULL,
    value TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (account_id, field)
);
