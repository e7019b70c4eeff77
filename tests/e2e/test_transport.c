/*
 * test_transport.c - requests at the edge of what the transport holds: a
 * query with more parameters than any route reads is a JSON 414, never an
 * empty reply, up to sizes that once exhausted libmicrohttpd's memory.
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
