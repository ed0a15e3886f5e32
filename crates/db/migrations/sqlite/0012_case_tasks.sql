-- The back office of a case: its tasks by stage (parallel within a stage), the pauses of
-- special procedures, and what follows a decision: the fee, the pickup code or the express
-- delivery and its tracking.
CREATE TABLE case_tasks (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases (id),
    stage INTEGER NOT NULL,
    department TEXT NOT NULL,
    kind TEXT NOT NULL,
    division TEXT NOT NULL,
    role TEXT NOT NULL,
    days INTEGER NOT NULL,
    state TEXT NOT NULL,
    opened_on TEXT,
    due_date TEXT,
    decided_by TEXT NOT NULL DEFAULT '',
    decided_name TEXT NOT NULL DEFAULT '',
    opinion TEXT NOT NULL DEFAULT '',
    decided_at TEXT,
    revision INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX case_tasks_case ON case_tasks (case_id, stage);
CREATE INDEX case_tasks_inbox ON case_tasks (state, kind, division, due_date);

CREATE TABLE case_pauses (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases (id),
    reason TEXT NOT NULL,
    paused_on TEXT NOT NULL,
    paused_by TEXT NOT NULL,
    resumed_on TEXT,
    working_days INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX case_pauses_case ON case_pauses (case_id, id);

ALTER TABLE cases ADD COLUMN fee_fen INTEGER;
ALTER TABLE cases ADD COLUMN delivery TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN pickup_code TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN address TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN tracking TEXT NOT NULL DEFAULT '';

-- Every state change of a case, for the applicant's inbox, written with the change; the
-- text message goes out afterwards (`sms`: pending → sending → sent | failed | none).
CREATE TABLE case_notifications (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL,
    case_id INTEGER NOT NULL REFERENCES cases (id),
    at TEXT NOT NULL,
    action TEXT NOT NULL,
    to_state TEXT NOT NULL,
    seen INTEGER NOT NULL DEFAULT 0,
    sms TEXT NOT NULL DEFAULT 'pending'
);
CREATE INDEX case_notifications_account ON case_notifications (account_id, id);
CREATE INDEX case_notifications_sms ON case_notifications (sms, id);

-- Ratings (好差评): one per case and channel; a bad one opens a rectification task that the
-- responsible department answers within its deadline.
CREATE TABLE case_ratings (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases (id),
    channel TEXT NOT NULL,
    account_id INTEGER NOT NULL,
    score INTEGER NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    department TEXT NOT NULL,
    division TEXT NOT NULL,
    at TEXT NOT NULL,
    UNIQUE (case_id, channel)
);
CREATE INDEX case_ratings_division ON case_ratings (division, department);

CREATE TABLE case_rectifications (
    id INTEGER PRIMARY KEY,
    rating_id INTEGER NOT NULL REFERENCES case_ratings (id),
    case_id INTEGER NOT NULL REFERENCES cases (id),
    department TEXT NOT NULL,
    division TEXT NOT NULL,
    due_date TEXT NOT NULL,
    state TEXT NOT NULL,
    opened_at TEXT NOT NULL,
    reply TEXT NOT NULL DEFAULT '',
    replied_by TEXT NOT NULL DEFAULT '',
    replied_at TEXT
);
CREATE INDEX case_rectifications_department ON case_rectifications (department, state, due_date);
