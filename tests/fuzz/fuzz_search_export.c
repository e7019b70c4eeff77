/*
 * fuzz_search_export.c - libFuzzer target for the SEARCH_EXPORT path: the
 * query-string parser (reports/search.h), the column and sort arguments,
 * and the SQL they become (store/tenant.h), through report_rows_total()
 * (reports/rows.h) and, for one input in eight, report_stream_open() and a
 * full read of the zip (reports/stream.h). The store is the built-in tenant in memory,
 * opened once.
 *
 * Input: three flag bytes, then lines ('\n'): the query, the columns, then
 * up to 20 sort fields (a sort line starting with '#' becomes a number).
 *   byte 0  bits 0-5: the indices asked for, in contract order; bit 6: add
 *           "*"; bit 7: send an empty "indices" array when no bit is set
 *   byte 1  bits 0-2 all clear: read the file; bit 3: no columns; bit 4: no
 *           sort; bit 5: no query; bit 6: the query as a number
 *   byte 2  bits 0-2: the size of each read (1 byte to 64 KiB)
 * The arguments go through report_validate() first, as startReport does;
 * accepted ones are counted in their canonical form, refused ones as they
 * are (the content code must not rely on validation for its safety).
 *
 * Checks, besides "no crash, leak or UB": counting never hits an internal
 * error; a refusal says why; a count is between 0 and the whole tenant; a
 * file opens exactly when its count succeeds, is a zip of one CSV per
 * searched index (the expected names, once each), whose headers have one
 * cell per asked column, and whose data rows add up to the count.
 */
#include <string.h>

#include <archive.h>
#include <archive_entry.h>
#include <cjson/cJSON.h>

#include "fuzz.h"
#include "reports/rows.h"
#include "reports/stream.h"
#include "reports/validate.h"
#include "store/embedded.h"
#include "store/store.h"

#define MAX_SORT 20
#define NINDICES 6

static const char *const indices[NINDICES] = {"accessprofiles", "accountactivities", "entitlements",
                                              "events",         "identities",        "roles"};

static struct store *db;
static int64_t all_rows; /* every document of every index */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char err[256] = "", why[256] = "";
    (void)argc;
    (void)argv;
    db = store_open(":memory:", embedded_schema, embedded_schema_count, embedded_fixtures,
                    embedded_fixtures_count, err, sizeof(err));
    FUZZ_CHECK(db != NULL, "store_open: %s", err);
    FUZZ_CHECK(report_rows_total(db, "SEARCH_EXPORT", "{\"query\":\"*\"}", &all_rows, why,
                                 sizeof(why)) == ERR_OK,
               "count of everything: %s", why);
    return 0;
}

/* What the input asks for, and what the file must then look like. */
struct ask {
    unsigned want;  /* bit i: indices[i] is searched */
    long ncols;     /* header cells per entry; -1: the index's default set */
    int drain;      /* read the file */
    size_t chunk;   /* read size */
    cJSON *args;    /* the arguments object */
    char *args_txt; /* its text, as counted */
};

/* Non-empty comma-separated items after trimming blanks, as the content code splits them. */
static long count_columns(const char *s)
{
    long n = 0;
    while (*s) {
        size_t len = strcspn(s, ","), a = 0, b = len;
        while (a < b && (s[a] == ' ' || s[a] == '\t'))
            a++;
        while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t'))
            b--;
        n += b > a;
        s += len + (s[len] == ',');
    }
    return n;
}

static char *line(const uint8_t **p, const uint8_t *end)
{
    const uint8_t *nl = memchr(*p, '\n', (size_t)(end - *p));
    const uint8_t *stop = nl ? nl : end;
    char *s = fuzz_str(*p, (size_t)(stop - *p));
    *p = nl ? nl + 1 : end;
    return s;
}

