/*
 * test_pdf.c - the PDF renderer, read back through pdftotext: title and
 * metadata, every row once and in order across page breaks, the header row
 * and "Page N" on every page, non-ASCII names intact, wide tables cut with an
 * ellipsis, sections on pages of their own, byte-identical renders, failed
 * writes, a missing library, and memory that does not grow with the rows.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../pdftext.h"
#include "core/buf.h"
#include "reports/cairo_dl.h"
#include "reports/pdf.h"

/* ---- helpers ---- */

struct sink {
    struct buf out;
    long fail_after; /* writes before one fails; <0: never */
    size_t bytes;
    int keep; /* keep the bytes (else only count them) */
};

static int sink_write(void *ud, const unsigned char *data, size_t len)
{
    struct sink *k = ud;
    cr_assert_gt(len, 0, "the renderer must not write empty chunks");
    if (k->fail_after == 0)
        return -1;
    if (k->fail_after > 0)
        k->fail_after--;
    k->bytes += len;
    return k->keep ? buf_append(&k->out, data, len) : 0;
}

static const char *const meta_labels[] = {"Report type", "Launcher", "Rows"};

static struct pdf_doc *open_doc(struct sink *k, const char *title, const char *rows,
                                int64_t created_ms)
{
    const char *values[] = {"IDENTITIES", "ci.bot", rows};
    struct pdf_meta m = {title, meta_labels, values, 3, created_ms};
    struct pdf_doc *d = NULL;
    char why[256] = "";
    buf_init(&k->out, 0);
    k->fail_after = k->fail_after ? k->fail_after : -1;
    k->keep = 1;
    cr_assert_eq(pdf_open(&m, sink_write, k, &d, why, sizeof(why)), 0, "pdf_open: %s", why);
    return d;
}

/* Splits pdftotext output into lines (in place); form feeds start a new page. */
struct lines {
    char *line[20000];
    int page[20000];
    int n;
};

static void split(char *text, struct lines *ls)
{
    int page = 1;
    ls->n = 0;
    for (char *p = text; p && *p;) {
        char *nl = strchr(p, '\n');
        if (nl)
            *nl = '\0';
        while (*p == '\f') {
            page++;
            p++;
        }
        cr_assert_lt(ls->n, 20000);
        ls->line[ls->n] = p;
        ls->page[ls->n++] = page;
        p = nl ? nl + 1 : NULL;
    }
}

static int blank(const char *s)
{
    return s[strspn(s, " \t\r")] == '\0';
}

static char *render_text(struct sink *k)
{
    char *text = pdftext_run(k->out.data, k->out.len);
    cr_assert_not_null(text, "pdftotext failed (is poppler-utils installed?)");
    return text;
}

/* ---- a table across pages ---- */

#define ROWS 500

static void row_cells(int i, char id[16], char name[32], char mail[48], const char *cells[3])
{
    static const char *const names[] = {"Müller", "García", "Zoë", "O'Brien", "Smith"};
    snprintf(id, 16, "ID-%05d", i);
    snprintf(name, 32, "%s %d", names[i % 5], i);
    snprintf(mail, 48, "user%d@acme.example", i);
    cells[0] = id;
    cells[1] = name;
    cells[2] = mail;
}

