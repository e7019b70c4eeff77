/*
 * store.h - the server's only door to its SQLite database.
 *
 * A `struct store` is an opaque handle around one writer connection guarded
 * by one mutex and one read-only connection per reading thread (see
 * store_int.h): every function here is thread-safe, a write holds the lock
 * only for its own duration and a read takes no lock. Nothing outside
 * server/store/ includes sqlite3.h.
 *
 * Conventions: functions return an enum store_rc: STORE_OK, STORE_NOT_FOUND
 * ("not found / not applicable", only where a function documents it) or
 * STORE_ERROR (a database error whose detail is logged here, never returned
 * to a client). Output structs are caller-owned; the heap strings inside a
 * struct store_task are released with store_task_clear(). Input strings are
 * copied; none is retained.
 *
 * Callbacks (the `fn` of every *_each and *_find function here and in
 * control_store.h, and tenant_page's) run while the store holds its
 * connection: they must not call into the store, and what they are given is
 * valid during the call only.
 */
#ifndef ISC_STORE_STORE_H
#define ISC_STORE_STORE_H

#include <stddef.h>
#include <stdint.h>

struct store;

/* What the store's functions return (as int). */
enum store_rc {
    STORE_ERROR = -1,    /* a database error (logged) or out of memory */
    STORE_OK = 0,        /* done */
    STORE_NOT_FOUND = 1, /* no such row, or nothing to do, where documented */
};

/* One embedded or on-disk text file (a schema step or a fixture). */
struct store_file {
    const char *name; /* e.g. "001_init.sql"; ordering key */
    const char *text; /* NUL-terminated SQL */
};

/* The bytes of a prebuilt SQLite database file. */
struct store_image {
    const unsigned char *data;
    size_t size;
    /* 1: data is read-only static memory mapped from the executable, so the
     * pages it fills can be given back once the image is copied (read again
     * from the file if ever touched). 0: any other memory, left alone. */
    int mapped;
};

/*
 * Opens (creating if needed) the database at `path`, in WAL mode. ":memory:"
 * (or "") is a new temporary file under $TMPDIR or /tmp, written without
 * fsync and deleted by store_close(). Applies every schema step not yet recorded in
 * schema_migrations, in name order, each in its own transaction, and loads
 * `fixtures` when the tenant has never been loaded. On failure returns NULL
 * and writes a one-line reason into `err`.
 */
struct store *store_open(const char *path, const struct store_file *schema, size_t nschema,
                         const struct store_file *fixtures, size_t nfixtures, char *err,
                         size_t errlen);
/*
 * store_open(), but a new (empty) database starts as a copy of `image`
 * instead of running the schema steps and `fixtures` from nothing: `image`
 * must be what store_image_make() made from the same schema and fixtures
 * (then the two are the same database). Steps the image lacks are applied
 * as usual; a database that already holds tables ignores the image. A NULL
 * image is store_open().
 */
struct store *store_open_image(const char *path, const struct store_file *schema, size_t nschema,
                               const struct store_image *image, const struct store_file *fixtures,
                               size_t nfixtures, char *err, size_t errlen);
/*
 * The database as one compacted image (VACUUM, then sqlite3_serialize), into
 * *out, whose data the caller frees with store_image_free(). STORE_OK or
 * STORE_ERROR (logged). Meant for a database nobody else uses (a build step).
 */
int store_image_make(struct store *s, struct store_image *out);
/*
 * Gives back the resident pages of a mapped image (mapped 1; otherwise a
 * no-op): the whole pages inside it leave the process's memory. They are
 * the executable's file, unchanged, and are read again if touched. Touching
 * other read-only data can map the image's pages too (the kernel maps a
 * fault's neighbours that are already cached), so start-up calls this once
 * more at its end. Any thread; the image must not be in use.
 */
void store_image_release(const struct store_image *image);
/* Frees what store_image_make() gave; NULL data is a no-op. */
void store_image_free(struct store_image *img);
/* Closes every connection (checkpointing WAL into a database file) and
 * deletes a temporary database (without a checkpoint). No other thread may
 * use the store any more. NULL is a no-op. */
