/*
 * test_snapshot.c - a finished report's files are a snapshot: written once
 * when the task ends, stored, and downloaded as stored. Changing the tenant
 * (POST /mock/tenant) or resetting leaves a finished report's bytes alone;
 * the documentation's example task answers on a fresh server and after a
 * reset, its files written on their first download; files live beside
 * --db FILE (and survive a restart) or in a private folder that goes with
 * the server; cancel stops a render in
 * progress and leaves no file; polls of other tasks keep answering while
 * heavy reports render.
 */
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "harness.h"

/* The body of GET /v2024/reports/{id}?fileFormat=fmt, asserted 200; malloc'd, *len set. */
static char *download(const char *tok, const char *id, const char *fmt, size_t *len)
{
    struct http_res r;
    char path[160];
    snprintf(path, sizeof(path), "/v2024/reports/%s?fileFormat=%s", id, fmt);
    api_call(&r, "GET", path, tok, NULL);
    cr_assert_eq(r.status, 200, "%s: %ld %s", path, r.status, r.body);
    char *copy = malloc(r.len + 1);
    cr_assert_not_null(copy);
    memcpy(copy, r.body, r.len);
    copy[r.len] = '\0';
    *len = r.len;
    http_res_free(&r);
    return copy;
}

static void assert_same(const char *what, const char *a, size_t alen, const char *b, size_t blen)
{
    cr_assert(alen == blen && memcmp(a, b, alen) == 0, "%s changed: %zu bytes, then %zu", what,
              alen, blen);
}

static void check_example(const char *tok)
{
    cJSON *res = e2e_result("v2024", tok, E2E_EXAMPLE_TASK);
    cr_assert_str_eq(jstr(res, "reportType"), "IDENTITIES_DETAILS");
    cr_assert_str_eq(jstr(res, "status"), "SUCCESS");
    cr_assert_eq(jnum(res, "rows"), 300);
    assert_json_eq(cJSON_GetObjectItem(res, "availableFormats"), "[\"CSV\",\"PDF\"]");
    cJSON_Delete(res);
    struct http_res r;
    api_call(&r, "GET", "/reports/v1/" E2E_EXAMPLE_TASK "/result", tok, NULL);
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    cr_assert_str_eq(jstr(r.json, "status"), "SUCCESS");
    http_res_free(&r);
}

/* The documentation's example id answers 200 with a CSV and a PDF, and a
 * reset brings it back with the same bytes. */
E2E_TEST(snapshot, example_task_answers_as_documented)
{
    char *tok = e2e_token("demo-admin");
    size_t clen, plen, clen2, plen2;
    check_example(tok);
    char *csv = download(tok, E2E_EXAMPLE_TASK, "csv", &clen);
    char *pdf = download(tok, E2E_EXAMPLE_TASK, "pdf", &plen);
    cr_expect_eq(count_lines(csv), 301, "a header and the 300 identities");
    cr_expect(plen > 5 && memcmp(pdf, "%PDF-", 5) == 0);

    cJSON_Delete(ctl("POST", "/mock/reset", NULL, 200));
    free(tok);
    tok = e2e_token("demo-admin");
    check_example(tok);
    char *csv2 = download(tok, E2E_EXAMPLE_TASK, "csv", &clen2);
    char *pdf2 = download(tok, E2E_EXAMPLE_TASK, "pdf", &plen2);
    assert_same("the example CSV after a reset", csv, clen, csv2, clen2);
    assert_same("the example PDF after a reset", pdf, plen, pdf2, plen2);
    free(csv);
    free(pdf);
    free(csv2);
    free(pdf2);
    free(tok);
}

/* A finished report keeps its bytes when the tenant changes; a new report
 * of the same kind sees the new tenant. */
