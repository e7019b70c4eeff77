/*
 * lifecycle.h - how a report task lives: started, running, finished
 * (SUCCESS, WARNING, ERROR, TEMP_ERROR) or cancelled (TERMINATED), and how
 * it is shown as TaskResultDetails and ReportResults.
 *
 * A task ends once it is due (its time came, or its last counted result
 * poll was made). One that ends with files is handed to the render queue
 * (snapshot.h) by whoever notices first (a read, or the queue's watcher)
 * and ends when its files are stored; until then it is running, with the
 * progress LIFECYCLE_WRITING. One without files ends in the database at
 * once. The store makes ending idempotent, so concurrent readers and
 * workers agree. No HTTP here; JSON values returned are owned by the
 * caller (cJSON_Delete).
 */
#ifndef ISC_REPORTS_LIFECYCLE_H
#define ISC_REPORTS_LIFECYCLE_H

#include <stddef.h>
#include <stdint.h>

#include "../core/err.h"
#include "../store/store.h"
#include "report.h"

struct cJSON;
struct snapshot;

/* How a new task will run: computed by the caller from flags (and later the control API). */
struct lifecycle_plan {
    int64_t duration_ms; /* runs this long (when polls < 0) */
    int polls;           /* >= 0: finishes after this many result polls instead */
    const char *outcome; /* "SUCCESS" (default when NULL), "WARNING", "ERROR", "TEMP_ERROR" */
    const char *outcome_messages; /* JSON array of TaskResultDetails messages; NULL: a default */
};

/* ReportResults.status for a completionStatus: SUCCESS, WARNING, FAILURE
 * (ERROR, TEMP_ERROR) or TERMINATED; NULL while running or for anything else. */
const char *lifecycle_status(const char *completion_status);

/*
 * Starts a report (or finds the running one with the same type and
 * arguments: *existing = 1). `canonical_args` and `formats` come from
 * report_validate(); `client_id` and `launcher` say who asked. `out` is
 * filled on ERR_OK and must be cleared with store_task_clear().
 */
enum err lifecycle_start(struct store *s, int64_t now_ms, const struct report_type *type,
                         const char *canonical_args, const char *formats, const char *client_id,
                         const char *launcher, const struct lifecycle_plan *plan,
                         struct store_task *out, int *existing);

/* The progress of a due task whose files are being written. */
#define LIFECYCLE_WRITING "Writing the report files..."

/*
 * Loads task `id` as it is at `now_ms`, finishing it first when it is due:
 * a task with files goes to `snap`'s queue and is loaded as still running
 * (this read never waits for a render); with `snap` NULL it ends at once
 * without files (for tests of the states alone). count_poll = 1 counts this read as
 * a result poll (for tasks that finish after N polls). Returns ERR_OK,
 * ERR_NOT_FOUND, or ERR_INTERNAL.
 */
enum err lifecycle_get(struct store *s, struct snapshot *snap, const char *id, int64_t now_ms,
                       int count_poll, struct store_task *out);

/* Cancels a running task (and its render, when `snap` has one): ERR_OK,
 * ERR_NOT_FOUND, ERR_BAD_REQUEST when it has already ended (reason in why),
 * ERR_INTERNAL. */
enum err lifecycle_cancel(struct store *s, struct snapshot *snap, const char *id, int64_t now_ms,
                          char *why, size_t whylen);

/*
 * Ends running task `t` at `completed_ms`: with its planned outcome and
 * `rows`, or, when `error` is not NULL, with ERROR, 0 rows and `error` as
 * its message. STORE_OK, STORE_NOT_FOUND when it had already ended (or is
 * gone), STORE_ERROR.
 */
int lifecycle_end(struct store *s, const struct store_task *t, int64_t completed_ms, int64_t rows,
                  const char *error);

/*
 * Tells the render queue `snap` about `t`, a task lifecycle_start() just
 * made (not one it found running), at `now_ms`: a task due at once that
 * makes files has its render queued now, with no look of the watcher; one
 * due later by time wakes the watcher then; one due by polls waits for them.
 */
void lifecycle_started(struct snapshot *snap, const struct store_task *t, int64_t now_ms);

/*
 * Ends or queues (as lifecycle_get() does) the tasks due by time at `now_ms`
 * that have not ended, oldest first, at most LIFECYCLE_DUE_BATCH of them:
 * *more is 1 when there may be more. What the render queue's watcher runs.
 * 0, or -1 on a database error.
 */
#define LIFECYCLE_DUE_BATCH 1024
int lifecycle_due(struct store *s, struct snapshot *snap, int64_t now_ms, int *more);

/* Nonzero when the task has ended. */
int lifecycle_done(const struct store_task *t);

/* Nonzero when task `id` exists in `store` (a struct store *) and has ended:
 * the keep test of a sweep of stored report files (spool_sweep). */
int lifecycle_id_done(void *store, const char *id);

/* TaskResultDetails for `t`; `org` goes into attributes.org. NULL on OOM. */
struct cJSON *lifecycle_task_json(const struct store_task *t, const char *org, int64_t now_ms);
/* ReportResults for `t`. NULL on OOM. */
struct cJSON *lifecycle_results_json(const struct store_task *t);

#endif
