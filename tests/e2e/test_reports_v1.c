/*
 * test_reports_v1.c - the four operations where SailPoint now publishes
 * them per service (/reports/v1/run, /reports/v1/{id}/result,
 * /reports/v1/{id}, /reports/v1/{id}/cancel): the whole workflow with every
 * body checked against the contract's schemas, tasks shared with the
 * date-versioned paths, every refusal answered as /v2024 answers it, the
 * rate-limit bucket "reports/v1", faults by operationId and by family, and
 * the journal's path, operation and version.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "harness.h"

#define V1 "reports/v1"

/*
 * The path of an operation under API version `ver`: "reports/v1" puts the
 * version after the service (/reports/v1/...), a date version before it
 * (/v2024/reports/...). `tail` is "run", "{id}", "{id}/result" or
 * "{id}/cancel" with the id already in place.
 */
static void op_path(char *out, size_t n, const char *ver, const char *tail)
{
    if (strcmp(ver, V1) == 0)
        snprintf(out, n, "/reports/v1/%s", tail);
    else
        snprintf(out, n, "/%s/reports/%s", ver, tail);
}

static void call(struct http_res *r, const char *method, const char *ver, const char *tail,
                 const char *token, const char *json)
{
    char path[512];
    op_path(path, sizeof path, ver, tail);
    api_call(r, method, path, token, json);
}

/* ------------------------------------------------------------------ */
/* The contract's schemas (schemas/taskresultdetails.yaml,             */
/* schemas/reportresults.yaml) as data                                  */

enum jkind { J_STRING, J_INTEGER, J_BOOLEAN, J_OBJECT, J_ARRAY };

struct prop {
    const char *name;
    enum jkind kind;
    int nullable;
    int date_time;
    const char *const *enum_values; /* NULL-terminated; NULL: any */
    const struct schema *items;     /* arrays of objects: the items' schema */
    const char *const *item_enum;   /* arrays of strings: their enum */
};

struct schema {
    const char *name;
    const struct prop *props;
    size_t nprops;
};

static const char *const report_types[] = {"ACCOUNTS",
                                           "IDENTITIES_DETAILS",
                                           "IDENTITIES",
                                           "IDENTITY_PROFILE_IDENTITY_ERROR",
                                           "ORPHAN_IDENTITIES",
                                           "SEARCH_EXPORT",
                                           "UNCORRELATED_ACCOUNTS",
                                           NULL};
static const char *const task_types[] = {"QUARTZ", "QPOC", "MENTOS", "QUEUED_TASK", NULL};
static const char *const completion_statuses[] = {"SUCCESS",    "WARNING",    "ERROR",
                                                  "TERMINATED", "TEMP_ERROR", NULL};
static const char *const message_types[] = {"INFO", "WARN", "ERROR", NULL};
static const char *const result_statuses[] = {"SUCCESS", "FAILURE", "WARNING", "TERMINATED", NULL};
static const char *const formats[] = {"CSV", "PDF", NULL};

static const struct prop message_props[] = {
    {"type", J_STRING, 0, 0, message_types, NULL, NULL},
    {"error", J_BOOLEAN, 0, 0, NULL, NULL, NULL},
    {"warning", J_BOOLEAN, 0, 0, NULL, NULL, NULL},
    {"key", J_STRING, 0, 0, NULL, NULL, NULL},
    {"localizedText", J_STRING, 0, 0, NULL, NULL, NULL},
};
static const struct schema message_schema = {"message", message_props, 5};

static const struct prop return_props[] = {
    {"displayLabel", J_STRING, 0, 0, NULL, NULL, NULL},
    {"attributeName", J_STRING, 0, 0, NULL, NULL, NULL},
};
static const struct schema return_schema = {"return", return_props, 2};