E2E_TEST(snapshot, files_do_not_follow_the_tenant)
{
    char *tok = e2e_token("demo-app");
    const char *body = "{\"reportType\":\"IDENTITIES\"}";
    cJSON *task = e2e_run("v2024", tok, body);
    const char *id = jstr(task, "id");
    size_t clen, plen, elen, clen2, plen2, elen2, nlen;
    e2e_clock_advance(60 * 1000);
    cJSON *res = e2e_result_done("v2024", tok, id, 60);
    cr_assert_str_eq(jstr(res, "status"), "SUCCESS");
    cr_assert_eq(jnum(res, "rows"), 300);
    cJSON_Delete(res);
    char *csv = download(tok, id, "csv", &clen);
    char *pdf = download(tok, id, "pdf", &plen);
    char *ex = download(tok, E2E_EXAMPLE_TASK, "csv", &elen);

    cJSON_Delete(ctl("POST", "/mock/tenant", "{\"size\":50,\"seed\":7}", 200));
    char *csv2 = download(tok, id, "csv", &clen2);
    char *pdf2 = download(tok, id, "pdf", &plen2);
    assert_same("a finished CSV", csv, clen, csv2, clen2);
    assert_same("a finished PDF", pdf, plen, pdf2, plen2);
    cr_expect_eq(count_lines(csv2), 301, "still the 300 identities it was made from");

    /* The tenant did change: a new report shows it. */
    cJSON *fresh = e2e_run("v2024", tok, body);
    e2e_clock_advance(60 * 1000);
    res = e2e_result_done("v2024", tok, jstr(fresh, "id"), 60);
    cr_assert_eq(jnum(res, "rows"), 50);
    cJSON_Delete(res);
    char *now = download(tok, jstr(fresh, "id"), "csv", &nlen);
    cr_expect_eq(count_lines(now), 51);

    /* The example task, made at start from the built-in tenant, is made
     * from it again after a reset: the same bytes. */
    cJSON_Delete(ctl("POST", "/mock/reset", NULL, 200));
    free(tok);
    tok = e2e_token("demo-app");
    char *ex2 = download(tok, E2E_EXAMPLE_TASK, "csv", &elen2);
    assert_same("the example CSV across a tenant change and a reset", ex, elen, ex2, elen2);
    free(csv);
    free(pdf);
    free(csv2);
    free(pdf2);
    free(now);
    free(ex);
    free(ex2);
    cJSON_Delete(fresh);
    cJSON_Delete(task);
    free(tok);
}

static int file_exists(const char *dir, const char *name)
{
    char path[1024];
    struct stat st;
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    return stat(path, &st) == 0;
}

/* How many entries of `dir` start with `prefix` ("" for all but . and ..);
 * with `folders`, only the folders among them. */
static int count_entries(const char *dir, const char *prefix, int folders)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    struct stat st;
    char path[1024];
    int n = 0;
    if (!d)
        return -1;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || strncmp(e->d_name, prefix, strlen(prefix)) != 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        n += !folders || (stat(path, &st) == 0 && S_ISDIR(st.st_mode));
    }
    closedir(d);
    return n;
}

static int count_prefixed(const char *dir, const char *prefix)
{
    return count_entries(dir, prefix, 0);
}

/* Files live in "<db>.files", named after the task, and a restart serves
 * the same bytes without writing them again. */
Test(snapshot, files_beside_the_database_survive_a_restart, .fini = e2e_fini, .timeout = 120.)
{
    char db[600], dir[640], name[64];
    size_t len, len2;
    snprintf(db, sizeof(db), "%s/kept.db", e2e_tmpdir());
    snprintf(dir, sizeof(dir), "%s.files", db);
    const char *args[] = {"--db", db, NULL};
    e2e_start(args, NULL, 1);
    char *tok = e2e_token("demo-app");
    cJSON *task = e2e_run("v2024", tok, "{\"reportType\":\"ORPHAN_IDENTITIES\"}");
    const char *id = jstr(task, "id");
    e2e_clock_advance(60 * 1000);
    cJSON_Delete(e2e_result_done("v2024", tok, id, 60));
    char *csv = download(tok, id, "csv", &len);
    snprintf(name, sizeof(name), "%s.csv", id);
    cr_assert(file_exists(dir, name), "no %s in %s", name, dir);
    snprintf(name, sizeof(name), "%s.pdf", id);
    cr_assert(file_exists(dir, name), "no %s in %s", name, dir);

    e2e_restart(args);
    free(tok);
    tok = e2e_token("demo-app");
    char *csv2 = download(tok, id, "csv", &len2);
    assert_same("a stored CSV across a restart", csv, len, csv2, len2);
    free(csv);
    free(csv2);
    cJSON_Delete(task);
    free(tok);
    e2e_finish();
}