void store_close(struct store *s);

/*
 * Hands back the memory of the writer's page cache that holds nothing but
 * copies of pages already in the database file: after the tenant loaded,
 * the whole database sits in it otherwise, for as long as the server idles.
 * An in-memory database keeps its pages (they are the database). Takes the
 * writer for the call. NULL is a no-op.
 */
void store_release_memory(struct store *s);

/*
 * The calling thread reads through the writer from now on (taking its lock)
 * instead of opening a read connection of its own: for a thread that reads
 * a few times and then never again, like the one that assembles the server
 * and then waits for a signal, a connection of its own (which reads and
 * parses the schema again) costs more than its reads. Reads of every other
 * thread are unchanged.
 */
void store_reads_on_writer(struct store *s);

/* Drops every task, token, audit event, journal row and tenant row and
 * loads the fixtures again, in one transaction. */
int store_reset(struct store *s);

/* Key/value settings that must survive a restart (signing key, clock).
 * store_meta_get gives STORE_NOT_FOUND when the key is absent. */
int store_meta_get(struct store *s, const char *key, char *out, size_t outlen);
int store_meta_set(struct store *s, const char *key, const char *value);
/* Two settings in one transaction (a new database's identity: one write, not two). */
int store_meta_set2(struct store *s, const char *key1, const char *value1, const char *key2,
                    const char *value2);

/* ---- API clients ---- */
struct store_client {
    char client_id[128];
    char secret[128];
    char name[128];
    int user_context;     /* 1: personal access token (user), 0: client credentials */
    char scopes[512];     /* space separated */
    char user_level[64];  /* e.g. ORG_ADMIN; "" for client credentials */
    char user_name[128];  /* "" for client credentials */
    char identity_id[40]; /* "" for client credentials */
};
int store_client_get(struct store *s, const char *client_id,
                     struct store_client *out);                      /* STORE_NOT_FOUND: none */
int store_client_put(struct store *s, const struct store_client *c); /* insert or replace */
int store_client_delete(struct store *s, const char *client_id);     /* STORE_NOT_FOUND: none */
/* Calls fn for each client in client_id order; stops early when fn returns nonzero. */
int store_client_each(struct store *s, int (*fn)(void *ud, const struct store_client *c), void *ud);

/* Records an issued token (by jti) for the journal of what was handed out.
 * Only the newest STORE_TOKENS_KEPT are kept (trimmed every STORE_TOKENS_TRIM
 * inserts), so minting tokens in a loop cannot grow the database without end.
 * The record goes through the journal's queue (a copy is queued, written in
 * the next batch within milliseconds); what reads, saves or empties the
 * tokens table flushes that queue first. The token itself never depends on
 * its record: it is a JWT checked by its signature. */
#define STORE_TOKENS_KEPT 10000
#define STORE_TOKENS_TRIM 1000
int store_token_record(struct store *s, const char *jti, const char *client_id, int64_t issued_ms,
                       int64_t expires_ms);
/* How many issued tokens are recorded now. */
int store_token_count(struct store *s, int64_t *count);

/* ---- report tasks ---- */
#define STORE_ID_LEN 33
struct store_task {
    char id[STORE_ID_LEN];
    char report_type[40];
    char task_def_name[64];
    char description[160];
    char launcher[128];
    char client_id[128];
    char *arguments; /* canonical JSON object text, owned */
    int64_t created_ms;
    int64_t launched_ms;
    int64_t completed_ms;       /* 0: not completed (sent as null) */
    char completion_status[16]; /* "" while running */
    int64_t finish_at_ms;       /* when it completes by time; 0: it completes by polls */
    int polls_left;             /* result polls before it completes; -1: by time */
    char outcome[16];           /* completionStatus it will end with */
    char *outcome_messages;     /* JSON array for TaskResultDetails.messages at the end, owned */
    char *messages;             /* JSON array of messages now, owned */
    int64_t rows;               /* -1: unknown */
    char formats[16];           /* "CSV,PDF", "CSV" or "PDF" */
    char progress[64];          /* "" when none (sent as null) */
};
/* Frees the owned strings with free() (so they are malloc'd copies, never
 * cJSON's printed text) and zeroes the struct; NULL is a no-op. */