static const struct prop task_props[] = {
    {"type", J_STRING, 0, 0, task_types, NULL, NULL},
    {"id", J_STRING, 0, 0, NULL, NULL, NULL},
    {"reportType", J_STRING, 0, 0, report_types, NULL, NULL},
    {"description", J_STRING, 0, 0, NULL, NULL, NULL},
    {"parentName", J_STRING, 1, 0, NULL, NULL, NULL},
    {"launcher", J_STRING, 0, 0, NULL, NULL, NULL},
    {"created", J_STRING, 0, 1, NULL, NULL, NULL},
    {"launched", J_STRING, 1, 1, NULL, NULL, NULL},
    {"completed", J_STRING, 1, 1, NULL, NULL, NULL},
    {"completionStatus", J_STRING, 1, 0, completion_statuses, NULL, NULL},
    {"messages", J_ARRAY, 0, 0, NULL, &message_schema, NULL},
    {"returns", J_ARRAY, 0, 0, NULL, &return_schema, NULL},
    {"attributes", J_OBJECT, 0, 0, NULL, NULL, NULL},
    {"progress", J_STRING, 1, 0, NULL, NULL, NULL},
    /* Not among the schema's properties, but in the contract's own example
     * (examples/identities-details-report-task-result.yaml), as the mock sends it. */
    {"taskDefName", J_STRING, 0, 0, NULL, NULL, NULL},
};
static const struct schema task_schema = {"TaskResultDetails", task_props,
                                          sizeof task_props / sizeof task_props[0]};

static const struct prop result_props[] = {
    {"reportType", J_STRING, 0, 0, report_types, NULL, NULL},
    {"taskDefName", J_STRING, 0, 0, NULL, NULL, NULL},
    {"id", J_STRING, 0, 0, NULL, NULL, NULL},
    {"created", J_STRING, 0, 1, NULL, NULL, NULL},
    {"status", J_STRING, 0, 0, result_statuses, NULL, NULL},
    {"duration", J_INTEGER, 0, 0, NULL, NULL, NULL},
    {"rows", J_INTEGER, 0, 0, NULL, NULL, NULL},
    {"availableFormats", J_ARRAY, 0, 0, NULL, NULL, formats},
};
static const struct schema result_schema = {"ReportResults", result_props,
                                            sizeof result_props / sizeof result_props[0]};

static int in_list(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(s, *list) == 0)
            return 1;
    return 0;
}

static int is_integer(const cJSON *v)
{
    return cJSON_IsNumber(v) && v->valuedouble == (double)(long long)v->valuedouble;
}

/*
 * Asserts that `o` is an object whose every member is a property of `s`
 * (the mock sends nothing the contract does not describe) with the type,
 * nullability, enum and date-time format the schema gives, recursively.
 */
static void check_schema(const cJSON *o, const struct schema *s, const char *where)
{
    cr_assert(cJSON_IsObject(o), "%s: %s is not an object", where, s->name);
    const cJSON *m;
    cJSON_ArrayForEach(m, o)
    {
        const struct prop *p = NULL;
        for (size_t i = 0; i < s->nprops && !p; i++)
            if (strcmp(s->props[i].name, m->string) == 0)
                p = &s->props[i];
        cr_assert(p != NULL, "%s: %s has no member %s", where, s->name, m->string);
        if (cJSON_IsNull(m)) {
            cr_assert(p->nullable, "%s: %s.%s is null but not nullable", where, s->name, p->name);
            continue;
        }
        switch (p->kind) {
        case J_STRING:
            cr_assert(cJSON_IsString(m), "%s: %s.%s is not a string", where, s->name, p->name);
            if (p->enum_values)
                cr_assert(in_list(m->valuestring, p->enum_values), "%s: %s.%s = %s: not in enum",
                          where, s->name, p->name, m->valuestring);
            if (p->date_time)
                cr_assert(is_rfc3339_ms(m->valuestring), "%s: %s.%s = %s: not a date-time", where,
                          s->name, p->name, m->valuestring);
            break;
        case J_INTEGER:
            cr_assert(is_integer(m), "%s: %s.%s is not an integer", where, s->name, p->name);
            break;
        case J_BOOLEAN:
            cr_assert(cJSON_IsBool(m), "%s: %s.%s is not a boolean", where, s->name, p->name);
            break;
        case J_OBJECT:
            cr_assert(cJSON_IsObject(m), "%s: %s.%s is not an object", where, s->name, p->name);
            break;
        case J_ARRAY: {
            cr_assert(cJSON_IsArray(m), "%s: %s.%s is not an array", where, s->name, p->name);
            const cJSON *it;
            cJSON_ArrayForEach(it, m)
            {
                if (p->items)
                    check_schema(it, p->items, where);
                if (p->item_enum)
                    cr_assert(cJSON_IsString(it) && in_list(it->valuestring, p->item_enum),
                              "%s: %s.%s holds a value outside its enum", where, s->name, p->name);
            }
            break;
        }
        }
    }
}

