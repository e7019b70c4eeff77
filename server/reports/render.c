/*
 * render.c - a task's files written once into the spool (see render.h).
 *
 * Each listed format is one pass of its writer over the task's rows
 * (stream.h), copied into a temporary spool file a chunk at a time, so
 * memory does not grow with the file. The rows are counted first, because
 * a PDF prints the count in its heading; a pass that delivers another
 * number (the tenant changed meanwhile) renders every file again.
 *
 * Holds no lock of its own; the store is locked only inside each page of
 * rows (rows.h).
 */
#include "render.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/fdio.h"
#include "../core/err.h"
#include "../core/log.h"
#include "../store/store.h"
#include "report.h"
#include "rows.h"
#include "spool.h"
#include "stream.h"

#define CHUNK (256 * 1024)
#define ATTEMPTS 3 /* renders of a tenant that keeps changing before giving up */

/* Copies a stream into fd; *rows gets its data rows. */
static enum render_rc copy_stream(struct report_stream *st, int fd, char *chunk,
                                  const atomic_int *stop, int64_t *rows, char *why, size_t whylen)
{
    ssize_t n;
    while ((n = report_stream_read(st, chunk, CHUNK)) > 0)
        if (fdio_write_all(fd, chunk, (size_t)n) != 0) {
            err_why(why, whylen, "the report file could not be stored (%s)", strerror(errno));
            return RENDER_FAILED;
        }
    if (n < 0) {
        if (stop && atomic_load(stop))
            return RENDER_CANCELLED;
        err_why(why, whylen, "the report file could not be written");
        return RENDER_FAILED;
    }
    *rows = report_stream_rows(st);
    return RENDER_OK;
}

/* Writes one format's file; *rows gets the rows it holds. */
static enum render_rc render_one(struct store *s, const struct spool *sp,
                                 const struct store_task *t, const struct report_format *f,
                                 unsigned tag, char *chunk, const atomic_int *stop, int64_t *rows,
                                 char *why, size_t whylen)
{
    struct report_stream *st = NULL;
    const char *ctype, *ext;
    char reason[256] = "";
    enum err e =
        report_stream_open(s, t, f->file_format, &st, &ctype, &ext, reason, sizeof(reason));
    if (e != ERR_OK) {
        /* The reason (a library that cannot load...) is for the log only. */
        log_msg("warn", NULL, "report %s: no %s file: %s", t->id, f->name,
                reason[0] ? reason : "the report cannot run");
        err_why(why, whylen, "The %s file could not be written.", f->name);
        return RENDER_FAILED;
    }
    report_stream_watch(st, stop);
    int fd = spool_create(sp, t->id, f->file_format, tag);
    enum render_rc rc = RENDER_FAILED;
    if (fd < 0)
        err_why(why, whylen, "the report file could not be stored (%s)", strerror(errno));
    else
        rc = copy_stream(st, fd, chunk, stop, rows, why, whylen);
    if (fd >= 0 && spool_close_file(sp, fd) != 0 && rc == RENDER_OK) {
        err_why(why, whylen, "the report file could not be stored (%s)", strerror(errno));
        rc = RENDER_FAILED;
    }
    report_stream_free(st);
    return rc;
}

/* One attempt at every listed format, for a task showing `rows` rows. */
static enum render_rc render_all(struct store *s, const struct spool *sp,
                                 const struct store_task *t, unsigned tag, char *chunk,
                                 const atomic_int *stop, int *changed, char *why, size_t whylen)
{
    const struct report_format *f;
    for (size_t i = 0; (f = report_format_at(i)) != NULL; i++) {
        if (!report_formats_has(t->formats, f->name))
            continue;
        int64_t got = 0;
        enum render_rc rc = render_one(s, sp, t, f, tag, chunk, stop, &got, why, whylen);
        if (rc != RENDER_OK)
            return rc;
        if (got != t->rows) {
            *changed = 1;
            return RENDER_OK;
        }
    }
    return RENDER_OK;
}

enum render_rc render_files(struct store *s, const struct spool *sp, const struct store_task *t,
                            int64_t stamp_ms, unsigned tag, const atomic_int *stop, int64_t *rows,
                            char *why, size_t whylen)
{
    struct store_task run = *t; /* shallow: the writers read rows and the date from it */
    run.completed_ms = stamp_ms;
    char *chunk = malloc(CHUNK);
    enum render_rc rc = RENDER_FAILED;
    if (!chunk) {
        err_why(why, whylen, "out of memory");
        return RENDER_FAILED;
    }
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
        int changed = 0;
        enum err e = report_rows_total(s, t->report_type, t->arguments, &run.rows, why, whylen);
        if (e != ERR_OK) {
            rc = e == ERR_BAD_REQUEST ? RENDER_REFUSED : RENDER_FAILED;
            break;
        }
        rc = render_all(s, sp, &run, tag, chunk, stop, &changed, why, whylen);
        if (rc != RENDER_OK || !changed)
            break;
        rc = RENDER_FAILED;
        err_why(why, whylen, "the tenant kept changing while the report was written");
    }
    free(chunk);
    if (rc == RENDER_OK)
        *rows = run.rows;
    else
        render_discard(sp, t, tag);
    return rc;
}

int render_commit(const struct spool *sp, const struct store_task *t, unsigned tag)
{
    const struct report_format *f;
    int rc = 0;
    for (size_t i = 0; rc == 0 && (f = report_format_at(i)) != NULL; i++)
        if (report_formats_has(t->formats, f->name))
            rc = spool_commit(sp, t->id, f->file_format, tag);
    if (rc == 0 && spool_sync(sp) == 0) /* the folder once for all of the task's files */
        return 0;
    render_discard(sp, t, tag);
    spool_remove(sp, t->id);
    return -1;
}

void render_discard(const struct spool *sp, const struct store_task *t, unsigned tag)
{
    const struct report_format *f;
    for (size_t i = 0; (f = report_format_at(i)) != NULL; i++)
        if (report_formats_has(t->formats, f->name))
            spool_discard(sp, t->id, f->file_format, tag);
}
