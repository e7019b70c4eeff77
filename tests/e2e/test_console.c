/*
 * test_console.c - what the console at /mock/ui stands on, without a
 * browser (the ui suite drives it in one): its page, style sheet and script
 * are the bytes of server/ui/ with their types and a strict
 * Content-Security-Policy; they load without the admin token but not from
 * another Host or Origin, and they are not journaled; GET /mock/reports/types
 * lists every report type with its arguments and formats.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "harness.h"

/* The file `name` of server/ui/ (ISC_UI_DIR), malloc'd; *len its size. */
static char *ui_source(const char *name, size_t *len)
{
    const char *dir = getenv("ISC_UI_DIR");
    cr_assert(dir != NULL, "ISC_UI_DIR is not set");
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    cr_assert(f != NULL, "cannot open %s", path);
    char *data = malloc(1 << 20);
    cr_assert(data != NULL);
    *len = fread(data, 1, 1 << 20, f);
    fclose(f);
    return data;
}

struct asset {
    const char *path, *file, *type;
};

static const struct asset assets[] = {
    {"/mock/ui", "index.html", "text/html; charset=utf-8"},
    {"/mock/ui/index.html", "index.html", "text/html; charset=utf-8"},
    {"/mock/ui/console.css", "console.css", "text/css; charset=utf-8"},
    {"/mock/ui/console.js", "console.js", "text/javascript; charset=utf-8"},
};

/* Every file is served byte for byte, typed, and with the page's policy. */
E2E_TEST(console, files_served_as_written)
{
    for (size_t i = 0; i < sizeof assets / sizeof assets[0]; i++) {
        struct http_res r;
        char v[512];
        size_t len;
        char *want = ui_source(assets[i].file, &len);
        http_req(&r, "GET", assets[i].path, NULL, NULL, 0);
        cr_expect_eq(r.status, 200, "%s: %ld", assets[i].path, r.status);
        cr_expect(r.len == len && memcmp(r.body, want, len) == 0,
                  "%s: %zu bytes served, %s has %zu", assets[i].path, r.len, assets[i].file, len);
        cr_expect_str_eq(http_header(&r, "Content-Type", v, sizeof v), assets[i].type);
        cr_expect_str_eq(http_header(&r, "X-Content-Type-Options", v, sizeof v), "nosniff");
        const char *csp = http_header(&r, "Content-Security-Policy", v, sizeof v);
        cr_expect(csp && strstr(csp, "default-src 'none'") && strstr(csp, "script-src 'self'") &&
                      strstr(csp, "frame-ancestors 'none'"),
                  "%s: policy %s", assets[i].path, csp ? csp : "(none)");
        free(want);
        http_res_free(&r);
    }
    /* The page loads its style sheet and script from where they are served. */
    struct http_res r;
    http_req(&r, "GET", "/mock/ui", NULL, NULL, 0);
    cr_expect(strstr(r.body, "src=\"/mock/ui/console.js\""), "the page loads console.js");
    cr_expect(strstr(r.body, "href=\"/mock/ui/console.css\""), "the page loads console.css");
    http_res_free(&r);
}

/* What the console does not serve. */
E2E_TEST(console, unknown_files_and_methods)
{
    static const char *const missing[] = {"/mock/ui/nope.js", "/mock/ui/%2e%2e", "/mock/ui/index",
                                          "/mock/ui/console.js.map"};
    for (size_t i = 0; i < sizeof missing / sizeof missing[0]; i++) {
        struct http_res r;
        http_req(&r, "GET", missing[i], NULL, NULL, 0);
        assert_error_dto(&r, 404, NULL);
        http_res_free(&r);
    }
    struct http_res r;
    char v[64];
    const char *h[] = {"Content-Type: application/json", NULL};
    http_req(&r, "POST", "/mock/ui", h, "{}", 2);
    assert_error_dto(&r, 405, NULL);
    cr_expect_str_eq(http_header(&r, "Allow", v, sizeof v), "GET");
    http_res_free(&r);
}

/* Host and Origin are checked as on the rest of /mock/. */
E2E_TEST(console, other_hosts_refused)
{
    static const char *const refused[] = {"Host: evil.example", "Origin: http://evil.example"};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        struct http_res r;
        const char *h[] = {refused[i], NULL};
        http_req(&r, "GET", "/mock/ui", h, NULL, 0);
        assert_error_dto(&r, 403, NULL);
        cr_expect(!strstr(r.body, "<html"), "no page for %s", refused[i]);
        http_res_free(&r);
    }
}

