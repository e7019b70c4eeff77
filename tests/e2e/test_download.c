/*
 * test_download.c - GET /reports/{id}?fileFormat=: the CSV of every report
 * type (its data rows equal ReportResults.rows; the CSV parsed as RFC 4180),
 * SEARCH_EXPORT as a zip of CSVs, fileFormat errors, the "File Not Found"
 * 404s, a Content-Disposition that no name can break, and auditable=true.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <archive.h>
#include <archive_entry.h>
#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "harness.h"

/* Source ids from the built-in fixtures (fixtures/tenant.sql). */
#define SOURCE_WORKDAY "2c9180847de347aa017de8ef09167792"
#define SOURCE_AD "2c9180897e7742b2017e781782f705b9"

static const char *const identities_body =
    "{\"reportType\":\"IDENTITIES\",\"arguments\":{\"correlatedOnly\":true}}";

static const char *const file_not_found =
    "{\"detailCode\":\"404 Not found\",\"messages\":[{\"locale\":\"en-US\",\"localeOrigin\":"
    "\"DEFAULT\",\"text\":\"<h1>File Not Found - 404 Error</h1> The requested file was not "
    "found.\"}]}";

struct report_case {
    const char *type;
    const char *body;
    const char *task_def_name;
    long rows; /* known from the fixtures; -1: not pinned */
};

static const struct report_case report_cases[] = {
    {"ACCOUNTS",
     "{\"reportType\":\"ACCOUNTS\",\"arguments\":{\"application\":\"" SOURCE_AD
     "\",\"sourceName\":\"Active Directory\"}}",
     NULL, -1},
    {"IDENTITIES_DETAILS",
     "{\"reportType\":\"IDENTITIES_DETAILS\",\"arguments\":{\"correlatedOnly\":true}}",
     "Identities Details Report", 290},
    {"IDENTITIES", "{\"reportType\":\"IDENTITIES\",\"arguments\":{\"correlatedOnly\":false}}", NULL,
     300},
    {"IDENTITY_PROFILE_IDENTITY_ERROR",
     "{\"reportType\":\"IDENTITY_PROFILE_IDENTITY_ERROR\",\"arguments\":{\"authoritativeSource\":"
     "\"" SOURCE_WORKDAY "\"}}",
     NULL, -1},
    /* The example of the API documentation resolves in the built-in tenant. */
    {"IDENTITY_PROFILE_IDENTITY_ERROR",
     "{\"reportType\":\"IDENTITY_PROFILE_IDENTITY_ERROR\",\"arguments\":{\"authoritativeSource\":"
     "\"1234sourceId5678902\"}}",
     "Identity Profile Identity Error Report", 1},
    {"ORPHAN_IDENTITIES",
     "{\"reportType\":\"ORPHAN_IDENTITIES\",\"arguments\":{\"selectedFormats\":[\"CSV\",\"PDF\"]}}",
     NULL, 10},
    {"SEARCH_EXPORT",
     "{\"reportType\":\"SEARCH_EXPORT\",\"arguments\":{\"indices\":[\"identities\"],\"query\":"
     "\"attributes.city:London\",\"columns\":\"displayName,firstName,lastName,email,attributes."
     "city,created,attributes.cloudLifecycleState,access.spread\",\"sort\":[\"+displayName\"]}}",
     NULL, -1},
    {"UNCORRELATED_ACCOUNTS",
     "{\"reportType\":\"UNCORRELATED_ACCOUNTS\",\"arguments\":{\"selectedFormats\":[\"CSV\","
     "\"PDF\"]}}",
     NULL, 20},
};

/* Runs `body` to SUCCESS; returns the ReportResults. */
static cJSON *run_to_success(const char *tok, const char *body)
{
    cJSON *task = e2e_run("v2024", tok, body);
    e2e_clock_advance(60 * 1000);
    cJSON *res = e2e_result_done("v2024", tok, jstr(task, "id"), 30);
    cr_assert_str_eq(jstr(res, "status"), "SUCCESS", "%s did not succeed",
                     jstr(task, "reportType"));
    cJSON_Delete(task);
    return res;
}

