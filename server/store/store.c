/*
 * store.c - opening, migrating and seeding the database, and the mock's own
 * tables: meta, clients, tokens, tasks, audit events (see store.h).
 *
 * One connection, one mutex. Statements are prepared per call: the cost is
 * small next to the HTTP work and it keeps every function self-contained.
 * Tenant queries for report content live in tenant.c.
 */
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/buf.h"
#include "../core/log.h"

int store_fail_locked(struct store *s, const char *what)
{
    log_msg("error", NULL, "store: %s: %s", what, sqlite3_errmsg(s->db));
    return -1;
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

/* Runs a script of statements; on failure fills err (if given). */
static int exec_locked(struct store *s, const char *sql, char *err, size_t errlen)
{
    char *msg = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) == SQLITE_OK)
        return 0;
    if (err)
        snprintf(err, errlen, "%s", msg ? msg : sqlite3_errmsg(s->db));
    else
        log_msg("error", NULL, "store: %s", msg ? msg : sqlite3_errmsg(s->db));
    sqlite3_free(msg);
    return -1;
}

static int migrate_locked(struct store *s, const struct store_file *schema, size_t n, char *err,
                          size_t errlen)
{
    if (exec_locked(s,
                    "CREATE TABLE IF NOT EXISTS schema_migrations ("
                    " name TEXT PRIMARY KEY, applied_ms INTEGER NOT NULL)",
                    err, errlen))
        return -1;
    for (size_t i = 0; i < n; i++) {
        sqlite3_stmt *st = NULL;
        int done = 0;
        if (store_prepare(s, "SELECT 1 FROM schema_migrations WHERE name = ?", &st) != SQLITE_OK)
            goto fail;
        sqlite3_bind_text(st, 1, schema[i].name, -1, SQLITE_STATIC);
        done = sqlite3_step(st) == SQLITE_ROW;
        store_release(s, st);
        if (done)
            continue;
        char why[256];
        if (exec_locked(s, "BEGIN IMMEDIATE", err, errlen))
            return -1;
        if (exec_locked(s, schema[i].text, why, sizeof(why))) {
            exec_locked(s, "ROLLBACK", NULL, 0);
            snprintf(err, errlen, "schema %.64s: %s", schema[i].name, why);
            return -1;
        }
        if (store_prepare(s,
                          "INSERT INTO schema_migrations (name, applied_ms) "
                          "VALUES (?, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER))",
                          &st) != SQLITE_OK) {
            exec_locked(s, "ROLLBACK", NULL, 0);
            goto fail;
        }
        sqlite3_bind_text(st, 1, schema[i].name, -1, SQLITE_STATIC);
        int rc = sqlite3_step(st);
        store_release(s, st);
        if (rc != SQLITE_DONE || exec_locked(s, "COMMIT", err, errlen)) {
            exec_locked(s, "ROLLBACK", NULL, 0);
            goto fail;
        }
    }
    return 0;
fail:
    snprintf(err, errlen, "schema: %s", sqlite3_errmsg(s->db));
    return -1;
}

/* Loads every fixture file; the caller holds a transaction. */
static int load_fixtures_locked(struct store *s, char *err, size_t errlen)
{
    for (size_t i = 0; i < s->nfixtures; i++) {
        char msg[256];
        if (exec_locked(s, s->fixtures[i].text, msg, sizeof(msg))) {
            snprintf(err, errlen, "fixtures %.64s: %s", s->fixtures[i].name, msg);
            return -1;
        }
    }
    return exec_locked(s, "INSERT OR REPLACE INTO meta (key, value) VALUES ('fixtures', 'loaded')",
                       err, errlen);
}

static int meta_get_locked(struct store *s, const char *key, char *out, size_t outlen)
{
    sqlite3_stmt *st = NULL;
    if (store_prepare(s, "SELECT value FROM meta WHERE key = ?", &st) != SQLITE_OK)
        return store_fail_locked(s, "meta get");
    sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st), ret = 1;
    if (rc == SQLITE_ROW) {
        store_col_copy(st, 0, out, outlen);
        ret = 0;
    } else if (rc != SQLITE_DONE) {
        ret = store_fail_locked(s, "meta get");
    }
    store_release(s, st);
    return ret;
}

