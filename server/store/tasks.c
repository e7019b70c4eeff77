/*
 * tasks.c - report tasks and the audit events of their downloads (see
 * store.h): starting a task atomically against a running twin, reading,
 * finishing and polling it, the retention policy that removes old tasks as
 * new ones start, and the audit trail.
 */
#include "query.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void store_task_clear(struct store_task *t)
{
    if (!t)
        return;
    free(t->arguments);
    free(t->outcome_messages);
    free(t->messages);
    memset(t, 0, sizeof(*t));
}

/* Row callback: a row of STORE_TASK_COLS into the struct store_task at ud (owned
 * strings allocated; STORE_ERROR and a cleared task on OOM). */
static int task_row(void *ud, sqlite3_stmt *st)
{
    struct store_task *t = ud;
    memset(t, 0, sizeof(*t));
    store_col_copy(st, 0, t->id, sizeof(t->id));
    store_col_copy(st, 1, t->report_type, sizeof(t->report_type));
    store_col_copy(st, 2, t->task_def_name, sizeof(t->task_def_name));
    store_col_copy(st, 3, t->description, sizeof(t->description));
    store_col_copy(st, 4, t->launcher, sizeof(t->launcher));
    store_col_copy(st, 5, t->client_id, sizeof(t->client_id));
    t->arguments = store_col_dup(st, 6);
    t->created_ms = sqlite3_column_int64(st, 7);
    t->launched_ms = sqlite3_column_int64(st, 8);
    t->completed_ms = sqlite3_column_int64(st, 9);
    store_col_copy(st, 10, t->completion_status, sizeof(t->completion_status));
    t->finish_at_ms = sqlite3_column_int64(st, 11);
    t->polls_left = (int)store_col_int_or(st, 12, -1);
    store_col_copy(st, 13, t->outcome, sizeof(t->outcome));
    t->outcome_messages = store_col_dup(st, 14);
    t->messages = store_col_dup(st, 15);
    t->rows = store_col_int_or(st, 16, -1);
    store_col_copy(st, 17, t->formats, sizeof(t->formats));
    store_col_copy(st, 18, t->progress, sizeof(t->progress));
    if (!t->arguments || !t->outcome_messages || !t->messages) {
        store_task_clear(t);
        return STORE_ERROR;
    }
    return STORE_ROW_STOP;
}

static int task_get_locked(struct store *s, const char *id, struct store_task *out)
{
    return store_read_locked(s, "task get", "SELECT " STORE_TASK_COLS " FROM tasks WHERE id = ?",
                             STORE_ARGS(STORE_TEXT(id)), task_row, out);
}

static int task_insert_locked(struct store *s, const struct store_task *t)
{
    int by_polls = t->polls_left >= 0;
    return store_write_locked(
        s, "task insert",
        "INSERT INTO tasks (id, report_type, task_def_name, description, launcher, client_id,"
        " arguments, created_ms, launched_ms, finish_at_ms, polls_left, outcome,"
        " outcome_messages, messages, formats, progress)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        STORE_ARGS(STORE_TEXT(t->id), STORE_TEXT(t->report_type), STORE_TEXT(t->task_def_name),
                   STORE_TEXT(t->description), STORE_TEXT(t->launcher), STORE_TEXT(t->client_id),
                   STORE_TEXT(t->arguments), STORE_INT(t->created_ms), STORE_INT(t->launched_ms),
                   STORE_INT_IF(!by_polls, t->finish_at_ms), STORE_INT_IF(by_polls, t->polls_left),
                   STORE_TEXT(t->outcome[0] ? t->outcome : "SUCCESS"),
                   STORE_TEXT(t->outcome_messages ? t->outcome_messages : "[]"),
                   STORE_TEXT(t->messages ? t->messages : "[]"),
                   STORE_TEXT(t->formats[0] ? t->formats : "CSV,PDF"),
                   STORE_TEXT_OR_NULL(t->progress)));
}

/* Row callback of the retention's DELETE ... RETURNING id: notes the id for
 * the store's task_removed hook, which hears of it once the transaction
 * commits (a hook that removes files must not act on a removal that a failed
 * commit undoes). STORE_ERROR on OOM: the transaction then rolls back. */
