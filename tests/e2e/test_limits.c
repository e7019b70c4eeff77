/*
 * test_limits.c - what a client cannot make the server do by sending too
 * much: startReport arguments and search queries past their limits are a 400
 * before any task exists, the largest accepted query still finishes, and
 * polls, cancels and listings that race POST /mock/reset answer 404 (or a
 * normal listing), never 500; long lists of search terms run; tasks past
 * --task-max or older than --task-max-age are removed as new ones start.
 */
#include <curl/curl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "harness.h"

/* A SEARCH_EXPORT body whose query is `query`, malloc'd. */
static char *search_body(const char *query)
{
    cJSON *o = cJSON_CreateObject(), *a = cJSON_AddObjectToObject(o, "arguments");
    cJSON_AddStringToObject(o, "reportType", "SEARCH_EXPORT");
    cJSON_AddStringToObject(a, "query", query);
    cJSON *ix = cJSON_AddArrayToObject(a, "indices");
    cJSON_AddItemToArray(ix, cJSON_CreateString("identities"));
    char *text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    cr_assert_not_null(text);
    return text;
}

/* `n` copies of `unit` after `pre` and before `post`, malloc'd. */
static char *repeat(const char *pre, const char *unit, size_t n, const char *post)
{
    size_t u = strlen(unit), len = strlen(pre) + u * n + strlen(post);
    char *s = malloc(len + 1), *p = s;
    cr_assert_not_null(s);
    p += sprintf(p, "%s", pre);
    for (size_t i = 0; i < n; i++, p += u)
        memcpy(p, unit, u);
    sprintf(p, "%s", post);
    return s;
}

struct too_much {
    const char *id;
    char *query;      /* SEARCH_EXPORT with this query, or */
    char *body;       /* this body */
    const char *part; /* the 400's text holds this */
};

E2E_TEST(limits, oversize_queries_and_arguments_are_400_up_front)
{
    char *tok = e2e_token("demo-admin");
    char *or_terms = repeat("t0", " OR t", 256, "");
    struct too_much cases[] = {
        {"prefix term of 50,000 bytes", repeat("displayName:", "a", 50000, "*"), NULL, "query"},
        {"free-text term of 2,000 bytes", repeat("", "x", 2000, ""), NULL, "1024"},
        {"term of many % and _", repeat("name:", "%_", 600, "*"), NULL, "1024"},
        {"query of 9,000 bytes", repeat("", "ab ", 3000, ""), NULL, "query"},
        {"257 terms", or_terms, NULL, "256"},
        {"string argument of 9,000 bytes", NULL,
         repeat("{\"reportType\":\"ACCOUNTS\",\"arguments\":{\"sourceName\":\"AD\","
                "\"application\":\"",
                "a", 9000, "\"}}"),
         "application"},
        {"arguments of 20,000 bytes", NULL,
         repeat("{\"reportType\":\"IDENTITIES\",\"arguments\":{\"extra\":[", "\"aaaaaaaaaaaa\",",
                1400, "\"a\"]}}"),
         "arguments"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *body = cases[i].body ? cases[i].body : search_body(cases[i].query);
        struct http_res r;
        api_call(&r, "POST", "/v2024/reports/run", tok, body);
        cr_expect_eq(r.status, 400, "%s: %ld %.200s", cases[i].id, r.status, r.body);
        if (r.status == 400) {
            assert_error_dto(&r, 400, cases[i].part);
        }
        http_res_free(&r);
        if (!cases[i].body)
            free(body);
        free(cases[i].query);
        free(cases[i].body);
    }
    cr_expect_eq(e2e_task_count(NULL), E2E_FIXTURE_TASKS, "a refused body stored a task");
    free(tok);
}

/* The largest accepted term, made of LIKE wildcards, runs to the end. */
E2E_TEST(limits, largest_accepted_query_finishes)
{
    char *tok = e2e_token("demo-admin");
    char *q = repeat("displayName:", "%_", 512, "*");
    char *body = search_body(q);
    cJSON *t = e2e_run("v2024", tok, body);
    char id[40];
    snprintf(id, sizeof(id), "%s", jstr(t, "id"));
    cJSON_Delete(t);
    e2e_clock_advance(60000);
    cJSON *res = e2e_result_done("v2024", tok, id, 30);
    cr_expect_str_eq(jstr(res, "status"), "SUCCESS");
    cr_expect_eq(jnum(res, "rows"), 0);
    cJSON_Delete(res);
    free(body);
    free(q);
    free(tok);
}

/* ---- requests racing POST /mock/reset ---- */

#define RACE_MS 2500
#define RACERS 4

struct race {
    const char *url;
    const char *token;
    struct timespec end;
    pthread_mutex_t mu;
    long counts[6]; /* by status class */
    char bad[8][160];
    int nbad;
};

static size_t keep_body(char *p, size_t size, size_t n, void *ud)
{
    char *out = ud;
    size_t len = strlen(out), add = size * n, room = 4095 - len;
    memcpy(out + len, p, add < room ? add : room);
    out[len + (add < room ? add : room)] = '\0';
    return size * n;
}

static int before_end(const struct race *r)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec < r->end.tv_sec ||
           (now.tv_sec == r->end.tv_sec && now.tv_nsec < r->end.tv_nsec);
}

