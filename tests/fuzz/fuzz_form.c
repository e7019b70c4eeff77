/*
 * fuzz_form.c - libFuzzer target for the form parsers (api/form.h), which
 * read token request bodies and HTTP Basic client credentials.
 *
 * The first byte picks the mode ('0'..'3'); the rest is:
 *   0  an url-encoded body (form_parse with the url-encoded media type);
 *   1  a multipart body under a fixed boundary (form_parse with
 *      "multipart/form-data; boundary=" FIXED_BOUNDARY);
 *   2  a Content-Type line, then '\n', then a body of either kind (the
 *      media type and the boundary are fuzzed too);
 *   3  an Authorization header value (form_parse_basic).
 *
 * Checks, besides "no crash, leak or UB": *out is NULL exactly when the
 * status is not FORM_OK; a parsed form respects the caps, and form_get and
 * form_count agree with its fields; and every parsed form survives a round
 * trip: encoded again, url-encoded and as multipart, it parses back to the
 * same fields in the same order. Basic credentials are exactly client_id
 * (not empty) and client_secret, and survive the same kind of round trip:
 * url-encoded, joined by ':', in base64 after "Basic ".
 */
#include <string.h>

#include "api/form.h"
#include "fuzz.h"

#define FIXED_BOUNDARY "----fuzzB0undary7MA4YWxk"
#define FIXED_CT "multipart/form-data; boundary=" FIXED_BOUNDARY

/* A growable heap string for the re-encoded bodies (no cap: inputs are small). */
struct text {
    char *p;
    size_t len, cap;
};

static void put(struct text *t, const void *s, size_t n)
{
    if (t->len + n + 1 > t->cap) {
        t->cap = (t->len + n + 1) * 2;
        t->p = realloc(t->p, t->cap);
        FUZZ_CHECK(t->p != NULL, "out of memory");
    }
    memcpy(t->p + t->len, s, n);
    t->len += n;
    t->p[t->len] = '\0';
}

static void puts_(struct text *t, const char *s)
{
    put(t, s, strlen(s));
}

static void put_urlencoded(struct text *t, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        char esc[3] = {'%', hex[*p >> 4], hex[*p & 15]};
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("-._~", *p))
            put(t, p, 1);
        else if (*p == ' ')
            put(t, "+", 1);
        else
            put(t, esc, 3);
    }
}

static void encode_urlencoded(const struct form *f, struct text *t)
{
    for (size_t i = 0; i < f->n; i++) {
        if (i)
            put(t, "&", 1);
        put_urlencoded(t, f->fields[i].name);
        put(t, "=", 1);
        put_urlencoded(t, f->fields[i].value);
    }
}

/*
 * Multipart carries a name in a quoted string with '"' and '\' escaped,
 * unless it holds CRLF (the header line would end there); it carries a
 * value unless it holds the delimiter (the fixed delimiter has no prefix
 * that is also its suffix, so a value followed by it cannot end early).
 * Returns 0 when some field cannot be carried (a multipart body never has
 * one, an url-encoded one may).
 */
static int encode_multipart(const struct form *f, struct text *t)
{
    for (size_t i = 0; i < f->n; i++)
        if (strstr(f->fields[i].name, "\r\n") ||
            strstr(f->fields[i].value, "\r\n--" FIXED_BOUNDARY))
            return 0;
    for (size_t i = 0; i < f->n; i++) {
        puts_(t, "--" FIXED_BOUNDARY "\r\nContent-Disposition: form-data; name=\"");
        for (const char *p = f->fields[i].name; *p; p++) {
            if (*p == '"' || *p == '\\')
                put(t, "\\", 1);
            put(t, p, 1);
        }
        puts_(t, "\"\r\n\r\n");
        puts_(t, f->fields[i].value);
        puts_(t, "\r\n");
    }
    puts_(t, "--" FIXED_BOUNDARY "--\r\n");
    return 1;
}

static void check_form(const struct form *f)
{
    FUZZ_CHECK(f->n <= FORM_MAX_FIELDS, "%zu fields", f->n);
    FUZZ_CHECK(f->n == 0 || f->fields != NULL, "no field array");
    for (size_t i = 0; i < f->n; i++) {
        const char *name = f->fields[i].name, *value = f->fields[i].value;
        size_t first = i;
        FUZZ_CHECK(name && value, "field %zu has a NULL member", i);
        FUZZ_CHECK(strlen(name) <= FORM_MAX_NAME, "name of %zu bytes", strlen(name));
        FUZZ_CHECK(strlen(value) <= FORM_MAX_VALUE, "value of %zu bytes", strlen(value));
        for (size_t k = 0; k < i; k++)
            if (strcmp(f->fields[k].name, name) == 0) {
                first = k;
                break;
            }
        FUZZ_CHECK(form_get(f, name) == f->fields[first].value, "form_get('%s') is not the first",
                   name);
        FUZZ_CHECK(form_count(f, name) >= 1, "form_count('%s') is 0", name);
    }
}