/* Members the mock promises (README) although the contract requires none. */
static void check_task(const cJSON *t, const char *where)
{
    check_schema(t, &task_schema, where);
    static const char *const always[] = {"id",       "reportType", "type",       "created",
                                         "launched", "launcher",   "completed",  "completionStatus",
                                         "messages", "returns",    "attributes", "progress"};
    for (size_t i = 0; i < sizeof always / sizeof always[0]; i++)
        cr_assert(jhas(t, always[i]), "%s: TaskResultDetails without %s", where, always[i]);
}

static void check_result(const cJSON *r, int finished, const char *where)
{
    check_schema(r, &result_schema, where);
    static const char *const always[] = {"id", "reportType", "taskDefName", "created",
                                         "availableFormats"};
    for (size_t i = 0; i < sizeof always / sizeof always[0]; i++)
        cr_assert(jhas(r, always[i]), "%s: ReportResults without %s", where, always[i]);
    static const char *const when_done[] = {"status", "duration", "rows"};
    for (size_t i = 0; i < sizeof when_done / sizeof when_done[0]; i++)
        cr_assert_eq(jhas(r, when_done[i]), finished, "%s: ReportResults.%s %s", where,
                     when_done[i], finished ? "missing once finished" : "present while running");
}

/* POST run under `ver`, 200, schema-checked; returns the body. */
static cJSON *run(const char *ver, const char *token, const char *json)
{
    struct http_res r;
    call(&r, "POST", ver, "run", token, json);
    cr_assert_eq(r.status, 200, "POST run under %s: %ld %s", ver, r.status, r.body);
    check_task(r.json, ver);
    cJSON *t = r.json;
    r.json = NULL;
    http_res_free(&r);
    return t;
}

/* GET {id}/result under `ver`, 200, schema-checked; returns the body. */
static cJSON *result(const char *ver, const char *token, const char *id, int finished)
{
    struct http_res r;
    char tail[128];
    snprintf(tail, sizeof tail, "%s/result", id);
    call(&r, "GET", ver, tail, token, NULL);
    cr_assert_eq(r.status, 200, "GET result under %s: %ld %s", ver, r.status, r.body);
    check_result(r.json, finished, ver);
    cJSON *t = r.json;
    r.json = NULL;
    http_res_free(&r);
    return t;
}

#define ORPHANS "{\"reportType\":\"ORPHAN_IDENTITIES\",\"arguments\":{}}"
#define UNCORRELATED "{\"reportType\":\"UNCORRELATED_ACCOUNTS\",\"arguments\":{}}"

/* ------------------------------------------------------------------ */

E2E_TEST(reports_v1, workflow)
{
    char *app = e2e_token("demo-app");
    char *admin = e2e_token("demo-admin");
    char tail[128], ct[128];
    struct http_res r;

    cJSON *task = run(V1, app, ORPHANS);
    const char *id = jstr(task, "id");
    cr_assert(is_hex32(id), "task id %s", id);
    cr_expect_str_eq(jstr(task, "reportType"), "ORPHAN_IDENTITIES");
    cr_expect(jnull(task, "completed") && jnull(task, "completionStatus"));
    cr_expect_str_eq(jstr(task, "launcher"), "demo-app");

    cJSON *res = result(V1, app, id, 0);
    cr_expect_str_eq(jstr(res, "id"), id);
    cr_expect_str_eq(jstr(res, "taskDefName"), "Orphan Identities Report");
    cJSON_Delete(res);

    /* not finished: the file is the contract's 404 */
    snprintf(tail, sizeof tail, "%s?fileFormat=csv", id);
    call(&r, "GET", V1, tail, app, NULL);
    assert_error_dto(&r, 404, "File Not Found");
    http_res_free(&r);

    e2e_clock_advance(10 * 1000);
    res = result(V1, app, id, 1);
    cr_expect_str_eq(jstr(res, "status"), "SUCCESS");
    long rows = (long)jnum(res, "rows");
    cr_expect_eq(rows, 10, "the fixture has 10 orphans");
    cJSON_Delete(res);

    call(&r, "GET", V1, tail, app, NULL);
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    cr_expect(http_header(&r, "Content-Type", ct, sizeof ct) && strcmp(ct, "application/csv") == 0,
              "Content-Type %s", ct);
    cr_expect(http_header(&r, "Content-Disposition", ct, sizeof ct) &&
                  strstr(ct, "filename=\"Orphan Identities Report.csv\"") != NULL,
              "Content-Disposition %s", ct);
    int fields;
    long ragged;
    cr_expect_eq(csv_records(r.body, r.len, &fields, &ragged) - 1, rows);
    cr_expect_eq(ragged, 0);
    http_res_free(&r);

    snprintf(tail, sizeof tail, "%s?fileFormat=pdf", id);
    call(&r, "GET", V1, tail, app, NULL);
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    cr_expect(r.len > 5 && memcmp(r.body, "%PDF-", 5) == 0, "not a PDF");
    http_res_free(&r);

    /* cancel: 204 with no body, then TERMINATED with 0 rows, then 400 */
    cJSON *second = run(V1, admin, UNCORRELATED);
    cr_expect_str_eq(jstr(second, "launcher"), "demo.admin");
    snprintf(tail, sizeof tail, "%s/cancel", jstr(second, "id"));
    call(&r, "POST", V1, tail, admin, NULL);
    cr_expect_eq(r.status, 204, "cancel: %ld %s", r.status, r.body);
    cr_expect_eq(r.len, 0);
    http_res_free(&r);
    res = result(V1, app, jstr(second, "id"), 1);
    cr_expect_str_eq(jstr(res, "status"), "TERMINATED");
    cr_expect_eq(jnum(res, "rows"), 0);
    cJSON_Delete(res);
    call(&r, "POST", V1, tail, admin, NULL);
    assert_error_dto(&r, 400, NULL);
    http_res_free(&r);

    cJSON_Delete(second);
    cJSON_Delete(task);
    free(app);
    free(admin);
}

