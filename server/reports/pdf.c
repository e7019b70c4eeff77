/*
 * pdf.c - renders a report's tables into a PDF with cairo (see pdf.h).
 *
 * Layout, in points on a landscape A4 page: the first page opens with the
 * title and the metadata lines; each table has an optional heading, a shaded
 * header row repeated at the top of every page it spans, and one line per
 * data row; every page ends with a footer holding the title and "Page N".
 *
 * A table's first SAMPLE_ROWS rows are held back until its columns are laid
 * out (pdf_measure.c measures text and decides the widths); every later row
 * is drawn as it arrives. A row is drawn as one run of glyphs: cairo's cost
 * is per drawing operation, and a page of one operation a cell is several
 * times slower to render.
 *
 * Owns its document, the cairo surface and context behind it, and copies of
 * the labels and sampled cells. Knows nothing of reports or the store.
 */
#include "pdf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../core/err.h"
#include "pdf_int.h"

/* ---- drawing ---- */

static void draw_text(struct pdf_doc *d, enum face f, double size, double x, double baseline,
                      const char *s)
{
    d->c->cairo_set_font_face(d->cr, d->face[f]);
    d->c->cairo_set_font_size(d->cr, size);
    d->c->cairo_move_to(d->cr, x, baseline);
    d->c->cairo_show_text(d->cr, s);
}

/* Draws `s` on one line from x, cut to `max` points. */
static void draw_line(struct pdf_doc *d, enum face f, double size, double x, double baseline,
                      double max, const char *s)
{
    int cut = pdf_clean(d, s);
    pdf_fit(d, f, size, max, cut);
    draw_text(d, f, size, x, baseline, d->text);
}

/* Nonzero when cairo has failed (the document is then failed for good). */
static int broken(struct pdf_doc *d)
{
    if (!d->failed && (d->c->cairo_status(d->cr) != CAIRO_STATUS_SUCCESS ||
                       d->c->cairo_surface_status(d->surface) != CAIRO_STATUS_SUCCESS))
        d->failed = 1;
    return d->failed;
}

static void begin_page(struct pdf_doc *d)
{
    d->pages++;
    d->y = MARGIN;
}

/* Draws the footer and sends the page out. */
static int end_page(struct pdf_doc *d)
{
    char num[32];
    double base = PAGE_H - MARGIN + FOOT_SIZE;
    double w;
    snprintf(num, sizeof(num), "Page %d", d->pages);
    pdf_clean(d, num);
    w = pdf_text_width(d, REGULAR, d->text) * FOOT_SIZE;
    d->c->cairo_set_source_rgb(d->cr, 0.35, 0.35, 0.35);
    draw_line(d, REGULAR, FOOT_SIZE, MARGIN, base, PAGE_W - 2 * MARGIN - w - 20, d->title);
    draw_text(d, REGULAR, FOOT_SIZE, PAGE_W - MARGIN - w, base, num);
    d->c->cairo_set_source_rgb(d->cr, 0, 0, 0);
    d->c->cairo_show_page(d->cr);
    return broken(d) ? -1 : 0;
}

static double table_width(const struct table *t)
{
    double w = 0;
    for (size_t i = 0; i < t->ncols; i++)
        w += t->width[i];
    return w;
}

static double baseline_in(const struct pdf_doc *d, double top, double h, double size)
{
    return top + (h + (d->ascent - d->descent) * size) / 2;
}

/* Appends the glyphs of d->text, placed from (x, y) in the current font, to the row's run. */
static int add_glyphs(struct pdf_doc *d, cairo_scaled_font_t *sf, double x, double y)
{
    cairo_glyph_t *g = d->scratch;
    int n = (int)(sizeof(d->scratch) / sizeof(d->scratch[0]));
    int rc = -1;
    if (d->c->cairo_scaled_font_text_to_glyphs(sf, x, y, d->text, -1, &g, &n, NULL, NULL, NULL) !=
        CAIRO_STATUS_SUCCESS)
        return -1;
    if (d->nrun + (size_t)n > d->caprun) {
        size_t cap = (d->nrun + (size_t)n) * 2;
        cairo_glyph_t *bigger = realloc(d->run, cap * sizeof(*bigger));
        if (!bigger)
            goto out;
        d->run = bigger;
        d->caprun = cap;
    }
    memcpy(d->run + d->nrun, g, (size_t)n * sizeof(*g));
    d->nrun += (size_t)n;
    rc = 0;
out:
    if (g != d->scratch)
        d->c->cairo_glyph_free(g);
    return rc;
}

