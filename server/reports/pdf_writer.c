/*
 * pdf_writer.c - the PDF writer (see pdf_writer.h): adapts the renderer's
 * write callback to the writer interface, whose output buffer changes from
 * call to call, and prints the run (struct report_run) under the title.
 *
 * Owns one renderer document per part; the part and run are only read
 * during begin.
 */
#include "pdf_writer.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "../core/clock.h"
#include "../core/log.h"
#include "cairo_dl.h"
#include "pdf.h"

struct pdf_state {
    struct pdf_doc *doc;
    struct buf *out; /* where the renderer's bytes go during the current call */
};

static int to_out(void *ud, const unsigned char *data, size_t len)
{
    struct pdf_state *s = ud;
    return s->out ? buf_append(s->out, data, len) : -1;
}

static int pdf_begin(const struct report_part *p, struct buf *out, void **state)
{
    static const char *const labels[] = {"Report type", "Arguments", "Launcher",
                                         "Completed",   "Rows",      "Task ID"};
    const struct report_run *run = p->run;
    char completed[CLOCK_RFC3339_LEN] = "", rows[24] = "", why[256] = "";
    const char *values[6] = {NULL};
    struct pdf_meta m = {p->title, labels, values, 6, 0};
    struct pdf_state *s = calloc(1, sizeof(*s));
    if (!s)
        return -1;
    if (run) {
        clock_format(run->completed_ms, completed);
        snprintf(rows, sizeof(rows), "%" PRId64, run->rows);
        values[0] = run->report_type;
        values[1] = run->arguments;
        values[2] = run->launcher;
        values[3] = completed;
        values[4] = rows;
        values[5] = run->id;
        m.created_ms = run->completed_ms;
    }
    s->out = out;
    if (pdf_open(&m, to_out, s, &s->doc, why, sizeof(why)) != 0 ||
        pdf_table(s->doc, p->name, p->ncolumns, p->labels) != 0) {
        if (why[0])
            log_msg("error", NULL, "PDF: %s", why);
        pdf_free(s->doc);
        free(s);
        return -1;
    }
    s->out = NULL;
    *state = s;
    return 0;
}

static int pdf_row_out(void *state, struct buf *out, size_t n, const char *const *cells)
{
    struct pdf_state *s = state;
    int rc;
    (void)n; /* the part's column count, as begun */
    s->out = out;
    rc = pdf_row(s->doc, cells);
    s->out = NULL;
    return rc;
}

static int pdf_end(void *state, struct buf *out)
{
    struct pdf_state *s = state;
    int rc = 0;
    if (out) {
        s->out = out;
        rc = pdf_close(s->doc);
    }
    pdf_free(s->doc);
    free(s);
    return rc;
}

static int pdf_ready(char *why, size_t whylen)
{
    return cairo_dl_get(why, whylen) ? 0 : -1;
}

const struct report_writer pdf_writer = {pdf_begin, pdf_row_out, pdf_end, pdf_ready};
