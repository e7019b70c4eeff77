/*
 * builtin.h - the stored files of the built-in fixtures' finished tasks
 * (the documentation's example task, fixtures/tasks.sql), written at build
 * time by tools/builtin_files.c from the built-in tenant and compiled into
 * the binary, so that they exist from the first request without a render
 * at start-up (which would load the PDF library and cost time).
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
 * Writes into `sp` each built-in file whose task is in `s`, has ended and
 * has no stored file yet: what start-up and a reset do after the fixtures
 * are loaded. Returns how many files it could not write (logged).
 */
size_t builtin_files_restore(struct store *s, const struct spool *sp);

#endif
