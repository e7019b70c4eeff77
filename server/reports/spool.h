/*
 * spool.h - the folder where finished reports keep their files.
 *
 * On-disk layout (what a copy of the server's state must carry along):
 *   <folder>/<task id>.<file format>            a stored file, complete
 *   <folder>/<task id>.<file format>.<tag>.tmp  a file being written
 * with <file format> "csv" or "pdf" (a SEARCH_EXPORT zip keeps the name of
 * its format) and <task id> the task's 32 hex digits. Nothing else is put
 * there. A stored file exists exactly for a task that ended with files
 * (SUCCESS, WARNING), one per format in its availableFormats (the built-in
 * example task's once first downloaded: reports/builtin.h); a file is
 * written under its temporary name and renamed into place whole, so a
 * reader sees either no file or all of it, and a temporary file is never
 * worth keeping. With a database file the folder is "<database>.files"
 * beside it and lives as long as the database; with the in-memory
 * database it is a private temporary folder "$TMPDIR/isc-reports-mock-XXXXXX",
 * removed by spool_close(). Thread-safe: every function touches the file
 * system and, under its own mutex, the copies of small files it keeps in
 * memory (spool_read_small()).
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
 * being stopped and its successor). Returns its descriptor, which the
 * caller closes with spool_close_file(), or -1 with errno set.
 * spool_commit() renames it into place; spool_discard() removes it.
 *
 * Durability, with a database file (in a private folder nothing is synced):
 * spool_close_file() syncs a file's bytes, spool_sync() the names that
 * spool_commit() renamed into the folder, once for all the files of a
 * batch (one task's), so a stored file outlives a crash as its task does
 * when its task ends after both.
 */
int spool_create(const struct spool *sp, const char *id, const char *file_format, unsigned tag);
/* Closes descriptor fd of spool_create(), its bytes synced to the disk
 * first where the folder is kept: 0, or -1 with errno set (a file that may
 * not be whole on the disk: discard it). fd is closed either way. */
int spool_close_file(const struct spool *sp, int fd);
/* Renames the temporary file into place: 0, or -1 with errno set (the
 * temporary file is then gone, and nothing is stored). Its name reaches the
 * disk with the next spool_sync(). */
int spool_commit(const struct spool *sp, const char *id, const char *file_format, unsigned tag);
/* Syncs the folder, and with it the names committed so far, to the disk
 * where the folder is kept (a private folder: nothing to do): 0, or -1 with
 * errno set (the files committed since the last sync may not survive a
 * crash: the caller removes them). */
int spool_sync(const struct spool *sp);
void spool_discard(const struct spool *sp, const char *id, const char *file_format, unsigned tag);

/*
 * Opens the stored file of task `id` in `file_format` for reading: its
 * descriptor (the caller closes it) and *size, or -1 with errno set (ENOENT:
 * no such file).
 */
int spool_open_file(const struct spool *sp, const char *id, const char *file_format,
                    uint64_t *size);

/* Stored files up to this size are kept in memory once read (64 of them). */
#define SPOOL_SMALL_MAX (64 * 1024)

struct buf;

/*
 * Appends the stored file of task `id` in `file_format` to `out` when it is
 * at most SPOOL_SMALL_MAX bytes, from memory after its first read: 1 when
 * appended, 0 when the file is larger (nothing appended: the caller sends
 * it from spool_open_file()), -1 with errno set (ENOENT: no such file).
 */
int spool_read_small(const struct spool *sp, const char *id, const char *file_format,
                     struct buf *out);

/* Says that files in the folder changed behind the spool's back (a state
 * restore writes there itself): every copy in memory goes. */
void spool_changed(const struct spool *sp);

/* Removes the stored files of task `id` (not the temporary ones). */
void spool_remove(const struct spool *sp, const char *id);

/*
 * Removes each stored file for which keep(ud, id) returns 0 (keep NULL:
 * every file), and with `temporary` every temporary file too (only when no
 * render can be writing one: at start-up, in a reset). Returns how many
 * files were removed.
 */
size_t spool_sweep(const struct spool *sp, int (*keep)(void *ud, const char *id), void *ud,
                   int temporary);

#endif