static void check_same(const struct form *a, const struct form *b, const char *how)
{
    FUZZ_CHECK(a->n == b->n, "%s: %zu fields became %zu", how, a->n, b->n);
    for (size_t i = 0; i < a->n; i++) {
        FUZZ_CHECK(strcmp(a->fields[i].name, b->fields[i].name) == 0, "%s: name %zu changed", how,
                   i);
        FUZZ_CHECK(strcmp(a->fields[i].value, b->fields[i].value) == 0, "%s: value %zu changed",
                   how, i);
    }
}

static void round_trip(const struct form *f)
{
    struct text t = {0};
    struct form *g = NULL;
    enum form_status st;

    encode_urlencoded(f, &t);
    st = form_parse("application/x-www-form-urlencoded", t.p, t.len, &g);
    FUZZ_CHECK(st == FORM_OK, "url-encoded again: %s: %s", form_status_text(st), t.p ? t.p : "");
    check_same(f, g, "url-encoded");
    form_free(g);
    t.len = 0;

    if (encode_multipart(f, &t)) {
        st = form_parse(FIXED_CT, t.p, t.len, &g);
        FUZZ_CHECK(st == FORM_OK, "multipart again: %s", form_status_text(st));
        check_same(f, g, "multipart");
        form_free(g);
    }
    free(t.p);
}

static void put_base64(struct text *t, const char *s, size_t n)
{
    static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)(unsigned char)s[i] << 16;
        if (i + 1 < n)
            v |= (unsigned)(unsigned char)s[i + 1] << 8;
        if (i + 2 < n)
            v |= (unsigned char)s[i + 2];
        char q[4] = {a[v >> 18 & 63], a[v >> 12 & 63], i + 1 < n ? a[v >> 6 & 63] : '=',
                     i + 2 < n ? a[v & 63] : '='};
        put(t, q, 4);
    }
}

static void basic(const uint8_t *rest, size_t n)
{
    char *h = fuzz_str(rest, n);
    struct form *f = (struct form *)&f, *g = NULL;
    enum form_status st = form_parse_basic(h, &f);
    FUZZ_CHECK(st == FORM_OK || st == FORM_MALFORMED || st == FORM_TOO_BIG ||
                   st == FORM_UNSUPPORTED,
               "basic: status %d", (int)st);
    FUZZ_CHECK((st == FORM_OK) == (f != NULL), "basic: status %d with out %p", (int)st, (void *)f);
    if (f) {
        FUZZ_CHECK(f->n == 2 && strcmp(f->fields[0].name, "client_id") == 0 &&
                       strcmp(f->fields[1].name, "client_secret") == 0,
                   "basic: %zu fields", f->n);
        FUZZ_CHECK(f->fields[0].value[0] != '\0', "basic: empty client_id");
        struct text plain = {0}, t = {0};
        put_urlencoded(&plain, f->fields[0].value);
        put(&plain, ":", 1);
        put_urlencoded(&plain, f->fields[1].value);
        puts_(&t, "Basic ");
        put_base64(&t, plain.p, plain.len);
        st = form_parse_basic(t.p, &g);
        FUZZ_CHECK(st == FORM_OK, "basic again: %s: %s", form_status_text(st), t.p);
        check_same(f, g, "basic");
        form_free(g);
        free(plain.p);
        free(t.p);
    }
    form_free(f);
    free(h);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned mode = fuzz_mode(data, size, 4);
    const uint8_t *rest = size ? data + 1 : data;
    size_t n = size ? size - 1 : 0;
    char *ct = NULL, *body;
    struct form *f = (struct form *)&f;
    enum form_status st;

    if (mode == 3) {
        basic(rest, n);
        return 0;
    }
    if (mode == 2) {
        const uint8_t *nl = memchr(rest, '\n', n);
        size_t ctlen = nl ? (size_t)(nl - rest) : n;
        ct = fuzz_str(rest, ctlen);
        rest += nl ? ctlen + 1 : ctlen;
        n -= nl ? ctlen + 1 : ctlen;
    } else {
        ct = fuzz_str(mode == 0 ? "application/x-www-form-urlencoded" : FIXED_CT,
                      strlen(mode == 0 ? "application/x-www-form-urlencoded" : FIXED_CT));
    }
    body = n ? fuzz_bytes(rest, n) : NULL;
    st = form_parse(ct, body, n, &f);
    FUZZ_CHECK(st == FORM_OK || st == FORM_MALFORMED || st == FORM_TOO_BIG ||
                   (st == FORM_UNSUPPORTED && mode == 2),
               "status %d in mode %u", (int)st, mode);
    FUZZ_CHECK((st == FORM_OK) == (f != NULL), "status %d with out %p", (int)st, (void *)f);
    FUZZ_CHECK(form_status_text(st) != NULL, "no status text");
    if (f) {
        check_form(f);
        round_trip(f);
    }
    form_free(f);
    free(body);
    free(ct);
    return 0;
}
