/*
 * test_lifecycle.c - report task states against a real in-memory database:
 * the completionStatus -> status mapping, the JSON shapes while running and
 * after, non-concurrency, finishing by time and by polls, cancel; the
 * outcome table and the lists its reasons quote.
 */
#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/utf8.h"
#include "reports/lifecycle.h"
#include "reports/outcome.h"
#include "reports/report.h"
#include "reports/rows.h"
#include "store/embedded.h"

static struct store *db;

static void open_db(void)
{
    char err[256] = "";
    db = store_open(":memory:", embedded_schema, embedded_schema_count, embedded_fixtures,
                    embedded_fixtures_count, err, sizeof(err));
    cr_assert_not_null(db, "store_open: %s", err);
}

static void close_db(void)
{
    store_close(db);
    db = NULL;
}

struct map_case {
    char completion[16];
    char status[16];
};

ParameterizedTestParameters(lifecycle, status_mapping)
{
    static struct map_case cases[] = {
        {"SUCCESS", "SUCCESS"},    {"WARNING", "WARNING"},       {"ERROR", "FAILURE"},
        {"TEMP_ERROR", "FAILURE"}, {"TERMINATED", "TERMINATED"}, {"", ""},
        {"Success", ""},
    };
    return cr_make_param_array(struct map_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct map_case *c, lifecycle, status_mapping)
{
    const char *s = lifecycle_status(c->completion);
    if (!c->status[0])
        cr_assert_null(s, "%s mapped to %s", c->completion, s);
    else
        cr_assert_str_eq(s, c->status);
}

static const struct lifecycle_plan by_time = {1000, -1, NULL, NULL};

static void start(const char *type_name, const char *args, const struct lifecycle_plan *plan,
                  int64_t now, struct store_task *t, int *existing)
{
    const struct report_type *type = report_type_find(type_name);
    cr_assert_not_null(type);
    cr_assert_eq(
        lifecycle_start(db, now, type, args, "CSV,PDF", "demo-app", "demo-app", plan, t, existing),
        ERR_OK);
}

Test(lifecycle, running_task_json_has_nulls_and_progress, .init = open_db, .fini = close_db)
{
    struct store_task t;
    int existing;
    start("IDENTITIES", "{}", &by_time, 5000, &t, &existing);
    cr_assert_eq(existing, 0);
    cJSON *j = lifecycle_task_json(&t, "acme", 5500);
    cr_assert_not_null(j);
    cr_assert(cJSON_IsNull(cJSON_GetObjectItem(j, "completed")));
    cr_assert(cJSON_IsNull(cJSON_GetObjectItem(j, "completionStatus")));
    cr_assert_str_eq(cJSON_GetObjectItem(j, "progress")->valuestring, "Processing: 50%");
    cr_assert_str_eq(cJSON_GetObjectItem(j, "created")->valuestring, "1970-01-01T00:00:05.000Z");
    cr_assert_str_eq(cJSON_GetObjectItem(j, "type")->valuestring, "QUARTZ");
    cr_assert_str_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "attributes"), "org")->valuestring,
                     "acme");
    cJSON_Delete(j);
    j = lifecycle_results_json(&t);
    cr_assert_null(cJSON_GetObjectItem(j, "status"));
    cr_assert_null(cJSON_GetObjectItem(j, "rows"));
    cr_assert_null(cJSON_GetObjectItem(j, "duration"));
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(j, "availableFormats")), 2);
    cJSON_Delete(j);
    store_task_clear(&t);
}

Test(lifecycle, same_type_and_arguments_share_a_running_task, .init = open_db, .fini = close_db)
{
    struct store_task a, b, c;
    int existing;
    start("IDENTITIES", "{\"correlatedOnly\":true}", &by_time, 1000, &a, &existing);
    start("IDENTITIES", "{\"correlatedOnly\":true}", &by_time, 1500, &b, &existing);
    cr_assert_eq(existing, 1);
    cr_assert_str_eq(a.id, b.id);
    start("IDENTITIES", "{\"correlatedOnly\":false}", &by_time, 1500, &c, &existing);
    cr_assert_eq(existing, 0);
    cr_assert_str_neq(a.id, c.id);
    store_task_clear(&c);
    /* Once the first one is due, the same request starts a new task. */
    start("IDENTITIES", "{\"correlatedOnly\":true}", &by_time, 2000, &c, &existing);
    cr_assert_eq(existing, 0);
    cr_assert_str_neq(a.id, c.id);
    store_task_clear(&a);
    store_task_clear(&b);
    store_task_clear(&c);
}

