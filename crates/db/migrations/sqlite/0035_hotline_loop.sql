-- Closing the hotline's loop (issue 24, item 4): the caller's rating and whether the matter
-- was solved, one reopening of a dissatisfied or unsolved ticket, supervision (督办) of
-- reopened tickets, and the urge notices a supervisor sent.
ALTER TABLE hotline_tickets ADD COLUMN rating TEXT NOT NULL DEFAULT '';
ALTER TABLE hotline_tickets ADD COLUMN solved INTEGER;
ALTER TABLE hotline_tickets ADD COLUMN reopened INTEGER NOT NULL DEFAULT 0;
ALTER TABLE hotline_tickets ADD COLUMN supervised INTEGER NOT NULL DEFAULT 0;
ALTER TABLE hotline_tickets ADD COLUMN urged INTEGER NOT NULL DEFAULT 0;
-- The supervisors' list: open tickets by due time.
CREATE INDEX hotline_tickets_open ON hotline_tickets (state, handle_due);
