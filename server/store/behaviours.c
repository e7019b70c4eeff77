/*
 * behaviours.c - report behaviours and the one-shot queue for the next
 * tasks (see control_store.h), and the plan a new task takes from them.
 *
 * One thing lives outside SQLite: `plan_hint` in struct store, which lets
 * store_report_plan() answer "no plan" without the writer when neither
 * table holds a row (the usual case: every startReport asks). It is set to
 * 1 ("none") only under the lock, by the call that counted both tables
 * empty there, and forgotten (0) after every change to either table, before
 * the changing call returns; so a start that follows a change always sees
 * it.
 */
#include "query.h"

#include <stdlib.h>
#include <string.h>

/* After a change to report_behaviours or report_queue: count again. */
static int plan_changed(struct store *s, int rc)
{
    atomic_store(&s->plan_hint, 0);
    return rc;
}

void store_behaviour_clear(struct store_behaviour *b)
{
    if (!b)
        return;
    free(b->messages);
    memset(b, 0, sizeof(*b));
}

#define BEHAVIOUR_COLS "report_type, duration_ms, polls, outcome, messages, updated_ms"
#define QUEUE_COLS "id, report_type, duration_ms, polls, outcome, messages, created_ms"

/* The values of type, duration, polls, outcome, messages, time, in that order. */
#define BEHAVIOUR_VALUES(b)                                                                        \
    STORE_TEXT_OR_NULL((b)->report_type),                                                          \
        STORE_INT_IF((b)->polls < 0 && (b)->duration_ms >= 0, (b)->duration_ms),                   \
        STORE_INT_IF((b)->polls >= 0, (b)->polls),                                                 \
        STORE_TEXT((b)->outcome[0] ? (b)->outcome : "SUCCESS"), STORE_TEXT_OR_NULL((b)->messages), \
        STORE_INT((b)->at_ms)

/* Reads a row of BEHAVIOUR_COLS (queue = 0) or QUEUE_COLS (queue = 1).
 * STORE_ERROR (b cleared) on OOM, else STORE_ROW_STOP. */
static int behaviour_from_row(sqlite3_stmt *st, int queue, struct store_behaviour *b)
{
    int c = 0;
    memset(b, 0, sizeof(*b));
    if (queue)
        b->id = sqlite3_column_int64(st, c++);
    store_col_copy(st, c++, b->report_type, sizeof(b->report_type));
    b->duration_ms = store_col_int_or(st, c++, -1);
    b->polls = (int)store_col_int_or(st, c++, -1);
    store_col_copy(st, c++, b->outcome, sizeof(b->outcome));
    if (sqlite3_column_type(st, c) != SQLITE_NULL && !(b->messages = store_col_dup(st, c)))
        return STORE_ERROR;
    c++;
    b->at_ms = sqlite3_column_int64(st, c);
    return STORE_ROW_STOP;
}

/* Row callbacks: a behaviour row / a queue row into the struct at ud. */
static int behaviour_row(void *ud, sqlite3_stmt *st)
{
    return behaviour_from_row(st, 0, ud);
}

static int queue_row(void *ud, sqlite3_stmt *st)
{
    return behaviour_from_row(st, 1, ud);
}

int store_behaviour_put(struct store *s, const struct store_behaviour *b)
{
    return plan_changed(s, store_write(s, "behaviour put",
                                       "INSERT OR REPLACE INTO report_behaviours (" BEHAVIOUR_COLS
                                       ") VALUES (?, ?, ?, ?, ?, ?)",
                                       STORE_ARGS(BEHAVIOUR_VALUES(b))));
}

/* One behaviour row by type. STORE_NOT_FOUND: none. */
static int behaviour_get_locked(struct store *s, const char *report_type,
                                struct store_behaviour *out)
{
    return store_read_locked(s, "behaviour get",
                             "SELECT " BEHAVIOUR_COLS " FROM report_behaviours"
                             " WHERE report_type = ?",
                             STORE_ARGS(STORE_TEXT(report_type)), behaviour_row, out);
}

int store_behaviour_get(struct store *s, const char *report_type, struct store_behaviour *out)
{
    store_enter(s, STORE_READ);
    int rc = behaviour_get_locked(s, report_type, out);
    store_leave(s);
    return rc;
}

int store_behaviour_delete(struct store *s, const char *report_type)
{
    return plan_changed(s, store_write(s, "behaviour delete",
                                       "DELETE FROM report_behaviours WHERE report_type = ?",
                                       STORE_ARGS(STORE_TEXT(report_type))));
}

