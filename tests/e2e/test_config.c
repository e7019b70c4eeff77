/*
 * test_config.c - the config file (--config, ISC_MOCK_CONFIG): its
 * settings under the variables and flags, its sections (clients, report
 * behaviours, faults, preloaded tasks) set up at start and again by a reset,
 * refusals that name the member and its line with exit code 2, and
 * --print-config, whose output is a config file that prints the same again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "harness.h"

#define CLI_MS 15000

/* Writes `text` to a file in the test's scratch folder; returns its path (static). */
static const char *config_file(const char *name, const char *text)
{
    static char path[600];
    snprintf(path, sizeof path, "%s/%s", e2e_tmpdir(), name);
    FILE *f = fopen(path, "w");
    cr_assert(f, "cannot write %s", path);
    fputs(text, f);
    fclose(f);
    return path;
}

static const char *const full =
    "{\n"
    "  \"clock\": \"virtual\",\n"
    "  \"report-duration\": 5000,\n"
    "  \"token-ttl\": 60,\n"
    "  \"quiet\": true,\n"
    "  \"cors\": [\"http://localhost:5173\"],\n"
    "  \"clients\": [\n"
    "    {\"clientId\": \"ci-bot\", \"clientSecret\": \"ci-bot-secret\", \"userContext\": false,\n"
    "     \"scopes\": \"sp:report:read sp:report:manage\"}\n"
    "  ],\n"
    "  \"reports\": {\"ACCOUNTS\": {\"polls\": 2, \"outcome\": \"WARNING\"}},\n"
    "  \"faults\": [{\"operation\": \"getReport\", \"status\": 503, \"times\": 1}],\n"
    "  \"tasks\": [\n"
    "    {\"reportType\": \"IDENTITIES\", \"arguments\": {\"correlatedOnly\": true}},\n"
    "    {\"reportType\": \"ORPHAN_IDENTITIES\", \"clientId\": \"ci-bot\", \"outcome\": "
    "\"ERROR\",\n"
    "     \"durationMs\": 3600000}\n"
    "  ]\n"
    "}\n";

/* The tasks of GET /mock/tasks, oldest first, as "TYPE:status:clientId" lines. */
static void tasks_text(char *out, size_t cap)
{
    cJSON *j = ctl("GET", "/mock/tasks", NULL, 200);
    const cJSON *tasks = cJSON_GetObjectItemCaseSensitive(j, "tasks"), *t;
    out[0] = '\0';
    int n = cJSON_GetArraySize(tasks);
    for (int i = n - 1; i >= 0; i--) {
        t = cJSON_GetArrayItem(tasks, i);
        size_t len = strlen(out);
        snprintf(out + len, cap - len, "%s:%s:%s\n", jstr(t, "reportType"),
                 jstr(t, "completionStatus") ? jstr(t, "completionStatus") : "running",
                 jstr(t, "clientId"));
    }
    cJSON_Delete(j);
}

static void expect_configured_state(void)
{
    char tasks[1024];
    tasks_text(tasks, sizeof tasks);
    /* The fixtures' example task, then the file's two. */
    cr_expect_str_eq(tasks, "IDENTITIES_DETAILS:SUCCESS:demo-admin\n"
                            "IDENTITIES:SUCCESS:demo-admin\nORPHAN_IDENTITIES:running:ci-bot\n");
    /* The client exists and gets tokens; the file's token-ttl applies. */
    char *tok = e2e_token("ci-bot");
    free(tok);
    cJSON *faults = ctl("GET", "/mock/faults", NULL, 200);
    cr_expect_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(faults, "faults")), 1);
    cJSON_Delete(faults);
    cJSON *b = ctl("GET", "/mock/reports/ACCOUNTS", NULL, 200);
    char *text = cJSON_PrintUnformatted(b);
    cr_expect(strstr(text, "WARNING") != NULL, "%s", text);
    cJSON_free(text);
    cJSON_Delete(b);
}

Test(config, sections_at_start_and_after_reset, .fini = e2e_fini, .timeout = 90.)
{
    const char *path = config_file("mock.json", full);
    e2e_start((const char *[]){"--config", path, NULL}, NULL, 1);
    expect_configured_state();
    /* The preloaded finished task has its rows and downloads. */
    char *tok = e2e_token("demo-admin");
    cJSON *tasks = ctl("GET", "/mock/tasks?reportType=IDENTITIES", NULL, 200);
    const char *id =
        jstr(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(tasks, "tasks"), 0), "id");
    cJSON *res = e2e_result("v2024", tok, id);
    cr_expect_str_eq(jstr(res, "status"), "SUCCESS");
    cr_expect_eq(jnum(res, "rows"), 290);
    cJSON_Delete(res);
    cJSON_Delete(tasks);
    free(tok);
    /* A reset brings back the fixtures and the file's state. */
    cJSON_Delete(ctl("DELETE", "/mock/faults", NULL, 204));
    cJSON_Delete(ctl("POST", "/mock/reset", NULL, 200));
    expect_configured_state();
    e2e_finish();
}

