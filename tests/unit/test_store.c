/*
 * test_store.c - the database handle against real SQLite files: schema steps
 * recorded and applied once, an older database upgraded in place (its rows
 * kept), a failing step rolled back with a clear reason, fixtures loaded
 * once, reset back to the fixtures, settings kept across reopen.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/control_store.h"
#include "store/embedded.h"
#include "store/store.h"
#include "store/query.h"
#include "store/states.h"
#include "store/store_int.h"

static char path[512];

static void make_path(void)
{
    const char *dir = getenv("TMPDIR");
    snprintf(path, sizeof(path), "%s/isc-store-test-%d.db", dir && *dir ? dir : P_tmpdir,
             (int)getpid());
    unlink(path);
}

static void drop_path(void)
{
    char side[600];
    unlink(path);
    snprintf(side, sizeof(side), "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof(side), "%s-shm", path);
    unlink(side);
}

static struct store *open_with(size_t nschema, char *err, size_t errlen)
{
    return store_open(path, embedded_schema, nschema, embedded_fixtures, embedded_fixtures_count,
                      err, errlen);
}

static int count_tasks(void *ud, const struct store_task *t)
{
    (void)t;
    (*(int *)ud)++;
    return 0;
}

static void insert_task(struct store *s, const char *id)
{
    struct store_task t;
    memset(&t, 0, sizeof(t));
    snprintf(t.id, sizeof(t.id), "%s", id);
    snprintf(t.report_type, sizeof(t.report_type), "IDENTITIES");
    snprintf(t.task_def_name, sizeof(t.task_def_name), "Identities Report");
    snprintf(t.launcher, sizeof(t.launcher), "demo-app");
    snprintf(t.client_id, sizeof(t.client_id), "demo-app");
    t.arguments = strdup(id); /* distinct arguments: no non-concurrency match */
    t.created_ms = t.launched_ms = 1000;
    t.finish_at_ms = 2000;
    t.polls_left = -1;
    int existing = 1;
    cr_assert_eq(store_task_start(s, &t, 1000, &existing), 0);
    cr_assert_eq(existing, 0);
    store_task_clear(&t);
}

Test(store, reopen_keeps_rows_and_settings, .init = make_path, .fini = drop_path)
{
    char err[256] = "";
    struct store *s = open_with(embedded_schema_count, err, sizeof(err));
    cr_assert_not_null(s, "%s", err);
    insert_task(s, "00000000000000000000000000000001");
    cr_assert_eq(store_meta_set(s, "k", "v1"), 0);
    store_close(s);

    s = open_with(embedded_schema_count, err, sizeof(err));
    cr_assert_not_null(s, "%s", err);
    char v[16];
    cr_assert_eq(store_meta_get(s, "k", v, sizeof(v)), 0);
    cr_assert_str_eq(v, "v1");
    cr_assert_eq(store_meta_get(s, "absent", v, sizeof(v)), 1);
    int n = 0;
    cr_assert_eq(store_task_each(s, 100, count_tasks, &n), 0);
    cr_assert_eq(n, 2, "the inserted task and the fixtures' example task, once");
    /* Fixtures are loaded once: the demo client is there, not duplicated. */
    struct store_client c;
    cr_assert_eq(store_client_get(s, "demo-app", &c), 0);
    store_close(s);
}

Test(store, older_database_is_upgraded_not_recreated, .init = make_path, .fini = drop_path)
{
    char err[256] = "";
    cr_assert_gt(embedded_schema_count, 1);
    /* A database made by a version that knew only the first schema step and
     * the clients fixture. */
    const struct store_file *clients = NULL;
    for (size_t i = 0; i < embedded_fixtures_count; i++)
        if (strcmp(embedded_fixtures[i].name, "clients.sql") == 0)
            clients = &embedded_fixtures[i];
    cr_assert_not_null(clients);
    struct store *s = store_open(path, embedded_schema, 1, clients, 1, err, sizeof(err));
    cr_assert_not_null(s, "%s", err);
    insert_task(s, "00000000000000000000000000000002");
    store_close(s);

    s = open_with(embedded_schema_count, err, sizeof(err));
    cr_assert_not_null(s, "%s", err);
    int n = 0;
    cr_assert_eq(store_task_each(s, 100, count_tasks, &n), 0);
    cr_assert_eq(n, 1, "the old task must survive the upgrade");
    struct store_client c;
    cr_assert_eq(store_client_get(s, "demo-admin", &c), 0);
    store_close(s);
}

static int count_row(void *ud, sqlite3_stmt *st)
{
    (void)st;
    (*(int *)ud)++;
    return STORE_ROW_NEXT;
}

static int migrations(struct store *s)
{
    int n = 0;
    cr_assert_eq(
        store_read(s, "test", "SELECT name FROM schema_migrations", STORE_NO_ARGS, count_row, &n),
        STORE_OK);
    return n;
}

Test(store, each_step_is_applied_once_and_a_newer_one_is_left_alone, .init = make_path,
     .fini = drop_path)
{
    char err[256] = "";
    /* A database of a version that knew only the first step (no fixtures:
     * the tenant's need later steps). */
    struct store *s = store_open(path, embedded_schema, 1, NULL, 0, err, sizeof(err));
    cr_assert_not_null(s, "%s", err);
    cr_assert_eq(migrations(s), 1);
    /* A step that a newer version applied, which this one does not know. */
    cr_assert_eq(
        store_write(s, "test",
                    "INSERT INTO schema_migrations (name, applied_ms) VALUES ('999_newer.sql', 0)",
                    STORE_NO_ARGS),
        STORE_OK);
    store_close(s);
    for (int round = 0; round < 2; round++) {
        s = open_with(embedded_schema_count, err, sizeof(err));
        cr_assert_not_null(s, "round %d: %s", round, err);
        cr_assert_eq(migrations(s), (int)embedded_schema_count + 1,
                     "round %d: every known step once, the newer one kept", round);
        store_close(s);
    }
}

