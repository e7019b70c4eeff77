/*
 * test_startup.c - what the server says and refuses when it starts: a port
 * another server listens on, settings that would leave it open by mistake,
 * fixtures that a database already past its first start does not load, and
 * the pointers a newcomer finds on `GET /` and in --help.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "harness.h"

#define CLI_TIMEOUT_MS 15000

static int url_port(const char *url)
{
    return atoi(strrchr(url, ':') + 1);
}

/* Asserts that starting with `args` exits 2 with one stderr line holding `part`. */
static void expect_refused(const char *const *args, const char *const *env, const char *part)
{
    struct cli_result r;
    cli_run(args, env, CLI_TIMEOUT_MS, &r);
    cr_expect_eq(r.exit_code, 2, "exit %d (stdout \"%s\", stderr \"%s\")", r.exit_code, r.out,
                 r.err);
    cr_expect_eq(count_lines(r.err), 1, "stderr is not one line: \"%s\"", r.err);
    cr_expect(strstr(r.err, part) != NULL, "stderr \"%s\" lacks \"%s\"", r.err, part);
    cr_expect(strstr(r.out, "listening on") == NULL, "it started: %s", r.out);
    cli_result_free(&r);
}

/* A second mock on the port of a running one exits 2 naming the port; the first serves on. */
E2E_TEST(startup, port_of_a_running_mock_is_refused)
{
    char port[16];
    snprintf(port, sizeof port, "%d", url_port(e2e_srv.url));
    expect_refused((const char *[]){"--bind", "127.0.0.1", "--port", port, NULL}, NULL, port);
    char *tok = e2e_token("demo-app"); /* the first server still answers */
    free(tok);
}

/* Any other process listening on the port counts too. */
Test(startup, port_of_another_listener_is_refused, .timeout = 30.)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert(fd >= 0);
    struct sockaddr_in sa = {.sin_family = AF_INET};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sa;
    cr_assert(bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0);
    cr_assert(listen(fd, 4) == 0);
    cr_assert(getsockname(fd, (struct sockaddr *)&sa, &len) == 0);
    char port[16];
    snprintf(port, sizeof port, "%d", ntohs(sa.sin_port));
    expect_refused((const char *[]){"--bind", "127.0.0.1", "--port", port, NULL}, NULL, port);
    close(fd);
}

/* A bad variable does not stop a start when its flag is given ("the flag wins"). */
Test(startup, bad_variable_under_a_flag_is_ignored, .fini = e2e_fini, .timeout = 60.)
{
    e2e_start(NULL, (const char *[]){"ISC_MOCK_PORT=abc", "ISC_MOCK_CLOCK=sideways", NULL}, 1);
    struct http_res r;
    http_req(&r, "GET", "/mock/clock", NULL, NULL, 0);
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_expect_str_eq(jstr(r.json, "mode"), "virtual");
    http_res_free(&r);
    e2e_finish();
}

/* GET / points a newcomer to the API, the control API and the README, without a token. */
E2E_TEST(startup, root_points_to_the_api)
{
    struct http_res r;
    http_req(&r, "GET", "/", NULL, NULL, 0);
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    char ct[128];
    cr_expect(http_header(&r, "Content-Type", ct, sizeof ct) && strstr(ct, "application/json"),
              "content type");
    cr_assert(r.json != NULL, "not JSON: %s", r.body);
    cr_expect(jstr(r.json, "token") && strstr(jstr(r.json, "token"), "/oauth/token"), "%s", r.body);
    cr_expect(jstr(r.json, "reports") && strstr(jstr(r.json, "reports"), "/v2024/reports"), "%s",
              r.body);
    cr_expect(jstr(r.json, "reports") && strstr(jstr(r.json, "reports"), "/reports/v1"), "%s",
              r.body);
    cr_expect(jstr(r.json, "control") && strstr(jstr(r.json, "control"), "/mock/"), "%s", r.body);
    cr_expect(jstr(r.json, "console") && strstr(jstr(r.json, "console"), "/mock/ui"), "%s", r.body);
    cr_expect(jstr(r.json, "docs") && strstr(jstr(r.json, "docs"), "README"), "%s", r.body);
    cr_expect_str_eq(jstr(r.json, "version"), ISC_EXPECTED_VERSION);
    http_res_free(&r);
}

