/*
 * test_transport.c - requests at the edge of what the transport holds: a
 * query with more parameters than any route reads is a JSON 414, never an
 * empty reply, up to sizes that once exhausted libmicrohttpd's memory; an
 * encoded NUL or '/' that decoding would turn into a cut value or another
 * route is a 400.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "harness.h"

#define QUERY_MAX 100 /* the server's limit (HTTP_QUERY_MAX) */

/*
 * GET /v2024/reports/x/result with n parameters "pI=1" over a raw socket (an
 * HTTP client library caps URL lengths); the answer parsed into r. An empty
 * reply leaves r->status 0.
 */
static void get_with_params(struct http_res *r, int n)
{
    size_t cap = 128 + (size_t)n * 12;
    char *req = malloc(cap);
    cr_assert_not_null(req);
    size_t len = (size_t)snprintf(req, cap, "GET /v2024/reports/x/result");
    for (int i = 0; i < n; i++)
        len += (size_t)snprintf(req + len, cap - len, "%cp%d=1", i ? '&' : '?', i);
    len += (size_t)snprintf(req + len, cap - len,
                            " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert(fd >= 0);
    struct sockaddr_in sa = {.sin_family = AF_INET};
    sa.sin_port = htons((uint16_t)atoi(strrchr(e2e_srv.url, ':') + 1));
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct timeval tv = {10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    cr_assert(connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0);
    cr_assert(write(fd, req, len) == (ssize_t)len, "could not send %d parameters", n);
    free(req);
    memset(r, 0, sizeof *r);
    size_t got = 0, bufcap = 65536;
    char *buf = malloc(bufcap);
    ssize_t k;
    cr_assert_not_null(buf);
    while (got + 1 < bufcap && (k = read(fd, buf + got, bufcap - 1 - got)) > 0)
        got += (size_t)k;
    buf[got] = '\0';
    close(fd);
    char *body = strstr(buf, "\r\n\r\n");
    if (strncmp(buf, "HTTP/1.1 ", 9) == 0 && body) {
        r->status = strtol(buf + 9, NULL, 10);
        r->body = strdup(body + 4);
        r->len = strlen(r->body);
        r->head = strndup(buf, (size_t)(body - buf));
        r->head_len = strlen(r->head);
        r->json = cJSON_Parse(r->body);
    }
    free(buf);
}

/* At the limit the request goes on (and meets the missing token). */
E2E_TEST(transport, query_at_the_limit_goes_on)
{
    struct http_res r;
    get_with_params(&r, QUERY_MAX);
    assert_401(&r, NULL);
    http_res_free(&r);
}

/* Past it, and far past it (1,000 and 2,000 parameters once got an empty reply): a JSON 414. */
E2E_TEST(transport, too_many_query_parameters_are_a_json_414)
{
    static const int counts[] = {QUERY_MAX + 1, 1000, 2000};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        struct http_res r;
        get_with_params(&r, counts[i]);
        cr_expect_neq(r.status, 0, "%d parameters: an empty reply", counts[i]);
        assert_error_dto(&r, 414, "parameters");
        http_res_free(&r);
    }
    /* The server is fine afterwards. */
    cJSON *h = ctl("GET", "/mock/health", NULL, 200);
    cJSON_Delete(h);
}

/* A finished IDENTITIES task of demo-app; its id is copied into `id` (33 bytes). */
static void finished_task(const char *tok, char *id)
{
    cJSON *task = e2e_run(
        "v2024", tok, "{\"reportType\":\"IDENTITIES\",\"arguments\":{\"correlatedOnly\":true}}");
    snprintf(id, 33, "%s", jstr(task, "id"));
    cJSON_Delete(task);
    e2e_clock_advance(60 * 1000);
    cJSON *res = e2e_result_done("v2024", tok, id, 30);
    cr_assert_str_eq(jstr(res, "status"), "SUCCESS");
    cJSON_Delete(res);
}

/* Each target ({id}: a real finished task's id) is a 400 naming what is wrong;
 * decoded, each would have reached another route or a shorter value. */
static const struct {
    const char *target;
    const char *text; /* part of the 400's text */
} encoded_refusals[] = {
    {"/v2024/reports/{id}?fileFormat=csv%00pdf", "'fileFormat' holds an encoded NUL"},
    {"/v2024/reports/{id}?fileFormat=csv&name=a%00b", "'name' holds an encoded NUL"},
    {"/v2024/reports/{id}?file%00Format=csv", "'file%00Format' holds an encoded NUL"},
    {"/v2024/reports/{id}%00/result", "holds an encoded NUL"},
    {"/v2024/reports/{id}%00x?fileFormat=csv", "holds an encoded NUL"},
    {"/v2024/reports/ab%2Fcd/result?x={id}", "'ab%2Fcd' holds an encoded '/'"},
    {"/v2024/reports/ab%2fcd/result?x={id}", "'ab%2fcd' holds an encoded '/'"},
    {"/v2024/reports%2F{id}/result", "'reports%2F"},
    {"/mock/tasks%2F{id}", "holds an encoded '/'"},
};

/* `tmpl` with its "{id}" replaced by `id`, into out. */
static void expand(char *out, size_t cap, const char *tmpl, const char *id)
{
    const char *at = strstr(tmpl, "{id}");
    cr_assert_not_null(at);
    snprintf(out, cap, "%.*s%s%s", (int)(at - tmpl), tmpl, id, at + 4);
}

E2E_TEST(transport, encoded_nul_and_slash_are_400)
{
    char *tok = e2e_token("demo-app");
    char id[33], path[256];
    finished_task(tok, id);
    for (size_t i = 0; i < sizeof encoded_refusals / sizeof encoded_refusals[0]; i++) {
        struct http_res r;
        expand(path, sizeof path, encoded_refusals[i].target, id);
        api_call(&r, "GET", path, tok, NULL);
        cr_expect_eq(r.status, 400, "%s: %ld %s", path, r.status, r.body);
        if (r.status == 400)
            assert_error_dto(&r, 400, encoded_refusals[i].text);
        http_res_free(&r);
    }
    /* The same file without the stray bytes downloads: the refusals were not about the task. */
    struct http_res r;
    snprintf(path, sizeof path, "/v2024/reports/%s?fileFormat=csv", id);
    api_call(&r, "GET", path, tok, NULL);
    cr_expect_eq(r.status, 200, "%s: %ld", path, r.status);
    http_res_free(&r);
    free(tok);
}

/* The token endpoint refuses an encoded NUL in its shape (RFC 6749 invalid_request). */
E2E_TEST(transport, encoded_nul_at_the_token_endpoint_is_an_oauth_400)
{
    struct http_res r;
    http_req(&r, "POST",
             "/oauth/token?grant_type=client_credentials&client_id=demo-app%00x&client_secret="
             "demo-app-secret",
             NULL, NULL, 0);
    cr_expect_eq(r.status, 400, "%ld %s", r.status, r.body);
    cr_expect_str_eq(jstr(r.json, "error"), "invalid_request");
    const char *why = jstr(r.json, "error_description");
    cr_expect(why && strstr(why, "'client_id'"), "%s", r.body);
    http_res_free(&r);
}

/* What decoding may keep: a '/' in a query value (journal filters take paths), and "%25"
 * that decodes to a literal "%2F" or "%00" inside a segment. */
E2E_TEST(transport, literal_percent_and_slash_in_a_value_are_kept)
{
    char *tok = e2e_token("demo-app");
    struct http_res r;
    api_call(&r, "GET", "/v2024/reports/ab%252Fcd%2500/result", tok, NULL);
    assert_error_dto(&r, 404, NULL);
    http_res_free(&r);
    cJSON *j =
        ctl("GET", "/mock/requests?path=%2Fv2024%2Freports%2Fab%252Fcd%2500%2Fresult", NULL, 200);
    cr_expect_eq(jnum(j, "count"), 1, "the journal filter on a path with '/' found %g",
                 jnum(j, "count"));
    cJSON_Delete(j);
    free(tok);
}
