/*
 * fuzz_clock_disposition.c - libFuzzer target for two small parsers of
 * query and body values: clock_parse() (core/clock.h; POST /mock/clock and
 * the journal's `since`) and api_content_disposition() (api/api.h; the
 * download's `name`).
 *
 * The first byte picks the mode ('0'..'3'); the rest is:
 *   0  an RFC 3339 text for clock_parse();
 *   1  8 bytes of milliseconds for clock_format(), parsed back;
 *   2  a download name, then (after a NUL) a fallback name; the byte after
 *      the mode picks the extension (csv, zip, pdf);
 *   3  a download name with the taskDefName fallback, into the 512-byte
 *      buffer the getReport handler uses.
 *
 * Checks, besides "no crash or UB": a parsed instant formats back to a text
 * that parses to the same instant, and every formatted instant in
 * 1970..9999 parses back to itself; a disposition value is one header line,
 * `attachment; filename="..."` with nothing in the quotes that could end
 * them or name a path, ending in the extension, with the optional
 * filename* made only of RFC 5987 attr-chars and %XX escapes; a name (cut
 * to 200 bytes) always fits in 1 KiB.
 */
#include <string.h>
#include <strings.h>

#include "api/api.h"
#include "core/clock.h"
#include "fuzz.h"

#define MAX_MS 253402300799999LL /* 9999-12-31T23:59:59.999Z */

static void parse_text(const char *s)
{
    char text[CLOCK_RFC3339_LEN];
    int64_t ms = 0, again = 0;
    if (clock_parse(s, &ms) != 0)
        return;
    if (ms < 0 || ms > MAX_MS)
        return; /* before 1970 or past 9999 (a leap second): no text to compare */
    clock_format(ms, text);
    FUZZ_CHECK(clock_parse(text, &again) == 0 && again == ms,
               "'%s' is %lld, formats as '%s', parses as %lld", s, (long long)ms, text,
               (long long)again);
}

static void format_ms(const uint8_t *p, size_t n)
{
    char text[CLOCK_RFC3339_LEN];
    int64_t ms = 0, again = 0;
    uint64_t u = 0;
    memcpy(&u, p, n < sizeof(u) ? n : sizeof(u));
    ms = (int64_t)u;
    memset(text, 0x7f, sizeof(text));
    clock_format(ms, text);
    FUZZ_CHECK(strlen(text) == CLOCK_RFC3339_LEN - 1, "'%s' for %lld", text, (long long)ms);
    if (ms < 0 || ms > MAX_MS)
        return;
    FUZZ_CHECK(clock_parse(text, &again) == 0 && again == ms,
               "%lld formats as '%s', parses as %lld", (long long)ms, text, (long long)again);
}

static int attr_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$&+-.^_`|~", c));
}

static int hex_digit(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
}

static void check_disposition(const char *out, size_t cap, const char *ext)
{
    static const char head[] = "attachment; filename=\"";
    const char *name, *q, *star;
    size_t elen = strlen(ext);

    FUZZ_CHECK(memchr(out, '\0', cap) != NULL, "unterminated");
    for (const unsigned char *p = (const unsigned char *)out; *p; p++)
        FUZZ_CHECK(*p >= 0x20 && *p < 0x7f, "byte 0x%02x in '%s'", *p, out);
    FUZZ_CHECK(strncmp(out, head, strlen(head)) == 0, "'%s'", out);
    name = out + strlen(head);
    q = strchr(name, '"');
    FUZZ_CHECK(q != NULL, "filename not closed: '%s'", out);
    FUZZ_CHECK(q > name, "empty filename: '%s'", out);
    for (const char *p = name; p < q; p++)
        FUZZ_CHECK(*p != '\\' && *p != '/' && *p != ';', "'%c' in filename: '%s'", *p, out);
    FUZZ_CHECK(*name != '.' && *name != ' ', "filename starts with '%c': '%s'", *name, out);
    FUZZ_CHECK((size_t)(q - name) > elen && q[-(long)elen - 1] == '.' &&
                   strncasecmp(q - elen, ext, elen) == 0,
               "filename does not end in .%s: '%s'", ext, out);
    if (q[1] == '\0')
        return;
    star = "; filename*=UTF-8''";
    FUZZ_CHECK(strncmp(q + 1, star, strlen(star)) == 0, "after the filename: '%s'", q + 1);
    for (const char *p = q + 1 + strlen(star); *p; p++) {
        if (*p == '%') {
            FUZZ_CHECK(hex_digit(p[1]) && hex_digit(p[2]), "bad escape in '%s'", out);
            p += 2;
        } else {
            FUZZ_CHECK(attr_char((unsigned char)*p), "'%c' in filename*: '%s'", *p, out);
        }
    }
}

static void disposition(const char *name, const char *fallback, const char *ext, size_t cap)
{
    char *out = malloc(cap);
    FUZZ_CHECK(out != NULL, "out of memory");
    memset(out, 0x7f, cap);
    if (api_content_disposition(name, fallback, ext, out, cap) == 0) {
        check_disposition(out, cap, ext);
    } else {
        FUZZ_CHECK(cap < 1024, "truncated in %zu bytes: a cut name fits in 1 KiB", cap);
        FUZZ_CHECK(memchr(out, '\0', cap) != NULL, "truncated and not NUL-terminated");
    }
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const exts[] = {"csv", "zip", "pdf"};
    unsigned mode = fuzz_mode(data, size, 4);
    const uint8_t *rest = size ? data + 1 : data;
    size_t n = size ? size - 1 : 0;
    char *s;

    switch (mode) {
    case 0:
        s = fuzz_str(rest, n);
        parse_text(s);
        free(s);
        break;
    case 1:
        format_ms(rest, n);
        break;
    case 2: {
        const char *ext = exts[n ? rest[0] % 3 : 0];
        s = fuzz_str(n ? rest + 1 : rest, n ? n - 1 : 0);
        const char *fallback =
            memchr(n ? rest + 1 : rest, '\0', n ? n - 1 : 0) ? s + strlen(s) + 1 : NULL;
        /* fuzz_str() stops the name at the first NUL; the fallback follows it. */
        disposition(s, fallback, ext, 1024);
        free(s);
        break;
    }
    default:
        s = fuzz_str(rest, n);
        disposition(s, "Identities Details Report", "csv", 512);
        free(s);
        break;
    }
    return 0;
}
