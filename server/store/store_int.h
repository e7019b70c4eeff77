/*
 * store_int.h - the inside of `struct store`, shared by the files of
 * server/store/ only. Every public function takes `lock` for its whole
 * duration; helpers named *_locked expect the caller to hold it.
 */
#ifndef ISC_STORE_STORE_INT_H
#define ISC_STORE_STORE_INT_H

#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>

#include "store.h"

struct store {
    sqlite3 *db;
    pthread_mutex_t lock;
    const struct store_file *fixtures;
    size_t nfixtures;
    atomic_int fault_hint; /* control.c: 0 unknown, 1 no active fault, n+1: n faults */
};

/* Logs `what` with sqlite3_errmsg() and returns -1. Caller holds the lock. */
int store_fail_locked(struct store *s, const char *what);
/* Copies column `col` of `st` into out (always NUL-terminated; NULL gives ""). */
void store_col_copy(sqlite3_stmt *st, int col, char *out, size_t outlen);
/* A malloc'd copy of column `col` ("" for NULL); NULL on OOM. */
char *store_col_dup(sqlite3_stmt *st, int col);

#endif