Test(store, failing_step_is_rolled_back_with_a_reason, .init = make_path, .fini = drop_path)
{
    struct store_file broken[] = {
        {"001_init.sql", embedded_schema[0].text},
        {"900_broken.sql", "CREATE TABLE half_done (x INTEGER); THIS IS NOT SQL;"},
    };
    char err[256] = "";
    struct store *s = store_open(path, broken, 2, NULL, 0, err, sizeof(err));
    cr_assert_null(s);
    cr_assert_not_null(strstr(err, "900_broken.sql"), "%s", err);
    /* Nothing of the failed step stayed: it applies cleanly once fixed. */
    struct store_file fixed[] = {
        {"001_init.sql", embedded_schema[0].text},
        {"900_broken.sql", "CREATE TABLE half_done (x INTEGER);"},
    };
    s = store_open(path, fixed, 2, NULL, 0, err, sizeof(err));
    cr_assert_not_null(s, "%s", err);
    store_close(s);
}

Test(store, unusable_path_fails_cleanly)
{
    char err[256] = "";
    struct store *s = store_open("/nonexistent-dir/x/y.db", embedded_schema, embedded_schema_count,
                                 NULL, 0, err, sizeof(err));
    cr_assert_null(s);
    cr_assert_neq(err[0], '\0');
    store_close(NULL); /* a no-op */
}

Test(store, reset_goes_back_to_the_fixtures, .init = make_path, .fini = drop_path)
{
    char err[256] = "";
    struct store *s = open_with(embedded_schema_count, err, sizeof(err));
    cr_assert_not_null(s, "%s", err);
    insert_task(s, "00000000000000000000000000000003");
    struct store_client c;
    memset(&c, 0, sizeof(c));
    snprintf(c.client_id, sizeof(c.client_id), "extra");
    snprintf(c.secret, sizeof(c.secret), "x");
    snprintf(c.scopes, sizeof(c.scopes), "sp:report:read");
    cr_assert_eq(store_client_put(s, &c), 0);
    cr_assert_eq(store_client_delete(s, "demo-reader"), 0);
    cr_assert_eq(store_meta_set(s, "jwt_key", "kept"), 0);

    cr_assert_eq(store_reset(s), 0);
    int n = 0;
    struct store_task t;
    cr_assert_eq(store_task_each(s, 100, count_tasks, &n), 0);
    cr_assert_eq(n, 1, "only the fixtures' example task");
    cr_assert_eq(store_task_get(s, "ef38f94347e94562b5bb8424a56397d8", &t), 0);
    store_task_clear(&t);
    cr_assert_eq(store_task_get(s, "00000000000000000000000000000003", &t), 1);
    cr_assert_eq(store_client_get(s, "extra", &c), 1);
    cr_assert_eq(store_client_get(s, "demo-reader", &c), 0);
    char v[16];
    cr_assert_eq(store_meta_get(s, "jwt_key", v, sizeof(v)), 0, "settings survive a reset");
    cr_assert_str_eq(v, "kept");
    store_close(s);
}

/* Token records go through the journal's queue: each one is in the table
 * once read (the count flushes), and those still queued at close are written
 * before the store closes. */
Test(store, queued_token_records_are_written, .init = make_path, .fini = drop_path)
{
    char err[256] = "", jti[32];
    struct store *s = open_with(embedded_schema_count, err, sizeof(err));
    cr_assert_not_null(s, "%s", err);
    int64_t before = 0, n = 0;
    cr_assert_eq(store_token_count(s, &before), 0);
    for (int i = 0; i < 50; i++) {
        snprintf(jti, sizeof(jti), "jti-a-%d", i);
        cr_assert_eq(store_token_record(s, jti, "demo-app", i, i + 1000), 0);
    }
    cr_assert_eq(store_token_count(s, &n), 0);
    cr_expect_eq(n, before + 50, "%lld records after 50 tokens", (long long)(n - before));
    for (int i = 0; i < 50; i++) {
        snprintf(jti, sizeof(jti), "jti-b-%d", i);
        cr_assert_eq(store_token_record(s, jti, "demo-app", i, i + 1000), 0);
    }
    store_close(s); /* no read in between: the close writes what is queued */
    s = open_with(embedded_schema_count, err, sizeof(err));
    cr_assert_not_null(s, "%s", err);
    cr_assert_eq(store_token_count(s, &n), 0);
    cr_expect_eq(n, before + 100, "%lld records after 100 tokens and a restart",
                 (long long)(n - before));
    store_close(s);
}

Test(store, issued_tokens_stay_bounded)
{
    char err[256] = "";
    struct store *s =
        store_open(":memory:", embedded_schema, embedded_schema_count, NULL, 0, err, sizeof(err));
    cr_assert_not_null(s, "%s", err);
    char jti[32];
    int64_t n = 0;
    for (int i = 1; i <= STORE_TOKENS_KEPT + 2 * STORE_TOKENS_TRIM; i++) {
        snprintf(jti, sizeof(jti), "jti-%d", i);
        cr_assert_eq(store_token_record(s, jti, "demo-app", i, i + 1000), 0);
    }
    cr_assert_eq(store_token_count(s, &n), 0);
    cr_assert_leq(n, STORE_TOKENS_KEPT + STORE_TOKENS_TRIM);
    cr_assert_geq(n, STORE_TOKENS_KEPT);
    store_close(s);
}

static int count_audit(void *ud, const struct store_audit *a)
{
    int64_t *n = ud;
    cr_assert_gt(a->id, 2 * STORE_AUDIT_TRIM, "event %lld is older than the newest kept",
                 (long long)a->id);
    (*n)++;
    return 0;
}

Test(store, audit_events_stay_bounded)
{
    char err[256] = "";
    struct store *s =
        store_open(":memory:", embedded_schema, embedded_schema_count, NULL, 0, err, sizeof(err));
    cr_assert_not_null(s, "%s", err);
    struct store_audit a = {.client_id = "demo-app",
                            .task_id = "t",
                            .report_type = "ACCOUNTS",
                            .file_format = "CSV",
                            .file_name = "a.csv",
                            .tracking_id = "x"};
    int total = STORE_AUDIT_KEPT + 2 * STORE_AUDIT_TRIM;
    for (int i = 1; i <= total; i++) {
        a.at_ms = i;
        cr_assert_eq(store_audit_add(s, &a), 0);
    }
    int64_t n = 0;
    cr_assert_eq(store_audit_each(s, 10 * total, count_audit, &n), 0);
    cr_assert_eq(n, STORE_AUDIT_KEPT, "%lld events kept", (long long)n);
    store_close(s);
}