/* --help names the demo clients, so a first token needs no other page. */
Test(startup, help_names_the_demo_credentials, .timeout = 30.)
{
    struct cli_result r;
    cli_run((const char *[]){"--help", NULL}, NULL, CLI_TIMEOUT_MS, &r);
    cr_expect_eq(r.exit_code, 0);
    static const char *const want[] = {"demo-admin",  "demo-admin-secret",
                                       "demo-app",    "demo-app-secret",
                                       "demo-reader", "demo-reader-secret"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        cr_expect(strstr(r.out, want[i]) != NULL, "--help lacks %s", want[i]);
    cli_result_free(&r);
}

/* An empty admin token is a mistake, not a way to turn it off. */
Test(startup, empty_admin_token_is_refused, .timeout = 30.)
{
    expect_refused((const char *[]){"--port", "0", "--admin-token", "", NULL}, NULL, "admin token");
    expect_refused((const char *[]){"--port", "0", NULL},
                   (const char *[]){"ISC_MOCK_ADMIN_TOKEN=", NULL}, "admin token");
}

/* The default database's file cannot be made: the message names the folder
 * tried, which is the first thing a user with a wrong $TMPDIR needs. */
Test(startup, a_temporary_folder_that_is_missing_is_named, .timeout = 30.)
{
    const char *dir = "/nonexistent-isc-reports-mock-tmp/sub";
    char env[128];
    snprintf(env, sizeof env, "TMPDIR=%s", dir);
    expect_refused((const char *[]){"--bind", "127.0.0.1", "--port", "0", NULL},
                   (const char *[]){env, NULL}, dir);
}

/* Every address but loopback without an admin token: a warning at start; with one, none. */
Test(startup, open_address_without_admin_token_warns, .fini = e2e_fini, .timeout = 60.)
{
    e2e_start((const char *[]){"--bind", "0.0.0.0", NULL}, NULL, 1);
    char *err = mock_proc_stderr(&e2e_srv);
    cr_expect(strstr(err, "without --admin-token") != NULL, "no warning: %s", err);
    free(err);
    e2e_finish();
    e2e_start((const char *[]){"--bind", "0.0.0.0", "--admin-token", "s3cret", NULL}, NULL, 1);
    err = mock_proc_stderr(&e2e_srv);
    cr_expect(strstr(err, "without --admin-token") == NULL, "a warning with a token: %s", err);
    free(err);
    e2e_finish();
    e2e_start(NULL, NULL, 1); /* loopback */
    err = mock_proc_stderr(&e2e_srv);
    cr_expect(strstr(err, "without --admin-token") == NULL, "a warning on loopback: %s", err);
    free(err);
    e2e_finish();
}

/* --fixtures with a database that already holds a tenant says they were not loaded. */
Test(startup, fixtures_over_an_existing_database_are_reported, .fini = e2e_fini, .timeout = 60.)
{
    char db[1024], dir[1024], sql[1100];
    snprintf(db, sizeof db, "%s/mock.db", e2e_tmpdir());
    snprintf(dir, sizeof dir, "%s/fixtures", e2e_tmpdir());
    snprintf(sql, sizeof sql, "%s/empty.sql", dir);
    cr_assert(mkdir(dir, 0700) == 0);
    FILE *f = fopen(sql, "w");
    cr_assert(f != NULL);
    fputs("SELECT 1;\n", f);
    fclose(f);

    /* A new database takes the folder: no warning. */
    char fresh[1100];
    snprintf(fresh, sizeof fresh, "%s/fresh.db", e2e_tmpdir());
    e2e_start((const char *[]){"--db", fresh, "--fixtures", dir, NULL}, NULL, 1);
    char *err = mock_proc_stderr(&e2e_srv);
    cr_expect(strstr(err, "not loaded") == NULL, "a new database: %s", err);
    free(err);
    e2e_finish();

    /* A database made with the built-in fixtures keeps them, and says so. */
    e2e_start((const char *[]){"--db", db, NULL}, NULL, 1);
    e2e_finish();
    e2e_start((const char *[]){"--db", db, "--fixtures", dir, NULL}, NULL, 1);
    err = mock_proc_stderr(&e2e_srv);
    cr_expect(strstr(err, "not loaded") != NULL && strstr(err, dir) != NULL, "no notice: %s", err);
    free(err);
    char *tok = e2e_token("demo-app"); /* the built-in clients are still there */
    free(tok);
    e2e_finish();
}
