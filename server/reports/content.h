/*
 * content.h - what a report's file holds, computed from the tenant tables.
 *
 * Each report type has a fixed column set and a query over the tenant; the
 * arguments (source id, correlatedOnly, search query, columns, sort...)
 * shape it. Files are produced as streams that page through the database,
 * so memory does not grow with the row count.
 */
#ifndef ISC_REPORTS_CONTENT_H
#define ISC_REPORTS_CONTENT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../core/err.h"

struct store;
struct store_task;
struct report_stream;

/*
 * Counts the data rows the report `report_type` with `arguments_json` has
 * now. Returns 0 and sets *rows; 1 when the report cannot run against this
 * tenant (an unknown source id, an unsupported search query...) with the
 * reason in `why` (the task then ends with ERROR); -1 on an internal error.
 */
int report_content_count(struct store *s, const char *report_type, const char *arguments_json,
                         int64_t *rows, char *why, size_t whylen);

/*
 * Opens the file of a finished task in `format` ("csv" or "pdf").
 * On ERR_OK, *out is a stream the caller frees with report_stream_free(),
 * and *content_type / *extension are static strings ("application/csv",
 * "csv"; SEARCH_EXPORT answers a zip). A format that is not implemented
 * answers ERR_FILE_NOT_FOUND: never a fake file.
 */
enum err report_content_open(struct store *s, const struct store_task *t, const char *format,
                             struct report_stream **out, const char **content_type,
                             const char **extension);

/* Writes up to `max` bytes of the file into buf: >0 bytes, 0 at the end, -1 on error. */
ssize_t report_stream_read(struct report_stream *st, char *buf, size_t max);
/* NULL is a no-op. */
void report_stream_free(struct report_stream *st);

#endif