Test(store, statement_cache_reuses_evicts_and_nests)
{
    char err[256] = "";
    struct store *s = store_open(":memory:", embedded_schema, 1, NULL, 0, err, sizeof(err));
    cr_assert_not_null(s, "%s", err);
    pthread_mutex_lock(&s->lock);
    /* More distinct texts than slots: each still answers its own value. */
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < 3 * STORE_STMT_CACHE; i++) {
            char sql[64];
            snprintf(sql, sizeof(sql), "SELECT %d", i);
            sqlite3_stmt *st = NULL;
            cr_assert_eq(store_prepare(s, sql, &st), SQLITE_OK);
            cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
            cr_assert_eq(sqlite3_column_int(st, 0), i);
            store_release(s, st);
        }
    }
    /* The same text while it is in use: a second, independent statement. */
    sqlite3_stmt *a = NULL, *b = NULL, *c = NULL;
    cr_assert_eq(store_prepare(s, "SELECT ?1", &a), SQLITE_OK);
    sqlite3_bind_int(a, 1, 7);
    cr_assert_eq(store_prepare(s, "SELECT ?1", &b), SQLITE_OK);
    cr_assert_neq(a, b);
    sqlite3_bind_int(b, 1, 8);
    cr_assert_eq(sqlite3_step(a), SQLITE_ROW);
    cr_assert_eq(sqlite3_step(b), SQLITE_ROW);
    cr_assert_eq(sqlite3_column_int(a, 0), 7);
    cr_assert_eq(sqlite3_column_int(b, 0), 8);
    store_release(s, b);
    store_release(s, a);
    /* Released: reused, reset, bindings cleared. */
    cr_assert_eq(store_prepare(s, "SELECT ?1", &c), SQLITE_OK);
    cr_assert(c == a || c == b, "a released statement is reused");
    cr_assert_eq(sqlite3_step(c), SQLITE_ROW);
    cr_assert_eq(sqlite3_column_type(c, 0), SQLITE_NULL);
    store_release(s, c);
    store_release(s, NULL);
    pthread_mutex_unlock(&s->lock);
    store_close(s);
}

/* A fingerprint of every row of every table (schema_migrations by name only:
 * its applied_ms is the time of the run), in key order, and of the schema. */
static uint64_t database_fingerprint(struct store *s)
{
    uint64_t h = 1469598103934665603ULL;
    sqlite3_stmt *tables = NULL;
    cr_assert_eq(sqlite3_prepare_v2(s->db,
                                    "SELECT name, sql FROM sqlite_master WHERE name NOT LIKE"
                                    " 'sqlite_%' ORDER BY name",
                                    -1, &tables, NULL),
                 SQLITE_OK);
    while (sqlite3_step(tables) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(tables, 0);
        const char *sql = (const char *)sqlite3_column_text(tables, 1);
        for (const char *p = sql ? sql : ""; *p; p++)
            h = (h ^ (unsigned char)*p) * 1099511628211ULL;
        char *select = strcmp(name, "schema_migrations") == 0
                           ? sqlite3_mprintf("SELECT name FROM schema_migrations ORDER BY 1")
                           : sqlite3_mprintf("SELECT * FROM \"%w\" ORDER BY 1, 2", name);
        sqlite3_stmt *st = NULL;
        /* An index is not a table: its rows are checked through its table. */
        if (sqlite3_prepare_v2(s->db, select, -1, &st, NULL) == SQLITE_OK)
            while (sqlite3_step(st) == SQLITE_ROW)
                for (int c = 0; c < sqlite3_column_count(st); c++) {
                    const unsigned char *v = sqlite3_column_text(st, c);
                    for (const unsigned char *p = v ? v : (const unsigned char *)"\x01"; *p; p++)
                        h = (h ^ *p) * 1099511628211ULL;
                    h = (h ^ 0xff) * 1099511628211ULL;
                }
        sqlite3_finalize(st);
        sqlite3_free(select);
    }
    sqlite3_finalize(tables);
    return h;
}

static int64_t scalar(struct store *s, const char *sql)
{
    sqlite3_stmt *st = NULL;
    cr_assert_eq(sqlite3_prepare_v2(s->db, sql, -1, &st, NULL), SQLITE_OK, "%s: %s", sql,
                 sqlite3_errmsg(s->db));
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW, "%s", sql);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

Test(store, built_in_image_is_the_database_the_fixtures_make)
{
    char err[256] = "";
    struct store *sql = store_open(":memory:", embedded_schema, embedded_schema_count,
                                   embedded_fixtures, embedded_fixtures_count, err, sizeof(err));
    cr_assert_not_null(sql, "%s", err);
    struct store *img =
        store_open_image(":memory:", embedded_schema, embedded_schema_count, &embedded_image,
                         embedded_fixtures, embedded_fixtures_count, err, sizeof(err));
    cr_assert_not_null(img, "%s", err);
    cr_assert_eq(scalar(img, "SELECT count(*) FROM identities"), 300);
    cr_assert_eq(database_fingerprint(img), database_fingerprint(sql),
                 "the built-in image is out of date with the schema or the fixtures");
    cr_assert_eq(scalar(img, "PRAGMA page_size"), 16384);
    cr_assert_eq(scalar(sql, "PRAGMA page_size"), 16384);
    /* It is a copy: writing to it works, and reset replays the fixtures. */
    insert_task(img, "00000000000000000000000000000004");
    cr_assert_eq(store_reset(img), 0);
    cr_assert_eq(database_fingerprint(img), database_fingerprint(sql));
    store_close(sql);
    store_close(img);
}

