/*
 * test_control_reports.c - report behaviours through the control API:
 * per type and default (duration, polls, outcome, messages), the one-shot
 * queue for the next tasks (FIFO, per type or any type, kept when
 * startReport returns a running task), reading, clearing, and every
 * refused body.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "harness.h"

static const char *const ids_true =
    "{\"reportType\":\"IDENTITIES\",\"arguments\":{\"correlatedOnly\":true}}";
static const char *const ids_false =
    "{\"reportType\":\"IDENTITIES\",\"arguments\":{\"correlatedOnly\":false}}";
static const char *const details =
    "{\"reportType\":\"IDENTITIES_DETAILS\",\"arguments\":{\"correlatedOnly\":true}}";

/* The ReportResults status of task `id` after one more poll; "" while running. */
static const char *poll_status(const char *tok, const char *id, char *out, size_t cap)
{
    cJSON *res = e2e_result("v2024", tok, id);
    const char *s = jstr(res, "status");
    snprintf(out, cap, "%s", s ? s : "");
    cJSON_Delete(res);
    return out;
}

/* The task as /mock/tasks shows it (with messages and completionStatus). */
static cJSON *mock_task(const char *id)
{
    cJSON *all = ctl("GET", "/mock/tasks", NULL, 200), *found = NULL, *t;
    cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(all, "tasks"))
    {
        const char *tid = jstr(t, "id");
        if (tid && strcmp(tid, id) == 0)
            found = cJSON_Duplicate(t, 1);
    }
    cJSON_Delete(all);
    cr_assert(found != NULL, "task %s not in /mock/tasks", id);
    return found;
}

/* Starts a report and returns its id (malloc'd). */
static char *run_id(const char *tok, const char *body)
{
    cJSON *t = e2e_run("v2024", tok, body);
    char *id = strdup(jstr(t, "id"));
    cr_assert(id != NULL);
    cJSON_Delete(t);
    return id;
}

E2E_TEST(control_reports, empty_at_start)
{
    cJSON *all = ctl("GET", "/mock/reports", NULL, 200);
    assert_json_eq(all, "{\"serverDefault\":{\"durationMs\":2000,\"outcome\":\"SUCCESS\"},"
                        "\"behaviours\":[],\"next\":[]}");
    cJSON_Delete(all);
    cJSON *one = ctl("GET", "/mock/reports/ACCOUNTS", NULL, 200);
    cr_expect_str_eq(jstr(one, "source"), "server");
    cr_expect_str_eq(jstr(one, "reportType"), "ACCOUNTS");
    cr_expect_eq(jnum(one, "durationMs"), 2000);
    cr_expect(jnull(one, "polls") && jnull(one, "messages") && jnull(one, "updated"));
    cJSON_Delete(one);
    cJSON *next = ctl("GET", "/mock/reports/next", NULL, 200);
    assert_json_eq(next, "{\"next\":[]}");
    cJSON_Delete(next);
}

