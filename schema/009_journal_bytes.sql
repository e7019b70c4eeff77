-- 009_journal_bytes.sql: each journal row records how many bytes of text it
-- holds, so that the journal can stay under a byte budget as well as a row
-- count (server/store/journal.c keeps the running total). Rows already there
-- are measured here.
ALTER TABLE journal ADD COLUMN bytes INTEGER NOT NULL DEFAULT 0;
UPDATE journal SET bytes =
    coalesce(length(CAST(method AS BLOB)), 0) + coalesce(length(CAST(path AS BLOB)), 0) +
    coalesce(length(CAST(query AS BLOB)), 0) + coalesce(length(CAST(operation AS BLOB)), 0) +
    coalesce(length(CAST(version AS BLOB)), 0) + coalesce(length(CAST(client_id AS BLOB)), 0) +
    coalesce(length(CAST(tracking_id AS BLOB)), 0) + coalesce(length(CAST(host AS BLOB)), 0) +
    coalesce(length(CAST(request_headers AS BLOB)), 0) +
    coalesce(length(CAST(request_body AS BLOB)), 0) +
    coalesce(length(CAST(response_headers AS BLOB)), 0) +
    coalesce(length(CAST(response_type AS BLOB)), 0) +
    coalesce(length(CAST(response_body AS BLOB)), 0);
