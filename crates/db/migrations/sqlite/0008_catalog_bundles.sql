-- Life-event bundles (一件事一次办): several standardized items a person needs for one event
-- of life or business, applied for together. The body is the bundle as JSON.
CREATE TABLE catalog_bundles (
    code TEXT PRIMARY KEY,
    body TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
