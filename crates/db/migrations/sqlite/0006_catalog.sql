-- The catalogue of government service items. Each version of an item keeps its whole body
-- as JSON (lossless history, diffs and exports); `catalog_items` holds one row per item with
-- the columns lists and search filter on, copied from its published version.
CREATE TABLE catalog_items (
    code TEXT PRIMARY KEY,
    basic_code TEXT NOT NULL,
    name_zh TEXT NOT NULL,
    name_bo TEXT NOT NULL DEFAULT '',
    name_en TEXT NOT NULL DEFAULT '',
    item_type TEXT NOT NULL,
    department_code TEXT NOT NULL REFERENCES departments(code),
    level TEXT NOT NULL,
    division_code TEXT NOT NULL REFERENCES divisions(code),
    service_object TEXT NOT NULL,
    online_depth TEXT NOT NULL,
    visits INTEGER NOT NULL,
    in_centre INTEGER NOT NULL,
    high_frequency INTEGER NOT NULL,
    statutory_days INTEGER NOT NULL,
    promised_days INTEGER NOT NULL,
    materials INTEGER NOT NULL,
    obtainable_materials INTEGER NOT NULL,
    -- Names, materials and tags, lower-cased, for search; the tags alone rank next after names.
    search_text TEXT NOT NULL,
    keywords TEXT NOT NULL DEFAULT '',
    published_version INTEGER,
    status TEXT NOT NULL
);
CREATE INDEX catalog_items_department ON catalog_items(department_code);
CREATE INDEX catalog_items_division ON catalog_items(division_code);
CREATE INDEX catalog_items_basic ON catalog_items(basic_code);

CREATE TABLE catalog_versions (
    code TEXT NOT NULL,
    version INTEGER NOT NULL,
    status TEXT NOT NULL,
    body TEXT NOT NULL,
    author TEXT NOT NULL,
    reviewer TEXT,
    created_at TEXT NOT NULL,
    published_at TEXT,
    PRIMARY KEY (code, version)
);
