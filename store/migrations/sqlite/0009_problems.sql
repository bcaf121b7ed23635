-- Problems inventory, support teams, resource needs and the equipment inventory.
--
-- problems: one row per ticket with its current state; problem_events is its history
-- (every change: who, when, the status it moved from and to, what the action set). The
-- summary's figures for a past period are derived from the events, never from the
-- current status, so a ticket resolved or reopened later does not move them.
-- problem_numbers hands out the ticket numbers people quote (one counter row).
-- support_team_members says which support agents belong to which escalation team: an
-- agent sees only the tickets escalated to one of its teams.
CREATE TABLE support_team_members (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id),
    team       TEXT NOT NULL CHECK (team IN ('ministry_it', 'planning', 'vendor')),
    added_by   TEXT NOT NULL,
    added_at   DATETIME NOT NULL,
    removed_by TEXT NOT NULL DEFAULT '',
    removed_at DATETIME
);
-- One current membership per user and team; ended ones stay (nothing is deleted).
CREATE UNIQUE INDEX support_team_members_current ON support_team_members(user_id, team) WHERE removed_at IS NULL;
CREATE INDEX support_team_members_team ON support_team_members(team, user_id) WHERE removed_at IS NULL;

CREATE TABLE equipment (
    id          TEXT PRIMARY KEY,
    center_id   TEXT NOT NULL REFERENCES centers(id),
    gov_code    TEXT NOT NULL,
    unit_code   TEXT NOT NULL,
    device_type TEXT NOT NULL CHECK (device_type IN ('pc', 'printer', 'scanner', 'receipt_printer',
                    'network_device', 'ups', 'other')),
    serial      TEXT NOT NULL UNIQUE,
    status      TEXT NOT NULL CHECK (status IN ('working', 'faulty', 'under_repair', 'retired')),
    notes       TEXT NOT NULL DEFAULT '',
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  DATETIME NOT NULL,
    updated_at  DATETIME NOT NULL
);
CREATE INDEX equipment_center ON equipment(center_id, device_type, serial);

CREATE TABLE problem_numbers (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    next_no INTEGER NOT NULL
);
INSERT INTO problem_numbers (id, next_no) VALUES (1, 1);

CREATE TABLE problems (
    id             TEXT PRIMARY KEY,
    number         INTEGER NOT NULL UNIQUE,
    center_id      TEXT NOT NULL REFERENCES centers(id),
    gov_code       TEXT NOT NULL,
    unit_code      TEXT NOT NULL,
    category       TEXT NOT NULL CHECK (category IN ('software', 'network', 'hardware', 'procedure', 'epayment', 'other')),
    severity       TEXT NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
    status         TEXT NOT NULL CHECK (status IN ('reported', 'accepted', 'escalated', 'in_progress', 'resolved',
                       'reopened', 'closed', 'merged')),
    target         TEXT NOT NULL DEFAULT '' CHECK (target IN ('', 'ministry_it', 'planning', 'vendor')),
    title          TEXT NOT NULL,
    description    TEXT NOT NULL,
    search_key     TEXT NOT NULL,
    equipment_id   TEXT REFERENCES equipment(id),
    merged_into    TEXT REFERENCES problems(id),
    resolution     TEXT NOT NULL DEFAULT '',
    reported_by    TEXT NOT NULL,
    reported_by_id TEXT NOT NULL DEFAULT '',
    reported_at    DATETIME NOT NULL,
    resolved_at    DATETIME,
    version        INTEGER NOT NULL DEFAULT 1,
    updated_at     DATETIME NOT NULL
);
-- Lists come newest first by number (numbers follow report order); the summary selects
-- by report time.
CREATE INDEX problems_reported ON problems(reported_at);
CREATE INDEX problems_gov_number ON problems(gov_code, number);
CREATE INDEX problems_center_number ON problems(center_id, number);
CREATE INDEX problems_target_number ON problems(target, number);
CREATE INDEX problems_status_number ON problems(status, number);
CREATE INDEX problems_equipment ON problems(equipment_id, number);

CREATE TABLE problem_events (
    id          TEXT PRIMARY KEY,
    problem_id  TEXT NOT NULL REFERENCES problems(id),
    seq         INTEGER NOT NULL,
    at          DATETIME NOT NULL,
    user_id     TEXT NOT NULL DEFAULT '',
    username    TEXT NOT NULL,
    action      TEXT NOT NULL,
    from_status TEXT NOT NULL DEFAULT '',
    to_status   TEXT NOT NULL,
    category    TEXT NOT NULL DEFAULT '',
    severity    TEXT NOT NULL DEFAULT '',
    target      TEXT NOT NULL DEFAULT '',
    related     TEXT NOT NULL DEFAULT '',
    note        TEXT NOT NULL DEFAULT '',
    UNIQUE (problem_id, seq)
);
CREATE INDEX problem_events_related ON problem_events(related) WHERE related <> '';

-- Resource needs raised by a governorate (optionally for one of its centers), decided by
-- the ministry and fulfilled in parts (need_deliveries).
CREATE TABLE needs (
    id                 TEXT PRIMARY KEY,
    gov_code           TEXT NOT NULL REFERENCES governorates(code),
    unit_code          TEXT NOT NULL DEFAULT '',
    center_id          TEXT REFERENCES centers(id),
    kind               TEXT NOT NULL CHECK (kind IN ('contract_engineers', 'computers', 'printers', 'scanners',
                           'uniforms', 'other')),
    quantity           INTEGER NOT NULL CHECK (quantity > 0),
    approved_quantity  INTEGER CHECK (approved_quantity > 0 AND approved_quantity <= quantity),
    delivered_quantity INTEGER NOT NULL DEFAULT 0 CHECK (delivered_quantity >= 0),
    justification      TEXT NOT NULL,
    status             TEXT NOT NULL CHECK (status IN ('raised', 'approved', 'refused', 'partly_fulfilled',
                           'fulfilled', 'cancelled')),
    decision_note      TEXT NOT NULL DEFAULT '',
    decided_by         TEXT NOT NULL DEFAULT '',
    decided_at         DATETIME,
    cancel_note        TEXT NOT NULL DEFAULT '',
    cancelled_at       DATETIME,
    raised_by          TEXT NOT NULL,
    raised_at          DATETIME NOT NULL,
    raised_on          TEXT NOT NULL,
    version            INTEGER NOT NULL DEFAULT 1,
    updated_at         DATETIME NOT NULL,
    CHECK (approved_quantity IS NULL OR delivered_quantity <= approved_quantity)
);
CREATE INDEX needs_raised ON needs(raised_at, id);
CREATE INDEX needs_gov_raised ON needs(gov_code, raised_at, id);

CREATE TABLE need_deliveries (
    id           TEXT PRIMARY KEY,
    need_id      TEXT NOT NULL REFERENCES needs(id),
    quantity     INTEGER NOT NULL CHECK (quantity > 0),
    delivered_on TEXT NOT NULL,
    note         TEXT NOT NULL DEFAULT '',
    recorded_by  TEXT NOT NULL,
    recorded_at  DATETIME NOT NULL
);
CREATE INDEX need_deliveries_need ON need_deliveries(need_id, delivered_on);