/* One request; records the status and anything outside `allowed` (a list of statuses, 0-ended). */
static long race_call(struct race *r, CURL *c, const char *method, const char *path,
                      const char *json, const long *allowed, char *body)
{
    char url[256], auth[4200];
    struct curl_slist *h = NULL;
    snprintf(url, sizeof(url), "%s%s", r->url, path);
    snprintf(auth, sizeof(auth), "Authorization: Bearer %s", r->token);
    h = curl_slist_append(h, auth);
    if (json)
        h = curl_slist_append(h, "Content-Type: application/json");
    body[0] = '\0';
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, json ? json : "");
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, json ? (long)strlen(json) : 0L);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keep_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, body);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)(10000 * test_timeout_scale()));
    long status = -1;
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(h);
    int ok = 0;
    for (const long *a = allowed; *a; a++)
        ok |= *a == status;
    pthread_mutex_lock(&r->mu);
    if (status >= 100 && status < 600)
        r->counts[status / 100]++;
    if (!ok && r->nbad < 8)
        snprintf(r->bad[r->nbad++], sizeof(r->bad[0]), "%s %.40s: %ld %.80s", method, path, status,
                 body);
    pthread_mutex_unlock(&r->mu);
    return status;
}

static void *racer(void *ud)
{
    static const long run_ok[] = {200, 0}, result_ok[] = {200, 404, 0},
                      cancel_ok[] = {204, 400, 404, 0}, list_ok[] = {200, 0};
    struct race *r = ud;
    CURL *c = curl_easy_init();
    char *body = calloc(1, 4096), path[128], id[40] = "", run[160];
    for (unsigned n = 0; c && body && before_end(r); n++) {
        /* A few tasks nobody polls: the watcher and the listing end them. */
        for (int k = 0; k < 4; k++) {
            snprintf(run, sizeof(run),
                     "{\"reportType\":\"SEARCH_EXPORT\",\"arguments\":{\"query\":\"*\","
                     "\"columns\":\"c%u_%d\"}}",
                     n, k);
            if (race_call(r, c, "POST", "/v2024/reports/run", run, run_ok, body) != 200)
                continue;
            cJSON *j = cJSON_Parse(body);
            snprintf(id, sizeof(id), "%s", jstr(j, "id") ? jstr(j, "id") : "");
            cJSON_Delete(j);
        }
        race_call(r, c, "GET", "/mock/tasks", NULL, list_ok, body);
        snprintf(path, sizeof(path), "/v2024/reports/%s/result", id);
        race_call(r, c, "GET", path, NULL, result_ok, body);
        snprintf(path, sizeof(path), "/v2024/reports/%s/cancel", id);
        race_call(r, c, "POST", path, NULL, cancel_ok, body);
    }
    free(body);
    curl_easy_cleanup(c);
    return NULL;
}

static void *resetter(void *ud)
{
    static const long reset_ok[] = {200, 0};
    struct race *r = ud;
    CURL *c = curl_easy_init();
    char *body = calloc(1, 4096);
    const struct timespec pause = {0, 15 * 1000000L}; /* room for the racers in between */
    while (c && body && before_end(r)) {
        race_call(r, c, "POST", "/mock/reset", NULL, reset_ok, body);
        nanosleep(&pause, NULL);
    }
    free(body);
    curl_easy_cleanup(c);
    return NULL;
}

/*
 * Tasks are due at once (duration 0) and end when their files are written,
 * while polls and listings read them; a reset in between removes the task
 * under them. Every answer must
 * be one the contract allows: a vanished task is 404, never 500.
 */
