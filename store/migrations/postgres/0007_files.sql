-- Attachments: files users attach to records, kept in the database so every instance can
-- read them (CONVENTIONS.md, Files). owner_kind names the record type ("problem",
-- "finding", …) and owner_id its id; the web serves a file only after the access check of
-- its owner. Type and size were checked from the content before insert.
CREATE TABLE files (
    id           TEXT PRIMARY KEY,
    owner_kind   TEXT NOT NULL,
    owner_id     TEXT NOT NULL,
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes   INTEGER NOT NULL CHECK (size_bytes > 0),
    sha256       TEXT NOT NULL,
    data         BYTEA NOT NULL,
    created_by   TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX files_owner ON files(owner_kind, owner_id, created_at);
