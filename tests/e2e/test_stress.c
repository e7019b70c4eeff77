/*
 * test_stress.c - one server, many clients at once: 12 threads send a mixed
 * workload (startReport, result polls, downloads, cancels, task listings,
 * tokens, resets, faults and clock moves) over loopback for a few seconds.
 *
 * Afterwards: no request failed at the transport level, every 500 left its
 * detail in the log under its trackingId, the server stopped with exit 0 and
 * printed no sanitizer report, and its database file passes
 * PRAGMA integrity_check. Injected faults answer 503, never 500, so any 500
 * seen here comes from the server itself.
 */
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"

#define STRESS_THREADS 12
#define STRESS_LOAD_MS 6000
#define STRESS_REQUEST_TIMEOUT_MS 5000L
#define RECENT_IDS 32
#define MAX_500S 64

/* A 500 seen by a client: its trackingId and the request that got it. */
struct seen_500 {
    char tracking_id[40];
    char request[128];
};

struct stress {
    const char *url;
    int64_t deadline_ms;
    pthread_mutex_t mu; /* guards everything below */
    char recent[RECENT_IDS][40];
    unsigned nrecent;
    long requests;
    long by_class[6]; /* 1xx..5xx by first digit */
    long transport_errors;
    char first_transport_error[256];
    struct seen_500 e500[MAX_500S];
    int n500;
};

struct worker {
    struct stress *s;
    CURL *curl;
    unsigned seed;
    char token[4096];
    char body[1 << 16]; /* the answer, cut at this size (downloads are only counted) */
    size_t body_len;
    long status; /* of the last request; -1 after a transport error */
};

static const char *const run_bodies[] = {
    "{\"reportType\":\"IDENTITIES\",\"arguments\":{\"correlatedOnly\":true}}",
    "{\"reportType\":\"IDENTITIES_DETAILS\",\"arguments\":{\"correlatedOnly\":false}}",
    "{\"reportType\":\"ORPHAN_IDENTITIES\",\"arguments\":{\"selectedFormats\":[\"CSV\"]}}",
    "{\"reportType\":\"UNCORRELATED_ACCOUNTS\",\"arguments\":{\"selectedFormats\":[\"CSV\"]}}",
    ("{\"reportType\":\"SEARCH_EXPORT\",\"arguments\":{\"indices\":[\"identities\"],\"query\":"
     "\"attributes.city:London\",\"columns\":\"displayName,email\"}}"),
};

static const char *const fault_bodies[] = {
    "{\"operation\":\"getReportResult\",\"status\":503,\"times\":2}",
    "{\"operation\":\"getReport\",\"delayMs\":20,\"times\":3}",
    "{\"operation\":\"startReport\",\"status\":503,\"probability\":0.2,\"seed\":7}",
    "{\"operation\":\"*\",\"delayMs\":5,\"times\":5}",
};

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    struct worker *w = ud;
    size_t len = size * n;
    size_t room = sizeof(w->body) - 1 - w->body_len;
    size_t keep = len < room ? len : room;
    memcpy(w->body + w->body_len, p, keep);
    w->body_len += keep;
    w->body[w->body_len] = '\0';
    return len;
}

/* Records a 500 with the trackingId from its body ("" when it has none). */
static void note_500(struct stress *s, const struct worker *w, const char *method, const char *path)
{
    cJSON *j = cJSON_ParseWithLength(w->body, w->body_len);
    const char *id = jstr(j, "trackingId");
    pthread_mutex_lock(&s->mu);
    if (s->n500 < MAX_500S) {
        struct seen_500 *e = &s->e500[s->n500];
        snprintf(e->tracking_id, sizeof(e->tracking_id), "%s", id != NULL ? id : "");
        snprintf(e->request, sizeof(e->request), "%s %s", method, path);
    }
    s->n500++;
    pthread_mutex_unlock(&s->mu);
    cJSON_Delete(j);
}

/*
 * One request; the answer's body is in w->body. Returns the status, or -1
 * after a transport error (recorded in the shared counters).
 */