static int task_removed_row(void *ud, sqlite3_stmt *st)
{
    struct store *s = ud;
    const char *id = (const char *)sqlite3_column_text(st, 0);
    if (!s->task_removed || !id)
        return STORE_ROW_NEXT;
    if (s->ngone == s->gone_cap) {
        size_t cap = s->gone_cap ? s->gone_cap * 2 : 64;
        char(*grown)[STORE_ID_LEN] = realloc(s->gone, cap * sizeof(*grown));
        if (!grown)
            return STORE_ERROR;
        s->gone = grown;
        s->gone_cap = cap;
    }
    snprintf(s->gone[s->ngone++], STORE_ID_LEN, "%s", id);
    return STORE_ROW_NEXT;
}

/* After the retention's transaction: tells the hook each removed id when it
 * committed (rc not STORE_ERROR), and forgets them either way. */
static void tell_removed_locked(struct store *s, int rc)
{
    for (size_t i = 0; rc != STORE_ERROR && i < s->ngone; i++)
        s->task_removed(s->task_removed_ud, s->gone[i]);
    free(s->gone);
    s->gone = NULL;
    s->ngone = s->gone_cap = 0;
}

/*
 * Applies the retention policy after the task of sequence number `last` was
 * inserted (or, with last 0, to whatever the table holds): the tasks of
 * sequence number `last - task_max` and older, and those created before
 * now_ms - task_max_age_ms. Both are index ranges (the rowid and
 * tasks_created), so a start removes what it pushed out in O(log n). Sequence
 * numbers only grow and rows leave from the old end (or all at once), so the
 * newest task_max are kept. Past task_max, tasks go in batches of
 * STORE_TASK_BATCH(task_max): each removal rewrites the pages of the rows it
 * removes, and one removal of 64 neighbours rewrites far fewer pages than 64
 * removals of one.
 */
static int task_retain_locked(struct store *s, int64_t last, int64_t now_ms)
{
    int rc = STORE_OK;
    int64_t batch = last == 0 ? 1 : STORE_TASK_BATCH(s->task_max);
    if (s->task_max > 0 && last == 0)
        rc = store_read_locked(s, "task retention", "SELECT max(seq) FROM tasks", STORE_NO_ARGS,
                               store_row_int64, &last);
    if (rc == STORE_ERROR)
        return STORE_ERROR;
    if (s->task_max > 0 && last > s->task_max && (last - s->task_max) % batch == 0 &&
        store_read_locked(s, "task retention", "DELETE FROM tasks WHERE seq <= ? RETURNING id",
                          STORE_ARGS(STORE_INT(last - s->task_max)), task_removed_row,
                          s) == STORE_ERROR)
        return STORE_ERROR;
    if (s->task_max_age_ms > 0 &&
        store_read_locked(
            s, "task retention", "DELETE FROM tasks WHERE created_ms < ? RETURNING id",
            STORE_ARGS(STORE_INT(now_ms - s->task_max_age_ms)), task_removed_row, s) == STORE_ERROR)
        return STORE_ERROR;
    return STORE_OK;
}

/* The body of store_task_retention's transaction; ud: the now_ms. */
static int task_retain_tx(struct store *s, void *ud)
{
    return task_retain_locked(s, 0, *(const int64_t *)ud);
}

int store_task_retention(struct store *s, int64_t max_tasks, int64_t max_age_ms, int64_t now_ms,
                         void (*removed)(void *ud, const char *id), void *ud)
{
    store_enter(s, STORE_WRITE);
    s->task_max = max_tasks > 0 ? max_tasks : 0;
    s->task_max_age_ms = max_age_ms > 0 ? max_age_ms : 0;
    s->task_removed = removed;
    s->task_removed_ud = ud;
    /* A write transaction only when something may go: an idle start with a
     * small table stays a read. */
    int64_t n = 0;
    int rc = store_read_locked(s, "task retention", "SELECT count(*) FROM tasks", STORE_NO_ARGS,
                               store_row_int64, &n);
    if (rc != STORE_ERROR && ((s->task_max > 0 && n > s->task_max) || s->task_max_age_ms > 0))
        rc = store_tx_locked(s, "task retention", task_retain_tx, &now_ms);
    tell_removed_locked(s, rc);
    store_leave(s);
    return rc == STORE_ERROR ? STORE_ERROR : STORE_OK;
}

