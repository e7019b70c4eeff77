/*
 * test_content.c - report content against a real in-memory store loaded with
 * the built-in schema and fixtures: counts equal the streamed CSV rows for
 * every type, arguments shape the rows, SEARCH_EXPORT zips hold one CSV per
 * index, unsupported queries and unknown sources are refused, pages resume
 * exactly where they stopped. Also the query-string subset, as a table.
 */
#include <archive.h>
#include <archive_entry.h>
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reports/archive_dl.h"
#include "reports/rows.h"
#include "reports/stream.h"
#include "reports/search.h"
#include "store/embedded.h"
#include "store/store.h"
#include "store/tenant.h"

#define AD "2c9180897e7742b2017e781782f705b9"
#define GH "2c91808b7e7742b2017e7819c0e3075f"
#define WD "2c9180847de347aa017de8ef09167792"
#define CT "2c9180847de347aa017de8f0aa2b7f10"

static struct store *s;

static void setup(void)
{
    char err[256] = "";
    s = store_open(":memory:", embedded_schema, embedded_schema_count, embedded_fixtures,
                   embedded_fixtures_count, err, sizeof(err));
    cr_assert_not_null(s, "store_open: %s", err);
}

static void teardown(void)
{
    store_close(s);
    s = NULL;
}

/* ---- helpers ---- */

/* Reads a whole stream `chunk` bytes at a time; the result is NUL-terminated. */
static char *read_all(struct report_stream *st, size_t chunk, size_t *len)
{
    size_t cap = 1 << 16, n = 0;
    char *out = malloc(cap + 1);
    char *tmp = malloc(chunk);
    cr_assert(out && tmp);
    for (;;) {
        ssize_t r = report_stream_read(st, tmp, chunk);
        cr_assert_geq(r, 0, "stream read failed");
        if (r == 0)
            break;
        cr_assert_leq((size_t)r, chunk);
        if (n + (size_t)r > cap) {
            cap = (n + (size_t)r) * 2;
            out = realloc(out, cap + 1);
            cr_assert_not_null(out);
        }
        memcpy(out + n, tmp, (size_t)r);
        n += (size_t)r;
    }
    out[n] = '\0';
    free(tmp);
    *len = n;
    return out;
}

/*
 * Splits RFC 4180 text into records; calls fn per field (unquoted value) and
 * checks every record ends with CRLF. Returns the number of records.
 */
static long csv_parse(const char *p, size_t len,
                      void (*fn)(void *ud, long rec, int col, const char *v), void *ud)
{
    const char *end = p + len;
    long rec = 0;
    char *field = malloc(len + 1);
    cr_assert_not_null(field);
    while (p < end) {
        int col = 0;
        for (;;) {
            size_t n = 0;
            if (p < end && *p == '"') {
                p++;
                for (;;) {
                    cr_assert(p < end, "unterminated quoted field");
                    if (*p == '"' && p + 1 < end && p[1] == '"') {
                        field[n++] = '"';
                        p += 2;
                    } else if (*p == '"') {
                        p++;
                        break;
                    } else {
                        field[n++] = *p++;
                    }
                }
            } else {
                while (p < end && *p != ',' && *p != '\r' && *p != '\n') {
                    cr_assert_neq(*p, '"', "quote inside an unquoted field");
                    field[n++] = *p++;
                }
            }
            field[n] = '\0';
            if (fn)
                fn(ud, rec, col, field);
            col++;
            if (p < end && *p == ',') {
                p++;
                continue;
            }
            cr_assert(p + 1 < end + 1 && p[0] == '\r' && p[1] == '\n', "record %ld lacks CRLF",
                      rec);
            p += 2;
            break;
        }
        rec++;
    }
    free(field);
    return rec;
}

struct cell_probe {
    long rec;
    int col;
    char value[512];
};

static void probe_cell(void *ud, long rec, int col, const char *v)
{
    struct cell_probe *c = ud;
    if (rec == c->rec && col == c->col)
        snprintf(c->value, sizeof(c->value), "%s", v);
}

static char *cell(const char *csv, size_t len, long rec, int col)
{
    struct cell_probe c = {rec, col, "<none>"};
    csv_parse(csv, len, probe_cell, &c);
    return strdup(c.value);
}

struct zip_entry {
    char name[64];
    long rows; /* data rows */
    char header[512];
};

/* Reads a zip from memory: up to `max` entries; returns how many. */
static int zip_entries(const char *data, size_t len, struct zip_entry *out, int max)
{
    struct archive *a = archive_read_new();
    struct archive_entry *e;
    int n = 0;
    cr_assert_not_null(a);
    archive_read_support_format_zip(a);
    cr_assert_eq(archive_read_open_memory(a, data, len), ARCHIVE_OK, "%s", archive_error_string(a));
    while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
        size_t cap = 1 << 16, got = 0;
        char *body = malloc(cap);
        ssize_t r;
        cr_assert_lt(n, max);
        snprintf(out[n].name, sizeof(out[n].name), "%s", archive_entry_pathname(e));
        while ((r = archive_read_data(a, body + got, cap - got)) > 0) {
            got += (size_t)r;
            if (got == cap)
                body = realloc(body, cap *= 2);
        }
        cr_assert_geq(r, 0, "zip data: %s", archive_error_string(a));
        out[n].rows = csv_parse(body, got, NULL, NULL) - 1;
        char *eol = memchr(body, '\r', got);
        snprintf(out[n].header, sizeof(out[n].header), "%.*s", eol ? (int)(eol - body) : 0, body);
        free(body);
        n++;
    }
    archive_read_free(a);
    return n;
}