/* polls: the Nth result poll is the first to see the end; ERROR -> FAILURE with messages. */
E2E_TEST(control_reports, polls_then_error_with_messages)
{
    const char *msgs = "[{\"type\":\"ERROR\",\"localizedText\":\"Source unreachable\"},"
                       "{\"type\":\"WARN\",\"key\":\"k.warn\",\"localizedText\":\"Slow\","
                       "\"error\":false,\"warning\":true}]";
    char body[512];
    snprintf(body, sizeof body, "{\"polls\":3,\"outcome\":\"ERROR\",\"messages\":%s}", msgs);
    cJSON *set = ctl("PUT", "/mock/reports/IDENTITIES", body, 200);
    cr_expect_str_eq(jstr(set, "reportType"), "IDENTITIES");
    cr_expect_str_eq(jstr(set, "source"), "type");
    cr_expect_eq(jnum(set, "polls"), 3);
    cr_expect(jnull(set, "durationMs"));
    cr_expect_str_eq(jstr(set, "outcome"), "ERROR");
    cr_expect(is_rfc3339_ms(jstr(set, "updated")));
    /* Messages come back complete: key copied from the text, flags from the type. */
    const char *full = "[{\"type\":\"ERROR\",\"error\":true,\"warning\":false,"
                       "\"key\":\"Source unreachable\",\"localizedText\":\"Source unreachable\"},"
                       "{\"type\":\"WARN\",\"error\":false,\"warning\":true,\"key\":\"k.warn\","
                       "\"localizedText\":\"Slow\"}]";
    assert_json_eq(cJSON_GetObjectItemCaseSensitive(set, "messages"), full);
    cJSON_Delete(set);

    char *tok = e2e_token("demo-app");
    char *id = run_id(tok, ids_true);
    char st[32];
    /* Time does not end it. */
    e2e_clock_advance(600 * 1000); /* well past any duration, within the token lifetime */
    cr_expect_str_eq(poll_status(tok, id, st, sizeof st), "", "poll 1");
    cr_expect_str_eq(poll_status(tok, id, st, sizeof st), "", "poll 2");
    cr_expect_str_eq(poll_status(tok, id, st, sizeof st), "FAILURE", "poll 3");
    cr_expect_str_eq(poll_status(tok, id, st, sizeof st), "FAILURE", "poll 4");
    cJSON *t = mock_task(id);
    cr_expect_str_eq(jstr(t, "completionStatus"), "ERROR");
    assert_json_eq(cJSON_GetObjectItemCaseSensitive(t, "messages"), full);
    cJSON_Delete(t);

    /* Another type is untouched: it runs the server's 2000 ms with SUCCESS. */
    char *other = run_id(tok, details);
    e2e_clock_advance(2000);
    cr_expect_str_eq(poll_status(tok, other, st, sizeof st), "SUCCESS");
    free(other);
    free(id);
    free(tok);
}

E2E_TEST(control_reports, default_duration_and_outcomes)
{
    cJSON *set = ctl("PUT", "/mock/reports/default", "{\"durationMs\":500}", 200);
    cr_expect_str_eq(jstr(set, "reportType"), "default");
    cr_expect_str_eq(jstr(set, "source"), "default");
    cr_expect_eq(jnum(set, "durationMs"), 500);
    cr_expect_str_eq(jstr(set, "outcome"), "SUCCESS");
    cJSON_Delete(set);
    cJSON *one = ctl("GET", "/mock/reports/ORPHAN_IDENTITIES", NULL, 200);
    cr_expect_str_eq(jstr(one, "source"), "default");
    cr_expect_str_eq(jstr(one, "reportType"), "ORPHAN_IDENTITIES");
    cr_expect_eq(jnum(one, "durationMs"), 500);
    cJSON_Delete(one);

    char *tok = e2e_token("demo-app");
    char st[32];
    char *id = run_id(tok, ids_true);
    e2e_clock_advance(499);
    cr_expect_str_eq(poll_status(tok, id, st, sizeof st), "", "at 499 ms");
    e2e_clock_advance(1);
    cr_expect_str_eq(poll_status(tok, id, st, sizeof st), "SUCCESS", "at 500 ms");
    free(id);

    /* A type's own behaviour wins over the default; POST sets it like PUT. */
    cJSON_Delete(ctl("POST", "/mock/reports/IDENTITIES",
                     "{\"durationMs\":100,\"outcome\":\"TEMP_ERROR\"}", 200));
    id = run_id(tok, ids_false);
    e2e_clock_advance(100);
    cr_expect_str_eq(poll_status(tok, id, st, sizeof st), "FAILURE");
    cJSON *t = mock_task(id);
    cr_expect_str_eq(jstr(t, "completionStatus"), "TEMP_ERROR");
    /* No messages given: the outcome's default message. */
    const cJSON *m = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(t, "messages"), 0);
    cr_expect_str_eq(jstr(m, "type"), "ERROR");
    cJSON_Delete(t);
    free(id);

    /* A type's behaviour is whole: without a duration it runs the server's
     * 2000 ms, not the default's 500. */
    cJSON_Delete(ctl("PUT", "/mock/reports/IDENTITIES_DETAILS", "{\"outcome\":\"WARNING\"}", 200));
    id = run_id(tok, details);
    e2e_clock_advance(1999);
    cr_expect_str_eq(poll_status(tok, id, st, sizeof st), "", "at 1999 ms");
    e2e_clock_advance(1);
    cr_expect_str_eq(poll_status(tok, id, st, sizeof st), "WARNING", "at 2000 ms");
    free(id);
    free(tok);
}