struct store *store_open(const char *path, const struct store_file *schema, size_t nschema,
                         const struct store_file *fixtures, size_t nfixtures, char *err,
                         size_t errlen)
{
    struct store *s = calloc(1, sizeof(*s));
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&s->lock, NULL);
    s->fixtures = fixtures;
    s->nfixtures = nfixtures;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "cannot open database %s: %s", path,
                 s->db ? sqlite3_errmsg(s->db) : "out of memory");
        goto fail;
    }
    sqlite3_busy_timeout(s->db, 5000);
    sqlite3_extended_result_codes(s->db, 1);
    int memory = strcmp(path, ":memory:") == 0 || path[0] == '\0';
    char msg[400];
    if (exec_locked(s, "PRAGMA foreign_keys = ON", msg, sizeof(msg)))
        goto fail_msg;
    if (!memory) {
        if (exec_locked(s, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL", msg,
                        sizeof(msg)))
            goto fail_msg;
    }
    if (migrate_locked(s, schema, nschema, msg, sizeof(msg)))
        goto fail_msg;
    char loaded[16];
    int have = meta_get_locked(s, "fixtures", loaded, sizeof(loaded));
    if (have < 0) {
        snprintf(msg, sizeof(msg), "%s", sqlite3_errmsg(s->db));
        goto fail_msg;
    }
    if (have == 1) {
        if (exec_locked(s, "BEGIN IMMEDIATE", msg, sizeof(msg)))
            goto fail_msg;
        if (load_fixtures_locked(s, msg, sizeof(msg)) ||
            exec_locked(s, "COMMIT", msg, sizeof(msg))) {
            exec_locked(s, "ROLLBACK", NULL, 0);
            goto fail_msg;
        }
    }
    return s;
fail_msg:
    snprintf(err, errlen, "database %s: %s", path, msg);
fail:
    store_close(s);
    return NULL;
}

void store_close(struct store *s)
{
    if (!s)
        return;
    if (s->db) {
        store_stmts_clear(s);
        sqlite3_exec(s->db, "PRAGMA optimize", NULL, NULL, NULL);
        sqlite3_close_v2(s->db);
    }
    pthread_mutex_destroy(&s->lock);
    free(s);
}

/* Tables that keep their rows across a reset: the server's settings. Every
 * other table (tasks, tokens, audit events, clients and all tenant tables,
 * whatever later schema steps add) is emptied, then the fixtures reload. */
static int clear_tables_locked(struct store *s, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    struct buf sql;
    int rc = -1, step;
    buf_init(&sql, 1 << 20);
    if (store_prepare(s,
                      "SELECT name FROM sqlite_master WHERE type = 'table'"
                      " AND name NOT LIKE 'sqlite_%' AND name NOT IN ('meta', 'schema_migrations')",
                      &st) != SQLITE_OK)
        goto out;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        /* Names come from our own schema; quote them all the same. */
        char *q = sqlite3_mprintf("DELETE FROM \"%w\";", name ? name : "");
        int bad = !q || buf_puts(&sql, q) != 0;
        sqlite3_free(q);
        if (bad)
            goto out;
    }
    if (step != SQLITE_DONE)
        goto out;
    if (buf_puts(&sql, "DELETE FROM meta WHERE key = 'fixtures';") != 0)
        goto out;
    rc = exec_locked(s, sql.data, err, errlen);
out:
    if (rc && err && !err[0])
        snprintf(err, errlen, "%s", sqlite3_errmsg(s->db));
    store_release(s, st);
    buf_free(&sql);
    return rc;
}

