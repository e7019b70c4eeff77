/*
 * test_cli.c - the binary as a program: --help and --version, bad flags and
 * bad values (one-line error, exit 2), environment variables, an unusable
 * database, graceful SIGTERM, and a file database that keeps its tasks and
 * its signing key across a restart.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "harness.h"

#define CLI_TIMEOUT_MS 15000

static const char *const identities_body =
    "{\"reportType\":\"IDENTITIES\",\"arguments\":{\"correlatedOnly\":true}}";

Test(cli, help_exits_0)
{
    struct cli_result r;
    cli_run((const char *[]){"--help", NULL}, NULL, CLI_TIMEOUT_MS, &r);
    cr_expect_eq(r.exit_code, 0, "--help exit %d, stderr: %s", r.exit_code, r.err);
    cr_expect(strstr(r.out, "--port") != NULL, "--help does not list --port: %s", r.out);
    cr_expect(strstr(r.out, "--db") != NULL, "--help does not list --db: %s", r.out);
    cr_expect(strstr(r.out, "ISC_MOCK_") != NULL, "--help does not name the env vars: %s", r.out);
    cli_result_free(&r);
}

Test(cli, version_exits_0)
{
    struct cli_result r;
    cli_run((const char *[]){"--version", NULL}, NULL, CLI_TIMEOUT_MS, &r);
    cr_expect_eq(r.exit_code, 0, "--version exit %d, stderr: %s", r.exit_code, r.err);
    cr_expect(strstr(r.out, ISC_EXPECTED_VERSION) != NULL, "--version prints \"%s\"", r.out);
    cr_expect_eq(count_lines(r.out), 1, "--version prints one line: \"%s\"", r.out);
    cli_result_free(&r);
}

struct bad_cli {
    const char *id;
    const char *args[6];
    const char *env[3];
};

static const struct bad_cli bad_cli_cases[] = {
    {"unknown_flag", {"--no-such-flag", NULL}, {NULL}},
    {"unknown_short_flag", {"-Z", NULL}, {NULL}},
    {"stray_argument", {"surplus", NULL}, {NULL}},
    {"port_not_a_number", {"--port", "abc", NULL}, {NULL}},
    {"port_too_large", {"--port", "70000", NULL}, {NULL}},
    {"port_negative", {"--port", "-1", NULL}, {NULL}},
    {"port_missing_value", {"--port", NULL}, {NULL}},
    {"clock_unknown", {"--clock", "sideways", NULL}, {NULL}},
    {"log_format_unknown", {"--log-format", "xml", NULL}, {NULL}},
    {"duration_not_a_number", {"--report-duration", "soon", NULL}, {NULL}},
    {"duration_negative", {"--report-duration", "-5", NULL}, {NULL}},
    {"ttl_not_a_number", {"--token-ttl", "1h", NULL}, {NULL}},
    {"env_clock_unknown", {NULL}, {"ISC_MOCK_CLOCK=sideways", NULL}},
    {"env_port_not_a_number", {NULL}, {"ISC_MOCK_PORT=abc", NULL}},
};

E2E_TABLE_PARAMS(cli, bad_flag_exits_2, bad_cli_cases)

ParameterizedTest(size_t *i, cli, bad_flag_exits_2, .timeout = 30.)
{
    const struct bad_cli *c = &bad_cli_cases[*i];
    struct cli_result r;
    cli_run(c->args, c->env, CLI_TIMEOUT_MS, &r);
    cr_expect_eq(r.exit_code, 2, "%s: exit %d (stdout \"%s\", stderr \"%s\")", c->id, r.exit_code,
                 r.out, r.err);
    cr_expect_eq(count_lines(r.err), 1, "%s: stderr is not one line: \"%s\"", c->id, r.err);
    cr_expect(strstr(r.out, "listening on") == NULL, "%s: it started: %s", c->id, r.out);
    cli_result_free(&r);
}

/* A database path that cannot be opened: exit 2 with one line, no listening. */
static void expect_db_refused(const char *path, const char *what)
{
    struct cli_result r;
    cli_run((const char *[]){"--port", "0", "--db", path, NULL}, NULL, CLI_TIMEOUT_MS, &r);
    cr_expect_eq(r.exit_code, 2, "%s: exit %d (stderr \"%s\")", what, r.exit_code, r.err);
    cr_expect_eq(count_lines(r.err), 1, "%s: stderr is not one line: \"%s\"", what, r.err);
    cr_expect(strstr(r.out, "listening on") == NULL, "%s: it started", what);
    cli_result_free(&r);
}

Test(cli, db_in_missing_folder_exits_2, .fini = e2e_fini, .timeout = 30.)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/no/such/folder/mock.db", e2e_tmpdir());
    expect_db_refused(path, "missing folder");
}

Test(cli, db_is_a_folder_exits_2, .fini = e2e_fini, .timeout = 30.)
{
    expect_db_refused(e2e_tmpdir(), "a folder");
}