static struct report_stream *open_task(const char *type, const char *args, const char **ctype,
                                       const char **ext)
{
    struct store_task t;
    struct report_stream *st = NULL;
    memset(&t, 0, sizeof(t));
    snprintf(t.report_type, sizeof(t.report_type), "%s", type);
    t.arguments = (char *)args;
    t.created_ms = 1767323045678;
    t.completed_ms = 1767323047678;
    cr_assert_eq(report_stream_open(s, &t, "csv", &st, ctype, ext, NULL, 0), ERR_OK, "open %s %s",
                 type, args);
    return st;
}

/* The data rows of a finished report's file (CSV, or all CSVs of a zip). */
static long file_rows(const char *type, const char *args)
{
    const char *ctype = NULL, *ext = NULL;
    struct report_stream *st = open_task(type, args, &ctype, &ext);
    size_t len;
    char *data = read_all(st, 4096, &len);
    long rows = 0;
    report_stream_free(st);
    if (strcmp(type, "SEARCH_EXPORT") == 0) {
        struct zip_entry e[8];
        int n = zip_entries(data, len, e, 8);
        cr_assert_str_eq(ctype, "application/zip");
        cr_assert_str_eq(ext, "zip");
        for (int i = 0; i < n; i++)
            rows += e[i].rows;
    } else {
        cr_assert_str_eq(ctype, "application/csv");
        cr_assert_str_eq(ext, "csv");
        rows = csv_parse(data, len, NULL, NULL) - 1;
    }
    free(data);
    return rows;
}

/* ---- counts equal the file's rows, for every type ---- */

struct ccase {
    char id[48];
    char type[40];
    char args[300];
    long rows;
};

