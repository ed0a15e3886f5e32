-- The catalogue's revision: every publication, retirement or import adds one in the same
-- transaction, so each replica's in-memory search index knows when it is stale.
CREATE TABLE catalog_revision (
    id INTEGER PRIMARY KEY,
    revision BIGINT NOT NULL
);
INSERT INTO catalog_revision (id, revision) VALUES (1, 0);

-- Search moved to the index; the text columns it used are gone.
ALTER TABLE catalog_items DROP COLUMN search_text;
ALTER TABLE catalog_items DROP COLUMN keywords;