static void file_path(char *out, size_t cap, const char *id, const char *query)
{
    snprintf(out, cap, "/v2024/reports/%s?%s", id, query);
}

/* Sums the data rows of every CSV in a zip held in memory; *entries gets their count. */
static long zip_csv_rows(const char *data, size_t len, int *entries)
{
    struct archive *a = archive_read_new();
    cr_assert(a != NULL);
    archive_read_support_format_zip(a);
    cr_assert_eq(archive_read_open_memory(a, data, len), ARCHIVE_OK, "not a zip: %s",
                 archive_error_string(a));
    long rows = 0;
    *entries = 0;
    struct archive_entry *e;
    while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
        const char *name = archive_entry_pathname(e);
        cr_expect(name != NULL && strlen(name) > 4 && strcmp(name + strlen(name) - 4, ".csv") == 0,
                  "zip entry %s is not a .csv", name ? name : "(null)");
        cr_expect(strchr(name, '/') == NULL && strstr(name, "..") == NULL, "entry path %s", name);
        char *buf = NULL;
        size_t used = 0;
        char chunk[8192];
        la_ssize_t n;
        while ((n = archive_read_data(a, chunk, sizeof chunk)) > 0) {
            char *grown = realloc(buf, used + (size_t)n + 1);
            cr_assert(grown != NULL);
            buf = grown;
            memcpy(buf + used, chunk, (size_t)n);
            used += (size_t)n;
        }
        cr_assert(n == 0, "zip entry %s: %s", name, archive_error_string(a));
        int fields = 0;
        long ragged = 0;
        long rec = csv_records(buf ? buf : "", used, &fields, &ragged);
        cr_expect(rec >= 1, "entry %s has no header row", name);
        cr_expect_eq(ragged, 0, "entry %s has ragged rows", name);
        if (rec >= 1)
            rows += rec - 1;
        (*entries)++;
        free(buf);
    }
    archive_read_free(a);
    return rows;
}

E2E_TABLE_PARAMS(download, csv_rows_match, report_cases)

/* Each report type: rows in ReportResults == the data rows of its file. */
ParameterizedTest(size_t *i, download, csv_rows_match, .fini = e2e_fini, .timeout = 90.)
{
    const struct report_case *c = &report_cases[*i];
    e2e_init();
    char *tok = e2e_token("demo-app");
    cJSON *res = run_to_success(tok, c->body);
    long rows = (long)jnum(res, "rows");
    if (c->rows >= 0)
        cr_expect_eq(rows, c->rows, "%s: rows %ld, the fixtures hold %ld", c->type, rows, c->rows);
    if (c->task_def_name != NULL)
        cr_expect_str_eq(jstr(res, "taskDefName"), c->task_def_name);

    char path[256];
    struct http_res r;
    file_path(path, sizeof path, jstr(res, "id"), "fileFormat=csv");
    api_call(&r, "GET", path, tok, NULL);
    cr_assert_eq(r.status, 200, "%s: %ld %s", c->type, r.status, r.body);
    char ct[128], cd[512];
    cr_assert(http_header(&r, "Content-Type", ct, sizeof ct) != NULL);
    cr_assert(http_header(&r, "Content-Disposition", cd, sizeof cd) != NULL, "%s: no disposition",
              c->type);
    cr_expect(strncmp(cd, "attachment", 10) == 0, "%s", cd);

    if (strcmp(c->type, "SEARCH_EXPORT") == 0) {
        cr_expect(strncmp(ct, "application/zip", 15) == 0, "Content-Type %s", ct);
        cr_assert(r.len >= 4 && memcmp(r.body, "PK\x03\x04", 4) == 0, "no zip magic");
        cr_expect(strstr(cd, ".zip\"") != NULL, "zip file name: %s", cd);
        int entries = 0;
        long zrows = zip_csv_rows(r.body, r.len, &entries);
        cr_expect(entries >= 1, "empty zip");
        cr_expect_eq(zrows, rows, "zip rows %ld, result rows %ld", zrows, rows);
    } else {
        cr_expect(strncmp(ct, "application/csv", 15) == 0, "Content-Type %s", ct);
        cr_expect(strstr(cd, ".csv\"") != NULL, "csv file name: %s", cd);
        int fields = 0;
        long ragged = 0;
        long rec = csv_records(r.body, r.len, &fields, &ragged);
        cr_assert(rec >= 1, "%s: not a CSV with a header row (%ld)", c->type, rec);
        cr_expect(fields >= 2, "%s: header has %d fields", c->type, fields);
        cr_expect_eq(ragged, 0, "%s: %ld rows differ from the header's field count", c->type,
                     ragged);
        cr_expect_eq(rec - 1, rows, "%s: CSV data rows %ld, result rows %ld", c->type, rec - 1,
                     rows);
        /* UTF-8 text, no NUL bytes. */
        cr_expect_eq(strlen(r.body), r.len, "NUL byte in the CSV");
    }
    http_res_free(&r);
    cJSON_Delete(res);
    free(tok);
    e2e_finish();
}

