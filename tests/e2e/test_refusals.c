/*
 * test_refusals.c - every refusal of the authorization rules as tables: the
 * three demo clients against the four operations, then minted tokens with
 * chosen scopes, user context and user level. A 403 is an ErrorResponseDto
 * (detailCode "403 Forbidden") whose text names what is missing, and it
 * changes nothing. Then the error bodies themselves: each of 400, 403, 404,
 * 405, 413 and 500 is an ErrorResponseDto with a fresh trackingId that is
 * also in the server's log line for that request, and trackingIds never
 * repeat across connections served at once.
 *
 * (test_auth.c covers the 401s and one 403 of each kind; this file covers
 * the whole grid.)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <curl/curl.h>

#include "harness.h"

#define SOME_ID "0123456789abcdef0123456789abcdef"

static const char *const ids_body =
    "{\"reportType\":\"IDENTITIES\",\"arguments\":{\"correlatedOnly\":true}}";

enum op { OP_START, OP_RESULT, OP_FILE, OP_CANCEL };

static const char *const op_names[] = {"startReport", "getReportResult", "getReport",
                                       "cancelReport"};

/* The task's result "status" member: NULL while it runs. Caller frees. */
static char *task_status(const char *id)
{
    char *tok = e2e_token("demo-admin");
    cJSON *res = e2e_result("v2024", tok, id);
    const char *st = jstr(res, "status");
    char *out = st ? strdup(st) : NULL;
    cJSON_Delete(res);
    free(tok);
    return out;
}

/*
 * Calls `op` with `token` on `ver`. A task it needs is started first by
 * demo-app (and finished by the virtual clock for getReport; left running
 * for cancelReport); its id goes to task_id (33 bytes; "" for startReport).
 */
static void call_op(struct http_res *r, enum op op, const char *ver, const char *token,
                    char *task_id)
{
    char path[160];
    task_id[0] = '\0';
    if (op != OP_START) {
        char *app = e2e_token("demo-app");
        cJSON *t = e2e_run(ver, app, ids_body);
        cr_assert(is_hex32(jstr(t, "id")));
        memcpy(task_id, jstr(t, "id"), 33);
        cJSON_Delete(t);
        free(app);
        if (op == OP_FILE)
            e2e_clock_advance(60 * 1000);
    }
    switch (op) {
    case OP_START:
        snprintf(path, sizeof path, "/%s/reports/run", ver);
        api_call(r, "POST", path, token, ids_body);
        break;
    case OP_RESULT:
        snprintf(path, sizeof path, "/%s/reports/%s/result", ver, task_id);
        api_call(r, "GET", path, token, NULL);
        break;
    case OP_FILE:
        snprintf(path, sizeof path, "/%s/reports/%s?fileFormat=csv", ver, task_id);
        api_call(r, "GET", path, token, NULL);
        break;
    case OP_CANCEL:
        snprintf(path, sizeof path, "/%s/reports/%s/cancel", ver, task_id);
        api_call(r, "POST", path, token, NULL);
        break;
    }
}

/* Asserts a 403 refusal naming `missing`, and that it changed nothing. */
static void expect_403(const struct http_res *r, enum op op, const char *task_id, int tasks_before,
                       const char *missing, const char *what)
{
    assert_error_dto(r, 403, missing);
    cr_expect_str_eq(jstr(r->json, "detailCode"), "403 Forbidden", "%s", what);
    const char *text =
        jstr(cJSON_GetArrayItem(cJSON_GetObjectItem(r->json, "messages"), 0), "text");
    cr_expect(strstr(text, op_names[op]) != NULL, "%s: the text does not name %s: %s", what,
              op_names[op], text);
    if (op == OP_START)
        cr_expect_eq(e2e_task_count(NULL), tasks_before, "%s: a refused start stored a task", what);
    if (op == OP_CANCEL) {
        char *st = task_status(task_id);
        cr_expect_null(st, "%s: a refused cancel ended the task (%s)", what, st ? st : "");
        free(st);
    }
}

