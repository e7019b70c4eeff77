/*
 * pdf_measure.c - measuring text for the PDF renderer and laying its tables
 * out (see pdf_int.h).
 *
 * Text widths are sums of glyph advances (cairo's text API places glyphs by
 * advance, without kerning), cached per character, so fitting a cell costs
 * no call into cairo on the common path. A table's column widths are decided
 * from its header labels and its first SAMPLE_ROWS rows.
 *
 * Owns nothing: it fills the caches and the table of the document it is
 * given. Draws nothing.
 */
#include <stdlib.h>
#include <string.h>

#include "../core/utf8.h"
#include "pdf_int.h"

/* ---- text ---- */

/* Decodes the well-formed sequence of length n at p. */
static unsigned decode(const unsigned char *p, size_t n)
{
    static const unsigned char lead_mask[5] = {0, 0x7f, 0x1f, 0x0f, 0x07};
    unsigned cp = p[0] & lead_mask[n];
    for (size_t i = 1; i < n; i++)
        cp = (cp << 6) | (p[i] & 0x3f);
    return cp;
}

/*
 * Copies `s` into d->text as drawable text: control characters become spaces
 * and bytes that start no well-formed sequence become U+FFFD. Returns 1 when
 * `s` did not fit whole (the copy is then a prefix), else 0.
 */
int pdf_clean(struct pdf_doc *d, const char *s)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    size_t o = 0;
    while (*p) {
        size_t n = utf8_seq(p);
        if (o + 4 > CELL_BYTES) {
            d->text[o] = '\0';
            return 1;
        }
        if (n == 0) {
            memcpy(d->text + o, "\xef\xbf\xbd", 3);
            o += 3;
            p++;
        } else if (n == 1 && (*p < 0x20 || *p == 0x7f)) {
            d->text[o++] = ' ';
            p++;
        } else {
            memcpy(d->text + o, p, n);
            o += n;
            p += n;
        }
    }
    d->text[o] = '\0';
    return 0;
}

/* Measures one string's advance at size 1 with cairo; the drawing font is left as it was. */
static double measure(struct pdf_doc *d, enum face f, const char *utf8)
{
    cairo_text_extents_t e;
    d->c->cairo_save(d->cr);
    d->c->cairo_set_font_face(d->cr, d->face[f]);
    d->c->cairo_set_font_size(d->cr, 100.0);
    d->c->cairo_text_extents(d->cr, utf8, &e);
    d->c->cairo_restore(d->cr);
    return e.x_advance / 100.0;
}

/* The advance at size 1 of the well-formed sequence of length n at p. */
static double advance(struct pdf_doc *d, enum face f, const unsigned char *p, size_t n)
{
    unsigned cp, key;
    size_t slot;
    char one[5];
    if (n == 1 && *p >= 0x20 && *p < 0x7f)
        return d->ascii[f][*p - 0x20];
    cp = decode(p, n);
    key = (cp << 1) | (unsigned)f;
    slot = (key * 2654435761u) % WIDE_SLOTS;
    for (size_t probe = 0; probe < WIDE_SLOTS; probe++) {
        struct wide *w = &d->wide[(slot + probe) % WIDE_SLOTS];
        if (w->key == key)
            return w->adv;
        if (w->key == 0) {
            memcpy(one, p, n);
            one[n] = '\0';
            w->key = key;
            w->adv = measure(d, f, one);
            return w->adv;
        }
    }
    memcpy(one, p, n); /* the cache is full: measure every time */
    one[n] = '\0';
    return measure(d, f, one);
}

/* The advance of d->text at size 1. */
double pdf_text_width(struct pdf_doc *d, enum face f, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    double w = 0;
    while (*p) {
        size_t n = utf8_seq(p); /* text is clean: never 0 */
        w += advance(d, f, p, n);
        p += n;
    }
    return w;
}

/*
 * Cuts d->text (already cleaned; `cut` says it is a prefix already) to fit
 * `max` points at `size`, ending it with an ellipsis when anything is left out.
 */
