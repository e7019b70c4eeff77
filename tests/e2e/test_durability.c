/*
 * test_durability.c - what a client was answered holds at once and after a
 * crash: tokens minted from many threads work on another connection right
 * away; startReports from many threads all get tasks of their own that poll
 * at once; with --db FILE, a token and the tasks answered before a kill -9
 * are there after the restart.
 */
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "harness.h"

#define THREADS 8
#define ROUNDS 25

/* One thread's client: its own handles (one for each of two connections), what it got. */
struct client {
    const char *url;
    int index;
    CURL *mint, *use;
    char body[8192];
    size_t len;
    int failures; /* answers that were not what the round needed */
    char first_failure[256];
    char ids[ROUNDS][40]; /* startReport: the task ids it was given */
};

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    struct client *c = ud;
    size_t k = size * n;
    if (c->len + k >= sizeof(c->body))
        k = sizeof(c->body) - 1 - c->len;
    memcpy(c->body + c->len, p, k);
    c->len += k;
    c->body[c->len] = '\0';
    return size * n;
}

static CURL *handle(struct client *c)
{
    CURL *h = curl_easy_init();
    if (!h)
        return NULL;
    curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)(30000 * test_timeout_scale()));
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, c);
    return h;
}

/* One request on handle h; the HTTP status, 0 on a transport failure. The
 * body is in c->body. */
static long request(struct client *c, CURL *h, const char *method, const char *path,
                    const char *token, const char *ctype, const char *body)
{
    char url[512], auth[2048], type[128];
    struct curl_slist *hdr = NULL;
    long status = 0;
    snprintf(url, sizeof(url), "%s%s", c->url, path);
    c->len = 0;
    c->body[0] = '\0';
    if (token) {
        snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
        hdr = curl_slist_append(hdr, auth);
    }
    if (ctype) {
        snprintf(type, sizeof(type), "Content-Type: %s", ctype);
        hdr = curl_slist_append(hdr, type);
    }
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    if (!body)
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    if (curl_easy_perform(h) == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(hdr);
    return status;
}

static void fail(struct client *c, const char *what, long status)
{
    if (c->failures++ == 0)
        snprintf(c->first_failure, sizeof(c->first_failure), "thread %d: %s: %ld %.120s", c->index,
                 what, status, c->body);
}

/* The string member `key` of the JSON in c->body, into out ("" when absent). */
static void member(const struct client *c, const char *key, char *out, size_t outlen)
{
    cJSON *j = cJSON_Parse(c->body);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);
    snprintf(out, outlen, "%s", cJSON_IsString(v) ? v->valuestring : "");
    cJSON_Delete(j);
}

/* A startReport with arguments of its own (N, a printf format of the value). */
#define RUN_BODY(N)                                                                                \
    "{\"reportType\":\"IDENTITY_PROFILE_IDENTITY_ERROR\",\"arguments\":{"                          \
    "\"authoritativeSource\":\"2c9180847de347aa017de8ef09167792\",\"n\":\"" N "\"}}"

#define TOKEN_BODY                                                                                 \
    "grant_type=client_credentials&client_id=demo-admin&client_secret=demo-admin-secret"

/* Each round: a token on one connection, used at once on the other. */
static void *mint_and_use(void *arg)
{
    struct client *c = arg;
    char token[2048], path[128];
    snprintf(path, sizeof(path), "/v2024/reports/%s/result", E2E_EXAMPLE_TASK);
    for (int i = 0; i < ROUNDS; i++) {
        long st = request(c, c->mint, "POST", "/oauth/token", NULL,
                          "application/x-www-form-urlencoded", TOKEN_BODY);
        member(c, "access_token", token, sizeof(token));
        if (st != 200 || !token[0]) {
            fail(c, "token", st);
            continue;
        }
        st = request(c, c->use, "GET", path, token, NULL, NULL);
        if (st != 200)
            fail(c, "the new token at once", st);
    }
    return NULL;
}

/* Each round: a startReport with arguments of its own on one connection,
 * its task polled at once on the other. */