Test(cli, db_not_sqlite_exits_2, .fini = e2e_fini, .timeout = 30.)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/garbage.db", e2e_tmpdir());
    FILE *f = fopen(path, "w");
    cr_assert(f != NULL);
    for (int i = 0; i < 512; i++)
        fputs("this is not a database ", f);
    fclose(f);
    expect_db_refused(path, "not SQLite");
}

Test(cli, env_db_in_missing_folder_exits_2, .fini = e2e_fini, .timeout = 30.)
{
    char env[1100];
    snprintf(env, sizeof env, "ISC_MOCK_DB=%s/missing/x.db", e2e_tmpdir());
    struct cli_result r;
    cli_run((const char *[]){"--port", "0", NULL}, (const char *[]){env, NULL}, CLI_TIMEOUT_MS, &r);
    cr_expect_eq(r.exit_code, 2, "exit %d (stderr \"%s\")", r.exit_code, r.err);
    cli_result_free(&r);
}

static char *clock_mode_of_server(void)
{
    struct http_res r;
    http_req(&r, "GET", "/mock/clock", NULL, NULL, 0);
    cr_assert_eq(r.status, 200, "GET /mock/clock: %ld %s", r.status, r.body);
    const char *mode = jstr(r.json, "mode");
    cr_assert(mode != NULL, "no mode: %s", r.body);
    char *out = strdup(mode);
    http_res_free(&r);
    return out;
}

/* Every setting from the environment alone; the first line names the bind address. */
Test(cli, settings_from_environment, .fini = e2e_fini, .timeout = 60.)
{
    const char *env[] = {"ISC_MOCK_BIND=127.0.0.1",
                         "ISC_MOCK_PORT=0",
                         "ISC_MOCK_CLOCK=real",
                         "ISC_MOCK_TOKEN_TTL=123",
                         "ISC_MOCK_REPORT_DURATION=10",
                         "ISC_MOCK_LOG_FORMAT=json",
                         NULL};
    e2e_start(NULL, env, 0);
    cr_expect(strncmp(e2e_srv.url, "http://127.0.0.1:", 17) == 0, "url %s", e2e_srv.url);
    char *mode = clock_mode_of_server();
    cr_expect_str_eq(mode, "real");
    free(mode);

    struct http_res r;
    const char *form = "grant_type=client_credentials&client_id=demo-app&client_secret=demo-app-"
                       "secret";
    http_req(&r, "POST", "/oauth/token", NULL, form, strlen(form));
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_expect_eq((long)jnum(r.json, "expires_in"), 123, "ISC_MOCK_TOKEN_TTL ignored: %s", r.body);
    http_res_free(&r);
    e2e_finish();
}

/* A flag beats the environment variable of the same setting. */
Test(cli, flag_beats_environment, .fini = e2e_fini, .timeout = 60.)
{
    const char *env[] = {"ISC_MOCK_CLOCK=real", NULL};
    e2e_start((const char *[]){"--clock", "virtual", NULL}, env, 1);
    char *mode = clock_mode_of_server();
    cr_expect_str_eq(mode, "virtual");
    free(mode);
    e2e_finish();
}

E2E_TEST(cli, first_line_is_the_url)
{
    /* The harness parsed it already; check its exact shape once more. */
    cr_assert(strncmp(e2e_srv.url, "http://127.0.0.1:", 17) == 0, "%s", e2e_srv.url);
    struct http_res r;
    http_req(&r, "GET", "/mock/health", NULL, NULL, 0);
    cr_assert_eq(r.status, 200);
    http_res_free(&r);
}

/* One worker thread serves, and starts without libmicrohttpd warning about it. */
E2E_TEST(cli, one_thread_serves_without_warnings)
{
    e2e_restart((const char *[]){"--threads", "1", NULL});
    struct http_res r;
    http_req(&r, "GET", "/mock/health", NULL, NULL, 0);
    cr_assert_eq(r.status, 200);
    http_res_free(&r);
    char *err = mock_proc_stderr(&e2e_srv);
    cr_assert_not_null(err);
    cr_expect_null(strstr(err, " warn "), "stderr: %s", err);
    free(err);
}

E2E_TEST(cli, real_clock_refuses_clock_changes)
{
    e2e_restart((const char *[]){"--clock", "real", NULL});
    char *mode = clock_mode_of_server();
    cr_expect_str_eq(mode, "real");
    free(mode);
    struct http_res r;
    const char *h[] = {"Content-Type: application/json", NULL};
    http_req(&r, "POST", "/mock/clock", h, "{\"advanceMs\":1000}", 18);
    assert_error_dto(&r, 400, NULL);
    http_res_free(&r);
}

E2E_TEST(cli, report_duration_flag)
{
    e2e_restart((const char *[]){"--report-duration", "500", NULL});
    char *tok = e2e_token("demo-app");
    cJSON *task = e2e_run("v2024", tok, identities_body);
    const char *id = jstr(task, "id");
    e2e_clock_advance(400);
    cJSON *res = e2e_result("v2024", tok, id);
    cr_expect(!jhas(res, "status"), "finished before 500 ms");
    cJSON_Delete(res);
    e2e_clock_advance(200);
    res = e2e_result_done("v2024", tok, id, 30);
    cr_expect_str_eq(jstr(res, "status"), "SUCCESS");
    cJSON_Delete(res);
    cJSON_Delete(task);
    free(tok);
}