/* Row callbacks for the lists: hand a behaviour or a queue row to the caller. */
static int behaviour_each_row(void *ud, sqlite3_stmt *st, int queue)
{
    const struct store_each *e = ud;
    struct store_behaviour b;
    if (behaviour_from_row(st, queue, &b) == STORE_ERROR) {
        store_behaviour_clear(&b);
        return STORE_ERROR;
    }
    int stop = e->fn.behaviour(e->ud, &b);
    store_behaviour_clear(&b);
    return store_each_next(stop);
}

static int behaviour_list_row(void *ud, sqlite3_stmt *st)
{
    return behaviour_each_row(ud, st, 0);
}

static int queue_list_row(void *ud, sqlite3_stmt *st)
{
    return behaviour_each_row(ud, st, 1);
}

int store_behaviour_each(struct store *s, int (*fn)(void *ud, const struct store_behaviour *b),
                         void *ud)
{
    return store_read_each(s, "behaviour list",
                           "SELECT " BEHAVIOUR_COLS " FROM report_behaviours"
                           " ORDER BY report_type <> '*', report_type",
                           STORE_NO_ARGS, behaviour_list_row,
                           (struct store_each){.fn.behaviour = fn, .ud = ud});
}

int store_behaviour_reset(struct store *s)
{
    return plan_changed(s, store_script(s, "behaviour reset",
                                        "DELETE FROM report_behaviours; DELETE FROM report_queue"));
}

int store_next_push(struct store *s, struct store_behaviour *b)
{
    store_enter(s, STORE_WRITE);
    int rc = store_write_locked(s, "next push",
                                "INSERT INTO report_queue (report_type, duration_ms, polls,"
                                " outcome, messages, created_ms) VALUES (?, ?, ?, ?, ?, ?)",
                                STORE_ARGS(BEHAVIOUR_VALUES(b)));
    if (rc == STORE_OK)
        b->id = sqlite3_last_insert_rowid(s->db);
    store_leave(s);
    return plan_changed(s, rc);
}

int store_next_each(struct store *s, int (*fn)(void *ud, const struct store_behaviour *b), void *ud)
{
    return store_read_each(s, "next list", "SELECT " QUEUE_COLS " FROM report_queue ORDER BY id",
                           STORE_NO_ARGS, queue_list_row,
                           (struct store_each){.fn.behaviour = fn, .ud = ud});
}

int store_next_clear(struct store *s)
{
    return plan_changed(s, store_script(s, "next clear", "DELETE FROM report_queue"));
}

int store_next_restore(struct store *s, const struct store_behaviour *b)
{
    /* OR IGNORE: a reset in between may have reused nothing, but be safe. */
    int rc = store_write(s, "next restore",
                         "INSERT OR IGNORE INTO report_queue (id, report_type, duration_ms,"
                         " polls, outcome, messages, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
                         STORE_ARGS(STORE_INT(b->id), BEHAVIOUR_VALUES(b)));
    return plan_changed(s, rc == STORE_ERROR ? STORE_ERROR : STORE_OK);
}

/* Takes the oldest queued plan for `report_type` or any type. STORE_NOT_FOUND: none. */
static int next_pop_locked(struct store *s, const char *report_type, struct store_behaviour *out)
{
    int rc = store_read_locked(s, "next pop",
                               "DELETE FROM report_queue WHERE id = (SELECT id FROM report_queue"
                               " WHERE report_type IS NULL OR report_type = ?1 ORDER BY id LIMIT 1)"
                               " RETURNING " QUEUE_COLS,
                               STORE_ARGS(STORE_TEXT(report_type)), queue_row, out);
    if (rc == STORE_ERROR)
        store_behaviour_clear(out);
    return rc;
}

int store_report_plan(struct store *s, const char *report_type, struct store_behaviour *out,
                      int *from_queue)
{
    *from_queue = 0;
    memset(out, 0, sizeof(*out));
    if (atomic_load_explicit(&s->plan_hint, memory_order_acquire) == 1)
        return STORE_NOT_FOUND;
    store_enter(s, STORE_WRITE);
    int rc = next_pop_locked(s, report_type, out);
    if (rc == STORE_OK)
        *from_queue = 1;
    if (rc == STORE_NOT_FOUND)
        rc = behaviour_get_locked(s, report_type, out);
    if (rc == STORE_NOT_FOUND)
        rc = behaviour_get_locked(s, STORE_BEHAVIOUR_DEFAULT, out);
    int64_t rows = -1;
    if (rc == STORE_NOT_FOUND &&
        store_read_locked(s, "plan count",
                          "SELECT (SELECT count(*) FROM report_queue)"
                          " + (SELECT count(*) FROM report_behaviours)",
                          STORE_NO_ARGS, store_row_int64, &rows) == STORE_OK &&
        rows == 0)
        atomic_store(&s->plan_hint, 1);
    store_leave(s);
    if (rc != STORE_OK)
        memset(out, 0, sizeof(*out));
    return rc;
}
