-- 007_tasks_due.sql: running tasks by the time they are due, so that the
-- report files' watcher (server/reports/snapshot.c) finds the due ones and
-- the next due time without reading every running task.
CREATE INDEX tasks_due ON tasks (finish_at_ms) WHERE completed_ms IS NULL;
