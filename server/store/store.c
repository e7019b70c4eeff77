/*
 * store.c - the database's life: opening it, applying the schema steps,
 * seeding the fixtures, resetting it, closing it, and the meta settings
 * (see store.h). The tables of each family live in their own file
 * (clients.c, tasks.c, behaviours.c, faults.c, journal.c, tenant*.c); every
 * statement runs through query.c, which owns the connection, its lock and
 * the prepared-statement cache (stmt.c).
 */
#include "query.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../core/fdio.h"
#include "../core/buf.h"
#include "../core/log.h"
#include "../core/tmpdir.h"

/* Row callback: 1 when called (the row exists). */
static int row_seen(void *ud, sqlite3_stmt *st)
{
    (void)st;
    *(int *)ud = 1;
    return STORE_ROW_STOP;
}

/* Applies one schema step in its own transaction; err says why not. */
static int migrate_step_locked(struct store *s, const struct store_file *step, char *err,
                               size_t errlen)
{
    char why[256];
    if (store_script_locked(s, "schema", "BEGIN IMMEDIATE", err, errlen) != STORE_OK)
        return STORE_ERROR;
    if (store_script_locked(s, "schema", step->text, why, sizeof(why)) != STORE_OK) {
        store_script_locked(s, "schema", "ROLLBACK", NULL, 0);
        snprintf(err, errlen, "schema %.64s: %s", step->name, why);
        return STORE_ERROR;
    }
    if (store_write_locked(s, "schema",
                           "INSERT INTO schema_migrations (name, applied_ms) VALUES (?, "
                           "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER))",
                           STORE_ARGS(STORE_TEXT(step->name))) != STORE_OK ||
        store_script_locked(s, "schema", "COMMIT", err, errlen) != STORE_OK) {
        store_script_locked(s, "schema", "ROLLBACK", NULL, 0);
        snprintf(err, errlen, "schema: %s", sqlite3_errmsg(s->db));
        return STORE_ERROR;
    }
    return STORE_OK;
}

/* The schema steps and which of them the database has applied. */
struct applied {
    const struct store_file *schema;
    size_t n;
    unsigned char *done; /* n flags */
};

/* Row callback: flags the step named in column 0 (a name no step has is a
 * step of a newer version, and is left alone). */
static int mark_applied(void *ud, sqlite3_stmt *st)
{
    struct applied *a = ud;
    const char *name = (const char *)sqlite3_column_text(st, 0);
    for (size_t i = 0; name && i < a->n; i++)
        if (strcmp(a->schema[i].name, name) == 0)
            a->done[i] = 1;
    return STORE_ROW_NEXT;
}

/* Which steps are applied is one read of schema_migrations (a start makes
 * it on every open), then the missing steps run in order. */
int store_migrate_locked(struct store *s, char *err, size_t errlen)
{
    struct applied a = {s->schema, s->nschema, calloc(s->nschema ? s->nschema : 1, 1)};
    int rc = STORE_ERROR;
    if (!a.done) {
        snprintf(err, errlen, "out of memory");
        return STORE_ERROR;
    }
    if (store_script_locked(s, "schema",
                            "CREATE TABLE IF NOT EXISTS schema_migrations ("
                            " name TEXT PRIMARY KEY, applied_ms INTEGER NOT NULL)",
                            err, errlen) != STORE_OK)
        goto out;
    if (store_read_locked(s, "schema", "SELECT name FROM schema_migrations", STORE_NO_ARGS,
                          mark_applied, &a) == STORE_ERROR) {
        snprintf(err, errlen, "schema: %s", sqlite3_errmsg(s->db));
        goto out;
    }
    for (size_t i = 0; i < a.n; i++)
        if (!a.done[i] && migrate_step_locked(s, &a.schema[i], err, errlen) != STORE_OK)
            goto out;
    rc = STORE_OK;
out:
    free(a.done);
    return rc;
}

/* The source and native identity of a pair of accounts that share them. */
struct twin {
    int found;
    char source[128], native[256];
};

static int read_twin(void *ud, sqlite3_stmt *st)
{
    struct twin *t = ud;
    t->found = 1;
    store_col_copy(st, 0, t->source, sizeof(t->source));
    store_col_copy(st, 1, t->native, sizeof(t->native));
    return STORE_ROW_STOP;
}

