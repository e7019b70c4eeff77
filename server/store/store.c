/*
 * store.c - opening, migrating, seeding and resetting the database, and the
 * mock's own tables: meta, clients, tokens, tasks, audit events (see
 * store.h). Every statement runs through query.c, which owns the
 * connection, its lock and the prepared-statement cache (stmt.c). Tenant
 * queries for report content live in tenant.c.
 */
#include "query.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/buf.h"
#include "../core/log.h"

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

static int migrate_locked(struct store *s, const struct store_file *schema, size_t n, char *err,
                          size_t errlen)
{
    if (store_script_locked(s, "schema",
                            "CREATE TABLE IF NOT EXISTS schema_migrations ("
                            " name TEXT PRIMARY KEY, applied_ms INTEGER NOT NULL)",
                            err, errlen) != STORE_OK)
        return STORE_ERROR;
    for (size_t i = 0; i < n; i++) {
        int done = 0;
        if (store_read_locked(s, "schema", "SELECT 1 FROM schema_migrations WHERE name = ?",
                              STORE_ARGS(STORE_TEXT(schema[i].name)), row_seen,
                              &done) == STORE_ERROR) {
            snprintf(err, errlen, "schema: %s", sqlite3_errmsg(s->db));
            return STORE_ERROR;
        }
        if (!done && migrate_step_locked(s, &schema[i], err, errlen) != STORE_OK)
            return STORE_ERROR;
    }
    return STORE_OK;
}

/* Loads every fixture file; the caller holds a transaction. */
static int load_fixtures_locked(struct store *s, char *err, size_t errlen)
{
    for (size_t i = 0; i < s->nfixtures; i++) {
        char msg[256];
        if (store_script_locked(s, "fixtures", s->fixtures[i].text, msg, sizeof(msg))) {
            snprintf(err, errlen, "fixtures %.64s: %s", s->fixtures[i].name, msg);
            return STORE_ERROR;
        }
    }
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
    if (store_script_locked(s, "open", "PRAGMA foreign_keys = ON", msg, sizeof(msg)) ||
        (!memory &&
         store_script_locked(s, "open", "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL",
                             msg, sizeof(msg))) ||
        migrate_locked(s, schema, nschema, msg, sizeof(msg)) || seed_locked(s, msg, sizeof(msg))) {
        snprintf(err, errlen, "database %s: %s", path, msg);
        goto fail;
    }
    return s;
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
        buf_puts(&sql, "DELETE FROM meta WHERE key = 'fixtures';") != 0)
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

/* ---- clients ---- */

#define CLIENT_COLS                                                                                \
    "client_id, secret, name, user_context, scopes, user_level, user_name, identity_id"

/* Row callback: a row of CLIENT_COLS into the struct store_client at ud. */
static int client_row(void *ud, sqlite3_stmt *st)
{
    struct store_client *c = ud;
    store_col_copy(st, 0, c->client_id, sizeof(c->client_id));
    store_col_copy(st, 1, c->secret, sizeof(c->secret));
    store_col_copy(st, 2, c->name, sizeof(c->name));
    c->user_context = sqlite3_column_int(st, 3);
    store_col_copy(st, 4, c->scopes, sizeof(c->scopes));
    store_col_copy(st, 5, c->user_level, sizeof(c->user_level));
    store_col_copy(st, 6, c->user_name, sizeof(c->user_name));
    store_col_copy(st, 7, c->identity_id, sizeof(c->identity_id));
    return STORE_ROW_STOP;
}

int store_client_get(struct store *s, const char *client_id, struct store_client *out)
{
    return store_read(s, "client get", "SELECT " CLIENT_COLS " FROM clients WHERE client_id = ?",
                      STORE_ARGS(STORE_TEXT(client_id)), client_row, out);
}

int store_client_put(struct store *s, const struct store_client *c)
{
    return store_write(s, "client put",
                       "INSERT OR REPLACE INTO clients (" CLIENT_COLS
                       ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       STORE_ARGS(STORE_TEXT(c->client_id), STORE_TEXT(c->secret),
                                  STORE_TEXT(c->name), STORE_INT(c->user_context ? 1 : 0),
                                  STORE_TEXT(c->scopes), STORE_TEXT(c->user_level),
                                  STORE_TEXT(c->user_name), STORE_TEXT(c->identity_id)));
}

int store_client_delete(struct store *s, const char *client_id)
{
    return store_write(s, "client delete", "DELETE FROM clients WHERE client_id = ?",
                       STORE_ARGS(STORE_TEXT(client_id)));
}

static int client_each_row(void *ud, sqlite3_stmt *st)
{
    const struct store_each *e = ud;
    struct store_client c;
    client_row(&c, st);
    return store_each_next(e->fn.client(e->ud, &c));
}