Test(lifecycle, finishes_when_due_with_real_rows, .init = open_db, .fini = close_db)
{
    struct store_task t, got;
    int existing;
    start("UNCORRELATED_ACCOUNTS", "{}", &by_time, 10000, &t, &existing);
    cr_assert_eq(lifecycle_get(db, NULL, t.id, 10999, 1, &got), ERR_OK);
    cr_assert_not(lifecycle_done(&got));
    store_task_clear(&got);
    cr_assert_eq(lifecycle_get(db, NULL, t.id, 11000, 1, &got), ERR_OK);
    cr_assert(lifecycle_done(&got));
    cr_assert_str_eq(got.completion_status, "SUCCESS");
    cr_assert_eq(got.completed_ms, 11000);
    int64_t rows = -1;
    char why[128];
    cr_assert_eq(report_rows_total(db, "UNCORRELATED_ACCOUNTS", "{}", &rows, why, sizeof(why)),
                 ERR_OK);
    cr_assert_gt(rows, 0);
    cr_assert_eq(got.rows, rows);
    cJSON *j = lifecycle_results_json(&got);
    cr_assert_str_eq(cJSON_GetObjectItem(j, "status")->valuestring, "SUCCESS");
    cr_assert_eq(cJSON_GetObjectItem(j, "duration")->valueint, 1000);
    cr_assert_eq(cJSON_GetObjectItem(j, "rows")->valueint, rows);
    cJSON_Delete(j);
    store_task_clear(&got);
    store_task_clear(&t);
}

Test(lifecycle, finishes_after_n_polls, .init = open_db, .fini = close_db)
{
    struct lifecycle_plan plan = {0, 2, "WARNING", NULL};
    struct store_task t, got;
    int existing;
    start("IDENTITIES", "{}", &plan, 1000, &t, &existing);
    cr_assert_eq(lifecycle_get(db, NULL, t.id, 99999999, 0, &got), ERR_OK); /* not a poll */
    cr_assert_not(lifecycle_done(&got));
    store_task_clear(&got);
    cr_assert_eq(lifecycle_get(db, NULL, t.id, 1000, 1, &got), ERR_OK);
    cr_assert_not(lifecycle_done(&got));
    store_task_clear(&got);
    cr_assert_eq(lifecycle_get(db, NULL, t.id, 1000, 1, &got), ERR_OK);
    cr_assert(lifecycle_done(&got));
    cr_assert_str_eq(got.completion_status, "WARNING");
    cJSON *m = cJSON_Parse(got.messages);
    cr_assert_eq(cJSON_GetArraySize(m), 1);
    cr_assert_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(m, 0), "type")->valuestring, "WARN");
    cJSON_Delete(m);
    store_task_clear(&got);
    store_task_clear(&t);
}

Test(lifecycle, error_outcome_maps_to_failure, .init = open_db, .fini = close_db)
{
    struct lifecycle_plan plan = {10, -1, "TEMP_ERROR", NULL};
    struct store_task t, got;
    int existing;
    start("IDENTITIES", "{}", &plan, 0, &t, &existing);
    cr_assert_eq(lifecycle_get(db, NULL, t.id, 10, 1, &got), ERR_OK);
    cJSON *j = lifecycle_results_json(&got);
    cr_assert_str_eq(cJSON_GetObjectItem(j, "status")->valuestring, "FAILURE");
    cJSON_Delete(j);
    store_task_clear(&got);
    store_task_clear(&t);
}

Test(lifecycle, cancel_running_then_finished, .init = open_db, .fini = close_db)
{
    struct store_task t, got;
    int existing;
    char why[256];
    start("IDENTITIES", "{}", &by_time, 0, &t, &existing);
    cr_assert_eq(lifecycle_cancel(db, NULL, t.id, 500, why, sizeof(why)), ERR_OK);
    cr_assert_eq(lifecycle_get(db, NULL, t.id, 5000, 1, &got), ERR_OK);
    cr_assert_str_eq(got.completion_status, "TERMINATED");
    cr_assert_eq(got.completed_ms, 500);
    store_task_clear(&got);
    cr_assert_eq(lifecycle_cancel(db, NULL, t.id, 600, why, sizeof(why)), ERR_BAD_REQUEST);
    cr_assert_not_null(strstr(why, "not running"));
    cr_assert_eq(
        lifecycle_cancel(db, NULL, "0123456789abcdef0123456789abcdef", 600, why, sizeof(why)),
        ERR_NOT_FOUND);
    store_task_clear(&t);
}

Test(lifecycle, unknown_source_ends_in_error, .init = open_db, .fini = close_db)
{
    struct store_task t, got;
    int existing;
    start("ACCOUNTS", "{\"application\":\"ffffffffffffffffffffffffffffffff\",\"sourceName\":\"X\"}",
          &by_time, 0, &t, &existing);
    cr_assert_eq(lifecycle_get(db, NULL, t.id, 1000, 1, &got), ERR_OK);
    cr_assert_str_eq(got.completion_status, "ERROR");
    cJSON *m = cJSON_Parse(got.messages);
    cr_assert_eq(cJSON_GetArraySize(m), 1);
    cr_assert(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetArrayItem(m, 0), "error")));
    cJSON_Delete(m);
    store_task_clear(&got);
    store_task_clear(&t);
}

