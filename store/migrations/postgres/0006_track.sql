-- Citizen tracking: failed checks of the last four digits, one row per failure, keyed by
-- the tracking number's digits (a wrong number counts like a wrong check). A number with
-- too many failures in the window answers "too many attempts" on every instance until the
-- oldest of them leaves the window; rows older than the window are pruned as new ones come.
CREATE TABLE track_failures (
    id              TEXT PRIMARY KEY,
    tracking_digits TEXT NOT NULL,
    at              TIMESTAMPTZ NOT NULL
);
CREATE INDEX track_failures_number ON track_failures(tracking_digits, at);
CREATE INDEX track_failures_at ON track_failures(at);
