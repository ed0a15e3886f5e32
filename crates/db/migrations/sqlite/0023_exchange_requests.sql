-- Data requests on the plan's deadlines, data grants and the gateway's access log (issue 21): a consuming department asks for named
-- items of a catalogue resource; the data authority reviews within 3 working days; the
-- provider provisions within 3 or decides a conditional request within 10; a refusal may be
-- referred back to the data authority. The request's details are its JSON body; what is
-- queried (state, holder's deadline, the alert marks) has columns. Every step is kept.
CREATE TABLE exchange_requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    resource TEXT NOT NULL,
    provider TEXT NOT NULL,
    consumer TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    state TEXT NOT NULL,
    due_on TEXT,
    warned_on TEXT,
    escalated_on TEXT,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX exchange_requests_consumer ON exchange_requests (consumer, id);
CREATE INDEX exchange_requests_provider ON exchange_requests (provider, id);
CREATE INDEX exchange_requests_due ON exchange_requests (state, due_on);

CREATE TABLE exchange_request_steps (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id BIGINT NOT NULL REFERENCES exchange_requests (id),
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    state TEXT NOT NULL,
    note TEXT NOT NULL,
    due_on TEXT
);
CREATE INDEX exchange_request_steps_request ON exchange_request_steps (request_id, id);

-- What a granted request gives: the consumer, the resource, the items with their masking,
-- purpose, division scope and validity; revocable at once.
CREATE TABLE data_grants (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id BIGINT NOT NULL UNIQUE REFERENCES exchange_requests (id),
    consumer TEXT NOT NULL,
    provider TEXT NOT NULL,
    resource TEXT NOT NULL,
    body TEXT NOT NULL,
    valid_from TEXT NOT NULL,
    valid_to TEXT NOT NULL,
    granted_by TEXT NOT NULL,
    granted_at TEXT NOT NULL,
    revoked_by TEXT,
    revoked_at TEXT,
    revoked_reason TEXT
);
CREATE INDEX data_grants_consumer ON data_grants (consumer, resource);

-- The gateway's access log: every call, hash-chained like the audit events (the head row
-- serializes appenders and remembers the newest hash).
CREATE TABLE exchange_access_log (
    seq BIGINT PRIMARY KEY,
    at TEXT NOT NULL,
    consumer TEXT NOT NULL,
    caller TEXT NOT NULL,
    provider TEXT NOT NULL,
    resource TEXT NOT NULL,
    items TEXT NOT NULL,
    purpose TEXT NOT NULL,
    key_digest TEXT NOT NULL,
    key_shown TEXT NOT NULL,
    records BIGINT NOT NULL,
    bytes BIGINT NOT NULL,
    status BIGINT NOT NULL,
    latency_us BIGINT NOT NULL,
    provider_status BIGINT NOT NULL,
    refusal TEXT NOT NULL,
    grant_id BIGINT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX exchange_access_log_consumer ON exchange_access_log (consumer, seq);
CREATE INDEX exchange_access_log_provider ON exchange_access_log (provider, seq);
CREATE INDEX exchange_access_log_key ON exchange_access_log (key_digest);

CREATE TABLE exchange_access_head (
    id INTEGER PRIMARY KEY,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO exchange_access_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
