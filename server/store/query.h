/*
 * query.h - how server/store/ runs a statement: take the connection, prepare
 * (from the cache in stmt.c), bind, step, reset, give the connection back.
 * Every function of store/ that runs SQL goes through here, so the pattern
 * is written once (as in lwan's database.h) and the files per table family
 * only say which SQL, which values and how a row becomes a struct.
 *
 * Which connection and which lock a call uses is decided in one place:
 * store_enter(). STORE_WRITE takes the one mutex around the one writer
 * connection; STORE_READ takes the calling thread's own read-only
 * connection (over WAL: readers never wait for the writer or each other,
 * and see every transaction committed before their statement started) and
 * no lock at all. Functions named *_locked run between store_enter() and
 * store_leave(); store_read(), store_write() and store_write_returning()
 * take and give back the connection themselves. A read holds no
 * transaction open after store_leave(): every statement is reset on
 * release, so the next read sees the newest commit.
 *
 * Return values are enum store_rc (store.h): STORE_OK, STORE_NOT_FOUND
 * ("no row" for reads, "changed no row" for writes) and STORE_ERROR, whose
 * detail is logged here under the caller's `what`.
 */
#ifndef ISC_STORE_QUERY_H
#define ISC_STORE_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "control_store.h"
#include "store_int.h"

/* ---- the connection ---- */

enum store_mode {
    STORE_READ, /* the call only reads */
    STORE_WRITE /* the call changes rows (or opens a transaction) */
};

/* Takes the connection for `mode` (STORE_WRITE blocks until the writer is
 * free; STORE_READ never blocks, and falls back to the writer only when the
 * thread's reader cannot be opened). Not nestable. */
void store_enter(struct store *s, enum store_mode mode);
/* Gives back what store_enter() took. */
void store_leave(struct store *s);

/* ---- bound values ---- */

enum store_arg_kind {
    STORE_ARG_NULL,
    STORE_ARG_TEXT,         /* NULL text binds SQL NULL */
    STORE_ARG_TEXT_OR_NULL, /* NULL or "" binds SQL NULL */
    STORE_ARG_INT,
    STORE_ARG_REAL
};

/* One value for one parameter; parameters are numbered from 1 in order. */
struct store_arg {
    enum store_arg_kind kind;
    const char *text; /* borrowed; SQLite copies it on bind */
    int64_t num;
    double real;
};

/* The values of one statement. */
struct store_args {
    const struct store_arg *v;
    size_t n;
};

#define STORE_TEXT(t)                                                                              \
    {                                                                                              \
        .kind = STORE_ARG_TEXT, .text = (t)                                                        \
    }
#define STORE_TEXT_OR_NULL(t)                                                                      \
    {                                                                                              \
        .kind = STORE_ARG_TEXT_OR_NULL, .text = (t)                                                \
    }
#define STORE_INT(i)                                                                               \
    {                                                                                              \
        .kind = STORE_ARG_INT, .num = (i)                                                          \
    }
/* `i` when `cond` holds, else SQL NULL. */
#define STORE_INT_IF(cond, i)                                                                      \
    {                                                                                              \
        .kind = (cond) ? STORE_ARG_INT : STORE_ARG_NULL, .num = (i)                                \
    }
#define STORE_REAL_IF(cond, r)                                                                     \
    {                                                                                              \
        .kind = (cond) ? STORE_ARG_REAL : STORE_ARG_NULL, .real = (r)                              \
    }
#define STORE_NULL                                                                                 \
    {                                                                                              \
        .kind = STORE_ARG_NULL                                                                     \
    }

/* STORE_ARGS(STORE_TEXT(id), STORE_INT(n)): the values, counted (at least one). */
#define STORE_ARGS(...)                                                                            \
    ((struct store_args){(const struct store_arg[]){__VA_ARGS__},                                  \
                         sizeof((const struct store_arg[]){__VA_ARGS__}) /                         \
                             sizeof(struct store_arg)})