/* The same report downloaded twice gives the same bytes. */
E2E_TEST(download, stable_content)
{
    char *tok = e2e_token("demo-app");
    cJSON *res = run_to_success(tok, identities_body);
    char path[256];
    struct http_res a, b;
    file_path(path, sizeof path, jstr(res, "id"), "fileFormat=csv");
    api_call(&a, "GET", path, tok, NULL);
    api_call(&b, "GET", path, tok, NULL);
    cr_assert_eq(a.status, 200);
    cr_assert_eq(b.status, 200);
    cr_expect(a.len == b.len && memcmp(a.body, b.body, a.len) == 0, "two downloads differ");
    http_res_free(&a);
    http_res_free(&b);
    cJSON_Delete(res);
    free(tok);
}

/* GET `path` asserted 200 with a Content-Length that is its length; the body, malloc'd. */
static char *get_whole(const char *tok, const char *path, size_t *len)
{
    struct http_res r;
    char cl[32];
    api_call(&r, "GET", path, tok, NULL);
    cr_assert_eq(r.status, 200, "%s: %ld", path, r.status);
    cr_assert_not_null(http_header(&r, "Content-Length", cl, sizeof cl), "%s", path);
    cr_expect_eq(strtoul(cl, NULL, 10), r.len, "%s: Content-Length %s, body %zu", path, cl, r.len);
    char *copy = malloc(r.len + 1);
    cr_assert_not_null(copy);
    memcpy(copy, r.body, r.len);
    *len = r.len;
    http_res_free(&r);
    return copy;
}

/* Small files (sent from memory after their first download) and a larger
 * one (sent from its file) come back whole and the same every time, each
 * its own, downloads of different files interleaved. */
E2E_TEST(download, small_and_large_files_stay_whole_and_their_own)
{
    char *tok = e2e_token("demo-app");
    cJSON *a = run_to_success(tok, identities_body);
    cJSON *b = run_to_success(
        tok,
        "{\"reportType\":\"ORPHAN_IDENTITIES\",\"arguments\":{\"selectedFormats\":[\"CSV\"]}}");
    char pa[256], pb[256], pl[256];
    file_path(pa, sizeof pa, jstr(a, "id"), "fileFormat=csv");
    file_path(pb, sizeof pb, jstr(b, "id"), "fileFormat=csv");
    file_path(pl, sizeof pl, E2E_EXAMPLE_TASK, "fileFormat=csv");
    size_t la, lb, ll;
    char *fa = get_whole(tok, pa, &la), *fb = get_whole(tok, pb, &lb),
         *fl = get_whole(tok, pl, &ll);
    cr_assert_lt(la, 64 * 1024, "the small file is %zu bytes", la);
    cr_assert_gt(ll, 64 * 1024, "the large file is %zu bytes", ll);
    cr_assert(la != lb || memcmp(fa, fb, la) != 0, "two reports gave the same file");
    for (int i = 0; i < 3; i++) {
        const char *paths[] = {pb, pa, pl};
        const char *want[] = {fb, fa, fl};
        const size_t lens[] = {lb, la, ll};
        for (int k = 0; k < 3; k++) {
            size_t n;
            char *again = get_whole(tok, paths[k], &n);
            cr_expect(n == lens[k] && memcmp(again, want[k], n) == 0,
                      "%s changed (%zu bytes, then %zu)", paths[k], lens[k], n);
            free(again);
        }
    }
    free(fa);
    free(fb);
    free(fl);
    cJSON_Delete(a);
    cJSON_Delete(b);
    free(tok);
}

