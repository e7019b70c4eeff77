/*
 * test_pdf.c - GET /reports/{id}?fileFormat=pdf for every report type, read
 * back through pdftotext (poppler-utils): the title (taskDefName), the run's
 * metadata, the CSV's header row on every page, the CSV's data rows in the
 * same order (as many as ReportResults.rows), "Page N" on every page and
 * non-ASCII names intact. SEARCH_EXPORT answers a zip of one PDF per index,
 * each matching the CSV of the same index. Also: selectedFormats still
 * decides, and a server that cannot load cairo ends the reports that need a
 * PDF with ERROR (the log says why) while CSV-only reports still succeed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>
#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "../pdftext.h"
#include "harness.h"

#define SOURCE_WORKDAY "2c9180847de347aa017de8ef09167792"
#define SOURCE_AD "2c9180897e7742b2017e781782f705b9"

struct pdf_case {
    const char *type;
    const char *body;
};

static const struct pdf_case cases[] = {
    {"ACCOUNTS", "{\"reportType\":\"ACCOUNTS\",\"arguments\":{\"application\":\"" SOURCE_AD
                 "\",\"sourceName\":\"Active Directory\"}}"},
    {"IDENTITIES", "{\"reportType\":\"IDENTITIES\",\"arguments\":{\"correlatedOnly\":false}}"},
    {"IDENTITIES_DETAILS",
     "{\"reportType\":\"IDENTITIES_DETAILS\",\"arguments\":{\"correlatedOnly\":false}}"},
    {"IDENTITY_PROFILE_IDENTITY_ERROR",
     "{\"reportType\":\"IDENTITY_PROFILE_IDENTITY_ERROR\",\"arguments\":{\"authoritativeSource\":"
     "\"" SOURCE_WORKDAY "\"}}"},
    {"ORPHAN_IDENTITIES", "{\"reportType\":\"ORPHAN_IDENTITIES\"}"},
    {"UNCORRELATED_ACCOUNTS",
     "{\"reportType\":\"UNCORRELATED_ACCOUNTS\",\"arguments\":{\"selectedFormats\":[\"CSV\","
     "\"PDF\"]}}"},
    {"SEARCH_EXPORT",
     "{\"reportType\":\"SEARCH_EXPORT\",\"arguments\":{\"indices\":[\"identities\",\"roles\"],"
     "\"query\":\"*\",\"sort\":[\"+displayName\"]}}"},
};

/* ---- CSV records, parsed (RFC 4180) ---- */

struct csv {
    char **cell;   /* all cells, record after record */
    size_t *start; /* index of each record's first cell; start[n] = total */
    size_t n;
};

static void csv_parse(const char *p, size_t len, struct csv *c)
{
    size_t cap = 1024, rcap = 256, ncell = 0, i = 0;
    char *field = malloc(len + 1);
    memset(c, 0, sizeof(*c));
    c->cell = malloc(cap * sizeof(char *));
    c->start = malloc(rcap * sizeof(size_t));
    cr_assert(field && c->cell && c->start);
    while (i < len) {
        size_t f = 0;
        c->start[c->n] = ncell;
        for (;;) { /* one record */
            f = 0;
            if (p[i] == '"') {
                for (i++; i < len; i++) {
                    if (p[i] == '"' && i + 1 < len && p[i + 1] == '"')
                        field[f++] = p[i++];
                    else if (p[i] == '"')
                        break;
                    else
                        field[f++] = p[i];
                }
                i++;
            } else {
                while (i < len && p[i] != ',' && p[i] != '\r' && p[i] != '\n')
                    field[f++] = p[i++];
            }
            field[f] = '\0';
            if (ncell == cap)
                cr_assert_not_null(c->cell = realloc(c->cell, (cap *= 2) * sizeof(char *)));
            c->cell[ncell++] = strdup(field);
            if (i < len && p[i] == ',') {
                i++;
                continue;
            }
            break;
        }
        if (i < len && p[i] == '\r')
            i++;
        if (i < len && p[i] == '\n')
            i++;
        if (++c->n == rcap)
            cr_assert_not_null(c->start = realloc(c->start, (rcap *= 2) * sizeof(size_t)));
    }
    c->start[c->n] = ncell;
    free(field);
}

