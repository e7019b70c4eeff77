/*
 * store_int.h - the inside of `struct store`, shared by the files of
 * server/store/ only. Every public function holds a connection for its
 * whole duration (store_enter() in query.h decides which and how); helpers
 * named *_locked expect the caller to hold it and use store_conn() to find
 * it.
 *
 * The connections: one writer (`db`, guarded by `lock`), and over a WAL
 * database one read-only connection per thread that reads, opened on the
 * thread's first read and closed when the thread ends (or at store_close(),
 * for threads still alive then). A thread uses its reader only between
 * store_enter(STORE_READ) and store_leave(); anywhere else, code that holds
 * `lock` (store_enter(STORE_WRITE), or the generator's batches) gets the
 * writer.
 */
#ifndef ISC_STORE_STORE_INT_H
#define ISC_STORE_STORE_INT_H

#include <pthread.h>
#include <stdint.h>
#include <sqlite3.h>
#include <stdatomic.h>

#include "control_store.h"
#include "store.h"

/* One cached prepared statement (see stmt.c). */
#define STORE_STMT_CACHE 64
struct store_stmt {
    sqlite3_stmt *st; /* NULL: free slot */
    uint64_t hash;    /* of its SQL text */
    const char *text; /* the caller's SQL it was last taken for (see stmt.c) */
    uint64_t used;    /* tick of the last prepare, for LRU reuse */
    int in_use;
};

/* A connection and its cache of prepared statements (see stmt.c). */
struct store_conn {
    sqlite3 *db;
    struct store_stmt stmts[STORE_STMT_CACHE];
    uint64_t stmt_tick;
};

/* One thread's read connection (see query.c). */
struct store_reader {
    struct store_conn conn;
    struct store *s;
    int active; /* between store_enter(STORE_READ) and store_leave() */
    struct store_reader *prev, *next;
};

struct store {
    sqlite3 *db;              /* the writer connection (== writer.db) */
    struct store_conn writer; /* used under `lock` */
    pthread_mutex_t lock;
    char path[4096]; /* what readers open */
    int temporary;   /* path is a temporary file, deleted at store_close() */
    int wal;         /* 1: readers have their own connections */
    pthread_key_t reader_key;
    int reader_key_made;
    pthread_mutex_t readers_lock; /* guards the list of readers */
    struct store_reader *readers;
    struct store_ring *ring; /* the journal's queue (journal_ring.c); NULL: write at once */
    const struct store_file *fixtures;
    size_t nfixtures;
    const struct store_file *schema; /* the schema steps, for snapshots restored later */
    size_t nschema;
    atomic_int fault_hint; /* control.c: 0 unknown, 1 no active fault, n+1: n faults */
    atomic_int plan_hint;  /* behaviours.c: 0 unknown, 1 no behaviour and no queued plan */
    /* Task retention (tasks.c), set by store_task_retention() before any
     * request; read under `lock`. 0: no limit. */
    int64_t task_max;
    int64_t task_max_age_ms;
    void (*task_removed)(void *ud, const char *id);
    void *task_removed_ud;
    /* The ids the retention removed in the open transaction (tasks.c): the
     * hook hears of them only once it commits. Under `lock`. */
    char (*gone)[STORE_ID_LEN];
    size_t ngone, gone_cap;
    /* The bytes of text the journal table holds (journal.c), under `lock`;
     * journal_bytes_known 0: to be summed from the table first. */
    int64_t journal_bytes;
    int journal_bytes_known;
    int64_t journal_bytes_max; /* the budget; 0: STORE_JOURNAL_BYTES */
};

/*
 * The running-task lookup of startReport (tasks.c), here so that a test can
 * check its query plan: ?1 report_type, ?2 canonical arguments, ?3 now. Two
 * ranges of the partial index tasks_running (schema/008_task_index.sql): the
 * tasks that end by polls, and those due after now. Neither visits a task
 * that is due but was never read, however many there are.
 */
/* A task row's columns, in the order task rows are read (tasks.c). */
#define STORE_TASK_COLS                                                                            \
    "id, report_type, task_def_name, description, launcher, client_id, arguments, created_ms,"     \
    " launched_ms, completed_ms, completion_status, finish_at_ms, polls_left, outcome,"            \
    " outcome_messages, messages, rows, formats, progress"