/* Asserts the answer an allowed call gets. */
static void expect_allowed(const struct http_res *r, enum op op, const char *task_id,
                           const char *what)
{
    long want = op == OP_CANCEL ? 204 : 200;
    cr_assert_eq(r->status, want, "%s: want %ld, got %ld %s", what, want, r->status, r->body);
    if (op == OP_START)
        cr_expect(is_hex32(jstr(r->json, "id")), "%s: %s", what, r->body);
    if (op == OP_RESULT)
        cr_expect_str_eq(jstr(r->json, "id"), task_id, "%s", what);
    if (op == OP_CANCEL) {
        char *st = task_status(task_id);
        cr_expect(st != NULL && strcmp(st, "TERMINATED") == 0, "%s: status %s", what,
                  st ? st : "null");
        free(st);
    }
}

/* ------------------------------------------------------------------ */
/* The demo clients                                                     */

struct demo_case {
    const char *client;
    enum op op;
    long status;
    const char *missing; /* what a 403 text names */
};

static const struct demo_case demo_cases[] = {
    {"demo-admin", OP_START, 200, NULL},
    {"demo-admin", OP_RESULT, 200, NULL},
    {"demo-admin", OP_FILE, 200, NULL},
    {"demo-admin", OP_CANCEL, 204, NULL},
    {"demo-app", OP_START, 200, NULL},
    {"demo-app", OP_RESULT, 200, NULL},
    {"demo-app", OP_FILE, 200, NULL},
    {"demo-app", OP_CANCEL, 403, "client-credentials"},
    {"demo-reader", OP_START, 403, "sp:report:manage"},
    {"demo-reader", OP_RESULT, 200, NULL},
    {"demo-reader", OP_FILE, 200, NULL},
    {"demo-reader", OP_CANCEL, 403, "sp:report:manage"},
};

E2E_TABLE_PARAMS(refusals, demo_clients, demo_cases)

ParameterizedTest(size_t *i, refusals, demo_clients, .fini = e2e_fini, .timeout = 90.)
{
    const struct demo_case *c = &demo_cases[*i];
    char what[128], task_id[33];
    snprintf(what, sizeof what, "%s %s", c->client, op_names[c->op]);
    e2e_init();
    char *tok = e2e_token(c->client);
    int before = e2e_task_count(NULL);
    struct http_res r;
    call_op(&r, c->op, "v2024", tok, task_id);
    if (c->status == 403) {
        expect_403(&r, c->op, task_id, before, c->missing, what);
    } else {
        cr_expect_eq(r.status, c->status, "%s: table and answer disagree", what);
        expect_allowed(&r, c->op, task_id, what);
    }
    http_res_free(&r);
    free(tok);
    e2e_finish();
}

/* The same refusals on every version the mock serves. */
E2E_TEST(refusals, every_version)
{
    static const char *const vers[] = {"v2024", "v3", "v2025", "v2026"};
    char *reader = e2e_token("demo-reader");
    char *app = e2e_token("demo-app");
    for (size_t v = 0; v < sizeof vers / sizeof vers[0]; v++) {
        char task_id[33];
        struct http_res r;
        int before = e2e_task_count(NULL);
        call_op(&r, OP_START, vers[v], reader, task_id);
        expect_403(&r, OP_START, task_id, before, "sp:report:manage", vers[v]);
        http_res_free(&r);
        call_op(&r, OP_CANCEL, vers[v], app, task_id);
        expect_403(&r, OP_CANCEL, task_id, 0, "client-credentials", vers[v]);
        http_res_free(&r);
    }
    free(app);
    free(reader);
}

/* ------------------------------------------------------------------ */
/* Minted tokens                                                        */

struct minted_case {
    const char *id;
    const char *token_json; /* POST /mock/tokens body */
    enum op op;
    long status;
    const char *missing;
};

#define CC(scopes) "{\"clientId\":\"ci-bot\",\"scopes\":\"" scopes "\"}"
#define USER(scopes, level)                                                                        \
    "{\"clientId\":\"ci-bot\",\"scopes\":\"" scopes "\",\"userContext\":true,"                     \
    "\"userLevel\":\"" level "\"}"

