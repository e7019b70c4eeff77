/*
 * spool.h - the folder where finished reports keep their files.
 *
 * Each file is named after its task and format: "<task id>.<file format>"
 * ("ef38...97d8.csv", ".pdf"; a zip keeps the name of its format). A file
 * is written under a temporary name and renamed into place whole, so a
 * reader sees either no file or all of it. With a database file the folder
 * is "<database>.files" beside it and lives as long as the database; with
 * the in-memory database it is a private temporary folder, removed by
 * spool_close(). Thread-safe: every function only touches the file system.
 */
#ifndef ISC_REPORTS_SPOOL_H
#define ISC_REPORTS_SPOOL_H

#include <stddef.h>
#include <stdint.h>

struct spool;

/* The longest path spool functions build (folder, name, ".tmp"). */
#define SPOOL_PATH_MAX 4096

/*
 * Opens (creating when needed) the spool of database `db` (":memory:" or a
 * path). Returns the spool, or NULL with a one-line reason in err.
 */
struct spool *spool_open(const char *db, char *err, size_t errlen);
/* Closes the spool; a private folder is removed with its files. NULL is a no-op. */
void spool_close(struct spool *sp);

/* The folder (static for the spool's lifetime). */
const char *spool_dir(const struct spool *sp);

/*
 * Creates the temporary file for task `id` in `file_format` ("csv",
 * "pdf"), write-only; `tag` tells apart writers of the same task (a render
 * being stopped and its successor). Returns its descriptor (the caller
 * closes it) or -1 with errno set. spool_commit() renames it into place;
 * spool_discard() removes it.
 */
int spool_create(const struct spool *sp, const char *id, const char *file_format, unsigned tag);
/* 0, or -1 with errno set (the temporary file is then gone). */
int spool_commit(const struct spool *sp, const char *id, const char *file_format, unsigned tag);
void spool_discard(const struct spool *sp, const char *id, const char *file_format, unsigned tag);

/*
 * Opens the stored file of task `id` in `file_format` for reading: its
 * descriptor (the caller closes it) and *size, or -1 with errno set (ENOENT:
 * no such file).
 */
int spool_open_file(const struct spool *sp, const char *id, const char *file_format,
                    uint64_t *size);

/* Removes the stored files of task `id` (not the temporary ones). */
void spool_remove(const struct spool *sp, const char *id);

/*
 * Removes files: every temporary file, and each stored file for which
 * keep(ud, id) returns 0. keep NULL removes every file. Returns how many
 * files were removed.
 */
size_t spool_sweep(const struct spool *sp, int (*keep)(void *ud, const char *id), void *ud);

#endif
