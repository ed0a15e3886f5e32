-- The problem list (问题清单, issue 24 item 7): a matter of a department (a service item
-- rated badly, or a hotline category complained about) listed for rectification with the
-- figures that put it there, tracked until the department closes it with its reply.
CREATE TABLE hotline_problems (
    id INTEGER PRIMARY KEY,
    department TEXT NOT NULL,
    -- 'item' (the subject a service item's code) or 'category' (a dispatch category's).
    source TEXT NOT NULL,
    subject TEXT NOT NULL,
    -- The matter's name when listed (an item's, as its cases carry it).
    title TEXT NOT NULL,
    period_from TEXT NOT NULL,
    period_to TEXT NOT NULL,
    complaints BIGINT NOT NULL,
    dissatisfied BIGINT NOT NULL,
    reopened BIGINT NOT NULL,
    bad_ratings BIGINT NOT NULL,
    weight BIGINT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    -- 'open' until the department's reply makes it 'rectified'.
    state TEXT NOT NULL,
    due_at TEXT NOT NULL,
    listed_by TEXT NOT NULL,
    listed_at TEXT NOT NULL,
    reply TEXT NOT NULL DEFAULT '',
    replied_by TEXT NOT NULL DEFAULT '',
    replied_at TEXT
);
-- One open rectification per matter.
CREATE UNIQUE INDEX hotline_problems_open ON hotline_problems (department, source, subject) WHERE state = 'open';
CREATE INDEX hotline_problems_department ON hotline_problems (department, state, due_at);
