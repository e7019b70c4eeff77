/*
 * test_run.c - POST /reports/run: the TaskResultDetails of a new task, one
 * 400 per kind of invalid body naming the field, malformed and non-object
 * JSON, bodies over 1 MiB (413, nothing stored), and non-concurrency.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "harness.h"

static const char *const identities_body =
    "{\"reportType\":\"IDENTITIES\",\"arguments\":{\"correlatedOnly\":true}}";

E2E_TEST(run, new_task_details)
{
    char *tok = e2e_token("demo-app");
    struct http_res r;
    api_call(&r, "POST", "/v2024/reports/run", tok,
             "{\"reportType\":\"IDENTITIES_DETAILS\",\"arguments\":{\"correlatedOnly\":true}}");
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    char ct[128];
    cr_assert(http_header(&r, "Content-Type", ct, sizeof ct) != NULL);
    cr_expect(strncmp(ct, "application/json", 16) == 0, "%s", ct);
    const cJSON *t = r.json;
    cr_expect(is_hex32(jstr(t, "id")), "id %s", r.body);
    cr_expect_str_eq(jstr(t, "reportType"), "IDENTITIES_DETAILS");
    cr_expect_str_eq(jstr(t, "taskDefName"), "Identities Details Report");
    const char *type = jstr(t, "type");
    cr_expect(type != NULL && (strcmp(type, "QUARTZ") == 0 || strcmp(type, "QPOC") == 0 ||
                               strcmp(type, "MENTOS") == 0 || strcmp(type, "QUEUED_TASK") == 0),
              "type %s", r.body);
    cr_expect(jstr(t, "description") != NULL, "%s", r.body);
    cr_expect(jstr(t, "launcher") != NULL, "%s", r.body);
    cr_expect(jhas(t, "parentName"), "parentName absent (nullable fields are sent): %s", r.body);
    cr_expect(is_rfc3339_ms(jstr(t, "created")), "created %s", r.body);
    cr_expect(is_rfc3339_ms(jstr(t, "launched")), "launched %s", r.body);
    cr_expect(jnull(t, "completed"), "completed must be an explicit null: %s", r.body);
    cr_expect(jnull(t, "completionStatus"), "completionStatus must be null: %s", r.body);
    cr_expect(jstr(t, "progress") != NULL, "progress must be set while running: %s", r.body);
    cr_expect(cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(t, "messages")), "%s", r.body);
    cr_expect(cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(t, "returns")), "%s", r.body);
    cr_expect(cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(t, "attributes")), "%s", r.body);

    /* created is the virtual clock's now. */
    struct http_res c;
    http_req(&c, "GET", "/mock/clock", NULL, NULL, 0);
    cr_expect_str_eq(jstr(t, "created"), jstr(c.json, "now"));
    http_res_free(&c);

    cr_expect_eq(e2e_task_count(NULL), E2E_FIXTURE_TASKS + 1);
    http_res_free(&r);
    free(tok);
}

E2E_TEST(run, sdk_style_request)
{
    /* What the TypeScript SDK sends along; X-SailPoint-Experimental is ignored. */
    char *tok = e2e_token("demo-app");
    char auth[4096];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", tok);
    const char *h[] = {auth,
                       "Content-Type: application/json",
                       "Accept: application/json, text/plain, */*",
                       "User-Agent: OpenAPI-Generator/1.4.15/ts",
                       "X-SailPoint-SDK: typescript-1.4.15",
                       "X-SailPoint-Experimental: true",
                       NULL};
    struct http_res r;
    http_req(&r, "POST", "/v2024/reports/run", h, identities_body, strlen(identities_body));
    cr_expect_eq(r.status, 200, "%ld %s", r.status, r.body);
    http_res_free(&r);
    free(tok);
}

struct bad_body {
    const char *id;
    const char *body;
    const char *field; /* the message names it ("a|b": either) */
};

