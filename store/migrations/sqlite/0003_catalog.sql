-- Service catalog: national service definitions with the workflow as data, and the
-- versioned required durations and fees (national, or overridden per governorate).
-- Versions are only ever added: history is never rewritten.
CREATE TABLE services (
    code                TEXT PRIMARY KEY,
    category_key        TEXT NOT NULL,
    category_ar         TEXT NOT NULL,
    category_en         TEXT NOT NULL,
    name_ar             TEXT NOT NULL,
    name_en             TEXT NOT NULL,
    search_key          TEXT NOT NULL,
    fee_note            TEXT NOT NULL DEFAULT '',
    source              TEXT NOT NULL DEFAULT '',
    online              BOOLEAN NOT NULL DEFAULT 0,
    documents_json      TEXT NOT NULL,
    steps_json          TEXT NOT NULL,
    statutory_days      INTEGER,
    statutory_on_expiry TEXT NOT NULL DEFAULT '' CHECK (statutory_on_expiry IN ('', 'deemed_approved', 'escalate')),
    version             INTEGER NOT NULL DEFAULT 1,
    created_at          DATETIME NOT NULL,
    updated_at          DATETIME NOT NULL
);
CREATE INDEX services_category ON services(category_key, code);

CREATE TABLE service_durations (
    id             TEXT PRIMARY KEY,
    service_code   TEXT NOT NULL REFERENCES services(code),
    working_days   INTEGER NOT NULL CHECK (working_days > 0),
    effective_from TEXT NOT NULL,
    reason         TEXT NOT NULL,
    created_by     TEXT NOT NULL,
    created_at     DATETIME NOT NULL
);
CREATE INDEX service_durations_service ON service_durations(service_code, effective_from, created_at);

CREATE TABLE service_fees (
    id             TEXT PRIMARY KEY,
    service_code   TEXT NOT NULL REFERENCES services(code),
    gov_code       TEXT NOT NULL DEFAULT '',
    lines_json     TEXT NOT NULL,
    total_piasters INTEGER NOT NULL CHECK (total_piasters >= 0),
    effective_from TEXT NOT NULL,
    reason         TEXT NOT NULL,
    illustrative   BOOLEAN NOT NULL DEFAULT 0,
    created_by     TEXT NOT NULL,
    created_at     DATETIME NOT NULL
);
CREATE INDEX service_fees_service ON service_fees(service_code, gov_code, effective_from, created_at);