E2E_TEST(download, file_format_errors)
{
    char *tok = e2e_token("demo-app");
    cJSON *res = run_to_success(tok, identities_body);
    static const char *const queries[] = {"",
                                          "name=x",
                                          "fileFormat=",
                                          "fileFormat=xlsx",
                                          "fileFormat=json",
                                          "fileFormat=CSV",
                                          "fileFormat=csv,pdf"};
    for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++) {
        char path[256];
        struct http_res r;
        file_path(path, sizeof path, jstr(res, "id"), queries[i]);
        api_call(&r, "GET", path, tok, NULL);
        cr_expect_eq(r.status, 400, "?%s: %ld", queries[i], r.status);
        assert_error_dto(&r, 400, NULL);
        const cJSON *m = cJSON_GetArrayItem(cJSON_GetObjectItem(r.json, "messages"), 0);
        cr_expect(strstr(jstr(m, "text"), "fileFormat") != NULL, "%s: %s", queries[i], r.body);
        http_res_free(&r);
    }
    cJSON_Delete(res);
    free(tok);
}

/* Asserts the contract's "File Not Found" 404 (compared as a tree, trackingId aside). */
static void expect_file_not_found(const char *tok, const char *id, const char *query)
{
    char path[256];
    struct http_res r;
    file_path(path, sizeof path, id, query);
    api_call(&r, "GET", path, tok, NULL);
    assert_error_dto(&r, 404, NULL);
    /* trackingId is fresh per answer; an empty "causes" is the same as none. */
    cJSON_DeleteItemFromObjectCaseSensitive(r.json, "trackingId");
    const cJSON *causes = cJSON_GetObjectItemCaseSensitive(r.json, "causes");
    if (cJSON_IsArray(causes) && cJSON_GetArraySize(causes) == 0)
        cJSON_DeleteItemFromObjectCaseSensitive(r.json, "causes");
    assert_json_eq(r.json, file_not_found);
    http_res_free(&r);
}

E2E_TEST(download, unfinished_terminated_failed_are_404)
{
    char *tok = e2e_token("demo-app");
    char *admin = e2e_token("demo-admin");

    /* Running. */
    cJSON *running = e2e_run("v2024", tok, identities_body);
    expect_file_not_found(tok, jstr(running, "id"), "fileFormat=csv");

    /* Terminated. */
    char path[256];
    struct http_res r;
    snprintf(path, sizeof path, "/v2024/reports/%s/cancel", jstr(running, "id"));
    api_call(&r, "POST", path, admin, NULL);
    cr_assert_eq(r.status, 204, "%ld %s", r.status, r.body);
    http_res_free(&r);
    expect_file_not_found(tok, jstr(running, "id"), "fileFormat=csv");

    /* Failed: an account report on a source the tenant does not have ends with ERROR. */
    cJSON *bad = e2e_run("v2024", tok,
                         "{\"reportType\":\"ACCOUNTS\",\"arguments\":{\"application\":"
                         "\"00000000000000000000000000000000\",\"sourceName\":\"Nowhere\"}}");
    e2e_clock_advance(60 * 1000);
    cJSON *res = e2e_result_done("v2024", tok, jstr(bad, "id"), 30);
    cr_expect_str_eq(jstr(res, "status"), "FAILURE");
    cJSON_Delete(res);
    expect_file_not_found(tok, jstr(bad, "id"), "fileFormat=csv");

    /* A format the task was not asked for. */
    cJSON *pdf_only = run_to_success(
        tok,
        "{\"reportType\":\"ORPHAN_IDENTITIES\",\"arguments\":{\"selectedFormats\":[\"PDF\"]}}");
    expect_file_not_found(tok, jstr(pdf_only, "id"), "fileFormat=csv");

    cJSON_Delete(pdf_only);
    cJSON_Delete(bad);
    cJSON_Delete(running);
    free(tok);
    free(admin);
}