/* The rules no index keeps (schema/010_accounts_native.sql): an account's
 * native identity is unique within its source (in a schema that has
 * accounts). STORE_OK, or STORE_ERROR with the pair that breaks it in err. */
static int fixtures_check_locked(struct store *s, char *err, size_t errlen)
{
    struct twin t = {0};
    int accounts = 0;
    if (store_read_locked(s, "fixtures",
                          "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'accounts'",
                          STORE_NO_ARGS, row_seen, &accounts) == STORE_ERROR ||
        (accounts &&
         store_read_locked(s, "fixtures",
                           "SELECT source_id, native_identity FROM accounts"
                           " GROUP BY source_id, native_identity HAVING count(*) > 1 LIMIT 1",
                           STORE_NO_ARGS, read_twin, &t) == STORE_ERROR)) {
        snprintf(err, errlen, "fixtures: %s", sqlite3_errmsg(s->db));
        return STORE_ERROR;
    }
    if (!t.found)
        return STORE_OK;
    snprintf(err, errlen,
             "fixtures: two accounts of source '%.64s' have the native identity '%.128s'", t.source,
             t.native);
    return STORE_ERROR;
}

/* Loads every fixture file and checks the rules; the caller holds a transaction. */
static int load_fixtures_locked(struct store *s, char *err, size_t errlen)
{
    for (size_t i = 0; i < s->nfixtures; i++) {
        char msg[256];
        if (store_script_locked(s, "fixtures", s->fixtures[i].text, msg, sizeof(msg))) {
            snprintf(err, errlen, "fixtures %.64s: %s", s->fixtures[i].name, msg);
            return STORE_ERROR;
        }
    }
    if (fixtures_check_locked(s, err, errlen) != STORE_OK)
        return STORE_ERROR;
    return store_script_locked(
        s, "fixtures", "INSERT OR REPLACE INTO meta (key, value) VALUES ('fixtures', 'loaded')",
        err, errlen);
}

/* Loads the fixtures in one transaction when they never were. */
static int seed_locked(struct store *s, char *err, size_t errlen)
{
    int loaded = 0;
    if (store_read_locked(s, "meta get", "SELECT 1 FROM meta WHERE key = 'fixtures'", STORE_NO_ARGS,
                          row_seen, &loaded) == STORE_ERROR) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(s->db));
        return STORE_ERROR;
    }
    if (loaded)
        return STORE_OK;
    if (store_script_locked(s, "fixtures", "BEGIN IMMEDIATE", err, errlen) != STORE_OK)
        return STORE_ERROR;
    if (load_fixtures_locked(s, err, errlen) != STORE_OK ||
        store_script_locked(s, "fixtures", "COMMIT", err, errlen) != STORE_OK) {
        store_script_locked(s, "fixtures", "ROLLBACK", NULL, 0);
        return STORE_ERROR;
    }
    return STORE_OK;
}

void store_image_release(const struct store_image *image)
{
    long page = sysconf(_SC_PAGESIZE);
    if (!image->mapped || page <= 0)
        return;
    uintptr_t mask = (uintptr_t)page - 1, start = (uintptr_t)image->data;
    uintptr_t first = (start + mask) & ~mask, end = (start + image->size) & ~mask;
    if (end > first)
        madvise((void *)first, end - first, MADV_DONTNEED);
}

/* A new database becomes a copy of the image (the backup API copies its
 * pages, page size included); a database with tables is left alone. */
static int image_load_locked(struct store *s, const struct store_image *image, char *err,
                             size_t errlen)
{
    /* Not through store_read_locked(): a file that is no database is the
     * caller's one-line error, not a log line too. */
    sqlite3_stmt *st = NULL;
    int step = sqlite3_prepare_v2(s->db, "SELECT 1 FROM sqlite_master", -1, &st, NULL);
    if (step == SQLITE_OK)
        step = sqlite3_step(st);
    sqlite3_finalize(st);
    if (step != SQLITE_ROW && step != SQLITE_DONE) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(s->db));
        return STORE_ERROR;
    }
    if (step == SQLITE_ROW)
        return STORE_OK; /* it has tables */
    sqlite3 *src = NULL;
    sqlite3_backup *b = NULL;
    int rc = sqlite3_open_v2(":memory:", &src, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
    /* READONLY: SQLite reads the static bytes in place and never writes them. */
    if (rc == SQLITE_OK)
        rc = sqlite3_deserialize(src, "main", (unsigned char *)image->data,
                                 (sqlite3_int64)image->size, (sqlite3_int64)image->size,
                                 SQLITE_DESERIALIZE_READONLY);
    if (rc == SQLITE_OK && !(b = sqlite3_backup_init(s->db, "main", src, "main")))
        rc = sqlite3_errcode(s->db);
    if (b) {
        rc = sqlite3_backup_step(b, -1) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
        if (sqlite3_backup_finish(b) != SQLITE_OK)
            rc = SQLITE_ERROR;
    }
    if (rc != SQLITE_OK)
        snprintf(err, errlen, "built-in image: %s",
                 sqlite3_errcode(s->db) != SQLITE_OK ? sqlite3_errmsg(s->db)
                 : src                               ? sqlite3_errmsg(src)
                                                     : sqlite3_errstr(rc));
    sqlite3_close(src);
    store_image_release(image);
    return rc == SQLITE_OK ? STORE_OK : STORE_ERROR;
}

