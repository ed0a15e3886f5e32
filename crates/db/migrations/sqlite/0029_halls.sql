-- The hall (issue 22): each centre's or station's opening hours, settings and priority rules;
-- the categories it serves with their items and appointment capacity; the staff of each
-- window and who has it open; appointments with their per-slot counts; queue tickets with
-- their per-category counters and their history.
CREATE TABLE hall_settings (
    centre_id INTEGER PRIMARY KEY REFERENCES service_centres(id),
    hours TEXT NOT NULL,
    slot_minutes INTEGER NOT NULL,
    priorities TEXT NOT NULL,
    no_show_limit INTEGER NOT NULL,
    suspend_days INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL
);

CREATE TABLE hall_categories (
    centre_id INTEGER NOT NULL REFERENCES service_centres(id),
    category TEXT NOT NULL,
    capacity INTEGER NOT NULL,
    items TEXT NOT NULL,
    PRIMARY KEY (centre_id, category)
);

CREATE TABLE hall_window_staff (
    window_id INTEGER NOT NULL REFERENCES service_windows(id),
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    PRIMARY KEY (window_id, account_id)
);

CREATE TABLE hall_window_open (
    window_id INTEGER PRIMARY KEY REFERENCES service_windows(id),
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    opened_at TEXT NOT NULL
);

CREATE TABLE hall_slots (
    centre_id INTEGER NOT NULL REFERENCES service_centres(id),
    category TEXT NOT NULL,
    day TEXT NOT NULL,
    slot TEXT NOT NULL,
    booked INTEGER NOT NULL,
    PRIMARY KEY (centre_id, category, day, slot)
);

CREATE TABLE hall_appointments (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    centre_code TEXT NOT NULL,
    centre_id INTEGER NOT NULL REFERENCES service_centres(id),
    category TEXT NOT NULL,
    item_code TEXT NOT NULL,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    day TEXT NOT NULL,
    slot_start TEXT NOT NULL,
    slot_end TEXT NOT NULL,
    state TEXT NOT NULL,
    case_number TEXT,
    booked_at TEXT NOT NULL,
    changed_at TEXT,
    reminded TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX hall_appointments_one_a_day ON hall_appointments (account_id, item_code, day)
    WHERE state <> 'cancelled';
CREATE INDEX hall_appointments_day ON hall_appointments (day, state);
CREATE INDEX hall_appointments_account ON hall_appointments (account_id, state, day);

CREATE TABLE hall_counters (
    centre_id INTEGER NOT NULL REFERENCES service_centres(id),
    day TEXT NOT NULL,
    category TEXT NOT NULL,
    last_number INTEGER NOT NULL,
    PRIMARY KEY (centre_id, day, category)
);

CREATE TABLE hall_tickets (
    id INTEGER PRIMARY KEY,
    centre_id INTEGER NOT NULL REFERENCES service_centres(id),
    day TEXT NOT NULL,
    category TEXT NOT NULL,
    number TEXT NOT NULL,
    secret TEXT NOT NULL,
    item_code TEXT,
    appointment_id INTEGER REFERENCES hall_appointments(id),
    account_id INTEGER REFERENCES accounts(id),
    masked_name TEXT NOT NULL,
    mobile TEXT,
    priority TEXT NOT NULL,
    priority_rank INTEGER NOT NULL,
    slot_start TEXT,
    slot_end TEXT,
    state TEXT NOT NULL,
    target_window TEXT,
    window_number TEXT,
    clerk_id INTEGER,
    calls INTEGER NOT NULL,
    issued_at TEXT NOT NULL,
    first_called_at TEXT,
    last_called_at TEXT,
    ended_at TEXT,
    case_number TEXT,
    note TEXT NOT NULL,
    told_ahead INTEGER NOT NULL DEFAULT 0,
    UNIQUE (centre_id, day, number)
);
CREATE INDEX hall_tickets_queue ON hall_tickets (centre_id, day, state, category);
CREATE INDEX hall_tickets_calls ON hall_tickets (centre_id, day, last_called_at);
CREATE INDEX hall_tickets_untold ON hall_tickets (day) WHERE state = 'waiting' AND told_ahead < 2 AND mobile IS NOT NULL;

CREATE TABLE hall_ticket_events (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES hall_tickets(id),
    at TEXT NOT NULL,
    action TEXT NOT NULL,
    window_number TEXT,
    actor TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX hall_ticket_events_ticket ON hall_ticket_events (ticket_id);
