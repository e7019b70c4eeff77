/*
 * states.c - snapshots of the whole state (see states.h). Saving is
 * VACUUM INTO (a consistent, compacted copy taken under the writer's lock),
 * then the snapshot's own two tables filled on the copy's own connection.
 * Restoring makes the snapshot ready in a private copy (its own tables
 * dropped, the kept meta rows put in), then SQLite's backup API copies that
 * into the live database: one write transaction, so readers over WAL see
 * the old state or the new one, and a failure before it changes nothing. Report files travel as
 * BLOBs, read and written a chunk at a time. Nothing here knows HTTP or what a report file holds.
 */
#include "states.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/fdio.h"
#include "../core/tmpdir.h"
#include "query.h"

#define CHUNK (64 * 1024)       /* bytes of a report file copied at a time */
#define FILE_PATH_MAX 4200      /* a folder path and a report file's name */
#define TMP_SUFFIX ".state.tmp" /* a restored file before it is renamed into place */
#define KEEP_MAX 8              /* meta rows a restore keeps */
#define KEEP_VALUE_MAX 512      /* bytes of each */

/* A report file's name as the folder keeps it: the task id (32 lowercase
 * hex digits), '.', and a format of 1 to 8 lowercase letters or digits.
 * Anything else (temporary files, names from a foreign snapshot that would
 * leave the folder) is not copied. */
static int file_name_ok(const char *name)
{
    size_t i = 0, n = 0;
    for (; i < 32; i++)
        if (!((name[i] >= '0' && name[i] <= '9') || (name[i] >= 'a' && name[i] <= 'f')))
            return 0;
    if (name[i++] != '.')
        return 0;
    for (; name[i]; i++, n++)
        if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9')))
            return 0;
    return n >= 1 && n <= 8;
}

/* Runs `sql` on `db`; 0, or -1 with the reason in err. */
static int run(sqlite3 *db, const char *sql, char *err, size_t errlen)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK)
        return 0;
    snprintf(err, errlen, "%s", msg ? msg : sqlite3_errmsg(db));
    sqlite3_free(msg);
    return -1;
}

/* One integer query on `db` (with an optional text parameter); -1 on error. */
static int64_t query_int(sqlite3 *db, const char *sql, const char *arg)
{
    sqlite3_stmt *st = NULL;
    int64_t v = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
        (!arg || sqlite3_bind_text(st, 1, arg, -1, SQLITE_TRANSIENT) == SQLITE_OK) &&
        sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* ---- saving ---- */

/* The live database compacted into `path`, under the writer's lock. */
static int copy_live(struct store *s, const char *path, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    store_enter(s, STORE_WRITE);
    int rc = sqlite3_prepare_v2(s->db, "VACUUM INTO ?1", -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(st, 1, path, -1, SQLITE_TRANSIENT);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    if (rc != SQLITE_DONE)
        snprintf(err, errlen, "copy: %s", sqlite3_errmsg(s->db));
    sqlite3_finalize(st);
    store_leave(s);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* Writes one snapshot_info row. */
static int put_info(sqlite3 *db, const char *key, const char *value)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, "INSERT INTO snapshot_info (key, value) VALUES (?1, ?2)", -1,
                                &st, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC)) == SQLITE_OK &&
        (rc = sqlite3_bind_text(st, 2, value, -1, SQLITE_TRANSIENT)) == SQLITE_OK)
        rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

static int put_info_int(sqlite3 *db, const char *key, int64_t v)
{
    char text[32];
    snprintf(text, sizeof(text), "%" PRId64, v);
    return put_info(db, key, text);
}