static void build(const uint8_t *data, size_t size, struct ask *a)
{
    const uint8_t *p = data + 3, *end = data + size;
    uint8_t f0 = data[0], f1 = data[1], f2 = data[2];
    cJSON *args = cJSON_CreateObject(), *arr;
    char *query = line(&p, end), *columns = line(&p, end);

    FUZZ_CHECK(args != NULL, "out of memory");
    memset(a, 0, sizeof(*a));
    a->drain = (f1 & 7) == 0;
    a->chunk = (size_t[]){1, 7, 512, 4096, 65536, 100, 3, 1000}[f2 & 7];
    a->ncols = -1;
    if (f1 & 0x40)
        cJSON_AddNumberToObject(args, "query", (double)f0);
    else if (!(f1 & 0x20))
        cJSON_AddStringToObject(args, "query", query);
    if ((f0 & 0x7f) || (f0 & 0x80)) {
        arr = cJSON_AddArrayToObject(args, "indices");
        for (int i = 0; i < NINDICES; i++)
            if (f0 & (1u << i)) {
                cJSON_AddItemToArray(arr, cJSON_CreateString(indices[i]));
                a->want |= 1u << i;
            }
        if (f0 & 0x40) {
            cJSON_AddItemToArray(arr, cJSON_CreateString("*"));
            a->want = (1u << NINDICES) - 1;
        }
    }
    if (!a->want)
        a->want = (1u << NINDICES) - 1;
    if (!(f1 & 0x08)) {
        cJSON_AddStringToObject(args, "columns", columns);
        if (count_columns(columns) > 0)
            a->ncols = count_columns(columns);
    }
    if (!(f1 & 0x10)) {
        arr = cJSON_AddArrayToObject(args, "sort");
        for (int i = 0; i < MAX_SORT && p < end; i++) {
            char *s = line(&p, end);
            cJSON_AddItemToArray(arr, s[0] == '#' ? cJSON_CreateNumber(i) : cJSON_CreateString(s));
            free(s);
        }
    }
    a->args = args;
    free(query);
    free(columns);
}

/* Data records of a CSV text (RFC 4180: CRLF ends a record outside quotes),
 * header excluded; *cells gets the header's cell count. */
static long csv_rows(const char *s, size_t n, long *cells)
{
    long records = 0, c = 1;
    int quoted = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"')
            quoted = !quoted;
        else if (!quoted && s[i] == ',' && records == 0)
            c++;
        else if (!quoted && s[i] == '\r' && i + 1 < n && s[i + 1] == '\n')
            records++;
    }
    FUZZ_CHECK(!quoted, "CSV ends inside quotes");
    FUZZ_CHECK(n >= 2 && s[n - 2] == '\r' && s[n - 1] == '\n', "CSV without a header or CRLF end");
    *cells = c;
    return records - 1;
}

static int index_of(const char *entry)
{
    for (int i = 0; i < NINDICES; i++)
        if (strlen(entry) == strlen(indices[i]) + 4 &&
            strncmp(entry, indices[i], strlen(indices[i])) == 0 &&
            strcmp(entry + strlen(indices[i]), ".csv") == 0)
            return i;
    return -1;
}

/* Checks the zip against the ask and returns its data rows. */
static int64_t check_zip(const char *zip, size_t len, const struct ask *a)
{
    struct archive *ar = archive_read_new();
    struct archive_entry *e;
    unsigned seen = 0;
    int64_t rows = 0;
    size_t cap = 1 << 16;
    char *body = malloc(cap);

    FUZZ_CHECK(ar && body, "out of memory");
    archive_read_support_format_zip(ar);
    FUZZ_CHECK(archive_read_open_memory(ar, zip, len) == ARCHIVE_OK, "zip: %s",
               archive_error_string(ar));
    while (archive_read_next_header(ar, &e) == ARCHIVE_OK) {
        int ix = index_of(archive_entry_pathname(e));
        size_t got = 0;
        la_ssize_t r;
        long cells;
        FUZZ_CHECK(ix >= 0, "entry '%s'", archive_entry_pathname(e));
        FUZZ_CHECK(!(seen & (1u << ix)), "entry '%s' twice", archive_entry_pathname(e));
        seen |= 1u << ix;
        while ((r = archive_read_data(ar, body + got, cap - got)) > 0) {
            got += (size_t)r;
            if (got == cap) {
                body = realloc(body, cap *= 2);
                FUZZ_CHECK(body != NULL, "out of memory");
            }
        }
        FUZZ_CHECK(r == 0, "zip data: %s", archive_error_string(ar));
        rows += csv_rows(body, got, &cells);
        FUZZ_CHECK(a->ncols < 0 || cells == a->ncols, "%s: %ld header cells, %ld columns asked",
                   archive_entry_pathname(e), cells, a->ncols);
    }
    FUZZ_CHECK(seen == a->want, "entries %#x, indices %#x", seen, a->want);
    archive_read_free(ar);
    free(body);
    return rows;
}