/* The due tasks, oldest due first, along the tasks_due index (finish_at_ms,
 * then seq as its rowid): a batch reads only its own rows, however many
 * tasks are due. store_task_each_due(); its plan is checked by a test. */
#define STORE_TASK_DUE_SQL                                                                         \
    "SELECT " STORE_TASK_COLS " FROM tasks WHERE completed_ms IS NULL AND finish_at_ms <= ?"       \
    " ORDER BY finish_at_ms, seq LIMIT ?"

#define STORE_TASK_RUNNING_SQL                                                                     \
    "SELECT id FROM ("                                                                             \
    " SELECT id, seq FROM tasks WHERE report_type = ?1 AND arguments = ?2"                         \
    " AND completed_ms IS NULL AND finish_at_ms IS NULL"                                           \
    " UNION ALL"                                                                                   \
    " SELECT id, seq FROM tasks WHERE report_type = ?1 AND arguments = ?2"                         \
    " AND completed_ms IS NULL AND finish_at_ms > ?3"                                              \
    ") ORDER BY seq DESC LIMIT 1"

/*
 * The connection the calling thread holds: its reader between
 * store_enter(STORE_READ) and store_leave(), the writer otherwise (the
 * caller then holds `lock`). Never NULL.
 */
struct store_conn *store_conn(struct store *s);

/*
 * A prepared statement for `sql` from the cache of the connection the
 * caller holds (compiled on first use). The caller keeps holding it until
 * store_release(), which resets the statement (or finalizes an uncached
 * one); store_release(s, NULL) is a no-op. Returns an SQLite result code;
 * on failure *out is NULL.
 */
int store_prepare(struct store *s, const char *sql, sqlite3_stmt **out);
void store_release(struct store *s, sqlite3_stmt *st);
/* Finalizes every cached statement of `c` (before closing it). */
void store_stmts_clear(struct store_conn *c);

/* Sets up the per-thread readers (before any read) / closes every reader
 * still open (no other thread may use the store any more). */
int store_readers_init(struct store *s);
void store_readers_close(struct store *s);

/* An issued token's record (the tokens table). */
struct store_token_row {
    const char *jti;
    const char *client_id;
    int64_t issued_ms;
    int64_t expires_ms;
};

/* The journal's queue (journal_ring.c), which carries the tokens' records
 * too. store_ring_start() sets it up (STORE_ERROR: none, rows are then
 * written at once) and its thread starts with the first row; stop writes
 * what is queued and ends the thread. put queues a copy of `j` (blocking only while
 * the ring is full); flush returns when every row queued before the call
 * is written. Neither may run under the writer's lock. */
int store_ring_start(struct store *s);
void store_ring_stop(struct store *s);
int store_ring_put(struct store *s, const struct store_journal *j, size_t max_rows);
/* Queues a copy of an issued token's record the same way. */
int store_ring_put_token(struct store *s, const struct store_token_row *t);
void store_ring_flush(struct store *s);
/* 1 when the queue's thread was started (by a row), else 0. */
int store_ring_thread_running(struct store *s);
/* Inserts one journal row of `bytes` bytes of text and trims to `max_rows`
 * and STORE_JOURNAL_BYTES (journal.c); under the lock. */
int store_journal_write_locked(struct store *s, const struct store_journal *j, size_t max_rows,
                               int64_t bytes);

/* Inserts one token record and trims the record to STORE_TOKENS_KEPT
 * (clients.c); under the lock. */
int store_token_write_locked(struct store *s, const struct store_token_row *t);

/* Applies every schema step not yet recorded in schema_migrations (store.c);
 * under the lock. STORE_OK, or STORE_ERROR with the reason in err. */
int store_migrate_locked(struct store *s, char *err, size_t errlen);

/* Logs `what` with the held connection's sqlite3_errmsg(); returns -1. */
int store_fail_locked(struct store *s, const char *what);
/* Copies column `col` of `st` into out (always NUL-terminated; NULL gives ""). */
void store_col_copy(sqlite3_stmt *st, int col, char *out, size_t outlen);
/* A malloc'd copy of column `col` ("" for NULL); NULL on OOM. */
char *store_col_dup(sqlite3_stmt *st, int col);
/* Column `col` as an integer, or `dflt` when it is NULL. */
int64_t store_col_int_or(sqlite3_stmt *st, int col, int64_t dflt);

#endif