ParameterizedTestParameters(content, count_equals_file_rows)
{
    static struct ccase cases[] = {
        {"accounts_ad", "ACCOUNTS",
         "{\"application\":\"" AD "\",\"sourceName\":\"Active Directory\"}", 278},
        {"accounts_github", "ACCOUNTS", "{\"application\":\"" GH "\",\"sourceName\":\"GitHub\"}",
         66},
        {"identities_all", "IDENTITIES", "{}", 300},
        {"identities_false", "IDENTITIES", "{\"correlatedOnly\":false}", 300},
        {"identities_correlated", "IDENTITIES", "{\"correlatedOnly\":true}", 290},
        {"details_all", "IDENTITIES_DETAILS", "{\"correlatedOnly\":false}", 300},
        {"details_correlated", "IDENTITIES_DETAILS", "{\"correlatedOnly\":true}", 290},
        {"errors_workday", "IDENTITY_PROFILE_IDENTITY_ERROR",
         "{\"authoritativeSource\":\"" WD "\"}", 8},
        {"errors_contractors", "IDENTITY_PROFILE_IDENTITY_ERROR",
         "{\"authoritativeSource\":\"" CT "\"}", 1},
        {"errors_docs_example", "IDENTITY_PROFILE_IDENTITY_ERROR",
         "{\"authoritativeSource\":\"1234sourceId5678902\"}", 1},
        {"errors_not_authoritative", "IDENTITY_PROFILE_IDENTITY_ERROR",
         "{\"authoritativeSource\":\"" AD "\"}", 0},
        {"orphans", "ORPHAN_IDENTITIES", "{\"selectedFormats\":[\"CSV\"]}", 10},
        {"uncorrelated", "UNCORRELATED_ACCOUNTS", "{}", 20},
        {"search_everything", "SEARCH_EXPORT", "{\"query\":\"*\"}", 441},
        {"search_london", "SEARCH_EXPORT",
         "{\"indices\":[\"identities\"],\"query\":\"attributes.city:London\",\"columns\":"
         "\"displayName,firstName,lastName,email,attributes.city,created,"
         "attributes.cloudLifecycleState,access.spread\",\"sort\":[\"+displayName\"]}",
         30},
        {"search_prefix_all_indices", "SEARCH_EXPORT", "{\"query\":\"name:a*\"}", 75},
        {"search_free_text", "SEARCH_EXPORT", "{\"query\":\"engineering\",\"indices\":[\"*\"]}",
         33},
        {"search_nothing", "SEARCH_EXPORT", "{\"query\":\"nosuchfield:x\"}", 0},
    };
    return cr_make_param_array(struct ccase, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct ccase *c, content, count_equals_file_rows, .init = setup, .fini = teardown)
{
    int64_t rows = -1;
    char why[256] = "";
    cr_assert_eq(report_rows_total(s, c->type, c->args, &rows, why, sizeof(why)), ERR_OK, "%s: %s",
                 c->id, why);
    cr_assert_eq(rows, c->rows, "%s: count %lld", c->id, (long long)rows);
    cr_assert_eq(file_rows(c->type, c->args), c->rows, "%s: file rows", c->id);
}

/* ---- refusals ---- */

struct rcase {
    char id[48];
    char type[40];
    char args[200];
    char why[80];
};

ParameterizedTestParameters(content, cannot_run)
{
    static struct rcase cases[] = {
        {"accounts_unknown_source", "ACCOUNTS",
         "{\"application\":\"ffffffffffffffffffffffffffffffff\",\"sourceName\":\"Nope\"}",
         "no source with id 'ffffffffffffffffffffffffffffffff'"},
        {"errors_unknown_source", "IDENTITY_PROFILE_IDENTITY_ERROR",
         "{\"authoritativeSource\":\"1234sourceId0000000\"}", "no source with id"},
        {"search_range", "SEARCH_EXPORT", "{\"query\":\"name:[a TO m]\"}", "range"},
        {"search_fuzzy", "SEARCH_EXPORT", "{\"query\":\"smith~\"}", "fuzzy"},
        {"search_mixed_and_or", "SEARCH_EXPORT", "{\"query\":\"a AND b OR c\"}", "mixed"},
        {"search_inner_wildcard", "SEARCH_EXPORT", "{\"query\":\"name:a*b\"}", "wildcards"},
        {"search_nested", "SEARCH_EXPORT", "{\"query\":\"@accounts(source.name:AD)\"}", "nested"},
        {"search_date_value", "SEARCH_EXPORT", "{\"query\":\"created:2024-01-01\"}", "date field"},
        {"search_blank", "SEARCH_EXPORT", "{\"query\":\"   \"}", "empty"},
        {"search_unknown_sort", "SEARCH_EXPORT", "{\"query\":\"*\",\"sort\":[\"-shoeSize\"]}",
         "shoeSize"},
        {"search_sort_other_index", "SEARCH_EXPORT",
         "{\"query\":\"*\",\"indices\":[\"roles\"],\"sort\":[\"technicalName\"]}", "technicalName"},
        {"unknown_type", "PAYROLL", "{}", "unknown report type"},
    };
    return cr_make_param_array(struct rcase, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct rcase *c, content, cannot_run, .init = setup, .fini = teardown)
{
    int64_t rows = 12345;
    char why[256] = "";
    struct store_task t;
    struct report_stream *st = NULL;
    const char *ct = NULL, *ext = NULL;
    cr_assert_eq(report_rows_total(s, c->type, c->args, &rows, why, sizeof(why)), ERR_BAD_REQUEST,
                 "%s", c->id);
    cr_assert_eq(rows, 12345, "%s: rows touched", c->id);
    cr_assert(strstr(why, c->why) != NULL, "%s: \"%s\" lacks \"%s\"", c->id, why, c->why);
    /* No file either. */
    memset(&t, 0, sizeof(t));
    snprintf(t.report_type, sizeof(t.report_type), "%s", c->type);
    t.arguments = c->args;
    cr_assert_eq(report_stream_open(s, &t, "csv", &st, &ct, &ext, NULL, 0), ERR_FILE_NOT_FOUND,
                 "%s", c->id);
    cr_assert_null(st);
}

/* ---- what the files hold ---- */

Test(content, accounts_file_header_and_source, .init = setup, .fini = teardown)
{
    const char *ct, *ext;
    struct report_stream *st = open_task(
        "ACCOUNTS", "{\"application\":\"" AD "\",\"sourceName\":\"Active Directory\"}", &ct, &ext);
    size_t len;
    char *csv = read_all(st, 65536, &len);
    report_stream_free(st);
    cr_assert(strncmp(csv,
                      "Account ID,Account Name,Native Identity,Display Name,Source ID,Source Name,"
                      "Identity ID,Identity Name,Identity Display Name,Disabled,Locked,"
                      "Entitlements,Created,Modified\r\n",
                      strlen("Account ID,Account Name,Native Identity,Display Name,Source ID,"
                             "Source Name,Identity ID,Identity Name,Identity Display Name,"
                             "Disabled,Locked,Entitlements,Created,Modified\r\n")) == 0,
              "header: %.200s", csv);
    /* Every row is on that source; DNs carry commas, so they are quoted. */
    for (long r = 1; r <= 278; r += 37) {
        char *src = cell(csv, len, r, 4), *name = cell(csv, len, r, 5), *dn = cell(csv, len, r, 2);
        cr_assert_str_eq(src, AD);
        cr_assert_str_eq(name, "Active Directory");
        cr_assert(strncmp(dn, "CN=", 3) == 0 && strchr(dn, ','), "%s", dn);
        free(src);
        free(name);
        free(dn);
    }
    /* Rows come by account name: a-z. */
    char *first = cell(csv, len, 1, 1), *second = cell(csv, len, 2, 1);
    cr_assert_leq(strcmp(first, second), 0);
    free(first);
    free(second);
    free(csv);
}

Test(content, dates_are_rfc3339_and_booleans_words, .init = setup, .fini = teardown)
{
    const char *ct, *ext;
    struct report_stream *st = open_task("IDENTITIES", "{}", &ct, &ext);
    size_t len;
    char *csv = read_all(st, 100, &len);
    report_stream_free(st);
    char *created = cell(csv, len, 1, 8), *correlated = cell(csv, len, 1, 7);
    cr_assert_eq(strlen(created), 24, "%s", created);
    cr_assert_eq(created[10], 'T');
    cr_assert_eq(created[23], 'Z');
    cr_assert(strcmp(correlated, "true") == 0 || strcmp(correlated, "false") == 0, "%s",
              correlated);
    free(created);
    free(correlated);
    free(csv);
}

Test(content, uncorrelated_accounts_have_no_identity, .init = setup, .fini = teardown)
{
    const char *ct, *ext;
    struct report_stream *st = open_task("UNCORRELATED_ACCOUNTS", "{}", &ct, &ext);
    size_t len;
    char *csv = read_all(st, 512, &len);
    report_stream_free(st);
    cr_assert(strncmp(csv,
                      "Account ID,Account Name,Native Identity,Display Name,Source ID,"
                      "Source Name,Disabled,Locked,Created\r\n",
                      80) == 0);
    cr_assert(strstr(csv, "svc-backup") != NULL);
    cr_assert(strstr(csv, "\"Legacy \"\"Deploy Key\"\" User\"") != NULL, "quotes are doubled");
    cr_assert(strstr(csv, "amelia.smith") == NULL, "a correlated account");
    free(csv);
}

Test(content, zip_holds_one_csv_per_index, .init = setup, .fini = teardown)
{
    static const char *names[] = {"accessprofiles.csv", "accountactivities.csv", "entitlements.csv",
                                  "events.csv",         "identities.csv",        "roles.csv"};
    static const long rows[] = {9, 40, 26, 60, 300, 6};
    const char *ct, *ext;
    struct report_stream *st = open_task("SEARCH_EXPORT", "{\"query\":\"*\"}", &ct, &ext);
    size_t len;
    char *zip = read_all(st, 1000, &len);
    struct zip_entry e[8];
    report_stream_free(st);
    cr_assert_str_eq(ct, "application/zip");
    int n = zip_entries(zip, len, e, 8);
    cr_assert_eq(n, 6);
    for (int i = 0; i < n; i++) {
        cr_assert_str_eq(e[i].name, names[i]);
        cr_assert_eq(e[i].rows, rows[i], "%s: %ld rows", e[i].name, e[i].rows);
        cr_assert(strncmp(e[i].header, "id,", 3) == 0, "%s: %s", e[i].name, e[i].header);
    }
    cr_assert_str_eq(e[4].header, "id,name,displayName,firstName,lastName,email,"
                                  "attributes.department,attributes.city,"
                                  "attributes.cloudLifecycleState,created");
    free(zip);
}

Test(content, zip_index_order_follows_the_request, .init = setup, .fini = teardown)
{
    const char *ct, *ext;
    struct report_stream *st = open_task(
        "SEARCH_EXPORT", "{\"query\":\"*\",\"indices\":[\"roles\",\"*\",\"events\"]}", &ct, &ext);
    size_t len;
    char *zip = read_all(st, 333, &len);
    struct zip_entry e[8];
    report_stream_free(st);
    int n = zip_entries(zip, len, e, 8);
    cr_assert_eq(n, 6);
    cr_assert_str_eq(e[0].name, "roles.csv");
    cr_assert_str_eq(e[1].name, "accessprofiles.csv");
    cr_assert_str_eq(e[5].name, "identities.csv");
    free(zip);
}

/* libarchive is opened at run time: a missing library or function is named. */
Test(content, a_missing_zip_library_is_named)
{
    struct archive_dl t;
    char why[256] = "";
    cr_assert_eq(archive_dl_load("libno-such-archive.so.9", &t, why, sizeof(why)), -1);
    cr_assert(strstr(why, "libno-such-archive.so.9"), "%s", why);
    cr_assert_eq(archive_dl_load("libz.so.1", &t, why, sizeof(why)), -1);
    cr_assert(strstr(why, "no function archive_"), "%s", why);
    cr_assert_not_null(archive_dl_get(why, sizeof(why)), "%s", why);
}

Test(content, columns_and_unknown_columns, .init = setup, .fini = teardown)
{
    const char *ct, *ext;
    struct report_stream *st =
        open_task("SEARCH_EXPORT",
                  "{\"query\":\"name:amelia.smith\",\"indices\":[\"identities\"],"
                  "\"columns\":\" displayName , access.spread,email,,manager.name\"}",
                  &ct, &ext);
    size_t len;
    char *zip = read_all(st, 4096, &len);
    report_stream_free(st);
    struct archive *a = archive_read_new();
    struct archive_entry *e;
    char body[1024] = "";
    archive_read_support_format_zip(a);
    cr_assert_eq(archive_read_open_memory(a, zip, len), ARCHIVE_OK);
    cr_assert_eq(archive_read_next_header(a, &e), ARCHIVE_OK);
    ssize_t r = archive_read_data(a, body, sizeof(body) - 1);
    cr_assert_gt(r, 0);
    body[r] = '\0';
    archive_read_free(a);
    /* Unknown columns stay, with empty cells; the CEO has no manager. */
    cr_assert_str_eq(body, "displayName,access.spread,email,manager.name\r\n"
                           "Amelia Smith,,amelia.smith@acme.example.com,\r\n");
    free(zip);
}

/* Sorted search rows come in the asked order, across page boundaries. */
Test(content, sort_descending, .init = setup, .fini = teardown)
{
    const char *ct, *ext;
    struct report_stream *st =
        open_task("SEARCH_EXPORT",
                  "{\"query\":\"*\",\"indices\":[\"identities\"],\"columns\":\"displayName,id\","
                  "\"sort\":[\"-displayName\"]}",
                  &ct, &ext);
    size_t len;
    char *zip = read_all(st, 4096, &len);
    report_stream_free(st);
    struct archive *a = archive_read_new();
    struct archive_entry *e;
    size_t cap = 1 << 16, got = 0;
    char *body = malloc(cap);
    ssize_t r;
    archive_read_support_format_zip(a);
    cr_assert_eq(archive_read_open_memory(a, zip, len), ARCHIVE_OK);
    cr_assert_eq(archive_read_next_header(a, &e), ARCHIVE_OK);
    while ((r = archive_read_data(a, body + got, cap - got)) > 0)
        got += (size_t)r;
    archive_read_free(a);
    cr_assert_eq(csv_parse(body, got, NULL, NULL), 301);
    for (long i = 1; i < 300; i++) {
        char *x = cell(body, got, i, 0), *y = cell(body, got, i + 1, 0);
        cr_assert_geq(strcmp(x, y), 0, "row %ld: %s before %s", i, x, y);
        free(x);
        free(y);
    }
    free(body);
    free(zip);
}

Test(content, other_formats_are_not_found, .init = setup, .fini = teardown)
{
    struct store_task t;
    struct report_stream *st = NULL;
    const char *ct = NULL, *ext = NULL;
    memset(&t, 0, sizeof(t));
    snprintf(t.report_type, sizeof(t.report_type), "IDENTITIES");
    t.arguments = "{}";
    cr_assert_eq(report_stream_open(s, &t, "xlsx", &st, &ct, &ext, NULL, 0), ERR_FILE_NOT_FOUND);
    cr_assert_eq(report_stream_open(s, &t, "CSV", &st, &ct, &ext, NULL, 0), ERR_FILE_NOT_FOUND);
    cr_assert_null(st);
    cr_assert_null(ct);
}

/* A PDF is a whole document: its header, its trailer, and the same bytes twice. */
Test(content, pdf_streams_a_whole_document, .init = setup, .fini = teardown)
{
    struct store_task t;
    struct report_stream *st = NULL;
    const char *ct = NULL, *ext = NULL;
    char *a, *b;
    size_t alen, blen;
    memset(&t, 0, sizeof(t));
    snprintf(t.report_type, sizeof(t.report_type), "IDENTITIES");
    t.arguments = "{}";
    t.completed_ms = 1767323047678;
    cr_assert_eq(report_stream_open(s, &t, "pdf", &st, &ct, &ext, NULL, 0), ERR_OK);
    cr_assert_str_eq(ct, "application/pdf");
    cr_assert_str_eq(ext, "pdf");
    a = read_all(st, 4096, &alen);
    report_stream_free(st);
    cr_assert_eq(report_stream_open(s, &t, "pdf", &st, &ct, &ext, NULL, 0), ERR_OK);
    b = read_all(st, 1000, &blen);
    report_stream_free(st);
    cr_assert(alen > 1000 && memcmp(a, "%PDF-", 5) == 0, "no PDF header");
    cr_assert(memmem(a + alen - 8, 8, "%%EOF", 5), "no PDF trailer");
    cr_assert(alen == blen && memcmp(a, b, alen) == 0, "two renders differ");
    free(a);
    free(b);
}

/* One byte at a time gives the same file as big reads; two opens give the same bytes. */
Test(content, small_reads_and_repeat_opens_match, .init = setup, .fini = teardown)
{
    static const char *types[][2] = {
        {"SEARCH_EXPORT", "{\"query\":\"attributes.city:London OR attributes.city:Paris\"}"},
        {"IDENTITIES_DETAILS", "{\"correlatedOnly\":true}"},
    };
    for (size_t i = 0; i < 2; i++) {
        const char *ct, *ext;
        size_t la, lb;
        struct report_stream *a = open_task(types[i][0], types[i][1], &ct, &ext);
        struct report_stream *b = open_task(types[i][0], types[i][1], &ct, &ext);
        char *x = read_all(a, 1, &la), *y = read_all(b, 1 << 20, &lb);
        cr_assert_eq(la, lb, "%s", types[i][0]);
        cr_assert_eq(memcmp(x, y, la), 0, "%s", types[i][0]);
        /* End of stream stays the end. */
        char one;
        cr_assert_eq(report_stream_read(a, &one, 1), 0);
        report_stream_free(a);
        report_stream_free(b);
        free(x);
        free(y);
    }
    report_stream_free(NULL);
}

/* A stream freed half-way leaks nothing (checked by the sanitizer build). */
Test(content, free_midway, .init = setup, .fini = teardown)
{
    const char *ct, *ext;
    char buf[64];
    struct report_stream *st = open_task("SEARCH_EXPORT", "{\"query\":\"*\"}", &ct, &ext);
    cr_assert_gt(report_stream_read(st, buf, sizeof(buf)), 0);
    report_stream_free(st);
}

/* ---- the search subset, counted on the identities index ---- */

struct qcase {
    char id[40];
    char query[120];
    long rows; /* -1: refused */
};

ParameterizedTestParameters(search, identities)
{
    static struct qcase cases[] = {
        {"all", "*", 300},
        {"field", "attributes.city:London", 30},
        {"field_case", "attributes.city:lOnDoN", 30},
        {"field_prefix", "attributes.city:Lon*", 30},
        {"field_quoted", "attributes.title:\"Director, Sales Operations\"", 10},
        {"and", "attributes.city:London AND attributes.department:Engineering", 3},
        {"and_symbols", "attributes.city:London && attributes.department:Engineering", 3},
        {"or", "attributes.city:London OR attributes.city:Paris", 60},
        {"adjacent_is_or", "attributes.city:London attributes.city:Paris", 60},
        {"not", "NOT attributes.city:London", 270},
        {"bang", "!attributes.city:London", 270},
        {"and_not", "attributes.city:London AND NOT attributes.department:Engineering", 27},
        {"or_of_not_group", "attributes.city:London OR (NOT attributes.city:Paris)", 270},
        {"group",
         "(attributes.city:London OR attributes.city:Paris) AND "
         "attributes.department:Engineering",
         6},
        {"free_text", "london", 30},
        {"free_text_star", "londo*", 30},
        {"phrase", "\"Amelia Smith\"", 1},
        {"exists", "manager.name:*", 299},
        {"exists_keyword", "_exists_:manager.id", 299},
        {"bool", "correlated:false", 10},
        {"bool_true", "isManager:true", 10},
        {"number", "accountCount:1", 14},
        {"unknown_field", "shoeSize:42", 0},
        {"not_unknown_field", "NOT shoeSize:42", 300},
        {"escaped", "name:amelia\\.smith", 1},
        {"refuse_mixed", "a AND b c", -1},
        {"refuse_or_not", "a OR NOT b", -1},
        {"refuse_not_adjacent", "NOT a b", -1},
        {"refuse_plus", "+a", -1},
        {"refuse_minus", "-a", -1},
        {"refuse_question", "am?lia", -1},
        {"refuse_regex", "name:/am.*/", -1},
        {"refuse_boost", "london^2", -1},
        {"refuse_group_value", "attributes.city:(London Paris)", -1},
        {"refuse_unclosed", "(london", -1},
        {"refuse_unopened", "london)", -1},
        {"refuse_quote", "\"london", -1},
        {"refuse_bool_value", "correlated:maybe", -1},
        {"refuse_number_value", "accountCount:many", -1},
        {"refuse_prefix_on_bool", "correlated:tr*", -1},
        {"refuse_empty_value", "name: x", -1},
        {"refuse_bad_field", "na-me:x", -1},
        {"refuse_leading_wildcard", "name:*son", -1},
        {"refuse_operator_only", "AND", -1},
        {"refuse_trailing_backslash", "name:x\\", -1},
    };
    return cr_make_param_array(struct qcase, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct qcase *c, search, identities, .init = setup, .fini = teardown)
{
    char args[300], why[256] = "";
    int64_t rows = -1;
    /* The query text is embedded in JSON: escape quotes and backslashes. */
    char esc[260];
    size_t n = 0;
    for (const char *p = c->query; *p && n + 2 < sizeof(esc); p++) {
        if (*p == '"' || *p == '\\')
            esc[n++] = '\\';
        esc[n++] = *p;
    }
    esc[n] = '\0';
    snprintf(args, sizeof(args), "{\"query\":\"%s\",\"indices\":[\"identities\"]}", esc);
    enum err rc = report_rows_total(s, "SEARCH_EXPORT", args, &rows, why, sizeof(why));
    if (c->rows < 0) {
        cr_assert_eq(rc, ERR_BAD_REQUEST, "%s: expected a refusal, got %d rows", c->id, (int)rows);
        cr_assert(why[0], "%s: no reason", c->id);
    } else {
        cr_assert_eq(rc, ERR_OK, "%s: %s", c->id, why);
        cr_assert_eq(rows, c->rows, "%s: %lld rows", c->id, (long long)rows);
    }
}

Test(search, parse_shapes)
{
    struct tenant_filter *f = NULL;
    char why[200];
    cr_assert_eq(search_parse("a AND b AND NOT c", &f, why, sizeof(why)), ERR_OK, "%s", why);
    cr_assert_eq(f->op, TENANT_AND);
    cr_assert_eq(f->b->op, TENANT_NOT);
    cr_assert_eq(f->b->a->op, TENANT_TEXT_MATCH);
    cr_assert_str_eq(f->b->a->value, "c");
    search_filter_free(f);
    f = NULL;
    cr_assert_eq(search_parse("name:jo*", &f, why, sizeof(why)), ERR_OK);
    cr_assert_eq(f->op, TENANT_PREFIX);
    cr_assert_str_eq(f->field, "name");
    cr_assert_str_eq(f->value, "jo");
    search_filter_free(f);
    f = NULL;
    cr_assert_eq(search_parse("*", &f, why, sizeof(why)), ERR_OK);
    cr_assert_eq(f->op, TENANT_MATCH_ALL);
    search_filter_free(f);
    f = (struct tenant_filter *)0x1;
    cr_assert_eq(search_parse("", &f, why, sizeof(why)), ERR_BAD_REQUEST);
    cr_assert_eq(search_parse(NULL, &f, why, sizeof(why)), ERR_BAD_REQUEST);
    cr_assert_eq(f, (struct tenant_filter *)0x1, "untouched on failure");
    search_filter_free(NULL);
}

Test(search, limits)
{
    struct tenant_filter *f = NULL;
    char why[200], q[4096];
    size_t n = 0;
    for (int i = 0; i < 40; i++)
        q[n++] = '(';
    q[n++] = 'a';
    for (int i = 0; i < 40; i++)
        q[n++] = ')';
    q[n] = '\0';
    cr_assert_eq(search_parse(q, &f, why, sizeof(why)), ERR_BAD_REQUEST);
    cr_assert(strstr(why, "nests") != NULL, "%s", why);
    n = 0;
    for (int i = 0; i < SEARCH_MAX_TERMS + 1; i++)
        n += (size_t)snprintf(q + n, sizeof(q) - n, "%sa", i ? " OR " : "");
    cr_assert_eq(search_parse(q, &f, why, sizeof(why)), ERR_BAD_REQUEST);
    cr_assert(strstr(why, "terms") != NULL, "%s", why);
    cr_assert_eq(search_check_limits(q, why, sizeof(why)), ERR_BAD_REQUEST);
}

/* The size limits are checked on their own before a task starts; other
 * refusals are left to the task. */
Test(search, size_limits_up_front)
{
    static char q[SEARCH_MAX_QUERY_LEN + 2];
    char why[200];
    memset(q, 'a', SEARCH_MAX_TERM_LEN);
    q[SEARCH_MAX_TERM_LEN] = '\0';
    cr_assert_eq(search_check_limits(q, why, sizeof(why)), ERR_OK, "%s", why);
    q[SEARCH_MAX_TERM_LEN] = '*';
    q[SEARCH_MAX_TERM_LEN + 1] = '\0';
    cr_assert_eq(search_check_limits(q, why, sizeof(why)), ERR_OK, "the * is not counted");
    q[SEARCH_MAX_TERM_LEN] = 'a';
    cr_assert_eq(search_check_limits(q, why, sizeof(why)), ERR_BAD_REQUEST);
    cr_assert(strstr(why, "longer than 1024") != NULL, "%s", why);
    memset(q, ' ', SEARCH_MAX_QUERY_LEN);
    q[0] = 'a';
    q[SEARCH_MAX_QUERY_LEN] = '\0';
    cr_assert_eq(search_check_limits(q, why, sizeof(why)), ERR_OK, "%s", why);
    q[SEARCH_MAX_QUERY_LEN] = 'b';
    q[SEARCH_MAX_QUERY_LEN + 1] = '\0';
    cr_assert_eq(search_check_limits(q, why, sizeof(why)), ERR_BAD_REQUEST);
    cr_assert(strstr(why, "query is longer") != NULL, "%s", why);
    cr_assert_eq(search_check_limits("name:[a TO b]", why, sizeof(why)), ERR_OK);
    cr_assert_str_eq(why, "", "a syntax refusal is not a size refusal");
    cr_assert_eq(search_check_limits("", why, sizeof(why)), ERR_OK);
}

/* ---- keyset paging through the tenant API ---- */

struct collected {
    char ids[400][33];
    size_t n;
};

static int collect(void *ud, size_t n, const char *const *v)
{
    struct collected *c = ud;
    if (c->n >= 400 || n < 1)
        return 1;
    snprintf(c->ids[c->n++], 33, "%s", v[0]);
    return 0;
}

static void page_all(const struct tenant_query *q, int limit, struct collected *c)
{
    struct tenant_plan *p = NULL;
    char why[200];
    int got;
    c->n = 0;
    cr_assert_eq(tenant_plan_new(q, &p, why, sizeof(why)), 0, "%s", why);
    while ((got = tenant_page(s, p, limit, collect, c)) > 0)
        cr_assert_leq(got, limit);
    cr_assert_eq(got, 0);
    cr_assert_eq(tenant_page(s, p, limit, collect, c), 0, "the end stays the end");
    tenant_plan_free(p);
}

struct pcase {
    char id[32];
    char field[40];
    int desc;
    char field2[40]; /* "" for none */
    int desc2;
};

ParameterizedTestParameters(tenant, pages_resume_exactly)
{
    static struct pcase cases[] = {
        {"ties_asc", "attributes.department", 0, "", 0},
        {"ties_desc", "attributes.city", 1, "", 0},
        {"unique_desc", "displayName", 1, "", 0},
        {"nullable", "manager.name", 0, "", 0},
        {"bool", "correlated", 1, "", 0},
        {"number", "accountCount", 0, "", 0},
        {"date", "created", 1, "", 0},
        {"id", "id", 1, "", 0},
        {"mixed", "attributes.department", 0, "attributes.cloudLifecycleState", 1},
        {"mixed_nullable", "manager.displayName", 1, "attributes.city", 0},
        {"same_way", "attributes.city", 1, "attributes.department", 1},
    };
    return cr_make_param_array(struct pcase, cases, sizeof(cases) / sizeof(cases[0]));
}

/* Rows are in the asked order: compares the sort values of consecutive rows. */
static int cmp_rows(const struct pcase *c, const char *a1, const char *a2, const char *b1,
                    const char *b2)
{
    int r = strcmp(a1, b1);
    if (r)
        return c->desc ? -r : r;
    r = c->field2[0] ? strcmp(a2, b2) : 0;
    return c->desc2 ? -r : r;
}

struct sorted_rows {
    char v1[400][64];
    char v2[400][64];
    size_t n;
};

static int collect_sort_values(void *ud, size_t n, const char *const *v)
{
    struct sorted_rows *r = ud;
    if (r->n >= 400 || n < 3)
        return 1;
    snprintf(r->v1[r->n], 64, "%s", v[1]);
    snprintf(r->v2[r->n], 64, "%s", v[2]);
    r->n++;
    return 0;
}

ParameterizedTest(struct pcase *c, tenant, pages_resume_exactly, .init = setup, .fini = teardown)
{
    static struct collected small, big;
    static struct sorted_rows rows;
    const char *fields[] = {"id", c->field, c->field2[0] ? c->field2 : c->field};
    struct tenant_sort sort[2] = {{c->field, c->desc}, {c->field2, c->desc2}};
    struct tenant_query q = {"identities", NULL, fields, 3, sort, c->field2[0] ? 2 : 1};
    struct tenant_plan *p = NULL;
    char why[200];
    page_all(&q, 7, &small);
    page_all(&q, 1000, &big);
    cr_assert_eq(big.n, 300, "%s", c->id);
    cr_assert_eq(small.n, big.n, "%s", c->id);
    for (size_t i = 0; i < big.n; i++)
        cr_assert_str_eq(small.ids[i], big.ids[i], "%s: row %zu", c->id, i);
    /* And that order is the asked one (numbers compare as text only when equal width). */
    if (strcmp(c->field, "accountCount") == 0)
        return;
    rows.n = 0;
    cr_assert_eq(tenant_plan_new(&q, &p, why, sizeof(why)), 0, "%s", why);
    while (tenant_page(s, p, 11, collect_sort_values, &rows) > 0)
        ;
    tenant_plan_free(p);
    cr_assert_eq(rows.n, 300);
    for (size_t i = 0; i + 1 < rows.n; i++)
        cr_assert_leq(cmp_rows(c, rows.v1[i], rows.v2[i], rows.v1[i + 1], rows.v2[i + 1]), 0,
                      "%s: row %zu (%s|%s) before (%s|%s)", c->id, i, rows.v1[i], rows.v2[i],
                      rows.v1[i + 1], rows.v2[i + 1]);
}

Test(tenant, plan_refusals)
{
    const char *fields[] = {"id"};
    struct tenant_plan *p = NULL;
    char why[200];
    struct tenant_query q = {"nosuch", NULL, fields, 1, NULL, 0};
    cr_assert_eq(tenant_plan_new(&q, &p, why, sizeof(why)), 1);
    cr_assert(strstr(why, "nosuch") != NULL);
    q.dataset = "identities";
    q.nfields = 0;
    cr_assert_eq(tenant_plan_new(&q, &p, why, sizeof(why)), 1);
    cr_assert_null(p);
    cr_assert(tenant_dataset_known("roles"));
    cr_assert(!tenant_dataset_known(NULL));
    cr_assert(tenant_field_known("events", "technicalName"));
    cr_assert(!tenant_field_known("roles", "technicalName"));
}

Test(tenant, source_lookup, .init = setup, .fini = teardown)
{
    char name[64] = "";
    cr_assert_eq(tenant_source_get(s, AD, name, sizeof(name)), 0);
    cr_assert_str_eq(name, "Active Directory");
    cr_assert_eq(tenant_source_get(s, "2C9180897E7742B2017E781782F705B9", name, sizeof(name)), 1);
    cr_assert_eq(tenant_source_get(s, "", name, sizeof(name)), 1);
}