void store_task_clear(struct store_task *t);

/*
 * Inserts `t` unless a task of the same report_type and the same canonical
 * arguments is still running at `now_ms`: then `t` is replaced by that task
 * and *existing is set to 1. The check and the insert are atomic, and so is
 * the retention (store_task_retention) that an insert applies. The lookup
 * costs O(log n) however many tasks are stored, due or not.
 */
int store_task_start(struct store *s, struct store_task *t, int64_t now_ms, int *existing);
/*
 * Sets the task retention policy and applies it now: the newest `max_tasks`
 * tasks (by start order) are kept and none created more than `max_age_ms`
 * before `now_ms`; 0 turns either bound off. From then on
 * store_task_start() applies it in the transaction that inserts a task
 * (with that start's now_ms). Past max_tasks the oldest go in batches of
 * STORE_TASK_BATCH(max_tasks), so the table holds at most max_tasks +
 * STORE_TASK_BATCH(max_tasks) - 1 tasks (max_tasks after this call).
 * A task is removed whatever its state, running or not. removed(ud, id),
 * when not NULL, is told each removed task's id once the transaction that
 * removed it has committed (never one that a failed commit kept), while the
 * store still holds its writer: it must not call into the store. Call it before serving requests
 * (not thread-safe against store_task_start()). STORE_OK or STORE_ERROR.
 */
#define STORE_TASK_BATCH(max_tasks)                                                                \
    ((max_tasks) / 16 < 1 ? INT64_C(1) : (max_tasks) / 16 > 64 ? INT64_C(64) : (max_tasks) / 16)
int store_task_retention(struct store *s, int64_t max_tasks, int64_t max_age_ms, int64_t now_ms,
                         void (*removed)(void *ud, const char *id), void *ud);
/* STORE_NOT_FOUND: no task with that id. */
int store_task_get(struct store *s, const char *id, struct store_task *out);
/* Ends a running task. STORE_NOT_FOUND: no running task with that id (it
 * had already ended). */
int store_task_finish(struct store *s, const char *id, const char *status, int64_t completed_ms,
                      int64_t rows, const char *messages_json);
/* Counts one result poll on a task that completes by polls; *left gets what
 * remains. STORE_NOT_FOUND: no running task with that id completes by polls. */
int store_task_poll(struct store *s, const char *id, int *left);
/* Calls fn for each task, newest first, at most `limit`; stops when fn returns nonzero. */
int store_task_each(struct store *s, int limit, int (*fn)(void *ud, const struct store_task *t),
                    void *ud);

/* Calls fn for each task that has not ended and whose end by time is due
 * at now_ms, oldest first, at most `limit`; stops when fn returns nonzero. */
int store_task_each_due(struct store *s, int64_t now_ms, int limit,
                        int (*fn)(void *ud, const struct store_task *t), void *ud);
/* The earliest end by time after `after_ms` among tasks that have not
 * ended, into *out: STORE_OK, STORE_NOT_FOUND when there is none. */
int store_task_next_due(struct store *s, int64_t after_ms, int64_t *out);

/* ---- audit events (auditable=true downloads) ---- */
struct store_audit {
    int64_t id;
    int64_t at_ms;
    char client_id[128];
    char user_name[128];
    char task_id[STORE_ID_LEN];
    char report_type[40];
    char file_format[8];
    char file_name[256];
    char tracking_id[STORE_ID_LEN];
};
/* Records an audit event. Only the newest STORE_AUDIT_KEPT are kept (trimmed
 * every STORE_AUDIT_TRIM inserts), so auditable downloads in a loop cannot grow
 * the database without end. */
#define STORE_AUDIT_KEPT 10000
#define STORE_AUDIT_TRIM 1000
int store_audit_add(struct store *s, const struct store_audit *a);
int store_audit_each(struct store *s, int limit, int (*fn)(void *ud, const struct store_audit *a),
                     void *ud);

#endif