Test(store, image_starts_a_new_file_and_is_ignored_by_an_existing_one, .init = make_path,
     .fini = drop_path)
{
    char err[256] = "";
    struct store *s =
        store_open_image(path, embedded_schema, embedded_schema_count, &embedded_image,
                         embedded_fixtures, embedded_fixtures_count, err, sizeof(err));
    cr_assert_not_null(s, "%s", err);
    cr_assert_eq(scalar(s, "SELECT count(*) FROM accounts"), 850);
    int64_t fixture_tasks = scalar(s, "SELECT count(*) FROM tasks");
    insert_task(s, "00000000000000000000000000000005");
    cr_assert_eq(scalar(s, "SELECT count(*) FROM identities WHERE name = 'amelia.smith'"), 1);
    cr_assert_eq(sqlite3_exec(s->db, "DELETE FROM identity_errors", NULL, NULL, NULL), SQLITE_OK);
    store_close(s);
    s = store_open_image(path, embedded_schema, embedded_schema_count, &embedded_image,
                         embedded_fixtures, embedded_fixtures_count, err, sizeof(err));
    cr_assert_not_null(s, "%s", err);
    int n = 0;
    cr_assert_eq(store_task_each(s, 100, count_tasks, &n), 0);
    cr_assert_eq(n, fixture_tasks + 1, "the file's own rows stay, the image adds none");
    cr_assert_eq(scalar(s, "SELECT count(*) FROM identity_errors"), 0);
    store_close(s);
}

Test(store, bulk_schema_step_keeps_the_tenant_and_its_rules, .init = make_path, .fini = drop_path)
{
    char err[256] = "";
    size_t before = 0; /* the steps before 006_tenant_bulk.sql */
    while (before < embedded_schema_count &&
           strcmp(embedded_schema[before].name, "006_tenant_bulk.sql") < 0)
        before++;
    cr_assert_lt(before, embedded_schema_count);
    struct store *s = open_with(before, err, sizeof(err));
    cr_assert_not_null(s, "%s", err);
    cr_assert_eq(
        scalar(s, "SELECT count(*) FROM sqlite_master WHERE name = 'accounts_identity_name'"), 1);
    store_close(s);
    s = open_with(embedded_schema_count, err, sizeof(err));
    cr_assert_not_null(s, "%s", err);
    cr_assert_eq(scalar(s, "SELECT count(*) FROM identities"), 300);
    cr_assert_eq(scalar(s, "SELECT count(*) FROM accounts"), 850);
    cr_assert_eq(scalar(s, "SELECT count(*) FROM account_entitlements"), 936);
    cr_assert_eq(scalar(s, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
    cr_assert_eq(
        scalar(s, "SELECT count(*) FROM sqlite_master WHERE name = 'accounts_identity_name'"), 0);
    /* The uncorrelated accounts page through the partial index, unsorted. */
    sqlite3_stmt *plan = NULL;
    cr_assert_eq(sqlite3_prepare_v2(s->db,
                                    "EXPLAIN QUERY PLAN SELECT t.id FROM accounts t WHERE"
                                    " (t.identity_id IS NULL) AND (t.name, t.id) > ('a', 'b')"
                                    " ORDER BY t.name, t.id LIMIT 10",
                                    -1, &plan, NULL),
                 SQLITE_OK);
    int steps = 0;
    while (sqlite3_step(plan) == SQLITE_ROW) {
        const char *detail = (const char *)sqlite3_column_text(plan, 3);
        cr_assert_not_null(strstr(detail, "accounts_uncorrelated"), "%s", detail);
        steps++;
    }
    cr_assert_eq(steps, 1, "no sort step");
    sqlite3_finalize(plan);
    /* References point at the renamed tables, and the rules still hold. */
    cr_assert_eq(scalar(s, "SELECT count(*) FROM sqlite_master WHERE sql LIKE '%_new%'"), 0);
    cr_assert_neq(sqlite3_exec(s->db,
                               "INSERT INTO identities (id, name, created_ms, modified_ms)"
                               " SELECT 'x', name, 0, 0 FROM identities LIMIT 1",
                               NULL, NULL, NULL),
                  SQLITE_OK, "a second identity with the same name");
    cr_assert_neq(sqlite3_exec(s->db,
                               "INSERT INTO accounts (id, source_id, native_identity, name,"
                               " created_ms, modified_ms) VALUES ('y', 'no such source', 'z', 'n',"
                               " 0, 0)",
                               NULL, NULL, NULL),
                  SQLITE_OK, "an account of no source");
    store_close(s);
}

Test(store, fixtures_that_repeat_a_native_identity_are_refused, .init = make_path,
     .fini = drop_path)
{
    /* No index keeps the rule since 010_accounts_native.sql: the fixture load does. */
    char err[512] = "";
    struct store_file twice[] = {
        {"tenant.sql",
         "INSERT INTO sources (id, name, type, created_ms, modified_ms)"
         " VALUES ('s1', 'Directory', 'LDAP', 0, 0), ('s2', 'Mail', 'LDAP', 0, 0);"
         "INSERT INTO accounts (id, source_id, native_identity, name, created_ms, modified_ms)"
         " VALUES ('a1', 's1', 'uid=ann', 'ann', 0, 0), ('a2', 's2', 'uid=ann', 'ann', 0, 0),"
         " ('a3', 's1', 'uid=ann', 'ann2', 0, 0);"},
    };
    struct store *s =
        store_open(path, embedded_schema, embedded_schema_count, twice, 1, err, sizeof(err));
    cr_assert_null(s);
    cr_assert_not_null(strstr(err, "'s1'"), "%s", err);
    cr_assert_not_null(strstr(err, "'uid=ann'"), "%s", err);
    /* The same native identity on two sources is no repeat. */
    twice[0].text = "INSERT INTO sources (id, name, type, created_ms, modified_ms)"
                    " VALUES ('s1', 'Directory', 'LDAP', 0, 0), ('s2', 'Mail', 'LDAP', 0, 0);"
                    "INSERT INTO accounts (id, source_id, native_identity, name, created_ms,"
                    " modified_ms) VALUES ('a1', 's1', 'uid=ann', 'ann', 0, 0),"
                    " ('a2', 's2', 'uid=ann', 'ann', 0, 0);";
    s = store_open(path, embedded_schema, embedded_schema_count, twice, 1, err, sizeof(err));
    cr_assert_not_null(s, "%s", err);
    cr_assert_eq(scalar(s, "SELECT count(*) FROM accounts"), 2);
    cr_assert_eq(
        scalar(s, "SELECT count(*) FROM sqlite_master WHERE name = 'accounts_source_native'"), 0);
    store_close(s);
}

/* ---- connections: readers beside the writer ---- */

static struct store *open_memory(void)
{
    char err[256] = "";
    struct store *s =
        store_open(":memory:", embedded_schema, embedded_schema_count, NULL, 0, err, sizeof(err));
    cr_assert_not_null(s, "%s", err);
    return s;
}

struct held_writer {
    struct store *s;
    pthread_mutex_t m;
    pthread_cond_t cv;
    int holding, release;
};

/* Holds the writer (as a long write would) until told to let go. */
static void *hold_writer(void *arg)
{
    struct held_writer *h = arg;
    store_enter(h->s, STORE_WRITE);
    pthread_mutex_lock(&h->m);
    h->holding = 1;
    pthread_cond_broadcast(&h->cv);
    while (!h->release)
        pthread_cond_wait(&h->cv, &h->m);
    pthread_mutex_unlock(&h->m);
    store_leave(h->s);
    return NULL;
}

Test(store, reads_do_not_wait_for_the_writer, .timeout = 20)
{
    struct store *s = open_memory();
    cr_assert_eq(store_meta_set(s, "k", "before"), 0);
    struct held_writer h = {.s = s};
    pthread_mutex_init(&h.m, NULL);
    pthread_cond_init(&h.cv, NULL);
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, hold_writer, &h), 0);
    pthread_mutex_lock(&h.m);
    while (!h.holding)
        pthread_cond_wait(&h.cv, &h.m);
    pthread_mutex_unlock(&h.m);
    /* With one connection behind one lock this read would wait for ever. */
    char v[16] = "";
    cr_assert_eq(store_meta_get(s, "k", v, sizeof(v)), 0);
    cr_assert_str_eq(v, "before");
    pthread_mutex_lock(&h.m);
    h.release = 1;
    pthread_cond_broadcast(&h.cv);
    pthread_mutex_unlock(&h.m);
    pthread_join(t, NULL);
    pthread_cond_destroy(&h.cv);
    pthread_mutex_destroy(&h.m);
    store_close(s);
}