struct task_start {
    struct store_task *t;
    int64_t now_ms;
    int *existing;
};

/* Row callback: copies the id in column 0. */
static int task_id_row(void *ud, sqlite3_stmt *st)
{
    store_col_copy(st, 0, ud, STORE_ID_LEN);
    return STORE_ROW_STOP;
}

/* The body of store_task_start's transaction. */
static int task_start_tx(struct store *s, void *ud)
{
    struct task_start *ts = ud;
    char id[STORE_ID_LEN];
    /* A task is running while it has no completion and is not yet due. */
    int rc = store_read_locked(s, "task start", STORE_TASK_RUNNING_SQL,
                               STORE_ARGS(STORE_TEXT(ts->t->report_type),
                                          STORE_TEXT(ts->t->arguments), STORE_INT(ts->now_ms)),
                               task_id_row, id);
    if (rc == STORE_NOT_FOUND) {
        if (task_insert_locked(s, ts->t) != STORE_OK)
            return STORE_ERROR;
        return task_retain_locked(s, sqlite3_last_insert_rowid(s->db), ts->now_ms);
    }
    if (rc != STORE_OK)
        return STORE_ERROR;
    struct store_task found;
    if (task_get_locked(s, id, &found) != STORE_OK)
        return STORE_ERROR;
    store_task_clear(ts->t);
    *ts->t = found;
    *ts->existing = 1;
    return STORE_OK;
}

int store_task_start(struct store *s, struct store_task *t, int64_t now_ms, int *existing)
{
    struct task_start ts = {t, now_ms, existing};
    *existing = 0;
    store_enter(s, STORE_WRITE);
    int rc = store_tx_locked(s, "task start", task_start_tx, &ts);
    tell_removed_locked(s, rc);
    store_leave(s);
    return rc;
}

int store_task_get(struct store *s, const char *id, struct store_task *out)
{
    store_enter(s, STORE_READ);
    int rc = task_get_locked(s, id, out);
    store_leave(s);
    return rc;
}

int store_task_finish(struct store *s, const char *id, const char *status, int64_t completed_ms,
                      int64_t rows, const char *messages_json)
{
    return store_write(
        s, "task finish",
        "UPDATE tasks SET completed_ms = ?, completion_status = ?, rows = ?,"
        " messages = ?, progress = NULL, polls_left = NULL"
        " WHERE id = ? AND completed_ms IS NULL",
        STORE_ARGS(STORE_INT(completed_ms), STORE_TEXT(status), STORE_INT_IF(rows >= 0, rows),
                   STORE_TEXT(messages_json ? messages_json : "[]"), STORE_TEXT(id)));
}

int store_task_poll(struct store *s, const char *id, int *left)
{
    return store_write_returning(s, "task poll",
                                 "UPDATE tasks SET polls_left = max(polls_left - 1, 0)"
                                 " WHERE id = ? AND completed_ms IS NULL AND polls_left IS NOT NULL"
                                 " RETURNING polls_left",
                                 STORE_ARGS(STORE_TEXT(id)), store_row_int, left);
}

static int task_each_row(void *ud, sqlite3_stmt *st)
{
    const struct store_each *e = ud;
    struct store_task t;
    if (task_row(&t, st) == STORE_ERROR)
        return STORE_ERROR;
    int stop = e->fn.task(e->ud, &t);
    store_task_clear(&t);
    return store_each_next(stop);
}

int store_task_each(struct store *s, int limit, int (*fn)(void *ud, const struct store_task *t),
                    void *ud)
{
    return store_read_each(
        s, "task list", "SELECT " STORE_TASK_COLS " FROM tasks ORDER BY seq DESC LIMIT ?",
        STORE_ARGS(STORE_INT(limit)), task_each_row, (struct store_each){.fn.task = fn, .ud = ud});
}

/* ---- audit ---- */