static void csv_free(struct csv *c)
{
    for (size_t i = 0; c->start && i < c->start[c->n]; i++)
        free(c->cell[i]);
    free(c->cell);
    free(c->start);
}

static size_t csv_width(const struct csv *c, size_t r)
{
    return c->start[r + 1] - c->start[r];
}

static const char *const *csv_row(const struct csv *c, size_t r)
{
    return (const char *const *)&c->cell[c->start[r]];
}

/* ---- zips ---- */

struct entry {
    char name[128];
    char *data;
    size_t len;
};

/* Reads every entry of a zip in memory; returns their count (at most max). */
static int unzip(const char *data, size_t len, struct entry *out, int max)
{
    struct archive *a = archive_read_new();
    struct archive_entry *e;
    int n = 0;
    archive_read_support_format_zip(a);
    cr_assert_eq(archive_read_open_memory(a, data, len), ARCHIVE_OK, "not a zip");
    while (n < max && archive_read_next_header(a, &e) == ARCHIVE_OK) {
        char chunk[8192];
        la_ssize_t r;
        snprintf(out[n].name, sizeof(out[n].name), "%s", archive_entry_pathname(e));
        out[n].data = NULL;
        out[n].len = 0;
        while ((r = archive_read_data(a, chunk, sizeof(chunk))) > 0) {
            cr_assert_not_null(out[n].data = realloc(out[n].data, out[n].len + (size_t)r + 1));
            memcpy(out[n].data + out[n].len, chunk, (size_t)r);
            out[n].len += (size_t)r;
        }
        cr_assert_eq(r, 0, "zip entry %s", out[n].name);
        n++;
    }
    archive_read_free(a);
    return n;
}

/* ---- the PDF against the CSV ---- */

static int blank(const char *s)
{
    return s[strspn(s, " \t\r")] == '\0';
}

/*
 * Checks pdftotext's output against the CSV: on every page the lines before
 * the header row are the title block (page 1) or a heading; then the header
 * row, the data rows, and a last line with "Page N". Returns the data rows.
 */
static long check_table(const char *what, char *text, const struct csv *c)
{
    const size_t ncols = csv_width(c, 0);
    const char *const *head = csv_row(c, 0);
    int pages = pdftext_pages(text), page = 0;
    size_t next = 1; /* the CSV record the next data line must show */
    char *save = NULL;
    cr_assert_geq(pages, 1, "%s: no page", what);
    for (char *pg = strtok_r(text, "\f", &save); pg; pg = strtok_r(NULL, "\f", &save)) {
        char *lines[200], *ls = NULL, want[32];
        int n = 0, h = -1;
        page++;
        for (char *l = strtok_r(pg, "\n", &ls); l; l = strtok_r(NULL, "\n", &ls))
            if (!blank(l)) {
                cr_assert_lt(n, 200, "%s: page %d has too many lines", what, page);
                lines[n++] = l;
            }
        if (n == 0)
            continue; /* what follows the last form feed */
        for (int i = 0; i < n && h < 0; i++)
            if (pdftext_row(lines[i], ncols, head))
                h = i;
        cr_assert_geq(h, 0, "%s: page %d has no header row", what, page);
        cr_assert_leq(h, page == 1 ? 8 : 1, "%s: page %d: %d lines before the header", what, page,
                      h);
        snprintf(want, sizeof(want), "Page %d", page);
        cr_assert(strstr(lines[n - 1], want), "%s: page %d ends with: %s", what, page,
                  lines[n - 1]);
        for (int i = h + 1; i < n - 1; i++) {
            cr_assert_lt(next, c->n, "%s: an extra line on page %d: %s", what, page, lines[i]);
            cr_assert(pdftext_row(lines[i], csv_width(c, next), csv_row(c, next)),
                      "%s: page %d line %d should show CSV record %zu (%s...): %s", what, page, i,
                      next, csv_row(c, next)[0], lines[i]);
            next++;
        }
    }
    cr_assert_eq(page, pages, "%s: %d pages read, pdftotext says %d", what, page, pages);
    cr_assert_eq(next, c->n, "%s: %zu of %zu CSV rows in the PDF", what, next - 1, c->n - 1);
    return (long)next - 1;
}