static const struct minted_case minted_cases[] = {
    /* Scopes of client-credentials tokens. */
    {"cc_read_start", CC("sp:report:read"), OP_START, 403, "sp:report:manage"},
    {"cc_read_result", CC("sp:report:read"), OP_RESULT, 200, NULL},
    {"cc_read_file", CC("sp:report:read"), OP_FILE, 200, NULL},
    {"cc_manage_start", CC("sp:report:manage"), OP_START, 200, NULL},
    {"cc_manage_result", CC("sp:report:manage"), OP_RESULT, 200, NULL},
    {"cc_manage_file", CC("sp:report:manage"), OP_FILE, 200, NULL},
    {"cc_all_start", CC("sp:scopes:all"), OP_START, 200, NULL},
    {"cc_all_cancel", CC("sp:scopes:all"), OP_CANCEL, 403, "client-credentials"},
    {"cc_manage_cancel", CC("sp:report:manage"), OP_CANCEL, 403, "client-credentials"},
    {"cc_default_result", CC("sp:scopes:default"), OP_RESULT, 403, "sp:report:read"},
    {"cc_default_file", CC("sp:scopes:default"), OP_FILE, 403, "sp:report:read"},
    {"cc_default_start", CC("sp:scopes:default"), OP_START, 403, "sp:report:manage"},
    {"cc_prefix_scope", CC("sp:report"), OP_RESULT, 403, "sp:report:read"},
    {"cc_longer_scope", CC("sp:report:read:x"), OP_RESULT, 403, "sp:report:read"},
    /* User levels: startReport lists seven; the other operations none. */
    {"user_helpdesk_start", USER("sp:report:manage", "HELPDESK"), OP_START, 403, "ORG_ADMIN"},
    {"user_helpdesk_all_start", USER("sp:scopes:all", "HELPDESK"), OP_START, 403, "REPORT_ADMIN"},
    {"user_dashboard_start", USER("sp:report:manage", "DASHBOARD"), OP_START, 403, "user level"},
    {"user_lowercase_start", USER("sp:report:manage", "org_admin"), OP_START, 403, "user level"},
    {"user_helpdesk_result", USER("sp:report:manage", "HELPDESK"), OP_RESULT, 200, NULL},
    {"user_helpdesk_file", USER("sp:report:read", "HELPDESK"), OP_FILE, 200, NULL},
    {"user_helpdesk_cancel", USER("sp:report:manage", "HELPDESK"), OP_CANCEL, 204, NULL},
    {"user_read_cancel", USER("sp:report:read", "ORG_ADMIN"), OP_CANCEL, 403, "sp:report:manage"},
    {"user_org_admin_start", USER("sp:report:manage", "ORG_ADMIN"), OP_START, 200, NULL},
    {"user_cert_admin_start", USER("sp:report:manage", "CERT_ADMIN"), OP_START, 200, NULL},
    {"user_report_admin_start", USER("sp:report:manage", "REPORT_ADMIN"), OP_START, 200, NULL},
    {"user_role_admin_start", USER("sp:report:manage", "ROLE_ADMIN"), OP_START, 200, NULL},
    {"user_role_subadmin_start", USER("sp:report:manage", "ROLE_SUBADMIN"), OP_START, 200, NULL},
    {"user_source_admin_start", USER("sp:report:manage", "SOURCE_ADMIN"), OP_START, 200, NULL},
    {"user_source_subadmin_start", USER("sp:report:manage", "SOURCE_SUBADMIN"), OP_START, 200,
     NULL},
    {"user_read_start", USER("sp:report:read", "ORG_ADMIN"), OP_START, 403, "sp:report:manage"},
};

E2E_TABLE_PARAMS(refusals, minted_tokens, minted_cases)

ParameterizedTest(size_t *i, refusals, minted_tokens, .fini = e2e_fini, .timeout = 90.)
{
    const struct minted_case *c = &minted_cases[*i];
    char what[160], task_id[33];
    snprintf(what, sizeof what, "%s (%s)", c->id, op_names[c->op]);
    e2e_init();
    struct http_res m;
    api_call(&m, "POST", "/mock/tokens", NULL, c->token_json);
    cr_assert_eq(m.status, 200, "%s: POST /mock/tokens %s: %ld %s", c->id, c->token_json, m.status,
                 m.body);
    int before = e2e_task_count(NULL);
    struct http_res r;
    call_op(&r, c->op, "v2024", jstr(m.json, "access_token"), task_id);
    if (c->status == 403) {
        expect_403(&r, c->op, task_id, before, c->missing, what);
    } else {
        cr_expect_eq(r.status, c->status, "%s: table and answer disagree", what);
        expect_allowed(&r, c->op, task_id, what);
    }
    http_res_free(&r);
    http_res_free(&m);
    e2e_finish();
}

