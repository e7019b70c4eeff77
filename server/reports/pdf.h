/*
 * pdf.h - a report's tables as a PDF: a title page heading with the run's
 * metadata, then each table across as many pages as it needs, with its column
 * headers repeated on every page and a page number in every footer.
 *
 * The caller pushes rows (cells as UTF-8 strings) and the document comes out
 * through a write callback a page at a time, so memory does not grow with the
 * row count: the renderer keeps one page being drawn, the first rows of each
 * table (to size its columns) and the font subsets. Columns are fitted to a
 * landscape A4 page: the font shrinks down to a floor, then the widest
 * columns are cut and their cells end with an ellipsis.
 *
 * The same input gives byte-identical output: the creation date is the one
 * given, and nothing random or clock-dependent is written.
 *
 * The drawing library (cairo, with the DejaVu Sans font through fontconfig)
 * is loaded on the first pdf_open(), not at start-up; when it cannot be
 * loaded, pdf_open() fails with a reason. Each document is used by one thread
 * at a time; different documents may be rendered on different threads.
 */
#ifndef ISC_REPORTS_PDF_H
#define ISC_REPORTS_PDF_H

#include <stddef.h>
#include <stdint.h>

/*
 * Receives the next `len` bytes of the file (never 0 bytes). Returns 0, or
 * nonzero to stop: the document then fails and writes nothing more.
 */
typedef int (*pdf_write_fn)(void *ud, const unsigned char *data, size_t len);

struct pdf_meta {
    const char *title;         /* heading and document title (the taskDefName); NULL: "" */
    const char *const *labels; /* metadata lines under the title: labels[i]: values[i] */
    const char *const *values; /* a NULL value prints as empty */
    size_t nmeta;
    int64_t created_ms; /* the document's creation date, ms since the epoch */
};

struct pdf_doc;

/*
 * Starts a document. Nothing of `m` is kept after the call. Returns 0 and
 * sets *out (free it with pdf_free()); -1 with the reason in `why` when the
 * drawing library cannot be loaded or memory runs out (*out untouched).
 */
int pdf_open(const struct pdf_meta *m, pdf_write_fn write, void *ud, struct pdf_doc **out,
             char *why, size_t whylen);

/*
 * Starts a table of `ncols` (1..PDF_MAX_COLS) columns with these header
 * labels, under an optional `heading` (NULL: none). A table after the first
 * starts on a new page. The labels are copied. 0, or -1 on error.
 */
#define PDF_MAX_COLS 256
int pdf_table(struct pdf_doc *d, const char *heading, size_t ncols, const char *const *labels);

/*
 * Adds one data row of the current table: `cells` holds its ncols values
 * (NULL prints as empty), read during the call only. Invalid UTF-8 prints as
 * U+FFFD and control characters as spaces. 0, or -1 on error (no table
 * started, a failed write, OOM): the document is then failed for good.
 */
int pdf_row(struct pdf_doc *d, const char *const *cells);

/*
 * Finishes the document: the last page and the trailer go through the write
 * callback. A document with no table has its title page only. 0, or -1 on
 * error. Call it at most once; pdf_free() is still needed after it.
 */
int pdf_close(struct pdf_doc *d);

/* Frees the document (an unclosed one writes nothing more); NULL is a no-op. */
void pdf_free(struct pdf_doc *d);

/* The number of pages begun so far (for tests and logs); 0 for NULL. */
int pdf_pages(const struct pdf_doc *d);

#endif