/* The task as the control API shows it (launcher, completed, arguments). */
static cJSON *task_details(const char *id)
{
    cJSON *all = ctl("GET", "/mock/tasks", NULL, 200), *t, *out = NULL;
    cJSON_ArrayForEach(t, cJSON_GetObjectItem(all, "tasks"))
    {
        if (jstr(t, "id") && strcmp(jstr(t, "id"), id) == 0)
            out = cJSON_Duplicate(t, 1);
    }
    cJSON_Delete(all);
    cr_assert_not_null(out, "task %s not in /mock/tasks", id);
    return out;
}

/* The line of `text` that starts (after spaces) with `label`, copied into out. */
static const char *meta_line(const char *text, const char *label, char *out, size_t cap)
{
    for (const char *p = text; p && *p;) {
        const char *end = strchr(p, '\n');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *q = p + strspn(p, " ");
        if (strncmp(q, label, strlen(label)) == 0) {
            snprintf(out, cap, "%.*s", (int)len, p);
            return out;
        }
        p = end ? end + 1 : NULL;
    }
    return NULL;
}

static void check_meta(const char *text, const cJSON *res, const cJSON *task)
{
    char line[4096], rows[32];
    size_t pos = 0;
    char *args = cJSON_PrintUnformatted(cJSON_GetObjectItem(task, "arguments"));
    const char *first = text + strspn(text, " \n");
    cr_assert(strncmp(first, jstr(res, "taskDefName"), strlen(jstr(res, "taskDefName"))) == 0,
              "the title comes first: %.80s", first);
    cr_assert(meta_line(text, "Report type", line, sizeof(line)), "no report type");
    cr_assert(strstr(line, jstr(res, "reportType")), "%s", line);
    cr_assert(meta_line(text, "Arguments", line, sizeof(line)), "no arguments");
    cr_assert(pdftext_cell(line, &pos, args), "arguments %s: %s", args, line);
    cr_assert(meta_line(text, "Launcher", line, sizeof(line)), "no launcher");
    cr_assert(strstr(line, jstr(task, "launcher")), "%s", line);
    cr_assert(meta_line(text, "Completed", line, sizeof(line)), "no completion time");
    cr_assert(strstr(line, jstr(task, "completed")), "%s", line);
    snprintf(rows, sizeof(rows), " %ld", (long)jnum(res, "rows"));
    cr_assert(meta_line(text, "Rows", line, sizeof(line)), "no row count");
    cr_assert(strstr(line, rows), "rows%s: %s", rows, line);
    free(args);
}

/* Names of the built-in tenant that a PDF must keep intact. */
static const char *const accented[] = {"Müller", "García", "Zoë"};

static void check_names(const char *what, const char *text, const char *csv, size_t len)
{
    for (size_t i = 0; i < sizeof(accented) / sizeof(accented[0]); i++)
        if (memmem(csv, len, accented[i], strlen(accented[i])))
            cr_assert(strstr(text, accented[i]), "%s: %s is in the CSV, not in the PDF", what,
                      accented[i]);
}

static void get_file(struct http_res *r, const char *tok, const char *id, const char *fmt)
{
    char path[160];
    snprintf(path, sizeof(path), "/v2024/reports/%s?fileFormat=%s", id, fmt);
    api_call(r, "GET", path, tok, NULL);
    cr_assert_eq(r->status, 200, "%s: %ld %s", path, r->status, r->body);
}

E2E_TABLE_PARAMS(pdf, every_type, cases)