/* Thread bodies: Criterion asserts only on the test's own thread, so they
 * return what they got (NULL: done as asked). */
static void *write_meta(void *arg)
{
    return store_meta_set(arg, "k", "after") == 0 ? NULL : arg;
}

static void *read_meta(void *arg)
{
    char v[16] = "";
    return store_meta_get(arg, "k", v, sizeof(v)) == 0 ? NULL : arg;
}

/* Reads, then says whether it had a reader of its own while it read. */
static void *hold_reader(void *arg)
{
    struct store *s = arg;
    char v[16] = "";
    if (store_meta_get(s, "k", v, sizeof(v)) != 0)
        return arg;
    pthread_mutex_lock(&s->readers_lock);
    int own = s->readers != NULL;
    pthread_mutex_unlock(&s->readers_lock);
    return own ? NULL : arg;
}

Test(store, a_reader_sees_each_commit_at_once)
{
    struct store *s = open_memory();
    cr_assert_eq(store_meta_set(s, "k", "before"), 0);
    char v[16] = "";
    cr_assert_eq(store_meta_get(s, "k", v, sizeof(v)), 0); /* this thread's reader is open */
    cr_assert_str_eq(v, "before");
    pthread_t t;
    void *bad = s;
    cr_assert_eq(pthread_create(&t, NULL, write_meta, s), 0);
    pthread_join(t, &bad);
    cr_assert_null(bad);
    cr_assert_eq(store_meta_get(s, "k", v, sizeof(v)), 0);
    cr_assert_str_eq(v, "after", "no read transaction is kept between calls");
    store_close(s);
}

Test(store, readers_close_when_their_thread_ends)
{
    struct store *s = open_memory();
    cr_assert(s->wal, "the default database is a WAL file");
    cr_assert_eq(store_meta_set(s, "k", "v"), 0);
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        cr_assert_eq(pthread_create(&t[i], NULL, read_meta, s), 0);
    for (int i = 0; i < 4; i++) {
        void *bad = s;
        pthread_join(t[i], &bad);
        cr_assert_null(bad);
    }
    pthread_mutex_lock(&s->readers_lock);
    cr_assert_null(s->readers, "every ended thread closed its reader");
    pthread_mutex_unlock(&s->readers_lock);
    char v[16] = "";
    cr_assert_eq(store_meta_get(s, "k", v, sizeof(v)), 0);
    cr_assert_not_null(s->readers, "this thread's reader is open");
    store_close(s); /* closes it (valgrind and ASan see a leak otherwise) */
}

Test(store, a_thread_that_reads_on_the_writer_opens_no_reader)
{
    struct store *s = open_memory();
    cr_assert(s->wal);
    store_reads_on_writer(s);
    cr_assert_eq(store_meta_set(s, "k", "v"), 0);
    char v[16] = "";
    cr_assert_eq(store_meta_get(s, "k", v, sizeof(v)), 0);
    cr_assert_str_eq(v, "v");
    cr_assert_null(s->readers, "the read went through the writer");
    /* Other threads still read on their own connections. */
    pthread_t t;
    void *bad = s;
    cr_assert_eq(pthread_create(&t, NULL, hold_reader, s), 0);
    pthread_join(t, &bad);
    cr_assert_null(bad);
    store_close(s);
}

Test(store, the_temporary_database_is_deleted_at_close)
{
    struct store *s = open_memory();
    char file[sizeof(s->path)], wal[sizeof(s->path) + 8];
    snprintf(file, sizeof(file), "%s", s->path);
    snprintf(wal, sizeof(wal), "%s-wal", s->path);
    cr_assert_eq(access(file, F_OK), 0, "%s exists while open", file);
    store_close(s);
    cr_assert_neq(access(file, F_OK), 0, "%s is gone", file);
    cr_assert_neq(access(wal, F_OK), 0, "%s is gone", wal);
}

/* ---- the journal's queue ---- */

