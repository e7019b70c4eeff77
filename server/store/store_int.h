/*
 * store_int.h - the inside of `struct store`, shared by the files of
 * server/store/ only. Every public function holds the connection for its
 * whole duration (store_enter() in query.h decides which and how); helpers
 * named *_locked expect the caller to hold it.
 */
#ifndef ISC_STORE_STORE_INT_H
#define ISC_STORE_STORE_INT_H

#include <pthread.h>
#include <stdint.h>
#include <sqlite3.h>
#include <stdatomic.h>

#include "store.h"

/* One cached prepared statement (see stmt.c). */
#define STORE_STMT_CACHE 64
struct store_stmt {
    sqlite3_stmt *st; /* NULL: free slot */
    uint64_t hash;    /* of its SQL text */
    uint64_t used;    /* tick of the last prepare, for LRU reuse */
    int in_use;
};

struct store {
    sqlite3 *db;
    struct store_stmt stmts[STORE_STMT_CACHE];
    uint64_t stmt_tick;
    pthread_mutex_t lock;
    const struct store_file *fixtures;
    size_t nfixtures;
    atomic_int fault_hint; /* control.c: 0 unknown, 1 no active fault, n+1: n faults */
};

/*
 * A prepared statement for `sql` from the cache (compiled on first use).
 * Caller holds the lock until store_release(), which resets the statement
 * (or finalizes an uncached one); store_release(s, NULL) is a no-op.
 * Returns an SQLite result code; on failure *out is NULL.
 */
int store_prepare(struct store *s, const char *sql, sqlite3_stmt **out);
void store_release(struct store *s, sqlite3_stmt *st);
/* Finalizes every cached statement (before closing the connection). */
void store_stmts_clear(struct store *s);

/* Logs `what` with sqlite3_errmsg() and returns -1. Caller holds the lock. */
int store_fail_locked(struct store *s, const char *what);
/* Copies column `col` of `st` into out (always NUL-terminated; NULL gives ""). */
void store_col_copy(sqlite3_stmt *st, int col, char *out, size_t outlen);
/* A malloc'd copy of column `col` ("" for NULL); NULL on OOM. */
char *store_col_dup(sqlite3_stmt *st, int col);
/* Column `col` as an integer, or `dflt` when it is NULL. */
int64_t store_col_int_or(sqlite3_stmt *st, int col, int64_t dflt);

#endif
