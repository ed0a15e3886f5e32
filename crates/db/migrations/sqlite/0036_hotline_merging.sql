-- Merging repeats (并单, issue 24, item 3): a repeat of a matter already open is closed into
-- its master ticket; the master's reply goes to every merged caller.
ALTER TABLE hotline_tickets ADD COLUMN master_id INTEGER REFERENCES hotline_tickets(id);
CREATE INDEX hotline_tickets_master ON hotline_tickets (master_id) WHERE master_id IS NOT NULL;
-- Repeats are looked for among the open tickets of a category, newest first.
CREATE INDEX hotline_tickets_category ON hotline_tickets (category, created_at);
