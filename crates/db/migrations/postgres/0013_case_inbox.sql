-- The approver's inbox walks open tasks of one department kind in deadline order and stops
-- at the page, filtering divisions on the way; sorting every open task of the kind first
-- cost a fifth of a second at a million cases. Supervision walks overdue tasks by deadline.
DROP INDEX case_tasks_inbox;
CREATE INDEX case_tasks_inbox ON case_tasks (state, kind, due_date, id, division);
CREATE INDEX case_tasks_deadline ON case_tasks (state, due_date, division);
-- Whether an applicant has a draft of an item: asked at every submission.
CREATE INDEX cases_drafts ON cases (account_id, item_code) WHERE state = 'draft';
