/*
 * dl.h - a table of functions looked up in a shared library opened at run
 * time, for the libraries that only some requests need (cairo for PDF files,
 * libarchive for zips). Linking them would load them, and everything they
 * depend on, into every server at start; opening them on first use keeps an
 * idle server small and its start fast.
 *
 * The caller describes its table as a list of (symbol name, offset of the
 * pointer in the table) built from the library's own headers, so every
 * pointer has exactly the type of the function it holds.
 */
#ifndef ISC_CORE_DL_H
#define ISC_CORE_DL_H

#include <stddef.h>

struct dl_symbol {
    const char *name;
    size_t offset; /* of its pointer in the caller's table */
};

/*
 * Opens `soname` (RTLD_NOW | RTLD_LOCAL) and fills the pointers of `table`
 * (`size` bytes) named by the n entries of `symbols`. `what` names the
 * library in messages ("the PDF library"). Returns the library's handle,
 * which the caller owns (dlclose), or NULL with the reason in `why` (may be
 * NULL); on failure `table` is unchanged and no library stays open.
 */
void *dl_table_load(const char *soname, const char *what, const struct dl_symbol *symbols, size_t n,
                    void *table, size_t size, char *why, size_t whylen);

#endif
