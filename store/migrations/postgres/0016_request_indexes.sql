-- Request list and workload indexes.
--
-- request_events.request_id takes the "C" collation of the requests.id it references: with
-- the default collation, a join from requests to their events (r.id = e.request_id) could
-- not probe the (request_id, seq) index and read every event instead.
ALTER TABLE request_events ALTER COLUMN request_id TYPE TEXT COLLATE "C";

-- The overdue list (open requests past their due date, in due-date order): a partial
-- index over open requests only, whose condition is the list's own status filter word for
-- word, so both planners can use it instead of sorting every open request.
CREATE INDEX requests_open_due ON requests(due_date, id)
    WHERE status IN ('submitted', 'in_review', 'returned', 'awaiting_payment');
