/*
 * test_footprint.c - what an idle server holds: its resident memory right
 * after start stays under a documented bound, and the libraries that only
 * some report files need (libarchive for zips, cairo for PDFs) are not
 * loaded until the first report with such a file ends, while OpenSSL's
 * libcrypto is never loaded; the journal's thread starts with the first
 * row, the render threads with the first reports that have files.
 *
 * The default database and a --db file are both files, whose pages are not
 * resident once the tenant has loaded; the built-in database image the
 * tenant is copied from (1.7 MB of the executable) is given back after the
 * copy.
 *
 * Resident memory is only meaningful for the server running natively: under
 * valgrind the process is the tool's, and the sanitizers' shadow memory and
 * quarantine dwarf the server. The bound is checked when the server's
 * executable is the server itself and its address space is not the
 * terabytes the sanitizers reserve; the library checks hold everywhere.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "harness.h"

/* Idle VmRSS bound, kB: the footprint target, 8 MB. An idle server measures
 * about 5 MB (6.9 MB while libmicrohttpd brought GnuTLS, 8.6 MB while the
 * image's pages stayed resident). */
#define IDLE_RSS_LIMIT_KB 8192L
/* 1 when some mapping of pid is a file whose name holds `lib`. */
static int maps_library(pid_t pid, const char *lib)
{
    char path[64], line[1024];
    int found = 0;
    snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "%s", path);
    while (!found && fgets(line, sizeof line, f)) {
        const char *file = strchr(line, '/');
        found = file && strstr(file, lib) != NULL;
    }
    fclose(f);
    return found;
}

/* Starts a server with `args` and checks its idle VmRSS against the bound.
 * meson test sets MALLOC_PERTURB_, which makes glibc write every block it
 * hands out: the server here runs with it off, as it runs for users. */
static void check_idle_rss(const char **args)
{
    unsetenv("MALLOC_PERTURB_"); /* this test's own process: the server inherits it */
    e2e_start(args, NULL, 1);
    long rss = e2e_status_kb(e2e_srv.pid, "VmRSS");
    cr_assert_gt(rss, 0);
    if (!e2e_runs_natively(e2e_srv.pid)) {
        cr_log_info("idle VmRSS %ld kB under a tool or sanitizer: bound not applied", rss);
    } else {
        cr_expect_leq(rss, IDLE_RSS_LIMIT_KB, "idle VmRSS %ld kB, bound %ld kB", rss,
                      IDLE_RSS_LIMIT_KB);
    }
    e2e_finish();
}

Test(footprint, idle_resident_memory_is_bounded, .fini = e2e_fini, .timeout = 90.)
{
    const char *args[] = {NULL};
    check_idle_rss(args);
}

Test(footprint, idle_resident_memory_is_bounded_with_a_database_file, .fini = e2e_fini,
     .timeout = 90.)
{
    char db[600];
    snprintf(db, sizeof db, "%s/idle.db", e2e_tmpdir());
    const char *args[] = {"--db", db, NULL};
    check_idle_rss(args);
}

/* Downloads `body`'s report in `format` once it finished. */
static void download(const char *token, const char *body, const char *format)
{
    cJSON *task = e2e_run("v2024", token, body);
    e2e_clock_advance(60 * 1000);
    cJSON_Delete(e2e_result_done("v2024", token, jstr(task, "id"), 30));
    char path[256];
    snprintf(path, sizeof path, "/v2024/reports/%s?fileFormat=%s", jstr(task, "id"), format);
    struct http_res r;
    api_call(&r, "GET", path, token, NULL);
    cr_assert_eq(r.status, 200, "%s: %ld %s", path, r.status, r.body);
    http_res_free(&r);
    cJSON_Delete(task);
}

/* A report's files are written when it ends, so a library loads with the
 * first report that has a file needing it, downloaded or not. The example
 * task's files are compiled in: nothing is rendered for them. */
E2E_TEST(footprint, libraries_load_on_first_use)
{
    pid_t pid = e2e_srv.pid;
    /* libmicrohttpd is linked without the GnuTLS of its shared library. */
    cr_expect_not(maps_library(pid, "libgnutls.so"), "GnuTLS is loaded");
    cr_expect_not(maps_library(pid, "libmicrohttpd.so"), "libmicrohttpd is a shared library");
    cr_expect_not(maps_library(pid, "libcrypto.so"), "OpenSSL is loaded");
    cr_expect_not(maps_library(pid, "libarchive.so"), "libarchive is loaded before any zip");
    cr_expect_not(maps_library(pid, "libcairo.so"), "cairo is loaded before any PDF");
    char *tok = e2e_token("demo-app");
    download(tok,
             "{\"reportType\":\"ORPHAN_IDENTITIES\",\"arguments\":{\"selectedFormats\":[\"CSV\"]}}",
             "csv");
    cr_expect_not(maps_library(pid, "libarchive.so"), "libarchive is loaded by a CSV");
    cr_expect_not(maps_library(pid, "libcairo.so"), "cairo is loaded by a report without a PDF");
    download(tok, "{\"reportType\":\"ORPHAN_IDENTITIES\"}", "pdf");
    cr_expect(maps_library(pid, "libcairo.so"), "a PDF did not load cairo");
    cr_expect_not(maps_library(pid, "libarchive.so"), "libarchive is loaded by a CSV and a PDF");
    download(tok,
             "{\"reportType\":\"SEARCH_EXPORT\",\"arguments\":{\"indices\":[\"identities\"],"
             "\"query\":\"*\"}}",
             "csv");
    cr_expect(maps_library(pid, "libarchive.so"), "a zip did not load libarchive");
    cr_expect_not(maps_library(pid, "libcrypto.so"), "OpenSSL is loaded after the downloads");
    cr_expect_not(maps_library(pid, "libgnutls.so"), "GnuTLS is loaded after the downloads");
    free(tok);
}

/* How many threads pid runs now. */
static int threads_of(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
    DIR *d = opendir(path);
    cr_assert_not_null(d, "%s", path);
    int n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

/* The render threads start with the reports that need them: none on a
 * server that renders nothing, and one for reports that end one after
 * another (it renders each in turn). */
E2E_TEST(footprint, render_threads_start_with_the_first_report)
{
    static const char body[] =
        "{\"reportType\":\"ORPHAN_IDENTITIES\",\"arguments\":{\"selectedFormats\":[\"CSV\"]}}";
    pid_t pid = e2e_srv.pid;
    int fresh = threads_of(pid);
    /* The token's record is queued before the answer: the journal's thread
     * starts with it, not before the first line. */
    char *tok = e2e_token("demo-app");
    int idle = threads_of(pid);
    cr_expect_eq(idle, fresh + 1, "the first token did not start the journal's thread");
    struct http_res r;
    api_call(&r, "GET", "/v2024/reports/" E2E_EXAMPLE_TASK "?fileFormat=csv", tok, NULL);
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    http_res_free(&r);
    cr_expect_eq(threads_of(pid), idle, "a token and the example's file started a thread");
    download(tok, body, "csv");
    cr_expect_eq(threads_of(pid), idle + 1, "the first report did not start one render thread");
    download(tok, body, "csv");
    download(tok, body, "csv");
    cr_expect_eq(threads_of(pid), idle + 1, "reports one after another started another thread");
    free(tok);
}
