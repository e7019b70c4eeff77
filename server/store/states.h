/*
 * states.h - the whole state of the database as one file, a snapshot:
 * written from the live database, checked, and restored into it.
 *
 * A snapshot file is an ordinary SQLite database (one file, rollback
 * journal mode): a compacted copy of every table of the live database,
 * plus two tables of its own, snapshot_info (key/value: the format, the
 * name, when it was saved, the server's clock then, whether it holds the
 * request journal, how many tasks and report files it holds) and
 * snapshot_files (each stored report file as a BLOB, named as in the
 * report files folder: "<task id>.<format>").
 *
 * These functions use their own connection to the snapshot file and the
 * store's writer for the live database (holding its lock only while they
 * copy); they are thread-safe. Strings in and out are the caller's.
 */
#ifndef ISC_STORE_STATES_H
#define ISC_STORE_STATES_H

#include <stddef.h>
#include <stdint.h>

struct store;

/* What snapshot_info's "format" holds in files this version writes and reads. */
#define STORE_STATE_FORMAT "isc-reports-mock snapshot 1"
#define STORE_STATE_NAME_MAX 64 /* bytes in a snapshot's name */

/* What a snapshot says about itself. */
struct store_state_info {
    char name[STORE_STATE_NAME_MAX + 1];
    int64_t created_ms; /* the wall clock when it was saved */
    int64_t clock_ms;   /* the server's clock (real or virtual) then */
    int journal;        /* 1: it holds the request journal */
    int64_t tasks;      /* report tasks it holds */
    int64_t files;      /* report files it holds */
};

/*
 * Writes the whole state of `s` into a new snapshot file `path` (an
 * existing file there is replaced; the caller writes under a temporary
 * name and renames): every table, without the journal's rows unless
 * info->journal, then info's name, created_ms, clock_ms and journal, and
 * every file of folder `files_dir` (NULL: none) named "<id>.<format>"
 * whose id is a task that has ended in the copy (a running task's files
 * are made again when it ends). The live database is locked for writing
 * only while it is copied. STORE_OK, or STORE_ERROR with a one-line reason
 * in err; `path` is then removed.
 */
int store_state_save(struct store *s, const char *path, const struct store_state_info *info,
                     const char *files_dir, char *err, size_t errlen);

/*
 * Reads the info of snapshot file `path` after checking that this program
 * can restore it: a SQLite database that holds snapshot_info with
 * STORE_STATE_FORMAT, and no schema step unknown to `s`. STORE_OK, or
 * STORE_ERROR with a one-line reason in err (nothing logged: the reason is
 * the caller's to show).
 */
int store_state_check(struct store *s, const char *path, struct store_state_info *info, char *err,
                      size_t errlen);

/*
 * Replaces the whole state of `s` with snapshot `path` (checked as
 * store_state_check() does): the snapshot is made ready in a private copy
 * under $TMPDIR first (removed before returning), then every table goes in
 * at once through SQLite's backup API, so a reader sees the old state or
 * the new one, never a mix. The rows of `meta` named in `keep`
 * (NULL-terminated, may be NULL) keep their current values; schema steps
 * the snapshot lacks are applied after. The
 * snapshot's report files are written into `files_dir` (NULL: not
 * written), each under a temporary name first and renamed into place once
 * the database is restored; files already there are left to the caller.
 * Queued journal rows are written first. `info` (may be NULL) gets the
 * snapshot's info. STORE_OK, or STORE_ERROR with a one-line reason in err;
 * the database is then unchanged, unless a schema step the snapshot lacked
 * failed after the copy (the snapshot's state then stays, without it).
 */
int store_state_restore(struct store *s, const char *path, const char *const *keep,
                        const char *files_dir, struct store_state_info *info, char *err,
                        size_t errlen);

#endif