/* A task is one task whichever version path started or reads it. */
E2E_TEST(reports_v1, tasks_shared_across_versions)
{
    char *app = e2e_token("demo-app");
    char *admin = e2e_token("demo-admin");
    char tail[128];
    struct http_res r;

    /* started under /v2024, polled under /reports/v1 and back */
    cJSON *old = run("v2024", app, ORPHANS);
    const char *oid = jstr(old, "id");
    cJSON *a = result(V1, app, oid, 0), *b = result("v2024", app, oid, 0);
    cr_expect(cJSON_Compare(a, b, 1), "the same ReportResults under both paths");
    cJSON_Delete(a);
    cJSON_Delete(b);

    /* the running task is found from the other path (non-concurrency) */
    cJSON *again = run(V1, app, ORPHANS);
    cr_expect_str_eq(jstr(again, "id"), oid);
    cJSON_Delete(again);

    /* started under /reports/v1, polled under every date version */
    cJSON *neu = run(V1, app, UNCORRELATED);
    const char *nid = jstr(neu, "id");
    static const char *const vers[] = {"v2024", "v3", "v2025", "v2026", V1};
    e2e_clock_advance(10 * 1000);
    cJSON *first = result(V1, app, nid, 1);
    for (size_t i = 0; i < sizeof vers / sizeof vers[0]; i++) {
        cJSON *got = result(vers[i], app, nid, 1);
        cr_expect(cJSON_Compare(got, first, 1), "%s: another ReportResults", vers[i]);
        cJSON_Delete(got);
    }
    cJSON_Delete(first);

    /* downloaded under /v2024; a task started under /v3 cancelled under /reports/v1 */
    snprintf(tail, sizeof tail, "%s?fileFormat=csv", nid);
    call(&r, "GET", "v2024", tail, app, NULL);
    cr_expect_eq(r.status, 200, "%ld %s", r.status, r.body);
    http_res_free(&r);
    cJSON *v3 = run("v3", admin, "{\"reportType\":\"IDENTITIES\",\"arguments\":{}}");
    snprintf(tail, sizeof tail, "%s/cancel", jstr(v3, "id"));
    call(&r, "POST", V1, tail, admin, NULL);
    cr_expect_eq(r.status, 204, "%ld %s", r.status, r.body);
    http_res_free(&r);
    cJSON *res = result("v3", app, jstr(v3, "id"), 1);
    cr_expect_str_eq(jstr(res, "status"), "TERMINATED");
    cJSON_Delete(res);

    cJSON_Delete(v3);
    cJSON_Delete(neu);
    cJSON_Delete(old);
    free(app);
    free(admin);
}

