-- Working-day calendar: official holidays per authority. Weekly rest days live on
-- governorates.weekly_rest and centers.weekly_rest (0001). A holiday is never deleted:
-- removing it sets retired_at, and only holidays in use must be unique per authority and date.
CREATE TABLE holidays (
    id            TEXT PRIMARY KEY,
    date          DATE NOT NULL,
    name_ar       TEXT NOT NULL,
    name_en       TEXT NOT NULL,
    gov_code      TEXT NOT NULL DEFAULT '', -- '' = national
    created_by    TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMPTZ NOT NULL,
    retired_at    TIMESTAMPTZ,
    retired_by    TEXT NOT NULL DEFAULT '',
    retire_reason TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX holidays_in_use ON holidays(gov_code, date) WHERE retired_at IS NULL;
CREATE INDEX holidays_date ON holidays(date, id);
