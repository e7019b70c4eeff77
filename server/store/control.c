/*
 * control.c - the control API's tables: report behaviours, the next-task
 * queue, injected faults and the request journal (see control_store.h).
 *
 * Every statement runs through query.c (one connection, its lock, the
 * prepared-statement cache, bound values). One thing lives outside SQLite:
 * `fault_hint` in struct store, a lock-free summary that lets
 * store_fault_maybe() skip the database on every request when no fault is
 * configured. It is written only under the lock, right after the faults
 * table changed or was counted, and it may be too high (a reset emptied the
 * table behind its back: the next pick counts again) but never too low.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control_store.h"
#include "query.h"

/* Runs one statement without parameters or rows under the connection. */
static int script(struct store *s, const char *what, const char *sql)
{
    store_enter(s, STORE_WRITE);
    int rc = store_script_locked(s, what, sql, NULL, 0);
    store_leave(s);
    return rc;
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
    return store_write(s, "behaviour put",
                       "INSERT OR REPLACE INTO report_behaviours (" BEHAVIOUR_COLS
                       ") VALUES (?, ?, ?, ?, ?, ?)",
                       STORE_ARGS(BEHAVIOUR_VALUES(b)));
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
    return store_write(s, "behaviour delete", "DELETE FROM report_behaviours WHERE report_type = ?",
                       STORE_ARGS(STORE_TEXT(report_type)));
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
    return script(s, "behaviour reset", "DELETE FROM report_behaviours; DELETE FROM report_queue");
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
    return rc;
}

int store_next_each(struct store *s, int (*fn)(void *ud, const struct store_behaviour *b), void *ud)
{
    return store_read_each(s, "next list", "SELECT " QUEUE_COLS " FROM report_queue ORDER BY id",
                           STORE_NO_ARGS, queue_list_row,
                           (struct store_each){.fn.behaviour = fn, .ud = ud});
}

int store_next_clear(struct store *s)
{
    return script(s, "next clear", "DELETE FROM report_queue");
}

int store_next_restore(struct store *s, const struct store_behaviour *b)
{
    /* OR IGNORE: a reset in between may have reused nothing, but be safe. */
    int rc = store_write(s, "next restore",
                         "INSERT OR IGNORE INTO report_queue (id, report_type, duration_ms,"
                         " polls, outcome, messages, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
                         STORE_ARGS(STORE_INT(b->id), BEHAVIOUR_VALUES(b)));
    return rc == STORE_ERROR ? STORE_ERROR : STORE_OK;
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
    store_enter(s, STORE_WRITE);
    int rc = next_pop_locked(s, report_type, out);
    if (rc == STORE_OK)
        *from_queue = 1;
    if (rc == STORE_NOT_FOUND)
        rc = behaviour_get_locked(s, report_type, out);
    if (rc == STORE_NOT_FOUND)
        rc = behaviour_get_locked(s, STORE_BEHAVIOUR_DEFAULT, out);
    store_leave(s);
    if (rc != STORE_OK)
        memset(out, 0, sizeof(*out));
    return rc;
}

/* ---- faults ---- */

#define FAULT_COLS                                                                                 \
    "id, operation, status, delay_ms, drop_conn, times, remaining, probability, seed, calls,"      \
    " hits, created_ms"

/* Row callback: a row of FAULT_COLS into the struct store_fault at ud. */
static int fault_row(void *ud, sqlite3_stmt *st)
{
    struct store_fault *f = ud;
    memset(f, 0, sizeof(*f));
    f->id = sqlite3_column_int64(st, 0);
    store_col_copy(st, 1, f->operation, sizeof(f->operation));
    f->status = (int)store_col_int_or(st, 2, 0);
    f->delay_ms = sqlite3_column_int64(st, 3);
    f->drop = sqlite3_column_int(st, 4);
    f->times = store_col_int_or(st, 5, -1);
    f->remaining = store_col_int_or(st, 6, -1);
    f->probability = sqlite3_column_type(st, 7) == SQLITE_NULL ? -1 : sqlite3_column_double(st, 7);
    f->seed = sqlite3_column_int64(st, 8);
    f->calls = sqlite3_column_int64(st, 9);
    f->hits = sqlite3_column_int64(st, 10);
    f->created_ms = sqlite3_column_int64(st, 11);
    return STORE_ROW_STOP;
}