Test(lifecycle, failure_message_stays_valid_utf8, .init = open_db, .fini = close_db)
{
    /* The reason quotes the (unknown) source id, cut to a length: a cut
     * inside a multi-byte character must not reach the JSON. */
    char args[512] = "{\"application\":\"x"; /* odd offset: a cut splits a character */
    for (int i = 0; i < 60; i++)
        strcat(args, "\xc3\xa9");
    strcat(args, "\",\"sourceName\":\"X\"}");
    struct store_task t, got;
    int existing;
    start("ACCOUNTS", args, &by_time, 0, &t, &existing);
    cr_assert_eq(lifecycle_get(db, NULL, t.id, 1000, 1, &got), ERR_OK);
    cr_assert_str_eq(got.completion_status, "ERROR");
    cr_assert(utf8_valid(got.messages), "messages: %s", got.messages);
    store_task_clear(&got);
    store_task_clear(&t);
}

Test(outcome, table_answers_each_question)
{
    const struct report_outcome *o = report_outcome_find("RUNNING");
    cr_assert_not_null(o);
    cr_assert_null(o->status, "a running task has no status");
    cr_assert_not(o->plannable);
    cr_assert_null(report_outcome_find(NULL));
    cr_assert_null(report_outcome_find("success"));
    cr_assert(report_outcome_find("WARNING")->has_file);
    cr_assert_not(report_outcome_find("TEMP_ERROR")->has_file);
    cr_assert_not(report_outcome_find("TERMINATED")->plannable);
    cr_assert_str_eq(report_outcome_find("TEMP_ERROR")->message_type, "ERROR");
}

Test(outcome, lists_for_reasons)
{
    char out[128], tiny[6];
    report_outcome_list(1, out, sizeof(out));
    cr_assert_str_eq(out, "SUCCESS, WARNING, ERROR or TEMP_ERROR");
    report_outcome_list(0, out, sizeof(out));
    cr_assert_str_eq(out, "RUNNING, SUCCESS, WARNING, ERROR, TEMP_ERROR or TERMINATED");
    report_outcome_list(0, tiny, sizeof(tiny));
    cr_assert_str_eq(tiny, "RUNNI", "cut, and terminated");
    report_outcome_list(0, NULL, 10); /* no-op */
}

Test(outcome, choice_lists_follow_the_table)
{
    size_t n = 0, k = 0;
    for (; report_outcome_names[n]; n++) {
        const struct report_outcome *o = report_outcome_find(report_outcome_names[n]);
        cr_assert_not_null(o, "%s", report_outcome_names[n]);
        if (o->plannable)
            cr_assert_str_eq(report_outcome_plannable[k++], o->name);
    }
    cr_assert_eq(n, 6);
    cr_assert_null(report_outcome_plannable[k], "no plannable name beyond the table's");
}

/*
 * A report whose rendering fails inside the store (here: a tenant table gone)
 * ends ERROR with a message, and every later read answers from that: a
 * failure never leaves the task running with each poll an internal error.
 */
Test(lifecycle, render_failure_ends_the_task_error)
{
    char dir[] = "/tmp/isc-lifecycle-XXXXXX", path[64], err[256] = "";
    cr_assert_not_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/t.db", dir);
    db = store_open(path, embedded_schema, embedded_schema_count, embedded_fixtures,
                    embedded_fixtures_count, err, sizeof(err));
    cr_assert_not_null(db, "store_open: %s", err);
    sqlite3 *raw = NULL;
    cr_assert_eq(sqlite3_open(path, &raw), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(raw, "DROP TABLE events", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(raw);

    struct store_task t, again;
    int existing;
    start("SEARCH_EXPORT", "{\"indices\":[\"events\"],\"query\":\"*\"}", &by_time, 1000, &t,
          &existing);
    cr_assert_eq(lifecycle_get(db, NULL, t.id, 5000, 1, &again), ERR_OK);
    cr_assert_str_eq(again.completion_status, "ERROR");
    cr_assert_eq(again.rows, 0);
    cr_assert(strstr(again.messages, "could not be rendered") != NULL, "%s", again.messages);
    store_task_clear(&again);
    cr_assert_eq(lifecycle_get(db, NULL, t.id, 6000, 1, &again), ERR_OK, "the next read too");
    cr_assert_str_eq(again.completion_status, "ERROR");
    store_task_clear(&again);
    store_task_clear(&t);
    close_db();
    unlink(path);
    char side[80];
    snprintf(side, sizeof(side), "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof(side), "%s-shm", path);
    unlink(side);
    rmdir(dir);
}