/*
 * Draws one row of cells at d->y (the header row when `head` is set) as a
 * single run of glyphs: one drawing operation a row, not one a cell.
 */
static int draw_cells(struct pdf_doc *d, const char *const *cells, int head)
{
    struct table *t = &d->t;
    enum face f = head ? BOLD : REGULAR;
    double x = MARGIN, pad = PAD_EM * t->size;
    double base = baseline_in(d, d->y, t->row_h, t->size);
    cairo_scaled_font_t *sf;
    if (head || t->drawn % 2 == 1) {
        double g = head ? 0.85 : 0.95;
        d->c->cairo_set_source_rgb(d->cr, g, g, g);
        d->c->cairo_rectangle(d->cr, MARGIN, d->y, table_width(t), t->row_h);
        d->c->cairo_fill(d->cr);
        d->c->cairo_set_source_rgb(d->cr, 0, 0, 0);
    }
    d->c->cairo_set_font_face(d->cr, d->face[f]);
    d->c->cairo_set_font_size(d->cr, t->size);
    d->nrun = 0;
    for (size_t i = 0; i < t->ncols; i++) {
        int cut = pdf_clean(d, cells ? cells[i] : NULL);
        pdf_fit(d, f, t->size, t->width[i] - 2 * pad, cut); /* may measure a new character */
        sf = d->c->cairo_get_scaled_font(d->cr);
        if (add_glyphs(d, sf, x + pad, base) != 0)
            return -1;
        x += t->width[i];
    }
    d->c->cairo_show_glyphs(d->cr, d->run, (int)d->nrun);
    d->y += t->row_h;
    return 0;
}

static int draw_header(struct pdf_doc *d)
{
    return draw_cells(d, (const char *const *)d->t.labels, 1);
}

/* Draws one data row, on a new page (with the header again) when this one is full. */
static int draw_row(struct pdf_doc *d, const char *const *cells)
{
    if (d->y + d->t.row_h > TABLE_BOTTOM) {
        if (end_page(d) != 0)
            return -1;
        begin_page(d);
        if (draw_header(d) != 0)
            return -1;
    }
    if (draw_cells(d, cells, 0) != 0)
        return -1;
    d->t.drawn++;
    return 0;
}

static void free_sample(struct table *t)
{
    for (size_t i = 0; t->sample && i < t->nsample * t->ncols; i++)
        free(t->sample[i]);
    free(t->sample);
    t->sample = NULL;
    t->nsample = 0;
}

static void free_table(struct table *t)
{
    free_sample(t);
    for (size_t i = 0; t->labels && i < t->ncols; i++)
        free(t->labels[i]);
    free(t->labels);
    free(t->width);
    memset(t, 0, sizeof(*t));
}

/* Lays the current table out and draws its header and the held-back rows. */
static int flush_sample(struct pdf_doc *d)
{
    struct table *t = &d->t;
    int rc = 0;
    if (!t->labels || t->laid_out)
        return 0;
    if (pdf_lay_out(d) != 0)
        return -1;
    if (d->y + 2 * t->row_h > TABLE_BOTTOM) { /* not even one row fits under the header */
        if (end_page(d) != 0)
            return -1;
        begin_page(d);
    }
    rc = draw_header(d);
    for (size_t r = 0; rc == 0 && r < t->nsample; r++)
        rc = draw_row(d, (const char *const *)&t->sample[r * t->ncols]);
    free_sample(t);
    return rc == 0 && !broken(d) ? 0 : -1;
}

/* ---- the document ---- */