int store_client_each(struct store *s, int (*fn)(void *ud, const struct store_client *c), void *ud)
{
    return store_read_each(s, "client list",
                           "SELECT " CLIENT_COLS " FROM clients ORDER BY client_id", STORE_NO_ARGS,
                           client_each_row, (struct store_each){.fn.client = fn, .ud = ud});
}

/* ---- tokens ---- */

int store_token_record(struct store *s, const char *jti, const char *client_id, int64_t issued_ms,
                       int64_t expires_ms)
{
    store_enter(s, STORE_WRITE);
    int rc = store_write_locked(
        s, "token record",
        "INSERT INTO tokens (jti, client_id, issued_ms, expires_ms) VALUES (?, ?, ?, ?)",
        STORE_ARGS(STORE_TEXT(jti), STORE_TEXT(client_id), STORE_INT(issued_ms),
                   STORE_INT(expires_ms)));
    /* Keep the newest STORE_TOKENS_KEPT: trimmed once per STORE_TOKENS_TRIM inserts. */
    sqlite3_int64 last = sqlite3_last_insert_rowid(s->db);
    if (rc == STORE_OK && last % STORE_TOKENS_TRIM == 0 && last > STORE_TOKENS_KEPT)
        rc = store_write_locked(s, "token trim", "DELETE FROM tokens WHERE rowid <= ?",
                                STORE_ARGS(STORE_INT(last - STORE_TOKENS_KEPT)));
    store_leave(s);
    return rc == STORE_ERROR ? STORE_ERROR : STORE_OK;
}

/* Row callback: column 0 as an integer into the int64_t at ud. */
static int count_row(void *ud, sqlite3_stmt *st)
{
    *(int64_t *)ud = sqlite3_column_int64(st, 0);
    return STORE_ROW_STOP;
}

int store_token_count(struct store *s, int64_t *count)
{
    return store_read(s, "token count", "SELECT count(*) FROM tokens", STORE_NO_ARGS, count_row,
                      count);
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

/* Row callback: a row of TASK_COLS into the struct store_task at ud (owned
 * strings allocated; STORE_ERROR and a cleared task on OOM). */
static int task_row(void *ud, sqlite3_stmt *st)
{
    struct store_task *t = ud;
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
    t->polls_left = (int)store_col_int_or(st, 12, -1);
    store_col_copy(st, 13, t->outcome, sizeof(t->outcome));
    t->outcome_messages = store_col_dup(st, 14);
    t->messages = store_col_dup(st, 15);
    t->rows = store_col_int_or(st, 16, -1);
    store_col_copy(st, 17, t->formats, sizeof(t->formats));
    store_col_copy(st, 18, t->progress, sizeof(t->progress));
    if (!t->arguments || !t->outcome_messages || !t->messages) {
        store_task_clear(t);
        return STORE_ERROR;
    }
    return STORE_ROW_STOP;
}

static int task_get_locked(struct store *s, const char *id, struct store_task *out)
{
    return store_read_locked(s, "task get", "SELECT " TASK_COLS " FROM tasks WHERE id = ?",
                             STORE_ARGS(STORE_TEXT(id)), task_row, out);
}

static int task_insert_locked(struct store *s, const struct store_task *t)
{
    int by_polls = t->polls_left >= 0;
    return store_write_locked(
        s, "task insert",
        "INSERT INTO tasks (id, report_type, task_def_name, description, launcher, client_id,"
        " arguments, created_ms, launched_ms, finish_at_ms, polls_left, outcome,"
        " outcome_messages, messages, formats, progress)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        STORE_ARGS(STORE_TEXT(t->id), STORE_TEXT(t->report_type), STORE_TEXT(t->task_def_name),
                   STORE_TEXT(t->description), STORE_TEXT(t->launcher), STORE_TEXT(t->client_id),
                   STORE_TEXT(t->arguments), STORE_INT(t->created_ms), STORE_INT(t->launched_ms),
                   STORE_INT_IF(!by_polls, t->finish_at_ms), STORE_INT_IF(by_polls, t->polls_left),
                   STORE_TEXT(t->outcome[0] ? t->outcome : "SUCCESS"),
                   STORE_TEXT(t->outcome_messages ? t->outcome_messages : "[]"),
                   STORE_TEXT(t->messages ? t->messages : "[]"),
                   STORE_TEXT(t->formats[0] ? t->formats : "CSV,PDF"),
                   STORE_TEXT_OR_NULL(t->progress)));
}

struct task_start {
    struct store_task *t;
    int64_t now_ms;
    int *existing;
};

/* Row callback: copies the id in column 0. */
static int task_id_row(void *ud, sqlite3_stmt *st)
{
    store_col_copy(st, 0, ud, STORE_ID_LEN);
    return STORE_ROW_STOP;
}