static long call(struct worker *w, const char *method, const char *path, const char *body,
                 const char *content_type, int with_token)
{
    struct stress *s = w->s;
    char url[512], auth[4200], ctype[128];
    struct curl_slist *h = NULL;
    snprintf(url, sizeof(url), "%s%s", s->url, path);
    w->body_len = 0;
    w->body[0] = '\0';
    curl_easy_setopt(w->curl, CURLOPT_URL, url);
    curl_easy_setopt(w->curl, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(w->curl, CURLOPT_HTTPGET, 1L);
    if (body != NULL) {
        curl_easy_setopt(w->curl, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(w->curl, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
        snprintf(ctype, sizeof(ctype), "Content-Type: %s", content_type);
        h = curl_slist_append(h, ctype);
    }
    if (with_token) {
        snprintf(auth, sizeof(auth), "Authorization: Bearer %s", w->token);
        h = curl_slist_append(h, auth);
    }
    curl_easy_setopt(w->curl, CURLOPT_HTTPHEADER, h);
    CURLcode rc = curl_easy_perform(w->curl);
    long status = -1;
    if (rc == CURLE_OK)
        curl_easy_getinfo(w->curl, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_setopt(w->curl, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(h);

    pthread_mutex_lock(&s->mu);
    s->requests++;
    if (rc != CURLE_OK) {
        if (s->transport_errors++ == 0)
            snprintf(s->first_transport_error, sizeof(s->first_transport_error), "%s %s: %s",
                     method, path, curl_easy_strerror(rc));
    } else if (status >= 100 && status < 600) {
        s->by_class[status / 100]++;
    }
    pthread_mutex_unlock(&s->mu);
    if (status == 500)
        note_500(s, w, method, path);
    w->status = status;
    return status;
}

static void refresh_token(struct worker *w)
{
    static const char form[] =
        "grant_type=client_credentials&client_id=demo-admin&client_secret=demo-admin-secret";
    w->token[0] = '\0';
    if (call(w, "POST", "/oauth/token", form, "application/x-www-form-urlencoded", 0) != 200)
        return;
    cJSON *j = cJSON_ParseWithLength(w->body, w->body_len);
    const char *tok = jstr(j, "access_token");
    if (tok != NULL && strlen(tok) < sizeof(w->token))
        memcpy(w->token, tok, strlen(tok) + 1);
    cJSON_Delete(j);
}

static void remember_id(struct stress *s, const char *id)
{
    pthread_mutex_lock(&s->mu);
    snprintf(s->recent[s->nrecent % RECENT_IDS], sizeof(s->recent[0]), "%s", id);
    s->nrecent++;
    pthread_mutex_unlock(&s->mu);
}

/* A recently started task id (or a made-up one before any), copied into out. */
static void pick_id(struct worker *w, char *out, size_t outlen)
{
    struct stress *s = w->s;
    pthread_mutex_lock(&s->mu);
    if (s->nrecent == 0)
        snprintf(out, outlen, "%s", "00000000000000000000000000000000");
    else
        snprintf(out, outlen, "%s",
                 s->recent[(unsigned)rand_r(&w->seed) %
                           (s->nrecent < RECENT_IDS ? s->nrecent : RECENT_IDS)]);
    pthread_mutex_unlock(&s->mu);
}

static void op_start(struct worker *w)
{
    const char *body =
        run_bodies[(unsigned)rand_r(&w->seed) % (sizeof(run_bodies) / sizeof(run_bodies[0]))];
    if (call(w, "POST", "/v2024/reports/run", body, "application/json", 1) != 200)
        return;
    cJSON *j = cJSON_ParseWithLength(w->body, w->body_len);
    const char *id = jstr(j, "id");
    if (id != NULL && strlen(id) < 40)
        remember_id(w->s, id);
    cJSON_Delete(j);
}

/* METHOD /v2024/reports/{id}{suffix} for a recently started task. */
static void op_task(struct worker *w, const char *method, const char *suffix)
{
    char id[40], path[128];
    pick_id(w, id, sizeof(id));
    snprintf(path, sizeof(path), "/v2024/reports/%s%s", id, suffix);
    call(w, method, path, strcmp(method, "POST") == 0 ? "" : NULL, "application/json", 1);
}

static void op_clock(struct worker *w)
{
    char body[64];
    snprintf(body, sizeof(body), "{\"advanceMs\":%d}", rand_r(&w->seed) % 90000);
    call(w, "POST", "/mock/clock", body, "application/json", 0);
}

static void op_fault(struct worker *w)
{
    unsigned r = (unsigned)rand_r(&w->seed);
    if (r % 5 == 0) {
        call(w, "DELETE", "/mock/faults", NULL, NULL, 0);
        return;
    }
    call(w, "POST", "/mock/faults",
         fault_bodies[r % (sizeof(fault_bodies) / sizeof(fault_bodies[0]))], "application/json", 0);
}

/* One client: weighted random operations until the deadline. */
static void *worker_main(void *arg)
{
    struct worker *w = arg;
    while (e2e_mono_ms() < w->s->deadline_ms) {
        if (w->token[0] == '\0')
            refresh_token(w);
        unsigned r = (unsigned)rand_r(&w->seed) % 100;
        if (r < 28)
            op_start(w);
        else if (r < 52)
            op_task(w, "GET", "/result");
        else if (r < 64)
            op_task(w, "GET", "?fileFormat=csv");
        else if (r < 70)
            op_task(w, "POST", "/cancel");
        else if (r < 80)
            op_clock(w);
        else if (r < 86)
            op_fault(w);
        else if (r < 90)
            call(w, "GET", "/mock/tasks", NULL, NULL, 0);
        else if (r < 93)
            call(w, "POST", "/mock/reset", "", "application/json", 0);
        else
            refresh_token(w);
        if (w->status == 401)
            w->token[0] = '\0'; /* expired by a clock move or cleared by a reset */
    }
    return NULL;
}

/* The first line of `log` that carries "error tracking=ID" (the 500's detail). */
static int detail_logged(const char *log, const char *tracking_id)
{
    char needle[64];
    if (tracking_id[0] == '\0')
        return 0;
    snprintf(needle, sizeof(needle), "error tracking=%s", tracking_id);
    return strstr(log, needle) != NULL;
}

static void check_database(const char *path)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    cr_assert_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK, "open %s: %s",
                 path, sqlite3_errmsg(db));
    cr_assert_eq(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK, "%s",
                 sqlite3_errmsg(db));
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW, "%s", sqlite3_errmsg(db));
    const char *verdict = (const char *)sqlite3_column_text(st, 0);
    cr_expect_str_eq(verdict, "ok", "integrity_check: %s", verdict);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

Test(stress, mixed_workload, .fini = e2e_fini, .timeout = 20.)
{
    static struct stress s;
    static struct worker w[STRESS_THREADS];
    pthread_t t[STRESS_THREADS];
    char db[600];

    snprintf(db, sizeof(db), "%s/stress.db", e2e_tmpdir());
    e2e_start((const char *[]){"--db", db, NULL}, NULL, 1);
    s.url = e2e_srv.url;
    cr_assert_eq(pthread_mutex_init(&s.mu, NULL), 0);
    s.deadline_ms = e2e_mono_ms() + STRESS_LOAD_MS;
    for (int i = 0; i < STRESS_THREADS; i++) {
        w[i].s = &s;
        w[i].seed = 1000u + (unsigned)i;
        w[i].curl = curl_easy_init();
        cr_assert(w[i].curl != NULL);
        curl_easy_setopt(w[i].curl, CURLOPT_NOPROXY, "*");
        curl_easy_setopt(w[i].curl, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(w[i].curl, CURLOPT_CONNECTTIMEOUT_MS, STRESS_REQUEST_TIMEOUT_MS);
        curl_easy_setopt(w[i].curl, CURLOPT_TIMEOUT_MS, STRESS_REQUEST_TIMEOUT_MS);
        curl_easy_setopt(w[i].curl, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(w[i].curl, CURLOPT_WRITEDATA, &w[i]);
        cr_assert_eq(pthread_create(&t[i], NULL, worker_main, &w[i]), 0);
    }
    for (int i = 0; i < STRESS_THREADS; i++) {
        pthread_join(t[i], NULL);
        curl_easy_cleanup(w[i].curl);
    }

    char *log = NULL;
    int st = mock_proc_stop_log(&e2e_srv, &log);
    cr_log_info("%ld requests: %ld 2xx, %ld 4xx, %ld 5xx (%d of them 500)", s.requests,
                s.by_class[2], s.by_class[4], s.by_class[5], s.n500);
    cr_expect_eq(s.transport_errors, 0, "%ld requests failed in transport, first: %s",
                 s.transport_errors, s.first_transport_error);
    cr_expect_gt(s.by_class[2], STRESS_THREADS, "hardly any request succeeded");
    for (int i = 0; i < s.n500 && i < MAX_500S; i++)
        cr_expect(detail_logged(log, s.e500[i].tracking_id),
                  "%s answered 500 (trackingId \"%s\") without its detail in the log",
                  s.e500[i].request, s.e500[i].tracking_id);
    cr_expect(strstr(log, "Sanitizer") == NULL && strstr(log, "runtime error:") == NULL,
              "a sanitizer report in the server's log:\n%s", log);
    cr_expect_eq(st, 0, "the server did not exit 0 on SIGTERM (status %d)", st);
    free(log);
    check_database(db);
}
