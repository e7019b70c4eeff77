/*
 * csv.c - RFC 4180 field quoting and records, and the CSV writer built on
 * them (see csv.h). Pure functions over a caller's buffer; nothing retained.
 */
#include "csv.h"

#include <string.h>

int csv_needs_quotes(const char *s)
{
    return s && s[strcspn(s, ",\"\r\n")] != '\0';
}

int csv_field(struct buf *b, const char *s)
{
    if (!s || !*s)
        return 0;
    if (!csv_needs_quotes(s))
        return buf_puts(b, s);
    if (buf_putc(b, '"') != 0)
        return -1;
    for (const char *p = s; *p;) {
        size_t run = strcspn(p, "\"");
        if (buf_append(b, p, run) != 0)
            return -1;
        p += run;
        if (*p == '"') {
            if (buf_puts(b, "\"\"") != 0)
                return -1;
            p++;
        }
    }
    return buf_putc(b, '"');
}

int csv_record(struct buf *b, size_t n, const char *const *fields)
{
    /* A lone empty field would make an empty line, which readers skip. */
    if (n == 1 && (!fields || !fields[0] || !fields[0][0]))
        return buf_puts(b, "\"\"\r\n");
    for (size_t i = 0; i < n; i++) {
        if (i && buf_putc(b, ',') != 0)
            return -1;
        if (csv_field(b, fields ? fields[i] : NULL) != 0)
            return -1;
    }
    return buf_puts(b, "\r\n");
}

/* ---- the writer: no state, the header is the first record ---- */

static int csv_begin(const struct report_part *p, struct buf *out, void **state)
{
    *state = NULL;
    return csv_record(out, p->ncolumns, p->labels);
}

static int csv_row(void *state, struct buf *out, size_t n, const char *const *cells)
{
    (void)state;
    return csv_record(out, n, cells);
}

static int csv_end(void *state, struct buf *out)
{
    (void)state;
    (void)out;
    return 0;
}

const struct report_writer csv_writer = {csv_begin, csv_row, csv_end, NULL};
