-- The hotline's knowledge base (issue 24, item 5): articles in Chinese and Tibetan (English
-- optional) that agents answer calls from and the public reads on the portal. An article
-- belongs to a department, which approves it before it is published; it is valid between two
-- days and is reviewed by a date, after which it is flagged as stale.
CREATE TABLE hotline_articles (
    id INTEGER PRIMARY KEY,
    department TEXT NOT NULL,
    category TEXT NOT NULL DEFAULT '',
    title_zh TEXT NOT NULL,
    title_bo TEXT NOT NULL DEFAULT '',
    title_en TEXT NOT NULL DEFAULT '',
    body_zh TEXT NOT NULL,
    body_bo TEXT NOT NULL DEFAULT '',
    body_en TEXT NOT NULL DEFAULT '',
    -- draft, published or retired.
    state TEXT NOT NULL,
    valid_from TEXT NOT NULL,
    valid_until TEXT,
    review_by TEXT NOT NULL,
    -- The consultation it was drafted from.
    source_ticket INTEGER REFERENCES hotline_tickets(id),
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    approved_at TEXT,
    approved_by TEXT
);
CREATE INDEX hotline_articles_department ON hotline_articles (department, state);
CREATE INDEX hotline_articles_state ON hotline_articles (state, review_by);

-- Every change to what is published raises it, in the same transaction, so each replica
-- rebuilds its search index when it moves on.
CREATE TABLE hotline_knowledge_revision (
    id BIGINT PRIMARY KEY,
    revision BIGINT NOT NULL
);
INSERT INTO hotline_knowledge_revision (id, revision) VALUES (1, 0);
