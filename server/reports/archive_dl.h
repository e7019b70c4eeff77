/*
 * archive_dl.h - the libarchive functions the zip writer uses, bound at run
 * time.
 *
 * libarchive brings in some ten shared libraries (libxml2, ICU, libstdc++,
 * the compressors), about 2.3 MB of an idle server's memory and a few
 * milliseconds of every start, for the one report type that downloads as a
 * zip. So the library is opened by its soname the first time a zip is made,
 * the same way cairo_dl.h opens cairo. The types come from libarchive's own
 * headers, so each pointer has exactly the type of the function it holds.
 *
 * The table is never freed and the library never closed: both live until
 * the process ends.
 */
#ifndef ISC_REPORTS_ARCHIVE_DL_H
#define ISC_REPORTS_ARCHIVE_DL_H

#include <stddef.h>

#include <archive.h>
#include <archive_entry.h>

#define ARCHIVE_DL_SONAME "libarchive.so.13"

/* X(name) for every function the zip writer calls. */
#define ARCHIVE_DL_FUNCTIONS(X)                                                                    \
    X(archive_write_new)                                                                           \
    X(archive_write_set_format_zip)                                                                \
    X(archive_write_zip_set_compression_deflate)                                                   \
    X(archive_write_set_bytes_per_block)                                                           \
    X(archive_write_open)                                                                          \
    X(archive_write_header)                                                                        \
    X(archive_write_data)                                                                          \
    X(archive_write_finish_entry)                                                                  \
    X(archive_write_close)                                                                         \
    X(archive_write_free)                                                                          \
    X(archive_entry_new)                                                                           \
    X(archive_entry_free)                                                                          \
    X(archive_entry_set_pathname)                                                                  \
    X(archive_entry_set_filetype)                                                                  \
    X(archive_entry_set_perm)                                                                      \
    X(archive_entry_set_mtime)                                                                     \
    X(archive_entry_unset_size)

struct archive_dl {
#define ARCHIVE_DL_MEMBER(name) __typeof__(name) *name;
    ARCHIVE_DL_FUNCTIONS(ARCHIVE_DL_MEMBER)
#undef ARCHIVE_DL_MEMBER
};

/*
 * The process-wide table, loaded from ARCHIVE_DL_SONAME on the first call
 * (thread-safe; later calls return the same answer). NULL when the library
 * or one of its functions is missing: `why` (may be NULL) then says which.
 */
const struct archive_dl *archive_dl_get(char *why, size_t whylen);

/*
 * Loads `soname` into *out, for archive_dl_get() and for tests. 0, or -1
 * with the reason in `why` (a library opened for a failed load is closed
 * again; a loaded one stays open until the process ends).
 */
int archive_dl_load(const char *soname, struct archive_dl *out, char *why, size_t whylen);

#endif