/* Copies the open file `fd` of `size` bytes into a new snapshot_files row. */
static int put_file(sqlite3 *db, const char *name, int fd, int64_t size)
{
    sqlite3_stmt *st = NULL;
    sqlite3_blob *blob = NULL;
    char *chunk = NULL;
    int rc = sqlite3_prepare_v2(db, "INSERT INTO snapshot_files (name, data) VALUES (?1, ?2)", -1,
                                &st, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC)) == SQLITE_OK &&
        (rc = sqlite3_bind_zeroblob64(st, 2, (sqlite3_uint64)size)) == SQLITE_OK)
        rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
    sqlite3_finalize(st);
    if (rc == SQLITE_OK)
        rc = sqlite3_blob_open(db, "main", "snapshot_files", "data", sqlite3_last_insert_rowid(db),
                               1, &blob);
    if (rc == SQLITE_OK && !(chunk = malloc(CHUNK)))
        rc = SQLITE_NOMEM;
    for (int64_t at = 0; rc == SQLITE_OK && at < size;) {
        ssize_t n = read(fd, chunk, (size_t)(size - at < CHUNK ? size - at : CHUNK));
        if (n <= 0) {
            rc = n < 0 && errno == EINTR ? SQLITE_OK : SQLITE_IOERR;
            continue;
        }
        rc = sqlite3_blob_write(blob, chunk, (int)n, (int)at);
        at += n;
    }
    free(chunk);
    sqlite3_blob_close(blob);
    return rc == SQLITE_OK ? 0 : -1;
}

/* Copies every report file of `dir` whose task has ended in the copy; *count gets how many. */
static int put_files(sqlite3 *db, const char *dir, int64_t *count, char *err, size_t errlen)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int rc = 0;
    if (!d) {
        snprintf(err, errlen, "cannot read %s: %s", dir, strerror(errno));
        return -1;
    }
    while (rc == 0 && (e = readdir(d)) != NULL) {
        char id[33], path[FILE_PATH_MAX];
        if (!file_name_ok(e->d_name))
            continue;
        memcpy(id, e->d_name, 32);
        id[32] = '\0';
        if (query_int(db, "SELECT count(*) FROM tasks WHERE id = ?1 AND completed_ms IS NOT NULL",
                      id) != 1)
            continue; /* a task the copy does not hold, or one still running there */
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        struct stat sb;
        if (fd < 0 && errno == ENOENT)
            continue; /* removed meanwhile, with its task */
        if (fd < 0 || fstat(fd, &sb) != 0 || put_file(db, e->d_name, fd, sb.st_size) != 0) {
            snprintf(err, errlen, "report file %s: %s", e->d_name,
                     fd < 0 ? strerror(errno) : sqlite3_errmsg(db));
            rc = -1;
        }
        if (fd >= 0)
            close(fd);
        *count += rc == 0;
    }
    closedir(d);
    return rc;
}

/*
 * The journal's rows, deleted from the copy, left their pages free; the
 * report files written after reused what they could. A VACUUM would give
 * the rest back, but it rewrites the whole copy again (as long as VACUUM
 * INTO took, for a large tenant seconds): it runs only when the free pages
 * are more than a tenth of the file, so a snapshot is at most that much
 * bigger than the compacted state it holds.
 */
static int give_back(sqlite3 *db, char *err, size_t errlen)
{
    int64_t free_pages = query_int(db, "PRAGMA freelist_count", NULL);
    int64_t pages = query_int(db, "PRAGMA page_count", NULL);
    if (free_pages < 0 || pages < 0 || free_pages * 10 <= pages)
        return 0;
    return run(db, "VACUUM", err, errlen);
}