E2E_TEST(control_reports, warning_outcome_still_downloads)
{
    cJSON_Delete(
        ctl("PUT", "/mock/reports/IDENTITIES", "{\"durationMs\":10,\"outcome\":\"WARNING\"}", 200));
    char *tok = e2e_token("demo-app");
    char *id = run_id(tok, ids_true);
    char st[32], path[128];
    e2e_clock_advance(10);
    cr_expect_str_eq(poll_status(tok, id, st, sizeof st), "WARNING");
    struct http_res r;
    snprintf(path, sizeof path, "/v2024/reports/%s?fileFormat=csv", id);
    api_call(&r, "GET", path, tok, NULL);
    cr_expect_eq(r.status, 200, "%ld %s", r.status, r.body);
    http_res_free(&r);
    cJSON *t = mock_task(id);
    cr_expect_str_eq(jstr(t, "completionStatus"), "WARNING");
    cJSON_Delete(t);
    free(id);
    free(tok);
}

E2E_TEST(control_reports, next_is_one_shot_then_default)
{
    cJSON *q = ctl("POST", "/mock/reports/next", "{\"polls\":1,\"outcome\":\"ERROR\"}", 201);
    cr_expect_eq(jnum(q, "id"), 1);
    cr_expect(jnull(q, "reportType"), "no type given: any type");
    cr_expect_eq(jnum(q, "polls"), 1);
    cr_expect(is_rfc3339_ms(jstr(q, "created")));
    cJSON_Delete(q);
    cJSON *next = ctl("GET", "/mock/reports/next", NULL, 200);
    cr_expect_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(next, "next")), 1);
    cJSON_Delete(next);

    char *tok = e2e_token("demo-app");
    char st[32];
    char *first = run_id(tok, ids_true);
    cr_expect_str_eq(poll_status(tok, first, st, sizeof st), "FAILURE", "one poll");
    next = ctl("GET", "/mock/reports/next", NULL, 200);
    assert_json_eq(next, "{\"next\":[]}");
    cJSON_Delete(next);

    char *second = run_id(tok, details);
    cr_expect_str_eq(poll_status(tok, second, st, sizeof st), "", "back to 2000 ms");
    e2e_clock_advance(2000);
    cr_expect_str_eq(poll_status(tok, second, st, sizeof st), "SUCCESS");
    free(first);
    free(second);
    free(tok);
}

E2E_TEST(control_reports, next_fifo_and_per_type)
{
    cJSON_Delete(ctl("POST", "/mock/reports/next",
                     "{\"reportType\":\"IDENTITIES_DETAILS\",\"polls\":0,\"outcome\":\"WARNING\"}",
                     201));
    cJSON_Delete(ctl("POST", "/mock/reports/next", "{\"polls\":0,\"outcome\":\"ERROR\"}", 201));
    cJSON_Delete(
        ctl("POST", "/mock/reports/next", "{\"polls\":0,\"outcome\":\"TEMP_ERROR\"}", 201));
    cJSON *all = ctl("GET", "/mock/reports", NULL, 200);
    cJSON *next = cJSON_GetObjectItemCaseSensitive(all, "next");
    cr_assert_eq(cJSON_GetArraySize(next), 3);
    cr_expect_str_eq(jstr(cJSON_GetArrayItem(next, 0), "reportType"), "IDENTITIES_DETAILS");
    cr_expect_str_eq(jstr(cJSON_GetArrayItem(next, 1), "outcome"), "ERROR");
    cr_expect_str_eq(jstr(cJSON_GetArrayItem(next, 2), "outcome"), "TEMP_ERROR");
    cJSON_Delete(all);

    char *tok = e2e_token("demo-app");
    /* IDENTITIES skips the IDENTITIES_DETAILS entry: it takes the oldest for any type. */
    char *a = run_id(tok, ids_true);
    char *b = run_id(tok, details);
    char *c = run_id(tok, ids_false);
    char st[32];
    poll_status(tok, a, st, sizeof st);
    /* Its one poll makes it due; it ends once its files are written. */
    cJSON_Delete(e2e_result_done("v2024", tok, b, 30));
    poll_status(tok, c, st, sizeof st);
    static const char *const want[3] = {"ERROR", "WARNING", "TEMP_ERROR"};
    const char *ids[3] = {a, b, c};
    for (int i = 0; i < 3; i++) {
        cJSON *t = mock_task(ids[i]);
        cr_expect_str_eq(jstr(t, "completionStatus"), want[i], "task %d", i);
        cJSON_Delete(t);
    }
    free(a);
    free(b);
    free(c);
    free(tok);
}

