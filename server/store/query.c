/*
 * query.c - the store's statement pattern, written once (see query.h): the
 * connections (the writer behind its lock, a reader per thread), binding
 * values from descriptors, stepping a write or walking a read's rows,
 * scripts, transactions, and the column readers. It knows no table; the
 * files per table family call it.
 */
#include "query.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/log.h"

/* ---- the connections (see store_int.h) ---- */

static void reader_close(struct store_reader *r)
{
    store_stmts_clear(&r->conn);
    sqlite3_close_v2(r->conn.db);
    free(r);
}

/* The thread's destructor of its reader: leaves the store's list, closes. */
static void reader_gone(void *arg)
{
    struct store_reader *r = arg;
    struct store *s = r->s;
    pthread_mutex_lock(&s->readers_lock);
    if (r->prev)
        r->prev->next = r->next;
    else
        s->readers = r->next;
    if (r->next)
        r->next->prev = r->prev;
    pthread_mutex_unlock(&s->readers_lock);
    reader_close(r);
}

/* Opens the calling thread's reader; NULL (logged) when it cannot. */
static struct store_reader *reader_open(struct store *s)
{
    struct store_reader *r = calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    r->s = s;
    int flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(s->path, &r->conn.db, flags, NULL) != SQLITE_OK) {
        log_msg("error", NULL, "store: reader: %s",
                r->conn.db ? sqlite3_errmsg(r->conn.db) : "out of memory");
        sqlite3_close_v2(r->conn.db);
        free(r);
        return NULL;
    }
    sqlite3_busy_timeout(r->conn.db, 5000);
    sqlite3_extended_result_codes(r->conn.db, 1);
    pthread_mutex_lock(&s->readers_lock);
    r->next = s->readers;
    if (r->next)
        r->next->prev = r;
    s->readers = r;
    pthread_mutex_unlock(&s->readers_lock);
    if (pthread_setspecific(s->reader_key, r) != 0) {
        reader_gone(r);
        return NULL;
    }
    return r;
}

int store_readers_init(struct store *s)
{
    pthread_mutex_init(&s->readers_lock, NULL);
    if (pthread_key_create(&s->reader_key, reader_gone) != 0)
        return STORE_ERROR;
    s->reader_key_made = 1;
    return STORE_OK;
}

void store_readers_close(struct store *s)
{
    if (!s->reader_key_made)
        return;
    /* No thread reads any more: close what threads still alive left open. */
    pthread_key_delete(s->reader_key);
    pthread_mutex_lock(&s->readers_lock);
    while (s->readers) {
        struct store_reader *r = s->readers;
        s->readers = r->next;
        reader_close(r);
    }
    pthread_mutex_unlock(&s->readers_lock);
    s->reader_key_made = 0;
}

/* The store whose reads the calling thread makes through the writer
 * (store_reads_on_writer()), else NULL. */
static _Thread_local const struct store *reads_on_writer;

void store_reads_on_writer(struct store *s)
{
    reads_on_writer = s;
}

/* The calling thread's reader while it is in use, else NULL. */
static struct store_reader *active_reader(struct store *s)
{
    struct store_reader *r = s->wal ? pthread_getspecific(s->reader_key) : NULL;
    return r && r->active ? r : NULL;
}

void store_enter(struct store *s, enum store_mode mode)
{
    /* A call into the store from a row callback (which store.h forbids)
     * would read or write on this thread's read connection, or end its read
     * early: stop here instead. */
    assert(!active_reader(s) && "the store was entered from a read callback");
    if (mode == STORE_READ && s->wal && reads_on_writer != s) {
        struct store_reader *r = pthread_getspecific(s->reader_key);
        if (!r)
            r = reader_open(s);
        if (r) {
            r->active = 1;
            return;
        }
        /* No reader for this thread: read through the writer. */
    }
    pthread_mutex_lock(&s->lock);
}

void store_leave(struct store *s)
{
    struct store_reader *r = active_reader(s);
    if (r)
        r->active = 0;
    else
        pthread_mutex_unlock(&s->lock);
}

struct store_conn *store_conn(struct store *s)
{
    struct store_reader *r = active_reader(s);
    return r ? &r->conn : &s->writer;
}

int store_fail_locked(struct store *s, const char *what)
{
    log_msg("error", NULL, "store: %s: %s", what, sqlite3_errmsg(store_conn(s)->db));
    return STORE_ERROR;
}

static int bind_one(sqlite3_stmt *st, int i, const struct store_arg *a)
{
    switch (a->kind) {
    case STORE_ARG_TEXT_OR_NULL:
        if (!a->text || !a->text[0])
            return sqlite3_bind_null(st, i);
        return sqlite3_bind_text(st, i, a->text, -1, SQLITE_TRANSIENT);
    case STORE_ARG_TEXT:
        if (!a->text)
            return sqlite3_bind_null(st, i);
        return sqlite3_bind_text(st, i, a->text, -1, SQLITE_TRANSIENT);
    case STORE_ARG_INT:
        return sqlite3_bind_int64(st, i, a->num);
    case STORE_ARG_REAL:
        return sqlite3_bind_double(st, i, a->real);
    case STORE_ARG_NULL:
        break;
    }
    return sqlite3_bind_null(st, i);
}

