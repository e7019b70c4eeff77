/*
 * test_echo.c - text the mock echoes from a request (log lines, the
 * download name in Content-Disposition, audit events) is well-formed UTF-8
 * without control or bidirectional formatting characters, so a request
 * cannot forge a log line or make an echoed name read differently.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "harness.h"

/* A finished IDENTITIES task of demo-admin; its id into id. */
static void finished_task(const char *tok, char *id, size_t idlen)
{
    cJSON *t = e2e_run("v2024", tok, "{\"reportType\":\"IDENTITIES\"}");
    snprintf(id, idlen, "%s", jstr(t, "id"));
    cJSON_Delete(t);
    e2e_clock_advance(5000);
    cJSON_Delete(e2e_result_done("v2024", tok, id, 30));
}

/* 1 when some line of `log` starts with `start`. */
static int line_starts(const char *log, const char *start)
{
    for (const char *l = log; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
        if (strncmp(l, start, strlen(start)) == 0)
            return 1;
    return 0;
}

/* A newline (or other control character) in a path is escaped in the log line. */
E2E_TEST(echo, a_path_cannot_forge_a_log_line)
{
    char *tok = e2e_token("demo-admin");
    struct http_res r;
    api_call(&r, "GET", "/v2024/reports/x%0AFORGED%20GET%20/v2024%20200%E2%80%AE%FF/result", tok,
             NULL);
    cr_expect(r.status == 404 || r.status == 400, "%ld %s", r.status, r.body);
    http_res_free(&r);
    char *log = mock_proc_stderr(&e2e_srv);
    cr_expect_not(line_starts(log, "FORGED"), "a request wrote its own log line:\n%s", log);
    cr_expect(strstr(log, "x\\u000aFORGED") != NULL, "the newline is not escaped:\n%s", log);
    cr_expect(strstr(log, "\\u202e") != NULL, "the bidi override is not escaped:\n%s", log);
    cr_expect(strstr(log, "\xe2\x80\xae") == NULL, "a raw bidi override in the log");
    cr_expect(strstr(log, "\\xff") != NULL, "a byte that is not UTF-8 is not escaped:\n%s", log);
    free(log);
    free(tok);
}

/* The same in JSON lines: each stays one valid JSON object. */
Test(echo, json_log_lines_stay_json, .fini = e2e_fini, .timeout = 60.)
{
    static const char *const args[] = {"--log-format", "json", NULL};
    e2e_start(args, NULL, 1);
    char *tok = e2e_token("demo-admin");
    struct http_res r;
    api_call(&r, "GET", "/v2024/reports/y%0A%22%FF%E2%80%AE/result", tok, NULL);
    cr_expect(r.status == 404 || r.status == 400, "%ld", r.status);
    http_res_free(&r);
    char *log = mock_proc_stderr(&e2e_srv);
    int found = 0;
    for (char *l = log, *end; l && *l; l = end ? end + 1 : NULL) {
        end = strchr(l, '\n');
        if (end)
            *end = '\0';
        cJSON *j = cJSON_Parse(l);
        cr_expect_not_null(j, "not one JSON object: %s", l);
        const char *path = jstr(j, "path");
        if (path && strncmp(path, "/v2024/reports/y", 16) == 0) {
            /* Escaped in the line: the newline, the quote, the stray byte, the override. */
            found = 1;
            cr_expect(strstr(l, "y\\u000a\\\"\\\\xff\\u202e/result") != NULL, "line %s", l);
        }
        cJSON_Delete(j);
    }
    cr_expect(found, "no line for the request:\n%s", log);
    free(log);
    free(tok);
    e2e_finish();
}

/* A download name with control and bidi characters: filename* and the audit event. */
E2E_TEST(echo, download_names_are_clean)
{
    char *tok = e2e_token("demo-admin"), id[40], path[256], cd[1024];
    finished_task(tok, id, sizeof id);
    /* "evil" U+202E "fdp.csv" with U+0085 (a C1 control) and a tab. */
    snprintf(path, sizeof path,
             "/v2024/reports/%s?fileFormat=csv&auditable=true&name=evil%%E2%%80%%AE%%C2%%85%%09"
             "fdp%%C3%%BC",
             id);
    struct http_res r;
    api_call(&r, "GET", path, tok, NULL);
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    cr_assert_not_null(http_header(&r, "Content-Disposition", cd, sizeof cd));
    cr_expect(strstr(cd, "%E2%80%AE") == NULL && strstr(cd, "%C2%85") == NULL,
              "filename* carries a bidi override or a C1 control: %s", cd);
    cr_expect(strstr(cd, "filename*=UTF-8''evil___fdp%C3%BC.csv") != NULL, "%s", cd);
    http_res_free(&r);
    http_req(&r, "GET", "/mock/audit", NULL, NULL, 0);
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    const char *name =
        jstr(cJSON_GetArrayItem(cJSON_GetObjectItem(r.json, "events"), 0), "fileName");
    cr_expect_str_eq(name, "evil___fdp\xc3\xbc", "%s", r.body);
    http_res_free(&r);
    free(tok);
}
