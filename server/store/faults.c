/*
 * faults.c - injected faults (see control_store.h): adding, listing and
 * removing them, and picking the one that applies to a call.
 *
 * One thing lives outside SQLite: `fault_hint` in struct store, a lock-free
 * summary that lets store_fault_maybe() skip the database on every request
 * when no fault is configured. It is written only under the lock, right
 * after the faults table changed or was counted, and it may be too high (a
 * reset emptied the table behind its back: the next pick counts again) but
 * never too low.
 */
#include "query.h"

#include <limits.h>
#include <string.h>

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

/* Counts the faults that can still apply and publishes the count. */
static int fault_recount_locked(struct store *s)
{
    int64_t n = 0;
    int rc = store_read_locked(
        s, "fault count", "SELECT count(*) FROM faults WHERE remaining IS NULL OR remaining > 0",
        STORE_NO_ARGS, store_row_int64, &n);
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
