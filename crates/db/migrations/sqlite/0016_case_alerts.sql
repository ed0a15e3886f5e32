-- Deadlines pushed to people: a task near its limit warns its assignees once (warned_on),
-- an overdue one escalates to the supervisors once (escalated_on); the alerts themselves
-- show on the approver's inbox and the supervision page while the task is open.
ALTER TABLE case_tasks ADD COLUMN warned_on TEXT;
ALTER TABLE case_tasks ADD COLUMN escalated_on TEXT;
CREATE TABLE case_alerts (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    task_id INTEGER NOT NULL REFERENCES case_tasks (id),
    case_id INTEGER NOT NULL REFERENCES cases (id),
    department_kind TEXT NOT NULL,
    division TEXT NOT NULL,
    role TEXT NOT NULL,
    due_date TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX case_alerts_kind ON case_alerts (kind, due_date);