/* Turns the copy into a snapshot: its tables, its info, its files. */
static int fill_copy(sqlite3 *db, const struct store_state_info *info, const char *files_dir,
                     char *err, size_t errlen)
{
    int64_t files = 0;
    /* A copy that is not complete is removed: it needs no syncs until then. */
    if (run(db, "PRAGMA journal_mode = DELETE", err, errlen) ||
        run(db, "PRAGMA synchronous = OFF", err, errlen) || run(db, "BEGIN IMMEDIATE", err, errlen))
        return -1;
    if ((!info->journal && run(db, "DELETE FROM journal", err, errlen)) ||
        run(db,
            "CREATE TABLE snapshot_info (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
            "CREATE TABLE snapshot_files (name TEXT PRIMARY KEY, data BLOB NOT NULL);",
            err, errlen) ||
        (files_dir && put_files(db, files_dir, &files, err, errlen))) {
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    int64_t tasks = query_int(db, "SELECT count(*) FROM tasks", NULL);
    if (put_info(db, "format", STORE_STATE_FORMAT) || put_info(db, "name", info->name) ||
        put_info_int(db, "created_ms", info->created_ms) ||
        put_info_int(db, "clock_ms", info->clock_ms) ||
        put_info_int(db, "journal", info->journal) || put_info_int(db, "tasks", tasks) ||
        put_info_int(db, "files", files) || run(db, "COMMIT", err, errlen)) {
        if (!err[0])
            snprintf(err, errlen, "%s", sqlite3_errmsg(db));
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    return info->journal ? 0 : give_back(db, err, errlen);
}

int store_state_save(struct store *s, const char *path, const struct store_state_info *info,
                     const char *files_dir, char *err, size_t errlen)
{
    sqlite3 *db = NULL;
    int rc = STORE_ERROR;
    err[0] = '\0';
    store_ring_flush(s); /* queued rows (the journal's, the tokens' records) belong in it */
    unlink(path);        /* VACUUM INTO writes only into an empty file */
    if (copy_live(s, path, err, errlen) != 0)
        goto out;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s", db ? sqlite3_errmsg(db) : "out of memory");
        goto out;
    }
    if (fill_copy(db, info, files_dir, err, errlen) == 0)
        rc = STORE_OK;
out:
    if (db && sqlite3_close(db) != SQLITE_OK && rc == STORE_OK) {
        snprintf(err, errlen, "close: %s", sqlite3_errmsg(db));
        rc = STORE_ERROR;
    }
    if (rc != STORE_OK)
        unlink(path);
    return rc;
}

/* ---- checking ---- */

/* Opens snapshot `path` read-only; 0, or -1 with err (db then closed). */
static int open_snapshot(const char *path, sqlite3 **db, char *err, size_t errlen)
{
    struct stat sb;
    memset(&sb, 0, sizeof(sb));
    if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        snprintf(err, errlen, "%s", S_ISDIR(sb.st_mode) ? "a folder" : strerror(errno));
        return -1;
    }
    if (sqlite3_open_v2(path, db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s", *db ? sqlite3_errmsg(*db) : "out of memory");
        sqlite3_close(*db);
        *db = NULL;
        return -1;
    }
    return 0;
}

/* Reads snapshot_info into `info`; checks the format. */
static int read_info(sqlite3 *db, struct store_state_info *info, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    char format[64] = "";
    int rc = sqlite3_prepare_v2(db, "SELECT key, value FROM snapshot_info", -1, &st, NULL);
    memset(info, 0, sizeof(*info));
    while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *k = (const char *)sqlite3_column_text(st, 0);
        const char *v = (const char *)sqlite3_column_text(st, 1);
        rc = SQLITE_OK;
        if (!k || !v)
            continue;
        if (strcmp(k, "format") == 0)
            snprintf(format, sizeof(format), "%s", v);
        else if (strcmp(k, "name") == 0)
            snprintf(info->name, sizeof(info->name), "%s", v);
        else if (strcmp(k, "created_ms") == 0)
            info->created_ms = strtoll(v, NULL, 10);
        else if (strcmp(k, "clock_ms") == 0)
            info->clock_ms = strtoll(v, NULL, 10);
        else if (strcmp(k, "journal") == 0)
            info->journal = strcmp(v, "1") == 0;
        else if (strcmp(k, "tasks") == 0)
            info->tasks = strtoll(v, NULL, 10);
        else if (strcmp(k, "files") == 0)
            info->files = strtoll(v, NULL, 10);
    }
    if (rc != SQLITE_DONE) {
        const char *why = sqlite3_errmsg(db);
        if (strstr(why, "no such table"))
            snprintf(err, errlen, "not a snapshot (a SQLite database without snapshot_info)");
        else
            snprintf(err, errlen, "%s", why);
    } else if (strcmp(format, STORE_STATE_FORMAT) != 0) {
        snprintf(err, errlen, "snapshot format \"%.40s\" is not \"%s\"", format,
                 STORE_STATE_FORMAT);
        rc = SQLITE_ERROR;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* Every schema step of the snapshot must be one of ours. */
static int check_schema(struct store *s, sqlite3 *db, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, "SELECT name FROM schema_migrations", -1, &st, NULL);
    while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        size_t i = 0;
        while (i < s->nschema && !(name && strcmp(name, s->schema[i].name) == 0))
            i++;
        rc = SQLITE_OK;
        if (i == s->nschema) {
            snprintf(err, errlen, "snapshot has schema step %.64s, unknown to this version",
                     name ? name : "(null)");
            rc = SQLITE_ERROR;
        }
    }
    if (rc != SQLITE_DONE && !err[0])
        snprintf(err, errlen, "%s", sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

int store_state_check(struct store *s, const char *path, struct store_state_info *info, char *err,
                      size_t errlen)
{
    sqlite3 *db = NULL;
    err[0] = '\0';
    int rc = open_snapshot(path, &db, err, errlen) == 0 && read_info(db, info, err, errlen) == 0 &&
                     check_schema(s, db, err, errlen) == 0
                 ? STORE_OK
                 : STORE_ERROR;
    sqlite3_close(db);
    return rc;
}

/* ---- restoring ---- */

/* Writes every file of the snapshot into dir under its temporary name. */
static int files_out(sqlite3 *db, const char *dir, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    char *chunk = malloc(CHUNK);
    int rc = chunk ? sqlite3_prepare_v2(db, "SELECT rowid, name FROM snapshot_files", -1, &st, NULL)
                   : SQLITE_NOMEM;
    while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 1);
        char path[FILE_PATH_MAX];
        sqlite3_blob *blob = NULL;
        int fd = -1;
        rc = SQLITE_OK;
        if (!name || !file_name_ok(name))
            continue;
        snprintf(path, sizeof(path), "%s/%s" TMP_SUFFIX, dir, name);
        rc = sqlite3_blob_open(db, "main", "snapshot_files", "data", sqlite3_column_int64(st, 0), 0,
                               &blob);
        if (rc == SQLITE_OK &&
            (fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0)
            rc = SQLITE_CANTOPEN;
        int size = blob ? sqlite3_blob_bytes(blob) : 0;
        for (int at = 0; rc == SQLITE_OK && at < size;) {
            int n = size - at < CHUNK ? size - at : CHUNK;
            rc = sqlite3_blob_read(blob, chunk, n, at);
            if (rc == SQLITE_OK && fdio_write_all(fd, chunk, (size_t)n) != 0)
                rc = SQLITE_IOERR;
            at += n;
        }
        if (fd >= 0 && close(fd) != 0 && rc == SQLITE_OK)
            rc = SQLITE_IOERR;
        sqlite3_blob_close(blob);
        if (rc != SQLITE_OK)
            snprintf(err, errlen, "report file %s: %s", name,
                     rc == SQLITE_CANTOPEN || rc == SQLITE_IOERR ? strerror(errno)
                                                                 : sqlite3_errmsg(db));
    }
    if (rc != SQLITE_DONE && !err[0])
        snprintf(err, errlen, "%s", sqlite3_errmsg(db));
    sqlite3_finalize(st);
    free(chunk);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* Renames (commit) or removes the temporary files files_out() wrote. */
static void files_finish(sqlite3 *db, const char *dir, int commit)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "SELECT name FROM snapshot_files", -1, &st, NULL) != SQLITE_OK)
        return;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        char tmp[FILE_PATH_MAX], path[FILE_PATH_MAX];
        if (!name || !file_name_ok(name))
            continue;
        snprintf(tmp, sizeof(tmp), "%s/%s" TMP_SUFFIX, dir, name);
        snprintf(path, sizeof(path), "%s/%s", dir, name);
        if (!commit || rename(tmp, path) != 0)
            unlink(tmp);
    }
    sqlite3_finalize(st);
}