#define JOURNAL_THREADS 4
#define JOURNAL_ROWS 600 /* per thread: together more than the ring holds */

static void *journal_rows(void *arg)
{
    for (int i = 0; i < JOURNAL_ROWS; i++) {
        struct store_journal j = {.at_ms = i,
                                  .method = "GET",
                                  .path = "/v2024/reports/x/result",
                                  .query = "",
                                  .status = 200,
                                  .tracking_id = "t"};
        if (store_journal_add(arg, &j, 100000) != 0)
            return arg;
    }
    return NULL;
}

static int count_rows(void *ud, const struct store_journal *j)
{
    (void)j;
    (*(int *)ud)++;
    return 0;
}

Test(store, the_journal_thread_starts_with_the_first_row)
{
    struct store *s = open_memory();
    cr_assert_not_null(s->ring);
    cr_assert_eq(store_ring_thread_running(s), 0, "a store that journals nothing has no thread");
    store_ring_flush(s); /* nothing queued: returns at once */
    cr_assert_null(journal_rows(s), "rows are queued");
    cr_assert_eq(store_ring_thread_running(s), 1);
    struct store_journal_filter f = {.since_ms = INT64_MIN, .limit = 1};
    int64_t count = 0;
    int seen = 0;
    cr_assert_eq(store_journal_find(s, &f, &count, count_rows, &seen), 0);
    cr_assert_eq(count, JOURNAL_ROWS, "every row is written");
    store_close(s);
}

Test(store, the_journal_shows_every_row_added_before_a_read)
{
    struct store *s = open_memory();
    pthread_t t[JOURNAL_THREADS];
    for (int i = 0; i < JOURNAL_THREADS; i++)
        cr_assert_eq(pthread_create(&t[i], NULL, journal_rows, s), 0);
    for (int i = 0; i < JOURNAL_THREADS; i++) {
        void *bad = s;
        pthread_join(t[i], &bad);
        cr_assert_null(bad);
    }
    struct store_journal_filter f = {.since_ms = INT64_MIN, .limit = 1};
    int64_t count = 0;
    int seen = 0;
    cr_assert_eq(store_journal_find(s, &f, &count, count_rows, &seen), 0);
    cr_assert_eq(count, JOURNAL_THREADS * JOURNAL_ROWS, "every queued row is written first");
    cr_assert_eq(seen, 1);
    /* One more, then a clear: the clear takes it too. */
    cr_assert_null(journal_rows(s));
    cr_assert_eq(store_journal_clear(s), 0);
    cr_assert_eq(store_journal_find(s, &f, &count, count_rows, &seen), 0);
    cr_assert_eq(count, 0);
    store_close(s);
}

/* ---- the journal's bounds ---- */

/* The newest row's path, query, host and request body, copied out. */
struct newest {
    char path[4096], query[4096], host[4096], body[16384];
};

static int copy_newest(void *ud, const struct store_journal *j)
{
    struct newest *n = ud;
    snprintf(n->path, sizeof(n->path), "%s", j->path);
    snprintf(n->query, sizeof(n->query), "%s", j->query);
    snprintf(n->host, sizeof(n->host), "%s", j->host ? j->host : "");
    snprintf(n->body, sizeof(n->body), "%s", j->request_body ? j->request_body : "");
    return 1;
}

/* A malloc'd string of `n` bytes: `lead`, then 'a' up to a 2-byte 'é' that
 * straddles byte STORE_JOURNAL_TEXT_MAX, then 'b'. */
static char *long_value(const char *lead, size_t n)
{
    char *v = malloc(n + 1);
    cr_assert_not_null(v);
    memset(v, 'b', n);
    memcpy(v, lead, strlen(lead));
    memset(v + strlen(lead), 'a', STORE_JOURNAL_TEXT_MAX - 1 - strlen(lead));
    memcpy(v + STORE_JOURNAL_TEXT_MAX - 1, "\xc3\xa9", 2);
    v[n] = '\0';
    return v;
}

Test(store, long_journal_values_are_cut_with_a_marker)
{
    struct store *s = open_memory();
    size_t n = 100000;
    char *lpath = long_value("/", n), *query = long_value("q=", n), *host = long_value("h", n);
    char *body = malloc(3 * STORE_JOURNAL_EVIDENCE_MAX + 1);
    cr_assert_not_null(body);
    memset(body, 'x', 3 * STORE_JOURNAL_EVIDENCE_MAX);
    body[3 * STORE_JOURNAL_EVIDENCE_MAX] = '\0';
    struct store_journal j = {.at_ms = 1,
                              .method = "GET",
                              .path = lpath,
                              .query = query,
                              .host = host,
                              .request_body = body,
                              .status = 404,
                              .tracking_id = "t"};
    cr_assert_eq(store_journal_add(s, &j, 100), 0);
    struct store_journal_filter f = {.since_ms = INT64_MIN, .limit = 1};
    struct newest got;
    cr_assert_eq(store_journal_find(s, &f, NULL, copy_newest, &got), 0);
    /* Cut before the 'é' that would not fit whole, then the marker. */
    const char *value[] = {got.path, got.query, got.host};
    const char *sent[] = {lpath, query, host};
    for (int i = 0; i < 3; i++) {
        char want[4096];
        snprintf(want, sizeof(want), "%.*s...[%zu more bytes]", STORE_JOURNAL_TEXT_MAX - 1, sent[i],
                 n - (STORE_JOURNAL_TEXT_MAX - 1));
        cr_expect_str_eq(value[i], want);
    }
    cr_expect_eq(strlen(got.body), STORE_JOURNAL_EVIDENCE_MAX + strlen("...[16384 more bytes]"));
    cr_expect_not_null(strstr(got.body, "...[16384 more bytes]"));
    /* A value within its cap is kept whole. */
    j.path = "/short";
    cr_assert_eq(store_journal_add(s, &j, 100), 0);
    cr_assert_eq(store_journal_find(s, &f, NULL, copy_newest, &got), 0);
    cr_expect_str_eq(got.path, "/short");
    free(lpath);
    free(query);
    free(host);
    free(body);
    store_close(s);
}