Test(limits, requests_racing_reset_never_500, .fini = e2e_fini, .timeout = 60.)
{
    static const char *const args[] = {"--report-duration", "0", "--clock", "real",
                                       "--rate-limit",      "0", NULL};
    e2e_start(args, NULL, 1);
    char *tok = e2e_token("demo-admin");
    struct race r = {.url = e2e_srv.url, .token = tok};
    pthread_mutex_init(&r.mu, NULL);
    clock_gettime(CLOCK_MONOTONIC, &r.end);
    r.end.tv_sec += RACE_MS / 1000;
    r.end.tv_nsec += (RACE_MS % 1000) * 1000000L;
    if (r.end.tv_nsec >= 1000000000L) {
        r.end.tv_sec++;
        r.end.tv_nsec -= 1000000000L;
    }
    pthread_t th[RACERS + 1];
    for (int i = 0; i < RACERS; i++)
        cr_assert_eq(pthread_create(&th[i], NULL, racer, &r), 0);
    cr_assert_eq(pthread_create(&th[RACERS], NULL, resetter, &r), 0);
    for (int i = 0; i <= RACERS; i++)
        pthread_join(th[i], NULL);
    cr_log_info("answers: %ld 2xx, %ld 4xx, %ld 5xx", r.counts[2], r.counts[4], r.counts[5]);
    for (int i = 0; i < r.nbad; i++)
        cr_log_error("unexpected: %s", r.bad[i]);
    cr_expect_eq(r.nbad, 0, "%d unexpected answers (first: %s)", r.nbad, r.nbad ? r.bad[0] : "");
    cr_expect_eq(r.counts[5], 0, "%ld answers were 5xx", r.counts[5]);
    cr_expect_gt(r.counts[2], 20, "too little traffic to race anything");
    pthread_mutex_destroy(&r.mu);
    free(tok);
    e2e_finish();
}

/* Long OR and AND lists are flat: 256 terms run (66 were once refused as nested too deep). */
E2E_TEST(limits, lists_of_256_terms_run)
{
    char *tok = e2e_token("demo-admin");
    /* London's 30 identities, or one of 255 usernames no one has. */
    char *or_list = repeat("attributes.city:London", " OR name:nobody", 255, "");
    /* Every identity has a name: 256 times the same true term is still everyone. */
    char *and_list = repeat("name:*", " AND name:*", 255, "");
    const struct {
        const char *query;
        double rows;
    } cases[] = {{or_list, 30}, {and_list, 300}};
    for (size_t i = 0; i < 2; i++) {
        char *body = search_body(cases[i].query);
        cJSON *t = e2e_run("v2024", tok, body);
        char id[40];
        snprintf(id, sizeof(id), "%s", jstr(t, "id"));
        cJSON_Delete(t);
        e2e_clock_advance(60000);
        cJSON *res = e2e_result_done("v2024", tok, id, 30);
        cr_expect_str_eq(jstr(res, "status"), "SUCCESS", "list %zu", i);
        cr_expect_eq(jnum(res, "rows"), cases[i].rows, "list %zu", i);
        cJSON_Delete(res);
        free(body);
    }
    free(or_list);
    free(and_list);
    free(tok);
}

/* POST run of an IDENTITY_PROFILE_IDENTITY_ERROR report whose unknown
 * argument `n` makes its arguments its own; the new task's id into id. */
static void start_numbered(const char *token, int n, char *id, size_t cap)
{
    char body[256];
    snprintf(body, sizeof(body),
             "{\"reportType\":\"IDENTITY_PROFILE_IDENTITY_ERROR\",\"arguments\":"
             "{\"authoritativeSource\":\"2c9180847de347aa017de8ef09167792\",\"n\":%d}}",
             n);
    cJSON *t = e2e_run("v2024", token, body);
    snprintf(id, cap, "%s", jstr(t, "id"));
    cJSON_Delete(t);
}

Test(limits, tasks_past_the_cap_go_oldest_first_running_or_not, .fini = e2e_fini, .timeout = 60.)
{
    /* Every task runs for an hour of a clock that stands still. */
    e2e_start((const char *[]){"--task-max", "3", "--report-duration", "3600000", NULL}, NULL, 1);
    char *token = e2e_token("demo-admin");
    char ids[5][40];
    for (int i = 0; i < 5; i++) {
        start_numbered(token, i, ids[i], sizeof(ids[i]));
        cr_assert_leq(e2e_task_count(NULL), 3, "after %d starts", i + 1);
    }
    cr_expect_eq(e2e_task_count(NULL), 3);
    for (int i = 0; i < 5; i++)
        cr_expect_eq(e2e_result_status(token, ids[i]), i < 2 ? 404 : 200, "task %d", i);
    free(token);
    e2e_finish();
}