/* ------------------------------------------------------------------ */
/* Error bodies and their trackingIds                                   */

struct err_case {
    const char *id;
    long status;
    const char *detail_code;
    const char *text_part;
    const char *method; /* as logged */
    const char *path;   /* as logged (no query) */
};

static const struct err_case err_cases[] = {
    {"400_validation", 400, "400.1 Bad Request Content", "reportType", "POST",
     "/v2024/reports/run"},
    {"400_control", 400, "400.1 Bad Request Content", "advanceMs", "POST", "/mock/clock"},
    {"403", 403, "403 Forbidden", "sp:report:manage", "POST", "/v2024/reports/run"},
    {"404_task", 404, "404 Not found", SOME_ID, "GET", "/v2024/reports/" SOME_ID "/result"},
    {"404_file", 404, "404 Not found", "File Not Found", "GET", "/v2024/reports/" SOME_ID},
    {"404_route", 404, "404 Not found", "/v2024/nothing", "GET", "/v2024/nothing"},
    {"404_control", 404, "404 Not found", "nobody", "GET", "/mock/clients/nobody"},
    {"405", 405, "405 Method Not Allowed", "PUT", "PUT", "/v2024/reports/run"},
    {"413", 413, "413 Payload Too Large", "larger", "POST", "/v2024/reports/run"},
    {"500", 500, "500.0 Internal Fault", NULL, "GET", "/v2024/reports/" SOME_ID "/result"},
};

/* A body of `size` bytes: a valid start request padded with spaces. */
static char *big_body(size_t size)
{
    char *b = malloc(size + 1);
    cr_assert(b != NULL);
    memset(b, ' ', size);
    memcpy(b, ids_body, strlen(ids_body));
    b[size] = '\0';
    return b;
}

/* Produces one answer of case `c`. */
static void make_error(struct http_res *r, const struct err_case *c)
{
    char *app = e2e_token("demo-app");
    if (strcmp(c->id, "400_validation") == 0) {
        api_call(r, "POST", "/v2024/reports/run", app, "{\"reportType\":\"NOT_A_REPORT\"}");
    } else if (strcmp(c->id, "400_control") == 0) {
        api_call(r, "POST", "/mock/clock", NULL, "{}");
    } else if (strcmp(c->id, "403") == 0) {
        char *reader = e2e_token("demo-reader");
        api_call(r, "POST", "/v2024/reports/run", reader, ids_body);
        free(reader);
    } else if (strcmp(c->id, "404_task") == 0) {
        api_call(r, "GET", "/v2024/reports/" SOME_ID "/result", app, NULL);
    } else if (strcmp(c->id, "404_file") == 0) {
        api_call(r, "GET", "/v2024/reports/" SOME_ID "?fileFormat=csv", app, NULL);
    } else if (strcmp(c->id, "404_route") == 0) {
        api_call(r, "GET", "/v2024/nothing", app, NULL);
    } else if (strcmp(c->id, "404_control") == 0) {
        api_call(r, "GET", "/mock/clients/nobody", NULL, NULL);
    } else if (strcmp(c->id, "405") == 0) {
        api_call(r, "PUT", "/v2024/reports/run", app, ids_body);
    } else if (strcmp(c->id, "413") == 0) {
        char *body = big_body(1024 * 1024 + 1);
        api_call(r, "POST", "/v2024/reports/run", app, body);
        free(body);
    } else {
        struct http_res f;
        api_call(&f, "POST", "/mock/faults", NULL,
                 "{\"operation\":\"getReportResult\",\"status\":500,\"times\":1}");
        cr_assert_eq(f.status, 201, "POST /mock/faults: %ld %s", f.status, f.body);
        http_res_free(&f);
        api_call(r, "GET", "/v2024/reports/" SOME_ID "/result", app, NULL);
    }
    free(app);
}

/*
 * Waits up to 3 s for the request's log line: the one with "tracking=<id>"
 * that reads " METHOD PATH STATUS ". Returns how many such lines there are
 * and, in *others, how many other lines carry the trackingId (an internal
 * error's detail); *other_text gets the last of those (malloc'd or NULL).
 */
