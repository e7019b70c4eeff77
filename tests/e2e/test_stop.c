/*
 * test_stop.c - how the server stops while a request is held by an injected
 * delay longer than the stop's grace: the held request gets a 503
 * ErrorResponseDto (never a dropped socket), one signal waits out the grace,
 * and a second signal stops at once. Keep-alive clients are told to close
 * during the grace, so they cannot keep the stop waiting.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "harness.h"

#define GRACE_MS 10000 /* the server's grace after the first signal */

/* A request sent on a raw socket from its own thread; no assertions there. */
struct held {
    int port;
    char request[1024];
    char answer[8192]; /* everything read until the server closed or 30 s passed */
    pthread_t thread;
};

static void *held_main(void *arg)
{
    struct held *h = arg;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)h->port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct timeval tv = {30, 0};
    if (fd < 0)
        return NULL;
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0 &&
        write(fd, h->request, strlen(h->request)) == (ssize_t)strlen(h->request)) {
        size_t len = 0;
        ssize_t n;
        while (len + 1 < sizeof h->answer &&
               (n = read(fd, h->answer + len, sizeof h->answer - 1 - len)) > 0)
            len += (size_t)n;
        h->answer[len] = '\0';
    }
    close(fd);
    return NULL;
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Injects a 60 s delay on getReportResult and sends one poll that it holds. */
static void hold_one_request(struct held *h)
{
    cJSON *f =
        ctl("POST", "/mock/faults", "{\"operation\":\"getReportResult\",\"delayMs\":60000}", 201);
    cJSON_Delete(f);
    char *tok = e2e_token("demo-app");
    h->port = atoi(strrchr(e2e_srv.url, ':') + 1);
    snprintf(h->request, sizeof h->request,
             "GET /v2024/reports/0123456789abcdef0123456789abcdef/result HTTP/1.1\r\n"
             "Host: 127.0.0.1\r\nAuthorization: Bearer %s\r\nConnection: close\r\n\r\n",
             tok);
    free(tok);
    cr_assert_eq(pthread_create(&h->thread, NULL, held_main, h), 0);
    /* Held once the fault counted a hit. */
    for (int i = 0; i < 500; i++) {
        cJSON *list = ctl("GET", "/mock/faults", NULL, 200);
        cJSON *first = cJSON_GetArrayItem(cJSON_GetObjectItem(list, "faults"), 0);
        int hits = first ? (int)jnum(first, "hits") : 0;
        cJSON_Delete(list);
        if (hits >= 1)
            return;
        usleep(10000);
    }
    cr_assert_fail("the poll was never held by the fault");
}

/* Waits up to `ms` for the server to exit; its exit code, or -1 on a timeout. */
static int wait_exit(int ms)
{
    for (int waited = 0; waited < ms; waited += 10) {
        int st;
        pid_t r = waitpid(e2e_srv.pid, &st, WNOHANG);
        if (r == e2e_srv.pid) {
            e2e_srv.pid = 0;
            mock_proc_stop(&e2e_srv); /* closes the pipe and the stderr file */
            return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        }
        usleep(10000);
    }
    return -1;
}

static void expect_503(const struct held *h)
{
    cr_expect(strncmp(h->answer, "HTTP/1.1 503", 12) == 0, "held request got: \"%s\"", h->answer);
    const char *body = strstr(h->answer, "\r\n\r\n");
    cr_assert(body != NULL, "no body: \"%s\"", h->answer);
    cJSON *o = cJSON_Parse(body + 4);
    cr_assert(o != NULL, "body is not JSON: \"%s\"", body + 4);
    cr_expect(strncmp(jstr(o, "detailCode") ? jstr(o, "detailCode") : "", "503", 3) == 0, "%s",
              body + 4);
    cr_expect(is_hex32(jstr(o, "trackingId")), "%s", body + 4);
    cJSON_Delete(o);
}