E2E_TEST(cli, token_ttl_flag)
{
    e2e_restart((const char *[]){"--token-ttl", "77", NULL});
    struct http_res r;
    const char *form = "grant_type=client_credentials&client_id=demo-app&client_secret=demo-app-"
                       "secret";
    http_req(&r, "POST", "/oauth/token", NULL, form, strlen(form));
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_expect_eq((long)jnum(r.json, "expires_in"), 77, "%s", r.body);
    http_res_free(&r);
}

/* Waits up to 3 s for the server's stderr to hold `n` lines. */
static char *wait_stderr_lines(int n)
{
    for (int i = 0; i < 300; i++) {
        char *err = mock_proc_stderr(&e2e_srv);
        if (count_lines(err) >= n)
            return err;
        free(err);
        usleep(10000);
    }
    return mock_proc_stderr(&e2e_srv);
}

E2E_TEST(cli, json_log_lines)
{
    e2e_restart((const char *[]){"--log-format", "json", NULL});
    char *start = mock_proc_stderr(&e2e_srv);
    int before = count_lines(start);
    free(start);
    struct http_res r;
    http_req(&r, "GET", "/v2024/reports/0123456789abcdef0123456789abcdef/result", NULL, NULL, 0);
    cr_assert_eq(r.status, 401);
    http_res_free(&r);
    char *err = wait_stderr_lines(before + 1);
    cr_assert(count_lines(err) > before, "no log line for the request");
    /* Every line is a JSON object; the request's line names its path and status. */
    int found = 0;
    char *save = NULL;
    for (char *line = strtok_r(err, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        cJSON *j = cJSON_Parse(line);
        cr_expect(cJSON_IsObject(j), "not a JSON line: %s", line);
        if (strstr(line, "/v2024/reports/") != NULL && strstr(line, "401") != NULL)
            found = 1;
        cJSON_Delete(j);
    }
    cr_expect(found, "no JSON log line with the path and status 401");
    free(err);
}

/* Tasks, their rows and the signing key survive a restart on the same file. */
E2E_TEST(cli, file_db_survives_restart)
{
    char db[1024];
    snprintf(db, sizeof db, "%s/mock.db", e2e_tmpdir());
    const char *args[] = {"--db", db, NULL};
    e2e_restart(args);

    char *tok = e2e_token("demo-app");
    cJSON *done = e2e_run("v2024", tok, identities_body);
    char done_id[64];
    snprintf(done_id, sizeof done_id, "%s", jstr(done, "id"));
    e2e_clock_advance(5000);
    cJSON *res = e2e_result_done("v2024", tok, done_id, 30);
    cr_assert_str_eq(jstr(res, "status"), "SUCCESS");
    long rows = (long)jnum(res, "rows");
    cJSON_Delete(res);
    cJSON_Delete(done);

    e2e_restart(args); /* asserts a clean exit, starts on the same file */
    cr_assert(access(db, F_OK) == 0, "the database file is gone");

    /* The old token still verifies: the key lives in the database. */
    res = e2e_result("v2024", tok, done_id);
    cr_expect_str_eq(jstr(res, "status"), "SUCCESS");
    cr_expect_eq((long)jnum(res, "rows"), rows);
    cJSON_Delete(res);

    struct http_res r;
    http_req(&r, "GET", "/mock/tasks", NULL, NULL, 0);
    cr_assert_eq(r.status, 200);
    cJSON *tasks = cJSON_GetObjectItemCaseSensitive(r.json, "tasks");
    cr_assert(cJSON_IsArray(tasks));
    int seen = 0;
    cJSON *t;
    cJSON_ArrayForEach(t, tasks)
    {
        const char *id = jstr(t, "id");
        if (id != NULL && strcmp(id, done_id) == 0)
            seen = 1;
    }
    cr_expect(seen, "task %s not listed after the restart: %s", done_id, r.body);
    http_res_free(&r);

    char path[256];
    snprintf(path, sizeof path, "/v2024/reports/%s?fileFormat=csv", done_id);
    api_call(&r, "GET", path, tok, NULL);
    cr_expect_eq(r.status, 200, "download after restart: %ld %s", r.status, r.body);
    http_res_free(&r);
    free(tok);
}

/* An idle keep-alive connection (as the SDK leaves one) does not hold up SIGTERM. */
E2E_TEST(cli, sigterm_with_open_connection_exits_0)
{
    int port = atoi(strrchr(e2e_srv.url, ':') + 1);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert(fd >= 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert(connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0);
    const char *req =
        "GET /mock/health HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\n\r\n";
    cr_assert(write(fd, req, strlen(req)) == (ssize_t)strlen(req));
    char buf[1024];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    cr_assert(n > 12, "no answer on the raw connection");
    buf[n] = '\0';
    cr_expect(strncmp(buf, "HTTP/1.1 200", 12) == 0, "%s", buf);
    /* e2e_finish (after this body) sends SIGTERM with the connection still open. */
    e2e_finish();
    close(fd);
}
