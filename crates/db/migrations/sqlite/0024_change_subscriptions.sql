-- Change subscriptions (issue 21, item 6). A change others may subscribe to is written to the
-- outbox in the transaction that makes it; the exchange fans each event out to the matching
-- subscriptions (one delivery row each) and delivers them in order, at least once, signed, to
-- the consumer's webhook, with retries and backoff; deliveries a consumer's webhook keeps
-- rejecting become dead letters it can redeliver.
CREATE TABLE change_outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    source TEXT NOT NULL,
    record_key TEXT NOT NULL,
    kind TEXT NOT NULL,
    divisions TEXT NOT NULL,
    items TEXT NOT NULL,
    payload TEXT NOT NULL,
    at TEXT NOT NULL,
    fanned BIGINT NOT NULL
);
CREATE INDEX change_outbox_unfanned ON change_outbox (fanned, seq);

CREATE TABLE exchange_subscriptions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    consumer TEXT NOT NULL,
    grant_id BIGINT NOT NULL REFERENCES data_grants (id),
    resource TEXT NOT NULL,
    items TEXT NOT NULL,
    url TEXT NOT NULL,
    state TEXT NOT NULL,
    state_note TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    next_attempt_at TEXT NOT NULL,
    failing_since TEXT,
    last_error TEXT NOT NULL,
    lease_until TEXT NOT NULL,
    delivered BIGINT NOT NULL,
    from_seq BIGINT NOT NULL
);
CREATE INDEX exchange_subscriptions_consumer ON exchange_subscriptions (consumer, id);
CREATE INDEX exchange_subscriptions_state ON exchange_subscriptions (state, resource);

CREATE TABLE exchange_deliveries (
    subscription_id BIGINT NOT NULL REFERENCES exchange_subscriptions (id),
    seq BIGINT NOT NULL,
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    last_status BIGINT NOT NULL,
    last_error TEXT NOT NULL,
    delivered_at TEXT,
    PRIMARY KEY (subscription_id, seq)
);
CREATE INDEX exchange_deliveries_state ON exchange_deliveries (subscription_id, state, seq);
