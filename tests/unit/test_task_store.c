/*
 * test_task_store.c - how the store keeps tasks as they accumulate: the
 * running-task lookup of startReport reads index ranges that never visit a
 * task that is due (its query plan, and the rows it steps over with
 * thousands of unpolled tasks), and the retention policy removes the oldest
 * tasks by count and by age, telling its hook each id.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/embedded.h"
#include "store/query.h"
#include "store/store.h"
#include "store/store_int.h"

static struct store *open_empty(void)
{
    char err[256] = "";
    struct store *s =
        store_open(":memory:", embedded_schema, embedded_schema_count, NULL, 0, err, sizeof(err));
    cr_assert_not_null(s, "%s", err);
    return s;
}

/* Starts a task of IDENTITIES with `args` at now_ms, due at finish_at_ms
 * (by polls when finish_at_ms is 0): store_task_start()'s result. *existing
 * gets whether a running twin answered, and id (STORE_ID_LEN bytes, may be
 * NULL) the id of the task that did. */
static int try_start(struct store *s, const char *args, int64_t now_ms, int64_t finish_at_ms,
                     char *id, int *existing)
{
    static unsigned serial;
    struct store_task t;
    memset(&t, 0, sizeof(t));
    snprintf(t.id, sizeof(t.id), "%032x", ++serial);
    snprintf(t.report_type, sizeof(t.report_type), "IDENTITIES");
    snprintf(t.task_def_name, sizeof(t.task_def_name), "Identities Report");
    snprintf(t.launcher, sizeof(t.launcher), "demo-app");
    snprintf(t.client_id, sizeof(t.client_id), "demo-app");
    t.arguments = strdup(args);
    cr_assert_not_null(t.arguments);
    t.created_ms = t.launched_ms = now_ms;
    t.finish_at_ms = finish_at_ms;
    t.polls_left = finish_at_ms ? -1 : 3;
    *existing = -1;
    int rc = store_task_start(s, &t, now_ms, existing);
    if (id)
        memcpy(id, t.id, STORE_ID_LEN);
    store_task_clear(&t);
    return rc;
}

/* try_start() that must succeed; gives whether a running twin answered. */
static int start(struct store *s, const char *args, int64_t now_ms, int64_t finish_at_ms, char *id)
{
    int existing = -1;
    cr_assert_eq(try_start(s, args, now_ms, finish_at_ms, id, &existing), STORE_OK);
    cr_assert(existing == 0 || existing == 1);
    return existing;
}

static int64_t task_count(struct store *s)
{
    int64_t n = -1;
    cr_assert_eq(store_read(s, "test count", "SELECT count(*) FROM tasks", STORE_NO_ARGS,
                            store_row_int64, &n),
                 STORE_OK);
    return n;
}

/* The query plan of `sql`, one detail per line. */
static void query_plan(struct store *s, const char *sql, char *out, size_t cap)
{
    sqlite3_stmt *st = NULL;
    char explain[2048];
    snprintf(explain, sizeof explain, "EXPLAIN QUERY PLAN %s", sql);
    out[0] = '\0';
    cr_assert_eq(sqlite3_prepare_v2(s->db, explain, -1, &st, NULL), SQLITE_OK, "%s",
                 sqlite3_errmsg(s->db));
    size_t len = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *detail = (const char *)sqlite3_column_text(st, 3);
        int n = snprintf(out + len, cap - len, "%s\n", detail ? detail : "");
        cr_assert(n > 0 && (size_t)n < cap - len, "the plan is longer than %zu bytes", cap);
        len += (size_t)n;
    }
    sqlite3_finalize(st);
}

Test(task_store, the_running_lookup_reads_two_ranges_of_its_index)
{
    struct store *s = open_empty();
    char plan[2048];
    query_plan(s, STORE_TASK_RUNNING_SQL, plan, sizeof(plan));
    /* Each of the two ranges is a search of tasks_running on all three of
     * its columns; nothing scans the table or sorts more than the two rows. */
    const char *p = plan;
    int searches = 0;
    for (const char *hit; (hit = strstr(p, "SEARCH tasks USING INDEX tasks_running")); p = hit + 1)
        searches++;
    cr_expect_eq(searches, 2, "plan:\n%s", plan);
    cr_expect_not_null(strstr(plan, "finish_at_ms=?"), "plan:\n%s", plan);
    cr_expect_not_null(strstr(plan, "finish_at_ms>?"), "plan:\n%s", plan);
    cr_expect_null(strstr(plan, "SCAN tasks"), "plan:\n%s", plan);
    store_close(s);
}

/* The watcher's batches of due tasks follow tasks_due and stop at their
 * LIMIT: no scan of the table, no sort of every due task. */
Test(task_store, the_due_list_reads_only_its_batch_along_its_index)
{
    struct store *s = open_empty();
    char plan[2048];
    query_plan(s, STORE_TASK_DUE_SQL, plan, sizeof(plan));
    cr_expect_not_null(strstr(plan, "USING INDEX tasks_due"), "plan:\n%s", plan);
    cr_expect_null(strstr(plan, "SCAN tasks"), "plan:\n%s", plan);
    cr_expect_null(strstr(plan, "TEMP B-TREE"), "plan:\n%s", plan);
    store_close(s);
}