ParameterizedTest(size_t *i, pdf, every_type, .fini = e2e_fini, .timeout = 120.)
{
    const struct pdf_case *c = &cases[*i];
    struct http_res csv, pdf, again;
    char ct[128], cd[512];
    e2e_init();
    char *tok = e2e_token("demo-admin");
    cJSON *task = e2e_run("v2024", tok, c->body);
    const char *id = jstr(task, "id");
    e2e_clock_advance(60 * 1000);
    cJSON *res = e2e_result_done("v2024", tok, id, 30);
    cJSON *details = task_details(id);
    long rows = (long)jnum(res, "rows"), seen = 0;
    cr_assert_str_eq(jstr(res, "status"), "SUCCESS");
    assert_json_eq(cJSON_GetObjectItem(res, "availableFormats"), "[\"CSV\",\"PDF\"]");
    get_file(&csv, tok, id, "csv");
    get_file(&pdf, tok, id, "pdf");
    get_file(&again, tok, id, "pdf");
    cr_assert(again.len == pdf.len && memcmp(again.body, pdf.body, pdf.len) == 0,
              "%s: two downloads of the PDF differ", c->type);
    cr_assert(http_header(&pdf, "Content-Type", ct, sizeof(ct)));
    cr_assert(http_header(&pdf, "Content-Disposition", cd, sizeof(cd)));

    if (strcmp(c->type, "SEARCH_EXPORT") == 0) {
        struct entry ce[8], pe[8];
        int nc = unzip(csv.body, csv.len, ce, 8), np = unzip(pdf.body, pdf.len, pe, 8);
        cr_assert(strncmp(ct, "application/zip", 15) == 0, "Content-Type %s", ct);
        cr_assert(strstr(cd, ".zip\""), "%s", cd);
        cr_assert_eq(np, nc, "one PDF per CSV");
        cr_assert_eq(np, 2, "one file per searched index");
        for (int k = 0; k < np; k++) {
            struct csv t;
            char *text;
            cr_assert_eq(strncmp(pe[k].name, ce[k].name, strlen(ce[k].name) - 3), 0, "%s vs %s",
                         pe[k].name, ce[k].name);
            cr_assert_str_eq(pe[k].name + strlen(pe[k].name) - 4, ".pdf");
            cr_assert(pe[k].len > 5 && memcmp(pe[k].data, "%PDF-", 5) == 0, "%s", pe[k].name);
            cr_assert_not_null(text = pdftext_run(pe[k].data, pe[k].len), "pdftotext failed");
            check_meta(text, res, details);
            check_names(pe[k].name, text, ce[k].data, ce[k].len);
            csv_parse(ce[k].data, ce[k].len, &t);
            seen += check_table(pe[k].name, text, &t);
            csv_free(&t);
            free(text);
            free(ce[k].data);
            free(pe[k].data);
        }
    } else {
        struct csv t;
        char *text;
        cr_assert(strncmp(ct, "application/pdf", 15) == 0, "Content-Type %s", ct);
        cr_assert(strstr(cd, ".pdf\""), "%s", cd);
        cr_assert(pdf.len > 5 && memcmp(pdf.body, "%PDF-", 5) == 0, "not a PDF");
        cr_assert_not_null(text = pdftext_run(pdf.body, pdf.len), "pdftotext failed");
        check_meta(text, res, details);
        check_names(c->type, text, csv.body, csv.len);
        csv_parse(csv.body, csv.len, &t);
        seen = check_table(c->type, text, &t);
        csv_free(&t);
        free(text);
    }
    cr_assert_eq(seen, rows, "%s: %ld data rows in the PDF, ReportResults.rows %ld", c->type, seen,
                 rows);
    if (strcmp(c->type, "IDENTITIES") == 0)
        for (size_t k = 0; k < sizeof(accented) / sizeof(accented[0]); k++)
            cr_assert(memmem(csv.body, csv.len, accented[k], strlen(accented[k])),
                      "the tenant has %s", accented[k]);
    http_res_free(&csv);
    http_res_free(&pdf);
    http_res_free(&again);
    cJSON_Delete(details);
    cJSON_Delete(res);
    cJSON_Delete(task);
    free(tok);
    e2e_finish();
}

