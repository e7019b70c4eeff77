/*
 * uri.h - the request target as the client sent it, checked before
 * libmicrohttpd decodes it. Decoding turns "%2F" into a path separator (the
 * request would reach another route) and "%00" into the end of a C string
 * (the value would be cut short without a word), so both are refused here,
 * where they can still be seen. Pure: no allocation, no state.
 */
#ifndef ISC_HTTP_URI_H
#define ISC_HTTP_URI_H

#include <stddef.h>

enum uri_fault {
    URI_OK,
    URI_PATH_NUL,   /* "%00" in the path */
    URI_PATH_SLASH, /* "%2F" in a path segment */
    URI_QUERY_NUL,  /* "%00" in a query parameter's name or value */
};

/* What uri_check() found, with the part it refers to (NUL-terminated,
 * cut to fit; as sent, still percent-encoded). */
struct uri_verdict {
    enum uri_fault fault;
    char part[64]; /* URI_PATH_*: the path segment; URI_QUERY_NUL: the parameter name */
};

/*
 * Checks the raw request target `raw` ("/path?query", NUL-terminated; NULL
 * counts as empty). Fills v and returns v->fault; the first fault in the
 * target wins. A decoded '/' inside a query value stays allowed (journal
 * filters take paths).
 */
enum uri_fault uri_check(const char *raw, struct uri_verdict *v);

#endif