static int request_lines(const char *tracking_id, const char *req, int *others, char **other_text)
{
    char needle[128];
    int n = 0;
    snprintf(needle, sizeof needle, "tracking=%s", tracking_id);
    *others = 0;
    *other_text = NULL;
    for (int i = 0; i < 300 && n == 0; i++) {
        if (i > 0)
            usleep(10000);
        char *err = mock_proc_stderr(&e2e_srv);
        char *save = NULL;
        n = 0;
        *others = 0;
        free(*other_text);
        *other_text = NULL;
        for (char *line = strtok_r(err, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
            if (strstr(line, needle) == NULL)
                continue;
            if (strstr(line, req) != NULL) {
                n++;
            } else {
                (*others)++;
                free(*other_text);
                *other_text = strdup(line);
            }
        }
        free(err);
    }
    return n;
}

#define ERR_REPEAT 3

E2E_TABLE_PARAMS(refusals, error_bodies, err_cases)

ParameterizedTest(size_t *i, refusals, error_bodies, .fini = e2e_fini, .timeout = 90.)
{
    const struct err_case *c = &err_cases[*i];
    char ids[ERR_REPEAT][33];
    char req[512];
    snprintf(req, sizeof req, " %s %s %ld ", c->method, c->path, c->status);
    e2e_init();
    for (int k = 0; k < ERR_REPEAT; k++) {
        struct http_res r;
        make_error(&r, c);
        assert_error_dto(&r, c->status, c->text_part);
        cr_expect_str_eq(jstr(r.json, "detailCode"), c->detail_code, "%s", c->id);
        const cJSON *msgs = cJSON_GetObjectItemCaseSensitive(r.json, "messages");
        cr_expect_eq(cJSON_GetArraySize(msgs), 1, "%s: %s", c->id, r.body);
        const char *text = jstr(cJSON_GetArrayItem(msgs, 0), "text");
        cr_expect(strlen(text) >= 10, "%s: a text that says what was wrong: %s", c->id, r.body);
        memcpy(ids[k], jstr(r.json, "trackingId"), 33);
        for (int j = 0; j < k; j++)
            cr_expect(strcmp(ids[j], ids[k]) != 0, "%s: trackingId %s repeated", c->id, ids[k]);

        /* One request log line with that trackingId, the request and the status. */
        int others = 0;
        char *detail = NULL;
        int n = request_lines(ids[k], req, &others, &detail);
        cr_expect_eq(n, 1, "%s: %d log lines read \"%s\" with trackingId %s", c->id, n, req,
                     ids[k]);
        if (c->status == 500) {
            /* The detail goes to the log under the same trackingId, not to the client. */
            cr_expect_eq(others, 1, "%s: no detail line for trackingId %s", c->id, ids[k]);
            const char *fault = "Injected fault";
            cr_expect(detail != NULL && strstr(detail, fault) != NULL, "%s: detail line: %s", c->id,
                      detail ? detail : "(none)");
            cr_expect(strstr(r.body, fault) == NULL, "%s: the detail reached the client: %s", c->id,
                      r.body);
        } else {
            cr_expect_eq(others, 0, "%s: other lines with trackingId %s: %s", c->id, ids[k],
                         detail ? detail : "");
        }
        free(detail);
        http_res_free(&r);
    }
    e2e_finish();
}

/* With --log-format json the line carries the same trackingId as a member. */
E2E_TEST(refusals, json_log_has_the_tracking_id)
{
    e2e_restart((const char *[]){"--log-format", "json", NULL});
    struct http_res r;
    make_error(&r, &err_cases[3]); /* 404_task */
    assert_error_dto(&r, 404, NULL);
    const char *id = jstr(r.json, "trackingId");
    int found = 0;
    for (int i = 0; i < 300 && !found; i++) {
        char *err = mock_proc_stderr(&e2e_srv);
        char *save = NULL;
        for (char *line = strtok_r(err, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
            cJSON *j = cJSON_Parse(line);
            const char *t = jstr(j, "trackingId");
            if (t != NULL && strcmp(t, id) == 0) {
                found = 1;
                cr_expect_eq(jnum(j, "status"), 404, "%s", line);
                cr_expect_str_eq(jstr(j, "path"), "/v2024/reports/" SOME_ID "/result");
                cr_expect_str_eq(jstr(j, "client_id"), "demo-app");
            }
            cJSON_Delete(j);
        }
        free(err);
        if (!found)
            usleep(10000);
    }
    cr_expect(found, "no JSON log line with trackingId %s", id);
    http_res_free(&r);
}

/* ---- trackingIds from many connections at once ---- */

#define ID_CLIENTS 4
#define ID_REQUESTS 150 /* per client, on one keep-alive connection */

struct id_client {
    const char *base;
    char ids[ID_REQUESTS][33];
    struct buf_sink {
        char data[2048];
        size_t len;
    } body;
    const char *fail; /* NULL, or a static reason */
};

static size_t sink_write(char *p, size_t size, size_t n, void *ud)
{
    struct buf_sink *b = ud;
    size_t len = size * n;
    if (len >= sizeof(b->data) - b->len)
        return 0; /* an error body is far smaller: fail the transfer */
    memcpy(b->data + b->len, p, len);
    b->len += len;
    b->data[b->len] = '\0';
    return len;
}

/* One client: ID_REQUESTS requests of an unknown route, each answer's trackingId kept. */
static void *collect_ids(void *arg)
{
    struct id_client *c = arg;
    char url[512];
    snprintf(url, sizeof url, "%s/v2024/no-such-route", c->base);
    CURL *h = curl_easy_init();
    if (!h) {
        c->fail = "out of memory";
        return NULL;
    }
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)(30 * test_timeout_scale()));
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink_write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &c->body);
    for (int i = 0; i < ID_REQUESTS && !c->fail; i++) {
        c->body.len = 0;
        long status = 0;
        if (curl_easy_perform(h) != CURLE_OK) {
            c->fail = "a request failed";
            break;
        }
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
        cJSON *j = status == 404 ? cJSON_Parse(c->body.data) : NULL;
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "trackingId");
        if (cJSON_IsString(t) && strlen(t->valuestring) == 32)
            memcpy(c->ids[i], t->valuestring, 33);
        else
            c->fail = "an answer without a 32-character trackingId";
        cJSON_Delete(j);
    }
    curl_easy_cleanup(h);
    return NULL;
}

