/*
 * rows.h - the rows of a report: what its file holds, computed from the
 * tenant tables, as parts (one file each) of rows of cells (text).
 *
 * Open the rows of report X with arguments A, read each part page by page,
 * close: every file format's writer (writer.h) and every container (a plain
 * download, a zip) consumes this one interface. What a type's rows are
 * comes from the definition table (report.h); SEARCH_EXPORT's parts come
 * from its arguments (search_export.h). Pages go through the database, so
 * memory does not grow with the row count.
 */
#ifndef ISC_REPORTS_ROWS_H
#define ISC_REPORTS_ROWS_H

#include <stddef.h>
#include <stdint.h>

#include "../core/err.h"
#include "report.h"
#include "writer.h"

struct store;
struct report_rows;

/*
 * Opens the rows of report `type` (a type name) with `arguments_json`
 * (NULL or "": no arguments), in `s` which must outlive them. ERR_OK sets
 * *out, closed with report_rows_close(); ERR_BAD_REQUEST when the report
 * cannot run against this tenant (an unknown type or source id, an
 * unsupported search query...) and ERR_INTERNAL, both with the reason in
 * `why` (a task then ends with ERROR); *out is untouched on failure.
 */
enum err report_rows_open(struct store *s, const char *type, const char *arguments_json,
                          struct report_rows **out, char *why, size_t whylen);
/* NULL is a no-op. */
void report_rows_close(struct report_rows *r);

/* The number of parts (at least 1) and part i (i < that), owned by r. */
size_t report_rows_parts(const struct report_rows *r);
const struct report_part *report_rows_part(const struct report_rows *r, size_t i);

/* The data rows of all parts together: ERR_OK and *rows, or ERR_INTERNAL. */
enum err report_rows_count(struct report_rows *r, int64_t *rows);

/*
 * Delivers the next page of at most `limit` rows of part i:
 * fn(ud, ncolumns, cells) per row, cells never NULL and valid only during
 * the call. fn runs with the store locked and must not call into the store;
 * a nonzero return stops the page. Returns the number of rows delivered (0:
 * the part has no more), or -1 on a database error or when fn stopped it.
 */
int report_rows_page(struct report_rows *r, size_t i, int limit,
                     int (*fn)(void *ud, size_t n, const char *const *cells), void *ud);

/* Opens, counts and closes: the arguments and results of both above. */
enum err report_rows_total(struct store *s, const char *type, const char *arguments_json,
                           int64_t *rows, char *why, size_t whylen);

#endif
