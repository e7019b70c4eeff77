/*
 * test_gen.c - the tenant generator: its PRNG against known values, and the
 * shape every generated tenant must have (orphans, uncorrelated accounts,
 * errors, references that resolve), determinism by seed, bounds, and reset
 * back to the fixtures.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reports/report.h"
#include "store/embedded.h"
#include "store/gen.h"
#include "store/store.h"
#include "store/store_int.h"
#include "store/tenant_int.h"

static struct store *open_memory(void)
{
    char err[256] = "";
    struct store *s = store_open(":memory:", embedded_schema, embedded_schema_count,
                                 embedded_fixtures, embedded_fixtures_count, err, sizeof(err));
    cr_assert_not_null(s, "%s", err);
    return s;
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

/* A fingerprint of every tenant row, in key order: equal tenants, equal values. */
static uint64_t fingerprint(struct store *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (int t = 0; gen_tables[t]; t++) {
        char sql[128];
        sqlite3_stmt *st = NULL;
        snprintf(sql, sizeof(sql), "SELECT * FROM %s ORDER BY 1, 2", gen_tables[t]);
        cr_assert_eq(sqlite3_prepare_v2(s->db, sql, -1, &st, NULL), SQLITE_OK);
        while (sqlite3_step(st) == SQLITE_ROW) {
            for (int c = 0; c < sqlite3_column_count(st); c++) {
                const unsigned char *v = sqlite3_column_text(st, c);
                for (const unsigned char *p = v ? v : (const unsigned char *)"\x01"; *p; p++)
                    h = (h ^ *p) * 1099511628211ULL;
                h = (h ^ 0xff) * 1099511628211ULL;
            }
        }
        sqlite3_finalize(st);
    }
    return h;
}

Test(gen, splitmix64_known_values)
{
    /* The reference splitmix64 sequence from state 0. */
    uint64_t st = 0;
    cr_assert_eq(gen_splitmix64(&st), UINT64_C(0xe220a8397b1dcdaf));
    cr_assert_eq(gen_splitmix64(&st), UINT64_C(0x6e789e6aa1b965f4));
    cr_assert_eq(gen_splitmix64(&st), UINT64_C(0x06c45d188009454f));
}

