/*
 * test_shutdown.c - SIGTERM while requests are in flight: the server must
 * stop accepting, finish what it has, and exit 0, every time, over many
 * cycles with keep-alive and fresh connections mixed. (libmicrohttpd's
 * epoll mode can abort the process in a graceful stop; that race is too rare
 * for this loop to hit reliably, which is why the server uses poll().)
 */
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "harness.h"

#define CYCLES 40
#define CLIENTS 8

struct load {
    const char *url;
    atomic_int stop;
    atomic_long answered;
    atomic_int fresh;
};

/* One keep-alive client polling the health route until told to stop. */
static void *client_main(void *arg)
{
    struct load *l = arg;
    char url[256];
    snprintf(url, sizeof(url), "%s/mock/health", l->url);
    CURL *c = curl_easy_init();
    if (!c)
        return NULL;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, e2e_discard);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 2000L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    /* Every other client opens a new connection per request: the workers
     * then handle accepts and closes right when the stop comes. */
    curl_easy_setopt(c, CURLOPT_FORBID_REUSE, (long)(l->fresh++ % 2));
    for (int i = 0; i < 100000 && !atomic_load(&l->stop); i++) {
        if (curl_easy_perform(c) == CURLE_OK)
            atomic_fetch_add(&l->answered, 1);
    }
    curl_easy_cleanup(c);
    return NULL;
}

Test(shutdown, sigterm_under_load_always_exits_0, .timeout = 240.)
{
    const char *args[] = {"--threads", "8", "--quiet", NULL};
    for (int cycle = 0; cycle < CYCLES; cycle++) {
        struct mock_proc p;
        memset(&p, 0, sizeof(p));
        cr_assert_eq(mock_proc_start(&p, args, NULL, 1), 0, "cycle %d: no start", cycle);
        struct load l = {.url = p.url};
        atomic_init(&l.stop, 0);
        atomic_init(&l.answered, 0);
        atomic_init(&l.fresh, 0);
        pthread_t t[CLIENTS];
        for (int i = 0; i < CLIENTS; i++)
            cr_assert_eq(pthread_create(&t[i], NULL, client_main, &l), 0);
        /* Let the load build up, then stop the server in the middle of it. */
        struct timespec pause = {0, 20 * 1000 * 1000};
        for (int i = 0; i < 100 && atomic_load(&l.answered) < 50; i++)
            nanosleep(&pause, NULL);
        int st = mock_proc_stop(&p);
        atomic_store(&l.stop, 1);
        for (int i = 0; i < CLIENTS; i++)
            pthread_join(t[i], NULL);
        cr_assert_gt(atomic_load(&l.answered), 0, "cycle %d: no request was answered", cycle);
        cr_assert_eq(st, 0, "cycle %d: exit status %d after SIGTERM under load", cycle, st);
    }
}