/* One of the concurrent first downloads below. */
struct first_download {
    const char *tok;
    long status;
    size_t len;
    char *body;
};

static void *first_download_main(void *arg)
{
    struct first_download *d = arg;
    struct http_res r;
    api_call(&r, "GET", "/v2024/reports/" E2E_EXAMPLE_TASK "?fileFormat=csv", d->tok, NULL);
    d->status = r.status;
    d->len = r.len;
    d->body = malloc(r.len + 1);
    if (d->body)
        memcpy(d->body, r.body, r.len);
    http_res_free(&r);
    return NULL;
}

/* The example task's files are not written at start-up but on their first
 * download: downloads that ask at the same moment all get the whole file,
 * and after a reset the file is written again when asked for. */
Test(snapshot, example_files_written_on_first_download, .fini = e2e_fini, .timeout = 120.)
{
    enum { N = 4 };
    char db[600], dir[640], name[64];
    snprintf(db, sizeof(db), "%s/first.db", e2e_tmpdir());
    snprintf(dir, sizeof(dir), "%s.files", db);
    snprintf(name, sizeof(name), "%s.csv", E2E_EXAMPLE_TASK);
    const char *args[] = {"--db", db, NULL};
    e2e_start(args, NULL, 1);
    cr_assert(!file_exists(dir, name), "%s written at start-up", name);
    char *tok = e2e_token("demo-app");
    struct first_download d[N];
    pthread_t th[N];
    for (int i = 0; i < N; i++) {
        d[i] = (struct first_download){.tok = tok};
        cr_assert_eq(pthread_create(&th[i], NULL, first_download_main, &d[i]), 0);
    }
    for (int i = 0; i < N; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < N; i++) {
        cr_assert_eq(d[i].status, 200, "download %d: %ld", i, d[i].status);
        cr_assert_not_null(d[i].body);
        d[i].body[d[i].len] = '\0';
        cr_expect_eq(count_lines(d[i].body), 301, "a header and the 300 identities");
        assert_same("a concurrent first download", d[0].body, d[0].len, d[i].body, d[i].len);
    }
    cr_assert(file_exists(dir, name), "no %s in %s after its download", name, dir);

    cJSON_Delete(ctl("POST", "/mock/reset", NULL, 200));
    cr_assert(!file_exists(dir, name), "the reset removed %s", name);
    size_t len;
    char *again = download(tok, E2E_EXAMPLE_TASK, "csv", &len);
    assert_same("the example CSV written again", d[0].body, d[0].len, again, len);
    cr_assert(file_exists(dir, name));
    free(again);
    for (int i = 0; i < N; i++)
        free(d[i].body);
    free(tok);
    e2e_finish();
}

/* With the in-memory database the files go in a private folder under
 * TMPDIR, which the server removes when it stops. */
Test(snapshot, private_folder_goes_with_the_server, .fini = e2e_fini, .timeout = 60.)
{
    char tmp[600], env[700];
    snprintf(tmp, sizeof(tmp), "%s/t", e2e_tmpdir());
    cr_assert_eq(mkdir(tmp, 0700), 0);
    snprintf(env, sizeof(env), "TMPDIR=%s", tmp);
    const char *const envs[] = {env, NULL};
    e2e_start(NULL, envs, 1);
    char *tok = e2e_token("demo-app");
    cJSON_Delete(e2e_result("v2024", tok, E2E_EXAMPLE_TASK)); /* the folder exists from the start */
    cr_assert_eq(count_entries(tmp, "isc-reports-mock-", 1), 1, "one private folder in %s", tmp);
    free(tok);
    e2e_finish();
    cr_assert_eq(count_prefixed(tmp, ""), 0, "the folder is gone after the server stopped");
}

/* A server with a large generated tenant, the real clock and reports that
 * are due at once, whose report files go to `dir`. */
