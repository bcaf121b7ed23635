-- Periodic reports (package report): what to send to whom and how often, each report
-- generated (its files in the files table, owner kind 'report'), and who received it.

CREATE TABLE report_definitions (
    id          TEXT PRIMARY KEY,
    level       TEXT NOT NULL CHECK (level IN ('nation', 'governorate', 'district', 'center')),
    code        TEXT NOT NULL,            -- '' for the nation, else as kpi.Query
    gov_code    TEXT NOT NULL DEFAULT '', -- the territory's place, for scope filters
    unit_code   TEXT NOT NULL DEFAULT '',
    center_id   TEXT NOT NULL DEFAULT '',
    frequency   TEXT NOT NULL CHECK (frequency IN ('weekly', 'monthly', 'quarterly', 'fiscal_year')),
    lang        TEXT NOT NULL CHECK (lang IN ('ar', 'en')),
    formats     TEXT NOT NULL,            -- comma separated: pdf, xlsx
    roles       TEXT NOT NULL DEFAULT '', -- comma separated recipient kinds (report.Recipient*)
    starts_on   TEXT NOT NULL,            -- the first period generated is the one ending on or after it
    retired_on  TEXT,
    version     INTEGER NOT NULL DEFAULT 1,
    created_by  TEXT NOT NULL,
    created_at  DATETIME NOT NULL,
    updated_at  DATETIME NOT NULL
);
CREATE INDEX report_definitions_place ON report_definitions(gov_code, unit_code, center_id);

-- Named recipients besides those the roles give.
CREATE TABLE report_definition_users (
    definition_id TEXT NOT NULL REFERENCES report_definitions(id),
    user_id       TEXT NOT NULL REFERENCES users(id),
    PRIMARY KEY (definition_id, user_id)
);

-- One generated report per definition and period (the unique key makes a second
-- generation of the same period, by any instance, a no-op).
CREATE TABLE reports (
    id            TEXT PRIMARY KEY,
    definition_id TEXT NOT NULL REFERENCES report_definitions(id),
    level         TEXT NOT NULL,
    code          TEXT NOT NULL,
    gov_code      TEXT NOT NULL DEFAULT '',
    unit_code     TEXT NOT NULL DEFAULT '',
    center_id     TEXT NOT NULL DEFAULT '',
    name_ar       TEXT NOT NULL,
    name_en       TEXT NOT NULL,
    period        TEXT NOT NULL, -- kpi.PeriodName: 2024-05, 2024-W18, 2024-Q1, FY2024
    period_from   TEXT NOT NULL,
    period_to     TEXT NOT NULL,
    lang          TEXT NOT NULL,
    generated_at  DATETIME NOT NULL,
    UNIQUE (definition_id, period)
);
CREATE INDEX reports_place ON reports(gov_code, unit_code, center_id, period_to);
CREATE INDEX reports_generated ON reports(generated_at, id);

-- Who received which report, how (inbox or e-mail), when, and when they opened it.
CREATE TABLE report_deliveries (
    id           TEXT PRIMARY KEY,
    report_id    TEXT NOT NULL REFERENCES reports(id),
    user_id      TEXT NOT NULL REFERENCES users(id),
    channel      TEXT NOT NULL CHECK (channel IN ('inbox', 'email')),
    address      TEXT NOT NULL DEFAULT '', -- the e-mail address used
    outbox_id    TEXT NOT NULL DEFAULT '',
    delivered_at DATETIME NOT NULL,
    read_at      DATETIME,
    UNIQUE (report_id, user_id, channel)
);
CREATE INDEX report_deliveries_user ON report_deliveries(user_id, channel, read_at);
