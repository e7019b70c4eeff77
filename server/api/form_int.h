/*
 * form_int.h - what the form parsers (form.c, form_multipart.c,
 * form_basic.c) share and nothing else includes. The public contract is
 * form.h; these functions trust their arguments.
 */
#ifndef ISC_API_FORM_INT_H
#define ISC_API_FORM_INT_H

#include <stddef.h>

#include "form.h"

/* Appends a field to f; takes ownership of name and value in every case
 * (they are freed on failure). FORM_TOO_BIG past FORM_MAX_FIELDS. */
enum form_status form_add(struct form *f, char *name, char *value);

/* Percent- and plus-decodes s[0..n) into a new string (*out, caller-owned)
 * of at most `cap` bytes. On error *out is NULL: FORM_MALFORMED for a bad
 * %-escape or a NUL byte, FORM_TOO_BIG, FORM_NOMEM. */
enum form_status form_url_decode(const char *s, size_t n, size_t cap, char **out);

/* Nonzero for optional whitespace (space or tab). */
int form_is_ows(char c);
/* The first byte of [p, end) that is not optional whitespace, or end. */
const char *form_skip_ows(const char *p, const char *end);
/* Case-insensitive equality of the range [p, end) with the C string s. */
int form_range_ieq(const char *p, const char *end, const char *s);

#endif