/* Row callback: column 0 as an integer into the int64_t at ud. */
static int count_row(void *ud, sqlite3_stmt *st)
{
    *(int64_t *)ud = sqlite3_column_int64(st, 0);
    return STORE_ROW_STOP;
}

/* Counts the faults that can still apply and publishes the count. */
static int fault_recount_locked(struct store *s)
{
    int64_t n = 0;
    int rc = store_read_locked(
        s, "fault count", "SELECT count(*) FROM faults WHERE remaining IS NULL OR remaining > 0",
        STORE_NO_ARGS, count_row, &n);
    /* Unknown: make the next call ask the database. */
    atomic_store(&s->fault_hint, rc != STORE_OK ? 0 : n >= INT_MAX - 1 ? INT_MAX : (int)n + 1);
    return rc == STORE_OK ? STORE_OK : STORE_ERROR;
}

int store_fault_add(struct store *s, struct store_fault *f)
{
    int random = f->probability >= 0;
    store_enter(s, STORE_WRITE);
    int rc = store_write_locked(
        s, "fault add",
        "INSERT INTO faults (operation, status, delay_ms, drop_conn, times, remaining,"
        " probability, seed, rng_state, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        STORE_ARGS(STORE_TEXT(f->operation), STORE_INT_IF(f->status > 0, f->status),
                   STORE_INT(f->delay_ms > 0 ? f->delay_ms : 0), STORE_INT(f->drop ? 1 : 0),
                   STORE_INT_IF(f->times >= 0, f->times), STORE_INT_IF(f->times >= 0, f->times),
                   STORE_REAL_IF(random, f->probability), STORE_INT_IF(random, f->seed),
                   STORE_INT_IF(random, f->seed), STORE_INT(f->created_ms)));
    if (rc == STORE_OK) {
        f->id = sqlite3_last_insert_rowid(s->db);
        f->calls = f->hits = 0;
        f->remaining = f->times;
        fault_recount_locked(s);
    }
    store_leave(s);
    return rc;
}

static int fault_get_locked(struct store *s, int64_t id, struct store_fault *out)
{
    return store_read_locked(s, "fault get", "SELECT " FAULT_COLS " FROM faults WHERE id = ?",
                             STORE_ARGS(STORE_INT(id)), fault_row, out);
}

int store_fault_get(struct store *s, int64_t id, struct store_fault *out)
{
    store_enter(s, STORE_READ);
    int rc = fault_get_locked(s, id, out);
    store_leave(s);
    return rc;
}

static int fault_each_row(void *ud, sqlite3_stmt *st)
{
    const struct store_each *e = ud;
    struct store_fault f;
    fault_row(&f, st);
    return store_each_next(e->fn.fault(e->ud, &f));
}

int store_fault_each(struct store *s, int (*fn)(void *ud, const struct store_fault *f), void *ud)
{
    return store_read_each(s, "fault list", "SELECT " FAULT_COLS " FROM faults ORDER BY id",
                           STORE_NO_ARGS, fault_each_row,
                           (struct store_each){.fn.fault = fn, .ud = ud});
}

int store_fault_delete(struct store *s, int64_t id)
{
    store_enter(s, STORE_WRITE);
    int rc = store_write_locked(s, "fault delete", "DELETE FROM faults WHERE id = ?",
                                STORE_ARGS(STORE_INT(id)));
    if (rc == STORE_OK)
        fault_recount_locked(s);
    store_leave(s);
    return rc;
}