static void start_large(char *dir, size_t dirlen)
{
    static char db[600];
    snprintf(db, sizeof(db), "%s/large.db", e2e_tmpdir());
    snprintf(dir, dirlen, "%s.files", db);
    const char *args[] = {"--db",         db,     "--tenant-size",     "100000",
                          "--clock",      "real", "--report-duration", "0",
                          "--rate-limit", "0",    "--quiet",           NULL};
    e2e_start_timeout_ms = 400 * 1000; /* generating takes seconds, more under load */
    e2e_start(args, NULL, 1);
}

/* Waits until a temporary file of task `id` exists in dir: its render runs. */
static void wait_rendering(const char *dir, const char *id)
{
    int64_t until = e2e_mono_ms() + 300 * 1000;
    while (count_prefixed(dir, id) == 0) {
        cr_assert(e2e_mono_ms() < until, "the render of %s never started", id);
        usleep(20 * 1000);
    }
}

/* Cancel while the files are being written: TERMINATED, no file, and the
 * worker stops (its temporary files go). */
Test(snapshot, cancel_stops_a_render, .fini = e2e_fini, .timeout = 600.)
{
    char dir[640], path[200], name[64];
    start_large(dir, sizeof(dir));
    char *tok = e2e_token("demo-admin");
    cJSON *task = e2e_run("v2024", tok, "{\"reportType\":\"IDENTITIES\"}");
    const char *id = jstr(task, "id");
    cJSON *res = e2e_result("v2024", tok, id); /* due: this read starts the render */
    cr_assert(!jhas(res, "status"), "running until its files are written");
    cJSON_Delete(res);
    wait_rendering(dir, id);

    struct http_res r;
    snprintf(path, sizeof(path), "/v2024/reports/%s/cancel", id);
    api_call(&r, "POST", path, tok, NULL);
    cr_assert_eq(r.status, 204, "%ld %s", r.status, r.body);
    http_res_free(&r);
    res = e2e_result("v2024", tok, id);
    cr_assert_str_eq(jstr(res, "status"), "TERMINATED");
    cJSON_Delete(res);

    int64_t until = e2e_mono_ms() + 60 * 1000;
    while (count_prefixed(dir, id) != 0) {
        cr_assert(e2e_mono_ms() < until, "the render of %s did not stop", id);
        usleep(20 * 1000);
    }
    snprintf(name, sizeof(name), "%s.csv", id);
    cr_assert(!file_exists(dir, name));
    snprintf(path, sizeof(path), "/v2024/reports/%s?fileFormat=csv", id);
    api_call(&r, "GET", path, tok, NULL);
    assert_error_dto(&r, 404, NULL);
    http_res_free(&r);
    cJSON_Delete(task);
    free(tok);
    e2e_finish(); /* a clean stop: the sanitized build also checks for leaks here */
}

/* Heavy reports rendering at once: four SEARCH_EXPORTs of every identity
 * and a 100,000-row IDENTITIES, more than the render threads take. */
static const char *const heavy[] = {
    "{\"reportType\":\"IDENTITIES\"}",
    "{\"reportType\":\"SEARCH_EXPORT\",\"arguments\":{\"indices\":[\"identities\"],"
    "\"query\":\"*\",\"sort\":[\"+name\"]}}",
    "{\"reportType\":\"SEARCH_EXPORT\",\"arguments\":{\"indices\":[\"identities\"],"
    "\"query\":\"*\",\"sort\":[\"-name\"]}}",
    "{\"reportType\":\"SEARCH_EXPORT\",\"arguments\":{\"indices\":[\"identities\"],"
    "\"query\":\"*\",\"sort\":[\"+displayName\"]}}",
    "{\"reportType\":\"SEARCH_EXPORT\",\"arguments\":{\"indices\":[\"identities\"],"
    "\"query\":\"*\",\"sort\":[\"-displayName\"]}}",
};
#define HEAVY (sizeof(heavy) / sizeof(heavy[0]))

/* While heavy reports render, polls of another task answer as usual: a
 * render holds no lock a poll needs, and no poll waits for a render. */