int store_audit_add(struct store *s, const struct store_audit *a)
{
    store_enter(s, STORE_WRITE);
    int rc = store_write_locked(s, "audit add",
                                "INSERT INTO audit_events (at_ms, client_id, user_name, task_id,"
                                " report_type, file_format, file_name, tracking_id)"
                                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                                STORE_ARGS(STORE_INT(a->at_ms), STORE_TEXT(a->client_id),
                                           STORE_TEXT(a->user_name), STORE_TEXT(a->task_id),
                                           STORE_TEXT(a->report_type), STORE_TEXT(a->file_format),
                                           STORE_TEXT(a->file_name), STORE_TEXT(a->tracking_id)));
    /* Keep the newest STORE_AUDIT_KEPT: trimmed once per STORE_AUDIT_TRIM inserts
     * (the id is the rowid, and AUTOINCREMENT never reuses one). */
    sqlite3_int64 last = sqlite3_last_insert_rowid(s->db);
    if (rc == STORE_OK && last % STORE_AUDIT_TRIM == 0 && last > STORE_AUDIT_KEPT)
        rc = store_write_locked(s, "audit trim", "DELETE FROM audit_events WHERE id <= ?",
                                STORE_ARGS(STORE_INT(last - STORE_AUDIT_KEPT)));
    store_leave(s);
    return rc == STORE_ERROR ? STORE_ERROR : STORE_OK;
}

static int audit_each_row(void *ud, sqlite3_stmt *st)
{
    const struct store_each *e = ud;
    struct store_audit a;
    a.id = sqlite3_column_int64(st, 0);
    a.at_ms = sqlite3_column_int64(st, 1);
    store_col_copy(st, 2, a.client_id, sizeof(a.client_id));
    store_col_copy(st, 3, a.user_name, sizeof(a.user_name));
    store_col_copy(st, 4, a.task_id, sizeof(a.task_id));
    store_col_copy(st, 5, a.report_type, sizeof(a.report_type));
    store_col_copy(st, 6, a.file_format, sizeof(a.file_format));
    store_col_copy(st, 7, a.file_name, sizeof(a.file_name));
    store_col_copy(st, 8, a.tracking_id, sizeof(a.tracking_id));
    return store_each_next(e->fn.audit(e->ud, &a));
}

int store_audit_each(struct store *s, int limit, int (*fn)(void *ud, const struct store_audit *a),
                     void *ud)
{
    return store_read_each(s, "audit list",
                           "SELECT id, at_ms, client_id, user_name, task_id,"
                           " report_type, file_format, file_name, tracking_id"
                           " FROM audit_events ORDER BY id DESC LIMIT ?",
                           STORE_ARGS(STORE_INT(limit)), audit_each_row,
                           (struct store_each){.fn.audit = fn, .ud = ud});
}

int store_task_each_due(struct store *s, int64_t now_ms, int limit,
                        int (*fn)(void *ud, const struct store_task *t), void *ud)
{
    return store_read_each(s, "task due list", STORE_TASK_DUE_SQL,
                           STORE_ARGS(STORE_INT(now_ms), STORE_INT(limit)), task_each_row,
                           (struct store_each){.fn.task = fn, .ud = ud});
}

/* Row callback: column 0, when not NULL, into the int64_t at ud. */
static int due_row(void *ud, sqlite3_stmt *st)
{
    if (sqlite3_column_type(st, 0) == SQLITE_NULL)
        return STORE_ROW_STOP;
    *(int64_t *)ud = sqlite3_column_int64(st, 0);
    return STORE_ROW_STOP;
}

int store_task_next_due(struct store *s, int64_t after_ms, int64_t *out)
{
    int64_t next = -1;
    int rc = store_read(s, "task next due",
                        "SELECT MIN(finish_at_ms) FROM tasks WHERE completed_ms IS NULL"
                        " AND finish_at_ms > ?",
                        STORE_ARGS(STORE_INT(after_ms)), due_row, &next);
    if (rc == STORE_ERROR)
        return rc;
    if (next < 0)
        return STORE_NOT_FOUND;
    *out = next;
    return STORE_OK;
}
