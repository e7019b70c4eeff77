/*
 * test_control_strict.c - what the control API refuses since its bodies are
 * read as strictly as the API's: trailing data, \u0000, numbers beyond a
 * double, unknown members and query parameters, unknown operations, clock
 * moves out of range; and the defence against web pages (Content-Type,
 * Host, Origin). Each refusal is a table row with a stable id.
 */
#include <stdio.h>
#include <string.h>

#include "harness.h"

struct refusal {
    const char *id;
    const char *method;
    const char *path;
    const char *body; /* NULL: none */
    const char *part; /* what the 400 message names */
};

static const struct refusal refusals[] = {
    {"trailing_data", "PUT", "/mock/reports/ACCOUNTS", "{\"durationMs\":5} x", "unexpected data"},
    {"two_values", "POST", "/mock/faults", "{\"operation\":\"*\",\"drop\":true}{}",
     "unexpected data"},
    {"nul_escape", "POST", "/mock/clients",
     "{\"clientId\":\"ci\\u0000bot\",\"clientSecret\":\"x\"}", "\\u0000"},
    {"nul_escape_in_message", "POST", "/mock/reports/next",
     "{\"messages\":[{\"type\":\"INFO\",\"key\":\"a\\u0000b\"}]}", "\\u0000"},
    {"huge_number", "PUT", "/mock/reports/ACCOUNTS", "{\"durationMs\":1e400}", "out of range"},
    {"huge_seed", "POST", "/mock/faults",
     "{\"operation\":\"*\",\"delayMs\":1,\"probability\":0.5,\"seed\":-1e999}", "out of range"},
    {"clock_unknown_field", "POST", "/mock/clock", "{\"advanceMs\":1,\"advance\":2}", "advance'"},
    {"clock_wrong_type", "POST", "/mock/clock", "{\"now\":5}", "now"},
    {"clock_advance_overflow", "POST", "/mock/clock", "{\"advanceMs\":9223372036854775807}",
     "advanceMs"},
    {"clock_advance_past_9000", "POST", "/mock/clock", "{\"advanceMs\":221845391999999}",
     "advanceMs"},
    {"clock_epoch_past_9000", "POST", "/mock/clock", "{\"epochMs\":221845392000000}", "epochMs"},
    {"clock_now_past_9000", "POST", "/mock/clock", "{\"now\":\"9999-12-31T23:59:59Z\"}", "now"},
    {"clock_before_1970", "POST", "/mock/clock", "{\"now\":\"1969-12-31T23:59:59Z\"}", "now"},
    {"journal_unknown_filter", "GET", "/mock/requests?operaton=startReport", NULL, "operaton"},
    {"journal_unknown_operation", "GET", "/mock/requests?operation=startRepot", NULL, "operation"},
    {"journal_star_operation", "GET", "/mock/requests?operation=*", NULL, "operation"},
    {"tasks_unknown_filter", "GET", "/mock/tasks?type=ACCOUNTS", NULL, "'type'"},
    {"audit_unknown_filter", "GET", "/mock/audit?task=x", NULL, "'task'"},
    {"faults_unknown_operation", "POST", "/mock/faults",
     "{\"operation\":\"getReports\",\"drop\":true}", "operation"},
};

E2E_TEST(control_strict, refusals)
{
    for (size_t i = 0; i < sizeof refusals / sizeof refusals[0]; i++) {
        const struct refusal *c = &refusals[i];
        struct http_res r;
        const char *h[] = {"Content-Type: application/json", NULL};
        http_req(&r, c->method, c->path, h, c->body, c->body ? strlen(c->body) : 0);
        cr_expect_eq(r.status, 400, "%s: %ld %s", c->id, r.status, r.body);
        if (r.status == 400)
            assert_error_dto(&r, 400, c->part);
        http_res_free(&r);
    }
}

/* A refused clock move leaves the clock where it was. */
E2E_TEST(control_strict, refused_clock_move_changes_nothing)
{
    int64_t before = e2e_clock_now();
    ctl_400("POST", "/mock/clock", "{\"advanceMs\":221845391999999}", "advanceMs");
    cr_expect_eq(e2e_clock_now(), before);
    /* The last instant allowed is shown as a real date. */
    cJSON *c = ctl("POST", "/mock/clock", "{\"epochMs\":221845391999999}", 200);
    cr_expect_str_eq(jstr(c, "now"), "8999-12-31T23:59:59.999Z");
    cJSON_Delete(c);
    ctl_400("POST", "/mock/clock", "{\"advanceMs\":1}", "advanceMs");
}

