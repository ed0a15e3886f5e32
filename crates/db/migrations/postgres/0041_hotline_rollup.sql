-- The hotline figures' rollup. Each day (China Standard Time) that has tickets has a row
-- here: every change to what one of its tickets counts as raises its version in the same
-- transaction, and the day is counted again when its version has moved past the one built,
-- when a pending limit (stable_until: the soonest signing or handling time not yet passed
-- when built) has passed, or when the clock reads earlier than built_now.
CREATE TABLE hotline_tally_days (
    day TEXT PRIMARY KEY,
    version BIGINT NOT NULL,
    built BIGINT NOT NULL,
    built_now TEXT NOT NULL,
    stable_until TEXT
);
-- A day's tallies by department (the lead, or for returns the returning department) and
-- category (cut 'c'), and by department and county (cut 'd').
CREATE TABLE hotline_tallies (
    day TEXT NOT NULL,
    cut TEXT NOT NULL,
    department TEXT NOT NULL,
    grp TEXT NOT NULL,
    received INTEGER NOT NULL,
    due_to_sign INTEGER NOT NULL,
    signed_on_time INTEGER NOT NULL,
    due_to_handle INTEGER NOT NULL,
    handled_on_time INTEGER NOT NULL,
    asked_solved INTEGER NOT NULL,
    solved INTEGER NOT NULL,
    rated INTEGER NOT NULL,
    satisfied INTEGER NOT NULL,
    closed INTEGER NOT NULL,
    reopened INTEGER NOT NULL,
    returned INTEGER NOT NULL,
    merged INTEGER NOT NULL,
    merged_closed INTEGER NOT NULL,
    complaints INTEGER NOT NULL,
    dissatisfied INTEGER NOT NULL,
    PRIMARY KEY (cut, day, department, grp)
);
-- A day's returns are counted from the returned parts, few among all parts.
CREATE INDEX hotline_assignments_returned ON hotline_assignments (ticket_id) WHERE return_reason <> '';
-- The days of the tickets already stored, to be counted when first asked for.
INSERT INTO hotline_tally_days (day, version, built, built_now)
    SELECT DISTINCT to_char(created_at::timestamp + interval '8 hours', 'YYYY-MM-DD'), 1, 0, '' FROM hotline_tickets;
