/*
 * control_body.h - what the /mock/ routes share: bodies read through a
 * declarative field table, query parameters, and the JSON pieces of their
 * answers. Only the control_*.c route files include it.
 *
 * A field table says, per member of a body object, its name, its kind, its
 * bounds and where the value goes (an offset into a caller's struct). One
 * parser, control_body_parse(), checks a body against a table: an unknown or
 * repeated member, a wrong type or a value out of range is a 400 naming the
 * member, and the "must be A, B or C" messages are built from the same lists
 * the values are checked against. JSON null counts as absent. Rules that tie
 * several members together stay in the route files.
 */
#ifndef ISC_API_CONTROL_BODY_H
#define ISC_API_CONTROL_BODY_H

#include <stddef.h>
#include <stdint.h>

#include "api.h"

struct cJSON;

enum body_kind {
    BODY_WHOLE,  /* a whole number in [min, max]; stored as int or int64_t (by size) */
    BODY_NUMBER, /* any number in [min, max]; stored as double */
    BODY_BOOL,   /* true or false; stored as int */
    BODY_TEXT,   /* a string of 1 to size-1 bytes, UTF-8, no control characters, each
                  * byte passing `chars` when set; copied into char[size] */
    BODY_CHOICE, /* a string out of `choices`; copied into char[size] */
    BODY_CODE,   /* a whole number out of `codes` (0-terminated); stored as int */
    BODY_CUSTOM, /* `parse` reads the value and stores it */
};

struct body_field;
/* Reads `v` (not NULL, not JSON null) for field `f` into `dst`. `name` is
 * the member's full name for messages ("messages[2].type"). */
typedef enum err (*body_parse_fn)(const struct cJSON *v, const struct body_field *f,
                                  const char *name, void *dst, struct api_res *rs);

struct body_field {
    const char *name;
    enum body_kind kind;
    size_t offset;              /* where the value goes in the caller's struct */
    size_t size;                /* bytes at offset */
    int64_t min, max;           /* BODY_WHOLE, BODY_NUMBER */
    const char *const *choices; /* BODY_CHOICE: NULL-terminated */
    const int *codes;           /* BODY_CODE: 0-terminated */
    int (*chars)(int c);        /* BODY_TEXT: which bytes are allowed; NULL: any printable */
    body_parse_fn parse;        /* BODY_CUSTOM */
    int required;               /* 1: absent is a 400 */
};

/* Where a field goes: `.offset` and `.size` of `member` in `type`. */
#define BODY_AT(type, member) .offset = offsetof(type, member), .size = sizeof(((type *)0)->member)

/* Longest table control_body_parse() takes (bits of its `given` mask). */
#define BODY_FIELDS_MAX 32

/*
 * Checks object `o` against `fields[0..n)` and stores each member given into
 * `dst` at its field's offset; members not given leave `dst` untouched.
 * Sets bit i of *given when fields[i] was given (not null). `where` prefixes
 * member names in messages ("messages[0]"; NULL at the top). ERR_OK, or
 * ERR_BAD_REQUEST with a message naming the member (what was stored before
 * the failing member stays stored), or ERR_INTERNAL from a custom parser.
 */
enum err control_body_parse(const struct cJSON *o, const struct body_field *fields, size_t n,
                            const char *where, void *dst, unsigned *given, struct api_res *rs);

/* Was fields[i] given, by the mask control_body_parse() filled? */
#define BODY_GIVEN(mask, i) (((mask) >> (i)) & 1u)

/* Parses the request body as a JSON object into *out (the caller deletes it);
 * anything else is a 400. */
enum err control_body_object(const struct api_req *rq, struct api_res *rs, struct cJSON **out);

/* Writes "A, B or C" from a NULL-terminated list into out (cut to fit). */
void control_choices_text(const char *const *list, char *out, size_t cap);
/* 1 when `v` is in the NULL-terminated `list`. */
int control_one_of(const char *v, const char *const *list);

/* Byte filters for BODY_TEXT: ids (letters, digits and . _ ~ @ : + -), and
 * printable ASCII without space (secrets, scopes). */
int control_id_char(int c);
int control_token_char(int c);

/* BODY_CUSTOM parser for "scopes": "a b" or ["a", "b"], stored as one string
 * with single spaces into char[size]; an empty string or array gives none. */
enum err control_parse_scopes(const struct cJSON *v, const struct body_field *f, const char *name,
                              void *dst, struct api_res *rs);

/* Refuses (400 naming it) a query argument whose name is not in the
 * NULL-terminated `names` (an empty list: a route that takes none). */
enum err control_query_known(const struct api_req *rq, const char *const *names,
                             struct api_res *rs);

/* The API operations faults and the journal name (control_faults.c):
 * NULL-terminated, "*" (every operation) last. */
extern const char *const control_operations[];

/* A whole number query parameter `key` in [min, max]; dflt when absent. */
enum err control_query_whole(const struct api_req *rq, const char *key, int64_t min, int64_t max,
                             int64_t dflt, int64_t *out, struct api_res *rs);

/* ---- answers ---- */

/* Add member `key`; each returns 1, or 0 when out of memory. */
int control_add_str(struct cJSON *o, const char *key, const char *v); /* NULL or "": null */
int control_add_num(struct cJSON *o, const char *key, int64_t v, int present);
int control_add_time(struct cJSON *o, const char *key, int64_t ms, int present); /* RFC 3339 */
int control_add_raw(struct cJSON *o, const char *key, const char *json_text);    /* NULL: null */

/* `o` when `ok`, else NULL after deleting `o`: the end of building an item. */
struct cJSON *control_json_done(struct cJSON *o, int ok);

/* A JSON array filled by a store iteration; `failed` tells a callback that
 * stopped for lack of memory from a list that simply ended. */
struct control_list {
    struct cJSON *arr;
    int failed;
};
/* Appends `item` (consumed); NULL marks the list failed. Returns what a store
 * iteration callback returns: 0 to go on, 1 to stop. */
int control_list_add(struct control_list *l, struct cJSON *item);

/* Starts an answer {"<key>": []} with l->arr its array; NULL on OOM. */
struct cJSON *control_list_start(const char *key, struct control_list *l);
/* Answers `o` (consumed; may be NULL) when the store iteration returned
 * rc == 0 and no item failed; else ERR_INTERNAL. */
enum err control_list_answer(struct api_res *rs, struct cJSON *o, int rc,
                             const struct control_list *l);

/* A 204 answer with no body. */
enum err control_no_content(struct api_res *rs);

/* A store result (0 done, 1 none, else error) as a 204, a 404 with the
 * message `fmt`, or ERR_INTERNAL. */
enum err control_deleted(struct api_res *rs, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