#define STORE_NO_ARGS ((struct store_args){NULL, 0})

/* ---- running statements ---- */

/* What a row callback returns: go on, stop here, or fail (STORE_ERROR). */
enum store_row { STORE_ROW_NEXT = 0, STORE_ROW_STOP = 1 };

/*
 * Runs a statement that returns no rows. STORE_OK, STORE_NOT_FOUND when it
 * changed no row, STORE_ERROR. sqlite3_last_insert_rowid() is valid until
 * store_leave().
 */
int store_write_locked(struct store *s, const char *what, const char *sql, struct store_args args);
int store_write(struct store *s, const char *what, const char *sql, struct store_args args);

/*
 * Runs a query and calls row(ud, st) for each row; `st` is valid during the
 * call only (copy what must last). STORE_ROW_STOP ends early, STORE_ERROR
 * from row ends with STORE_ERROR (and logs nothing: row knows why). Returns
 * STORE_OK when at least one row was seen, STORE_NOT_FOUND when none was,
 * STORE_ERROR. store_read() runs on a read-only connection: a statement
 * that changes rows and returns some (RETURNING) goes through
 * store_write_returning(), which is store_read_locked() on the writer.
 */
int store_read_locked(struct store *s, const char *what, const char *sql, struct store_args args,
                      int (*row)(void *ud, sqlite3_stmt *st), void *ud);
int store_read(struct store *s, const char *what, const char *sql, struct store_args args,
               int (*row)(void *ud, sqlite3_stmt *st), void *ud);
int store_write_returning(struct store *s, const char *what, const char *sql,
                          struct store_args args, int (*row)(void *ud, sqlite3_stmt *st), void *ud);

/* Row callbacks for a one-value result: column 0 as an int64_t / an int
 * into the variable at ud; they stop after the first row. */
int store_row_int64(void *ud, sqlite3_stmt *st);
int store_row_int(void *ud, sqlite3_stmt *st);

/* A caller's per-row callback and its data, carried through store_read()
 * by the *_each and *_find functions (the member names the row type). */
struct store_each {
    union {
        int (*client)(void *ud, const struct store_client *c);
        int (*task)(void *ud, const struct store_task *t);
        int (*audit)(void *ud, const struct store_audit *a);
        int (*behaviour)(void *ud, const struct store_behaviour *b);
        int (*fault)(void *ud, const struct store_fault *f);
        int (*journal)(void *ud, const struct store_journal *j);
    } fn;
    void *ud;
};

/* What a row callback returns after handing a row to a caller's callback. */
static inline int store_each_next(int caller_stopped)
{
    return caller_stopped ? STORE_ROW_STOP : STORE_ROW_NEXT;
}

/* Iteration: store_read() with row(&e, st) per row, where an empty result
 * is STORE_OK too. */
int store_read_each(struct store *s, const char *what, const char *sql, struct store_args args,
                    int (*row)(void *e, sqlite3_stmt *st), struct store_each e);

/* For iteration: an empty result is not a failure. */
static inline int store_found_or_empty(int rc)
{
    return rc == STORE_NOT_FOUND ? STORE_OK : rc;
}

/*
 * Runs `sql` (one or more statements, no values, no rows). On failure fills
 * err when given, else logs under `what`; STORE_OK or STORE_ERROR.
 */
int store_script_locked(struct store *s, const char *what, const char *sql, char *err,
                        size_t errlen);

/* store_script_locked() under the connection (STORE_WRITE), logging failures. */
int store_script(struct store *s, const char *what, const char *sql);

/*
 * Runs body(s, ud) in one BEGIN IMMEDIATE transaction: rolled back when body
 * returns STORE_ERROR, committed otherwise (a failed commit rolls back and
 * gives STORE_ERROR). Returns what body returned.
 */
int store_tx_locked(struct store *s, const char *what, int (*body)(struct store *s, void *ud),
                    void *ud);

#endif