/* Content-Disposition parsed: type, filename="..." and filename*=UTF-8''... */
struct disposition {
    char type[32];
    char filename[512];
    int has_filename;
    char star[1024]; /* decoded */
    int has_star;
};

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static void parse_disposition(const char *v, struct disposition *d)
{
    memset(d, 0, sizeof *d);
    size_t tl = strcspn(v, ";");
    cr_assert(tl < sizeof d->type);
    memcpy(d->type, v, tl);
    const char *p = v + tl;
    while (*p == ';') {
        p++;
        while (*p == ' ')
            p++;
        if (strncmp(p, "filename*=", 10) == 0) {
            p += 10;
            cr_assert(strncasecmp(p, "UTF-8''", 7) == 0, "filename* charset: %s", v);
            p += 7;
            size_t n = 0;
            while (*p && *p != ';') {
                if (*p == '%') {
                    int hi = hexval(p[1]), lo = hi >= 0 ? hexval(p[2]) : -1;
                    cr_assert(lo >= 0, "bad percent escape in %s", v);
                    d->star[n++] = (char)(hi * 16 + lo);
                    p += 3;
                } else {
                    cr_assert(strchr("!#$&+-.^_`|~", *p) != NULL || (*p >= '0' && *p <= '9') ||
                                  (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'),
                              "not an RFC 5987 attr-char '%c' in %s", *p, v);
                    d->star[n++] = *p++;
                }
                cr_assert(n < sizeof d->star - 1);
            }
            d->star[n] = '\0';
            d->has_star = 1;
        } else if (strncmp(p, "filename=", 9) == 0) {
            p += 9;
            size_t n = 0;
            if (*p == '"') {
                p++;
                while (*p && *p != '"') {
                    cr_assert(*p != '\\', "escape in quoted filename: %s", v);
                    d->filename[n++] = *p++;
                    cr_assert(n < sizeof d->filename - 1);
                }
                cr_assert(*p == '"', "unterminated quoted filename: %s", v);
                p++;
            } else {
                while (*p && *p != ';' && *p != ' ') {
                    d->filename[n++] = *p++;
                    cr_assert(n < sizeof d->filename - 1);
                }
            }
            d->filename[n] = '\0';
            d->has_filename = 1;
            while (*p == ' ')
                p++;
            cr_assert(*p == '\0' || *p == ';', "text after the file name: %s", v);
        } else {
            cr_assert_fail("unexpected parameter in %s", v);
        }
    }
    cr_assert(*p == '\0', "trailing text in %s", v);
}

/* Nothing that could break the header or name a path. */
static void expect_safe(const char *s, int ascii_only, const char *what)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        cr_expect(*p >= 0x20 && *p != 0x7f, "%s: control byte 0x%02x in \"%s\"", what, *p, s);
        cr_expect(*p != '"' && *p != '\\' && *p != '/', "%s: '%c' in \"%s\"", what, *p, s);
        if (ascii_only)
            cr_expect(*p < 0x80, "%s: non-ASCII byte in \"%s\"", what, s);
    }
    cr_expect(strncmp(s, "..", 2) != 0, "%s: starts with ..: \"%s\"", what, s);
}