static cairo_status_t sink(void *closure, const unsigned char *data, unsigned int length)
{
    struct pdf_doc *d = closure;
    if (d->failed)
        return CAIRO_STATUS_WRITE_ERROR;
    if (length == 0)
        return CAIRO_STATUS_SUCCESS;
    return d->write(d->ud, data, length) == 0 ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

/* "YYYY-MM-DDThh:mm:ssZ", the date form cairo's metadata takes. */
static void iso_date(int64_t ms, char out[32])
{
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    if (!gmtime_r(&secs, &tm))
        memset(&tm, 0, sizeof(tm));
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void draw_title_page(struct pdf_doc *d, const struct pdf_meta *m)
{
    const double width = PAGE_W - 2 * MARGIN;
    double label_w = 0;
    begin_page(d);
    draw_line(d, BOLD, TITLE_SIZE, MARGIN, d->y + d->ascent * TITLE_SIZE, width, d->title);
    d->y += TITLE_SIZE * 1.6;
    for (size_t i = 0; i < m->nmeta; i++) {
        double w;
        pdf_clean(d, m->labels[i]);
        w = pdf_text_width(d, BOLD, d->text) * META_SIZE;
        if (w > label_w)
            label_w = w;
    }
    label_w += META_SIZE;
    if (label_w > width / 3)
        label_w = width / 3;
    for (size_t i = 0; i < m->nmeta; i++) {
        double base = d->y + d->ascent * META_SIZE;
        draw_line(d, BOLD, META_SIZE, MARGIN, base, label_w - META_SIZE, m->labels[i]);
        draw_line(d, REGULAR, META_SIZE, MARGIN + label_w, base, width - label_w,
                  m->values[i] ? m->values[i] : "");
        d->y += META_SIZE * 1.5;
    }
    d->y += META_SIZE;
}

int pdf_open(const struct pdf_meta *m, pdf_write_fn write, void *ud, struct pdf_doc **out,
             char *why, size_t whylen)
{
    struct pdf_doc *d;
    char date[32];
    const struct cairo_dl *c = cairo_dl_get(why, whylen);
    if (!c)
        return -1;
    if (!(d = calloc(1, sizeof(*d)))) {
        err_why(why, whylen, "out of memory");
        return -1;
    }
    d->c = c;
    d->write = write;
    d->ud = ud;
    if (!(d->title = strdup(m->title ? m->title : "")))
        goto oom;
    d->surface = c->cairo_pdf_surface_create_for_stream(sink, d, PAGE_W, PAGE_H);
    d->cr = c->cairo_create(d->surface);
    d->face[REGULAR] = c->cairo_toy_font_face_create(FONT_FAMILY, CAIRO_FONT_SLANT_NORMAL,
                                                     CAIRO_FONT_WEIGHT_NORMAL);
    d->face[BOLD] =
        c->cairo_toy_font_face_create(FONT_FAMILY, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
    if (broken(d) || c->cairo_font_face_status(d->face[REGULAR]) != CAIRO_STATUS_SUCCESS ||
        c->cairo_font_face_status(d->face[BOLD]) != CAIRO_STATUS_SUCCESS) {
        err_why(why, whylen, "the PDF library could not start a document (%s)",
                c->cairo_status_to_string(c->cairo_status(d->cr)));
        pdf_free(d);
        return -1;
    }
    pdf_clean(d, d->title);
    c->cairo_pdf_surface_set_metadata(d->surface, CAIRO_PDF_METADATA_TITLE, d->text);
    c->cairo_pdf_surface_set_metadata(d->surface, CAIRO_PDF_METADATA_CREATOR, "isc-reports-mock");
    iso_date(m->created_ms, date);
    c->cairo_pdf_surface_set_metadata(d->surface, CAIRO_PDF_METADATA_CREATE_DATE, date);
    c->cairo_pdf_surface_set_metadata(d->surface, CAIRO_PDF_METADATA_MOD_DATE, date);
    pdf_measure_fonts(d);
    c->cairo_set_source_rgb(d->cr, 0, 0, 0);
    draw_title_page(d, m);
    if (broken(d)) {
        err_why(why, whylen, "the PDF library failed to draw the title");
        pdf_free(d);
        return -1;
    }
    *out = d;
    return 0;
oom:
    err_why(why, whylen, "out of memory");
    pdf_free(d);
    return -1;
}

int pdf_table(struct pdf_doc *d, const char *heading, size_t ncols, const char *const *labels)
{
    struct table *t;
    if (!d || d->failed || d->closed || ncols == 0 || ncols > PDF_MAX_COLS)
        goto fail;
    if (flush_sample(d) != 0)
        goto fail;
    if (d->ntables > 0) { /* a later table starts on a page of its own */
        if (end_page(d) != 0)
            goto fail;
        begin_page(d);
    }
    free_table(&d->t);
    t = &d->t;
    t->labels = calloc(ncols, sizeof(char *));
    t->width = calloc(ncols, sizeof(double));
    t->sample = calloc(SAMPLE_ROWS * ncols, sizeof(char *));
    if (!t->labels || !t->width || !t->sample)
        goto fail;
    t->ncols = ncols;
    for (size_t i = 0; i < ncols; i++)
        if (!(t->labels[i] = strdup(labels && labels[i] ? labels[i] : "")))
            goto fail;
    d->ntables++;
    if (heading) {
        d->c->cairo_set_source_rgb(d->cr, 0, 0, 0);
        draw_line(d, BOLD, HEADING_SIZE, MARGIN, d->y + d->ascent * HEADING_SIZE,
                  PAGE_W - 2 * MARGIN, heading);
        d->y += HEADING_SIZE * 1.6;
    }
    return broken(d) ? -1 : 0;
fail:
    if (d)
        d->failed = 1;
    return -1;
}

int pdf_row(struct pdf_doc *d, const char *const *cells)
{
    struct table *t;
    if (!d || d->failed || d->closed || !d->t.labels)
        goto fail;
    t = &d->t;
    if (t->laid_out)
        return draw_row(d, cells) == 0 && !broken(d) ? 0 : -1;
    for (size_t i = 0; i < t->ncols; i++) {
        const char *s = cells && cells[i] ? cells[i] : "";
        size_t n = strnlen(s, CELL_BYTES);
        char **slot = &t->sample[t->nsample * t->ncols + i];
        if (!(*slot = strndup(s, n))) {
            for (size_t k = 0; k < i; k++) { /* keep the sample whole rows only */
                free(t->sample[t->nsample * t->ncols + k]);
                t->sample[t->nsample * t->ncols + k] = NULL;
            }
            goto fail;
        }
    }
    t->nsample++;
    if (t->nsample == SAMPLE_ROWS)
        return flush_sample(d) == 0 ? 0 : (d->failed = 1, -1);
    return 0;
fail:
    if (d)
        d->failed = 1;
    return -1;
}

int pdf_close(struct pdf_doc *d)
{
    if (!d || d->failed || d->closed)
        return -1;
    d->closed = 1;
    if (flush_sample(d) != 0 || end_page(d) != 0) {
        d->failed = 1;
        return -1;
    }
    d->c->cairo_surface_finish(d->surface);
    if (d->c->cairo_surface_status(d->surface) != CAIRO_STATUS_SUCCESS) {
        d->failed = 1;
        return -1;
    }
    return 0;
}

int pdf_pages(const struct pdf_doc *d)
{
    return d ? d->pages : 0;
}

void pdf_free(struct pdf_doc *d)
{
    if (!d)
        return;
    if (d->cr) {
        d->failed = 1; /* an unclosed document writes nothing more */
        d->c->cairo_destroy(d->cr);
    }
    for (int f = REGULAR; f <= BOLD; f++)
        if (d->face[f])
            d->c->cairo_font_face_destroy(d->face[f]);
    if (d->surface)
        d->c->cairo_surface_destroy(d->surface);
    free_table(&d->t);
    free(d->title);
    free(d->run);
    free(d);
}