/* startReport answering with the running task of the same type and
 * arguments starts nothing, so it must not use up a one-shot plan. */
E2E_TEST(control_reports, next_kept_when_task_already_runs)
{
    cJSON_Delete(ctl("POST", "/mock/reports/next", "{\"outcome\":\"ERROR\"}", 201));
    cJSON_Delete(ctl("POST", "/mock/reports/next", "{\"outcome\":\"WARNING\"}", 201));
    char *tok = e2e_token("demo-app");
    char *a = run_id(tok, ids_true);
    char *again = run_id(tok, ids_true);
    cr_expect_str_eq(again, a, "non-concurrency: the same task");
    cJSON *next = ctl("GET", "/mock/reports/next", NULL, 200);
    cJSON *list = cJSON_GetObjectItemCaseSensitive(next, "next");
    cr_expect_eq(cJSON_GetArraySize(list), 1);
    cr_expect_str_eq(jstr(cJSON_GetArrayItem(list, 0), "outcome"), "WARNING");
    cr_expect_eq(jnum(cJSON_GetArrayItem(list, 0), "id"), 2, "same place, same id");
    cJSON_Delete(next);
    char *b = run_id(tok, details);
    e2e_clock_advance(2000);
    char st[32];
    cr_expect_str_eq(poll_status(tok, a, st, sizeof st), "FAILURE");
    cr_expect_str_eq(poll_status(tok, b, st, sizeof st), "WARNING");
    free(a);
    free(again);
    free(b);
    free(tok);
}

E2E_TEST(control_reports, delete_and_clear)
{
    cJSON_Delete(ctl("PUT", "/mock/reports/ACCOUNTS", "{\"durationMs\":1}", 200));
    cJSON_Delete(ctl("PUT", "/mock/reports/default", "{\"durationMs\":2}", 200));
    cJSON_Delete(ctl("POST", "/mock/reports/next", "{\"durationMs\":3}", 201));

    cJSON *all = ctl("GET", "/mock/reports", NULL, 200);
    cJSON *list = cJSON_GetObjectItemCaseSensitive(all, "behaviours");
    cr_assert_eq(cJSON_GetArraySize(list), 2);
    cr_expect_str_eq(jstr(cJSON_GetArrayItem(list, 0), "reportType"), "default",
                     "the default first");
    cr_expect_str_eq(jstr(cJSON_GetArrayItem(list, 1), "reportType"), "ACCOUNTS");
    cJSON_Delete(all);

    cr_expect_null(ctl("DELETE", "/mock/reports/ACCOUNTS", NULL, 204));
    struct http_res r;
    api_call(&r, "DELETE", "/mock/reports/ACCOUNTS", NULL, NULL);
    assert_error_dto(&r, 404, "ACCOUNTS");
    http_res_free(&r);
    cJSON *one = ctl("GET", "/mock/reports/ACCOUNTS", NULL, 200);
    cr_expect_str_eq(jstr(one, "source"), "queue", "the queued plan comes first");
    cr_expect_eq(jnum(one, "durationMs"), 3);
    cJSON_Delete(one);

    cr_expect_null(ctl("DELETE", "/mock/reports/next", NULL, 204));
    cJSON *next = ctl("GET", "/mock/reports/next", NULL, 200);
    assert_json_eq(next, "{\"next\":[]}");
    cJSON_Delete(next);
    one = ctl("GET", "/mock/reports/ACCOUNTS", NULL, 200);
    cr_expect_str_eq(jstr(one, "source"), "default");
    cr_expect_eq(jnum(one, "durationMs"), 2);
    cJSON_Delete(one);

    cJSON_Delete(ctl("POST", "/mock/reports/next", "{\"durationMs\":3}", 201));
    cr_expect_null(ctl("DELETE", "/mock/reports", NULL, 204));
    all = ctl("GET", "/mock/reports", NULL, 200);
    assert_json_eq(all, "{\"serverDefault\":{\"durationMs\":2000,\"outcome\":\"SUCCESS\"},"
                        "\"behaviours\":[],\"next\":[]}");
    cJSON_Delete(all);
    /* Clearing what is empty is fine. */
    cr_expect_null(ctl("DELETE", "/mock/reports", NULL, 204));
}