Test(limits, tasks_older_than_the_age_go_when_a_task_starts, .fini = e2e_fini, .timeout = 60.)
{
    /* By the variable: 60 s on the virtual clock. */
    e2e_start(NULL, (const char *[]){"ISC_MOCK_TASK_MAX_AGE=60", NULL}, 1);
    char *token = e2e_token("demo-admin");
    char old[40], young[40], last[40];
    start_numbered(token, 0, old, sizeof(old));
    e2e_clock_advance(30000);
    start_numbered(token, 1, young, sizeof(young));
    e2e_clock_advance(30001);
    cr_expect_eq(e2e_result_status(token, old), 200, "nothing is removed until a task starts");
    start_numbered(token, 2, last, sizeof(last));
    cr_expect_eq(e2e_result_status(token, old), 404, "60.001 s old when a task started");
    cr_expect_eq(e2e_result_status(token, young), 200, "30.001 s old");
    cr_expect_eq(e2e_result_status(token, last), 200);
    free(token);
    e2e_finish();
}

/* ---- garbage requests ---- */

#define GARBAGE_THREADS 4
#define GARBAGE_REQUESTS 150 /* per thread */
#define GARBAGE_PART 30000   /* bytes of path, of query, and of headers per request */
/* The server's peak resident memory may pass its idle figure by this much:
 * the journal's queue holds 4 MB at most, a connection 160 KB, and the
 * allocator keeps some slack (measured: 3.5 MB). Uncut, each queued row of
 * these requests held 60 KB and a queue of 1024 rows up to 60 MB. */
#define GARBAGE_GROWTH_KB (12L * 1024)

/* One client: GARBAGE_REQUESTS unauthenticated requests on one keep-alive
 * connection, each with a long path, a long query and long headers. Returns
 * NULL, or a static reason. */
static void *send_garbage(void *arg)
{
    const char *base = arg;
    size_t cap = strlen(base) + 2 * GARBAGE_PART + 64;
    char *url = malloc(cap), *header = malloc(GARBAGE_PART / 8 + 16);
    CURL *c = curl_easy_init();
    struct curl_slist *hl = NULL;
    void *fail = NULL;
    if (!url || !header || !c) {
        fail = "out of memory";
        goto out;
    }
    for (int h = 0; h < 8; h++) {
        int n = snprintf(header, GARBAGE_PART / 8 + 16, "X-Garbage-%d: ", h);
        memset(header + n, 'h', GARBAGE_PART / 8 - (size_t)n);
        header[GARBAGE_PART / 8] = '\0';
        hl = curl_slist_append(hl, header);
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)(30 * test_timeout_scale()));
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, e2e_discard);
    for (int i = 0; i < GARBAGE_REQUESTS && !fail; i++) {
        /* An unknown route (404) and a poll without a token (401), in turn. */
        int n = snprintf(url, cap, "%s/v2024/reports/%s", base, i % 2 ? "x/result?" : "");
        memset(url + n, i % 2 ? 'q' : 'p', GARBAGE_PART);
        n += GARBAGE_PART;
        n += snprintf(url + n, cap - (size_t)n, "%s", i % 2 ? "=1&r=" : "?q=");
        memset(url + n, 'r', GARBAGE_PART);
        url[n + GARBAGE_PART] = '\0';
        curl_easy_setopt(c, CURLOPT_URL, url);
        long status = 0;
        if (curl_easy_perform(c) != CURLE_OK)
            fail = "a request failed";
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        if (!fail && status != (i % 2 ? 401 : 404))
            fail = "an unexpected status";
    }
out:
    curl_slist_free_all(hl);
    if (c)
        curl_easy_cleanup(c);
    free(url);
    free(header);
    return fail;
}

/* The bytes of text the journal table of `db` holds, measured by SQLite. */
static int64_t journal_text_bytes(const char *db)
{
    sqlite3 *h = NULL;
    sqlite3_stmt *st = NULL;
    cr_assert_eq(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK, "open %s", db);
    cr_assert_eq(sqlite3_prepare_v2(h,
                                    "SELECT total(length(CAST(path AS BLOB))"
                                    " + length(CAST(query AS BLOB))"
                                    " + coalesce(length(CAST(host AS BLOB)), 0)"
                                    " + length(CAST(request_headers AS BLOB))"
                                    " + length(CAST(response_headers AS BLOB))"
                                    " + coalesce(length(CAST(response_body AS BLOB)), 0)),"
                                    " max(length(path)), max(length(query)) FROM journal",
                                    -1, &st, NULL),
                 SQLITE_OK, "%s", sqlite3_errmsg(h));
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW, "%s", sqlite3_errmsg(h));
    int64_t bytes = sqlite3_column_int64(st, 0);
    cr_expect_leq(sqlite3_column_int64(st, 1), 2100, "a stored path is cut");
    cr_expect_leq(sqlite3_column_int64(st, 2), 2100, "a stored query is cut");
    sqlite3_finalize(st);
    sqlite3_close(h);
    return bytes;
}