struct name_case {
    const char *id;
    const char *name;         /* sent as ?name= */
    const char *want;         /* exact effective file name, NULL: only safety */
    const char *must_contain; /* in the effective name, NULL: nothing */
};

static const struct name_case name_cases[] = {
    {"plain", "Quarterly Report", "Quarterly Report.csv", NULL},
    {"already_has_ext", "export.csv", "export.csv", NULL},
    {"double_quote", "a\"b\"c", NULL, "a"},
    {"crlf_injection", "evil\r\nX-Injected: 1\r\n\r\nbody", NULL, "evil"},
    {"bare_lf", "one\ntwo", NULL, "one"},
    {"slashes", "../../etc/passwd", NULL, "passwd"},
    {"backslashes", "..\\..\\windows\\system32", NULL, "system32"},
    {"semicolon_equals", "a; filename=evil.exe", NULL, NULL},
    {"non_ascii", "Résumé 报告 Ünïcødé", "Résumé 报告 Ünïcødé.csv", NULL},
    {"emoji", "report \xF0\x9F\x93\x8A", NULL, "report"},
    {"percent", "100% done", NULL, "100"},
    {"empty", "", NULL, "Identities Report"},
};

E2E_TABLE_PARAMS(download, content_disposition_is_safe, name_cases)

ParameterizedTest(size_t *i, download, content_disposition_is_safe, .fini = e2e_fini,
                  .timeout = 90.)
{
    const struct name_case *c = &name_cases[*i];
    e2e_init();
    char *tok = e2e_token("demo-app");
    cJSON *res = run_to_success(tok, identities_body);
    char *enc = url_encode(c->name);
    char query[1024], path[1200];
    snprintf(query, sizeof query, "fileFormat=csv&name=%s", enc);
    file_path(path, sizeof path, jstr(res, "id"), query);
    free(enc);

    struct http_res r;
    api_call(&r, "GET", path, tok, NULL);
    cr_assert_eq(r.status, 200, "%s: %ld %s", c->id, r.status, r.body);
    cr_expect_eq(http_header_count(&r, "Content-Disposition"), 1, "%s", c->id);
    cr_expect_eq(http_header_count(&r, "X-Injected"), 0, "%s: header injected", c->id);
    char cd[1024];
    cr_assert(http_header(&r, "Content-Disposition", cd, sizeof cd) != NULL);
    struct disposition d;
    parse_disposition(cd, &d);
    cr_expect_str_eq(d.type, "attachment");
    cr_assert(d.has_filename, "%s: no filename= in %s", c->id, cd);
    expect_safe(d.filename, 1, "filename");
    if (d.has_star)
        expect_safe(d.star, 0, "filename*");
    const char *effective = d.has_star ? d.star : d.filename;
    cr_expect(strlen(effective) > 0, "%s: empty file name", c->id);
    if (c->want != NULL)
        cr_expect_str_eq(effective, c->want, "%s: %s", c->id, cd);
    if (c->must_contain != NULL)
        cr_expect(strstr(effective, c->must_contain) != NULL, "%s: \"%s\" lacks \"%s\"", c->id,
                  effective, c->must_contain);
    /* Non-ASCII names travel in filename*, never raw in the header. */
    int non_ascii = 0;
    for (const unsigned char *p = (const unsigned char *)c->name; *p; p++)
        non_ascii |= *p >= 0x80;
    if (non_ascii)
        cr_expect(d.has_star, "%s: a non-ASCII name without filename*: %s", c->id, cd);
    for (const unsigned char *p = (const unsigned char *)cd; *p; p++)
        cr_expect(*p < 0x80, "%s: raw non-ASCII byte in the header: %s", c->id, cd);

    http_res_free(&r);
    cJSON_Delete(res);
    free(tok);
    e2e_finish();
}