Test(pdf, table_across_pages_with_headers_and_page_numbers)
{
    static const char *const labels[] = {"Identity ID", "Display Name", "Email"};
    struct sink k = {0};
    struct pdf_doc *d = open_doc(&k, "Identities Report", "500", 1767323045678);
    static struct lines ls;
    char id[16], name[32], mail[48], want[32];
    const char *cells[3];
    int next = 0, headers = 0, pages, footers = 0;
    cr_assert_eq(pdf_table(d, NULL, 3, labels), 0);
    for (int i = 0; i < ROWS; i++) {
        row_cells(i, id, name, mail, cells);
        cr_assert_eq(pdf_row(d, cells), 0);
    }
    cr_assert_eq(pdf_close(d), 0);
    pages = pdf_pages(d);
    pdf_free(d);
    cr_assert_gt(pages, 5, "500 rows need several pages, got %d", pages);
    cr_assert_eq(memcmp(k.out.data, "%PDF-", 5), 0);

    char *text = render_text(&k);
    cr_assert_eq(pdftext_pages(text), pages);
    cr_assert(strstr(text, "Report type") && strstr(text, "IDENTITIES"));
    cr_assert(strstr(text, "Launcher") && strstr(text, "ci.bot"));
    split(text, &ls);
    cr_assert(strstr(ls.line[0], "Identities Report"), "title first: %s", ls.line[0]);
    for (int l = 0; l < ls.n; l++) {
        const char *line = ls.line[l];
        if (blank(line) || l < 4)
            continue;
        if (pdftext_row(line, 3, labels) && strstr(line, "Identity ID")) {
            headers++;
            continue;
        }
        snprintf(want, sizeof(want), "Page %d", ls.page[l]);
        if (strstr(line, want)) {
            cr_assert(strstr(line, "Identities Report"), "footer has the title: %s", line);
            footers++;
            continue;
        }
        cr_assert_lt(next, ROWS, "an extra line: %s", line);
        row_cells(next, id, name, mail, cells);
        cr_assert(pdftext_row(line, 3, cells), "row %d expected, page %d has: %s", next, ls.page[l],
                  line);
        next++;
    }
    cr_assert_eq(next, ROWS, "rows read back: %d", next);
    cr_assert_eq(headers, pages, "a header row on every page: %d on %d pages", headers, pages);
    cr_assert_eq(footers, pages, "a page number on every page: %d on %d pages", footers, pages);
    free(text);
    buf_free(&k.out);
}

Test(pdf, non_ascii_names_survive)
{
    static const char *const labels[] = {"Name", "City"};
    static const char *const rows[][2] = {
        {"Jürgen Müller", "München"}, {"María García", "Málaga"}, {"Zoë Brontë", "Zürich"},
        {"Łukasz Żółć", "Łódź"},      {"Ærøskøbing", "Ålesund"},
    };
    struct sink k = {0};
    struct pdf_doc *d = open_doc(&k, "Ünïcödé Report", "5", 0);
    cr_assert_eq(pdf_table(d, NULL, 2, labels), 0);
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
        cr_assert_eq(pdf_row(d, rows[i]), 0);
    cr_assert_eq(pdf_close(d), 0);
    pdf_free(d);
    char *text = render_text(&k);
    cr_assert(strstr(text, "Ünïcödé Report"), "%s", text);
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        const char *line = strstr(text, rows[i][0]);
        cr_assert_not_null(line, "%s missing from:\n%s", rows[i][0], text);
        cr_assert(pdftext_row(line, 2, rows[i]), "%s: %.80s", rows[i][0], line);
    }
    free(text);
    buf_free(&k.out);
}

/*
 * Characters first met after the rows that size the columns (measuring them
 * must not change the font the row is drawn in).
 */
Test(pdf, new_characters_after_the_sample_keep_their_size)
{
    static const char *const labels[] = {"Name", "City"};
    static const char *const late[][2] = {{"Łukasz Żółć", "Łódź"}, {"Ærøskøbing", "Ålesund"}};
    struct sink k = {0};
    struct pdf_doc *d = open_doc(&k, "Late", "302", 0);
    static struct lines ls;
    char name[32];
    const char *row[2] = {name, "Paris"};
    int found = 0;
    cr_assert_eq(pdf_table(d, NULL, 2, labels), 0);
    for (int i = 0; i < 300; i++) {
        snprintf(name, sizeof(name), "Person %d", i);
        cr_assert_eq(pdf_row(d, row), 0);
    }
    cr_assert_eq(pdf_row(d, late[0]), 0);
    cr_assert_eq(pdf_row(d, late[1]), 0);
    cr_assert_eq(pdf_close(d), 0);
    pdf_free(d);
    char *text = render_text(&k);
    split(text, &ls);
    for (int l = 0; l < ls.n; l++)
        for (int r = 0; r < 2; r++)
            found += pdftext_row(ls.line[l], 2, late[r]);
    cr_assert_eq(found, 2, "the late rows read back whole");
    free(text);
    buf_free(&k.out);
}