Test(limits, garbage_requests_keep_the_journal_and_the_process_bounded, .fini = e2e_fini,
     .timeout = 120.)
{
    char db[600];
    snprintf(db, sizeof(db), "%s/garbage.db", e2e_tmpdir());
    unsetenv("MALLOC_PERTURB_"); /* the server runs as users run it (see test_footprint) */
    e2e_start((const char *[]){"--db", db, "--journal-max-bytes", "1048576", "--quiet", NULL}, NULL,
              1);
    long idle = e2e_status_kb(e2e_srv.pid, "VmRSS");
    cr_assert_gt(idle, 0);
    pthread_t t[GARBAGE_THREADS];
    for (int i = 0; i < GARBAGE_THREADS; i++)
        cr_assert_eq(pthread_create(&t[i], NULL, send_garbage, e2e_srv.url), 0);
    for (int i = 0; i < GARBAGE_THREADS; i++) {
        void *fail = NULL;
        pthread_join(t[i], &fail);
        cr_expect_null(fail, "client %d: %s", i, fail ? (const char *)fail : "");
    }
    /* The newest row: its long path or query cut, with the marker. */
    struct http_res r;
    http_req(&r, "GET", "/mock/requests?limit=1", NULL, NULL, 0);
    cr_assert_eq(r.status, 200, "%s", r.body);
    const cJSON *row = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r.json, "requests"), 0);
    const char *path = jstr(row, "path"), *query = jstr(row, "query");
    cr_assert(path && query, "%s", r.body);
    cr_expect_lt(strlen(path), 2100, "path of %zu bytes", strlen(path));
    cr_expect_lt(strlen(query), 2100, "query of %zu bytes", strlen(query));
    cr_expect(strstr(path, " more bytes]") || strstr(query, " more bytes]"), "%.80s... ?%.80s...",
              path, query);
    cr_expect_eq(jnum(r.json, "count") < GARBAGE_THREADS * GARBAGE_REQUESTS, 1,
                 "the byte budget dropped old rows (count %.0f)", jnum(r.json, "count"));
    http_res_free(&r);
    long peak = e2e_status_kb(e2e_srv.pid, "VmHWM");
    if (e2e_runs_natively(e2e_srv.pid))
        cr_expect_leq(peak, idle + GARBAGE_GROWTH_KB, "peak %ld kB from %ld kB idle", peak, idle);
    else
        cr_log_info("peak %ld kB from %ld kB idle under a tool or sanitizer: bound not applied",
                    peak, idle);
    e2e_finish();
    int64_t bytes = journal_text_bytes(db);
    cr_expect_leq(bytes, 1048576, "the journal holds %lld bytes of text", (long long)bytes);
}

/* Polls task `id` until it has a status (its files are stored); at most 10 s. */
static void wait_finished(const char *token, const char *id)
{
    for (int i = 0; i < 200; i++) {
        cJSON *r = e2e_result("v2024", token, id);
        int done = jhas(r, "status");
        cJSON_Delete(r);
        if (done)
            return;
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    cr_assert_fail("task %s did not finish within 10 s", id);
}

/* 1 when the spool folder `dir` holds the CSV of task `id`. */
static int stored_csv(const char *dir, const char *id)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s.csv", dir, id);
    return access(path, F_OK) == 0;
}

Test(limits, a_removed_task_takes_its_stored_files_along, .fini = e2e_fini, .timeout = 60.)
{
    char db[600], dir[640];
    snprintf(db, sizeof(db), "%s/kept.db", e2e_tmpdir());
    snprintf(dir, sizeof(dir), "%s.files", db);
    e2e_start((const char *[]){"--db", db, "--task-max", "2", "--report-duration", "0", NULL}, NULL,
              1);
    char *token = e2e_token("demo-admin");
    char ids[3][40];
    for (int i = 0; i < 3; i++) {
        start_numbered(token, i, ids[i], sizeof(ids[i]));
        wait_finished(token, ids[i]);
        cr_assert(stored_csv(dir, ids[i]), "task %d's file %s/%s.csv", i, dir, ids[i]);
    }
    cr_expect_eq(e2e_result_status(token, ids[0]), 404);
    cr_expect_not(stored_csv(dir, ids[0]), "the removed task's file is gone");
    cr_expect(stored_csv(dir, ids[1]) && stored_csv(dir, ids[2]));
    free(token);
    e2e_finish();
}
