-- Payments (issue 5): fees paid for requests in cash at the counter or electronically
-- through a payment gateway, the gateway's callbacks (each event_id once), receipts from a
-- gap-free series per center and fiscal year (a counter row taken in the payment's own
-- transaction, never a sequence), refunds against a payment, the clerks' tills and their
-- closing, the daily reconciliation with the gateway's statement, and the ledger of the
-- built-in simulated gateway (a stand-in for a real gateway's own records, for demos and
-- tests). Money is integer piasters; business dates are Cairo dates.
CREATE TABLE payments (
    id                TEXT PRIMARY KEY,
    request_id        TEXT NOT NULL REFERENCES requests(id),
    center_id         TEXT NOT NULL REFERENCES centers(id),
    gov_code          TEXT NOT NULL,
    unit_code         TEXT NOT NULL,
    method            TEXT NOT NULL CHECK (method IN ('cash', 'gateway', 'reference')),
    gateway           TEXT NOT NULL DEFAULT '',
    status            TEXT NOT NULL CHECK (status IN ('pending', 'paid', 'failed', 'expired', 'held_for_review',
                          'refunded', 'partly_refunded', 'voided')),
    amount_piasters   INTEGER NOT NULL CHECK (amount_piasters > 0),
    received_piasters INTEGER NOT NULL DEFAULT 0 CHECK (received_piasters >= 0),
    refunded_piasters INTEGER NOT NULL DEFAULT 0 CHECK (refunded_piasters >= 0),
    idem_user         TEXT NOT NULL DEFAULT '',
    idem_key          TEXT NOT NULL DEFAULT '',
    redirect_url      TEXT NOT NULL DEFAULT '',
    reference_code    TEXT NOT NULL DEFAULT '',
    gateway_reference TEXT NOT NULL DEFAULT '',
    hold_reason       TEXT NOT NULL DEFAULT '',
    expires_at        DATETIME,
    paid_at           DATETIME,
    paid_on           TEXT,
    received_on       TEXT,
    till_id           TEXT,
    created_by        TEXT NOT NULL,
    created_at        DATETIME NOT NULL,
    updated_at        DATETIME NOT NULL,
    version           INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX payments_idem ON payments(idem_user, idem_key) WHERE idem_key <> '';
CREATE UNIQUE INDEX payments_gateway_ref ON payments(gateway, gateway_reference) WHERE gateway_reference <> '';
CREATE INDEX payments_request ON payments(request_id, created_at);
CREATE INDEX payments_status ON payments(status, center_id, created_at);
CREATE INDEX payments_paid_on ON payments(paid_on, center_id);
CREATE INDEX payments_received_on ON payments(gateway, received_on);
CREATE INDEX payments_till ON payments(till_id);

-- One row per callback event a gateway sent: the primary key makes a repeated event a
-- no-op. outcome says what it did (booked, failed, held, ignored, unknown_payment).
CREATE TABLE gateway_events (
    gateway           TEXT NOT NULL,
    event_id          TEXT NOT NULL,
    payment_id        TEXT NOT NULL,
    status            TEXT NOT NULL,
    amount_piasters   INTEGER NOT NULL,
    gateway_reference TEXT NOT NULL,
    sent_at           DATETIME NOT NULL,
    outcome           TEXT NOT NULL,
    received_at       DATETIME NOT NULL,
    PRIMARY KEY (gateway, event_id)
);
CREATE INDEX gateway_events_payment ON gateway_events(payment_id, received_at);

CREATE TABLE receipt_series (
    center_id   TEXT NOT NULL REFERENCES centers(id),
    fiscal_year INTEGER NOT NULL,
    next_seq    INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (center_id, fiscal_year)
);

CREATE TABLE receipts (
    number          TEXT PRIMARY KEY,
    digits          TEXT NOT NULL UNIQUE,
    payment_id      TEXT NOT NULL UNIQUE REFERENCES payments(id),
    request_id      TEXT NOT NULL REFERENCES requests(id),
    center_id       TEXT NOT NULL REFERENCES centers(id),
    gov_code        TEXT NOT NULL,
    unit_code       TEXT NOT NULL,
    fiscal_year     INTEGER NOT NULL,
    seq             INTEGER NOT NULL,
    amount_piasters INTEGER NOT NULL CHECK (amount_piasters > 0),
    method          TEXT NOT NULL,
    issued_at       DATETIME NOT NULL,
    issued_on       TEXT NOT NULL,
    issued_by       TEXT NOT NULL,
    voided_at       DATETIME,
    void_reason     TEXT NOT NULL DEFAULT '',
    voided_by       TEXT NOT NULL DEFAULT '',
    UNIQUE (center_id, fiscal_year, seq)
);
CREATE INDEX receipts_request ON receipts(request_id);

CREATE TABLE refunds (
    id                TEXT PRIMARY KEY,
    payment_id        TEXT NOT NULL REFERENCES payments(id),
    request_id        TEXT NOT NULL REFERENCES requests(id),
    center_id         TEXT NOT NULL REFERENCES centers(id),
    gov_code          TEXT NOT NULL,
    unit_code         TEXT NOT NULL,
    amount_piasters   INTEGER NOT NULL CHECK (amount_piasters > 0),
    method            TEXT NOT NULL CHECK (method IN ('cash', 'gateway')),
    status            TEXT NOT NULL CHECK (status IN ('requested', 'approved', 'rejected', 'executed')),
    reason            TEXT NOT NULL,
    requested_by      TEXT NOT NULL,
    requested_by_id   TEXT NOT NULL DEFAULT '',
    requested_at      DATETIME NOT NULL,
    decided_by        TEXT NOT NULL DEFAULT '',
    decided_at        DATETIME,
    decision_note     TEXT NOT NULL DEFAULT '',
    executed_by       TEXT NOT NULL DEFAULT '',
    executed_at       DATETIME,
    executed_on       TEXT,
    gateway_reference TEXT NOT NULL DEFAULT '',
    last_error        TEXT NOT NULL DEFAULT '',
    till_id           TEXT,
    created_at        DATETIME NOT NULL,
    updated_at        DATETIME NOT NULL
);
CREATE INDEX refunds_payment ON refunds(payment_id, created_at);
CREATE INDEX refunds_status ON refunds(status, created_at);
CREATE INDEX refunds_till ON refunds(till_id);

-- A clerk's till at a center for a business day. Closing is final: cash taken later the same day
-- goes into the clerk's next till of the day (seq 2, 3, …), closed and signed off on its own.
CREATE TABLE tills (
    id                  TEXT PRIMARY KEY,
    center_id           TEXT NOT NULL REFERENCES centers(id),
    gov_code            TEXT NOT NULL,
    unit_code           TEXT NOT NULL,
    clerk_id            TEXT NOT NULL,
    clerk_username      TEXT NOT NULL,
    business_date       TEXT NOT NULL,
    seq                 INTEGER NOT NULL,
    status              TEXT NOT NULL CHECK (status IN ('open', 'closed', 'signed_off')),
    opened_at           DATETIME NOT NULL,
    closed_at           DATETIME,
    recorded_piasters   INTEGER NOT NULL DEFAULT 0,
    counted_piasters    INTEGER NOT NULL DEFAULT 0,
    difference_piasters INTEGER NOT NULL DEFAULT 0,
    explanation         TEXT NOT NULL DEFAULT '',
    signed_off_by       TEXT NOT NULL DEFAULT '',
    signed_off_at       DATETIME,
    sign_off_note       TEXT NOT NULL DEFAULT '',
    UNIQUE (clerk_id, center_id, business_date, seq)
);
CREATE UNIQUE INDEX tills_one_open ON tills(clerk_id, center_id, business_date) WHERE status = 'open';
CREATE INDEX tills_center ON tills(center_id, business_date);
CREATE INDEX tills_status ON tills(status, center_id);

CREATE TABLE reconciliations (
    id             TEXT PRIMARY KEY,
    gateway        TEXT NOT NULL,
    business_date  TEXT NOT NULL,
    statement_rows INTEGER NOT NULL,
    booked_rows    INTEGER NOT NULL,
    matched        INTEGER NOT NULL,
    mismatches     INTEGER NOT NULL,
    created_by     TEXT NOT NULL,
    created_at     DATETIME NOT NULL,
    UNIQUE (gateway, business_date)
);
CREATE INDEX reconciliations_date ON reconciliations(business_date, gateway);

CREATE TABLE reconciliation_items (
    id                 TEXT PRIMARY KEY,
    reconciliation_id  TEXT NOT NULL REFERENCES reconciliations(id),
    kind               TEXT NOT NULL CHECK (kind IN ('missing_in_markaz', 'missing_in_statement', 'amount_differs')),
    payment_id         TEXT NOT NULL DEFAULT '',
    gateway_reference  TEXT NOT NULL DEFAULT '',
    markaz_piasters    INTEGER NOT NULL DEFAULT 0,
    statement_piasters INTEGER NOT NULL DEFAULT 0,
    center_id          TEXT NOT NULL DEFAULT '',
    gov_code           TEXT NOT NULL DEFAULT '',
    unit_code          TEXT NOT NULL DEFAULT '',
    resolved_at        DATETIME,
    resolved_by        TEXT NOT NULL DEFAULT '',
    resolution_note    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX reconciliation_items_rec ON reconciliation_items(reconciliation_id, id);
CREATE INDEX reconciliation_items_open ON reconciliation_items(resolved_at, gov_code);

-- The simulated gateway's own ledger: a checkout session per started payment, the charges
-- it took (several when the demo "pays twice"), their callbacks, and refunds.
CREATE TABLE simgw_sessions (
    token           TEXT PRIMARY KEY,
    payment_id      TEXT NOT NULL UNIQUE,
    method          TEXT NOT NULL,
    amount_piasters INTEGER NOT NULL,
    reference_code  TEXT,
    callback_url    TEXT NOT NULL,
    return_url      TEXT NOT NULL,
    created_at      DATETIME NOT NULL
);
CREATE UNIQUE INDEX simgw_sessions_code ON simgw_sessions(reference_code) WHERE reference_code IS NOT NULL;

CREATE TABLE simgw_charges (
    id                TEXT PRIMARY KEY,
    token             TEXT NOT NULL REFERENCES simgw_sessions(token),
    gateway_reference TEXT NOT NULL UNIQUE,
    event_id          TEXT NOT NULL UNIQUE,
    status            TEXT NOT NULL CHECK (status IN ('paid', 'failed')),
    amount_piasters   INTEGER NOT NULL,
    charged_at        DATETIME NOT NULL,
    charged_on        TEXT NOT NULL,
    callback_due_at   DATETIME NOT NULL,
    callback_sent_at  DATETIME,
    attempts          INTEGER NOT NULL DEFAULT 0,
    last_error        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX simgw_charges_day ON simgw_charges(charged_on, status);
CREATE INDEX simgw_charges_due ON simgw_charges(callback_sent_at, callback_due_at);

CREATE TABLE simgw_refunds (
    refund_id         TEXT PRIMARY KEY,
    gateway_reference TEXT NOT NULL,
    amount_piasters   INTEGER NOT NULL,
    reference         TEXT NOT NULL UNIQUE,
    refunded_at       DATETIME NOT NULL
);