Test(gen, shape_of_a_generated_tenant)
{
    struct store *s = open_memory();
    cr_assert_eq(store_tenant_generate(s, 3000, 5, GEN_RUNTIME), 0);
    cr_assert_eq(scalar(s, "SELECT count(*) FROM identities"), 3000);
    /* Orphans exist, and an orphan is exactly an identity without an account
     * on its profile's authoritative source, flagged correlated = 0. */
    int64_t orphans = scalar(s, "SELECT count(*) FROM identities WHERE correlated = 0");
    cr_assert(orphans > 3000 / 29 / 2 && orphans < 3000 / 29 * 2, "orphans %lld",
              (long long)orphans);
    cr_assert_eq(scalar(s, "SELECT count(*) FROM identities i"
                           " JOIN identity_profiles p ON p.id = i.identity_profile_id"
                           " WHERE i.correlated = (SELECT count(*) = 0 FROM accounts a"
                           "  WHERE a.identity_id = i.id"
                           "  AND a.source_id = p.authoritative_source_id)"),
                 0);
    int64_t uncorrelated = scalar(s, "SELECT count(*) FROM accounts WHERE identity_id IS NULL");
    cr_assert(uncorrelated > 3000 / 15 / 2 && uncorrelated < 3000 / 15 * 2, "uncorrelated %lld",
              (long long)uncorrelated);
    cr_assert_gt(scalar(s, "SELECT count(*) FROM identity_errors"), 0);
    cr_assert_gt(scalar(s, "SELECT count(*) FROM identities WHERE identity_profile_id ="
                           " '2c9180857de347aa017de8f2b1c40002'"),
                 0);
    /* Every account's source exists, every grant's account and entitlement... */
    cr_assert_eq(scalar(s, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
    cr_assert_eq(scalar(s, "SELECT count(*) FROM accounts a LEFT JOIN sources s"
                           " ON s.id = a.source_id WHERE s.id IS NULL"),
                 0);
    /* No index keeps it (schema/010_accounts_native.sql): native identities
     * are unique within a source by construction. */
    cr_assert_eq(scalar(s, "SELECT count(*) FROM (SELECT 1 FROM accounts"
                           " GROUP BY source_id, native_identity HAVING count(*) > 1)"),
                 0);
    /* ...and every table has rows; the stable source ids are kept. */
    int64_t counts[GEN_TABLES];
    cr_assert_eq(store_tenant_counts(s, counts), 0);
    for (int t = 0; t < GEN_TABLES; t++)
        cr_assert_gt(counts[t], 0, "%s is empty", gen_tables[t]);
    cr_assert_eq(scalar(s, "SELECT count(*) FROM sources WHERE id ="
                           " '2c9180897e7742b2017e781782f705b9' AND name = 'Active Directory'"),
                 1);
    /* Non-ASCII names survive. */
    cr_assert_gt(scalar(s, "SELECT count(*) FROM identities WHERE last_name = 'Müller'"), 0);
    int64_t size = 0, seed = 0;
    cr_assert_eq(store_tenant_generated(s, &size, &seed), 0);
    cr_assert_eq(size, 3000);
    cr_assert_eq(seed, 5);
    store_close(s);
}

Test(gen, usernames_stay_unique_past_one_block)
{
    struct store *s = open_memory();
    int64_t indexes = scalar(s, "SELECT count(*) FROM sqlite_master WHERE type = 'index'");
    cr_assert_eq(store_tenant_generate(s, 2000, 9, GEN_STARTUP), 0);
    cr_assert_eq(scalar(s, "SELECT count(DISTINCT name) FROM identities"), 2000);
    cr_assert_gt(scalar(s, "SELECT count(*) FROM identities WHERE name GLOB '*[0-9]'"), 0);
    /* GEN_STARTUP builds the dropped indexes again, and the ones it kept
     * while loading hold every row (the integrity check below). */
    cr_assert_eq(scalar(s, "SELECT count(*) FROM sqlite_master WHERE type = 'index'"), indexes);
    cr_assert_eq(scalar(s, "SELECT count(*) FROM sqlite_master WHERE name = 'accounts_identity'"),
                 1);
    cr_assert_eq(
        scalar(s, "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check <> 'ok'"), 0);
    store_close(s);
}

Test(gen, same_seed_same_rows_other_seed_other_rows)
{
    struct store *s = open_memory();
    cr_assert_eq(store_tenant_generate(s, 500, 42, GEN_RUNTIME), 0);
    uint64_t a = fingerprint(s);
    cr_assert_eq(store_tenant_generate(s, 500, 42, GEN_STARTUP), 0);
    cr_assert_eq(fingerprint(s), a);
    cr_assert_eq(store_tenant_generate(s, 500, 43, GEN_RUNTIME), 0);
    cr_assert_neq(fingerprint(s), a);
    store_close(s);
}

Test(gen, counts_scale_with_size)
{
    struct store *s = open_memory();
    int64_t small[GEN_TABLES], big[GEN_TABLES];
    cr_assert_eq(store_tenant_generate(s, 300, 1, GEN_RUNTIME), 0);
    cr_assert_eq(store_tenant_counts(s, small), 0);
    cr_assert_eq(store_tenant_generate(s, 3000, 1, GEN_RUNTIME), 0);
    cr_assert_eq(store_tenant_counts(s, big), 0);
    /* accounts (index 9), identities (10), events (0): about ten times more. */
    int scaled[] = {0, 1, 6, 9, 10};
    for (size_t i = 0; i < sizeof(scaled) / sizeof(scaled[0]); i++) {
        int t = scaled[i];
        cr_assert(big[t] > small[t] * 8 && big[t] < small[t] * 12, "%s: %lld then %lld",
                  gen_tables[t], (long long)small[t], (long long)big[t]);
    }
    store_close(s);
}

Test(gen, bounds_refused_and_reset_brings_fixtures_back)
{
    struct store *s = open_memory();
    cr_assert_eq(store_tenant_generate(s, GEN_SIZE_MIN - 1, 1, GEN_RUNTIME), -1);
    cr_assert_eq(store_tenant_generate(s, GEN_SIZE_MAX + 1, 1, GEN_RUNTIME), -1);
    cr_assert_eq(store_tenant_generate(s, 100, -1, GEN_RUNTIME), -1);
    cr_assert_eq(store_tenant_generate(s, 100, GEN_SEED_MAX + 1, GEN_RUNTIME), -1);
    int64_t size, seed;
    cr_assert_eq(store_tenant_generated(s, &size, &seed), 1);
    cr_assert_eq(scalar(s, "SELECT count(*) FROM identities"), 300);
    cr_assert_eq(store_tenant_generate(s, GEN_SIZE_MIN, GEN_SEED_MAX, GEN_RUNTIME), 0);
    cr_assert_eq(scalar(s, "SELECT count(*) FROM identities"), GEN_SIZE_MIN);
    cr_assert_eq(store_reset(s), 0);
    cr_assert_eq(store_tenant_generated(s, &size, &seed), 1);
    cr_assert_eq(scalar(s, "SELECT count(*) FROM identities"), 300);
    cr_assert_eq(scalar(s, "SELECT count(*) FROM accounts"), 850);
    store_close(s);
}

Test(gen, documentation_example_source_has_its_error_row)
{
    struct store *s = open_memory();
    cr_assert_eq(store_tenant_generate(s, 50, 3, GEN_STARTUP), 0);
    cr_assert_eq(scalar(s, "SELECT count(*) FROM sources WHERE id = '1234sourceId5678902'"
                           " AND name = 'Interns' AND authoritative = 1"),
                 1);
    cr_assert_eq(scalar(s, "SELECT count(*) FROM identity_errors e JOIN identity_profiles p"
                           " ON p.id = e.identity_profile_id"
                           " WHERE p.authoritative_source_id = '1234sourceId5678902'"),
                 1);
    /* Interns has no identity of its own: nobody is an orphan of it. */
    cr_assert_eq(scalar(s, "SELECT count(*) FROM identities WHERE identity_profile_id ="
                           " '2c9180857de347aa017de8f2b1c40003'"),
                 0);
    store_close(s);
}

Test(gen, native_ids_cannot_collide_at_the_largest_size)
{
    /* People's GitHub ids grow with k (5800000 + 37 k); the uncorrelated
     * accounts' ids must start above the largest k's, or a tenant near
     * GEN_SIZE_MAX breaks the (source, native identity) uniqueness rule. */
    struct store *s = open_memory();
    cr_assert_eq(store_tenant_generate(s, 3000, 7, GEN_STARTUP), 0);
    const char *github = "'2c91808b7e7742b2017e7819c0e3075f'";
    char sql[256];
    snprintf(sql, sizeof(sql),
             "SELECT min(CAST(native_identity AS INTEGER)) FROM accounts WHERE source_id = %s"
             " AND identity_id IS NULL",
             github);
    int64_t stray_min = scalar(s, sql);
    snprintf(sql, sizeof(sql),
             "SELECT min(CAST(native_identity AS INTEGER)), max(CAST(native_identity AS INTEGER))"
             " FROM accounts WHERE source_id = %s AND identity_id IS NOT NULL",
             github);
    int64_t person_min = scalar(s, sql);
    cr_assert_gt(stray_min, person_min + INT64_C(37) * GEN_SIZE_MAX, "stray %lld, people from %lld",
                 (long long)stray_min, (long long)person_min);
    store_close(s);
}

/* ---- the report queries' plans ---- */

/* The plan of one statement, a line per step; "" when it cannot be prepared. */
static void explain(struct store *s, const char *sql, char *out, size_t outlen)
{
    sqlite3_stmt *st = NULL;
    char *q = sqlite3_mprintf("EXPLAIN QUERY PLAN %s", sql);
    size_t used = 0;
    out[0] = '\0';
    cr_assert_not_null(q);
    cr_assert_eq(sqlite3_prepare_v2(s->db, q, -1, &st, NULL), SQLITE_OK, "%s: %s", sql,
                 sqlite3_errmsg(s->db));
    while (sqlite3_step(st) == SQLITE_ROW && used < outlen)
        used += (size_t)snprintf(out + used, outlen - used, "%s\n",
                                 (const char *)sqlite3_column_text(st, 3));
    sqlite3_finalize(st);
    sqlite3_free(q);
}

/* Every step reads through an index: the base table `t` is walked in the
 * order of `index` (a count may read every row of t: index NULL), every
 * related row is found by key, and nothing is sorted. */
static void assert_indexed(const char *what, const char *plan, const char *index)
{
    cr_assert_null(strstr(plan, "TEMP B-TREE"), "%s sorts:\n%s", what, plan);
    for (const char *line = plan; *line; line = strchr(line, '\n') + 1) {
        if (strncmp(line, "SCAN ", 5) != 0)
            continue;
        cr_assert(strncmp(line, index ? "SCAN t USING " : "SCAN t", index ? 13 : 6) == 0,
                  "%s scans:\n%s", what, plan);
    }
    cr_assert(!index || strstr(plan, index), "%s does not use %s:\n%s", what, index, plan);
}

Test(gen, report_queries_read_through_indexes)
{
    /* Each report type's count, first page and next page, with the filter
     * its arguments make (server/reports/rows.c), on a generated tenant. */
    static const struct {
        const char *type, *filter_field, *filter_value, *index;
    } cases[] = {
        {"ACCOUNTS", "source.id", "2c9180897e7742b2017e781782f705b9", "accounts_source_name"},
        {"IDENTITIES_DETAILS", NULL, NULL, "identities_name"},
        {"IDENTITIES_DETAILS", "correlated", "true", "identities_name"},
        {"IDENTITIES", NULL, NULL, "identities_name"},
        {"IDENTITY_PROFILE_IDENTITY_ERROR", "source.id", "1234sourceId5678902",
         "identity_errors_occurred"},
        {"ORPHAN_IDENTITIES", "orphan", "true", "identities_name"},
        {"UNCORRELATED_ACCOUNTS", "uncorrelated", "true", "accounts_uncorrelated"},
    };
    struct store *s = open_memory();
    cr_assert_eq(store_tenant_generate(s, 500, 1, GEN_STARTUP), 0);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct report_type *t = report_type_find(cases[i].type);
        const char *fields[TENANT_MAX_FIELDS];
        size_t n = 0;
        for (const struct report_column *c = t->lead; c && c->label; c++)
            fields[n++] = c->field;
        for (const struct report_column *c = t->columns; c && c->label; c++)
            fields[n++] = c->field;
        struct tenant_filter leaf = {TENANT_EQ, (char *)cases[i].filter_field,
                                     (char *)cases[i].filter_value, NULL, NULL};
        struct tenant_sort sort = {t->sort, 0};
        struct tenant_query q = {t->dataset, cases[i].filter_field ? &leaf : NULL, fields, n, &sort,
                                 1};
        struct tenant_plan *p = NULL;
        char why[256], plan[8192], what[128];
        cr_assert_eq(tenant_plan_new(&q, &p, why, sizeof(why)), 0, "%s: %s", cases[i].type, why);
        for (int k = 0; k < TENANT_SQL_COUNT_OF; k++) {
            snprintf(what, sizeof(what), "%s (%s) query %d", cases[i].type,
                     cases[i].filter_field ? cases[i].filter_field : "all", k);
            explain(s, p->sql[k], plan, sizeof(plan));
            /* A count reads every row of t at most; the pages follow the sort's index. */
            assert_indexed(what, plan, k == TENANT_SQL_COUNT ? NULL : cases[i].index);
        }
        tenant_plan_free(p);
    }
    store_close(s);
}
