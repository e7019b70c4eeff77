/*
 * control.c - the control API's tables: report behaviours, the next-task
 * queue, injected faults and the request journal (see control_store.h).
 *
 * Same habits as store.c: one lock per call, statements prepared per call,
 * every value bound. One thing lives outside SQLite: `fault_hint` in struct
 * store, a lock-free summary that lets store_fault_maybe() skip the database
 * on every request when no fault is configured. It is written only under the
 * lock, right after the faults table changed or was counted, and it may be
 * too high (a reset emptied the table behind its back: the next pick counts
 * again) but never too low.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control_store.h"
#include "store_int.h"

/* Runs one statement without parameters or rows. Caller holds the lock. */
static int exec_simple_locked(struct store *s, const char *sql, const char *what)
{
    if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return store_fail_locked(s, what);
    return 0;
}

static void bind_text_or_null(sqlite3_stmt *st, int i, const char *v)
{
    if (v && *v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

static int64_t col_int64_or(sqlite3_stmt *st, int col, int64_t dflt)
{
    return sqlite3_column_type(st, col) == SQLITE_NULL ? dflt : sqlite3_column_int64(st, col);
}

/* ---- report behaviours and the next-task queue ---- */

void store_behaviour_clear(struct store_behaviour *b)
{
    if (!b)
        return;
    free(b->messages);
    memset(b, 0, sizeof(*b));
}

#define BEHAVIOUR_COLS "report_type, duration_ms, polls, outcome, messages, updated_ms"
#define QUEUE_COLS "id, report_type, duration_ms, polls, outcome, messages, created_ms"

/* Reads a row of BEHAVIOUR_COLS (queue = 0) or QUEUE_COLS (queue = 1). -1 on OOM. */
static int behaviour_from_row(sqlite3_stmt *st, int queue, struct store_behaviour *b)
{
    int c = 0;
    memset(b, 0, sizeof(*b));
    if (queue)
        b->id = sqlite3_column_int64(st, c++);
    store_col_copy(st, c++, b->report_type, sizeof(b->report_type));
    b->duration_ms = col_int64_or(st, c++, -1);
    b->polls = (int)col_int64_or(st, c++, -1);
    store_col_copy(st, c++, b->outcome, sizeof(b->outcome));
    if (sqlite3_column_type(st, c) != SQLITE_NULL && !(b->messages = store_col_dup(st, c)))
        return -1;
    c++;
    b->at_ms = sqlite3_column_int64(st, c);
    return 0;
}

/* Binds type, duration, polls, outcome, messages, time from `first` on. */
static void bind_behaviour(sqlite3_stmt *st, int first, const struct store_behaviour *b)
{
    bind_text_or_null(st, first, b->report_type);
    if (b->polls >= 0) {
        sqlite3_bind_null(st, first + 1);
        sqlite3_bind_int(st, first + 2, b->polls);
    } else {
        if (b->duration_ms >= 0)
            sqlite3_bind_int64(st, first + 1, b->duration_ms);
        else
            sqlite3_bind_null(st, first + 1);
        sqlite3_bind_null(st, first + 2);
    }
    sqlite3_bind_text(st, first + 3, b->outcome[0] ? b->outcome : "SUCCESS", -1, SQLITE_TRANSIENT);
    bind_text_or_null(st, first + 4, b->messages);
    sqlite3_bind_int64(st, first + 5, b->at_ms);
}

/* Runs a statement that changes rows: 0, or 1 when it changed none (if
 * `none_is_1`), or -1. Finalizes st. Caller holds the lock. */
static int step_change_locked(struct store *s, sqlite3_stmt *st, int none_is_1, const char *what)
{
    int rc;
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = store_fail_locked(s, what);
    else
        rc = none_is_1 && sqlite3_changes(s->db) == 0 ? 1 : 0;
    store_release(s, st);
    return rc;
}

int store_behaviour_put(struct store *s, const struct store_behaviour *b)
{
    sqlite3_stmt *st = NULL;
    int rc = -1;
    pthread_mutex_lock(&s->lock);
    if (store_prepare(s,
                      "INSERT OR REPLACE INTO report_behaviours (" BEHAVIOUR_COLS
                      ") VALUES (?, ?, ?, ?, ?, ?)",
                      &st) != SQLITE_OK) {
        store_fail_locked(s, "behaviour put");
        goto out;
    }
    bind_behaviour(st, 1, b);
    rc = step_change_locked(s, st, 0, "behaviour put");
out:
    pthread_mutex_unlock(&s->lock);
    return rc;
}

/* One behaviour row by type. 1: none. Caller holds the lock. */
static int behaviour_get_locked(struct store *s, const char *report_type,
                                struct store_behaviour *out)
{
    sqlite3_stmt *st = NULL;
    int rc;
    if (store_prepare(s, "SELECT " BEHAVIOUR_COLS " FROM report_behaviours WHERE report_type = ?",
                      &st) != SQLITE_OK)
        return store_fail_locked(s, "behaviour get");
    sqlite3_bind_text(st, 1, report_type, -1, SQLITE_TRANSIENT);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW)
        rc = behaviour_from_row(st, 0, out);
    else
        rc = step == SQLITE_DONE ? 1 : store_fail_locked(s, "behaviour get");
    store_release(s, st);
    return rc;
}

int store_behaviour_get(struct store *s, const char *report_type, struct store_behaviour *out)
{
    pthread_mutex_lock(&s->lock);
    int rc = behaviour_get_locked(s, report_type, out);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int store_behaviour_delete(struct store *s, const char *report_type)
{
    sqlite3_stmt *st = NULL;
    int rc = -1;
    pthread_mutex_lock(&s->lock);
    if (store_prepare(s, "DELETE FROM report_behaviours WHERE report_type = ?", &st) != SQLITE_OK) {
        store_fail_locked(s, "behaviour delete");
        goto out;
    }
    sqlite3_bind_text(st, 1, report_type, -1, SQLITE_TRANSIENT);
    rc = step_change_locked(s, st, 1, "behaviour delete");
out:
    pthread_mutex_unlock(&s->lock);
    return rc;
}

/* Runs `sql` (a SELECT of BEHAVIOUR_COLS or QUEUE_COLS) and calls fn per row. */
static int behaviour_list(struct store *s, const char *sql, int queue,
                          int (*fn)(void *ud, const struct store_behaviour *b), void *ud,
                          const char *what)
{
    sqlite3_stmt *st = NULL;
    int rc = -1, step;
    pthread_mutex_lock(&s->lock);
    if (store_prepare(s, sql, &st) != SQLITE_OK) {
        store_fail_locked(s, what);
        goto out;
    }
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_behaviour b;
        if (behaviour_from_row(st, queue, &b) != 0) {
            store_behaviour_clear(&b);
            goto out;
        }
        int stop = fn(ud, &b);
        store_behaviour_clear(&b);
        if (stop)
            break;
    }
    rc = (step == SQLITE_ROW || step == SQLITE_DONE) ? 0 : store_fail_locked(s, what);
out:
    store_release(s, st);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int store_behaviour_each(struct store *s, int (*fn)(void *ud, const struct store_behaviour *b),
                         void *ud)
{
    return behaviour_list(s,
                          "SELECT " BEHAVIOUR_COLS " FROM report_behaviours"
                          " ORDER BY report_type <> '*', report_type",
                          0, fn, ud, "behaviour list");
}

int store_behaviour_reset(struct store *s)
{
    pthread_mutex_lock(&s->lock);
    int rc = exec_simple_locked(s, "DELETE FROM report_behaviours; DELETE FROM report_queue",
                                "behaviour reset");
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int store_next_push(struct store *s, struct store_behaviour *b)
{
    sqlite3_stmt *st = NULL;
    int rc = -1;
    pthread_mutex_lock(&s->lock);
    if (store_prepare(s,
                      "INSERT INTO report_queue (report_type, duration_ms, polls, outcome,"
                      " messages, created_ms) VALUES (?, ?, ?, ?, ?, ?)",
                      &st) != SQLITE_OK) {
        store_fail_locked(s, "next push");
        goto out;
    }
    bind_behaviour(st, 1, b);
    rc = step_change_locked(s, st, 0, "next push");
    if (rc == 0)
        b->id = sqlite3_last_insert_rowid(s->db);
out:
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int store_next_each(struct store *s, int (*fn)(void *ud, const struct store_behaviour *b), void *ud)
{
    return behaviour_list(s, "SELECT " QUEUE_COLS " FROM report_queue ORDER BY id", 1, fn, ud,
                          "next list");
}

int store_next_clear(struct store *s)
{
    pthread_mutex_lock(&s->lock);
    int rc = exec_simple_locked(s, "DELETE FROM report_queue", "next clear");
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int store_next_restore(struct store *s, const struct store_behaviour *b)
{
    sqlite3_stmt *st = NULL;
    int rc = -1;
    pthread_mutex_lock(&s->lock);
    /* OR IGNORE: a reset in between may have reused nothing, but be safe. */
    if (store_prepare(s,
                      "INSERT OR IGNORE INTO report_queue (id, report_type, duration_ms,"
                      " polls, outcome, messages, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
                      &st) != SQLITE_OK) {
        store_fail_locked(s, "next restore");
        goto out;
    }
    sqlite3_bind_int64(st, 1, b->id);
    bind_behaviour(st, 2, b);
    rc = step_change_locked(s, st, 0, "next restore");
out:
    pthread_mutex_unlock(&s->lock);
    return rc;
}

/* Takes the oldest queued plan for `report_type` or any type. 1: none. */
static int next_pop_locked(struct store *s, const char *report_type, struct store_behaviour *out)
{
    sqlite3_stmt *st = NULL;
    int rc;
    if (store_prepare(s,
                      "DELETE FROM report_queue WHERE id = (SELECT id FROM report_queue"
                      " WHERE report_type IS NULL OR report_type = ?1 ORDER BY id LIMIT 1)"
                      " RETURNING " QUEUE_COLS,
                      &st) != SQLITE_OK)
        return store_fail_locked(s, "next pop");
    sqlite3_bind_text(st, 1, report_type, -1, SQLITE_TRANSIENT);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        rc = behaviour_from_row(st, 1, out);
        /* Run the statement to its end so the delete completes. */
        if (rc == 0 && sqlite3_step(st) != SQLITE_DONE)
            rc = store_fail_locked(s, "next pop");
        if (rc != 0)
            store_behaviour_clear(out);
    } else {
        rc = step == SQLITE_DONE ? 1 : store_fail_locked(s, "next pop");
    }
    store_release(s, st);
    return rc;
}

int store_report_plan(struct store *s, const char *report_type, struct store_behaviour *out,
                      int *from_queue)
{
    *from_queue = 0;
    memset(out, 0, sizeof(*out));
    pthread_mutex_lock(&s->lock);
    int rc = next_pop_locked(s, report_type, out);
    if (rc == 0)
        *from_queue = 1;
    if (rc == 1)
        rc = behaviour_get_locked(s, report_type, out);
    if (rc == 1)
        rc = behaviour_get_locked(s, STORE_BEHAVIOUR_DEFAULT, out);
    pthread_mutex_unlock(&s->lock);
    if (rc != 0)
        memset(out, 0, sizeof(*out));
    return rc;
}

/* ---- faults ---- */

#define FAULT_COLS                                                                                 \
    "id, operation, status, delay_ms, drop_conn, times, remaining, probability, seed, calls,"      \
    " hits, created_ms"

static void fault_from_row(sqlite3_stmt *st, struct store_fault *f)
{
    memset(f, 0, sizeof(*f));
    f->id = sqlite3_column_int64(st, 0);
    store_col_copy(st, 1, f->operation, sizeof(f->operation));
    f->status = (int)col_int64_or(st, 2, 0);
    f->delay_ms = sqlite3_column_int64(st, 3);
    f->drop = sqlite3_column_int(st, 4);
    f->times = col_int64_or(st, 5, -1);
    f->remaining = col_int64_or(st, 6, -1);
    f->probability = sqlite3_column_type(st, 7) == SQLITE_NULL ? -1 : sqlite3_column_double(st, 7);
    f->seed = sqlite3_column_int64(st, 8);
    f->calls = sqlite3_column_int64(st, 9);
    f->hits = sqlite3_column_int64(st, 10);
    f->created_ms = sqlite3_column_int64(st, 11);
}

/* Counts the faults that can still apply and publishes the count. */
static int fault_recount_locked(struct store *s)
{
    sqlite3_stmt *st = NULL;
    int rc = -1;
    if (store_prepare(s, "SELECT count(*) FROM faults WHERE remaining IS NULL OR remaining > 0",
                      &st) != SQLITE_OK)
        return store_fail_locked(s, "fault count");
    if (sqlite3_step(st) == SQLITE_ROW) {
        sqlite3_int64 n = sqlite3_column_int64(st, 0);
        atomic_store(&s->fault_hint, n >= INT_MAX - 1 ? INT_MAX : (int)n + 1);
        rc = 0;
    } else {
        /* Unknown: make the next call ask the database. */
        atomic_store(&s->fault_hint, 0);
        store_fail_locked(s, "fault count");
    }
    store_release(s, st);
    return rc;
}

int store_fault_add(struct store *s, struct store_fault *f)
{
    sqlite3_stmt *st = NULL;
    int rc = -1;
    pthread_mutex_lock(&s->lock);
    if (store_prepare(s,
                      "INSERT INTO faults (operation, status, delay_ms, drop_conn, times,"
                      " remaining, probability, seed, rng_state, created_ms)"
                      " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                      &st) != SQLITE_OK) {
        store_fail_locked(s, "fault add");
        goto out;
    }
    sqlite3_bind_text(st, 1, f->operation, -1, SQLITE_TRANSIENT);
    if (f->status > 0)
        sqlite3_bind_int(st, 2, f->status);
    else
        sqlite3_bind_null(st, 2);
    sqlite3_bind_int64(st, 3, f->delay_ms > 0 ? f->delay_ms : 0);
    sqlite3_bind_int(st, 4, f->drop ? 1 : 0);
    if (f->times >= 0) {
        sqlite3_bind_int64(st, 5, f->times);
        sqlite3_bind_int64(st, 6, f->times);
    } else {
        sqlite3_bind_null(st, 5);
        sqlite3_bind_null(st, 6);
    }
    if (f->probability >= 0) {
        sqlite3_bind_double(st, 7, f->probability);
        sqlite3_bind_int64(st, 8, f->seed);
        sqlite3_bind_int64(st, 9, f->seed);
    } else {
        sqlite3_bind_null(st, 7);
        sqlite3_bind_null(st, 8);
        sqlite3_bind_null(st, 9);
    }
    sqlite3_bind_int64(st, 10, f->created_ms);
    rc = step_change_locked(s, st, 0, "fault add");
    if (rc == 0) {
        f->id = sqlite3_last_insert_rowid(s->db);
        f->calls = f->hits = 0;
        f->remaining = f->times;
        fault_recount_locked(s);
    }
out:
    pthread_mutex_unlock(&s->lock);
    return rc;
}

static int fault_get_locked(struct store *s, int64_t id, struct store_fault *out)
{
    sqlite3_stmt *st = NULL;
    int rc;
    if (store_prepare(s, "SELECT " FAULT_COLS " FROM faults WHERE id = ?", &st) != SQLITE_OK)
        return store_fail_locked(s, "fault get");
    sqlite3_bind_int64(st, 1, id);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        fault_from_row(st, out);
        rc = 0;
    } else {
        rc = step == SQLITE_DONE ? 1 : store_fail_locked(s, "fault get");
    }
    store_release(s, st);
    return rc;
}

int store_fault_get(struct store *s, int64_t id, struct store_fault *out)
{
    pthread_mutex_lock(&s->lock);
    int rc = fault_get_locked(s, id, out);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int store_fault_each(struct store *s, int (*fn)(void *ud, const struct store_fault *f), void *ud)
{
    sqlite3_stmt *st = NULL;
    int rc = -1, step;
    pthread_mutex_lock(&s->lock);
    if (store_prepare(s, "SELECT " FAULT_COLS " FROM faults ORDER BY id", &st) != SQLITE_OK) {
        store_fail_locked(s, "fault list");
        goto out;
    }
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_fault f;
        fault_from_row(st, &f);
        if (fn(ud, &f))
            break;
    }
    rc = (step == SQLITE_ROW || step == SQLITE_DONE) ? 0 : store_fail_locked(s, "fault list");
out:
    store_release(s, st);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int store_fault_delete(struct store *s, int64_t id)
{
    sqlite3_stmt *st = NULL;
    int rc = -1;
    pthread_mutex_lock(&s->lock);
    if (store_prepare(s, "DELETE FROM faults WHERE id = ?", &st) != SQLITE_OK) {
        store_fail_locked(s, "fault delete");
        goto out;
    }
    sqlite3_bind_int64(st, 1, id);
    rc = step_change_locked(s, st, 1, "fault delete");
    if (rc == 0)
        fault_recount_locked(s);
out:
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int store_fault_clear(struct store *s)
{
    pthread_mutex_lock(&s->lock);
    int rc = exec_simple_locked(s, "DELETE FROM faults", "fault clear");
    if (rc == 0)
        atomic_store(&s->fault_hint, 1);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int store_fault_maybe(struct store *s)
{
    return atomic_load_explicit(&s->fault_hint, memory_order_acquire) != 1;
}

double store_fault_draw(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    z ^= z >> 31;
    return (double)(z >> 11) * 0x1.0p-53;
}

/* The next fault after `after_id` that may apply to `operation`. 1: none. */
static int fault_next_locked(struct store *s, const char *operation, int64_t after_id, int64_t *id,
                             int *limited, double *probability, uint64_t *state)
{
    sqlite3_stmt *st = NULL;
    int rc;
    if (store_prepare(s,
                      "SELECT id, remaining IS NOT NULL, probability, rng_state FROM faults"
                      " WHERE id > ?1 AND (operation = ?2 OR operation = '*')"
                      " AND (remaining IS NULL OR remaining > 0) ORDER BY id LIMIT 1",
                      &st) != SQLITE_OK)
        return store_fail_locked(s, "fault pick");
    sqlite3_bind_int64(st, 1, after_id);
    sqlite3_bind_text(st, 2, operation, -1, SQLITE_TRANSIENT);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        *id = sqlite3_column_int64(st, 0);
        *limited = sqlite3_column_int(st, 1);
        *probability =
            sqlite3_column_type(st, 2) == SQLITE_NULL ? -1 : sqlite3_column_double(st, 2);
        *state = (uint64_t)sqlite3_column_int64(st, 3);
        rc = 0;
    } else {
        rc = step == SQLITE_DONE ? 1 : store_fail_locked(s, "fault pick");
    }
    store_release(s, st);
    return rc;
}

/* Records one call on fault `id`: hit or not, the generator's new state. */
static int fault_count_locked(struct store *s, int64_t id, int hit, int random, uint64_t state)
{
    sqlite3_stmt *st = NULL;
    if (store_prepare(s,
                      "UPDATE faults SET calls = calls + 1, hits = hits + ?2,"
                      " remaining = CASE WHEN remaining IS NULL THEN NULL"
                      " ELSE remaining - ?2 END,"
                      " rng_state = CASE WHEN ?3 THEN ?4 ELSE rng_state END WHERE id = ?1",
                      &st) != SQLITE_OK)
        return store_fail_locked(s, "fault count");
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int(st, 2, hit ? 1 : 0);
    sqlite3_bind_int(st, 3, random ? 1 : 0);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)state);
    return step_change_locked(s, st, 0, "fault count");
}

int store_fault_pick(struct store *s, const char *operation, struct store_fault *out)
{
    int rc = -1;
    int64_t after = 0;
    pthread_mutex_lock(&s->lock);
    if (exec_simple_locked(s, "BEGIN IMMEDIATE", "fault pick") != 0)
        goto out;
    for (;;) {
        int64_t id = 0;
        int limited = 0;
        double probability = -1;
        uint64_t state = 0;
        int next = fault_next_locked(s, operation, after, &id, &limited, &probability, &state);
        if (next != 0) {
            rc = next;
            break;
        }
        int random = !limited && probability >= 0;
        int hit = !random || store_fault_draw(&state) < probability;
        if (fault_count_locked(s, id, hit, random, state) != 0)
            break;
        if (hit) {
            rc = fault_get_locked(s, id, out) == 0 ? 0 : -1;
            break;
        }
        after = id;
    }
    if (rc < 0) {
        exec_simple_locked(s, "ROLLBACK", "fault pick");
        goto out;
    }
    if (exec_simple_locked(s, "COMMIT", "fault pick") != 0) {
        exec_simple_locked(s, "ROLLBACK", "fault pick");
        rc = -1;
        goto out;
    }
    fault_recount_locked(s);
out:
    pthread_mutex_unlock(&s->lock);
    return rc;
}

/* ---- request journal ---- */

int store_journal_add(struct store *s, const struct store_journal *j, size_t max_rows)
{
    sqlite3_stmt *st = NULL;
    int rc = -1;
    pthread_mutex_lock(&s->lock);
    if (store_prepare(s,
                      "INSERT INTO journal (at_ms, method, path, query, operation, version,"
                      " client_id, status, tracking_id, duration_us)"
                      " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                      &st) != SQLITE_OK) {
        store_fail_locked(s, "journal add");
        goto out;
    }
    sqlite3_bind_int64(st, 1, j->at_ms);
    sqlite3_bind_text(st, 2, j->method ? j->method : "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, j->path ? j->path : "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, j->query ? j->query : "", -1, SQLITE_TRANSIENT);
    bind_text_or_null(st, 5, j->operation);
    bind_text_or_null(st, 6, j->version);
    bind_text_or_null(st, 7, j->client_id);
    sqlite3_bind_int(st, 8, j->status);
    sqlite3_bind_text(st, 9, j->tracking_id ? j->tracking_id : "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 10, j->duration_us);
    if ((rc = step_change_locked(s, st, 0, "journal add")) != 0)
        goto out;
    /* Rows only ever leave from the old end (or all at once), so ids are
     * contiguous and this keeps exactly the newest max_rows. */
    sqlite3_int64 last = sqlite3_last_insert_rowid(s->db);
    if (last > (sqlite3_int64)max_rows) {
        st = NULL;
        if (store_prepare(s, "DELETE FROM journal WHERE id <= ?", &st) != SQLITE_OK) {
            rc = store_fail_locked(s, "journal trim");
            goto out;
        }
        sqlite3_bind_int64(st, 1, last - (sqlite3_int64)max_rows);
        rc = step_change_locked(s, st, 0, "journal trim");
    }
out:
    pthread_mutex_unlock(&s->lock);
    return rc;
}

#define JOURNAL_WHERE                                                                              \
    " WHERE (?1 IS NULL OR method = ?1)"                                                           \
    " AND (?2 IS NULL OR (CASE WHEN ?3 THEN substr(path, 1, length(?2)) = ?2"                      \
    " ELSE path = ?2 END))"                                                                        \
    " AND (?4 IS NULL OR operation = ?4) AND (?5 IS NULL OR client_id = ?5)"                       \
    " AND (?6 IS NULL OR version = ?6) AND (?7 IS NULL OR tracking_id = ?7)"                       \
    " AND (?8 = 0 OR status = ?8) AND at_ms >= ?9"

#define JOURNAL_COLS                                                                               \
    "id, at_ms, method, path, query, operation, version, client_id, status, tracking_id,"          \
    " duration_us"

static void bind_journal_filter(sqlite3_stmt *st, const struct store_journal_filter *f)
{
    if (f->method)
        sqlite3_bind_text(st, 1, f->method, -1, SQLITE_TRANSIENT);
    if (f->path)
        sqlite3_bind_text(st, 2, f->path, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 3, f->path_prefix ? 1 : 0);
    if (f->operation)
        sqlite3_bind_text(st, 4, f->operation, -1, SQLITE_TRANSIENT);
    if (f->client_id)
        sqlite3_bind_text(st, 5, f->client_id, -1, SQLITE_TRANSIENT);
    if (f->version)
        sqlite3_bind_text(st, 6, f->version, -1, SQLITE_TRANSIENT);
    if (f->tracking_id)
        sqlite3_bind_text(st, 7, f->tracking_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 8, f->status);
    sqlite3_bind_int64(st, 9, f->since_ms);
}

static const char *col_text_or_null(sqlite3_stmt *st, int col)
{
    return (const char *)sqlite3_column_text(st, col);
}

int store_journal_find(struct store *s, const struct store_journal_filter *f, int64_t *count,
                       int (*fn)(void *ud, const struct store_journal *j), void *ud)
{
    sqlite3_stmt *st = NULL;
    int rc = -1, step;
    pthread_mutex_lock(&s->lock);
    if (store_prepare(s, "SELECT count(*) FROM journal" JOURNAL_WHERE, &st) != SQLITE_OK) {
        store_fail_locked(s, "journal count");
        goto out;
    }
    bind_journal_filter(st, f);
    if (sqlite3_step(st) != SQLITE_ROW) {
        store_fail_locked(s, "journal count");
        goto out;
    }
    *count = sqlite3_column_int64(st, 0);
    store_release(s, st);
    st = NULL;
    const char *sql = f->oldest_first ? "SELECT " JOURNAL_COLS " FROM journal" JOURNAL_WHERE
                                        " ORDER BY id LIMIT ?10"
                                      : "SELECT " JOURNAL_COLS " FROM journal" JOURNAL_WHERE
                                        " ORDER BY id DESC LIMIT ?10";
    if (store_prepare(s, sql, &st) != SQLITE_OK) {
        store_fail_locked(s, "journal find");
        goto out;
    }
    bind_journal_filter(st, f);
    sqlite3_bind_int(st, 10, f->limit > 0 ? f->limit : 0);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_journal j = {
            .id = sqlite3_column_int64(st, 0),
            .at_ms = sqlite3_column_int64(st, 1),
            .method = col_text_or_null(st, 2),
            .path = col_text_or_null(st, 3),
            .query = col_text_or_null(st, 4),
            .operation = col_text_or_null(st, 5),
            .version = col_text_or_null(st, 6),
            .client_id = col_text_or_null(st, 7),
            .status = sqlite3_column_int(st, 8),
            .tracking_id = col_text_or_null(st, 9),
            .duration_us = sqlite3_column_int64(st, 10),
        };
        if (fn(ud, &j))
            break;
    }
    rc = (step == SQLITE_ROW || step == SQLITE_DONE) ? 0 : store_fail_locked(s, "journal find");
out:
    store_release(s, st);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int store_journal_clear(struct store *s)
{
    pthread_mutex_lock(&s->lock);
    int rc = exec_simple_locked(s, "DELETE FROM journal", "journal clear");
    pthread_mutex_unlock(&s->lock);
    return rc;
}