void pdf_fit(struct pdf_doc *d, enum face f, double size, double max, int cut)
{
    const double ell = pdf_text_width(d, f, ELLIPSIS) * size;
    unsigned char *p = (unsigned char *)d->text;
    size_t keep = 0; /* bytes that fit with an ellipsis after them */
    double w = 0;
    while (*p) {
        size_t n = utf8_seq(p);
        w += advance(d, f, p, n) * size;
        if (w + ell <= max)
            keep = (size_t)(p - (unsigned char *)d->text) + n;
        p += n;
    }
    if (!cut && w <= max)
        return;
    memcpy(d->text + keep, ELLIPSIS, sizeof(ELLIPSIS));
}

/* The ASCII advance cache and the vertical metrics, measured once a document. */
void pdf_measure_fonts(struct pdf_doc *d)
{
    cairo_font_extents_t fe;
    for (int f = REGULAR; f <= BOLD; f++)
        for (int ch = 0x20; ch < 0x7f; ch++) {
            char one[2] = {(char)ch, '\0'};
            d->ascii[f][ch - 0x20] = measure(d, (enum face)f, one);
        }
    d->c->cairo_set_font_face(d->cr, d->face[REGULAR]);
    d->c->cairo_set_font_size(d->cr, 100.0);
    d->c->cairo_font_extents(d->cr, &fe);
    d->ascent = fe.ascent / 100.0;
    d->descent = fe.descent / 100.0;
}

/* ---- layout ---- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/*
 * Decides the font size and column widths from the labels and the sample:
 * each column wants its widest text; the font shrinks until the table fits
 * the page, down to CELL_MIN; past that the widest columns are all cut to
 * the one width that makes the table fit.
 */
int pdf_lay_out(struct pdf_doc *d)
{
    struct table *t = &d->t;
    const double avail = PAGE_W - 2 * MARGIN;
    double *want = calloc(t->ncols, sizeof(double)), *sorted = NULL;
    double total = 0, cap = 0, floor_em;
    int rc = -1;
    if (!want)
        goto out;
    for (size_t i = 0; i < t->ncols; i++) {
        pdf_clean(d, t->labels[i]);
        want[i] = pdf_text_width(d, BOLD, d->text);
        for (size_t r = 0; r < t->nsample; r++) {
            double w;
            pdf_clean(d, t->sample[r * t->ncols + i]);
            w = pdf_text_width(d, REGULAR, d->text);
            if (w > want[i])
                want[i] = w;
        }
        want[i] = want[i] * (1 + SLACK) + SLACK; /* later rows may be a little wider */
        total += want[i] + 2 * PAD_EM;
    }
    t->size = total > 0 ? avail / total : CELL_MAX;
    if (t->size > CELL_MAX)
        t->size = CELL_MAX;
    if (t->size < CELL_MIN) {
        /* Water-fill: the cap c with sum(min(want, c)) equal to the room left. */
        double room = avail / CELL_MIN - 2 * PAD_EM * (double)t->ncols, used = 0;
        t->size = CELL_MIN;
        if (!(sorted = malloc(t->ncols * sizeof(double))))
            goto out;
        memcpy(sorted, want, t->ncols * sizeof(double));
        qsort(sorted, t->ncols, sizeof(double), cmp_double);
        cap = sorted[t->ncols - 1];
        for (size_t k = 0; k < t->ncols; k++) {
            double c = (room - used) / (double)(t->ncols - k);
            if (sorted[k] > c) {
                cap = c;
                break;
            }
            used += sorted[k];
        }
        floor_em = 2 * pdf_text_width(d, REGULAR, ELLIPSIS); /* one letter and the ellipsis */
        if (cap < floor_em)
            cap = floor_em; /* too many columns: the table runs off the page */
        for (size_t i = 0; i < t->ncols; i++)
            if (want[i] > cap)
                want[i] = cap;
    }
    for (size_t i = 0; i < t->ncols; i++)
        t->width[i] = (want[i] + 2 * PAD_EM) * t->size;
    t->row_h = ROW_EM * t->size;
    t->laid_out = 1;
    rc = 0;
out:
    free(want);
    free(sorted);
    return rc;
}
