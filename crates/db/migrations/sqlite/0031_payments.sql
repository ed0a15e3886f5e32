-- Non-tax payments (统一公共支付, issue 23).
--
-- A payment notice (非税收入缴款通知书) is issued by the collecting department when a case
-- reaches its fee step: payer, item, fee lines with their revenue codes, the amount in fen
-- (integers only), the due date, and a payment code unique across the region, signed with
-- the department's SM2 key. A notice is paid at most once: `state` moves from 'issued' to
-- 'paid' by one conditional UPDATE, naming the order that settled it.
CREATE TABLE pay_notices (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    purpose TEXT NOT NULL,
    purpose_id INTEGER NOT NULL,
    department TEXT NOT NULL,
    department_name TEXT NOT NULL,
    division TEXT NOT NULL,
    payer_name TEXT NOT NULL,
    payer_code TEXT NOT NULL,
    payer_account_id INTEGER REFERENCES accounts(id),
    item_code TEXT NOT NULL,
    item_name TEXT NOT NULL,
    lines TEXT NOT NULL,
    amount_fen INTEGER NOT NULL,
    issued_at TEXT NOT NULL,
    due_on TEXT NOT NULL,
    due_provisional INTEGER NOT NULL DEFAULT 0,
    key_id INTEGER NOT NULL,
    signature TEXT NOT NULL,
    state TEXT NOT NULL,
    paid_order_id INTEGER,
    paid_at TEXT,
    receipt TEXT NOT NULL DEFAULT '',
    revision INTEGER NOT NULL DEFAULT 0,
    UNIQUE (purpose, purpose_id)
);
CREATE INDEX pay_notices_payer ON pay_notices (payer_account_id, issued_at);
CREATE INDEX pay_notices_department ON pay_notices (department, state, issued_at);
-- Notices paid whose receipt is still to be issued (a sweep finishes what a crash left).
CREATE INDEX pay_notices_unreceipted ON pay_notices (paid_at) WHERE state = 'paid' AND receipt = '';

-- The serial of the payment codes of a year.
CREATE TABLE pay_serials (
    year INTEGER PRIMARY KEY,
    next INTEGER NOT NULL
);

-- Every attempt to pay a notice: an online order at a provider, or a receipt recorded at a
-- bank counter (channel 'counter', paid at once). `settled` marks the one order that paid
-- the notice; another order paid for the same notice is money to give back (a duplicate).
CREATE TABLE pay_orders (
    id INTEGER PRIMARY KEY,
    notice_id INTEGER NOT NULL REFERENCES pay_notices(id),
    channel TEXT NOT NULL,
    out_trade_no TEXT NOT NULL UNIQUE,
    provider_ref TEXT NOT NULL DEFAULT '',
    amount_fen INTEGER NOT NULL,
    state TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    pay_url TEXT NOT NULL DEFAULT '',
    paid_at TEXT,
    paid_day TEXT,
    paid_fen INTEGER NOT NULL DEFAULT 0,
    settled INTEGER NOT NULL DEFAULT 0,
    queried_at TEXT,
    queries INTEGER NOT NULL DEFAULT 0,
    failure TEXT NOT NULL DEFAULT ''
);
CREATE INDEX pay_orders_notice ON pay_orders (notice_id);
CREATE INDEX pay_orders_day ON pay_orders (channel, paid_day);
-- Orders still waiting for their provider: the sweep asks about those a callback never came for.
CREATE INDEX pay_orders_waiting ON pay_orders (created_at) WHERE state = 'created';

-- Every callback received, verified or not, and what became of it.
CREATE TABLE pay_callbacks (
    id INTEGER PRIMARY KEY,
    channel TEXT NOT NULL,
    received_at TEXT NOT NULL,
    out_trade_no TEXT NOT NULL,
    event TEXT NOT NULL,
    amount_fen INTEGER,
    outcome TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX pay_callbacks_order ON pay_callbacks (out_trade_no);

-- Refunds: for an overpayment, a duplicate payment or a cancelled case; approved by the
-- collecting department, then sent through the channel the money came by.
CREATE TABLE pay_refunds (
    id INTEGER PRIMARY KEY,
    order_id INTEGER NOT NULL REFERENCES pay_orders(id),
    notice_id INTEGER NOT NULL REFERENCES pay_notices(id),
    out_refund_no TEXT NOT NULL UNIQUE,
    amount_fen INTEGER NOT NULL,
    reason TEXT NOT NULL,
    note TEXT NOT NULL,
    state TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    requested_at TEXT NOT NULL,
    decided_by TEXT,
    decided_at TEXT,
    decision_note TEXT NOT NULL DEFAULT '',
    provider_ref TEXT NOT NULL DEFAULT '',
    failure TEXT NOT NULL DEFAULT '',
    receipt TEXT NOT NULL DEFAULT '',
    revision INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX pay_refunds_order ON pay_refunds (order_id);
CREATE INDEX pay_refunds_state ON pay_refunds (state, requested_at);

-- A provider's statement of a day (T+1), as matched against the orders, and what did not match.
CREATE TABLE pay_statements (
    id INTEGER PRIMARY KEY,
    channel TEXT NOT NULL,
    day TEXT NOT NULL,
    file_sm3 TEXT NOT NULL,
    lines INTEGER NOT NULL,
    total_fen INTEGER NOT NULL,
    matched INTEGER NOT NULL,
    imported_at TEXT NOT NULL,
    imported_by TEXT NOT NULL,
    UNIQUE (channel, day)
);
CREATE TABLE pay_mismatches (
    id INTEGER PRIMARY KEY,
    statement_id INTEGER NOT NULL REFERENCES pay_statements(id),
    kind TEXT NOT NULL,
    out_trade_no TEXT NOT NULL,
    ours_fen INTEGER,
    theirs_fen INTEGER,
    resolved_by TEXT,
    resolved_at TEXT,
    resolution TEXT NOT NULL DEFAULT ''
);
CREATE INDEX pay_mismatches_statement ON pay_mismatches (statement_id);
CREATE INDEX pay_mismatches_open ON pay_mismatches (statement_id) WHERE resolved_at IS NULL;
