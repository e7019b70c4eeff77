-- 008_task_index.sql: how tasks are found as they accumulate.
--   * tasks_running, the running-task lookup of startReport, gains
--     finish_at_ms as its last column. A task finishes on the first read
--     after it is due, so a task nobody polls keeps completed_ms NULL for
--     ever; with (report_type, arguments) alone, every such task of the same
--     type and arguments stayed in the range each startReport read. Now the
--     lookup reads two ranges, finish_at_ms IS NULL (tasks that end by polls)
--     and finish_at_ms > now, and never visits a task that is due.
--   * tasks_created orders tasks by creation time, for the retention by age
--     (server/store/tasks.c), which removes the tasks created before a moment.
DROP INDEX tasks_running;
CREATE INDEX tasks_running ON tasks (report_type, arguments, finish_at_ms)
    WHERE completed_ms IS NULL;
CREATE INDEX tasks_created ON tasks (created_ms);
