-- The hotline's time limits as its managers set them (issue 24 item 2, "settings per type"):
-- one row per limit set; a limit with no row keeps its default (`hotline::model::SETTINGS`).
-- Each change is in the audit chain (hotline.limit.set). A ticket keeps the limits it was
-- taken under.
CREATE TABLE hotline_limits (
    name TEXT PRIMARY KEY,
    value BIGINT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL
);
