-- Ratings are read by period (the bad-rating review by item, the departments' figures): an
-- index on when each was given, so that a month's ratings are found without reading them all.
CREATE INDEX case_ratings_at ON case_ratings (at);