/* ------------------------------------------------------------------ */
/* Refusals: each one as /v2024 gives it                                */

enum who { NOBODY, BAD_TOKEN, APP, ADMIN, READER };

struct refusal {
    const char *what;
    const char *method;
    const char *tail; /* "{id}" stands for a running task's id */
    enum who who;
    const char *body;
    long status;
    const char *text; /* part of the message, NULL: any */
};

static const struct refusal refusals[] = {
    {"no token on run", "POST", "run", NOBODY, ORPHANS, 401, NULL},
    {"no token on result", "GET", "{id}/result", NOBODY, NULL, 401, NULL},
    {"no token on file", "GET", "{id}?fileFormat=csv", NOBODY, NULL, 401, NULL},
    {"no token on cancel", "POST", "{id}/cancel", NOBODY, NULL, 401, NULL},
    {"bad token", "GET", "{id}/result", BAD_TOKEN, NULL, 401, NULL},
    {"client token on cancel", "POST", "{id}/cancel", APP, NULL, 403, "client-credentials"},
    {"read-only user starts", "POST", "run", READER, ORPHANS, 403, "sp:report:manage"},
    {"read-only user cancels", "POST", "{id}/cancel", READER, NULL, 403, "sp:report:manage"},
    {"unknown report type", "POST", "run", APP, "{\"reportType\":\"NOPE\"}", 400, "reportType"},
    {"not JSON", "POST", "run", APP, "{", 400, NULL},
    {"missing argument", "POST", "run", APP, "{\"reportType\":\"IDENTITIES_DETAILS\"}", 400,
     "correlatedOnly"},
    {"no fileFormat", "GET", "{id}", APP, NULL, 400, "fileFormat"},
    {"bad fileFormat", "GET", "{id}?fileFormat=xlsx", APP, NULL, 400, "fileFormat"},
    {"bad completed", "GET", "{id}/result?completed=maybe", APP, NULL, 400, "completed"},
    {"unknown id: result", "GET", "ffffffffffffffffffffffffffffffff/result", APP, NULL, 404, NULL},
    {"unknown id: file", "GET", "ffffffffffffffffffffffffffffffff?fileFormat=csv", APP, NULL, 404,
     NULL},
    {"unknown id: cancel", "POST", "ffffffffffffffffffffffffffffffff/cancel", ADMIN, NULL, 404,
     NULL},
    {"not finished", "GET", "{id}?fileFormat=csv", APP, NULL, 404, "File Not Found"},
    {"GET run", "GET", "run", APP, NULL, 405, NULL},
    {"DELETE a task", "DELETE", "{id}", ADMIN, NULL, 405, NULL},
};

E2E_TABLE_PARAMS(reports_v1, refusals, refusals)

/* The message text of an error answer, with every `ver` path spelling taken out. */
static char *message_text(const struct http_res *r)
{
    const char *t = NULL;
    if (r->json && cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(r->json, "messages")))
        t = jstr(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r->json, "messages"), 0),
                 "text");
    else if (r->json)
        t = jstr(r->json, "error");
    char *s = strdup(t ? t : "");
    cr_assert(s != NULL);
    static const char *const spellings[] = {"/reports/v1/", "/v2024/reports/"};
    for (size_t i = 0; i < 2; i++) {
        char *p;
        while ((p = strstr(s, spellings[i])) != NULL) {
            size_t n = strlen(spellings[i]);
            memmove(p + 1, p + n, strlen(p + n) + 1);
        }
    }
    return s;
}