Test(snapshot, polls_answer_while_heavy_reports_render, .fini = e2e_fini, .timeout = 600.)
{
    char dir[640], path[200];
    cJSON *big[HEAVY];
    start_large(dir, sizeof(dir));
    char *tok = e2e_token("demo-admin");
    cJSON *small = e2e_run("v2024", tok, "{\"reportType\":\"ORPHAN_IDENTITIES\"}");
    cJSON_Delete(e2e_result_done("v2024", tok, jstr(small, "id"), 300));
    for (size_t i = 0; i < HEAVY; i++)
        big[i] = e2e_run("v2024", tok, heavy[i]);
    wait_rendering(dir, jstr(big[0], "id"));

    int64_t worst = 0;
    for (int i = 0; i < 20; i++) {
        int64_t t0 = e2e_mono_ms();
        cJSON *res = e2e_result("v2024", tok, jstr(small, "id"));
        int64_t took = e2e_mono_ms() - t0;
        worst = took > worst ? took : worst;
        cr_assert_str_eq(jstr(res, "status"), "SUCCESS");
        cJSON_Delete(res);
    }
    cJSON *res = e2e_result("v2024", tok, jstr(big[0], "id"));
    cr_assert(!jhas(res, "status"), "the large report was still rendering during the polls");
    cJSON_Delete(res);
    int64_t bound = (int64_t)(1000 * test_timeout_scale()); /* a sanitized server is slower */
    cr_expect_lt(worst, bound, "a poll took %lld ms during the renders (bound %lld ms)",
                 (long long)worst, (long long)bound);
    for (size_t i = 0; i < HEAVY; i++) {
        struct http_res r;
        snprintf(path, sizeof(path), "/v2024/reports/%s/cancel", jstr(big[i], "id"));
        api_call(&r, "POST", path, tok, NULL);
        http_res_free(&r);
        cJSON_Delete(big[i]);
    }
    cJSON_Delete(small);
    free(tok);
    e2e_finish();
}

/* One thread of the server: its name, nice value and scheduling policy
 * from /proc/PID/task/TID/{comm,stat}. 0, or -1 when it is gone. */
struct thread_sched {
    char name[32];
    int nice;
    int policy;
};