/* Bad bytes and control characters print as U+FFFD and spaces; the document stays whole. */
Test(pdf, bad_utf8_and_controls_do_not_break_the_document)
{
    static const char *const labels[] = {"A", "B"};
    const char *row[] = {"bad\xff\xfe bytes", "line\none\ttab"};
    struct sink k = {0};
    struct pdf_doc *d = open_doc(&k, "Bad \xc3 Title", "1", 0);
    cr_assert_eq(pdf_table(d, NULL, 2, labels), 0);
    cr_assert_eq(pdf_row(d, row), 0);
    cr_assert_eq(pdf_close(d), 0);
    pdf_free(d);
    char *text = render_text(&k);
    cr_assert(strstr(text, "bad\xef\xbf\xbd\xef\xbf\xbd bytes"), "%s", text);
    cr_assert(strstr(text, "line one tab"), "%s", text);
    free(text);
    buf_free(&k.out);
}

/* ---- wide tables ---- */

Test(pdf, wide_table_fits_the_page_with_ellipses)
{
    const char *labels[20], *cells[20];
    char lab[20][32], val[20][80];
    struct sink k = {0};
    struct pdf_doc *d = open_doc(&k, "Wide", "30", 0);
    static struct lines ls;
    int matched = 0, cut = 0;
    for (int c = 0; c < 20; c++) {
        snprintf(lab[c], sizeof(lab[c]), "Column %d", c);
        labels[c] = lab[c];
    }
    cr_assert_eq(pdf_table(d, NULL, 20, labels), 0);
    for (int r = 0; r < 30; r++) {
        for (int c = 0; c < 20; c++) {
            if (c % 4 == 0)
                snprintf(val[c], sizeof(val[c]), "r%dc%d-a-long-value-that-cannot-fit-%040d", r, c,
                         0);
            else
                snprintf(val[c], sizeof(val[c]), "r%dc%d", r, c);
            cells[c] = val[c];
        }
        cr_assert_eq(pdf_row(d, cells), 0);
    }
    cr_assert_eq(pdf_close(d), 0);
    pdf_free(d);
    char *text = render_text(&k);
    split(text, &ls);
    for (int l = 0; l < ls.n; l++) {
        char first[16];
        const char *hit;
        int r;
        if (!(hit = strstr(ls.line[l], "r")) || sscanf(hit, "r%dc0", &r) != 1)
            continue;
        for (int c = 0; c < 20; c++) {
            if (c % 4 == 0)
                snprintf(val[c], sizeof(val[c]), "r%dc%d-a-long-value-that-cannot-fit-%040d", r, c,
                         0);
            else
                snprintf(val[c], sizeof(val[c]), "r%dc%d", r, c);
            cells[c] = val[c];
        }
        snprintf(first, sizeof(first), "r%dc19", r);
        cr_assert(strstr(ls.line[l], first), "the last column is on the page: %s", ls.line[l]);
        cr_assert(pdftext_row(ls.line[l], 20, cells), "row %d: %s", r, ls.line[l]);
        cut += strstr(ls.line[l], PDFTEXT_ELLIPSIS) != NULL;
        matched++;
    }
    cr_assert_eq(matched, 30);
    cr_assert_eq(cut, 30, "long cells end with an ellipsis");
    free(text);
    buf_free(&k.out);
}

/* ---- sections ---- */