/* A body that is not declared JSON is refused; a bodiless request is fine. */
E2E_TEST(control_strict, json_content_type)
{
    static const char *const types[] = {
        NULL, "Content-Type: text/plain", "Content-Type: application/x-www-form-urlencoded",
        "Content-Type: multipart/form-data; boundary=x", "Content-Type: application/jsonx"};
    const char *body = "{\"drop\":true,\"operation\":\"*\"}";
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        struct http_res r;
        const char *h[] = {types[i] ? types[i] : "Content-Type:", NULL};
        http_req(&r, "POST", "/mock/faults", h, body, strlen(body));
        assert_error_dto(&r, 400, "application/json");
        http_res_free(&r);
    }
    cJSON *f = ctl("GET", "/mock/faults", NULL, 200);
    cr_expect_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(f, "faults")), 0,
                 "a refused body added a fault");
    cJSON_Delete(f);
    struct http_res r;
    const char *charset[] = {"Content-Type: Application/JSON; charset=utf-8", NULL};
    http_req(&r, "POST", "/mock/clock", charset, "{\"advanceMs\":1}", 15);
    cr_expect_eq(r.status, 200, "JSON with a charset: %ld %s", r.status, r.body);
    http_res_free(&r);
    http_req(&r, "POST", "/mock/reset", NULL, NULL, 0);
    cr_expect_eq(r.status, 200, "bodiless reset: %ld %s", r.status, r.body);
    http_res_free(&r);
}

/* Host and Origin must be the server's own. */
E2E_TEST(control_strict, foreign_host_or_origin)
{
    const char *port = strrchr(e2e_srv.url, ':') + 1;
    char evil_host[64], evil_origin[80], own_origin[160], other_port[80], local_host[64];
    snprintf(evil_host, sizeof evil_host, "Host: rebind.example:%s", port);
    snprintf(evil_origin, sizeof evil_origin, "Origin: http://evil.example");
    snprintf(own_origin, sizeof own_origin, "Origin: %s", e2e_srv.url);
    snprintf(other_port, sizeof other_port, "Origin: http://127.0.0.1:1");
    snprintf(local_host, sizeof local_host, "Host: localhost:%s", port);
    const char *const refused[][3] = {
        {evil_host, NULL, NULL},
        {evil_origin, NULL, NULL},
        {other_port, NULL, NULL},
        {"Origin: null", NULL, NULL},
        {evil_host, "Origin: http://rebind.example", NULL},
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        struct http_res r;
        http_req(&r, "POST", "/mock/reset", refused[i], NULL, 0);
        assert_error_dto(&r, 403, "control API");
        http_res_free(&r);
        http_req(&r, "POST", "/mock/clients", refused[i], NULL, 0);
        cr_expect_eq(r.status, 403, "%s %s: %ld", refused[i][0], refused[i][1] ? refused[i][1] : "",
                     r.status);
        http_res_free(&r);
    }
    const char *const allowed[][2] = {{own_origin, NULL}, {local_host, NULL}};
    for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++) {
        struct http_res r;
        http_req(&r, "GET", "/mock/clock", allowed[i], NULL, 0);
        cr_expect_eq(r.status, 200, "%s: %ld %s", allowed[i][0], r.status, r.body);
        http_res_free(&r);
    }
    /* Health answers whatever the origin: it holds nothing to protect. */
    struct http_res r;
    http_req(&r, "GET", "/mock/health", refused[0], NULL, 0);
    cr_expect_eq(r.status, 200, "health with a foreign Host: %ld", r.status);
    http_res_free(&r);
}

/* --allowed-hosts adds names (a Docker service name) that Host and Origin may carry. */
Test(control_strict, allowed_hosts_flag, .fini = e2e_fini, .timeout = 60.)
{
    static const char *const args[] = {"--allowed-hosts", "isc-mock, mock.internal", NULL};
    e2e_start(args, NULL, 1);
    const char *port = strrchr(e2e_srv.url, ':') + 1;
    char svc[64], svc_origin[80], other[64], svc_evil[80], second[64];
    snprintf(svc, sizeof svc, "Host: isc-mock:%s", port);
    snprintf(svc_origin, sizeof svc_origin, "Origin: http://isc-mock:%s", port);
    snprintf(second, sizeof second, "Host: MOCK.internal:%s", port);
    snprintf(other, sizeof other, "Host: isc-mock2:%s", port);
    snprintf(svc_evil, sizeof svc_evil, "Origin: http://evil.example");
    const char *const ok[][3] = {{svc, NULL, NULL}, {svc, svc_origin, NULL}, {second, NULL, NULL}};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        struct http_res r;
        http_req(&r, "POST", "/mock/reset", ok[i], NULL, 0);
        cr_expect_eq(r.status, 200, "%s %s: %ld %s", ok[i][0], ok[i][1] ? ok[i][1] : "", r.status,
                     r.body);
        http_res_free(&r);
    }
    const char *const refused[][3] = {{other, NULL, NULL}, {svc, svc_evil, NULL}};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        struct http_res r;
        http_req(&r, "POST", "/mock/reset", refused[i], NULL, 0);
        assert_error_dto(&r, 403, "control API");
        http_res_free(&r);
    }
    e2e_finish();
}
