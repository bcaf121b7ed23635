-- Training: courses (national or of one governorate) with their audience roles, sessions
-- held by a trainer, and the enrolment of staff with attendance and results. Nothing is
-- deleted: a course is retired, a session cancelled with a reason, an enrolment withdrawn.
CREATE TABLE training_courses (
    id             TEXT PRIMARY KEY,
    code           TEXT COLLATE "C" NOT NULL UNIQUE,
    name_ar        TEXT NOT NULL,
    name_en        TEXT NOT NULL,
    search_key     TEXT NOT NULL,
    topic          TEXT NOT NULL,
    duration_hours INTEGER NOT NULL CHECK (duration_hours > 0),
    gov_code       TEXT NOT NULL DEFAULT '',
    retired_on     DATE,
    version        INTEGER NOT NULL DEFAULT 1,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX training_courses_gov ON training_courses(gov_code, code);

-- The roles a course is meant for; enrolment requires holding one of them.
CREATE TABLE training_course_roles (
    course_id TEXT NOT NULL REFERENCES training_courses(id),
    role      TEXT NOT NULL,
    PRIMARY KEY (course_id, role)
);

CREATE TABLE training_sessions (
    id            TEXT PRIMARY KEY,
    course_id     TEXT NOT NULL REFERENCES training_courses(id),
    gov_code      TEXT NOT NULL DEFAULT '',
    starts_on     DATE NOT NULL,
    ends_on       DATE NOT NULL,
    place         TEXT NOT NULL,
    trainer_id    TEXT NOT NULL REFERENCES users(id),
    capacity      INTEGER NOT NULL CHECK (capacity > 0),
    cancelled_on  DATE,
    cancel_reason TEXT NOT NULL DEFAULT '',
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    CHECK (ends_on >= starts_on)
);
CREATE INDEX training_sessions_gov ON training_sessions(gov_code, starts_on, id);
CREATE INDEX training_sessions_start ON training_sessions(starts_on, id);
CREATE INDEX training_sessions_course ON training_sessions(course_id, starts_on);
CREATE INDEX training_sessions_ends ON training_sessions(ends_on);

-- One row per trainee and session (enrolling twice is impossible; a withdrawn trainee
-- enrolled again gets the same row back). role and the territory columns are those of
-- the assignment that qualified the trainee, for scoping and reports.
CREATE TABLE training_enrolments (
    id           TEXT PRIMARY KEY,
    session_id   TEXT NOT NULL REFERENCES training_sessions(id),
    user_id      TEXT NOT NULL REFERENCES users(id),
    role         TEXT NOT NULL,
    gov_code     TEXT NOT NULL DEFAULT '',
    unit_code    TEXT NOT NULL DEFAULT '',
    center_id    TEXT NOT NULL DEFAULT '',
    attendance   TEXT NOT NULL DEFAULT '' CHECK (attendance IN ('', 'attended', 'absent')),
    result       TEXT NOT NULL DEFAULT '' CHECK (result IN ('', 'passed', 'failed')),
    score        INTEGER CHECK (score BETWEEN 0 AND 100),
    withdrawn_at TIMESTAMPTZ,
    enrolled_by  TEXT NOT NULL DEFAULT '',
    version      INTEGER NOT NULL DEFAULT 1,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    UNIQUE (session_id, user_id),
    CHECK (result = '' OR attendance = 'attended')
);
CREATE INDEX training_enrolments_user ON training_enrolments(user_id, session_id);

-- Coverage reads the staff of each role in a territory.
CREATE INDEX assignments_role ON assignments(role, gov_code, center_id);