/* The live meta values of `keep`, read before the copy replaces them. */
struct kept {
    char key[KEEP_MAX][64];
    char value[KEEP_MAX][KEEP_VALUE_MAX];
    int present[KEEP_MAX];
    size_t n;
};

static int kept_read(struct store *s, const char *const *keep, struct kept *k)
{
    k->n = 0;
    for (; keep && *keep && k->n < KEEP_MAX; keep++, k->n++) {
        sqlite3_stmt *st = NULL;
        snprintf(k->key[k->n], sizeof(k->key[0]), "%s", *keep);
        k->present[k->n] = 0;
        int rc = sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key = ?1", -1, &st, NULL);
        if (rc == SQLITE_OK && sqlite3_bind_text(st, 1, *keep, -1, SQLITE_STATIC) == SQLITE_OK &&
            (rc = sqlite3_step(st)) == SQLITE_ROW) {
            store_col_copy(st, 0, k->value[k->n], sizeof(k->value[0]));
            k->present[k->n] = 1;
            rc = SQLITE_DONE;
        }
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE)
            return -1;
    }
    return 0;
}

/*
 * The snapshot made ready in a private copy before the live database is
 * touched: its pages copied by SQLite's backup API into a new temporary
 * file (`tmp`, which the caller removes; pages, not rows, so no index is
 * built again), and the snapshot's own two tables dropped there. The copy
 * stays open in *out. 0, or -1 with err.
 */
