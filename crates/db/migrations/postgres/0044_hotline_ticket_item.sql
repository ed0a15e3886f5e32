-- A ticket may name the service item it is about (a complaint about a government service),
-- so that the problem list joins complaints with the item's bad ratings by item and
-- department. The rollup counts each ticket's matter (the item it names, or else its
-- category) by department too: every day is counted again.
ALTER TABLE hotline_tickets ADD COLUMN item TEXT NOT NULL DEFAULT '';
UPDATE hotline_tally_days SET built = 0;
