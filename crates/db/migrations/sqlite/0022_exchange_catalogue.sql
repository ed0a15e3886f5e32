-- The government information resource catalogue (issue 21): the resources departments
-- register (the platform's own — registries, geography layers, certificate types — are
-- published from their definitions and not stored), each as its JSON with its provider, and
-- every change kept.
CREATE TABLE exchange_resources (
    code TEXT PRIMARY KEY,
    provider TEXT NOT NULL,
    body TEXT NOT NULL,
    changed_by TEXT NOT NULL,
    changed_at TEXT NOT NULL
);
CREATE INDEX exchange_resources_provider ON exchange_resources (provider);

CREATE TABLE exchange_resource_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL,
    body TEXT NOT NULL,
    actor TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX exchange_resource_history_code ON exchange_resource_history (code, id);

-- Raised with every change of a registered resource, so each replica rereads them.
CREATE TABLE exchange_revision (
    id INTEGER PRIMARY KEY,
    revision BIGINT NOT NULL
);
INSERT INTO exchange_revision (id, revision) VALUES (1, 0);