/* The body of store_task_start's transaction. */
static int task_start_tx(struct store *s, void *ud)
{
    struct task_start *ts = ud;
    char id[STORE_ID_LEN];
    /* A task is running while it has no completion and is not yet due. */
    int rc = store_read_locked(s, "task start",
                               "SELECT id FROM tasks WHERE report_type = ? AND arguments = ?"
                               " AND completed_ms IS NULL"
                               " AND (finish_at_ms IS NULL OR finish_at_ms > ?)"
                               " ORDER BY seq DESC LIMIT 1",
                               STORE_ARGS(STORE_TEXT(ts->t->report_type),
                                          STORE_TEXT(ts->t->arguments), STORE_INT(ts->now_ms)),
                               task_id_row, id);
    if (rc == STORE_NOT_FOUND)
        return task_insert_locked(s, ts->t);
    if (rc != STORE_OK)
        return STORE_ERROR;
    struct store_task found;
    if (task_get_locked(s, id, &found) != STORE_OK)
        return STORE_ERROR;
    store_task_clear(ts->t);
    *ts->t = found;
    *ts->existing = 1;
    return STORE_OK;
}

int store_task_start(struct store *s, struct store_task *t, int64_t now_ms, int *existing)
{
    struct task_start ts = {t, now_ms, existing};
    *existing = 0;
    store_enter(s, STORE_WRITE);
    int rc = store_tx_locked(s, "task start", task_start_tx, &ts);
    store_leave(s);
    return rc;
}

int store_task_get(struct store *s, const char *id, struct store_task *out)
{
    store_enter(s, STORE_READ);
    int rc = task_get_locked(s, id, out);
    store_leave(s);
    return rc;
}

int store_task_finish(struct store *s, const char *id, const char *status, int64_t completed_ms,
                      int64_t rows, const char *messages_json)
{
    return store_write(
        s, "task finish",
        "UPDATE tasks SET completed_ms = ?, completion_status = ?, rows = ?,"
        " messages = ?, progress = NULL, polls_left = NULL"
        " WHERE id = ? AND completed_ms IS NULL",
        STORE_ARGS(STORE_INT(completed_ms), STORE_TEXT(status), STORE_INT_IF(rows >= 0, rows),
                   STORE_TEXT(messages_json ? messages_json : "[]"), STORE_TEXT(id)));
}

/* Row callback: column 0 as an int into the int at ud. */
static int int_row(void *ud, sqlite3_stmt *st)
{
    *(int *)ud = sqlite3_column_int(st, 0);
    return STORE_ROW_STOP;
}

int store_task_poll(struct store *s, const char *id, int *left)
{
    return store_read(s, "task poll",
                      "UPDATE tasks SET polls_left = max(polls_left - 1, 0)"
                      " WHERE id = ? AND completed_ms IS NULL AND polls_left IS NOT NULL"
                      " RETURNING polls_left",
                      STORE_ARGS(STORE_TEXT(id)), int_row, left);
}

static int task_each_row(void *ud, sqlite3_stmt *st)
{
    const struct store_each *e = ud;
    struct store_task t;
    if (task_row(&t, st) == STORE_ERROR)
        return STORE_ERROR;
    int stop = e->fn.task(e->ud, &t);
    store_task_clear(&t);
    return store_each_next(stop);
}

int store_task_each(struct store *s, int limit, int (*fn)(void *ud, const struct store_task *t),
                    void *ud)
{
    return store_read_each(
        s, "task list", "SELECT " TASK_COLS " FROM tasks ORDER BY seq DESC LIMIT ?",
        STORE_ARGS(STORE_INT(limit)), task_each_row, (struct store_each){.fn.task = fn, .ud = ud});
}

/* ---- audit ---- */

int store_audit_add(struct store *s, const struct store_audit *a)
{
    return store_write(s, "audit add",
                       "INSERT INTO audit_events (at_ms, client_id, user_name, task_id,"
                       " report_type, file_format, file_name, tracking_id)"
                       " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       STORE_ARGS(STORE_INT(a->at_ms), STORE_TEXT(a->client_id),
                                  STORE_TEXT(a->user_name), STORE_TEXT(a->task_id),
                                  STORE_TEXT(a->report_type), STORE_TEXT(a->file_format),
                                  STORE_TEXT(a->file_name), STORE_TEXT(a->tracking_id)));
}

static int audit_each_row(void *ud, sqlite3_stmt *st)
{
    const struct store_each *e = ud;
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
    return store_each_next(e->fn.audit(e->ud, &a));
}

int store_audit_each(struct store *s, int limit, int (*fn)(void *ud, const struct store_audit *a),
                     void *ud)
{
    return store_read_each(s, "audit list",
                           "SELECT id, at_ms, client_id, user_name, task_id,"
                           " report_type, file_format, file_name, tracking_id"
                           " FROM audit_events ORDER BY id DESC LIMIT ?",
                           STORE_ARGS(STORE_INT(limit)), audit_each_row,
                           (struct store_each){.fn.audit = fn, .ud = ud});
}