/* The server's --report-duration shows as the server default. */
Test(control_reports, server_default_follows_flag, .fini = e2e_fini, .timeout = 60.)
{
    const char *const args[] = {"--report-duration", "750", NULL};
    e2e_start(args, NULL, 1);
    cJSON *all = ctl("GET", "/mock/reports", NULL, 200);
    cr_expect_eq(jnum(cJSON_GetObjectItemCaseSensitive(all, "serverDefault"), "durationMs"), 750);
    cJSON_Delete(all);
    e2e_finish();
}

struct bad_body {
    const char *method;
    const char *path;
    const char *body;
    const char *part; /* what the message must name */
};

static const struct bad_body bad_bodies[] = {
    {"PUT", "/mock/reports/ACCOUNTS", "", "JSON object"},
    {"PUT", "/mock/reports/ACCOUNTS", "not json", "JSON object"},
    {"PUT", "/mock/reports/ACCOUNTS", "[]", "JSON object"},
    {"PUT", "/mock/reports/ACCOUNTS", "{\"durationMs\":-1}", "durationMs"},
    {"PUT", "/mock/reports/ACCOUNTS", "{\"durationMs\":1.5}", "durationMs"},
    {"PUT", "/mock/reports/ACCOUNTS", "{\"durationMs\":\"5\"}", "durationMs"},
    {"PUT", "/mock/reports/ACCOUNTS", "{\"durationMs\":1e20}", "durationMs"},
    {"PUT", "/mock/reports/ACCOUNTS", "{\"polls\":-1}", "polls"},
    {"PUT", "/mock/reports/ACCOUNTS", "{\"polls\":true}", "polls"},
    {"PUT", "/mock/reports/ACCOUNTS", "{\"durationMs\":1,\"polls\":1}", "durationMs or polls"},
    {"PUT", "/mock/reports/ACCOUNTS", "{\"outcome\":\"FAILURE\"}", "outcome"},
    {"PUT", "/mock/reports/ACCOUNTS", "{\"outcome\":\"success\"}", "outcome"},
    {"PUT", "/mock/reports/ACCOUNTS", "{\"outcome\":5}", "outcome"},
    {"PUT", "/mock/reports/ACCOUNTS", "{\"messages\":{}}", "messages"},
    {"PUT", "/mock/reports/ACCOUNTS", "{\"messages\":[1]}", "messages[0]"},
    {"PUT", "/mock/reports/ACCOUNTS", "{\"messages\":[{\"type\":\"DEBUG\",\"key\":\"x\"}]}",
     "messages[0].type"},
    {"PUT", "/mock/reports/ACCOUNTS", "{\"messages\":[{\"key\":\"x\"}]}", "messages[0].type"},
    {"PUT", "/mock/reports/ACCOUNTS", "{\"messages\":[{\"type\":\"INFO\"}]}", "messages[0]"},
    {"PUT", "/mock/reports/ACCOUNTS", "{\"messages\":[{\"type\":\"INFO\",\"key\":5}]}",
     "messages[0].key"},
    {"PUT", "/mock/reports/ACCOUNTS",
     "{\"messages\":[{\"type\":\"INFO\",\"key\":\"a\"},{\"type\":\"INFO\",\"localizedText\":\"\"}]"
     "}",
     "messages[1].localizedText"},
    {"PUT", "/mock/reports/ACCOUNTS",
     "{\"messages\":[{\"type\":\"INFO\",\"key\":\"x\",\"error\":\"no\"}]}", "messages[0].error"},
    {"PUT", "/mock/reports/ACCOUNTS",
     "{\"messages\":[{\"type\":\"INFO\",\"key\":\"x\",\"warning\":1}]}", "messages[0].warning"},
    {"PUT", "/mock/reports/ACCOUNTS", "{\"messages\":[{\"type\":\"INFO\",\"key\":\"x\",\"x\":1}]}",
     "'x'"},
    {"PUT", "/mock/reports/ACCOUNTS", "{\"durationMS\":5}", "durationMS"},
    {"PUT", "/mock/reports/ACCOUNTS", "{\"reportType\":\"ACCOUNTS\"}", "reportType"},
    {"PUT", "/mock/reports/FOO", "{\"durationMs\":5}", "reportType"},
    {"PUT", "/mock/reports/accounts", "{\"durationMs\":5}", "reportType"},
    {"GET", "/mock/reports/FOO", NULL, "reportType"},
    {"DELETE", "/mock/reports/FOO", NULL, "reportType"},
    {"POST", "/mock/reports/next", "{\"reportType\":\"FOO\"}", "reportType"},
    {"POST", "/mock/reports/next", "{\"reportType\":5}", "reportType"},
    {"POST", "/mock/reports/next", "{\"polls\":1,\"durationMs\":1}", "durationMs or polls"},
    {"POST", "/mock/reports/next", "{\"count\":2}", "count"},
    {"POST", "/mock/reports/next", "", "JSON object"},
};