static int thread_sched_read(pid_t pid, const char *tid, struct thread_sched *out)
{
    char path[400], stat[1024];
    snprintf(path, sizeof path, "/proc/%d/task/%s/comm", (int)pid, tid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    int ok = fgets(out->name, sizeof out->name, f) != NULL;
    fclose(f);
    out->name[strcspn(out->name, "\n")] = '\0';
    snprintf(path, sizeof path, "/proc/%d/task/%s/stat", (int)pid, tid);
    f = fopen(path, "r");
    if (!f)
        return -1;
    ok = ok && fgets(stat, sizeof stat, f) != NULL;
    fclose(f);
    char *p = ok ? strrchr(stat, ')') : NULL; /* the name may hold spaces */
    if (!p)
        return -1;
    /* After the name: field 3 (state) on; nice is field 19, policy field 41. */
    char *save = NULL;
    int field = 3;
    out->nice = out->policy = -100;
    for (char *tok = strtok_r(p + 1, " ", &save); tok; tok = strtok_r(NULL, " ", &save), field++) {
        if (field == 19)
            out->nice = atoi(tok);
        else if (field == 41)
            out->policy = atoi(tok);
    }
    return 0;
}

/* Renders are background work: the render threads run SCHED_BATCH at nice
 * 19, the threads that answer requests and the watcher at the normal
 * priority; the threads have names (ps, top and perf show them). */
E2E_TEST(snapshot, renders_run_at_the_lowest_priority)
{
    char *tok = e2e_token("demo-admin");
    cJSON *task = e2e_run("v2024", tok,
                          "{\"reportType\":\"IDENTITY_PROFILE_IDENTITY_ERROR\",\"arguments\":"
                          "{\"authoritativeSource\":\"2c9180847de347aa017de8ef09167792\"}}");
    e2e_clock_advance(60000); /* due: rendered before the clock move answers */
    cJSON *res = e2e_result_done("v2024", tok, jstr(task, "id"), 60);
    cr_assert_str_eq(jstr(res, "status"), "SUCCESS");
    cJSON_Delete(res);
    cJSON_Delete(task);
    free(tok);

    /* The server's own priority is whatever it was started with (a test
     * run may be niced): the main thread has it. */
    char dir[64], main_tid[32];
    struct thread_sched main_thread;
    snprintf(main_tid, sizeof main_tid, "%d", (int)e2e_srv.pid);
    cr_assert_eq(thread_sched_read(e2e_srv.pid, main_tid, &main_thread), 0);
    snprintf(dir, sizeof dir, "/proc/%d/task", (int)e2e_srv.pid);
    DIR *d = opendir(dir);
    cr_assert_not_null(d, "%s", dir);
    int renders = 0, workers = 0, watchers = 0;
    for (struct dirent *e; (e = readdir(d));) {
        struct thread_sched t;
        if (e->d_name[0] == '.' || thread_sched_read(e2e_srv.pid, e->d_name, &t) != 0)
            continue;
        if (strcmp(t.name, "render") == 0) {
            renders++;
            cr_expect_eq(t.policy, 3, "render thread %s: policy %d, not SCHED_BATCH", e->d_name,
                         t.policy);
            cr_expect_eq(t.nice, 19, "render thread %s: nice %d", e->d_name, t.nice);
            continue;
        }
        workers += strcmp(t.name, "MHD-worker") == 0;
        watchers += strcmp(t.name, "watcher") == 0;
        cr_expect_eq(t.policy, 0, "%s (%s): policy %d", t.name, e->d_name, t.policy);
        cr_expect_eq(t.nice, main_thread.nice, "%s (%s): nice %d, the server's %d", t.name,
                     e->d_name, t.nice, main_thread.nice);
    }
    closedir(d);
    cr_expect_gt(renders, 0, "no render thread");
    cr_expect_gt(workers, 0, "no request thread");
    cr_expect_eq(watchers, 1, "%d threads named watcher", watchers);
}

/* With --report-duration 0 a task is due when it starts, and it ends with
 * its files by itself, while the clock stands still: its files appear
 * beside the database with no poll, clock move or reset to set them off.
 * Starts and polls answer meanwhile. */
Test(snapshot, a_task_due_at_its_start_ends_by_itself, .fini = e2e_fini, .timeout = 240.)
{
    char db[600], dir[640], name[64];
    snprintf(db, sizeof(db), "%s/due.db", e2e_tmpdir());
    snprintf(dir, sizeof(dir), "%s.files", db);
    e2e_start((const char *[]){"--db", db, "--report-duration", "0", NULL}, NULL, 1);
    enum { N = 20 };
    char *tok = e2e_token("demo-admin");
    char ids[N][64];
    for (int i = 0; i < N; i++) {
        char body[256];
        snprintf(body, sizeof body,
                 "{\"reportType\":\"IDENTITY_PROFILE_IDENTITY_ERROR\",\"arguments\":"
                 "{\"authoritativeSource\":\"2c9180847de347aa017de8ef09167792\",\"n\":%d}}",
                 i);
        cJSON *task = e2e_run("v2024", tok, body);
        snprintf(ids[i], sizeof ids[i], "%s", jstr(task, "id"));
        cJSON_Delete(task);
    }
    int64_t clock = e2e_clock_now();
    /* No request to the server until every PDF is there (the test's
     * timeout bounds the wait). */
    for (int i = 0; i < N;) {
        snprintf(name, sizeof(name), "%s.pdf", ids[i]);
        if (file_exists(dir, name))
            i++;
        else
            usleep(50 * 1000);
    }
    for (int i = 0; i < N; i++) {
        cJSON *res = e2e_result_done("v2024", tok, ids[i], 60);
        cr_expect_str_eq(jstr(res, "status"), "SUCCESS", "%s", ids[i]);
        cr_expect_eq(jnum(res, "rows"), 8, "%s", ids[i]);
        cJSON_Delete(res);
    }
    cr_expect_eq(e2e_clock_now(), clock, "the virtual clock did not move");
    free(tok);
    e2e_finish();
}
