-- Backlog entry (issue 6): campaigns to enter the accumulated paper files of a governorate
-- (or one district/city), with the estimated files per center and the operators who key
-- them; one registry row per paper file (backlog_records), unique by center and legacy
-- file number unless rejected, pointing at the request it became; imports of CSV/XLSX
-- files, resumable from their last committed row, with the uploaded bytes kept in chunks
-- (so any instance can run or resume the job) and every rejected row with its reasons.
CREATE TABLE backlog_campaigns (
    id             TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    gov_code       TEXT NOT NULL REFERENCES governorates(code),
    unit_code      TEXT NOT NULL DEFAULT '',
    starts_on      DATE NOT NULL,
    ends_on        DATE NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    sample_percent INTEGER NOT NULL DEFAULT 5 CHECK (sample_percent BETWEEN 0 AND 100),
    version        INTEGER NOT NULL DEFAULT 1,
    created_by     TEXT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX backlog_campaigns_gov ON backlog_campaigns(gov_code, status, starts_on);

CREATE TABLE backlog_estimates (
    campaign_id TEXT NOT NULL REFERENCES backlog_campaigns(id),
    center_id   TEXT NOT NULL REFERENCES centers(id),
    files       INTEGER NOT NULL CHECK (files >= 0),
    PRIMARY KEY (campaign_id, center_id)
);

CREATE TABLE backlog_operators (
    campaign_id TEXT NOT NULL REFERENCES backlog_campaigns(id),
    user_id     TEXT NOT NULL REFERENCES users(id),
    added_by    TEXT NOT NULL,
    added_at    TIMESTAMPTZ NOT NULL,
    removed_by  TEXT NOT NULL DEFAULT '',
    removed_at  TIMESTAMPTZ,
    PRIMARY KEY (campaign_id, user_id)
);
CREATE INDEX backlog_operators_user ON backlog_operators(user_id, campaign_id);

CREATE TABLE backlog_imports (
    id             TEXT PRIMARY KEY,
    campaign_id    TEXT NOT NULL REFERENCES backlog_campaigns(id),
    origin         TEXT NOT NULL CHECK (origin IN ('upload', 'cli')),
    status         TEXT NOT NULL CHECK (status IN ('uploading', 'queued', 'running', 'done', 'failed')),
    file_name      TEXT NOT NULL,
    sha256         TEXT NOT NULL DEFAULT '',
    size_bytes     INTEGER NOT NULL DEFAULT 0,
    format         TEXT NOT NULL DEFAULT '',
    lang           TEXT NOT NULL DEFAULT '',
    header_json    TEXT NOT NULL DEFAULT '',
    sample_percent INTEGER NOT NULL DEFAULT 0,
    total_rows     INTEGER NOT NULL DEFAULT -1,
    last_line      INTEGER NOT NULL DEFAULT 0,
    rows_read      INTEGER NOT NULL DEFAULT 0,
    imported       INTEGER NOT NULL DEFAULT 0,
    skipped        INTEGER NOT NULL DEFAULT 0,
    rejected       INTEGER NOT NULL DEFAULT 0,
    sampled        INTEGER NOT NULL DEFAULT 0,
    problem_json   TEXT NOT NULL DEFAULT '',
    user_id        TEXT NOT NULL DEFAULT '',
    username       TEXT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    started_at     TIMESTAMPTZ,
    finished_at    TIMESTAMPTZ,
    updated_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX backlog_imports_campaign ON backlog_imports(campaign_id, created_at);
CREATE INDEX backlog_imports_sha ON backlog_imports(campaign_id, sha256, status);

CREATE TABLE backlog_import_chunks (
    import_id TEXT NOT NULL REFERENCES backlog_imports(id),
    seq       INTEGER NOT NULL,
    data      BYTEA NOT NULL,
    PRIMARY KEY (import_id, seq)
);

-- One row per rejected row of a file: the row as it was, and its problems. row_key names
-- the paper file (center code and legacy number, or a hash of a row without them), so a
-- row rejected again by a second upload of the same file is one outstanding rejection,
-- and resolved_at is set when that file is entered at last.
CREATE TABLE backlog_import_errors (
    import_id   TEXT NOT NULL REFERENCES backlog_imports(id),
    line        INTEGER NOT NULL,
    campaign_id TEXT NOT NULL,
    center_id   TEXT NOT NULL DEFAULT '',
    row_key     TEXT COLLATE "C" NOT NULL,
    cells_json  TEXT NOT NULL,
    errors_json TEXT NOT NULL,
    resolved_at TIMESTAMPTZ,
    PRIMARY KEY (import_id, line)
);
CREATE INDEX backlog_import_errors_key ON backlog_import_errors(campaign_id, row_key);
CREATE INDEX backlog_import_errors_center ON backlog_import_errors(campaign_id, center_id);

CREATE TABLE backlog_records (
    id                 TEXT COLLATE "C" PRIMARY KEY,
    campaign_id        TEXT NOT NULL REFERENCES backlog_campaigns(id),
    center_id          TEXT NOT NULL REFERENCES centers(id),
    gov_code           TEXT NOT NULL,
    unit_code          TEXT NOT NULL,
    legacy_file_number TEXT COLLATE "C" NOT NULL,
    source             TEXT NOT NULL CHECK (source IN ('import', 'manual')),
    status             TEXT NOT NULL CHECK (status IN ('pending', 'entered', 'rejected')),
    check_status       TEXT NOT NULL CHECK (check_status IN ('none', 'awaiting', 'mismatch', 'matched', 'decided')),
    request_id         TEXT REFERENCES requests(id),
    row_hash           TEXT NOT NULL,
    first_json         TEXT NOT NULL DEFAULT '',
    second_json        TEXT NOT NULL DEFAULT '',
    mismatch           TEXT NOT NULL DEFAULT '',
    import_id          TEXT NOT NULL DEFAULT '',
    line               INTEGER NOT NULL DEFAULT 0,
    entered_by         TEXT NOT NULL DEFAULT '',
    entered_name       TEXT NOT NULL,
    entered_at         TIMESTAMPTZ NOT NULL,
    entered_on         DATE NOT NULL,
    counted_on         DATE,
    checked_by         TEXT NOT NULL DEFAULT '',
    checked_name       TEXT NOT NULL DEFAULT '',
    checked_at         TIMESTAMPTZ,
    checked_on         DATE,
    decided_by         TEXT NOT NULL DEFAULT '',
    decided_name       TEXT NOT NULL DEFAULT '',
    decided_at         TIMESTAMPTZ,
    note               TEXT NOT NULL DEFAULT '',
    version            INTEGER NOT NULL DEFAULT 1,
    updated_at         TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX backlog_records_file ON backlog_records(center_id, legacy_file_number) WHERE status <> 'rejected';
CREATE INDEX backlog_records_campaign ON backlog_records(campaign_id, center_id, status);
CREATE INDEX backlog_records_queue ON backlog_records(campaign_id, check_status, entered_at, id);
CREATE INDEX backlog_records_counted ON backlog_records(campaign_id, counted_on);
CREATE INDEX backlog_records_checked ON backlog_records(campaign_id, checked_on);
CREATE INDEX backlog_records_request ON backlog_records(request_id);
