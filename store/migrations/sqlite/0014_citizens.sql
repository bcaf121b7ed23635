-- Citizens (issue 5, online application). A citizen's account is a user holding the
-- citizen role; its national ID (unique among accounts) and its verified mobile number
-- live on the user record, and together they say which requests the citizen owns.
ALTER TABLE users ADD COLUMN national_id TEXT;
CREATE UNIQUE INDEX users_national_id ON users(national_id) WHERE national_id IS NOT NULL;

-- Sign-ups waiting for their one-time code, one per mobile number. The code is kept only
-- as a salted SHA-256; attempts counts wrong codes against the current one; sends,
-- window_started_at and last_sent_at limit how many codes one number gets, on every
-- instance alike. Once verified the row keeps only who it became (password and code
-- hashes are cleared) and the number's send counters.
CREATE TABLE citizen_signups (
    id                TEXT PRIMARY KEY,
    mobile            TEXT NOT NULL UNIQUE,
    national_id       TEXT NOT NULL,
    full_name         TEXT NOT NULL,
    password_hash     TEXT NOT NULL,
    locale            TEXT NOT NULL,
    code_salt         TEXT NOT NULL,
    code_hash         TEXT NOT NULL,
    code_expires_at   DATETIME NOT NULL,
    attempts          INTEGER NOT NULL DEFAULT 0,
    sends             INTEGER NOT NULL,
    window_started_at DATETIME NOT NULL,
    last_sent_at      DATETIME NOT NULL,
    verified_at       DATETIME,
    user_id           TEXT REFERENCES users(id),
    created_at        DATETIME NOT NULL,
    updated_at        DATETIME NOT NULL
);

-- A request's uploaded file names the required document it stands for ('' for another
-- document the citizen was asked for).
ALTER TABLE files ADD COLUMN document TEXT NOT NULL DEFAULT '';