/* With --admin-token the page loads without it; what it then calls needs it. */
Test(console, page_open_with_admin_token, .fini = e2e_fini, .timeout = 90.)
{
    e2e_start((const char *[]){"--admin-token", "s3cret", NULL}, NULL, 1);
    struct http_res r;
    http_req(&r, "GET", "/mock/ui/console.js", NULL, NULL, 0);
    cr_expect_eq(r.status, 200, "the script: %ld", r.status);
    http_res_free(&r);
    http_req(&r, "GET", "/mock/reports/types", NULL, NULL, 0);
    assert_401(&r, NULL);
    http_res_free(&r);
    const char *h[] = {"Authorization: Bearer s3cret", NULL};
    http_req(&r, "GET", "/mock/reports/types", h, NULL, 0);
    cr_expect_eq(r.status, 200, "the types with the token: %ld %s", r.status, r.body);
    http_res_free(&r);
    e2e_finish();
}

/* Loading the console is no client request: the journal stays empty. */
E2E_TEST(console, not_journaled)
{
    for (size_t i = 0; i < sizeof assets / sizeof assets[0]; i++) {
        struct http_res r;
        http_req(&r, "GET", assets[i].path, NULL, NULL, 0);
        http_res_free(&r);
    }
    cJSON *j = ctl("GET", "/mock/requests", NULL, 200);
    cr_expect_eq(jnum(j, "count"), 0, "journal rows: %g", jnum(j, "count"));
    cJSON_Delete(j);
}

/* The catalogue: every type in the contract's order, arguments as startReport reads them. */
E2E_TEST(console, report_types_listed)
{
    static const char *const order[] = {"ACCOUNTS",
                                        "IDENTITIES_DETAILS",
                                        "IDENTITIES",
                                        "IDENTITY_PROFILE_IDENTITY_ERROR",
                                        "ORPHAN_IDENTITIES",
                                        "SEARCH_EXPORT",
                                        "UNCORRELATED_ACCOUNTS"};
    cJSON *j = ctl("GET", "/mock/reports/types", NULL, 200);
    const cJSON *types = cJSON_GetObjectItemCaseSensitive(j, "types");
    cr_assert_eq(cJSON_GetArraySize(types), (int)(sizeof order / sizeof order[0]));
    for (int i = 0; i < cJSON_GetArraySize(types); i++)
        cr_expect_str_eq(jstr(cJSON_GetArrayItem(types, i), "reportType"), order[i]);
    assert_json_eq(cJSON_GetArrayItem(types, 0),
                   "{\"reportType\":\"ACCOUNTS\",\"taskDefName\":\"Account Export\","
                   "\"description\":\"A list of the accounts of one source and their "
                   "identities.\",\"arguments\":["
                   "{\"name\":\"application\",\"kind\":\"string\",\"required\":true},"
                   "{\"name\":\"sourceName\",\"kind\":\"string\",\"required\":true}],"
                   "\"formats\":[\"CSV\",\"PDF\"],\"zip\":false}");
    const cJSON *search = cJSON_GetArrayItem(types, 5);
    cr_expect(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(search, "zip")));
    assert_json_eq(cJSON_GetObjectItemCaseSensitive(search, "arguments"),
                   "[{\"name\":\"query\",\"kind\":\"string\",\"required\":true},"
                   "{\"name\":\"indices\",\"kind\":\"indices\",\"required\":false},"
                   "{\"name\":\"columns\",\"kind\":\"string\",\"required\":false},"
                   "{\"name\":\"sort\",\"kind\":\"fields\",\"required\":false}]");
    assert_json_eq(
        cJSON_GetObjectItemCaseSensitive(j, "formats"),
        "[{\"name\":\"CSV\",\"fileFormat\":\"csv\",\"contentType\":\"application/csv\"},"
        "{\"name\":\"PDF\",\"fileFormat\":\"pdf\",\"contentType\":\"application/pdf\"}]");
    assert_json_eq(cJSON_GetObjectItemCaseSensitive(j, "indices"),
                   "[\"accessprofiles\",\"accountactivities\",\"entitlements\",\"events\","
                   "\"identities\",\"roles\"]");
    cJSON_Delete(j);
    ctl_400("GET", "/mock/reports/types?reportType=ACCOUNTS", NULL, "takes none");
}
