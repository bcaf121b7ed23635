-- Inspection and follow-up committees (issue 4): committees and their members, visit
-- plans, versioned checklist templates, recorded visits with the score of every item,
-- findings and the corrective action each carries, with its history. Nothing is
-- deleted: members leave with a date, plans are cancelled with a reason, checklist
-- versions are only added (a visit keeps the version it was scored with), actions are
-- closed. Visits, plans, findings and actions carry their center's governorate and
-- district/city, so lists are filtered by territory in SQL.
CREATE TABLE committees (
    id         TEXT COLLATE "C" PRIMARY KEY,
    name_ar    TEXT NOT NULL,
    name_en    TEXT NOT NULL,
    gov_code   TEXT COLLATE "C" NOT NULL DEFAULT '', -- '' for a national committee
    version    INTEGER NOT NULL DEFAULT 1,
    created_by TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX committees_gov ON committees(gov_code, id);

CREATE TABLE committee_members (
    id           TEXT PRIMARY KEY,
    committee_id TEXT NOT NULL REFERENCES committees(id),
    user_id      TEXT NOT NULL REFERENCES users(id),
    body         TEXT NOT NULL CHECK (body IN ('inspection_sector', 'projects_unit', 'communications_admin')),
    joined_on    DATE NOT NULL,
    left_on      DATE
);
CREATE INDEX committee_members_committee ON committee_members(committee_id, left_on);
CREATE INDEX committee_members_user ON committee_members(user_id, left_on);

CREATE TABLE checklists (
    id              TEXT COLLATE "C" PRIMARY KEY,
    code            TEXT COLLATE "C" NOT NULL UNIQUE,
    name_ar         TEXT NOT NULL,
    name_en         TEXT NOT NULL,
    current_version INTEGER NOT NULL,
    created_by      TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);

CREATE TABLE checklist_versions (
    id           TEXT PRIMARY KEY,
    checklist_id TEXT NOT NULL REFERENCES checklists(id),
    version      INTEGER NOT NULL,
    note         TEXT NOT NULL DEFAULT '',
    created_by   TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    UNIQUE (checklist_id, version)
);

CREATE TABLE checklist_items (
    id         TEXT PRIMARY KEY,
    version_id TEXT NOT NULL REFERENCES checklist_versions(id),
    seq        INTEGER NOT NULL,
    item_key   TEXT NOT NULL,
    name_ar    TEXT NOT NULL,
    name_en    TEXT NOT NULL,
    guide_ar   TEXT NOT NULL DEFAULT '',
    guide_en   TEXT NOT NULL DEFAULT '',
    weight     INTEGER NOT NULL CHECK (weight BETWEEN 1 AND 100),
    UNIQUE (version_id, item_key),
    UNIQUE (version_id, seq)
);

CREATE TABLE visit_plans (
    id               TEXT COLLATE "C" PRIMARY KEY,
    committee_id     TEXT NOT NULL REFERENCES committees(id),
    center_id        TEXT COLLATE "C" NOT NULL REFERENCES centers(id),
    gov_code         TEXT COLLATE "C" NOT NULL,
    unit_code        TEXT NOT NULL,
    planned_on       DATE NOT NULL,
    first_planned_on DATE NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('planned', 'postponed', 'done', 'cancelled')),
    purpose          TEXT NOT NULL DEFAULT '',
    reason           TEXT NOT NULL DEFAULT '',
    visit_id         TEXT NOT NULL DEFAULT '',
    version          INTEGER NOT NULL DEFAULT 1,
    created_by       TEXT NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL
);
CREATE INDEX visit_plans_date ON visit_plans(planned_on, id);
CREATE INDEX visit_plans_gov ON visit_plans(gov_code, planned_on, id);
CREATE INDEX visit_plans_committee ON visit_plans(committee_id, planned_on, id);

