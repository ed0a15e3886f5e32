-- The 12345 hotline (issue 24): the dispatch catalogue, tickets, each department's part in
-- a ticket, and each ticket's timeline.

-- The categories of the dispatch catalogue (派单目录), named in the three languages.
CREATE TABLE hotline_categories (
    code TEXT PRIMARY KEY,
    name_zh TEXT NOT NULL,
    name_bo TEXT NOT NULL DEFAULT '',
    name_en TEXT NOT NULL DEFAULT '',
    retired INTEGER NOT NULL DEFAULT 0
);

-- The catalogue's rules: category x division -> the kind of the lead department and of the
-- co-handlers (space-separated), resolved at the ticket's place. A change closes the rule
-- (`until`) and opens a new one, so the history stays.
CREATE TABLE hotline_rules (
    id INTEGER PRIMARY KEY,
    category TEXT NOT NULL REFERENCES hotline_categories(code),
    division TEXT NOT NULL,
    lead TEXT NOT NULL,
    co TEXT NOT NULL DEFAULT '',
    since TEXT NOT NULL,
    until TEXT,
    changed_by TEXT NOT NULL
);
CREATE UNIQUE INDEX hotline_rules_current ON hotline_rules (category, division) WHERE until IS NULL;

-- The serial of each day's ticket numbers.
CREATE TABLE hotline_serials (
    day TEXT PRIMARY KEY,
    last INTEGER NOT NULL
);

-- A ticket (工单). `caller_*` is who raised it; for a report (举报) no handler is shown it.
-- Instants are RFC 3339 (UTC); `sign_due` and `handle_due` are instants too, the end of a
-- working day in China Standard Time or a clock hour for urgent matters.
CREATE TABLE hotline_tickets (
    id INTEGER PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    category TEXT NOT NULL REFERENCES hotline_categories(code),
    division TEXT NOT NULL,
    address TEXT NOT NULL DEFAULT '',
    lon REAL,
    lat REAL,
    description TEXT NOT NULL,
    channel TEXT NOT NULL,
    lang TEXT NOT NULL,
    urgent INTEGER NOT NULL DEFAULT 0,
    caller_name TEXT NOT NULL DEFAULT '',
    caller_phone TEXT NOT NULL DEFAULT '',
    caller_account INTEGER REFERENCES accounts(id),
    state TEXT NOT NULL,
    lead TEXT NOT NULL DEFAULT '',
    sign_due TEXT NOT NULL,
    handle_due TEXT NOT NULL,
    extended INTEGER NOT NULL DEFAULT 0,
    reply TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    signed_at TEXT,
    replied_at TEXT,
    closed_at TEXT
);
-- The agent's caller history: a number's earlier tickets, newest first.
CREATE INDEX hotline_tickets_phone ON hotline_tickets (caller_phone, created_at);
CREATE INDEX hotline_tickets_account ON hotline_tickets (caller_account, created_at);
-- A department's open tickets by due time.
CREATE INDEX hotline_tickets_lead ON hotline_tickets (lead, state, handle_due);
CREATE INDEX hotline_tickets_created ON hotline_tickets (created_at);

-- Each department's part in a ticket: the lead (主办) and any co-handlers (协办). A part ends
-- when its department returns the ticket or is replaced by a re-dispatch.
CREATE TABLE hotline_assignments (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES hotline_tickets(id),
    department TEXT NOT NULL,
    part TEXT NOT NULL,
    assigned_at TEXT NOT NULL,
    signed_at TEXT,
    ended_at TEXT,
    return_reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX hotline_assignments_ticket ON hotline_assignments (ticket_id);
CREATE INDEX hotline_assignments_department ON hotline_assignments (department, ended_at);

-- Each ticket's timeline, as the caller and the handlers see it (the audit chain keeps who).
CREATE TABLE hotline_steps (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES hotline_tickets(id),
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX hotline_steps_ticket ON hotline_steps (ticket_id, id);
