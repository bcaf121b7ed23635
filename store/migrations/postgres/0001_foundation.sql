-- Foundation: reference territory, centers, users and assignments, sessions, audit chain.
-- Codes and usernames compare byte-wise (COLLATE "C") so keyset paging orders them as SQLite does.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE governorates (
    code        TEXT COLLATE "C" PRIMARY KEY,
    name_ar     TEXT NOT NULL,
    name_en     TEXT NOT NULL,
    weekly_rest TEXT NOT NULL DEFAULT 'fri,sat',
    retired_on  DATE,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE units (
    code       TEXT COLLATE "C" PRIMARY KEY,
    gov_code   TEXT NOT NULL REFERENCES governorates(code),
    name_ar    TEXT NOT NULL,
    name_en    TEXT NOT NULL,
    unit_type  TEXT NOT NULL,
    search_key TEXT NOT NULL,
    retire_reason TEXT NOT NULL DEFAULT '',
    retired_on DATE,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX units_gov ON units(gov_code, code);

CREATE TABLE centers (
    id              TEXT PRIMARY KEY,
    code            TEXT COLLATE "C" NOT NULL UNIQUE,
    kind            TEXT NOT NULL CHECK (kind IN ('fixed', 'mobile')),
    name_ar         TEXT NOT NULL,
    name_en         TEXT NOT NULL,
    search_key      TEXT NOT NULL,
    gov_code        TEXT NOT NULL REFERENCES governorates(code),
    unit_code       TEXT NOT NULL REFERENCES units(code),
    address         TEXT NOT NULL DEFAULT '',
    latitude        DOUBLE PRECISION,
    longitude       DOUBLE PRECISION,
    opens_at        TEXT NOT NULL DEFAULT '',
    closes_at       TEXT NOT NULL DEFAULT '',
    weekly_rest     TEXT NOT NULL DEFAULT '',
    dev_status      TEXT NOT NULL DEFAULT '',
    completed_on    DATE,
    completed_fy    INTEGER,
    mobile_status   TEXT NOT NULL DEFAULT '',
    vehicle_plate   TEXT NOT NULL DEFAULT '',
    delivered_on    DATE,
    delivery_due_fy INTEGER,
    retired_on      DATE,
    retire_reason   TEXT NOT NULL DEFAULT '',
    version         INTEGER NOT NULL DEFAULT 1,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX centers_gov ON centers(gov_code, code);
CREATE INDEX centers_unit ON centers(unit_code, code);

CREATE TABLE users (
    id                   TEXT PRIMARY KEY,
    username             TEXT COLLATE "C" NOT NULL UNIQUE,
    full_name            TEXT NOT NULL,
    email                TEXT NOT NULL DEFAULT '',
    mobile               TEXT NOT NULL DEFAULT '',
    password_hash        TEXT NOT NULL,
    must_change_password BOOLEAN NOT NULL DEFAULT FALSE,
    locale               TEXT NOT NULL DEFAULT 'ar',
    digits               TEXT NOT NULL DEFAULT 'arab',
    disabled_at          TIMESTAMPTZ,
    failed_logins        INTEGER NOT NULL DEFAULT 0,
    locked_until         TIMESTAMPTZ,
    search_key           TEXT NOT NULL DEFAULT '',
    created_by           TEXT NOT NULL DEFAULT '',
    created_at           TIMESTAMPTZ NOT NULL,
    updated_at           TIMESTAMPTZ NOT NULL
);

CREATE TABLE assignments (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id),
    role       TEXT NOT NULL,
    level      TEXT NOT NULL,
    gov_code   TEXT NOT NULL DEFAULT '',
    unit_code  TEXT NOT NULL DEFAULT '',
    center_id  TEXT NOT NULL DEFAULT '',
    starts_on  DATE NOT NULL,
    ends_on    DATE,
    created_by TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ
);
CREATE INDEX assignments_user ON assignments(user_id);
CREATE INDEX assignments_gov ON assignments(gov_code, user_id);

CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users(id),
    kind         TEXT NOT NULL CHECK (kind IN ('web', 'api')),
    created_at   TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL,
    revoked_at   TIMESTAMPTZ
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE audit_heads (
    chain TEXT PRIMARY KEY,
    seq   BIGINT NOT NULL,
    hash  TEXT NOT NULL
);

CREATE TABLE audit_log (
    id          BIGSERIAL PRIMARY KEY,
    chain       TEXT NOT NULL,
    seq         BIGINT NOT NULL,
    at          TIMESTAMPTZ NOT NULL,
    user_id     TEXT NOT NULL,
    username    TEXT NOT NULL,
    action      TEXT NOT NULL,
    entity      TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    gov_code    TEXT NOT NULL,
    unit_code   TEXT NOT NULL,
    center_id   TEXT NOT NULL,
    before_json TEXT NOT NULL,
    after_json  TEXT NOT NULL,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL,
    UNIQUE (chain, seq)
);
CREATE INDEX audit_entity ON audit_log(entity, entity_id, id);
CREATE INDEX audit_gov ON audit_log(gov_code, id);
CREATE INDEX audit_user ON audit_log(user_id, id);
-- The audit log is append-only: rows are never changed or removed, even by hand.
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit log is append-only';
END;
$$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
