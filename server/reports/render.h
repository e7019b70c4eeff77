/*
 * render.h - writing a finished report's files: every format the task
 * lists in availableFormats, through the writers a download used to run
 * (stream.h), into the spool (spool.h) under temporary names.
 *
 * The caller then makes them visible with render_commit() (or drops them
 * with render_discard()), so rendering and publishing are separate steps:
 * a task's files and its end are published together (snapshot.c).
 */
#ifndef ISC_REPORTS_RENDER_H
#define ISC_REPORTS_RENDER_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

struct store;
struct store_task;
struct spool;

enum render_rc {
    RENDER_OK,        /* every file is written (temporary), *rows set */
    RENDER_REFUSED,   /* the report cannot run against this tenant: why says so */
    RENDER_FAILED,    /* a file could not be written: why says so (for the task's message) */
    RENDER_CANCELLED, /* *stop became nonzero */
};

/*
 * Writes the files of task `t` (its report_type, arguments, formats,
 * launcher and id) from the tenant in `s`, as temporary files marked with
 * `tag` (see spool_create), dated `stamp_ms` (the PDF's completion time
 * and creation date, the zip entries' times). The row count is taken first
 * and each file must hold exactly that many rows (a tenant that changes
 * under the render is rendered again, a few times at most). Each file is
 * closed with spool_close_file(), so where the folder is kept its bytes are
 * on the disk before render_files() returns. *stop is checked before each
 * row. On anything but RENDER_OK no temporary file is left behind.
 */
enum render_rc render_files(struct store *s, const struct spool *sp, const struct store_task *t,
                            int64_t stamp_ms, unsigned tag, const atomic_int *stop, int64_t *rows,
                            char *why, size_t whylen);

/* Renames the files render_files(.., tag, ..) wrote into place and syncs
 * the folder once for all of them (spool_sync()): 0, or -1 (then none of
 * them is left, stored or temporary). */
int render_commit(const struct spool *sp, const struct store_task *t, unsigned tag);
/* Removes the temporary files render_files(.., tag, ..) wrote. */
void render_discard(const struct spool *sp, const struct store_task *t, unsigned tag);

#endif
