/*
 * form.h - request parameters from HTML-form bodies: application/
 * x-www-form-urlencoded (WHATWG URL standard) and multipart/form-data
 * (RFC 7578 over RFC 2046). Pure functions: no I/O, no global state,
 * thread-safe.
 *
 * Memory: bodies are borrowed and need not be NUL-terminated; a parsed
 * `struct form` and every string in it are owned by the caller and released
 * with form_free() (NULL is a no-op). On any error *out is set to NULL and
 * nothing is left allocated.
 *
 * Names and values are NUL-terminated C strings, so a NUL byte (a literal one
 * in a multipart part, or "%00" in an url-encoded body) makes the body
 * malformed rather than silently cutting a value short.
 */
#ifndef ISC_API_FORM_H
#define ISC_API_FORM_H

#include <stddef.h>

/* Caps: past any of them a body is refused with FORM_TOO_BIG. */
#define FORM_MAX_FIELDS 32         /* fields (multipart: parts, file parts included) */
#define FORM_MAX_NAME 256          /* bytes of a decoded name */
#define FORM_MAX_VALUE 65536       /* bytes of a decoded value */
#define FORM_MAX_PART_HEADERS 4096 /* bytes of one multipart part's header block */

enum form_status {
    FORM_OK = 0,
    FORM_MALFORMED,   /* bad %-escape, NUL byte, broken multipart framing or headers */
    FORM_TOO_BIG,     /* a cap above was passed */
    FORM_UNSUPPORTED, /* the Content-Type is neither of the two form types */
    FORM_NOMEM,
};

struct form_field {
    char *name;  /* never NULL */
    char *value; /* never NULL; "" for an empty value */
};

struct form {
    struct form_field *fields; /* in body order; duplicates kept */
    size_t n;
};

/* A short English text for `st` (static, never NULL). */
const char *form_status_text(enum form_status st);

/*
 * Parses an url-encoded body: fields split on '&', name and value on the
 * first '=', '+' decodes to a space, %XX (either case) to its byte; a '%' not
 * followed by two hex digits is FORM_MALFORMED. Empty fields ("a=1&&b=2",
 * a trailing '&') are skipped; a field without '=' has an empty value.
 * `body` may be NULL when len is 0 (an empty form).
 */
enum form_status form_parse_urlencoded(const char *body, size_t len, struct form **out);

/*
 * Parses a multipart/form-data body whose boundary comes from the
 * `content_type` header value (boundary=xyz or boundary="xyz", 1 to 70
 * characters). Lines end with CRLF; a preamble before the first delimiter
 * and an epilogue after the closing one are ignored. Each part needs
 * "Content-Disposition: form-data; name=..." (quoted or not); parts that carry
 * a filename are files, not parameters, and are skipped (they still count
 * toward FORM_MAX_FIELDS). A missing boundary, a missing closing delimiter
 * or a part cut short is FORM_MALFORMED.
 */
enum form_status form_parse_multipart(const char *content_type, const char *body, size_t len,
                                      struct form **out);

/*
 * Dispatches on the media type of `content_type` (case-insensitive, parameters
 * after ';' allowed): the two form types above, anything else (or NULL) is
 * FORM_UNSUPPORTED.
 */
enum form_status form_parse(const char *content_type, const char *body, size_t len,
                            struct form **out);

/*
 * Reads client credentials sent by HTTP Basic authentication (RFC 7617, as
 * RFC 6749 §2.3.1 uses it) from an Authorization header value: the scheme
 * "Basic" (any case), one or more spaces, then base64 (RFC 4648 §4, the
 * standard alphabet; the '=' padding may be left out but never misplaced) of
 * "client_id:client_secret". The decoded text splits at its first ':'; each
 * half was form-urlencoded by the client (§2.3.1) and is decoded as
 * form_parse_urlencoded() decodes a value ('+' is a space, %XX a byte).
 *
 * On FORM_OK *out holds exactly two fields, "client_id" (never empty) and
 * "client_secret" (may be empty), in that order. FORM_UNSUPPORTED: the value
 * is NULL or has another scheme (Bearer...), so it carries no client
 * credentials. FORM_MALFORMED: the scheme is Basic but nothing else is right
 * (no credentials, bad base64, no ':', an empty client_id, a bad %-escape, a
 * NUL byte). FORM_TOO_BIG: the encoded part is over FORM_MAX_VALUE bytes.
 */
enum form_status form_parse_basic(const char *authorization, struct form **out);

/* The value of the first field called `name` (case-sensitive), or NULL.
 * f NULL or name NULL give NULL. The pointer lives as long as `f`. */
const char *form_get(const struct form *f, const char *name);

/* How many fields are called `name` (0 when f or name is NULL). */
size_t form_count(const struct form *f, const char *name);

void form_free(struct form *f);

#endif
