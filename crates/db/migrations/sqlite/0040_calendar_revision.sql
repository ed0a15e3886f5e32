-- The working-day calendar's revision: every year stored raises it in the same transaction,
-- so each replica keeps the calendar in memory and reads it again only when it has moved on.
CREATE TABLE calendar_revision (
    id INTEGER PRIMARY KEY,
    revision BIGINT NOT NULL
);
INSERT INTO calendar_revision (id, revision) VALUES (1, 0);
