-- Background jobs with leases, and the transactional outbox of messages to citizens.
-- A job is claimed by setting locked_by/locked_until; an expired lease makes it claimable
-- again, so a crashed instance's work is picked up by another. dedup_key is unique: a
-- schedule enqueues with a key naming its period, and a second enqueue is a no-op.
CREATE TABLE jobs (
    id           TEXT PRIMARY KEY,
    kind         TEXT NOT NULL,
    dedup_key    TEXT NOT NULL UNIQUE,
    payload      BLOB NOT NULL,
    status       TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed')),
    run_at       DATETIME NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    locked_by    TEXT NOT NULL DEFAULT '',
    locked_until DATETIME,
    last_error   TEXT NOT NULL DEFAULT '',
    created_at   DATETIME NOT NULL,
    updated_at   DATETIME NOT NULL
);
CREATE INDEX jobs_due ON jobs(status, run_at);

-- One row per message; status moves pending → sent or pending → failed, never back.
CREATE TABLE outbox (
    id           TEXT PRIMARY KEY,
    channel      TEXT NOT NULL CHECK (channel IN ('sms', 'email')),
    recipient    TEXT NOT NULL,
    template     TEXT NOT NULL,
    data_json    TEXT NOT NULL,
    locale       TEXT NOT NULL CHECK (locale IN ('ar', 'en')),
    entity       TEXT NOT NULL DEFAULT '',
    entity_id    TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT NOT NULL DEFAULT '',
    job_id       TEXT NOT NULL REFERENCES jobs(id),
    created_at   DATETIME NOT NULL,
    sent_at      DATETIME,
    updated_at   DATETIME NOT NULL
);
CREATE INDEX outbox_entity ON outbox(entity, entity_id, created_at);
CREATE INDEX outbox_status ON outbox(status, created_at);
