-- Request list and workload indexes (PostgreSQL also aligns request_events.request_id
-- with the collation of requests.id; SQLite has nothing to align).

-- The overdue list (open requests past their due date, in due-date order): a partial
-- index over open requests only, whose condition is the list's own status filter word for
-- word, so both planners can use it instead of sorting every open request.
CREATE INDEX requests_open_due ON requests(due_date, id)
    WHERE status IN ('submitted', 'in_review', 'returned', 'awaiting_payment');