E2E_TEST(control_reports, bad_bodies_are_400)
{
    for (size_t i = 0; i < sizeof bad_bodies / sizeof bad_bodies[0]; i++)
        ctl_400(bad_bodies[i].method, bad_bodies[i].path, bad_bodies[i].body, bad_bodies[i].part);
    /* Too many messages. */
    char body[4096] = "{\"messages\":[";
    for (int i = 0; i < 21; i++)
        strcat(body,
               i ? ",{\"type\":\"INFO\",\"key\":\"k\"}" : "{\"type\":\"INFO\",\"key\":\"k\"}");
    strcat(body, "]}");
    ctl_400("PUT", "/mock/reports/ACCOUNTS", body, "messages");
    /* Nothing was stored by any of them. */
    cJSON *all = ctl("GET", "/mock/reports", NULL, 200);
    assert_json_eq(all, "{\"serverDefault\":{\"durationMs\":2000,\"outcome\":\"SUCCESS\"},"
                        "\"behaviours\":[],\"next\":[]}");
    cJSON_Delete(all);
}

E2E_TEST(control_reports, wrong_methods_are_405)
{
    static const char *const cases[][2] = {
        {"POST", "/mock/reports"},
        {"PUT", "/mock/reports/next"},
        {"PATCH", "/mock/reports/ACCOUNTS"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct http_res r;
        api_call(&r, cases[i][0], cases[i][1], NULL, NULL);
        cr_expect_eq(r.status, 405, "%s %s: %ld", cases[i][0], cases[i][1], r.status);
        if (r.status == 405)
            assert_error_dto(&r, 405, NULL);
        http_res_free(&r);
    }
}

/* GET /mock/reports/{TYPE} shows the plan the next task will take: a queued one first. */
E2E_TEST(control_reports, type_shows_the_queued_plan)
{
    cJSON_Delete(ctl("PUT", "/mock/reports/ACCOUNTS", "{\"durationMs\":5000}", 200));
    cJSON_Delete(ctl("POST", "/mock/reports/next",
                     "{\"reportType\":\"IDENTITIES\",\"polls\":2,\"outcome\":\"ERROR\"}", 201));
    cJSON *one = ctl("GET", "/mock/reports/IDENTITIES", NULL, 200);
    cr_expect_str_eq(jstr(one, "source"), "queue");
    cr_expect_str_eq(jstr(one, "outcome"), "ERROR");
    cr_expect_eq(jnum(one, "polls"), 2);
    cJSON_Delete(one);
    one = ctl("GET", "/mock/reports/ACCOUNTS", NULL, 200);
    cr_expect_str_eq(jstr(one, "source"), "type", "a plan for another type does not apply");
    cJSON_Delete(one);
    /* A plan for any type applies to every type, behind older plans. */
    cJSON_Delete(ctl("POST", "/mock/reports/next", "{\"polls\":0,\"outcome\":\"WARNING\"}", 201));
    one = ctl("GET", "/mock/reports/ACCOUNTS", NULL, 200);
    cr_expect_str_eq(jstr(one, "source"), "queue");
    cr_expect_str_eq(jstr(one, "outcome"), "WARNING");
    cJSON_Delete(one);
    one = ctl("GET", "/mock/reports/IDENTITIES", NULL, 200);
    cr_expect_str_eq(jstr(one, "outcome"), "ERROR", "the older plan is taken first");
    cJSON_Delete(one);
    one = ctl("GET", "/mock/reports/default", NULL, 200);
    cr_expect_str_neq(jstr(one, "source"), "queue", "the queue is for tasks, not the default");
    cJSON_Delete(one);
}