/* The journal's bytes as the table says, and its row count. */
static void journal_size(struct store *s, int64_t *bytes, int64_t *rows)
{
    cr_assert_eq(store_read(s, "test bytes",
                            "SELECT total(length(CAST(method AS BLOB)) + length(CAST(path AS BLOB))"
                            " + length(CAST(query AS BLOB)) + length(CAST(tracking_id AS BLOB))"
                            " + coalesce(length(CAST(request_body AS BLOB)), 0) + 5) FROM journal",
                            STORE_NO_ARGS, store_row_int64, bytes),
                 STORE_OK);
    cr_assert_eq(store_read(s, "test rows", "SELECT count(*) FROM journal", STORE_NO_ARGS,
                            store_row_int64, rows),
                 STORE_OK);
}

Test(store, the_journal_stays_under_its_byte_budget)
{
    struct store *s = open_memory();
    const int64_t budget = 256 * 1024;
    store_journal_bytes_max(s, budget);
    char *body = malloc(STORE_JOURNAL_EVIDENCE_MAX + 1);
    cr_assert_not_null(body);
    memset(body, 'x', STORE_JOURNAL_EVIDENCE_MAX);
    body[STORE_JOURNAL_EVIDENCE_MAX] = '\0';
    /* 200 rows of about 8 KB: 1.6 MB of text into a 256 KB budget. */
    struct store_journal j = {
        .method = "GET", .path = "/p", .query = "", .request_body = body, .tracking_id = "t"};
    int64_t bytes = 0, rows = 0;
    for (int i = 0; i < 200; i++) {
        j.at_ms = i;
        cr_assert_eq(store_journal_add(s, &j, 100000), 0);
    }
    store_ring_flush(s);
    journal_size(s, &bytes, &rows);
    cr_expect_leq(bytes, budget, "%lld bytes kept", (long long)bytes);
    cr_expect_geq(bytes, budget - 2 * 9 * STORE_JOURNAL_EVIDENCE_MAX,
                  "%lld bytes kept: more went than needed", (long long)bytes);
    cr_expect_lt(rows, 200);
    /* The newest rows are the ones kept. */
    struct store_journal_filter f = {.since_ms = 199, .limit = 0};
    int64_t count = 0;
    cr_assert_eq(store_journal_find(s, &f, &count, NULL, NULL), 0);
    cr_expect_eq(count, 1);
    /* After a clear the budget counts from nothing again. */
    cr_assert_eq(store_journal_clear(s), 0);
    for (int i = 0; i < 20; i++)
        cr_assert_eq(store_journal_add(s, &j, 100000), 0);
    store_ring_flush(s);
    journal_size(s, &bytes, &rows);
    cr_expect_eq(rows, 20);
    free(body);
    store_close(s);
}

/* ---- the plan of a new task ---- */

/* store_report_plan for IDENTITIES: its result, and the plan's duration. */
static int plan_of(struct store *s, int64_t *duration_ms)
{
    struct store_behaviour b;
    int from_queue = 0;
    int rc = store_report_plan(s, "IDENTITIES", &b, &from_queue);
    *duration_ms = rc == STORE_OK ? b.duration_ms : -2;
    store_behaviour_clear(&b);
    return rc;
}

Test(store, the_plan_of_a_new_task_sees_every_change)
{
    struct store *s = open_memory();
    int64_t ms = 0;
    /* Nothing set: answered without the database from the second ask on. */
    cr_assert_eq(plan_of(s, &ms), STORE_NOT_FOUND);
    cr_expect_eq(atomic_load(&s->plan_hint), 1);
    struct store_behaviour b = {.report_type = "IDENTITIES", .duration_ms = 5, .polls = -1};
    cr_assert_eq(store_next_push(s, &b), STORE_OK);
    cr_assert_eq(plan_of(s, &ms), STORE_OK, "a queued plan after a 'none' answer");
    cr_expect_eq(ms, 5);
    cr_assert_eq(plan_of(s, &ms), STORE_NOT_FOUND, "the queued plan was taken");
    cr_assert_eq(store_next_restore(s, &b), STORE_OK);
    cr_assert_eq(plan_of(s, &ms), STORE_OK, "a plan put back");
    cr_assert_eq(plan_of(s, &ms), STORE_NOT_FOUND);
    struct store_behaviour d = {.report_type = "*", .duration_ms = 7, .polls = -1};
    cr_assert_eq(store_behaviour_put(s, &d), STORE_OK);
    cr_assert_eq(plan_of(s, &ms), STORE_OK, "a default behaviour");
    cr_expect_eq(ms, 7);
    cr_assert_eq(store_behaviour_delete(s, "*"), STORE_OK);
    cr_assert_eq(plan_of(s, &ms), STORE_NOT_FOUND);
    cr_assert_eq(store_behaviour_put(s, &d), STORE_OK);
    cr_assert_eq(store_reset(s), STORE_OK);
    cr_assert_eq(plan_of(s, &ms), STORE_NOT_FOUND, "a reset removed it");
    store_close(s);
}

Test(store, a_restored_snapshot_brings_its_plans_to_the_next_start)
{
    struct store *s = open_memory();
    char snap[sizeof(s->path) + 16], err[256] = "";
    snprintf(snap, sizeof(snap), "%s.snap", s->path);
    int64_t ms = 0;
    struct store_behaviour d = {.report_type = "*", .duration_ms = 7, .polls = -1};
    cr_assert_eq(store_behaviour_put(s, &d), STORE_OK);
    struct store_state_info info = {.name = "plans"};
    cr_assert_eq(store_state_save(s, snap, &info, NULL, err, sizeof(err)), STORE_OK, "%s", err);
    cr_assert_eq(store_behaviour_delete(s, "*"), STORE_OK);
    cr_assert_eq(plan_of(s, &ms), STORE_NOT_FOUND);
    cr_assert_eq(store_state_restore(s, snap, NULL, NULL, NULL, err, sizeof(err)), STORE_OK, "%s",
                 err);
    cr_expect_eq(plan_of(s, &ms), STORE_OK, "the snapshot's default behaviour");
    cr_expect_eq(ms, 7);
    unlink(snap);
    store_close(s);
}