static const struct bad_body bad_bodies[] = {
    {"no_report_type", "{\"arguments\":{}}", "reportType"},
    {"empty_object", "{}", "reportType"},
    {"unknown_report_type", "{\"reportType\":\"SALES\",\"arguments\":{}}", "reportType"},
    {"lowercase_report_type", "{\"reportType\":\"identities\"}", "reportType"},
    {"report_type_number", "{\"reportType\":7}", "reportType"},
    {"report_type_null", "{\"reportType\":null}", "reportType"},
    {"arguments_string", "{\"reportType\":\"IDENTITIES\",\"arguments\":\"x\"}", "arguments"},
    {"arguments_array", "{\"reportType\":\"IDENTITIES\",\"arguments\":[]}", "arguments"},
    {"accounts_no_arguments", "{\"reportType\":\"ACCOUNTS\"}", "application|arguments"},
    {"accounts_no_application",
     "{\"reportType\":\"ACCOUNTS\",\"arguments\":{\"sourceName\":\"Active Directory\"}}",
     "application"},
    {"accounts_no_source_name",
     "{\"reportType\":\"ACCOUNTS\",\"arguments\":{\"application\":\"abc\"}}", "sourceName"},
    {"accounts_application_number",
     "{\"reportType\":\"ACCOUNTS\",\"arguments\":{\"application\":5,\"sourceName\":\"AD\"}}",
     "application"},
    {"details_no_correlated_only", "{\"reportType\":\"IDENTITIES_DETAILS\",\"arguments\":{}}",
     "correlatedOnly"},
    {"details_correlated_only_string",
     "{\"reportType\":\"IDENTITIES_DETAILS\",\"arguments\":{\"correlatedOnly\":\"yes\"}}",
     "correlatedOnly"},
    {"identities_correlated_only_number",
     "{\"reportType\":\"IDENTITIES\",\"arguments\":{\"correlatedOnly\":1}}", "correlatedOnly"},
    {"profile_error_no_source",
     "{\"reportType\":\"IDENTITY_PROFILE_IDENTITY_ERROR\",\"arguments\":{}}",
     "authoritativeSource"},
    {"profile_error_source_bool",
     "{\"reportType\":\"IDENTITY_PROFILE_IDENTITY_ERROR\",\"arguments\":{\"authoritativeSource\":"
     "true}}",
     "authoritativeSource"},
    {"orphan_formats_string",
     "{\"reportType\":\"ORPHAN_IDENTITIES\",\"arguments\":{\"selectedFormats\":\"CSV\"}}",
     "selectedFormats"},
    {"orphan_formats_unknown",
     "{\"reportType\":\"ORPHAN_IDENTITIES\",\"arguments\":{\"selectedFormats\":[\"XLSX\"]}}",
     "selectedFormats"},
    {"uncorrelated_formats_number",
     "{\"reportType\":\"UNCORRELATED_ACCOUNTS\",\"arguments\":{\"selectedFormats\":[1]}}",
     "selectedFormats"},
    {"search_no_query", "{\"reportType\":\"SEARCH_EXPORT\",\"arguments\":{\"indices\":[]}}",
     "query"},
    {"search_query_number", "{\"reportType\":\"SEARCH_EXPORT\",\"arguments\":{\"query\":5}}",
     "query"},
    {"search_indices_unknown",
     "{\"reportType\":\"SEARCH_EXPORT\",\"arguments\":{\"query\":\"*\",\"indices\":[\"nope\"]}}",
     "indices"},
    {"search_indices_string",
     "{\"reportType\":\"SEARCH_EXPORT\",\"arguments\":{\"query\":\"*\",\"indices\":"
     "\"identities\"}}",
     "indices"},
    {"search_columns_array",
     "{\"reportType\":\"SEARCH_EXPORT\",\"arguments\":{\"query\":\"*\",\"columns\":[\"a\"]}}",
     "columns"},
    {"search_sort_string",
     "{\"reportType\":\"SEARCH_EXPORT\",\"arguments\":{\"query\":\"*\",\"sort\":\"name\"}}",
     "sort"},
};

