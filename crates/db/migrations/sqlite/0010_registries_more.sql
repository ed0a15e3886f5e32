-- The legal-entity registry, multi-source checks, system grants, and the natural resources
-- and geography registry.
--
-- registry_entities keeps one row per legal entity, keyed by the unified social credit code,
-- with the legacy codes it replaced (organization code, business registration number, tax
-- number) indexed so that an old code still finds the entity. Changes and reads go to the
-- same registry_changes and registry_reads as the population registry (registry =
-- 'entities').
-- A mobile number, kept by public security with the household registration (sensitive:
-- shown as 139****1234).
ALTER TABLE registry_persons ADD COLUMN mobile TEXT NOT NULL DEFAULT '';

CREATE TABLE registry_entities (
    credit_code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    legal_representative TEXT NOT NULL DEFAULT '',
    registered_capital TEXT NOT NULL DEFAULT '',
    business_scope TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL DEFAULT '',
    division TEXT NOT NULL,
    established TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'active',
    structure TEXT NOT NULL DEFAULT '',
    shareholders TEXT NOT NULL DEFAULT '',
    industry TEXT NOT NULL DEFAULT '',
    assets_band TEXT NOT NULL DEFAULT '',
    tax_status TEXT NOT NULL DEFAULT '',
    revenue_band TEXT NOT NULL DEFAULT '',
    employees TEXT NOT NULL DEFAULT '',
    talent TEXT NOT NULL DEFAULT '',
    products TEXT NOT NULL DEFAULT '',
    org_code TEXT NOT NULL DEFAULT '',
    business_reg_no TEXT NOT NULL DEFAULT '',
    tax_no TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX registry_entities_division ON registry_entities(division);
CREATE INDEX registry_entities_org_code ON registry_entities(org_code);
CREATE INDEX registry_entities_business_reg_no ON registry_entities(business_reg_no);
CREATE INDEX registry_entities_tax_no ON registry_entities(tax_no);

-- 多源校核: a department that does not own a field reports what it holds; where that
-- disagrees with the source the record is flagged until the owning department resolves it
-- (kept: the source was right; adopted: the source takes the observed value).
CREATE TABLE registry_observations (
    id INTEGER PRIMARY KEY,
    registry TEXT NOT NULL,
    subject TEXT NOT NULL,
    field TEXT NOT NULL,
    owner TEXT NOT NULL,
    division TEXT NOT NULL,
    source_value TEXT NOT NULL,
    observed_value TEXT NOT NULL,
    department TEXT NOT NULL,
    actor TEXT NOT NULL,
    reference TEXT NOT NULL DEFAULT '',
    at TEXT NOT NULL,
    status TEXT NOT NULL,
    resolved_by TEXT,
    resolved_at TEXT,
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX registry_observations_queue ON registry_observations(status, owner, division);
CREATE INDEX registry_observations_subject ON registry_observations(registry, subject);

-- Which department a system (an OAuth client) acts for in the registries, and whether it
-- may see sensitive fields it does not own in clear.
CREATE TABLE registry_grants (
    client_id TEXT NOT NULL,
    registry TEXT NOT NULL,
    department TEXT NOT NULL,
    clear_sensitive INTEGER NOT NULL DEFAULT 0,
    granted_by TEXT NOT NULL,
    granted_at TEXT NOT NULL,
    PRIMARY KEY (client_id, registry)
);

-- Geographic features: a layer, attributes, a source department, the geometry as GeoJSON
-- (longitude, latitude; WGS 84 / CGCS2000) and its bounding box, indexed by an R-tree.
CREATE TABLE geo_features (
    id INTEGER PRIMARY KEY,
    layer TEXT NOT NULL,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    division TEXT NOT NULL,
    department TEXT NOT NULL,
    properties TEXT NOT NULL,
    geometry TEXT NOT NULL,
    min_x REAL NOT NULL,
    min_y REAL NOT NULL,
    max_x REAL NOT NULL,
    max_y REAL NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX geo_features_layer ON geo_features(layer, id);
-- The layer and division ride in the R-tree (auxiliary columns) so that a search picks its
-- page of ids without reading any feature's row.
CREATE VIRTUAL TABLE geo_features_rtree USING rtree(id, min_x, max_x, min_y, max_y, +layer, +division);