E2E_TEST(stop, second_signal_stops_at_once_and_held_request_gets_503)
{
    struct held h;
    memset(&h, 0, sizeof h);
    hold_one_request(&h);
    int64_t t0 = mono_ms();
    kill(e2e_srv.pid, SIGTERM);
    usleep(200 * 1000);
    kill(e2e_srv.pid, SIGINT);
    int code = wait_exit(GRACE_MS);
    int64_t took = mono_ms() - t0;
    pthread_join(h.thread, NULL);
    cr_expect_eq(code, 0, "exit %d", code);
    cr_expect_lt(took, GRACE_MS / 2, "the second signal did not cut the grace: %lld ms",
                 (long long)took);
    expect_503(&h);
}

Test(stop, held_request_gets_503_after_the_grace, .fini = e2e_fini, .timeout = 60.)
{
    e2e_init();
    struct held h;
    memset(&h, 0, sizeof h);
    hold_one_request(&h);
    int64_t t0 = mono_ms();
    kill(e2e_srv.pid, SIGTERM);
    int code = wait_exit(GRACE_MS + 5000);
    int64_t took = mono_ms() - t0;
    pthread_join(h.thread, NULL);
    cr_expect_eq(code, 0, "exit %d", code);
    cr_expect_geq(took, GRACE_MS - 500, "stopped before the grace: %lld ms", (long long)took);
    expect_503(&h);
}

/* Sends `req` on fd and reads one whole answer (headers and Content-Length bytes) into out. */
static void keep_alive_exchange(int fd, const char *req, char *out, size_t cap)
{
    cr_assert(write(fd, req, strlen(req)) == (ssize_t)strlen(req));
    size_t len = 0;
    const char *body = NULL;
    long want = -1;
    while (len + 1 < cap) {
        ssize_t n = read(fd, out + len, cap - 1 - len);
        cr_assert(n > 0, "the answer ended after %zu bytes", len);
        len += (size_t)n;
        out[len] = '\0';
        if (!body && (body = strstr(out, "\r\n\r\n")) != NULL) {
            const char *cl = strcasestr(out, "\r\nContent-Length:");
            cr_assert(cl != NULL && cl < body, "no Content-Length: %s", out);
            want = strtol(cl + 17, NULL, 10);
        }
        if (body && (long)(len - (size_t)(body + 4 - out)) >= want)
            return;
    }
    cr_assert_fail("an answer over %zu bytes", cap);
}

/* 1 when a new connection to port is refused (the listening socket is closed). */
static int refused(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int r = connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0;
    close(fd);
    return r;
}

/* During the grace, an answer on a kept-alive connection says Connection: close and the
 * connection ends; before the stop it did not. Without that, a client that keeps asking on
 * its connection keeps a request in flight and holds the stop for the whole grace. */
E2E_TEST(stop, keep_alive_is_closed_during_the_grace)
{
    struct held h;
    memset(&h, 0, sizeof h);
    hold_one_request(&h);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)h.port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct timeval tv = {10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    cr_assert(connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0);
    static const char req[] = "GET /mock/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    char answer[8192];
    keep_alive_exchange(fd, req, answer, sizeof answer);
    cr_expect(strcasestr(answer, "\r\nConnection: close") == NULL, "before the stop: %s", answer);
    kill(e2e_srv.pid, SIGTERM);
    int64_t until = mono_ms() + 5000;
    while (!refused(h.port) && mono_ms() < until)
        usleep(10000);
    cr_assert(refused(h.port), "still accepting connections 5 s after SIGTERM");
    keep_alive_exchange(fd, req, answer, sizeof answer);
    cr_expect(strncmp(answer, "HTTP/1.1 200", 12) == 0, "during the grace: %s", answer);
    cr_expect(strcasestr(answer, "\r\nConnection: close") != NULL, "during the grace: %s", answer);
    char c;
    cr_expect_eq(read(fd, &c, 1), 0, "the connection stayed open after Connection: close");
    close(fd);
    kill(e2e_srv.pid, SIGINT); /* the held request would wait out the grace */
    cr_expect_eq(wait_exit(GRACE_MS), 0);
    pthread_join(h.thread, NULL);
    expect_503(&h);
}