static int names_field(const char *text, const char *fields)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", fields);
    char *save = NULL;
    for (char *f = strtok_r(buf, "|", &save); f; f = strtok_r(NULL, "|", &save))
        if (strstr(text, f) != NULL)
            return 1;
    return 0;
}

/* One 400 ErrorResponseDto per kind of invalid body, naming the field; nothing stored. */
E2E_TEST(run, validation_names_the_field)
{
    char *tok = e2e_token("demo-app");
    for (size_t i = 0; i < sizeof bad_bodies / sizeof bad_bodies[0]; i++) {
        const struct bad_body *c = &bad_bodies[i];
        struct http_res r;
        api_call(&r, "POST", "/v2024/reports/run", tok, c->body);
        cr_expect_eq(r.status, 400, "%s: %ld %s", c->id, r.status, r.body);
        if (r.status == 400) {
            assert_error_dto(&r, 400, NULL);
            const cJSON *m = cJSON_GetArrayItem(cJSON_GetObjectItem(r.json, "messages"), 0);
            cr_expect(names_field(jstr(m, "text"), c->field), "%s: message does not name %s: %s",
                      c->id, c->field, r.body);
        }
        http_res_free(&r);
    }
    cr_expect_eq(e2e_task_count(NULL), E2E_FIXTURE_TASKS, "an invalid body stored a task");
    free(tok);
}

/* Malformed JSON and JSON that is not an object: 400 ErrorResponseDto. */
E2E_TEST(run, not_a_json_object)
{
    static const char *const bodies[] = {
        "{\"reportType\":",
        "{'reportType':'IDENTITIES'}",
        "reportType=IDENTITIES",
        "[]",
        "[{\"reportType\":\"IDENTITIES\"}]",
        "\"IDENTITIES\"",
        "42",
        "null",
        "true",
        "{\"reportType\":\"IDENTITIES\"} trailing",
    };
    char *tok = e2e_token("demo-app");
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        struct http_res r;
        api_call(&r, "POST", "/v2024/reports/run", tok, bodies[i]);
        cr_expect_eq(r.status, 400, "%s: %ld %s", bodies[i], r.status, r.body);
        if (r.status == 400)
            assert_error_dto(&r, 400, NULL);
        http_res_free(&r);
    }
    /* No body at all. */
    struct http_res r;
    api_call(&r, "POST", "/v2024/reports/run", tok, NULL);
    cr_expect_eq(r.status, 400, "empty body: %ld %s", r.status, r.body);
    if (r.status == 400)
        assert_error_dto(&r, 400, NULL);
    http_res_free(&r);
    cr_expect_eq(e2e_task_count(NULL), E2E_FIXTURE_TASKS);
    free(tok);
}

/* A body of exactly `size` bytes: a valid report with padding in an extra member. */
static char *padded_body(size_t size)
{
    const char *head = "{\"reportType\":\"IDENTITIES\",\"arguments\":{\"correlatedOnly\":true},"
                       "\"padding\":\"";
    const char *tail = "\"}";
    char *b = malloc(size + 1);
    cr_assert(b != NULL);
    size_t hl = strlen(head), tl = strlen(tail);
    cr_assert(size > hl + tl);
    memcpy(b, head, hl);
    memset(b + hl, 'x', size - hl - tl);
    memcpy(b + size - tl, tail, tl);
    b[size] = '\0';
    return b;
}

E2E_TEST(run, oversize_body_413_nothing_stored)
{
    char *tok = e2e_token("demo-app");
    static const size_t sizes[] = {1024 * 1024 + 1, 3 * 1024 * 1024};
    for (size_t i = 0; i < 2; i++) {
        char *body = padded_body(sizes[i]);
        struct http_res r;
        api_call(&r, "POST", "/v2024/reports/run", tok, body);
        assert_error_dto(&r, 413, NULL);
        http_res_free(&r);
        free(body);
    }
    cr_expect_eq(e2e_task_count(NULL), E2E_FIXTURE_TASKS, "an oversize body stored a task");

    /* The server still serves after refusing. */
    cJSON *t = e2e_run("v2024", tok, identities_body);
    cJSON_Delete(t);
    cr_expect_eq(e2e_task_count(NULL), E2E_FIXTURE_TASKS + 1);
    free(tok);
}

