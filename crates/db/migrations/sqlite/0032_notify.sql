-- One notification service (issue 23, item 5).
--
-- Templates: an event's texts in zh/bo/en, kept by administrators as numbered versions (the
-- highest is in force; version 0 is built into the binary). Preferences: a person's
-- language, channels and quiet hours. Webhooks: systems subscribed to events. Messages: the
-- outbox and the history in one table, one row per channel and address, written in the
-- same transaction as the event; a sender claims a queued row (state 'sending' with a lease)
-- before it sends, so a message goes at most once; a lease that runs out (the platform was
-- killed mid-send) ends the row 'failed' with the outcome 'interrupted', never sent again.
CREATE TABLE notify_templates (
    id INTEGER PRIMARY KEY,
    event TEXT NOT NULL,
    version INTEGER NOT NULL,
    subject_zh TEXT NOT NULL,
    body_zh TEXT NOT NULL,
    subject_bo TEXT NOT NULL,
    body_bo TEXT NOT NULL,
    subject_en TEXT NOT NULL,
    body_en TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (event, version)
);

CREATE TABLE notify_preferences (
    account_id INTEGER PRIMARY KEY REFERENCES accounts(id),
    lang TEXT NOT NULL,
    sms INTEGER NOT NULL,
    email TEXT,
    email_on INTEGER NOT NULL,
    quiet_from INTEGER,
    quiet_until INTEGER,
    updated_at TEXT NOT NULL
);

CREATE TABLE notify_webhooks (
    id INTEGER PRIMARY KEY,
    client_id TEXT NOT NULL,
    url TEXT NOT NULL,
    secret TEXT NOT NULL,
    events TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL
);

CREATE TABLE notify_messages (
    id INTEGER PRIMARY KEY,
    event TEXT NOT NULL,
    subject_ref TEXT NOT NULL,
    account_id INTEGER,
    channel TEXT NOT NULL,
    address TEXT NOT NULL,
    lang TEXT NOT NULL,
    template_version INTEGER NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    link TEXT NOT NULL DEFAULT '',
    urgent INTEGER NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    not_before TEXT NOT NULL,
    claimed_until TEXT,
    outcome TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    sent_at TEXT,
    seen INTEGER NOT NULL DEFAULT 0,
    once_key TEXT UNIQUE
);
CREATE INDEX notify_messages_due ON notify_messages (channel, state, not_before);
CREATE INDEX notify_messages_account ON notify_messages (account_id, id);
CREATE INDEX notify_messages_subject ON notify_messages (subject_ref);
