-- Request list and workload indexes.
--
-- request_events.request_id takes the "C" collation of the requests.id it references: with
-- the default collation, a join from requests to their events (r.id = e.request_id) could
-- not probe the (request_id, seq) index and read every event instead.
ALTER TABLE request_events ALTER COLUMN request_id TYPE TEXT COLLATE "C";
