/*
 * gen.c - the batch driver of the deterministic tenant generator (see gen.h):
 * it prepares the inserts, tunes and untunes the database, drops and builds
 * again the tenant indexes, and runs the catalogue (gen_catalogue.c) and the
 * people (gen_people.c) in transactions of BATCH identities under the lock;
 * their rows reach the database through gen_rows.c.
 *
 * Everything comes from a seed and an index, so the result never depends on
 * timing, batch size or the machine. Ids follow the shape of the ISC ids
 * ("2c9180" + kind + a node from the seed + a 16-hex sequence), so every
 * table receives its rows in primary-key order: SQLite appends to its B-trees
 * instead of splitting pages all over a file bigger than its cache.
 *
 * Owns the generator's state for one run. Touches only the tenant tables and
 * the record of the last generation.
 */
#include "gen.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/log.h"
#include "gen_int.h"

const char *const gen_tables[] = {"events",
                                  "account_activities",
                                  "role_access_profiles",
                                  "roles",
                                  "access_profile_entitlements",
                                  "access_profiles",
                                  "account_entitlements",
                                  "entitlements",
                                  "identity_errors",
                                  "accounts",
                                  "identities",
                                  "identity_profiles",
                                  "sources",
                                  NULL};

uint64_t gen_splitmix64(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static const char *const insert_sql[ST__N] = {
    "INSERT INTO identities (id, name, display_name, first_name, last_name, email, department,"
    " title, city, lifecycle_state, manager_id, identity_profile_id, correlated, created_ms,"
    " modified_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "INSERT INTO accounts (id, source_id, native_identity, name, display_name, identity_id,"
    " disabled, locked, created_ms, modified_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "INSERT INTO account_entitlements (account_id, entitlement_id) VALUES (?, ?)",
    "INSERT INTO identity_errors (id, identity_id, identity_profile_id, message, occurred_ms)"
    " VALUES (?, ?, ?, ?, ?)",
    "INSERT INTO account_activities (id, action, stage, status, origin, requester_id,"
    " recipient_id, source_id, tracking_number, created_ms, modified_ms)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "INSERT INTO events (id, name, action, type, technical_name, status, operation, stack,"
    " actor_name, target_name, source_id, ip_address, tracking_number, created_ms)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "INSERT INTO sources (id, name, type, description, authoritative, created_ms, modified_ms)"
    " VALUES (?, ?, ?, ?, ?, ?, ?)",
    "INSERT INTO identity_profiles (id, name, description, authoritative_source_id, priority,"
    " created_ms, modified_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
    "INSERT INTO entitlements (id, source_id, name, display_name, description, attribute, value,"
    " privileged, requestable, created_ms, modified_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "INSERT INTO access_profiles (id, name, description, source_id, owner_id, enabled,"
    " requestable, created_ms, modified_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "INSERT INTO access_profile_entitlements (access_profile_id, entitlement_id) VALUES (?, ?)",
    "INSERT INTO roles (id, name, description, owner_id, enabled, requestable, created_ms,"
    " modified_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    "INSERT INTO role_access_profiles (role_id, access_profile_id) VALUES (?, ?)"};

static unsigned gcd(unsigned a, unsigned b)
{
    while (b) {
        unsigned t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* ---- batches under the lock ---- */

static int exec(struct store *s, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) == SQLITE_OK)
        return 0;
    log_msg("error", NULL, "store: generate: %s", msg ? msg : sqlite3_errmsg(s->db));
    sqlite3_free(msg);
    return -1;
}

/* Empties the tenant tables and the record of a generation. 0 or -1. */
static int empty_locked(struct store *s)
{
    int rc = exec(s, "DELETE FROM tenant_generated");
    for (int i = 0; rc == 0 && gen_tables[i]; i++) {
        char sql[96];
        snprintf(sql, sizeof(sql), "DELETE FROM %s", gen_tables[i]);
        rc = exec(s, sql);
    }
    return rc;
}

/* Inserts row i of a kind (gen_identity, gen_activity, gen_event). 0 or -1. */
typedef int (*gen_row_fn)(struct gen *g, uint64_t i);

/* One transaction under the lock: rows from..to of `row`, or with row NULL
 * the emptied tables and the catalogue. Foreign keys are off inside it: the rows
 * are consistent by construction (the unit tests check), and with them off
 * SQLite empties a table in one step instead of row by row. */
static int batch(struct gen *g, gen_row_fn row, uint64_t from, uint64_t to)
{
    struct store *s = g->s;
    int rc = -1;
    pthread_mutex_lock(&s->lock);
    if (exec(s, "PRAGMA foreign_keys = OFF") || exec(s, "BEGIN IMMEDIATE")) {
        exec(s, "PRAGMA foreign_keys = ON");
        goto out;
    }
    if (!row) {
        rc = empty_locked(s);
        if (rc == 0)
            rc = gen_catalogue(g);
    } else {
        rc = 0;
        for (uint64_t i = from; rc == 0 && i < to; i++)
            rc = row(g, i);
    }
    if (rc == 0)
        rc = gen_rows_flush(g);
    if (rc == 0)
        rc = exec(s, "COMMIT");
    if (rc != 0) {
        gen_rows_discard(g);
        exec(s, "ROLLBACK");
    }
    exec(s, "PRAGMA foreign_keys = ON");
out:
    pthread_mutex_unlock(&s->lock);
    return rc;
}

/* The CREATE [UNIQUE] INDEX statements of the tenant tables, dropped (GEN_STARTUP). */
struct saved_indexes {
    char **sql;     /* the statements that make them again */
    char **name;    /* their names */
    size_t n;       /* indexes saved */
    size_t dropped; /* of which dropped: the ones to build again */
    size_t built;   /* of which built again */
};

static void indexes_free(struct saved_indexes *x)
{
    for (size_t i = 0; i < x->n; i++) {
        sqlite3_free(x->sql[i]);
        sqlite3_free(x->name[i]);
    }
    free(x->sql);
    free(x->name);
    x->sql = x->name = NULL;
    x->n = x->dropped = x->built = 0;
}

/* Appends one index (name, sql) to x. 0, or -1 when out of memory. */
static int indexes_add(struct saved_indexes *x, const char *name, const char *sql)
{
    char **sqls = realloc(x->sql, (x->n + 1) * sizeof(*sqls));
    if (sqls)
        x->sql = sqls;
    char **names = realloc(x->name, (x->n + 1) * sizeof(*names));
    if (names)
        x->name = names;
    if (!sqls || !names)
        return -1;
    x->sql[x->n] = sqlite3_mprintf("%s", sql);
    x->name[x->n] = sqlite3_mprintf("%s", name);
    x->n++; /* counted even when a copy failed, so that indexes_free() frees the other */
    return x->sql[x->n - 1] && x->name[x->n - 1] ? 0 : -1;
}

static int indexes_drop(struct store *s, struct saved_indexes *x)
{
    sqlite3_stmt *st = NULL;
    int rc = -1, step;
    pthread_mutex_lock(&s->lock);
    /* Automatic indexes (sql IS NULL) are primary keys: they stay. So do the
     * indexes whose keys the rows bring in their order (ids grow with the
     * identity, accounts of one identity come in source order, activity in
     * time order) or at a few places only (the 26 entitlements): SQLite
     * appends to them as it goes (gen_rows.c), which costs less than
     * sorting them afterwards. */
    if (sqlite3_prepare_v2(
            s->db,
            "SELECT name, sql FROM sqlite_master WHERE type = 'index'"
            " AND sql IS NOT NULL AND tbl_name IN ('events', 'account_activities',"
            " 'access_profiles', 'roles', 'account_entitlements', 'entitlements',"
            " 'identity_errors', 'accounts', 'identities', 'identity_profiles')"
            " AND name NOT IN ('accounts_identity', 'account_entitlements_entitlement',"
            " 'identities_manager', 'identity_errors_identity',"
            " 'account_activities_created', 'events_created')",
            -1, &st, NULL) != SQLITE_OK)
        goto out;
    while ((step = sqlite3_step(st)) == SQLITE_ROW)
        if (indexes_add(x, (const char *)sqlite3_column_text(st, 0),
                        (const char *)sqlite3_column_text(st, 1)))
            goto out;
    if (step != SQLITE_DONE)
        goto out;
    sqlite3_finalize(st);
    st = NULL;
    for (; x->dropped < x->n; x->dropped++) {
        char *drop = sqlite3_mprintf("DROP INDEX \"%w\"", x->name[x->dropped]);
        int bad = !drop || exec(s, drop);
        sqlite3_free(drop);
        if (bad)
            goto out;
    }
    rc = 0;
out:
    if (rc)
        log_msg("error", NULL, "store: generate: indexes: %s", sqlite3_errmsg(s->db));
    sqlite3_finalize(st);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

/* Builds again the dropped indexes not built yet. 0, or -1 (logged) when
 * one cannot be built (then x->built names it). */
static int indexes_create(struct store *s, struct saved_indexes *x)
{
    int rc = 0;
    pthread_mutex_lock(&s->lock);
    /* The sorter takes about the page cache's size again: keep the peak low.
     * (Sorter threads, PRAGMA threads, were slower on a busy 2-core machine and
     * took a sort buffer each.) */
    exec(s, "PRAGMA cache_size = -" GEN_SORT_CACHE_KB);
    for (; rc == 0 && x->built < x->dropped; x->built += rc == 0)
        rc = exec(s, x->sql[x->built]);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

/* After a failed generation: an empty tenant with every index back (a
 * uniqueness rule the loaded rows broke could not be built over them). */
static void indexes_restore(struct store *s, struct saved_indexes *x)
{
    if (x->built == x->dropped)
        return;
    pthread_mutex_lock(&s->lock);
    if (exec(s, "BEGIN IMMEDIATE") == 0) {
        if (empty_locked(s) == 0)
            exec(s, "COMMIT");
        else
            exec(s, "ROLLBACK");
    }
    pthread_mutex_unlock(&s->lock);
    indexes_create(s, x);
}

static int record(struct store *s, int64_t size, int64_t seed)
{
    sqlite3_stmt *st = NULL;
    int rc = -1;
    pthread_mutex_lock(&s->lock);
    if (store_prepare(s,
                      "INSERT OR REPLACE INTO tenant_generated (id, size, seed) VALUES (1, ?, ?)",
                      &st) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, size);
        sqlite3_bind_int64(st, 2, seed);
        rc = sqlite3_step(st) == SQLITE_DONE ? 0 : store_fail_locked(s, "generate: record");
    } else {
        store_fail_locked(s, "generate: record");
    }
    store_release(s, st);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

/* Start-up generation trades crash safety for speed: no rollback journal,
 * no syncs, a bigger page cache; it puts back what it found afterwards. Run
 * time generation keeps the journal (a failed batch rolls back) and only
 * grows the cache. */
struct tuning {
    char journal[16]; /* journal_mode before, e.g. "wal"; "" when unchanged */
    int synchronous, cache_size;
};

static int pragma_int(struct store *s, const char *sql)
{
    sqlite3_stmt *st = NULL;
    int v = 0;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return v;
}

static int tune(struct store *s, enum gen_mode mode, struct tuning *t)
{
    int rc = 0;
    pthread_mutex_lock(&s->lock);
    memset(t, 0, sizeof(*t));
    t->synchronous = pragma_int(s, "PRAGMA synchronous");
    t->cache_size = pragma_int(s, "PRAGMA cache_size");
    if (mode == GEN_STARTUP) {
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(s->db, "PRAGMA journal_mode", -1, &st, NULL) == SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW)
            snprintf(t->journal, sizeof(t->journal), "%s",
                     (const char *)sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
        rc = exec(s, "PRAGMA journal_mode = OFF") || exec(s, "PRAGMA synchronous = OFF");
    }
    if (rc == 0)
        rc = exec(s, "PRAGMA cache_size = -" GEN_CACHE_KB);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

static void untune(struct store *s, const struct tuning *t)
{
    char sql[64];
    pthread_mutex_lock(&s->lock);
    if (t->journal[0]) {
        snprintf(sql, sizeof(sql), "PRAGMA journal_mode = %s", t->journal);
        exec(s, sql);
    }
    snprintf(sql, sizeof(sql), "PRAGMA synchronous = %d", t->synchronous);
    exec(s, sql);
    snprintf(sql, sizeof(sql), "PRAGMA cache_size = %d", t->cache_size);
    exec(s, sql);
    pthread_mutex_unlock(&s->lock);
}

/* The id nodes and the name permutation, from the seed alone. */
static void seed_ids(struct gen *g)
{
    uint64_t st = g->seed;
    for (int i = 0; i < 256; i++)
        g->node[i] = (uint32_t)(gen_splitmix64(&st) >> 32);
    do
        g->perm_a = (unsigned)(gen_splitmix64(&st) % 900);
    while (gcd(g->perm_a, 900) != 1);
    g->perm_b = (unsigned)(gen_splitmix64(&st) % 900);
}

/* Prepares every insert. 0, or -1 (logged; the ones prepared stay for finalize()). */
static int prepare(struct gen *g)
{
    pthread_mutex_lock(&g->s->lock);
    int rc = gen_rows_prepare(g, insert_sql);
    pthread_mutex_unlock(&g->s->lock);
    return rc;
}

static void finalize(struct gen *g)
{
    pthread_mutex_lock(&g->s->lock);
    gen_rows_finalize(g);
    pthread_mutex_unlock(&g->s->lock);
}

/* The identities, then the activities and events, a transaction a batch. */
static int batches(struct gen *g)
{
    const struct {
        gen_row_fn row;
        uint64_t count, per; /* rows in all, and a transaction */
    } steps[3] = {{gen_identity, g->n, BATCH},
                  {gen_activity, gen_activities_count(g->n), BATCH * 4},
                  {gen_event, gen_events_count(g->n), BATCH * 4}};
    for (int k = 0; k < 3; k++)
        for (uint64_t i = 0; i < steps[k].count; i += steps[k].per)
            if (batch(g, steps[k].row, i,
                      i + steps[k].per < steps[k].count ? i + steps[k].per : steps[k].count))
                return -1;
    return 0;
}

static pthread_mutex_t generating = PTHREAD_MUTEX_INITIALIZER;

int store_tenant_generate(struct store *s, int64_t size, int64_t seed, enum gen_mode mode)
{
    if (size < GEN_SIZE_MIN || size > GEN_SIZE_MAX || seed < 0 || seed > GEN_SEED_MAX)
        return -1;
    struct gen *g = calloc(1, sizeof(*g));
    struct saved_indexes saved = {0};
    struct tuning tuning;
    int rc = -1, tuned = 0;
    if (!g)
        return -1;
    pthread_mutex_lock(&generating);
    g->s = s;
    g->n = (uint64_t)size;
    g->seed = (uint64_t)seed;
    seed_ids(g);

    if (prepare(g))
        goto out;
    tuned = 1;
    if (tune(s, mode, &tuning))
        goto out;
    if (mode == GEN_STARTUP && indexes_drop(s, &saved))
        goto out;
    if (batch(g, NULL, 0, 0))
        goto out;
    if (batches(g))
        goto out;
    if (indexes_create(s, &saved))
        goto out;
    indexes_free(&saved);
    rc = record(s, size, seed);
out:
    indexes_restore(s, &saved);
    indexes_free(&saved);
    if (tuned)
        untune(s, &tuning);
    finalize(g);
    pthread_mutex_unlock(&generating);
    free(g);
    return rc;
}

int store_tenant_generated(struct store *s, int64_t *size, int64_t *seed)
{
    sqlite3_stmt *st = NULL;
    int rc = -1;
    pthread_mutex_lock(&s->lock);
    if (store_prepare(s, "SELECT size, seed FROM tenant_generated WHERE id = 1", &st) !=
        SQLITE_OK) {
        store_fail_locked(s, "tenant generated");
        goto out;
    }
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        *size = sqlite3_column_int64(st, 0);
        *seed = sqlite3_column_int64(st, 1);
        rc = 0;
    } else {
        rc = step == SQLITE_DONE ? 1 : store_fail_locked(s, "tenant generated");
    }
out:
    store_release(s, st);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int store_tenant_counts(struct store *s, int64_t counts[GEN_TABLES])
{
    for (int i = 0; i < GEN_TABLES; i++) {
        char sql[96];
        sqlite3_stmt *st = NULL;
        int rc = -1;
        snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", gen_tables[i]);
        pthread_mutex_lock(&s->lock);
        if (store_prepare(s, sql, &st) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
            counts[i] = sqlite3_column_int64(st, 0);
            rc = 0;
        } else {
            store_fail_locked(s, "tenant counts");
        }
        store_release(s, st);
        pthread_mutex_unlock(&s->lock);
        if (rc)
            return -1;
    }
    return 0;
}