Test(pdf, each_table_starts_a_page_with_its_heading)
{
    static const char *const a[] = {"Role"}, *const b[] = {"Entitlement", "Source"};
    static const char *const ra[] = {"Auditor"}, *const rb[] = {"Domain Admins", "AD"};
    struct sink k = {0};
    struct pdf_doc *d = open_doc(&k, "Search Export", "2", 0);
    cr_assert_eq(pdf_table(d, "roles", 1, a), 0);
    cr_assert_eq(pdf_row(d, ra), 0);
    cr_assert_eq(pdf_table(d, "entitlements", 2, b), 0);
    cr_assert_eq(pdf_row(d, rb), 0);
    cr_assert_eq(pdf_table(d, "events", 1, a), 0); /* no rows: its header still shows */
    cr_assert_eq(pdf_close(d), 0);
    cr_assert_eq(pdf_pages(d), 3);
    pdf_free(d);
    char *text = render_text(&k);
    char *p2 = strchr(text, '\f'), *p3;
    cr_assert_not_null(p2);
    p3 = strchr(p2 + 1, '\f');
    cr_assert_not_null(p3);
    *p2++ = '\0';
    *p3++ = '\0';
    cr_assert(strstr(text, "roles") && strstr(text, "Auditor") && !strstr(text, "Domain"));
    cr_assert(strstr(p2, "entitlements") && strstr(p2, "Entitlement") && strstr(p2, "Domain"));
    cr_assert(strstr(p3, "events") && strstr(p3, "Role") && strstr(p3, "Page 3"));
    free(text);
    buf_free(&k.out);
}

/* ---- determinism ---- */

static void render_small(struct sink *k, int64_t created_ms)
{
    static const char *const labels[] = {"Name"}, *const row[] = {"Zoë"};
    struct pdf_doc *d = open_doc(k, "Same", "1", created_ms);
    cr_assert_eq(pdf_table(d, NULL, 1, labels), 0);
    cr_assert_eq(pdf_row(d, row), 0);
    cr_assert_eq(pdf_close(d), 0);
    pdf_free(d);
}

Test(pdf, same_input_same_bytes)
{
    struct sink a = {0}, b = {0}, c = {0};
    render_small(&a, 1767323045678);
    sleep(1); /* a clock-dependent date would show now */
    render_small(&b, 1767323045678);
    render_small(&c, 1767323046678);
    cr_assert_eq(a.out.len, b.out.len);
    cr_assert_eq(memcmp(a.out.data, b.out.data, a.out.len), 0, "two renders differ");
    cr_assert(memmem(a.out.data, a.out.len, "20260102030405", 14),
              "the creation date is the one given");
    cr_assert(a.out.len != c.out.len || memcmp(a.out.data, c.out.data, a.out.len) != 0,
              "the date is in the file");
    buf_free(&a.out);
    buf_free(&b.out);
    buf_free(&c.out);
}

/* ---- failures ---- */

Test(pdf, a_failed_write_fails_the_document)
{
    static const char *const labels[] = {"A"}, *const row[] = {"x"};
    struct sink k = {0};
    struct pdf_doc *d;
    int rc = 0;
    k.fail_after = 1; /* the header goes out, then writes fail */
    d = open_doc(&k, "T", "1", 0);
    cr_assert_eq(pdf_table(d, NULL, 1, labels), 0);
    for (int i = 0; i < 5000 && rc == 0; i++)
        rc = pdf_row(d, row);
    if (rc == 0)
        rc = pdf_close(d);
    cr_assert_eq(rc, -1);
    cr_assert_eq(pdf_row(d, row), -1, "failed for good");
    cr_assert_eq(pdf_close(d), -1);
    pdf_free(d);
    buf_free(&k.out);
}

Test(pdf, misuse_is_refused)
{
    static const char *const row[] = {"x"};
    struct sink k = {0};
    struct pdf_doc *d = open_doc(&k, "T", "0", 0);
    cr_assert_eq(pdf_table(d, NULL, 0, NULL), -1, "no columns");
    pdf_free(d);
    buf_free(&k.out);
    d = open_doc(&k, "T", "0", 0);
    cr_assert_eq(pdf_row(d, row), -1, "a row before any table");
    pdf_free(d);
    cr_assert_eq(pdf_close(NULL), -1);
    pdf_free(NULL);
    buf_free(&k.out);
}

