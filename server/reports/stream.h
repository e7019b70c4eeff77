/*
 * stream.h - the file a client downloads: a finished task's rows (rows.h)
 * through the writer of the asked format (writer.h), either as one file or,
 * for the types whose definition says so, as a zip of one file per part.
 *
 * Bytes are produced as the reader asks for them, a page of rows at a time,
 * so memory does not grow with the row count.
 */
#ifndef ISC_REPORTS_STREAM_H
#define ISC_REPORTS_STREAM_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../core/err.h"

struct store;
struct store_task;
struct report_stream;

/*
 * Opens the file of task `t` in `file_format` ("csv", "pdf"). On ERR_OK,
 * *out is a stream the caller frees with report_stream_free(), and
 * *content_type / *extension are static strings ("application/csv", "csv";
 * a zip is "application/zip", "zip"). A format without a writer, or a task
 * whose report cannot run any more, answers ERR_FILE_NOT_FOUND: never a
 * fake file. A writer that cannot work here (the PDF library is missing)
 * answers ERR_INTERNAL with the reason in `why` (may be NULL), for the log.
 * `s` must outlive the stream; `t` need not.
 */
enum err report_stream_open(struct store *s, const struct store_task *t, const char *file_format,
                            struct report_stream **out, const char **content_type,
                            const char **extension, char *why, size_t whylen);

/* Writes up to `max` bytes of the file into buf: >0 bytes, 0 at the end, -1 on error. */
ssize_t report_stream_read(struct report_stream *st, char *buf, size_t max);
/* NULL is a no-op. */
void report_stream_free(struct report_stream *st);

/* Makes the stream fail (its next read returns -1) once *stop is nonzero;
 * checked before each row. `stop` must outlive the stream. */
void report_stream_watch(struct report_stream *st, const atomic_int *stop);
/* The data rows delivered so far, all parts together. */
int64_t report_stream_rows(const struct report_stream *st);

/*
 * What a file of type `type` (a type name) in `file_format` is sent as:
 * *content_type and *extension (static strings; a zip for the types whose
 * definition says so). 0, or -1 for an unknown type or format.
 */
int report_file_kind(const char *type, const char *file_format, const char **content_type,
                     const char **extension);

#endif
