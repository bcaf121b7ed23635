-- Performance indicators (package kpi): rollups kept in the transaction of every change to
-- a request, citizen ratings, and the index's weights.

-- The due date in force after each event of a request's history (overdue_open at the end
-- of a past day needs the due date of that day), and the working days a decision took.
ALTER TABLE request_events ADD COLUMN due_date DATE;
ALTER TABLE requests ADD COLUMN processing_days INTEGER;

-- A citizen's rating of a delivered request, one per request.
CREATE TABLE request_ratings (
    request_id  TEXT COLLATE "C" PRIMARY KEY REFERENCES requests(id),
    rating      INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    comment     TEXT NOT NULL DEFAULT '',
    rated_at    TIMESTAMPTZ NOT NULL,
    rated_on    DATE NOT NULL,
    source      TEXT NOT NULL CHECK (source IN ('tracking', 'sms', 'account'))
);

-- Counts per day (grain D) and per month (grain M, period = the first of the month), per
-- place (the request's governorate, district and center when registered), channel, and
-- service ('' = every service). Columns as kpi.Delta; overdue holds deltas (see kpi).
-- Each contribution is kept at three scopes: C per center (gov, unit and center set), G
-- per governorate (unit and center ''), N for the nation (all three ''), so a national or
-- governorate figure reads a few rows per month, not one per center.
CREATE TABLE kpi_counts (
    grain        TEXT NOT NULL CHECK (grain IN ('D', 'M')),
    scope        TEXT NOT NULL CHECK (scope IN ('C', 'G', 'N')),
    service_code TEXT COLLATE "C" NOT NULL,
    gov_code     TEXT COLLATE "C" NOT NULL,
    period       DATE NOT NULL,
    unit_code    TEXT COLLATE "C" NOT NULL,
    center_id    TEXT COLLATE "C" NOT NULL,
    channel      TEXT COLLATE "C" NOT NULL,
    received     INTEGER NOT NULL DEFAULT 0,
    online       INTEGER NOT NULL DEFAULT 0,
    completed    INTEGER NOT NULL DEFAULT 0,
    timed        INTEGER NOT NULL DEFAULT 0,
    on_time      INTEGER NOT NULL DEFAULT 0,
    required_sum INTEGER NOT NULL DEFAULT 0,
    overdue      INTEGER NOT NULL DEFAULT 0,
    rating_n     INTEGER NOT NULL DEFAULT 0,
    rating_sum   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (grain, scope, service_code, gov_code, period, unit_code, center_id, channel)
);
CREATE INDEX kpi_counts_center ON kpi_counts(center_id, grain, service_code, period);

-- The processing days histogram of timed completions, same grains, scopes and places.
CREATE TABLE kpi_days (
    grain        TEXT NOT NULL CHECK (grain IN ('D', 'M')),
    scope        TEXT NOT NULL CHECK (scope IN ('C', 'G', 'N')),
    service_code TEXT COLLATE "C" NOT NULL,
    gov_code     TEXT COLLATE "C" NOT NULL,
    period       DATE NOT NULL,
    unit_code    TEXT COLLATE "C" NOT NULL,
    center_id    TEXT COLLATE "C" NOT NULL,
    channel      TEXT COLLATE "C" NOT NULL,
    days         INTEGER NOT NULL,
    n            INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (grain, scope, service_code, gov_code, period, unit_code, center_id, channel, days)
);
CREATE INDEX kpi_days_center ON kpi_days(center_id, grain, service_code, period);

-- The composite index's weights, versioned by the day they take effect.
CREATE TABLE kpi_weights (
    id             TEXT PRIMARY KEY,
    effective_from DATE NOT NULL UNIQUE,
    values_json    TEXT NOT NULL,
    note           TEXT NOT NULL DEFAULT '',
    created_by     TEXT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL
);

-- Requests written in bulk (demo generation, backlog imports) whose contributions the
-- loader holds in memory and adds to the rollups in one go, at most every 30 seconds; a
-- sweep adds those a stopped loader left, after two minutes.
CREATE TABLE kpi_pending (
    request_id TEXT COLLATE "C" PRIMARY KEY,
    since      TIMESTAMPTZ NOT NULL
);
CREATE INDEX kpi_pending_since ON kpi_pending(since);