static int cmp_id(const void *a, const void *b)
{
    return memcmp(a, b, 33);
}

/* Every answer's trackingId is 32 hex digits and none repeats, across all
 * the server's threads; and the digits are not biased (each of the 128 bits
 * is set in about half of them). */
E2E_TEST(refusals, tracking_ids_are_unique_across_concurrent_connections)
{
    static struct id_client clients[ID_CLIENTS];
    pthread_t t[ID_CLIENTS];
    for (int i = 0; i < ID_CLIENTS; i++) {
        memset(&clients[i], 0, sizeof clients[i]);
        clients[i].base = e2e_srv.url;
        cr_assert_eq(pthread_create(&t[i], NULL, collect_ids, &clients[i]), 0);
    }
    for (int i = 0; i < ID_CLIENTS; i++) {
        pthread_join(t[i], NULL);
        cr_assert_null(clients[i].fail, "client %d: %s", i, clients[i].fail);
    }
    enum { N = ID_CLIENTS * ID_REQUESTS };
    static char all[N][33];
    int ones[128] = {0};
    for (int i = 0; i < ID_CLIENTS; i++)
        memcpy(all[i * ID_REQUESTS], clients[i].ids, sizeof clients[i].ids);
    for (int k = 0; k < N; k++) {
        cr_assert_eq(strspn(all[k], "0123456789abcdef"), 32, "trackingId %s", all[k]);
        for (int d = 0; d < 32; d++) {
            int v = all[k][d] <= '9' ? all[k][d] - '0' : all[k][d] - 'a' + 10;
            for (int b = 0; b < 4; b++)
                ones[d * 4 + b] += (v >> b) & 1;
        }
    }
    qsort(all, N, sizeof all[0], cmp_id);
    for (int k = 1; k < N; k++)
        cr_expect_neq(memcmp(all[k - 1], all[k], 33), 0, "trackingId %s repeated", all[k]);
    /* 600 fair bits: a mean of 300 and a deviation of about 12; 200 and 400
     * are more than 8 deviations away, so only a broken generator gets there. */
    for (int b = 0; b < 128; b++)
        cr_expect(ones[b] > N / 3 && ones[b] < 2 * N / 3, "bit %d set in %d of %d trackingIds", b,
                  ones[b], N);
}