Test(config, flags_and_variables_override_the_file, .fini = e2e_fini, .timeout = 90.)
{
    const char *path = config_file("mock.json", "{\"token-ttl\": 60, \"report-duration\": 5000,"
                                                " \"cors\": \"http://a.test\"}");
    struct cli_result r;
    cli_run((const char *[]){"--config", path, "--token-ttl", "90", "--print-config", NULL},
            (const char *[]){"ISC_MOCK_REPORT_DURATION=7000", NULL}, CLI_MS, &r);
    cr_assert_eq(r.exit_code, 0, "%s", r.err);
    cJSON *o = jparse(r.out);
    cr_expect_eq(jnum(o, "token-ttl"), 90);
    cr_expect_eq(jnum(o, "report-duration"), 7000);
    assert_json_eq(cJSON_GetObjectItemCaseSensitive(o, "cors"), "[\"http://a.test\"]");
    cJSON_Delete(o);
    cli_result_free(&r);
    /* A flag's list replaces the file's. */
    cli_run((const char *[]){"--config", path, "--cors", "http://b.test", "--print-config", NULL},
            NULL, CLI_MS, &r);
    o = jparse(r.out);
    assert_json_eq(cJSON_GetObjectItemCaseSensitive(o, "cors"), "[\"http://b.test\"]");
    cJSON_Delete(o);
    cli_result_free(&r);
    /* The variable names the file too. */
    char env[700];
    snprintf(env, sizeof env, "ISC_MOCK_CONFIG=%s", path);
    cli_run((const char *[]){"--print-config", NULL}, (const char *[]){env, NULL}, CLI_MS, &r);
    o = jparse(r.out);
    cr_expect_eq(jnum(o, "token-ttl"), 60);
    cJSON_Delete(o);
    cli_result_free(&r);
}

Test(config, print_config_round_trips_with_secrets_masked, .fini = e2e_fini, .timeout = 90.)
{
    const char *path = config_file("mock.json", full);
    struct cli_result first, second;
    cli_run((const char *[]){"--config", path, "--admin-token", "adm1n", "--print-config", NULL},
            NULL, CLI_MS, &first);
    cr_assert_eq(first.exit_code, 0, "%s", first.err);
    cr_expect_null(strstr(first.out, "adm1n"), "the admin token is printed");
    cr_expect_null(strstr(first.out, "ci-bot-secret"), "a client secret is printed");
    cJSON *o = jparse(first.out);
    cr_expect_str_eq(jstr(o, "admin-token"), "***");
    cr_expect_str_eq(
        jstr(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(o, "clients"), 0), "clientSecret"),
        "***");
    cr_expect_str_eq(jstr(o, "clock"), "virtual");
    cr_expect_str_eq(jstr(o, "rate-limit"), "100/10");
    cr_expect(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "quiet")));
    cr_expect_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(o, "tasks")), 2);
    cr_expect(!jhas(o, "config") && !jhas(o, "tenant-size") && !jhas(o, "fixtures"));
    cJSON_Delete(o);
    /* The output is a config file, and prints itself. */
    const char *again = config_file("printed.json", first.out);
    cli_run((const char *[]){"--config", again, "--print-config", NULL}, NULL, CLI_MS, &second);
    cr_assert_eq(second.exit_code, 0, "%s", second.err);
    cr_expect_str_eq(second.out, first.out);
    cli_result_free(&second);
    /* And a server starts from it. */
    e2e_start((const char *[]){"--config", again, NULL}, NULL, 1);
    e2e_finish();
    cli_result_free(&first);
}

static const struct {
    const char *id, *text, *names;
} bad[] = {
    {"unknown_key", "{\n  \"port\": 0,\n  \"prot\": 1\n}\n", "line 3: 'prot'"},
    {"wrong_type", "{\n  \"port\": \"80\"\n}\n", "line 2: 'port' must be a whole number"},
    {"bad_value", "{\"port\": 0,\n \"clock\": \"sideways\"}", "line 2: 'clock'"},
    {"bool", "{\"quiet\": 1}", "'quiet' must be true or false"},
    {"not_json", "{\n  \"port\": 0,\n", "line 3: not valid JSON"},
    {"not_object", "[1]", "must be a JSON object"},
    {"config_in_config", "{\"config\": \"x.json\"}", "'config' is not a setting"},
    {"section_shape", "{\"port\": 0,\n \"faults\": {}}", "line 2: 'faults' must be an array"},
    {"section_entry", "{\"port\": 0,\n \"clients\": [\n  1\n ]}", "line 3: 'clients[0]'"},
    {"bad_fault",
     "{\"port\": 0,\n \"faults\": [\n  {\"operation\": \"getReport\", \"status\": 503},\n"
     "  {\"operation\": \"nope\"}\n ]}",
     "line 4: 'faults[1]': Field 'operation'"},
    {"unknown_client",
     "{\"port\": 0, \"tasks\": [{\"reportType\": \"IDENTITIES\", \"clientId\": \"x\"}]}",
     "'tasks[0]': no client 'x'"},
};

Test(config, refusals_name_the_member_and_line, .fini = e2e_fini, .timeout = 120.)
{
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *path = config_file("bad.json", bad[i].text);
        struct cli_result r;
        cli_run((const char *[]){"--port", "0", "--config", path, NULL}, NULL, CLI_MS, &r);
        cr_expect_eq(r.exit_code, 2, "%s: exit %d", bad[i].id, r.exit_code);
        cr_expect(strstr(r.err, bad[i].names) != NULL, "%s: \"%s\" lacks \"%s\"", bad[i].id, r.err,
                  bad[i].names);
        cr_expect_eq(count_lines(r.err), 1, "%s: %s", bad[i].id, r.err);
        cli_result_free(&r);
    }
    struct cli_result r;
    cli_run((const char *[]){"--port", "0", "--config", "/nonexistent/mock.json", NULL}, NULL,
            CLI_MS, &r);
    cr_expect_eq(r.exit_code, 2);
    cr_expect(strstr(r.err, "/nonexistent/mock.json") != NULL, "%s", r.err);
    cli_result_free(&r);
}