E2E_TEST(download, default_name_is_task_def_name)
{
    char *tok = e2e_token("demo-app");
    cJSON *res = run_to_success(
        tok, "{\"reportType\":\"IDENTITIES_DETAILS\",\"arguments\":{\"correlatedOnly\":false}}");
    char path[256];
    struct http_res r;
    file_path(path, sizeof path, jstr(res, "id"), "fileFormat=csv");
    api_call(&r, "GET", path, tok, NULL);
    cr_assert_eq(r.status, 200);
    char cd[512];
    cr_assert(http_header(&r, "Content-Disposition", cd, sizeof cd) != NULL);
    struct disposition d;
    parse_disposition(cd, &d);
    cr_expect_str_eq(d.filename, "Identities Details Report.csv", "%s", cd);
    http_res_free(&r);

    /* '+' in the query is a space, as URLSearchParams sends it. */
    file_path(path, sizeof path, jstr(res, "id"), "fileFormat=csv&name=Quarterly+Report");
    api_call(&r, "GET", path, tok, NULL);
    cr_assert_eq(r.status, 200);
    cr_assert(http_header(&r, "Content-Disposition", cd, sizeof cd) != NULL);
    parse_disposition(cd, &d);
    cr_expect_str_eq(d.filename, "Quarterly Report.csv", "%s", cd);
    http_res_free(&r);
    cJSON_Delete(res);
    free(tok);
}

static cJSON *audit_events(void)
{
    struct http_res r;
    http_req(&r, "GET", "/mock/audit", NULL, NULL, 0);
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    cJSON *events = cJSON_DetachItemFromObjectCaseSensitive(r.json, "events");
    cr_assert(cJSON_IsArray(events), "no events array: %s", r.body);
    http_res_free(&r);
    return events;
}

E2E_TEST(download, auditable_writes_an_audit_event)
{
    char *tok = e2e_token("demo-app");
    cJSON *res = run_to_success(tok, identities_body);
    const char *id = jstr(res, "id");
    char path[256];
    struct http_res r;

    cJSON *events = audit_events();
    cr_expect_eq(cJSON_GetArraySize(events), 0, "events before any download");
    cJSON_Delete(events);

    /* Without auditable, and with auditable=false: no event. */
    file_path(path, sizeof path, id, "fileFormat=csv");
    api_call(&r, "GET", path, tok, NULL);
    cr_assert_eq(r.status, 200);
    http_res_free(&r);
    file_path(path, sizeof path, id, "fileFormat=csv&auditable=false");
    api_call(&r, "GET", path, tok, NULL);
    cr_assert_eq(r.status, 200);
    http_res_free(&r);
    events = audit_events();
    cr_expect_eq(cJSON_GetArraySize(events), 0, "an event without auditable=true");
    cJSON_Delete(events);

    file_path(path, sizeof path, id, "fileFormat=csv&auditable=true&name=Audit+Me");
    api_call(&r, "GET", path, tok, NULL);
    cr_assert_eq(r.status, 200);
    http_res_free(&r);
    events = audit_events();
    cr_assert_eq(cJSON_GetArraySize(events), 1, "one audited download, events: %d",
                 cJSON_GetArraySize(events));
    cJSON *ev = cJSON_GetArrayItem(events, 0);
    cr_expect_str_eq(jstr(ev, "taskId"), id);
    cr_expect_str_eq(jstr(ev, "fileFormat"), "csv");
    cr_expect(jstr(ev, "fileName") != NULL && strstr(jstr(ev, "fileName"), "Audit Me") != NULL,
              "fileName %s", jstr(ev, "fileName"));
    cr_expect_str_eq(jstr(ev, "clientId"), "demo-app");
    cJSON_Delete(events);

    /* auditable must be a boolean. */
    file_path(path, sizeof path, id, "fileFormat=csv&auditable=perhaps");
    api_call(&r, "GET", path, tok, NULL);
    assert_error_dto(&r, 400, "auditable");
    http_res_free(&r);

    cJSON_Delete(res);
    free(tok);
}