ParameterizedTest(size_t *i, reports_v1, refusals, .fini = e2e_fini, .timeout = 90.)
{
    const struct refusal *c = &refusals[*i];
    e2e_init();
    char *tok[] = {NULL, strdup("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.e30.AAAA"),
                   e2e_token("demo-app"), e2e_token("demo-admin"), e2e_token("demo-reader")};
    cJSON *task = run("v2024", tok[ADMIN], UNCORRELATED);
    char tail[256];
    const char *brace = strstr(c->tail, "{id}");
    if (brace)
        snprintf(tail, sizeof tail, "%.*s%s%s", (int)(brace - c->tail), c->tail, jstr(task, "id"),
                 brace + 4);
    else
        snprintf(tail, sizeof tail, "%s", c->tail);

    struct http_res v1, v2024;
    call(&v1, c->method, V1, tail, tok[c->who], c->body);
    call(&v2024, c->method, "v2024", tail, tok[c->who], c->body);
    cr_assert_eq(v1.status, c->status, "%s: %ld %s", c->what, v1.status, v1.body);
    cr_assert_eq(v2024.status, v1.status, "%s: /v2024 answers %ld", c->what, v2024.status);
    if (c->status == 401) {
        assert_401(&v1, NULL);
    } else {
        assert_error_dto(&v1, c->status, c->text);
        cr_expect_str_eq(jstr(v1.json, "detailCode"), jstr(v2024.json, "detailCode"), "%s",
                         c->what);
    }
    char *t1 = message_text(&v1), *t2 = message_text(&v2024);
    cr_expect_str_eq(t1, t2, "%s: the same text under both paths", c->what);
    char a1[64] = "", a2[64] = "";
    http_header(&v1, "Allow", a1, sizeof a1);
    http_header(&v2024, "Allow", a2, sizeof a2);
    cr_expect_str_eq(a1, a2, "%s: Allow", c->what);
    free(t1);
    free(t2);
    http_res_free(&v1);
    http_res_free(&v2024);
    cJSON_Delete(task);
    for (size_t k = 0; k < sizeof tok / sizeof tok[0]; k++)
        free(tok[k]);
    e2e_finish();
}

E2E_TEST(reports_v1, unknown_service_versions_are_404)
{
    char *app = e2e_token("demo-app");
    static const char *const paths[] = {
        "/reports/v2/run",   "/reports/beta/run", "/reports/v0/run",      "/reports/V1/run",
        "/reports/v1.1/run", "/reports/run",      "/reports/v1/run/more", "/v1/reports/run",
        "/reports/v1",       "/reports/v1/",      "//reports/v1/run",     "/search/v1/run",
    };
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        struct http_res r;
        api_call(&r, "POST", paths[i], app, ORPHANS);
        cr_expect_eq(r.status, 404, "%s: %ld", paths[i], r.status);
        if (r.status == 404)
            assert_error_dto(&r, 404, "No route");
        http_res_free(&r);
    }
    free(app);
}

/* ------------------------------------------------------------------ */
/* Rate limit: "reports/v1" is its own bucket                           */

static void expect_status(const char *ver, const char *token, long status, const char *what)
{
    struct http_res r;
    call(&r, "GET", ver, "ffffffffffffffffffffffffffffffff/result", token, NULL);
    cr_assert_eq(r.status, status, "%s under %s: %ld %s", what, ver, r.status, r.body);
    if (status == 429) {
        assert_json_eq(r.json, "{\"message\":\" Rate Limit Exceeded \"}");
        char ra[32];
        cr_expect(http_header(&r, "Retry-After", ra, sizeof ra) != NULL && atoi(ra) >= 1,
                  "%s: Retry-After", what);
    }
    http_res_free(&r);
}

E2E_TEST(reports_v1, own_rate_limit_bucket)
{
    e2e_restart((const char *[]){"--rate-limit", "3/10", NULL});
    char *app = e2e_token("demo-app");
    char *admin = e2e_token("demo-admin");
    for (int i = 0; i < 3; i++)
        expect_status(V1, app, 404, "admitted");
    expect_status(V1, app, 429, "fourth");
    for (int i = 0; i < 3; i++)
        expect_status("v2024", app, 404, "v2024 counts apart");
    expect_status("v2024", app, 429, "v2024 full");
    expect_status(V1, admin, 404, "another client counts apart");
    expect_status(V1, app, 429, "still full");
    e2e_clock_advance(10 * 1000);
    expect_status(V1, app, 404, "the next window");
    free(app);
    free(admin);
}

/* ------------------------------------------------------------------ */
/* Faults: by operationId (this path only) or by family (every version) */

