/*
 * evidence.h - what the request journal keeps of a request and its answer
 * besides the summary: headers and bodies, cut to a fixed size and with
 * secrets masked before anything is stored, so that an exported journal
 * (HAR, NDJSON) can be attached to a CI run or a bug report as it is.
 *
 * Masked: the credentials of Authorization (and Proxy-Authorization, Cookie)
 * headers, and the values of the parameters and JSON members named in
 * evidence.c's table (client_secret, access_token, ...) in query strings,
 * url-encoded, multipart and JSON bodies; each value becomes "***". Pure
 * functions: nothing here touches the database or the HTTP library.
 */
#ifndef ISC_API_EVIDENCE_H
#define ISC_API_EVIDENCE_H

#include <stddef.h>

#include "../core/buf.h"

#define EVIDENCE_BODY_MAX 4096    /* bytes of a request or response body kept */
#define EVIDENCE_HEADERS_MAX 4096 /* bytes of a header list (JSON text) kept */
#define EVIDENCE_MASK "***"

/* 1 when a parameter or JSON member called `name` (n bytes) holds a secret. */
int evidence_secret_name(const char *name, size_t n);

/*
 * The value to keep of header `name`: "Bearer ***" (the scheme kept, the
 * credential masked) for Authorization, Proxy-Authorization and Cookie,
 * else `value` itself, written into out (always NUL-terminated, cut to cap).
 */
void evidence_header_value(const char *name, const char *value, char *out, size_t cap);

/*
 * Appends to `out` the first EVIDENCE_BODY_MAX bytes of `body` (len bytes,
 * may hold NULs) with secrets masked, NUL bytes and bytes that are not
 * UTF-8 as '?'. 0, or -1 when `out` could not take it (out unchanged).
 */
int evidence_body(const char *body, size_t len, struct buf *out);

/*
 * A list of headers as the JSON text of a HAR header array
 * ([{"name": ..., "value": ...}, ...]), each value passed through
 * evidence_header_value; headers past EVIDENCE_HEADERS_MAX are left out.
 * Create with evidence_headers_new (NULL on OOM), add, then take the text
 * with evidence_headers_text (malloc'd, caller frees; NULL on OOM), which
 * also frees the list. evidence_headers_free(NULL) is a no-op.
 */
struct evidence_headers;
struct evidence_headers *evidence_headers_new(void);
void evidence_headers_add(struct evidence_headers *h, const char *name, const char *value);
char *evidence_headers_text(struct evidence_headers *h);
void evidence_headers_free(struct evidence_headers *h);

#endif
