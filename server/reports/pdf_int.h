/*
 * pdf_int.h - the inside of the PDF renderer, shared by its two files:
 * measuring and laying out text (pdf_measure.c) and drawing pages and the
 * document (pdf.c). Nothing outside server/reports/pdf*.c includes it.
 */
#ifndef ISC_REPORTS_PDF_INT_H
#define ISC_REPORTS_PDF_INT_H

#include <stddef.h>

#include "cairo_dl.h"
#include "pdf.h"

#define PAGE_W 841.89 /* A4 landscape */
#define PAGE_H 595.28
#define MARGIN 28.0
#define FONT_FAMILY "DejaVu Sans"
#define TITLE_SIZE 15.0
#define META_SIZE 8.0
#define HEADING_SIZE 11.0
#define FOOT_SIZE 7.0
#define CELL_MAX 8.0 /* table font size, largest and smallest */
#define CELL_MIN 5.0
#define PAD_EM 0.35 /* space left and right of a cell's text, in ems */
#define ROW_EM 1.5  /* row height, in ems */
#define SAMPLE_ROWS 100
#define SLACK 0.1 /* room added to the widest sampled text of a column, as a share and in ems */
#define CELL_BYTES 2048 /* of a cell's text kept for drawing: more than a page is wide */
#define ELLIPSIS "\xe2\x80\xa6"
#define WIDE_SLOTS 1024 /* cached advances of non-ASCII characters */
#define TABLE_BOTTOM (PAGE_H - MARGIN - 2 * FOOT_SIZE)

enum face { REGULAR, BOLD };

struct wide {
    unsigned key; /* codepoint << 1 | face; 0: empty slot */
    double adv;
};

struct table {
    char **labels;
    size_t ncols;
    double *width; /* column widths in points, once laid out */
    double size;   /* font size */
    double row_h;
    int laid_out;
    char **sample; /* nsample * ncols cells, until laid out */
    size_t nsample;
    long drawn; /* data rows drawn */
};

struct pdf_doc {
    const struct cairo_dl *c;
    cairo_surface_t *surface;
    cairo_t *cr;
    cairo_font_face_t *face[2];
    pdf_write_fn write;
    void *ud;
    int failed;
    int closed;
    int pages;
    double y; /* top of the free space on the current page */
    char *title;
    double ascii[2][95];    /* advances at size 1, ' '..'~' */
    double ascent, descent; /* at size 1 */
    struct wide wide[WIDE_SLOTS];
    struct table t;
    int ntables;
    char text[CELL_BYTES + 8];             /* scratch for one cleaned cell */
    cairo_glyph_t scratch[CELL_BYTES + 8]; /* its glyphs (never more than its bytes) */
    cairo_glyph_t *run;                    /* the glyphs of one row */
    size_t nrun, caprun;
};

/*
 * Copies `s` (NULL: "") into d->text as drawable text: control characters
 * become spaces and bytes that start no well-formed sequence become U+FFFD.
 * Returns 1 when `s` did not fit whole (the copy is then a prefix), else 0.
 */
int pdf_clean(struct pdf_doc *d, const char *s);

/* The advance of the clean UTF-8 text `s` at size 1 in face `f`. */
double pdf_text_width(struct pdf_doc *d, enum face f, const char *s);

/*
 * Cuts d->text (already cleaned; `cut` says it is a prefix already) to fit
 * `max` points at `size`, ending it with an ellipsis when anything is left out.
 */
void pdf_fit(struct pdf_doc *d, enum face f, double size, double max, int cut);

/*
 * Fills the document's advance cache of ASCII characters and its ascent and
 * descent, from d->face; leaves the drawing font at REGULAR, size 100.
 */
void pdf_measure_fonts(struct pdf_doc *d);

/*
 * Decides d->t's font size, column widths and row height from its labels
 * and sample, and marks it laid out. Returns 0, or -1 when out of memory
 * (the table is then left as it was).
 */
int pdf_lay_out(struct pdf_doc *d);

#endif