int store_reset(struct store *s)
{
    char msg[400];
    int rc = -1;
    pthread_mutex_lock(&s->lock);
    if (exec_locked(s, "BEGIN IMMEDIATE", NULL, 0))
        goto out;
    msg[0] = '\0';
    if (exec_locked(s, "PRAGMA defer_foreign_keys = ON", msg, sizeof(msg)) ||
        clear_tables_locked(s, msg, sizeof(msg)) || load_fixtures_locked(s, msg, sizeof(msg)) ||
        exec_locked(s, "COMMIT", msg, sizeof(msg))) {
        log_msg("error", NULL, "store: reset: %s", msg);
        exec_locked(s, "ROLLBACK", NULL, 0);
        goto out;
    }
    rc = 0;
out:
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int store_meta_get(struct store *s, const char *key, char *out, size_t outlen)
{
    pthread_mutex_lock(&s->lock);
    int rc = meta_get_locked(s, key, out, outlen);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int store_meta_set(struct store *s, const char *key, const char *value)
{
    sqlite3_stmt *st = NULL;
    int rc = -1;
    pthread_mutex_lock(&s->lock);
    if (store_prepare(s, "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", &st) !=
        SQLITE_OK) {
        store_fail_locked(s, "meta set");
        goto out;
    }
    sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, value, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(st) == SQLITE_DONE ? 0 : store_fail_locked(s, "meta set");
out:
    store_release(s, st);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

/* ---- clients ---- */

#define CLIENT_COLS                                                                                \
    "client_id, secret, name, user_context, scopes, user_level, user_name, identity_id"

static void client_from_row(sqlite3_stmt *st, struct store_client *c)
{
    store_col_copy(st, 0, c->client_id, sizeof(c->client_id));
    store_col_copy(st, 1, c->secret, sizeof(c->secret));
    store_col_copy(st, 2, c->name, sizeof(c->name));
    c->user_context = sqlite3_column_int(st, 3);
    store_col_copy(st, 4, c->scopes, sizeof(c->scopes));
    store_col_copy(st, 5, c->user_level, sizeof(c->user_level));
    store_col_copy(st, 6, c->user_name, sizeof(c->user_name));
    store_col_copy(st, 7, c->identity_id, sizeof(c->identity_id));
}

int store_client_get(struct store *s, const char *client_id, struct store_client *out)
{
    sqlite3_stmt *st = NULL;
    int rc = -1;
    pthread_mutex_lock(&s->lock);
    if (store_prepare(s, "SELECT " CLIENT_COLS " FROM clients WHERE client_id = ?", &st) !=
        SQLITE_OK) {
        store_fail_locked(s, "client get");
        goto out;
    }
    sqlite3_bind_text(st, 1, client_id, -1, SQLITE_TRANSIENT);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        client_from_row(st, out);
        rc = 0;
    } else {
        rc = step == SQLITE_DONE ? 1 : store_fail_locked(s, "client get");
    }
out:
    store_release(s, st);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int store_client_put(struct store *s, const struct store_client *c)
{
    sqlite3_stmt *st = NULL;
    int rc = -1;
    pthread_mutex_lock(&s->lock);
    if (store_prepare(
            s, "INSERT OR REPLACE INTO clients (" CLIENT_COLS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            &st) != SQLITE_OK) {
        store_fail_locked(s, "client put");
        goto out;
    }
    sqlite3_bind_text(st, 1, c->client_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, c->secret, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, c->name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 4, c->user_context ? 1 : 0);
    sqlite3_bind_text(st, 5, c->scopes, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 6, c->user_level, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 7, c->user_name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 8, c->identity_id, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(st) == SQLITE_DONE ? 0 : store_fail_locked(s, "client put");
out:
    store_release(s, st);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int store_client_delete(struct store *s, const char *client_id)
{
    sqlite3_stmt *st = NULL;
    int rc = -1;
    pthread_mutex_lock(&s->lock);
    if (store_prepare(s, "DELETE FROM clients WHERE client_id = ?", &st) != SQLITE_OK) {
        store_fail_locked(s, "client delete");
        goto out;
    }
    sqlite3_bind_text(st, 1, client_id, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = store_fail_locked(s, "client delete");
    else
        rc = sqlite3_changes(s->db) > 0 ? 0 : 1;
out:
    store_release(s, st);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int store_client_each(struct store *s, int (*fn)(void *ud, const struct store_client *c), void *ud)
{
    sqlite3_stmt *st = NULL;
    int rc = -1, step;
    pthread_mutex_lock(&s->lock);
    if (store_prepare(s, "SELECT " CLIENT_COLS " FROM clients ORDER BY client_id", &st) !=
        SQLITE_OK) {
        store_fail_locked(s, "client list");
        goto out;
    }
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_client c;
        client_from_row(st, &c);
        if (fn(ud, &c))
            break;
    }
    rc = (step == SQLITE_ROW || step == SQLITE_DONE) ? 0 : store_fail_locked(s, "client list");
out:
    store_release(s, st);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int store_token_record(struct store *s, const char *jti, const char *client_id, int64_t issued_ms,
                       int64_t expires_ms)
{
    sqlite3_stmt *st = NULL;
    int rc = -1;
    pthread_mutex_lock(&s->lock);
    if (store_prepare(s,
                      "INSERT INTO tokens (jti, client_id, issued_ms, expires_ms) "
                      "VALUES (?, ?, ?, ?)",
                      &st) != SQLITE_OK) {
        store_fail_locked(s, "token record");
        goto out;
    }
    sqlite3_bind_text(st, 1, jti, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, client_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, issued_ms);
    sqlite3_bind_int64(st, 4, expires_ms);
    rc = sqlite3_step(st) == SQLITE_DONE ? 0 : store_fail_locked(s, "token record");
    store_release(s, st);
    st = NULL;
    /* Keep the newest STORE_TOKENS_KEPT: trimmed once per STORE_TOKENS_TRIM inserts. */
    sqlite3_int64 last = sqlite3_last_insert_rowid(s->db);
    if (rc == 0 && last % STORE_TOKENS_TRIM == 0 && last > STORE_TOKENS_KEPT) {
        if (store_prepare(s, "DELETE FROM tokens WHERE rowid <= ?", &st) != SQLITE_OK) {
            rc = store_fail_locked(s, "token trim");
            goto out;
        }
        sqlite3_bind_int64(st, 1, last - STORE_TOKENS_KEPT);
        rc = sqlite3_step(st) == SQLITE_DONE ? 0 : store_fail_locked(s, "token trim");
    }
out:
    store_release(s, st);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int store_token_count(struct store *s, int64_t *count)
{
    sqlite3_stmt *st = NULL;
    int rc = -1;
    pthread_mutex_lock(&s->lock);
    if (store_prepare(s, "SELECT count(*) FROM tokens", &st) != SQLITE_OK) {
        store_fail_locked(s, "token count");
        goto out;
    }
    if (sqlite3_step(st) == SQLITE_ROW) {
        *count = sqlite3_column_int64(st, 0);
        rc = 0;
    } else {
        store_fail_locked(s, "token count");
    }
out:
    store_release(s, st);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

/* ---- tasks ---- */

#define TASK_COLS                                                                                  \
    "id, report_type, task_def_name, description, launcher, client_id, arguments, created_ms,"     \
    " launched_ms, completed_ms, completion_status, finish_at_ms, polls_left, outcome,"            \
    " outcome_messages, messages, rows, formats, progress"

void store_task_clear(struct store_task *t)
{
    if (!t)
        return;
    free(t->arguments);
    free(t->outcome_messages);
    free(t->messages);
    memset(t, 0, sizeof(*t));
}

static int task_from_row(sqlite3_stmt *st, struct store_task *t)
{
    memset(t, 0, sizeof(*t));
    store_col_copy(st, 0, t->id, sizeof(t->id));
    store_col_copy(st, 1, t->report_type, sizeof(t->report_type));
    store_col_copy(st, 2, t->task_def_name, sizeof(t->task_def_name));
    store_col_copy(st, 3, t->description, sizeof(t->description));
    store_col_copy(st, 4, t->launcher, sizeof(t->launcher));
    store_col_copy(st, 5, t->client_id, sizeof(t->client_id));
    t->arguments = store_col_dup(st, 6);
    t->created_ms = sqlite3_column_int64(st, 7);
    t->launched_ms = sqlite3_column_int64(st, 8);
    t->completed_ms = sqlite3_column_int64(st, 9);
    store_col_copy(st, 10, t->completion_status, sizeof(t->completion_status));
    t->finish_at_ms = sqlite3_column_int64(st, 11);
    t->polls_left = sqlite3_column_type(st, 12) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 12);
    store_col_copy(st, 13, t->outcome, sizeof(t->outcome));
    t->outcome_messages = store_col_dup(st, 14);
    t->messages = store_col_dup(st, 15);
    t->rows = sqlite3_column_type(st, 16) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 16);
    store_col_copy(st, 17, t->formats, sizeof(t->formats));
    store_col_copy(st, 18, t->progress, sizeof(t->progress));
    if (!t->arguments || !t->outcome_messages || !t->messages) {
        store_task_clear(t);
        return -1;
    }
    return 0;
}

static int task_get_locked(struct store *s, const char *id, struct store_task *out)
{
    sqlite3_stmt *st = NULL;
    int rc;
    if (store_prepare(s, "SELECT " TASK_COLS " FROM tasks WHERE id = ?", &st) != SQLITE_OK)
        return store_fail_locked(s, "task get");
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW)
        rc = task_from_row(st, out);
    else
        rc = step == SQLITE_DONE ? 1 : store_fail_locked(s, "task get");
    store_release(s, st);
    return rc;
}

static void bind_text_or_null(sqlite3_stmt *st, int i, const char *v)
{
    if (v && *v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

int store_task_start(struct store *s, struct store_task *t, int64_t now_ms, int *existing)
{
    sqlite3_stmt *st = NULL;
    int rc = -1;
    *existing = 0;
    pthread_mutex_lock(&s->lock);
    if (exec_locked(s, "BEGIN IMMEDIATE", NULL, 0))
        goto out;
    /* A task is running while it has no completion and is not yet due. */
    if (store_prepare(s,
                      "SELECT id FROM tasks WHERE report_type = ? AND arguments = ?"
                      " AND completed_ms IS NULL"
                      " AND (finish_at_ms IS NULL OR finish_at_ms > ?)"
                      " ORDER BY seq DESC LIMIT 1",
                      &st) != SQLITE_OK) {
        store_fail_locked(s, "task start");
        goto rollback;
    }
    sqlite3_bind_text(st, 1, t->report_type, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, t->arguments, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, now_ms);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        char id[STORE_ID_LEN];
        store_col_copy(st, 0, id, sizeof(id));
        store_release(s, st);
        st = NULL;
        struct store_task found;
        if (task_get_locked(s, id, &found) != 0)
            goto rollback;
        store_task_clear(t);
        *t = found;
        *existing = 1;
        rc = exec_locked(s, "COMMIT", NULL, 0);
        goto out;
    }
    if (step != SQLITE_DONE) {
        store_fail_locked(s, "task start");
        goto rollback;
    }
    store_release(s, st);
    st = NULL;
    if (store_prepare(s,
                      "INSERT INTO tasks (id, report_type, task_def_name, description,"
                      " launcher, client_id, arguments, created_ms, launched_ms,"
                      " finish_at_ms, polls_left, outcome, outcome_messages, messages,"
                      " formats, progress)"
                      " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                      &st) != SQLITE_OK) {
        store_fail_locked(s, "task insert");
        goto rollback;
    }
    sqlite3_bind_text(st, 1, t->id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, t->report_type, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, t->task_def_name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, t->description, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 5, t->launcher, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 6, t->client_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 7, t->arguments, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 8, t->created_ms);
    sqlite3_bind_int64(st, 9, t->launched_ms);
    if (t->polls_left >= 0) {
        sqlite3_bind_null(st, 10);
        sqlite3_bind_int(st, 11, t->polls_left);
    } else {
        sqlite3_bind_int64(st, 10, t->finish_at_ms);
        sqlite3_bind_null(st, 11);
    }
    sqlite3_bind_text(st, 12, t->outcome[0] ? t->outcome : "SUCCESS", -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 13, t->outcome_messages ? t->outcome_messages : "[]", -1,
                      SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 14, t->messages ? t->messages : "[]", -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 15, t->formats[0] ? t->formats : "CSV,PDF", -1, SQLITE_TRANSIENT);
    bind_text_or_null(st, 16, t->progress);
    if (sqlite3_step(st) != SQLITE_DONE) {
        store_fail_locked(s, "task insert");
        goto rollback;
    }
    rc = exec_locked(s, "COMMIT", NULL, 0);
    goto out;
rollback:
    exec_locked(s, "ROLLBACK", NULL, 0);
out:
    store_release(s, st);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int store_task_get(struct store *s, const char *id, struct store_task *out)
{
    pthread_mutex_lock(&s->lock);
    int rc = task_get_locked(s, id, out);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int store_task_finish(struct store *s, const char *id, const char *status, int64_t completed_ms,
                      int64_t rows, const char *messages_json)
{
    sqlite3_stmt *st = NULL;
    int rc = -1;
    pthread_mutex_lock(&s->lock);
    if (store_prepare(s,
                      "UPDATE tasks SET completed_ms = ?, completion_status = ?, rows = ?,"
                      " messages = ?, progress = NULL, polls_left = NULL"
                      " WHERE id = ? AND completed_ms IS NULL",
                      &st) != SQLITE_OK) {
        store_fail_locked(s, "task finish");
        goto out;
    }
    sqlite3_bind_int64(st, 1, completed_ms);
    sqlite3_bind_text(st, 2, status, -1, SQLITE_TRANSIENT);
    if (rows >= 0)
        sqlite3_bind_int64(st, 3, rows);
    else
        sqlite3_bind_null(st, 3);
    sqlite3_bind_text(st, 4, messages_json ? messages_json : "[]", -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 5, id, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = store_fail_locked(s, "task finish");
    else
        rc = sqlite3_changes(s->db) > 0 ? 0 : 1;
out:
    store_release(s, st);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int store_task_poll(struct store *s, const char *id, int *left)
{
    sqlite3_stmt *st = NULL;
    int rc = -1;
    pthread_mutex_lock(&s->lock);
    if (store_prepare(s,
                      "UPDATE tasks SET polls_left = max(polls_left - 1, 0)"
                      " WHERE id = ? AND completed_ms IS NULL AND polls_left IS NOT NULL"
                      " RETURNING polls_left",
                      &st) != SQLITE_OK) {
        store_fail_locked(s, "task poll");
        goto out;
    }
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        *left = sqlite3_column_int(st, 0);
        rc = 0;
    } else {
        rc = step == SQLITE_DONE ? 1 : store_fail_locked(s, "task poll");
    }
out:
    store_release(s, st);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int store_task_each(struct store *s, int limit, int (*fn)(void *ud, const struct store_task *t),
                    void *ud)
{
    sqlite3_stmt *st = NULL;
    int rc = -1, step;
    pthread_mutex_lock(&s->lock);
    if (store_prepare(s, "SELECT " TASK_COLS " FROM tasks ORDER BY seq DESC LIMIT ?", &st) !=
        SQLITE_OK) {
        store_fail_locked(s, "task list");
        goto out;
    }
    sqlite3_bind_int(st, 1, limit);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_task t;
        if (task_from_row(st, &t) != 0)
            goto out;
        int stop = fn(ud, &t);
        store_task_clear(&t);
        if (stop)
            break;
    }
    rc = (step == SQLITE_ROW || step == SQLITE_DONE) ? 0 : store_fail_locked(s, "task list");
out:
    store_release(s, st);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

/* ---- audit ---- */

int store_audit_add(struct store *s, const struct store_audit *a)
{
    sqlite3_stmt *st = NULL;
    int rc = -1;
    pthread_mutex_lock(&s->lock);
    if (store_prepare(s,
                      "INSERT INTO audit_events (at_ms, client_id, user_name, task_id,"
                      " report_type, file_format, file_name, tracking_id)"
                      " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                      &st) != SQLITE_OK) {
        store_fail_locked(s, "audit add");
        goto out;
    }
    sqlite3_bind_int64(st, 1, a->at_ms);
    sqlite3_bind_text(st, 2, a->client_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, a->user_name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, a->task_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 5, a->report_type, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 6, a->file_format, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 7, a->file_name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 8, a->tracking_id, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(st) == SQLITE_DONE ? 0 : store_fail_locked(s, "audit add");
out:
    store_release(s, st);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int store_audit_each(struct store *s, int limit, int (*fn)(void *ud, const struct store_audit *a),
                     void *ud)
{
    sqlite3_stmt *st = NULL;
    int rc = -1, step;
    pthread_mutex_lock(&s->lock);
    if (store_prepare(s,
                      "SELECT id, at_ms, client_id, user_name, task_id, report_type,"
                      " file_format, file_name, tracking_id FROM audit_events"
                      " ORDER BY id DESC LIMIT ?",
                      &st) != SQLITE_OK) {
        store_fail_locked(s, "audit list");
        goto out;
    }
    sqlite3_bind_int(st, 1, limit);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_audit a;
        a.id = sqlite3_column_int64(st, 0);
        a.at_ms = sqlite3_column_int64(st, 1);
        store_col_copy(st, 2, a.client_id, sizeof(a.client_id));
        store_col_copy(st, 3, a.user_name, sizeof(a.user_name));
        store_col_copy(st, 4, a.task_id, sizeof(a.task_id));
        store_col_copy(st, 5, a.report_type, sizeof(a.report_type));
        store_col_copy(st, 6, a.file_format, sizeof(a.file_format));
        store_col_copy(st, 7, a.file_name, sizeof(a.file_name));
        store_col_copy(st, 8, a.tracking_id, sizeof(a.tracking_id));
        if (fn(ud, &a))
            break;
    }
    rc = (step == SQLITE_ROW || step == SQLITE_DONE) ? 0 : store_fail_locked(s, "audit list");
out:
    store_release(s, st);
    pthread_mutex_unlock(&s->lock);
    return rc;
}