static int private_copy(sqlite3 *src, char *tmp, size_t tmplen, sqlite3 **out, char *err,
                        size_t errlen)
{
    int fd = tmpdir_file("isc-reports-mock-restore-", tmp, tmplen);
    if (fd < 0) {
        snprintf(err, errlen, "a temporary file in %.256s: %s", tmp, strerror(errno));
        tmp[0] = '\0';
        return -1;
    }
    close(fd);
    if (sqlite3_open_v2(tmp, out, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s", *out ? sqlite3_errmsg(*out) : "out of memory");
        return -1;
    }
    /* A copy that is not complete is removed: it needs no syncs, and no
     * journal. Without a journal a ROLLBACK on this copy (put_kept()'s, after
     * a failed statement) cannot undo anything (SQLite leaves what it does
     * undefined), and it need not: a copy that anything failed on is never
     * copied back, the restore fails and the file goes. A journal here would
     * only write each changed page twice. */
    if (run(*out, "PRAGMA synchronous = OFF; PRAGMA journal_mode = OFF", err, errlen))
        return -1;
    sqlite3_backup *b = sqlite3_backup_init(*out, "main", src, "main");
    if (!b) {
        snprintf(err, errlen, "copy: %s", sqlite3_errmsg(*out));
        return -1;
    }
    int rc = sqlite3_backup_step(b, -1);
    if (sqlite3_backup_finish(b) != SQLITE_OK || rc != SQLITE_DONE) {
        snprintf(err, errlen, "copy: %s", sqlite3_errmsg(*out));
        return -1;
    }
    return run(*out, "DROP TABLE IF EXISTS snapshot_info; DROP TABLE IF EXISTS snapshot_files;",
               err, errlen);
}

/* The kept meta rows of the live database written into the private copy,
 * in one transaction. 0, or -1 with err (the copy is then half written:
 * its ROLLBACK is moot, see private_copy(), and the caller discards it). */
static int put_kept(sqlite3 *db, const struct kept *k, char *err, size_t errlen)
{
    if (run(db, "BEGIN IMMEDIATE", err, errlen))
        return -1;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < k->n; i++) {
        sqlite3_stmt *st = NULL;
        const char *sql = k->present[i] ? "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)"
                                        : "DELETE FROM meta WHERE key = ?1";
        rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
                     sqlite3_bind_text(st, 1, k->key[i], -1, SQLITE_STATIC) == SQLITE_OK &&
                     (!k->present[i] ||
                      sqlite3_bind_text(st, 2, k->value[i], -1, SQLITE_STATIC) == SQLITE_OK) &&
                     sqlite3_step(st) == SQLITE_DONE
                 ? 0
                 : -1;
        if (rc)
            snprintf(err, errlen, "%s", sqlite3_errmsg(db));
        sqlite3_finalize(st);
    }
    if (rc == 0 && run(db, "COMMIT", err, errlen) == 0)
        return 0;
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return -1;
}