/* One text value of `db` (a query of one row, one column) into out. */
static void scalar_text(sqlite3 *db, const char *sql, char *out, size_t outlen)
{
    sqlite3_stmt *st = NULL;
    out[0] = '\0';
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW &&
        sqlite3_column_text(st, 0))
        snprintf(out, outlen, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
}

/* A restore that fails after it began leaves the live database as it was:
 * not the snapshot's tables, not its meta rows, not its tasks. The snapshot
 * here refuses new meta rows (a trigger), so putting the kept rows back
 * fails, which before happened after the pages were already copied in. */
Test(store, a_restore_that_fails_changes_nothing)
{
    struct store *s = open_memory();
    char snap[sizeof(s->path) + 16], err[256] = "", v[64];
    snprintf(snap, sizeof(snap), "%s.snap", s->path);
    cr_assert_eq(sqlite3_exec(s->db,
                              "INSERT OR REPLACE INTO meta (key, value) VALUES ('probe', 'snap')",
                              NULL, NULL, NULL),
                 SQLITE_OK, "%s", sqlite3_errmsg(s->db));
    struct store_state_info info = {.name = "frozen"};
    cr_assert_eq(store_state_save(s, snap, &info, NULL, err, sizeof(err)), STORE_OK, "%s", err);
    sqlite3 *f = NULL;
    cr_assert_eq(sqlite3_open(snap, &f), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(f,
                              "CREATE TRIGGER frozen BEFORE INSERT ON meta"
                              " BEGIN SELECT RAISE(ABORT, 'frozen'); END",
                              NULL, NULL, NULL),
                 SQLITE_OK, "%s", sqlite3_errmsg(f));
    sqlite3_close(f);
    cr_assert_eq(
        sqlite3_exec(s->db, "UPDATE meta SET value = 'live' WHERE key = 'probe'", NULL, NULL, NULL),
        SQLITE_OK);
    insert_task(s, "0123456789abcdef0123456789abcdef"); /* after the save: the snapshot lacks it */
    const char *keep[] = {"probe", NULL};
    cr_expect_eq(store_state_restore(s, snap, keep, NULL, NULL, err, sizeof(err)), STORE_ERROR);
    cr_expect(strstr(err, "frozen") != NULL, "the reason: %s", err);
    scalar_text(s->db, "SELECT value FROM meta WHERE key = 'probe'", v, sizeof(v));
    cr_expect_str_eq(v, "live");
    scalar_text(s->db,
                "SELECT count(*) FROM sqlite_master WHERE name LIKE 'snapshot%' OR name = 'frozen'",
                v, sizeof(v));
    cr_expect_str_eq(v, "0", "the snapshot's own tables or trigger came in");
    scalar_text(s->db, "SELECT count(*) FROM tasks WHERE id = '0123456789abcdef0123456789abcdef'",
                v, sizeof(v));
    cr_expect_str_eq(v, "1", "the task made after the save is gone");
    unlink(snap);
    store_close(s);
}

/* ---- snapshots: what a save leaves in the file ---- */

/* One integer of snapshot file `file`. */
static int64_t file_scalar(const char *file, const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int64_t v = -1;
    cr_assert_eq(sqlite3_open_v2(file, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    cr_assert_geq(v, 0, "%s on %s", sql, file);
    return v;
}

/* Adds `rows` request journal rows of about 2,000 bytes each. */
static void journal_fill(struct store *s, int rows)
{
    char sql[512];
    snprintf(sql, sizeof(sql),
             "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d)"
             " INSERT INTO journal (at_ms, method, path, status, request_body)"
             " SELECT i, 'GET', '/mock/health', 200, hex(zeroblob(1000)) FROM n",
             rows);
    cr_assert_eq(sqlite3_exec(s->db, sql, NULL, NULL, NULL), SQLITE_OK, "%s",
                 sqlite3_errmsg(s->db));
}

/* A save without the journal deletes its rows from the copy VACUUM INTO
 * made. Compacting again rewrites the whole copy (most of a large tenant's
 * save time), so it happens only when the room they leave is more than a
 * tenth of the file; a small journal's room is left. */
Test(store, a_save_compacts_again_only_for_a_large_left_out_journal)
{
    struct store *s = open_memory();
    char snap[sizeof(s->path) + 16], err[256] = "";
    snprintf(snap, sizeof(snap), "%s.snap", s->path);
    /* About 100 pages of 16 KiB that the snapshot holds. */
    cr_assert_eq(sqlite3_exec(s->db,
                              "CREATE TABLE filler (b BLOB);"
                              "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n"
                              " WHERE i < 100) INSERT INTO filler SELECT zeroblob(12000) FROM n",
                              NULL, NULL, NULL),
                 SQLITE_OK, "%s", sqlite3_errmsg(s->db));
    struct store_state_info info = {.name = "small"};
    journal_fill(s, 60); /* a few pages */
    cr_assert_eq(store_state_save(s, snap, &info, NULL, err, sizeof(err)), STORE_OK, "%s", err);
    int64_t pages = file_scalar(snap, "PRAGMA page_count");
    int64_t free_pages = file_scalar(snap, "PRAGMA freelist_count");
    cr_expect_eq(file_scalar(snap, "SELECT count(*) FROM journal"), 0);
    cr_expect_gt(free_pages, 0, "a small journal's pages were compacted away (%lld of %lld)",
                 (long long)free_pages, (long long)pages);
    cr_expect_leq(free_pages * 10, pages, "%lld free pages of %lld", (long long)free_pages,
                  (long long)pages);
    journal_fill(s, 400); /* about half as much again as the rest */
    snprintf(info.name, sizeof(info.name), "large");
    cr_assert_eq(store_state_save(s, snap, &info, NULL, err, sizeof(err)), STORE_OK, "%s", err);
    cr_expect_eq(file_scalar(snap, "SELECT count(*) FROM journal"), 0);
    cr_expect_eq(file_scalar(snap, "PRAGMA freelist_count"), 0, "a large journal's room stayed");
    cr_expect_leq(file_scalar(snap, "PRAGMA page_count"), pages);
    unlink(snap);
    store_close(s);
}