/* A new file for the default database, under $TMPDIR or /tmp: empty, or
 * with image the image's bytes, written in one go (a copy through SQLite
 * would allocate and fill its page cache first: half the page faults of a
 * start). 0, or -1 with errno set, no file left and out holding the folder
 * it was tried in (for the caller's message). */
static int temp_path(char *out, size_t outlen, const struct store_image *image)
{
    int fd = tmpdir_file("isc-reports-mock-", out, outlen);
    if (fd < 0)
        return -1;
    int rc = image ? fdio_write_all(fd, image->data, image->size) : 0;
    int saved = errno;
    if (image)
        store_image_release(image);
    if (close(fd) != 0 && rc == 0) {
        rc = -1;
        saved = errno;
    }
    if (rc != 0) {
        unlink(out);
        char *slash = strrchr(out, '/');
        if (slash)
            *slash = '\0'; /* the folder, as when the file cannot be made */
        errno = saved;
    }
    return rc;
}

/* Asks for WAL; 1 when the database is in WAL mode then, 0 when it stays in
 * another mode, -1 on error (nothing logged: the caller reports it). */
static int set_wal_locked(struct store *s)
{
    sqlite3_stmt *st = NULL;
    int wal = -1;
    if (sqlite3_prepare_v2(s->db, "PRAGMA journal_mode = WAL", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
        const unsigned char *mode = sqlite3_column_text(st, 0);
        wal = mode && strcmp((const char *)mode, "wal") == 0;
    }
    sqlite3_finalize(st);
    return wal;
}

/* WAL for both kinds; a temporary file need not survive a crash. */
static int tune_locked(struct store *s, char *err, size_t errlen)
{
    const char *sync = s->temporary ? "PRAGMA synchronous = OFF" : "PRAGMA synchronous = NORMAL";
    if (store_script_locked(s, "open", "PRAGMA foreign_keys = ON", err, errlen))
        return STORE_ERROR;
    s->wal = set_wal_locked(s);
    if (s->wal < 0) {
        s->wal = 0;
        snprintf(err, errlen, "%s", sqlite3_errmsg(s->db));
        return STORE_ERROR;
    }
    return store_script_locked(s, "open", sync, err, errlen);
}

struct store *store_open(const char *path, const struct store_file *schema, size_t nschema,
                         const struct store_file *fixtures, size_t nfixtures, char *err,
                         size_t errlen)
{
    return store_open_image(path, schema, nschema, NULL, fixtures, nfixtures, err, errlen);
}

/*
 * SQLite's process-wide settings, before its first use. Without memory
 * statistics: with them (Debian's default) every allocation SQLite makes
 * takes one mutex shared by all connections, and Debian's build has no
 * lookaside, so every statement allocates. Nothing here reads the
 * statistics. It fails harmlessly (SQLITE_MISUSE) when SQLite was already
 * initialised, for example by a test that opened a database first.
 */
static pthread_once_t sqlite_once = PTHREAD_ONCE_INIT;

static void sqlite_setup(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

struct store *store_open_image(const char *path, const struct store_file *schema, size_t nschema,
                               const struct store_image *image, const struct store_file *fixtures,
                               size_t nfixtures, char *err, size_t errlen)
{
    struct store *s = calloc(1, sizeof(*s));
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    pthread_once(&sqlite_once, sqlite_setup);
    pthread_mutex_init(&s->lock, NULL);
    s->fixtures = fixtures;
    s->nfixtures = nfixtures;
    s->schema = schema;
    s->nschema = nschema;
    if (store_readers_init(s) != STORE_OK) {
        snprintf(err, errlen, "cannot set up the database's readers");
        goto fail;
    }
    s->temporary = tmpdir_is_private_db(path);
    const struct store_image *copy = image; /* what SQLite still has to copy in */
    if (s->temporary)
        copy = NULL; /* temp_path() writes it */
    if (s->temporary ? temp_path(s->path, sizeof(s->path), image) != 0
                     : (size_t)snprintf(s->path, sizeof(s->path), "%s", path) >= sizeof(s->path)) {
        if (s->temporary)
            snprintf(err, errlen, "cannot create the database's temporary file in %s: %s",
                     s->path[0] ? s->path : "$TMPDIR", strerror(errno));
        else
            snprintf(err, errlen, "cannot create the database file: path too long");
        s->temporary = 0;
        goto fail;
    }
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(s->path, &s->db, flags, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "cannot open database %s: %s", path,
                 s->db ? sqlite3_errmsg(s->db) : "out of memory");
        goto fail;
    }
    s->writer.db = s->db;
    sqlite3_busy_timeout(s->db, 5000);
    sqlite3_extended_result_codes(s->db, 1);
    char msg[400] = "";
    /* A temporary file need not survive a crash: no syncs, and no rollback
     * journal before WAL. Each sync and each file created beside the
     * database waits for the disk, which other processes may keep busy: most
     * of the wall time of a start on a loaded machine. */
    if (s->temporary &&
        store_script_locked(s, "open", "PRAGMA synchronous = OFF; PRAGMA journal_mode = OFF", msg,
                            sizeof(msg))) {
        snprintf(err, errlen, "database %s: %s", path, msg);
        goto fail;
    }
    /* The image goes in before WAL (a backup cannot change a WAL database's
     * page size); page_size only takes effect in a new database (16 KiB: a
     * bulk load of a large tenant is about a quarter faster than with 4 KiB). */
    if ((copy && image_load_locked(s, copy, msg, sizeof(msg))) ||
        store_script_locked(s, "open", "PRAGMA page_size = 16384", msg, sizeof(msg)) ||
        tune_locked(s, msg, sizeof(msg)) || store_migrate_locked(s, msg, sizeof(msg)) ||
        seed_locked(s, msg, sizeof(msg))) {
        snprintf(err, errlen, "database %s: %s", path, msg);
        goto fail;
    }
    if (store_ring_start(s) != STORE_OK)
        log_msg("warn", NULL, "store: no journal queue: requests write their journal rows");
    return s;
fail:
    store_close(s);
    return NULL;
}

int store_image_make(struct store *s, struct store_image *out)
{
    sqlite3_int64 size = 0;
    int rc = STORE_ERROR;
    out->data = NULL;
    out->size = 0;
    out->mapped = 0;
    store_enter(s, STORE_WRITE);
    if (store_script_locked(s, "image", "VACUUM", NULL, 0) == STORE_OK) {
        unsigned char *data = sqlite3_serialize(s->db, "main", &size, 0);
        /* The source is in WAL mode (bytes 18 and 19 of the header say 2);
         * the image must open in memory, which knows no WAL: say 1. */
        if (data && size > 19)
            data[18] = data[19] = 1;
        out->data = data;
        out->size = (size_t)size;
        rc = out->data ? STORE_OK : store_fail_locked(s, "image");
    }
    store_leave(s);
    return rc;
}

void store_image_free(struct store_image *img)
{
    if (!img)
        return;
    sqlite3_free((void *)img->data);
    img->data = NULL;
    img->size = 0;
}

/* Deletes the temporary database and what SQLite keeps beside it. */
static void remove_temporary(const char *path)
{
    static const char *const sides[] = {"", "-wal", "-shm", "-journal"};
    for (size_t i = 0; i < sizeof(sides) / sizeof(sides[0]); i++) {
        char name[sizeof(((struct store *)0)->path) + 16];
        snprintf(name, sizeof(name), "%s%s", path, sides[i]);
        unlink(name);
    }
}

void store_close(struct store *s)
{
    if (!s)
        return;
    store_ring_stop(s);
    store_readers_close(s);
    if (s->db) {
        store_stmts_clear(&s->writer);
        /* A temporary database is deleted next: no statistics for a later
         * open, and no checkpoint copying the WAL into the file. */
        if (s->temporary)
            sqlite3_db_config(s->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
        else
            sqlite3_exec(s->db, "PRAGMA optimize", NULL, NULL, NULL);
        sqlite3_close_v2(s->db);
    }
    if (s->temporary)
        remove_temporary(s->path);
    pthread_mutex_destroy(&s->readers_lock);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

/* Row callback: appends a DELETE of the table named in column 0. */
static int add_delete(void *ud, sqlite3_stmt *st)
{
    const char *name = (const char *)sqlite3_column_text(st, 0);
    /* Names come from our own schema; quote them all the same. */
    char *q = sqlite3_mprintf("DELETE FROM \"%w\";", name ? name : "");
    int bad = !q || buf_puts(ud, q) != 0;
    sqlite3_free(q);
    return bad ? STORE_ERROR : STORE_ROW_NEXT;
}

/* Tables that keep their rows across a reset: the server's settings. Every
 * other table (tasks, tokens, audit events, clients and all tenant tables,
 * whatever later schema steps add) is emptied, then the fixtures reload. */
static int clear_tables_locked(struct store *s, char *err, size_t errlen)
{
    struct buf sql;
    int rc = STORE_ERROR;
    buf_init(&sql, 1 << 20);
    if (store_read_locked(s, "reset",
                          "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE"
                          " 'sqlite_%' AND name NOT IN ('meta', 'schema_migrations')",
                          STORE_NO_ARGS, add_delete, &sql) == STORE_ERROR ||
        buf_puts(&sql, "DELETE FROM meta WHERE key = 'fixtures';") != 0 ||
        /* The fixtures' tasks get the positions they have in a new database. */
        buf_puts(&sql, "DELETE FROM sqlite_sequence WHERE name = 'tasks';") != 0)
        snprintf(err, errlen, "%s", sqlite3_errmsg(s->db));
    else
        rc = store_script_locked(s, "reset", sql.data, err, errlen);
    buf_free(&sql);
    return rc;
}

int store_reset(struct store *s)
{
    char msg[400] = "";
    int rc = STORE_ERROR;
    store_ring_flush(s); /* rows queued before the reset go with it */
    store_enter(s, STORE_WRITE);
    if (store_script_locked(s, "reset", "BEGIN IMMEDIATE", NULL, 0) != STORE_OK)
        goto out;
    if (store_script_locked(s, "reset", "PRAGMA defer_foreign_keys = ON", msg, sizeof(msg)) ||
        clear_tables_locked(s, msg, sizeof(msg)) || load_fixtures_locked(s, msg, sizeof(msg)) ||
        store_script_locked(s, "reset", "COMMIT", msg, sizeof(msg))) {
        log_msg("error", NULL, "store: reset: %s", msg);
        store_script_locked(s, "reset", "ROLLBACK", NULL, 0);
        goto out;
    }
    rc = STORE_OK;
out:
    s->journal_bytes_known = 0;     /* emptied, or rolled back: summed again */
    atomic_store(&s->plan_hint, 0); /* the fixtures may hold behaviours */
    store_leave(s);
    return rc;
}

/* ---- meta ---- */

struct text_out {
    char *out;
    size_t len;
};

/* Row callback: copies column 0 into a struct text_out. */
static int copy_text(void *ud, sqlite3_stmt *st)
{
    struct text_out *t = ud;
    store_col_copy(st, 0, t->out, t->len);
    return STORE_ROW_STOP;
}

int store_meta_get(struct store *s, const char *key, char *out, size_t outlen)
{
    struct text_out t = {out, outlen};
    return store_read(s, "meta get", "SELECT value FROM meta WHERE key = ?",
                      STORE_ARGS(STORE_TEXT(key)), copy_text, &t);
}

int store_meta_set(struct store *s, const char *key, const char *value)
{
    return store_write(s, "meta set", "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                       STORE_ARGS(STORE_TEXT(key), STORE_TEXT(value)));
}

int store_meta_set2(struct store *s, const char *key1, const char *value1, const char *key2,
                    const char *value2)
{
    return store_write(
        s, "meta set", "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?), (?, ?)",
        STORE_ARGS(STORE_TEXT(key1), STORE_TEXT(value1), STORE_TEXT(key2), STORE_TEXT(value2)));
}

void store_release_memory(struct store *s)
{
    if (!s)
        return;
    store_enter(s, STORE_WRITE);
    sqlite3_db_release_memory(s->db);
    store_leave(s);
}