/* Copies every page of `src` over the live database, in one transaction. */
static int copy_back_locked(struct store *s, sqlite3 *src, char *err, size_t errlen)
{
    int64_t ours = query_int(s->db, "PRAGMA page_size", NULL);
    int64_t theirs = query_int(src, "PRAGMA page_size", NULL);
    if (ours != theirs) {
        snprintf(err, errlen, "snapshot pages of %" PRId64 " bytes, the database's of %" PRId64,
                 theirs, ours);
        return -1;
    }
    sqlite3_backup *b = sqlite3_backup_init(s->db, "main", src, "main");
    if (!b) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(s->db));
        return -1;
    }
    int rc = sqlite3_backup_step(b, -1);
    if (sqlite3_backup_finish(b) != SQLITE_OK || rc != SQLITE_DONE) {
        snprintf(err, errlen, "restore: %s", sqlite3_errmsg(s->db));
        return -1;
    }
    return 0;
}

int store_state_restore(struct store *s, const char *path, const char *const *keep,
                        const char *files_dir, struct store_state_info *info, char *err,
                        size_t errlen)
{
    struct store_state_info mine;
    sqlite3 *src = NULL, *copy = NULL;
    char tmp[FILE_PATH_MAX] = "";
    struct kept *k = calloc(1, sizeof(*k));
    int rc = STORE_ERROR, files = 0;
    if (!k) {
        snprintf(err, errlen, "out of memory");
        return STORE_ERROR;
    }
    if (store_state_check(s, path, info ? info : &mine, err, errlen) != STORE_OK ||
        open_snapshot(path, &src, err, errlen) != 0)
        goto out;
    files = files_dir != NULL; /* from here on, out: removes what files_out wrote */
    if ((files_dir && files_out(src, files_dir, err, errlen) != 0) ||
        private_copy(src, tmp, sizeof(tmp), &copy, err, errlen) != 0)
        goto out;
    store_ring_flush(s); /* rows queued before the restore go with the old state */
    store_enter(s, STORE_WRITE);
    /* Everything that can fail on the copy fails before the live database
     * changes; the backup then brings the whole final state in one
     * transaction. Only a schema step the snapshot lacks runs after it. */
    if (kept_read(s, keep, k) != 0)
        snprintf(err, errlen, "%s", sqlite3_errmsg(s->db));
    else if (put_kept(copy, k, err, errlen) == 0 && copy_back_locked(s, copy, err, errlen) == 0 &&
             store_migrate_locked(s, err, errlen) == STORE_OK)
        rc = STORE_OK;
    atomic_store(&s->fault_hint, 0); /* the faults are another set now */
    atomic_store(&s->plan_hint, 0);  /* and the behaviours and queued plans */
    s->journal_bytes_known = 0;      /* and the journal, summed again */
    store_leave(s);
out:
    if (files)
        files_finish(src, files_dir, rc == STORE_OK);
    sqlite3_close(copy);
    if (tmp[0])
        unlink(tmp);
    sqlite3_close(src);
    free(k);
    return rc;
}
