/*
 * json.h - the one strict reader for JSON request bodies: the startReport
 * body and every control API body go through it, so what one refuses the
 * other refuses too. Beyond what cJSON checks, a body must be UTF-8, hold
 * one value and nothing after it but white space, hold no NUL character
 * (a raw byte or a \u0000 escape: C strings would cut the text there), and
 * hold no number outside the range of a double (cJSON would turn it into
 * infinity, printed back as null).
 */
#ifndef ISC_CORE_JSON_H
#define ISC_CORE_JSON_H

#include <stddef.h>

struct cJSON;

/*
 * Parses the `len` bytes at `body` (not NUL-terminated; NULL with len 0 is
 * an empty body). Returns the tree (the caller deletes it with cJSON_Delete)
 * or NULL with a reason, such as "request body is not valid JSON",
 * in why[whylen] (always NUL-terminated when whylen > 0). Never changes the
 * input.
 */
struct cJSON *json_parse_strict(const char *body, size_t len, char *why, size_t whylen);

#endif