/* Rows the lookup steps over for `args` at now_ms (sqlite3's full-scan and
 * VM step counters of the statement run on the writer). */
static int lookup_steps(struct store *s, const char *args, int64_t now_ms)
{
    sqlite3_stmt *st = NULL;
    cr_assert_eq(sqlite3_prepare_v2(s->db, STORE_TASK_RUNNING_SQL, -1, &st, NULL), SQLITE_OK);
    sqlite3_bind_text(st, 1, "IDENTITIES", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, args, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, now_ms);
    while (sqlite3_step(st) == SQLITE_ROW)
        ;
    int steps = sqlite3_stmt_status(st, SQLITE_STMTSTATUS_VM_STEP, 0);
    sqlite3_finalize(st);
    return steps;
}

Test(task_store, tasks_nobody_polled_cost_the_lookup_nothing)
{
    struct store *s = open_empty();
    /* Each task is due 10 ms after its start and the next starts 20 ms
     * later: nobody reads them, so every one stays without completion. */
    int64_t now = 1000;
    start(s, "{\"same\":true}", now, now + 10, NULL);
    now += 20;
    int few = lookup_steps(s, "{\"same\":true}", now);
    for (int i = 0; i < 3000; i++, now += 20)
        cr_assert_eq(start(s, "{\"same\":true}", now, now + 10, NULL), 0,
                     "a due task is not running");
    cr_assert_eq(task_count(s), 3001);
    int many = lookup_steps(s, "{\"same\":true}", now);
    cr_expect_eq(many, few, "the lookup stepped %d times with 3001 due tasks, %d with one", many,
                 few);
    /* It still finds the running one, among them, by time and by polls. */
    char running[STORE_ID_LEN], again[STORE_ID_LEN];
    cr_assert_eq(start(s, "{\"same\":true}", now, now + 1000, running), 0);
    cr_assert_eq(start(s, "{\"same\":true}", now + 999, now + 2000, again), 1);
    cr_expect_str_eq(again, running);
    cr_assert_eq(start(s, "{\"polls\":true}", now, 0, running), 0);
    cr_assert_eq(start(s, "{\"polls\":true}", now + 100000, 0, again), 1);
    cr_expect_str_eq(again, running);
    store_close(s);
}

/* The ids a retention hook was told, in order. */
struct removed {
    char ids[16][STORE_ID_LEN];
    int n;
};

static void on_removed(void *ud, const char *id)
{
    struct removed *r = ud;
    cr_assert_lt(r->n, 16, "more tasks removed than expected");
    snprintf(r->ids[r->n++], STORE_ID_LEN, "%s", id);
}

Test(task_store, retention_by_count_keeps_the_newest_running_or_not)
{
    struct store *s = open_empty();
    char ids[8][STORE_ID_LEN];
    /* Two tasks before the policy: applying it keeps them (2 <= 3). */
    start(s, "{\"n\":0}", 1000, 900000, ids[0]); /* running all along */
    start(s, "{\"n\":1}", 1000, 1500, ids[1]);
    struct removed r = {.n = 0};
    cr_assert_eq(store_task_retention(s, 3, 0, 1000, on_removed, &r), STORE_OK);
    cr_assert_eq(r.n, 0);
    for (int i = 2; i < 6; i++) {
        char args[16];
        snprintf(args, sizeof(args), "{\"n\":%d}", i);
        start(s, args, 1000 + i, 900000, ids[i]);
        cr_assert_eq(task_count(s), i + 1 > 3 ? 3 : i + 1);
    }
    /* The three oldest went, in start order, the running first one too. */
    cr_assert_eq(r.n, 3);
    for (int i = 0; i < 3; i++) {
        cr_expect_str_eq(r.ids[i], ids[i]);
        struct store_task t;
        cr_expect_eq(store_task_get(s, ids[i], &t), STORE_NOT_FOUND);
    }
    for (int i = 3; i < 6; i++) {
        struct store_task t;
        cr_expect_eq(store_task_get(s, ids[i], &t), STORE_OK, "task %d must be kept", i);
        store_task_clear(&t);
    }
    store_close(s);
}

Test(task_store, retention_applies_at_once_to_what_is_stored)
{
    struct store *s = open_empty();
    for (int i = 0; i < 10; i++) {
        char args[16];
        snprintf(args, sizeof(args), "{\"n\":%d}", i);
        start(s, args, 1000 + i, 2000, NULL);
    }
    struct removed r = {.n = 0};
    cr_assert_eq(store_task_retention(s, 4, 0, 5000, on_removed, &r), STORE_OK);
    cr_expect_eq(task_count(s), 4);
    cr_expect_eq(r.n, 6);
    /* 0 keeps every task. */
    cr_assert_eq(store_task_retention(s, 0, 0, 5000, NULL, NULL), STORE_OK);
    for (int i = 0; i < 10; i++) {
        char args[16];
        snprintf(args, sizeof(args), "{\"m\":%d}", i);
        start(s, args, 6000 + i, 7000, NULL);
    }
    cr_expect_eq(task_count(s), 14);
    store_close(s);
}