/* The cached statement for `sql` with `args` bound; NULL (logged) on failure. */
static sqlite3_stmt *prepare_locked(struct store *s, const char *what, const char *sql,
                                    struct store_args args)
{
    sqlite3_stmt *st = NULL;
    int rc = store_prepare(s, sql, &st);
    for (size_t i = 0; rc == SQLITE_OK && i < args.n; i++)
        rc = bind_one(st, (int)i + 1, &args.v[i]);
    if (rc == SQLITE_OK)
        return st;
    store_fail_locked(s, what);
    store_release(s, st);
    return NULL;
}

int store_write_locked(struct store *s, const char *what, const char *sql, struct store_args args)
{
    sqlite3_stmt *st = prepare_locked(s, what, sql, args);
    int rc = STORE_ERROR;
    if (!st)
        return rc;
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = store_fail_locked(s, what);
    else
        rc = sqlite3_changes(store_conn(s)->db) > 0 ? STORE_OK : STORE_NOT_FOUND;
    store_release(s, st);
    return rc;
}

int store_write(struct store *s, const char *what, const char *sql, struct store_args args)
{
    store_enter(s, STORE_WRITE);
    int rc = store_write_locked(s, what, sql, args);
    store_leave(s);
    return rc;
}

int store_read_locked(struct store *s, const char *what, const char *sql, struct store_args args,
                      int (*row)(void *ud, sqlite3_stmt *st), void *ud)
{
    sqlite3_stmt *st = prepare_locked(s, what, sql, args);
    int rc = STORE_NOT_FOUND, step = SQLITE_DONE, next = STORE_ROW_NEXT;
    if (!st)
        return STORE_ERROR;
    while (next == STORE_ROW_NEXT && (step = sqlite3_step(st)) == SQLITE_ROW) {
        rc = STORE_OK;
        next = row(ud, st);
    }
    if (next < 0)
        rc = STORE_ERROR;
    else if (next == STORE_ROW_NEXT && step != SQLITE_DONE)
        rc = store_fail_locked(s, what);
    store_release(s, st);
    return rc;
}

int store_read(struct store *s, const char *what, const char *sql, struct store_args args,
               int (*row)(void *ud, sqlite3_stmt *st), void *ud)
{
    store_enter(s, STORE_READ);
    int rc = store_read_locked(s, what, sql, args, row, ud);
    store_leave(s);
    return rc;
}

int store_write_returning(struct store *s, const char *what, const char *sql,
                          struct store_args args, int (*row)(void *ud, sqlite3_stmt *st), void *ud)
{
    store_enter(s, STORE_WRITE);
    int rc = store_read_locked(s, what, sql, args, row, ud);
    store_leave(s);
    return rc;
}

int store_read_each(struct store *s, const char *what, const char *sql, struct store_args args,
                    int (*row)(void *e, sqlite3_stmt *st), struct store_each e)
{
    return store_found_or_empty(store_read(s, what, sql, args, row, &e));
}

int store_row_int64(void *ud, sqlite3_stmt *st)
{
    *(int64_t *)ud = sqlite3_column_int64(st, 0);
    return STORE_ROW_STOP;
}

int store_row_int(void *ud, sqlite3_stmt *st)
{
    *(int *)ud = sqlite3_column_int(st, 0);
    return STORE_ROW_STOP;
}

int store_script_locked(struct store *s, const char *what, const char *sql, char *err,
                        size_t errlen)
{
    sqlite3 *db = store_conn(s)->db;
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK)
        return STORE_OK;
    if (err)
        snprintf(err, errlen, "%s", msg ? msg : sqlite3_errmsg(db));
    else
        log_msg("error", NULL, "store: %s: %s", what, msg ? msg : sqlite3_errmsg(db));
    sqlite3_free(msg);
    return STORE_ERROR;
}

int store_script(struct store *s, const char *what, const char *sql)
{
    store_enter(s, STORE_WRITE);
    int rc = store_script_locked(s, what, sql, NULL, 0);
    store_leave(s);
    return rc;
}

int store_tx_locked(struct store *s, const char *what, int (*body)(struct store *s, void *ud),
                    void *ud)
{
    if (store_script_locked(s, what, "BEGIN IMMEDIATE", NULL, 0) != STORE_OK)
        return STORE_ERROR;
    int rc = body(s, ud);
    if (rc != STORE_ERROR && store_script_locked(s, what, "COMMIT", NULL, 0) != STORE_OK)
        rc = STORE_ERROR;
    if (rc == STORE_ERROR)
        store_script_locked(s, what, "ROLLBACK", NULL, 0);
    return rc;
}

void store_col_copy(sqlite3_stmt *st, int col, char *out, size_t outlen)
{
    const unsigned char *v = sqlite3_column_text(st, col);
    snprintf(out, outlen, "%s", v ? (const char *)v : "");
}

char *store_col_dup(sqlite3_stmt *st, int col)
{
    const unsigned char *v = sqlite3_column_text(st, col);
    return strdup(v ? (const char *)v : "");
}

int64_t store_col_int_or(sqlite3_stmt *st, int col, int64_t dflt)
{
    return sqlite3_column_type(st, col) == SQLITE_NULL ? dflt : sqlite3_column_int64(st, col);
}