Test(pdf, an_unclosed_document_writes_nothing_more)
{
    static const char *const labels[] = {"A"}, *const row[] = {"x"};
    struct sink k = {0};
    struct pdf_doc *d = open_doc(&k, "T", "1", 0);
    size_t before;
    cr_assert_eq(pdf_table(d, NULL, 1, labels), 0);
    cr_assert_eq(pdf_row(d, row), 0);
    before = k.bytes;
    pdf_free(d);
    cr_assert_eq(k.bytes, before);
    buf_free(&k.out);
}

Test(pdf, a_missing_library_is_named)
{
    struct cairo_dl t;
    char why[256] = "";
    cr_assert_eq(cairo_dl_load("libno-such-cairo.so.9", &t, why, sizeof(why)), -1);
    cr_assert(strstr(why, "libno-such-cairo.so.9"), "%s", why);
    cr_assert_eq(cairo_dl_load("libz.so.1", &t, why, sizeof(why)), -1);
    cr_assert(strstr(why, "no function cairo_"), "%s", why);
    cr_assert_not_null(cairo_dl_get(why, sizeof(why)), "%s", why);
}

/* ---- memory ---- */

/* GCC says __SANITIZE_ADDRESS__, clang says __has_feature(address_sanitizer). */
#if defined(__SANITIZE_ADDRESS__)
#define TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEST_ASAN 1
#endif
#endif

#ifdef TEST_ASAN
/* From the sanitizer runtime (sanitizer/allocator_interface.h). */
size_t __sanitizer_get_current_allocated_bytes(void);
static size_t heap_in_use(void)
{
    return __sanitizer_get_current_allocated_bytes();
}
#else
#include <malloc.h>
#if defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#define TEST_MEMCHECK 1
#endif
#endif
static size_t heap_in_use(void)
{
#ifdef TEST_MEMCHECK
    /* Under valgrind malloc is memcheck's, and mallinfo2 reads zero: ask
     * memcheck for the bytes still allocated instead. */
    if (RUNNING_ON_VALGRIND) {
        unsigned long leaked = 0, dubious = 0, reachable = 0, suppressed = 0;
        VALGRIND_DO_QUICK_LEAK_CHECK;
        VALGRIND_COUNT_LEAKS(leaked, dubious, reachable, suppressed);
        (void)suppressed;
        return leaked + dubious + reachable;
    }
#endif
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}
#endif

/*
 * 5,000 rows then 50,000 more: the heap in use must not follow the row count
 * (what remains is cairo's index of pages and objects, about 70 bytes a page).
 */
Test(pdf, memory_does_not_grow_with_rows, .timeout = 120)
{
    static const char *const labels[] = {"Identity ID", "Display Name", "Email"};
    struct sink k = {0};
    struct pdf_doc *d = open_doc(&k, "Big", "55000", 0);
    char id[16], name[32], mail[48];
    const char *cells[3];
    size_t after_small, after_big;
    k.keep = 0;
    cr_assert_eq(pdf_table(d, NULL, 3, labels), 0);
    for (int i = 0; i < 5000; i++) {
        row_cells(i, id, name, mail, cells);
        cr_assert_eq(pdf_row(d, cells), 0);
    }
    after_small = heap_in_use();
    for (int i = 5000; i < 55000; i++) {
        row_cells(i, id, name, mail, cells);
        cr_assert_eq(pdf_row(d, cells), 0);
    }
    after_big = heap_in_use();
    cr_assert_eq(pdf_close(d), 0);
    pdf_free(d);
    cr_assert_gt(after_small, 0, "the heap in use can be measured");
    cr_assert_lt(after_big, after_small + (1 << 20),
                 "the heap grew from %zu to %zu bytes over 50,000 rows (%zu bytes written)",
                 after_small, after_big, k.bytes);
}
