-- Service requests: one row per request with its workflow position and clocks, its
-- history (request_events), the fee lines copied from the catalog version in force
-- (request_fee_lines), the per-center tracking-number series and idempotency keys.
-- Search columns hold normalised keys (digits only, Arabic-folded name) queried by
-- equality or prefix range through their indexes, never LIKE '%…%'.
CREATE TABLE tracking_series (
    center_id  TEXT PRIMARY KEY REFERENCES centers(id),
    gov_code   TEXT NOT NULL,
    prefix     TEXT NOT NULL UNIQUE CHECK (length(prefix) = 4),
    next_seq   INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX tracking_series_gov ON tracking_series(gov_code, prefix);

CREATE TABLE requests (
    id                  TEXT COLLATE "C" PRIMARY KEY,
    tracking_number     TEXT NOT NULL UNIQUE,
    tracking_digits     TEXT COLLATE "C" NOT NULL,
    service_code        TEXT COLLATE "C" NOT NULL REFERENCES services(code),
    duration_version_id TEXT NOT NULL REFERENCES service_durations(id),
    working_days        INTEGER NOT NULL,
    center_id           TEXT NOT NULL REFERENCES centers(id),
    gov_code            TEXT COLLATE "C" NOT NULL,
    unit_code           TEXT NOT NULL,
    channel             TEXT NOT NULL CHECK (channel IN ('counter', 'online', 'mobile_unit', 'backlog')),
    status              TEXT COLLATE "C" NOT NULL CHECK (status IN ('submitted', 'in_review', 'returned', 'awaiting_payment',
                            'approved', 'rejected', 'deemed_approved', 'ready', 'delivered', 'cancelled')),
    step_key            TEXT NOT NULL,
    national_id         TEXT COLLATE "C" NOT NULL,
    applicant_name      TEXT NOT NULL,
    name_key            TEXT COLLATE "C" NOT NULL,
    mobile              TEXT COLLATE "C" NOT NULL,
    documents_json      TEXT NOT NULL DEFAULT '[]',
    notes               TEXT NOT NULL DEFAULT '',
    submitted_at        TIMESTAMPTZ NOT NULL,
    submitted_on        DATE NOT NULL,
    due_date            DATE NOT NULL,
    paused_days         INTEGER NOT NULL DEFAULT 0,
    paused_since        DATE,
    decided_at          TIMESTAMPTZ,
    delivered_at        TIMESTAMPTZ,
    fees_due_piasters   BIGINT NOT NULL DEFAULT 0,
    fees_paid_piasters  BIGINT NOT NULL DEFAULT 0,
    payment_method      TEXT NOT NULL DEFAULT '',
    version             INTEGER NOT NULL DEFAULT 1,
    created_by          TEXT NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL
);
CREATE INDEX requests_due ON requests(due_date, id);
CREATE INDEX requests_center_due ON requests(center_id, due_date, id);
CREATE INDEX requests_gov_due ON requests(gov_code, due_date, id);
CREATE INDEX requests_status_due ON requests(status, due_date, id);
CREATE INDEX requests_tracking_digits ON requests(tracking_digits);
CREATE INDEX requests_national_id ON requests(national_id, submitted_at);
CREATE INDEX requests_mobile ON requests(mobile);
CREATE INDEX requests_name_key ON requests(name_key);

CREATE TABLE request_events (
    id          TEXT PRIMARY KEY,
    request_id  TEXT NOT NULL REFERENCES requests(id),
    seq         INTEGER NOT NULL,
    at          TIMESTAMPTZ NOT NULL,
    user_id     TEXT NOT NULL DEFAULT '',
    username    TEXT NOT NULL,
    action      TEXT NOT NULL,
    from_status TEXT NOT NULL DEFAULT '',
    to_status   TEXT NOT NULL,
    from_step   TEXT NOT NULL DEFAULT '',
    to_step     TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    UNIQUE (request_id, seq)
);

CREATE TABLE request_fee_lines (
    request_id      TEXT NOT NULL REFERENCES requests(id),
    line_no         INTEGER NOT NULL,
    fee_version_id  TEXT NOT NULL REFERENCES service_fees(id),
    line_key        TEXT NOT NULL,
    name_ar         TEXT NOT NULL,
    name_en         TEXT NOT NULL,
    amount_piasters BIGINT NOT NULL CHECK (amount_piasters >= 0),
    PRIMARY KEY (request_id, line_no)
);

CREATE TABLE idempotency_keys (
    user_id    TEXT NOT NULL,
    idem_key   TEXT NOT NULL,
    request_id TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, idem_key)
);
