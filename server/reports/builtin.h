/*
 * builtin.h - the stored files of the built-in fixtures' finished tasks
 * (the documentation's example task, fixtures/tasks.sql), written at build
 * time by tools/builtin_files.c from the built-in tenant and compiled into
 * the binary, so that they exist from the first request without a render
 * at start-up (which would load the PDF library and cost time). They are
 * written into the spool when first asked for (builtin_file_restore()),
 * not at start-up or after a reset: a start does not pay for files that
 * most runs never download.
 *
 * builtin_files lives in its own library, so the build step that makes it
 * links without it. Static data: never freed.
 */
#ifndef ISC_REPORTS_BUILTIN_H
#define ISC_REPORTS_BUILTIN_H

#include <stddef.h>

struct store;
struct spool;

/* One stored file of a fixture task: "<task_id>.<file_format>" in the spool. */
struct builtin_file {
    const char *task_id;
    const char *file_format; /* "csv", "pdf" */
    const unsigned char *data;
    size_t size;
};

extern const struct builtin_file builtin_files[];
extern const size_t builtin_files_count;

/*
 * Writes into `sp` the built-in file of task `id` in `file_format` when
 * there is one, the task is in `s` and has ended, and the spool has no such
 * file yet: what a download does when the spool has no file. Thread-safe
 * (one writer at a time; a second caller finds the file written). Returns 1
 * when the file is (now) in the spool, 0 when there is no such built-in
 * file or its task is not there, -1 when it could not be written (logged,
 * errno set).
 */
int builtin_file_restore(struct store *s, const struct spool *sp, const char *id,
                         const char *file_format);

#endif