static void *start_and_poll(void *arg)
{
    struct client *c = arg;
    char token[2048], body[256], path[128];
    long st = request(c, c->mint, "POST", "/oauth/token", NULL, "application/x-www-form-urlencoded",
                      TOKEN_BODY);
    member(c, "access_token", token, sizeof(token));
    if (st != 200 || !token[0]) {
        fail(c, "token", st);
        return NULL;
    }
    for (int i = 0; i < ROUNDS; i++) {
        snprintf(body, sizeof(body), RUN_BODY("%d-%d"), c->index, i);
        st = request(c, c->mint, "POST", "/v2024/reports/run", token, "application/json", body);
        member(c, "id", c->ids[i], sizeof(c->ids[i]));
        if (st != 200 || strlen(c->ids[i]) != 32) {
            fail(c, "startReport", st);
            c->ids[i][0] = '\0';
            continue;
        }
        snprintf(path, sizeof(path), "/v2024/reports/%s/result", c->ids[i]);
        st = request(c, c->use, "GET", path, token, NULL, NULL);
        if (st != 200)
            fail(c, "the new task's poll at once", st);
    }
    return NULL;
}

/* Runs fn in THREADS threads against e2e_srv; asserts that no round failed. */
static void run_clients(void *(*fn)(void *), struct client *c)
{
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++) {
        c[i].url = e2e_srv.url;
        c[i].index = i;
        c[i].mint = handle(&c[i]);
        c[i].use = handle(&c[i]);
        cr_assert(c[i].mint && c[i].use);
        cr_assert_eq(pthread_create(&t[i], NULL, fn, &c[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        curl_easy_cleanup(c[i].mint);
        curl_easy_cleanup(c[i].use);
    }
    for (int i = 0; i < THREADS; i++)
        cr_expect_eq(c[i].failures, 0, "%d rounds failed; the first: %s", c[i].failures,
                     c[i].first_failure);
}

static const char *const no_limit[] = {"--rate-limit", "0", NULL};

Test(durability, tokens_from_many_threads_work_at_once, .fini = e2e_fini, .timeout = 90.)
{
    static struct client c[THREADS];
    e2e_start(no_limit, NULL, 1);
    run_clients(mint_and_use, c);
    e2e_finish();
}

static int id_cmp(const void *a, const void *b)
{
    return strcmp(a, b);
}

Test(durability, start_reports_from_many_threads_get_tasks_of_their_own, .fini = e2e_fini,
     .timeout = 90.)
{
    static struct client c[THREADS];
    static char all[THREADS * ROUNDS][40];
    e2e_start(no_limit, NULL, 1);
    run_clients(start_and_poll, c);
    size_t n = 0;
    for (int i = 0; i < THREADS; i++)
        for (int k = 0; k < ROUNDS; k++)
            if (c[i].ids[k][0])
                memcpy(all[n++], c[i].ids[k], sizeof(all[0]));
    cr_expect_eq(n, (size_t)THREADS * ROUNDS);
    qsort(all, n, sizeof(all[0]), id_cmp);
    for (size_t i = 1; i < n; i++)
        cr_expect_str_neq(all[i - 1], all[i], "two startReports were given task %s", all[i]);
    e2e_finish();
}

/* kill -9, then the same database again. */
static void crash_and_restart(const char *db)
{
    cr_assert_eq(kill(e2e_srv.pid, SIGKILL), 0);
    cr_assert_eq(waitpid(e2e_srv.pid, NULL, 0), e2e_srv.pid);
    e2e_srv.pid = 0;
    mock_proc_stop(&e2e_srv); /* closes what is left of it */
    e2e_start((const char *[]){"--db", db, "--rate-limit", "0", NULL}, NULL, 1);
}

Test(durability, what_was_answered_survives_kill_9, .fini = e2e_fini, .timeout = 90.)
{
    char db[600], id[ROUNDS][40];
    snprintf(db, sizeof(db), "%s/crash.db", e2e_tmpdir());
    e2e_start((const char *[]){"--db", db, "--rate-limit", "0", NULL}, NULL, 1);
    char *token = e2e_token("demo-admin");
    for (int i = 0; i < ROUNDS; i++) {
        char body[256];
        snprintf(body, sizeof(body), RUN_BODY("crash-%d"), i);
        cJSON *t = e2e_run("v2024", token, body);
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(t, "id");
        cr_assert(cJSON_IsString(v));
        snprintf(id[i], sizeof(id[i]), "%s", v->valuestring);
        cJSON_Delete(t);
    }
    crash_and_restart(db);
    /* The token minted before the crash still works, and every task answered is there. */
    for (int i = 0; i < ROUNDS; i++)
        cJSON_Delete(e2e_result("v2024", token, id[i]));
    free(token);
    e2e_finish();
}