/* selectedFormats still decides: a CSV-only report has no PDF, a PDF-only one no CSV. */
E2E_TEST(pdf, selected_formats_decide)
{
    char *tok = e2e_token("demo-app");
    cJSON *csv_only = e2e_run(
        "v2024", tok,
        "{\"reportType\":\"ORPHAN_IDENTITIES\",\"arguments\":{\"selectedFormats\":[\"CSV\"]}}");
    cJSON *pdf_only = e2e_run(
        "v2024", tok,
        "{\"reportType\":\"UNCORRELATED_ACCOUNTS\",\"arguments\":{\"selectedFormats\":[\"PDF\"]}}");
    struct http_res r;
    char path[160];
    e2e_clock_advance(60 * 1000);
    cJSON_Delete(e2e_result_done("v2024", tok, jstr(csv_only, "id"), 30));
    cJSON_Delete(e2e_result_done("v2024", tok, jstr(pdf_only, "id"), 30));
    snprintf(path, sizeof(path), "/v2024/reports/%s?fileFormat=pdf", jstr(csv_only, "id"));
    api_call(&r, "GET", path, tok, NULL);
    cr_assert_eq(r.status, 404);
    http_res_free(&r);
    snprintf(path, sizeof(path), "/v2024/reports/%s?fileFormat=pdf", jstr(pdf_only, "id"));
    api_call(&r, "GET", path, tok, NULL);
    cr_assert_eq(r.status, 200);
    cr_assert(r.len > 5 && memcmp(r.body, "%PDF-", 5) == 0);
    http_res_free(&r);
    cJSON_Delete(csv_only);
    cJSON_Delete(pdf_only);
    free(tok);
}

/* Without a loadable cairo a report with a PDF cannot be written: the task
 * ends ERROR with a message (never a 500), the log names the library, and
 * a CSV-only report still succeeds. */
Test(pdf, no_pdf_library_ends_the_task_in_error, .fini = e2e_fini, .timeout = 90.)
{
    char libdir[600], lib[640], env[700];
    FILE *f;
    snprintf(libdir, sizeof(libdir), "%s", e2e_tmpdir());
    snprintf(lib, sizeof(lib), "%s/libcairo.so.2", libdir); /* not a library: dlopen fails */
    cr_assert_not_null(f = fopen(lib, "w"));
    fclose(f);
    snprintf(env, sizeof(env), "LD_LIBRARY_PATH=%s", libdir);
    const char *const envs[] = {env, NULL};
    e2e_start(NULL, envs, 1);
    char *tok = e2e_token("demo-app");
    cJSON *task = e2e_run("v2024", tok, "{\"reportType\":\"IDENTITIES\"}");
    cJSON *csv_only = e2e_run("v2024", tok,
                              "{\"reportType\":\"ORPHAN_IDENTITIES\","
                              "\"arguments\":{\"selectedFormats\":[\"CSV\"]}}");
    struct http_res r;
    char path[160];
    e2e_clock_advance(60 * 1000);
    cJSON *res = e2e_result_done("v2024", tok, jstr(task, "id"), 60);
    cr_assert_str_eq(jstr(res, "status"), "FAILURE");
    cr_assert_eq(jnum(res, "rows"), 0);
    cJSON_Delete(res);
    cJSON *listed = ctl("GET", "/mock/tasks?reportType=IDENTITIES", NULL, 200);
    const cJSON *t = cJSON_GetArrayItem(cJSON_GetObjectItem(listed, "tasks"), 0);
    cr_assert_str_eq(jstr(t, "completionStatus"), "ERROR");
    const cJSON *msg = cJSON_GetArrayItem(cJSON_GetObjectItem(t, "messages"), 0);
    cr_assert(jstr(msg, "localizedText") && strstr(jstr(msg, "localizedText"), "PDF"),
              "the message says which file failed: %s", cJSON_PrintUnformatted(t));
    cJSON_Delete(listed);
    for (int i = 0; i < 2; i++) { /* no file of a failed task, in any format */
        snprintf(path, sizeof(path), "/v2024/reports/%s?fileFormat=%s", jstr(task, "id"),
                 i ? "pdf" : "csv");
        api_call(&r, "GET", path, tok, NULL);
        assert_error_dto(&r, 404, NULL);
        http_res_free(&r);
    }
    char *err = mock_proc_stderr(&e2e_srv);
    cr_assert(strstr(err, "libcairo.so.2"), "the log names the library: %s", err);
    free(err);
    res = e2e_result_done("v2024", tok, jstr(csv_only, "id"), 60);
    cr_assert_str_eq(jstr(res, "status"), "SUCCESS");
    get_file(&r, tok, jstr(csv_only, "id"), "csv");
    http_res_free(&r);
    cJSON_Delete(res);
    cJSON_Delete(csv_only);
    cJSON_Delete(task);
    free(tok);
    e2e_finish();
}