CREATE TABLE visit_plan_members (
    plan_id TEXT NOT NULL REFERENCES visit_plans(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    PRIMARY KEY (plan_id, user_id)
);
CREATE INDEX visit_plan_members_user ON visit_plan_members(user_id);

CREATE TABLE visits (
    id                   TEXT COLLATE "C" PRIMARY KEY,
    center_id            TEXT COLLATE "C" NOT NULL REFERENCES centers(id),
    gov_code             TEXT COLLATE "C" NOT NULL,
    unit_code            TEXT NOT NULL,
    committee_id         TEXT COLLATE "C" NOT NULL REFERENCES committees(id),
    plan_id              TEXT NOT NULL DEFAULT '',
    checklist_version_id TEXT NOT NULL REFERENCES checklist_versions(id),
    visited_on           DATE NOT NULL,
    score                INTEGER NOT NULL CHECK (score BETWEEN 0 AND 100),
    summary              TEXT NOT NULL DEFAULT '',
    recorded_by          TEXT NOT NULL,
    recorded_by_name     TEXT NOT NULL,
    created_at           TIMESTAMPTZ NOT NULL
);
CREATE INDEX visits_date ON visits(visited_on, id);
CREATE INDEX visits_gov ON visits(gov_code, visited_on, id);
CREATE INDEX visits_center ON visits(center_id, visited_on, id);
CREATE INDEX visits_committee ON visits(committee_id, visited_on, id);

CREATE TABLE visit_items (
    visit_id TEXT NOT NULL REFERENCES visits(id),
    item_id  TEXT NOT NULL REFERENCES checklist_items(id),
    score    INTEGER NOT NULL CHECK (score BETWEEN 0 AND 2),
    note     TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (visit_id, item_id)
);

CREATE TABLE findings (
    id          TEXT PRIMARY KEY,
    visit_id    TEXT NOT NULL REFERENCES visits(id),
    center_id   TEXT NOT NULL REFERENCES centers(id),
    gov_code    TEXT NOT NULL,
    unit_code   TEXT NOT NULL,
    category    TEXT NOT NULL CHECK (category IN ('staff', 'equipment', 'systems', 'premises', 'citizen_service',
                    'procedure', 'records', 'other')),
    severity    TEXT NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
    description TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX findings_visit ON findings(visit_id, created_at);

CREATE TABLE corrective_actions (
    id            TEXT COLLATE "C" PRIMARY KEY,
    finding_id    TEXT NOT NULL UNIQUE REFERENCES findings(id),
    visit_id      TEXT NOT NULL REFERENCES visits(id),
    center_id     TEXT COLLATE "C" NOT NULL REFERENCES centers(id),
    gov_code      TEXT COLLATE "C" NOT NULL,
    unit_code     TEXT NOT NULL,
    description   TEXT NOT NULL,
    owner_user_id TEXT NOT NULL DEFAULT '', -- a user who owns it, or
    owner_name    TEXT NOT NULL DEFAULT '', -- a named party
    due_date      DATE NOT NULL,
    status        TEXT COLLATE "C" NOT NULL CHECK (status IN ('open', 'in_progress', 'done', 'closed')),
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    closed_at     TIMESTAMPTZ
);
CREATE INDEX corrective_actions_due ON corrective_actions(due_date, id);
CREATE INDEX corrective_actions_gov ON corrective_actions(gov_code, status, due_date, id);
CREATE INDEX corrective_actions_center ON corrective_actions(center_id, due_date, id);
CREATE INDEX corrective_actions_owner ON corrective_actions(owner_user_id, due_date, id);

CREATE TABLE corrective_action_events (
    id        TEXT PRIMARY KEY,
    action_id TEXT NOT NULL REFERENCES corrective_actions(id),
    seq       INTEGER NOT NULL,
    at        TIMESTAMPTZ NOT NULL,
    user_id   TEXT NOT NULL DEFAULT '',
    username  TEXT NOT NULL,
    from_status TEXT NOT NULL DEFAULT '',
    to_status   TEXT NOT NULL,
    due_date  DATE,
    note      TEXT NOT NULL DEFAULT '',
    UNIQUE (action_id, seq)
);

-- Reference data: the national default checklist, so that every deployment can record
-- visits from its first day. Later versions are added through the application.
INSERT INTO checklists (id, code, name_ar, name_en, current_version, created_by, created_at, updated_at)
VALUES ('01980000-0000-7000-8000-000000000001', 'STANDARD', 'قائمة المتابعة الموحدة للمراكز التكنولوجية',
    'Standard follow-up checklist for technology centers', 1, 'system', '2025-07-01 00:00:00+00:00', '2025-07-01 00:00:00+00:00');
INSERT INTO checklist_versions (id, checklist_id, version, note, created_by, created_at)
VALUES ('01980000-0000-7000-8000-000000000002', '01980000-0000-7000-8000-000000000001', 1, 'National default', 'system', '2025-07-01 00:00:00+00:00');
INSERT INTO checklist_items (id, version_id, seq, item_key, name_ar, name_en, guide_ar, guide_en, weight) VALUES
    ('01980000-0000-7000-8000-000000000101', '01980000-0000-7000-8000-000000000002', 1, 'staff_present', 'حضور العاملين في أماكنهم خلال مواعيد العمل', 'Staff present at their posts during working hours',
        'نعم: الجميع حاضرون؛ جزئيًا: غياب موظف واحد؛ لا: غياب أكثر من موظف أو شباك مغلق', 'Yes: all present; Partly: one absent; No: more than one absent or a counter closed', 3),
    ('01980000-0000-7000-8000-000000000102', '01980000-0000-7000-8000-000000000002', 2, 'staff_uniform', 'الالتزام بالزي الموحد وبطاقات التعريف', 'Staff in uniform with name badges',
        'نعم: الجميع؛ جزئيًا: البعض؛ لا: لا أحد', 'Yes: everyone; Partly: some; No: nobody', 2),
    ('01980000-0000-7000-8000-000000000103', '01980000-0000-7000-8000-000000000002', 3, 'equipment_working', 'الأجهزة تعمل (حاسبات وطابعات وماسحات ضوئية)', 'Equipment working (computers, printers, scanners)',
        'نعم: كلها تعمل؛ جزئيًا: جهاز واحد معطل؛ لا: أكثر من جهاز معطل', 'Yes: all working; Partly: one device down; No: more than one down', 3),
    ('01980000-0000-7000-8000-000000000104', '01980000-0000-7000-8000-000000000002', 4, 'system_network', 'المنظومة والشبكة متاحتان', 'System and network available',
        'نعم: متاحة طوال الزيارة؛ جزئيًا: انقطاعات قصيرة؛ لا: متوقفة', 'Yes: up throughout the visit; Partly: short outages; No: down', 3),
    ('01980000-0000-7000-8000-000000000105', '01980000-0000-7000-8000-000000000002', 5, 'separation', 'الفصل بين طالب الخدمة ومقدمها (التعامل من خلال الشباك فقط)', 'Separation of citizen and clerk (service at the counter only)',
        'نعم: لا تعامل مباشر مع المكاتب الخلفية؛ جزئيًا: حالات عارضة؛ لا: المواطنون داخل المكاتب', 'Yes: no direct contact with the back office; Partly: occasional; No: citizens inside the offices', 3),
    ('01980000-0000-7000-8000-000000000106', '01980000-0000-7000-8000-000000000002', 6, 'waiting_time', 'زمن الانتظار', 'Waiting time',
        'نعم: أقل من 15 دقيقة؛ جزئيًا: من 15 إلى 30 دقيقة؛ لا: أكثر من 30 دقيقة', 'Yes: under 15 minutes; Partly: 15 to 30 minutes; No: over 30 minutes', 2),
    ('01980000-0000-7000-8000-000000000107', '01980000-0000-7000-8000-000000000002', 7, 'signage', 'اللافتات: الخدمات والرسوم والمستندات المطلوبة معلنة', 'Signage: services, fees and required documents displayed',
        'نعم: كاملة وواضحة؛ جزئيًا: ناقصة؛ لا: لا توجد', 'Yes: complete and clear; Partly: incomplete; No: none', 2),
    ('01980000-0000-7000-8000-000000000108', '01980000-0000-7000-8000-000000000002', 8, 'manual_at_hand', 'دليل التشغيل متاح للعاملين', 'Operating manual at hand',
        'نعم: متاح ويعرفه العاملون؛ جزئيًا: متاح ولا يُستخدم؛ لا: غير متاح', 'Yes: at hand and known; Partly: present but unused; No: missing', 1),
    ('01980000-0000-7000-8000-000000000109', '01980000-0000-7000-8000-000000000002', 9, 'backlog', 'المتأخرات (ملفات لم تُنجز في مواعيدها)', 'Backlog (files not finished on time)',
        'نعم: لا توجد؛ جزئيًا: أقل من 50 ملفًا؛ لا: 50 ملفًا أو أكثر (اكتب العدد في الملاحظة)', 'Yes: none; Partly: under 50 files; No: 50 files or more (write the count in the note)', 2),
    ('01980000-0000-7000-8000-000000000110', '01980000-0000-7000-8000-000000000002', 10, 'e_payment', 'الدفع الإلكتروني متاح', 'Electronic payment available',
        'نعم: يعمل؛ جزئيًا: يعمل أحيانًا؛ لا: غير متاح', 'Yes: working; Partly: intermittent; No: not available', 2),
    ('01980000-0000-7000-8000-000000000111', '01980000-0000-7000-8000-000000000002', 11, 'hall_ready', 'نظافة الصالة وتهيئتها (مقاعد وإتاحة لذوي الهمم)', 'Clean, ready hall (seating, access for people with disabilities)',
        'نعم: جيدة؛ جزئيًا: مقبولة؛ لا: غير مقبولة', 'Yes: good; Partly: acceptable; No: unacceptable', 1),
    ('01980000-0000-7000-8000-000000000112', '01980000-0000-7000-8000-000000000002', 12, 'complaints', 'وسيلة تلقي الشكاوى معلنة ومتابعة', 'A way to complain is displayed and followed',
        'نعم: معلنة وتُتابع؛ جزئيًا: معلنة ولا تُتابع؛ لا: لا توجد', 'Yes: displayed and followed; Partly: displayed, not followed; No: none', 1);