Test(task_store, retention_by_age_removes_what_was_created_before)
{
    struct store *s = open_empty();
    char ids[4][STORE_ID_LEN];
    start(s, "{\"n\":0}", 1000, 900000, ids[0]);
    start(s, "{\"n\":1}", 2000, 900000, ids[1]);
    struct removed r = {.n = 0};
    /* At 3000, an age of 1000 ms removes what was created before 2000. */
    cr_assert_eq(store_task_retention(s, 0, 1000, 3000, on_removed, &r), STORE_OK);
    cr_assert_eq(r.n, 1);
    cr_expect_str_eq(r.ids[0], ids[0]);
    /* A start at 3500 keeps what was created at 2500 or later. */
    start(s, "{\"n\":2}", 2600, 900000, ids[2]);
    start(s, "{\"n\":3}", 3500, 900000, ids[3]);
    cr_assert_eq(r.n, 2);
    cr_expect_str_eq(r.ids[1], ids[1]);
    cr_expect_eq(task_count(s), 2);
    store_close(s);
}

Test(task_store, past_the_cap_tasks_go_in_batches)
{
    struct store *s = open_empty();
    const int64_t max = 160, batch = STORE_TASK_BATCH(160);
    cr_assert_eq(batch, 10);
    cr_assert_eq(store_task_retention(s, max, 0, 1000, NULL, NULL), STORE_OK);
    int64_t low = INT64_MAX, high = 0;
    for (int i = 0; i < 400; i++) {
        char args[16];
        snprintf(args, sizeof(args), "{\"n\":%d}", i);
        start(s, args, 1000 + i, 900000, NULL);
        int64_t n = task_count(s);
        cr_assert_leq(n, max + batch - 1, "%lld tasks after %d starts", (long long)n, i + 1);
        if (i >= max) {
            low = n < low ? n : low;
            high = n > high ? n : high;
        }
    }
    /* Between the cap and a batch less than the cap plus a batch. */
    cr_expect_eq(low, max);
    cr_expect_eq(high, max + batch - 1);
    /* Applying the policy again trims to the cap exactly. */
    cr_assert_eq(store_task_retention(s, max, 0, 5000, NULL, NULL), STORE_OK);
    cr_expect_eq(task_count(s), max);
    store_close(s);
}

/* Makes the commit of any transaction that removes task `id` fail: a row
 * that needs it, checked only at COMMIT (a deferred foreign key). */
static void pin(struct store *s, const char *id)
{
    char sql[256];
    snprintf(sql, sizeof(sql),
             "CREATE TABLE IF NOT EXISTS pin (task TEXT REFERENCES tasks (id)"
             " DEFERRABLE INITIALLY DEFERRED); INSERT INTO pin VALUES ('%s')",
             id);
    cr_assert_eq(sqlite3_exec(s->db, sql, NULL, NULL, NULL), SQLITE_OK, "%s",
                 sqlite3_errmsg(s->db));
}

static void unpin(struct store *s)
{
    cr_assert_eq(sqlite3_exec(s->db, "DELETE FROM pin", NULL, NULL, NULL), SQLITE_OK);
}

/* The hook removes a task's files: it must hear only of removals that were
 * committed, or a failed commit would leave tasks whose files are gone. */
Test(task_store, a_failed_commit_removes_no_task_and_tells_the_hook_nothing)
{
    struct store *s = open_empty();
    char ids[4][STORE_ID_LEN];
    struct removed r = {.n = 0};
    int existing;
    cr_assert_eq(store_task_retention(s, 2, 0, 1000, on_removed, &r), STORE_OK);
    start(s, "{\"n\":0}", 1000, 900000, ids[0]);
    start(s, "{\"n\":1}", 1001, 900000, ids[1]);
    pin(s, ids[0]);
    /* The third start removes the first task, then its commit fails. */
    cr_assert_eq(try_start(s, "{\"n\":2}", 1002, 900000, ids[2], &existing), STORE_ERROR);
    cr_expect_eq(r.n, 0, "the hook was told of %d removals that were rolled back", r.n);
    cr_expect_eq(task_count(s), 2);
    struct store_task t;
    cr_assert_eq(store_task_get(s, ids[0], &t), STORE_OK);
    store_task_clear(&t);
    /* Applying the policy at once fails the same way. */
    cr_assert_eq(store_task_retention(s, 1, 0, 2000, on_removed, &r), STORE_ERROR);
    cr_expect_eq(r.n, 0);
    cr_expect_eq(task_count(s), 2);
    /* Once the commit can succeed, the same removals are told, once each. */
    unpin(s);
    cr_assert_eq(store_task_retention(s, 2, 0, 2000, on_removed, &r), STORE_OK);
    start(s, "{\"n\":3}", 1003, 900000, ids[3]);
    cr_assert_eq(r.n, 1);
    cr_expect_str_eq(r.ids[0], ids[0]);
    cr_expect_eq(task_count(s), 2);
    store_close(s);
}
