-- The hotline's seats and call-backs (issue 24, items 1 and 4). A seat is an agent with the
-- languages they take calls in (the minority-language seats, 少数民族语言坐席). After a
-- department replies, the hotline calls the caller back (回访) in the caller's language: the
-- task goes to the seat speaking it with the fewest open call-backs.
CREATE TABLE hotline_seats (
    account_id INTEGER PRIMARY KEY REFERENCES accounts(id),
    -- Space-separated: zh, bo, en.
    languages TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL
);
CREATE TABLE hotline_callbacks (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES hotline_tickets(id),
    lang TEXT NOT NULL,
    -- The seat it was given to; none when no seat speaks the language (any agent may take it).
    agent_id INTEGER REFERENCES accounts(id),
    due TEXT NOT NULL,
    created_at TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    done_at TEXT,
    done_by TEXT,
    -- rated (on the call back), rated-online (by the caller), unreachable.
    outcome TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX hotline_callbacks_open ON hotline_callbacks (ticket_id) WHERE done_at IS NULL;
CREATE INDEX hotline_callbacks_agent ON hotline_callbacks (agent_id, done_at);
