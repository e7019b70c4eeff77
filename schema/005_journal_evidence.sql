-- 005_journal_evidence.sql: what the request journal keeps besides its
-- summary, for the HAR and NDJSON exports of GET /mock/requests: the Host the
-- request named, the request's and the answer's headers (the JSON text of a
-- HAR header array) and bodies, cut and with secrets masked before they are
-- stored (server/api/evidence.c). Rows from before this step have none.
ALTER TABLE journal ADD COLUMN host TEXT;
ALTER TABLE journal ADD COLUMN request_headers TEXT NOT NULL DEFAULT '[]';
ALTER TABLE journal ADD COLUMN request_body TEXT;             -- NULL: no body
ALTER TABLE journal ADD COLUMN request_size INTEGER NOT NULL DEFAULT 0;
ALTER TABLE journal ADD COLUMN response_headers TEXT NOT NULL DEFAULT '[]';
ALTER TABLE journal ADD COLUMN response_type TEXT;            -- NULL: no body (204, dropped)
ALTER TABLE journal ADD COLUMN response_body TEXT;            -- NULL: none kept (a stream)
ALTER TABLE journal ADD COLUMN response_size INTEGER NOT NULL DEFAULT 0; -- -1: streamed
