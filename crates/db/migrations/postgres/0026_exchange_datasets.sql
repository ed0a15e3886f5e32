-- Table and file resources' data (issue 21): each upload of a department's dataset is a
-- version, kept with who uploaded it, when, and the SM3 digest of what was uploaded; its
-- records are kept per version (one row a record, by the resource's key item or, for a file
-- without one, by line), so the gateway reads the newest version and every earlier one stays.
CREATE TABLE exchange_dataset_versions (
    code TEXT NOT NULL,
    version BIGINT NOT NULL,
    format TEXT NOT NULL,
    records BIGINT NOT NULL,
    bytes BIGINT NOT NULL,
    digest TEXT NOT NULL,
    note TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at TEXT NOT NULL,
    PRIMARY KEY (code, version)
);

CREATE TABLE exchange_dataset_records (
    code TEXT NOT NULL,
    version BIGINT NOT NULL,
    record_key TEXT NOT NULL,
    line BIGINT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (code, version, record_key)
);
CREATE INDEX exchange_dataset_records_line ON exchange_dataset_records (code, version, line);