int store_fault_clear(struct store *s)
{
    store_enter(s, STORE_WRITE);
    int rc = store_script_locked(s, "fault clear", "DELETE FROM faults", NULL, 0);
    if (rc == STORE_OK)
        atomic_store(&s->fault_hint, 1);
    store_leave(s);
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

/* A fault that may apply, as fault_next_locked reads it. */
struct fault_candidate {
    int64_t id;
    int limited; /* it counts down `remaining` */
    double probability;
    uint64_t state;
};

static int candidate_row(void *ud, sqlite3_stmt *st)
{
    struct fault_candidate *c = ud;
    c->id = sqlite3_column_int64(st, 0);
    c->limited = sqlite3_column_int(st, 1);
    c->probability = sqlite3_column_type(st, 2) == SQLITE_NULL ? -1 : sqlite3_column_double(st, 2);
    c->state = (uint64_t)sqlite3_column_int64(st, 3);
    return STORE_ROW_STOP;
}

/* The next fault after `after_id` that may apply to `operation` of `family`
 * (NULL: none). STORE_NOT_FOUND: none. */
static int fault_next_locked(struct store *s, const char *operation, const char *family,
                             int64_t after_id, struct fault_candidate *out)
{
    return store_read_locked(
        s, "fault pick",
        "SELECT id, remaining IS NOT NULL, probability, rng_state FROM faults"
        " WHERE id > ?1 AND operation IN (?2, ?3, '*')"
        " AND (remaining IS NULL OR remaining > 0) ORDER BY id LIMIT 1",
        STORE_ARGS(STORE_INT(after_id), STORE_TEXT(operation), STORE_TEXT_OR_NULL(family)),
        candidate_row, out);
}

/* Records one call on fault `id`: hit or not, the generator's new state. */
static int fault_count_locked(struct store *s, int64_t id, int hit, int random, uint64_t state)
{
    int rc =
        store_write_locked(s, "fault count",
                           "UPDATE faults SET calls = calls + 1, hits = hits + ?2,"
                           " remaining = CASE WHEN remaining IS NULL THEN NULL"
                           " ELSE remaining - ?2 END,"
                           " rng_state = CASE WHEN ?3 THEN ?4 ELSE rng_state END WHERE id = ?1",
                           STORE_ARGS(STORE_INT(id), STORE_INT(hit ? 1 : 0),
                                      STORE_INT(random ? 1 : 0), STORE_INT((int64_t)state)));
    return rc == STORE_ERROR ? STORE_ERROR : STORE_OK;
}

struct fault_pick {
    const char *operation;
    const char *family;
    struct store_fault *out;
};

/* The body of store_fault_pick's transaction. */
static int fault_pick_tx(struct store *s, void *ud)
{
    struct fault_pick *p = ud;
    int64_t after = 0;
    for (;;) {
        struct fault_candidate c = {.probability = -1};
        int next = fault_next_locked(s, p->operation, p->family, after, &c);
        if (next != STORE_OK)
            return next;
        int random = !c.limited && c.probability >= 0;
        int hit = !random || store_fault_draw(&c.state) < c.probability;
        if (fault_count_locked(s, c.id, hit, random, c.state) != STORE_OK)
            return STORE_ERROR;
        if (hit)
            return fault_get_locked(s, c.id, p->out) == STORE_OK ? STORE_OK : STORE_ERROR;
        after = c.id;
    }
}

int store_fault_pick(struct store *s, const char *operation, const char *family,
                     struct store_fault *out)
{
    struct fault_pick p = {operation, family, out};
    store_enter(s, STORE_WRITE);
    int rc = store_tx_locked(s, "fault pick", fault_pick_tx, &p);
    if (rc != STORE_ERROR)
        fault_recount_locked(s);
    store_leave(s);
    return rc;
}

/* ---- request journal ---- */

int store_journal_add(struct store *s, const struct store_journal *j, size_t max_rows)
{
    store_enter(s, STORE_WRITE);
    int rc = store_write_locked(
        s, "journal add",
        "INSERT INTO journal (at_ms, method, path, query, operation, version, client_id,"
        " status, tracking_id, duration_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        STORE_ARGS(STORE_INT(j->at_ms), STORE_TEXT(j->method ? j->method : ""),
                   STORE_TEXT(j->path ? j->path : ""), STORE_TEXT(j->query ? j->query : ""),
                   STORE_TEXT_OR_NULL(j->operation), STORE_TEXT_OR_NULL(j->version),
                   STORE_TEXT_OR_NULL(j->client_id), STORE_INT(j->status),
                   STORE_TEXT(j->tracking_id ? j->tracking_id : ""), STORE_INT(j->duration_us)));
    /* Rows only ever leave from the old end (or all at once), so ids are
     * contiguous and this keeps exactly the newest max_rows. */
    sqlite3_int64 last = sqlite3_last_insert_rowid(s->db);
    if (rc == STORE_OK && last > (sqlite3_int64)max_rows)
        rc = store_write_locked(s, "journal trim", "DELETE FROM journal WHERE id <= ?",
                                STORE_ARGS(STORE_INT(last - (sqlite3_int64)max_rows)));
    store_leave(s);
    return rc == STORE_ERROR ? STORE_ERROR : STORE_OK;
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

/* The values of JOURNAL_WHERE's ?1 to ?9 (a NULL string matches anything). */
#define JOURNAL_FILTER_VALUES(f)                                                                   \
    STORE_TEXT((f)->method), STORE_TEXT((f)->path), STORE_INT((f)->path_prefix ? 1 : 0),           \
        STORE_TEXT((f)->operation), STORE_TEXT((f)->client_id), STORE_TEXT((f)->version),          \
        STORE_TEXT((f)->tracking_id), STORE_INT((f)->status), STORE_INT((f)->since_ms)

static int journal_each_row(void *ud, sqlite3_stmt *st)
{
    const struct store_each *e = ud;
    struct store_journal j = {
        .id = sqlite3_column_int64(st, 0),
        .at_ms = sqlite3_column_int64(st, 1),
        .method = (const char *)sqlite3_column_text(st, 2),
        .path = (const char *)sqlite3_column_text(st, 3),
        .query = (const char *)sqlite3_column_text(st, 4),
        .operation = (const char *)sqlite3_column_text(st, 5),
        .version = (const char *)sqlite3_column_text(st, 6),
        .client_id = (const char *)sqlite3_column_text(st, 7),
        .status = sqlite3_column_int(st, 8),
        .tracking_id = (const char *)sqlite3_column_text(st, 9),
        .duration_us = sqlite3_column_int64(st, 10),
    };
    return store_each_next(e->fn.journal(e->ud, &j));
}

int store_journal_find(struct store *s, const struct store_journal_filter *f, int64_t *count,
                       int (*fn)(void *ud, const struct store_journal *j), void *ud)
{
    struct store_each e = {.fn.journal = fn, .ud = ud};
    const char *sql = f->oldest_first ? "SELECT " JOURNAL_COLS " FROM journal" JOURNAL_WHERE
                                        " ORDER BY id LIMIT ?10"
                                      : "SELECT " JOURNAL_COLS " FROM journal" JOURNAL_WHERE
                                        " ORDER BY id DESC LIMIT ?10";
    store_enter(s, STORE_READ);
    int rc = store_read_locked(s, "journal count", "SELECT count(*) FROM journal" JOURNAL_WHERE,
                               STORE_ARGS(JOURNAL_FILTER_VALUES(f)), count_row, count);
    if (rc == STORE_OK)
        rc = store_found_or_empty(store_read_locked(
            s, "journal find", sql,
            STORE_ARGS(JOURNAL_FILTER_VALUES(f), STORE_INT(f->limit > 0 ? f->limit : 0)),
            journal_each_row, &e));
    store_leave(s);
    return rc == STORE_OK ? STORE_OK : STORE_ERROR;
}

int store_journal_clear(struct store *s)
{
    return script(s, "journal clear", "DELETE FROM journal");
}