E2E_TEST(run, body_of_exactly_1_mib_is_not_413)
{
    char *tok = e2e_token("demo-app");
    char *body = padded_body(1024 * 1024);
    struct http_res r;
    api_call(&r, "POST", "/v2024/reports/run", tok, body);
    cr_expect_neq(r.status, 413, "1 MiB is the limit, not over it");
    cr_expect(r.status == 200 || r.status == 400, "%ld %s", r.status, r.body);
    http_res_free(&r);
    free(body);
    free(tok);
}

/* Without a token the oversize body is still a 401: authentication answers first. */
E2E_TEST(run, oversize_without_token_is_401)
{
    char *body = padded_body(2 * 1024 * 1024);
    struct http_res r;
    api_call(&r, "POST", "/v2024/reports/run", NULL, body);
    assert_401(&r, NULL);
    http_res_free(&r);
    free(body);
    cr_expect_eq(e2e_task_count(NULL), E2E_FIXTURE_TASKS);
}

E2E_TEST(run, same_report_while_running_is_the_same_task)
{
    char *tok = e2e_token("demo-app");
    char *admin = e2e_token("demo-admin");
    cJSON *a = e2e_run("v2024", tok, identities_body);
    /* Same arguments, keys in another order and other spacing, another client. */
    cJSON *b = e2e_run("v2024", admin,
                       "{ \"arguments\" : { \"correlatedOnly\" : true }, \"reportType\" : "
                       "\"IDENTITIES\" }");
    cr_expect_str_eq(jstr(a, "id"), jstr(b, "id"));
    /* Different arguments, different type: new tasks. */
    cJSON *c = e2e_run("v2024", tok,
                       "{\"reportType\":\"IDENTITIES\",\"arguments\":{\"correlatedOnly\":false}}");
    cJSON *d = e2e_run("v2024", tok,
                       "{\"reportType\":\"IDENTITIES_DETAILS\",\"arguments\":{\"correlatedOnly\":"
                       "true}}");
    cr_expect_str_neq(jstr(a, "id"), jstr(c, "id"));
    cr_expect_str_neq(jstr(a, "id"), jstr(d, "id"));
    cr_expect_eq(e2e_task_count(NULL), E2E_FIXTURE_TASKS + 3);

    /* Once finished, the same report starts a new task. */
    e2e_clock_advance(60 * 1000);
    cJSON *e = e2e_run("v2024", tok, identities_body);
    cr_expect_str_neq(jstr(a, "id"), jstr(e, "id"));
    cr_expect(jnull(e, "completed"), "a new task is running");
    cr_expect_eq(e2e_task_count(NULL), E2E_FIXTURE_TASKS + 4);

    cJSON_Delete(a);
    cJSON_Delete(b);
    cJSON_Delete(c);
    cJSON_Delete(d);
    cJSON_Delete(e);
    free(tok);
    free(admin);
}

/* Arguments absent and arguments {} are the same report for non-concurrency. */
E2E_TEST(run, absent_arguments_equal_empty)
{
    char *tok = e2e_token("demo-app");
    cJSON *a = e2e_run("v2024", tok, "{\"reportType\":\"UNCORRELATED_ACCOUNTS\"}");
    cJSON *b = e2e_run("v2024", tok, "{\"reportType\":\"UNCORRELATED_ACCOUNTS\",\"arguments\":{}}");
    cr_expect_str_eq(jstr(a, "id"), jstr(b, "id"));
    cJSON_Delete(a);
    cJSON_Delete(b);
    free(tok);
}