static void drain(const struct ask *a, int counted, int64_t rows)
{
    struct store_task t;
    struct report_stream *st = NULL;
    const char *ctype = NULL, *ext = NULL;
    char *out = NULL, *chunk = malloc(a->chunk);
    size_t len = 0;
    ssize_t r;
    enum err e;

    FUZZ_CHECK(chunk != NULL, "out of memory");
    memset(&t, 0, sizeof(t));
    snprintf(t.report_type, sizeof(t.report_type), "SEARCH_EXPORT");
    t.arguments = a->args_txt;
    t.created_ms = 1767323045678;
    t.completed_ms = 1767323047678;
    e = report_stream_open(db, &t, "csv", &st, &ctype, &ext, NULL, 0);
    if (!counted) {
        FUZZ_CHECK(e == ERR_FILE_NOT_FOUND, "opened a file whose count was refused (%d)", (int)e);
        goto out;
    }
    FUZZ_CHECK(e == ERR_OK, "count succeeded but open says %d", (int)e);
    FUZZ_CHECK(strcmp(ctype, "application/zip") == 0 && strcmp(ext, "zip") == 0, "%s %s", ctype,
               ext);
    while ((r = report_stream_read(st, chunk, a->chunk)) > 0) {
        FUZZ_CHECK((size_t)r <= a->chunk, "read %zd of %zu", r, a->chunk);
        out = realloc(out, len + (size_t)r);
        FUZZ_CHECK(out != NULL, "out of memory");
        memcpy(out + len, chunk, (size_t)r);
        len += (size_t)r;
    }
    FUZZ_CHECK(r == 0, "stream read failed");
    FUZZ_CHECK(report_stream_read(st, chunk, a->chunk) == 0, "read after the end");
    FUZZ_CHECK(check_zip(out, len, a) == rows, "file rows differ from the count %lld",
               (long long)rows);
out:
    report_stream_free(st);
    free(out);
    free(chunk);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ask a;
    const struct report_type *type = NULL;
    char *canon = NULL, *body, why[256] = "";
    cJSON *req;
    int64_t rows = -1;
    enum err rc;

    if (size < 3)
        return 0;
    build(data, size, &a);
    /* As startReport: validate, then count the canonical arguments. */
    req = cJSON_CreateObject();
    FUZZ_CHECK(req != NULL, "out of memory");
    cJSON_AddStringToObject(req, "reportType", "SEARCH_EXPORT");
    cJSON_AddItemReferenceToObject(req, "arguments", a.args);
    body = cJSON_PrintUnformatted(req);
    FUZZ_CHECK(body != NULL, "out of memory");
    if (report_validate(body, strlen(body), &type, &canon, NULL, 0, why, sizeof(why)) == ERR_OK)
        a.args_txt = canon;
    else
        a.args_txt = cJSON_PrintUnformatted(a.args);
    FUZZ_CHECK(a.args_txt != NULL, "out of memory");

    why[0] = '\0';
    rc = report_rows_total(db, "SEARCH_EXPORT", a.args_txt, &rows, why, sizeof(why));
    FUZZ_CHECK(rc == ERR_OK || rc == ERR_BAD_REQUEST, "count of %s: %d (%s)", a.args_txt, (int)rc,
               why);
    if (rc != ERR_OK)
        FUZZ_CHECK(why[0] != '\0', "refused without a reason: %s", a.args_txt);
    else
        FUZZ_CHECK(rows >= 0 && rows <= all_rows, "%lld rows of %lld", (long long)rows,
                   (long long)all_rows);
    if (a.drain)
        drain(&a, rc == ERR_OK, rows);

    if (canon)
        free(canon);
    else
        cJSON_free(a.args_txt);
    cJSON_free(body);
    cJSON_Delete(req);
    cJSON_Delete(a.args);
    return 0;
}
