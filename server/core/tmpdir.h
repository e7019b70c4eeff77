/*
 * tmpdir.h - private temporary places under $TMPDIR (or /tmp when it is
 * unset or empty): a new folder or file of a unique name made by
 * mkdtemp(3)/mkstemp(3) (mode 0700 and 0600: the calling user's only),
 * and a folder removed with the files in it. Names go into caller-owned
 * arrays. Thread-safe (no state).
 */
#ifndef ISC_CORE_TMPDIR_H
#define ISC_CORE_TMPDIR_H

#include <stddef.h>

/*
 * Makes the folder "<tmp>/<prefix>XXXXXX" (the X's made unique) and writes
 * its path into out[outlen]: 0, or -1 with errno set (ENAMETOOLONG: the
 * path does not fit) and nothing made; out then holds the folder <tmp> it
 * tried to make it in, for the caller's message ("" when even that does
 * not fit).
 */
int tmpdir_make(const char *prefix, char *out, size_t outlen);

/*
 * Makes the empty file "<tmp>/<prefix>XXXXXX" likewise: its descriptor,
 * open for reading and writing (the caller closes it), or -1 with errno set,
 * nothing made and out holding <tmp> as above.
 */
int tmpdir_file(const char *prefix, char *out, size_t outlen);

/*
 * 1 when the database path `db` (as --db gives it) names the default
 * database, ":memory:", "" or NULL: a private temporary file that goes with
 * the server, and so does everything kept beside it (report files,
 * snapshots), which then needs no folder of its own and no syncs. Else 0.
 */
int tmpdir_is_private_db(const char *db);

/* Removes the files in folder `dir`, then the folder (what tmpdir_make made
 * and filled; a subfolder stays, and so does the folder then). NULL or ""
 * is a no-op. */
void tmpdir_remove(const char *dir);

#endif