E2E_TEST(reports_v1, fault_by_operation_id_hits_v1_only)
{
    char *app = e2e_token("demo-app");
    cJSON_Delete(
        ctl("POST", "/mock/faults", "{\"operation\":\"startReportV1\",\"status\":503}", 201));
    struct http_res r;
    call(&r, "POST", "v2024", "run", app, ORPHANS);
    cr_expect_eq(r.status, 200, "/v2024 is not faulted: %ld", r.status);
    http_res_free(&r);
    call(&r, "POST", V1, "run", app, ORPHANS);
    assert_error_dto(&r, 503, "Injected fault");
    http_res_free(&r);
    cJSON *f = ctl("GET", "/mock/faults/1", NULL, 200);
    cr_expect_eq(jnum(f, "calls"), 1, "only the /reports/v1 call was considered");
    cr_expect_eq(jnum(f, "hits"), 1);
    cJSON_Delete(f);

    /* an injected 404 on the file reads the same under both paths */
    cJSON_Delete(ctl("POST", "/mock/faults",
                     "{\"operation\":\"getReport\",\"status\":404,\"times\":2}", 201));
    struct http_res old;
    call(&r, "GET", V1, "ffffffffffffffffffffffffffffffff?fileFormat=csv", app, NULL);
    call(&old, "GET", "v2024", "ffffffffffffffffffffffffffffffff?fileFormat=csv", app, NULL);
    assert_error_dto(&r, 404, "Injected fault");
    assert_error_dto(&old, 404, "Injected fault");
    cr_expect_str_eq(jstr(r.json, "detailCode"), jstr(old.json, "detailCode"));
    http_res_free(&r);
    http_res_free(&old);
    free(app);
}

E2E_TEST(reports_v1, fault_by_family_hits_every_version)
{
    char *app = e2e_token("demo-app");
    cJSON_Delete(ctl("POST", "/mock/faults",
                     "{\"operation\":\"getReportResult\",\"status\":500,\"times\":3}", 201));
    struct http_res r;
    static const char *const vers[] = {"v2024", V1, "v3"};
    for (size_t i = 0; i < 3; i++) {
        call(&r, "GET", vers[i], "ffffffffffffffffffffffffffffffff/result", app, NULL);
        assert_error_dto(&r, 500, NULL);
        http_res_free(&r);
    }
    call(&r, "GET", V1, "ffffffffffffffffffffffffffffffff/result", app, NULL);
    cr_expect_eq(r.status, 404, "used up: %ld", r.status);
    http_res_free(&r);

    ctl_400("POST", "/mock/faults", "{\"operation\":\"startReportV2\",\"status\":500}",
            "startReportV1");
    ctl_400("POST", "/mock/faults", "{\"operation\":\"startreportv1\",\"status\":500}",
            "operation");
    free(app);
}

/* ------------------------------------------------------------------ */
/* Journal                                                              */

E2E_TEST(reports_v1, journal_records_path_operation_and_version)
{
    char *app = e2e_token("demo-app");
    cJSON *t = run(V1, app, ORPHANS);
    cJSON_Delete(result(V1, app, jstr(t, "id"), 0));
    cJSON_Delete(result("v2024", app, jstr(t, "id"), 0));

    cJSON *j = ctl("GET", "/mock/requests?version=reports/v1&order=asc", NULL, 200);
    cr_assert_eq(jnum(j, "count"), 2, "two calls under /reports/v1");
    cJSON *rows = cJSON_GetObjectItemCaseSensitive(j, "requests");
    const cJSON *run_row = cJSON_GetArrayItem(rows, 0), *res_row = cJSON_GetArrayItem(rows, 1);
    cr_expect_str_eq(jstr(run_row, "path"), "/reports/v1/run");
    cr_expect_str_eq(jstr(run_row, "operation"), "startReportV1");
    cr_expect_str_eq(jstr(run_row, "version"), "reports/v1");
    cr_expect_eq(jnum(run_row, "status"), 200);
    char want[128];
    snprintf(want, sizeof want, "/reports/v1/%s/result", jstr(t, "id"));
    cr_expect_str_eq(jstr(res_row, "path"), want);
    cr_expect_str_eq(jstr(res_row, "operation"), "getReportResultV1");
    cJSON_Delete(j);

    j = ctl("GET", "/mock/requests?version=v2024", NULL, 200);
    cr_expect_eq(jnum(j, "count"), 1);
    cr_expect_str_eq(
        jstr(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "requests"), 0), "operation"),
        "getReportResult");
    cJSON_Delete(j);
    j = ctl("GET", "/mock/requests?operation=startReportV1", NULL, 200);
    cr_expect_eq(jnum(j, "count"), 1);
    cJSON_Delete(j);
    j = ctl("GET", "/mock/requests?path=/reports/v1/*", NULL, 200);
    cr_expect_eq(jnum(j, "count"), 2);
    cJSON_Delete(j);
    cJSON_Delete(t);
    free(app);
}
