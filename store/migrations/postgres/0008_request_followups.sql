-- Request follow-ups (issue 3).
--
-- Holidays of one center (center_id; gov_code is then the center's governorate): a
-- center's calendar is its governorate's and the nation's holidays plus its own. The
-- in-use uniqueness becomes per authority (governorate, center) and date.
ALTER TABLE holidays ADD COLUMN center_id TEXT NOT NULL DEFAULT '';
DROP INDEX holidays_in_use;
CREATE UNIQUE INDEX holidays_in_use ON holidays(gov_code, center_id, date) WHERE retired_at IS NULL;

-- A request escalated to its center's manager: when, and why ('step': a workflow step
-- overstayed its limit; 'statutory': the statutory deadline passed with on_expiry
-- escalate). Cleared when the request moves on (see request.KeepEscalation).
ALTER TABLE requests ADD COLUMN escalated_at TIMESTAMPTZ;
ALTER TABLE requests ADD COLUMN escalation_reason TEXT NOT NULL DEFAULT '';
CREATE INDEX requests_escalated ON requests(center_id, due_date, id) WHERE escalated_at IS NOT NULL;

-- The SHA-256 of the canonical registration a key was first used with: the same key
-- with another body is refused instead of answering with the first request.
ALTER TABLE idempotency_keys ADD COLUMN body_sha256 TEXT NOT NULL DEFAULT '';

-- Staff workload: events by user and time.
CREATE INDEX request_events_user ON request_events(user_id, at);

-- The default workflow lists every action its statuses need (the hand-over step makes a
-- decided result ready; the decision step takes back what it returned, or cancels).
-- Only services still on the old default are changed; edited workflows are left as
-- their administrators made them.
UPDATE services SET steps_json = '[{"key":"intake","role":"clerk","actions":["forward","cancel"],"limit_working_days":1},{"key":"review","role":"backoffice","actions":["forward","return","complete","request_payment","cancel"],"limit_working_days":5},{"key":"decision","role":"center_manager","actions":["approve","reject","return","complete","cancel"],"limit_working_days":2},{"key":"ready","role":"clerk","actions":["forward","deliver"]}]'
WHERE steps_json = '[{"key":"intake","role":"clerk","actions":["forward","complete","cancel"],"limit_working_days":1},{"key":"review","role":"backoffice","actions":["forward","return","complete","request_payment","cancel"],"limit_working_days":5},{"key":"decision","role":"center_manager","actions":["approve","reject","return"],"limit_working_days":2},{"key":"ready","role":"clerk","actions":["deliver"]}]';
