/*
 * test_form.c - url-encoded and multipart/form-data body parsing (api/form.c)
 * and HTTP Basic client credentials, as tables of cases: decoding, framing,
 * malformed input and caps.
 */
#include <criterion/alloc.h>
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/form.h"

#include "cr_params.h"

/* Renders a parsed form as "name=value\n" lines, for comparing with a table. */
static char *render(const struct form *f)
{
    size_t cap = 1;
    for (size_t i = 0; f && i < f->n; i++)
        cap += strlen(f->fields[i].name) + strlen(f->fields[i].value) + 2;
    char *s = malloc(cap);
    cr_assert_not_null(s);
    s[0] = '\0';
    for (size_t i = 0; f && i < f->n; i++) {
        strcat(s, f->fields[i].name);
        strcat(s, "=");
        strcat(s, f->fields[i].value);
        strcat(s, "\n");
    }
    return s;
}

/* ---- url-encoded ---- */

struct url_case {
    const char *id;
    const char *body;
    int len; /* -1: strlen(body) */
    enum form_status want;
    const char *fields; /* rendered, when want is FORM_OK */
};

ParameterizedTestParameters(urlencoded, table)
{
    static struct url_case cases[] = {
        {"empty", "", -1, FORM_OK, ""},
        {"one", "a=1", -1, FORM_OK, "a=1\n"},
        {"two", "a=1&b=2", -1, FORM_OK, "a=1\nb=2\n"},
        {"token request",
         "grant_type=client_credentials&client_id=demo-admin&client_secret=demo-admin-secret", -1,
         FORM_OK,
         "grant_type=client_credentials\nclient_id=demo-admin\nclient_secret=demo-admin-"
         "secret\n"},
        {"plus is space", "a=hello+world", -1, FORM_OK, "a=hello world\n"},
        {"plus in name", "a+b=c", -1, FORM_OK, "a b=c\n"},
        {"escaped plus", "a=%2B", -1, FORM_OK, "a=+\n"},
        {"upper hex", "a=%41%42%43", -1, FORM_OK, "a=ABC\n"},
        {"lower hex", "%61=%7e", -1, FORM_OK, "a=~\n"},
        {"utf-8", "n=%C3%A9t%C3%A9", -1, FORM_OK, "n=\xc3\xa9t\xc3\xa9\n"},
        {"escaped amp and eq", "a=%26%3D", -1, FORM_OK, "a=&=\n"},
        {"no equals", "a", -1, FORM_OK, "a=\n"},
        {"empty values", "a=&b", -1, FORM_OK, "a=\nb=\n"},
        {"empty segments skipped", "&&a=1&&b=2&", -1, FORM_OK, "a=1\nb=2\n"},
        {"second equals kept", "a=1=2", -1, FORM_OK, "a=1=2\n"},
        {"empty name kept", "=x", -1, FORM_OK, "=x\n"},
        {"duplicates kept", "a=1&a=2", -1, FORM_OK, "a=1\na=2\n"},
        {"length bounds the body", "a=1&b=2", 3, FORM_OK, "a=1\n"},
        {"bare percent", "a=%", -1, FORM_MALFORMED, NULL},
        {"one hex digit", "a=%4", -1, FORM_MALFORMED, NULL},
        {"escape cut by length", "a=%41", 4, FORM_MALFORMED, NULL},
        {"non-hex escape", "a=%zz", -1, FORM_MALFORMED, NULL},
        {"half hex escape", "a=%4g", -1, FORM_MALFORMED, NULL},
        {"bad escape in name", "%=1", -1, FORM_MALFORMED, NULL},
        {"percent then amp", "a=%&b=1", -1, FORM_MALFORMED, NULL},
        {"nul escape", "a=%00", -1, FORM_MALFORMED, NULL},
        {"literal nul", "a=b\0c", 5, FORM_MALFORMED, NULL},
    };
    size_t n = sizeof cases / sizeof cases[0];
    struct url_case *p = pcopy(cases, sizeof cases);
    for (size_t i = 0; i < n; i++) {
        p[i].id = pstr(cases[i].id, -1);
        p[i].body = pstr(cases[i].body, cases[i].len);
        p[i].fields = pstr(cases[i].fields, -1);
    }
    return cr_make_param_array(struct url_case, p, n);
}

ParameterizedTest(struct url_case *c, urlencoded, table)
{
    struct form *f = (struct form *)1;
    size_t len = c->len < 0 ? strlen(c->body) : (size_t)c->len;
    enum form_status st = form_parse_urlencoded(c->body, len, &f);
    cr_assert_eq(st, c->want, "[%s] status %d, want %d", c->id, st, c->want);
    if (c->want != FORM_OK) {
        cr_assert_null(f, "[%s] no form on error", c->id);
        return;
    }
    char *got = render(f);
    cr_assert_str_eq(got, c->fields, "[%s]", c->id);
    free(got);
    form_free(f);
}

Test(urlencoded, null_body_with_zero_length_is_empty)
{
    struct form *f = NULL;
    cr_assert_eq(form_parse_urlencoded(NULL, 0, &f), FORM_OK);
    cr_assert_not_null(f);
    cr_assert_eq(f->n, 0);
    form_free(f);
    cr_assert_eq(form_parse_urlencoded(NULL, 3, &f), FORM_MALFORMED);
    cr_assert_null(f);
}

/* Builds "f0=v&f1=v&..." with n fields. */
static char *many_fields(int n)
{
    char *s = malloc((size_t)n * 16 + 1);
    size_t o = 0;
    s[0] = '\0';
    for (int i = 0; i < n; i++)
        o += (size_t)sprintf(s + o, "%sf%d=v", i ? "&" : "", i);
    return s;
}

Test(urlencoded, field_cap)
{
    struct form *f = NULL;
    char *ok = many_fields(FORM_MAX_FIELDS);
    char *over = many_fields(FORM_MAX_FIELDS + 1);
    cr_assert_eq(form_parse_urlencoded(ok, strlen(ok), &f), FORM_OK);
    cr_assert_eq(f->n, FORM_MAX_FIELDS);
    form_free(f);
    cr_assert_eq(form_parse_urlencoded(over, strlen(over), &f), FORM_TOO_BIG);
    cr_assert_null(f);
    free(ok);
    free(over);
}

Test(urlencoded, name_and_value_caps)
{
    struct form *f = NULL;
    size_t n = FORM_MAX_VALUE + FORM_MAX_NAME + 16;
    char *s = malloc(n);
    /* value exactly at the cap */
    memset(s, 'x', n);
    memcpy(s, "a=", 2);
    cr_assert_eq(form_parse_urlencoded(s, 2 + FORM_MAX_VALUE, &f), FORM_OK);
    cr_assert_eq(strlen(form_get(f, "a")), FORM_MAX_VALUE);
    form_free(f);
    cr_assert_eq(form_parse_urlencoded(s, 2 + FORM_MAX_VALUE + 1, &f), FORM_TOO_BIG);
    cr_assert_null(f);
    /* an escaped value is capped by its decoded size: %41 x cap is fine */
    char *e = malloc(2 + 3 * (size_t)FORM_MAX_VALUE);
    memcpy(e, "a=", 2);
    for (size_t i = 0; i < FORM_MAX_VALUE; i++)
        memcpy(e + 2 + 3 * i, "%41", 3);
    cr_assert_eq(form_parse_urlencoded(e, 2 + 3 * (size_t)FORM_MAX_VALUE, &f), FORM_OK);
    form_free(f);
    free(e);
    /* name over the cap */
    memset(s, 'n', n);
    s[FORM_MAX_NAME + 1] = '=';
    cr_assert_eq(form_parse_urlencoded(s, FORM_MAX_NAME + 3, &f), FORM_TOO_BIG);
    s[FORM_MAX_NAME + 1] = 'n';
    s[FORM_MAX_NAME] = '=';
    cr_assert_eq(form_parse_urlencoded(s, FORM_MAX_NAME + 3, &f), FORM_OK);
    form_free(f);
    free(s);
}

/* ---- multipart ---- */

#define CT "multipart/form-data; boundary=XyZ"
#define PART(name, value)                                                                          \
    "--XyZ\r\nContent-Disposition: form-data; name=\"" name "\"\r\n\r\n" value "\r\n"

struct mp_case {
    const char *id;
    const char *ct;
    const char *body;
    int len; /* -1: strlen(body) */
    enum form_status want;
    const char *fields;
};

ParameterizedTestParameters(multipart, table)
{
    static struct mp_case cases[] = {
        {"one part", CT, PART("a", "1") "--XyZ--\r\n", -1, FORM_OK, "a=1\n"},
        {"token request as the SDK sends it",
         "multipart/form-data; boundary=--------------------------375015385208346311263722",
         "----------------------------375015385208346311263722\r\n"
         "Content-Disposition: form-data; name=\"grant_type\"\r\n\r\nclient_credentials\r\n"
         "----------------------------375015385208346311263722\r\n"
         "Content-Disposition: form-data; name=\"client_id\"\r\n\r\ndemo-admin\r\n"
         "----------------------------375015385208346311263722\r\n"
         "Content-Disposition: form-data; name=\"client_secret\"\r\n\r\ndemo-admin-secret\r\n"
         "----------------------------375015385208346311263722--\r\n",
         -1, FORM_OK,
         "grant_type=client_credentials\nclient_id=demo-admin\nclient_secret=demo-admin-secret\n"},
        {"quoted boundary", "multipart/form-data; boundary=\"XyZ\"", PART("a", "1") "--XyZ--", -1,
         FORM_OK, "a=1\n"},
        {"quoted boundary with odd chars", "multipart/form-data; boundary=\"a b:c\"",
         "--a b:c\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n--a b:c--", -1, FORM_OK,
         "a=1\n"},
        {"parameter case and spacing", "Multipart/Form-Data ;charset=utf-8;  BOUNDARY = XyZ ;",
         PART("a", "1") "--XyZ--", -1, FORM_OK, "a=1\n"},
        {"two parts", CT, PART("a", "1") PART("b", "two words") "--XyZ--\r\n", -1, FORM_OK,
         "a=1\nb=two words\n"},
        {"no plus decoding", CT, PART("a", "x+y%41") "--XyZ--", -1, FORM_OK, "a=x+y%41\n"},
        {"empty value", CT, PART("a", "") "--XyZ--", -1, FORM_OK, "a=\n"},
        {"value with CRLF", CT, PART("a", "l1\r\nl2") "--XyZ--", -1, FORM_OK, "a=l1\r\nl2\n"},
        {"value with dashes", CT, PART("a", "--XyY") "--XyZ--", -1, FORM_OK, "a=--XyY\n"},
        {"preamble and epilogue", CT,
         "this is a preamble\r\n" PART("a", "1") "--XyZ--\r\nepilogue --XyZ junk", -1, FORM_OK,
         "a=1\n"},
        {"transport padding", CT,
         "--XyZ \t\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--XyZ--", -1, FORM_OK,
         "a=1\n"},
        {"unquoted name", CT, "--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n--XyZ--",
         -1, FORM_OK, "a=1\n"},
        {"escaped quote in name", CT,
         "--XyZ\r\nContent-Disposition: form-data; name=\"a\\\"b\"\r\n\r\n1\r\n--XyZ--", -1,
         FORM_OK, "a\"b=1\n"},
        {"header names any case, other headers", CT,
         "--XyZ\r\ncontent-type: text/plain\r\nCONTENT-DISPOSITION:form-data;name=\"a\"\r\n\r\n"
         "1\r\n--XyZ--",
         -1, FORM_OK, "a=1\n"},
        {"file parts skipped", CT,
         "--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x.txt\"\r\n"
         "Content-Type: application/octet-stream\r\n\r\n\0binary\r\n" PART("a", "1") "--XyZ--",
         -1 /* fixed below */, FORM_OK, "a=1\n"},
        {"duplicates kept", CT, PART("a", "1") PART("a", "2") "--XyZ--", -1, FORM_OK, "a=1\na=2\n"},
        {"length bounds the body", CT, PART("a", "1") "--XyZ--" PART("b", "2"), 61, FORM_OK,
         "a=1\n"},
        {"no boundary parameter", "multipart/form-data", PART("a", "1") "--XyZ--", -1,
         FORM_MALFORMED, NULL},
        {"other parameter only", "multipart/form-data; charset=utf-8", PART("a", "1") "--XyZ--", -1,
         FORM_MALFORMED, NULL},
        {"empty boundary", "multipart/form-data; boundary=\"\"", "--\r\n", -1, FORM_MALFORMED,
         NULL},
        {"boundary without value", "multipart/form-data; boundary=", "--\r\n", -1, FORM_MALFORMED,
         NULL},
        {"unterminated quoted boundary", "multipart/form-data; boundary=\"XyZ",
         PART("a", "1") "--XyZ--", -1, FORM_MALFORMED, NULL},
        {"boundary too long",
         "multipart/form-data; boundary="
         "12345678901234567890123456789012345678901234567890123456789012345678901",
         "--12345678901234567890123456789012345678901234567890123456789012345678901--", -1,
         FORM_MALFORMED, NULL},
        {"boundary given twice", "multipart/form-data; boundary=XyZ; boundary=XyZ",
         PART("a", "1") "--XyZ--", -1, FORM_MALFORMED, NULL},
        {"empty body", CT, "", -1, FORM_MALFORMED, NULL},
        {"no delimiter at all", CT, "a=1&b=2", -1, FORM_MALFORMED, NULL},
        {"other boundary", CT,
         "--AbC\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n--AbC--", -1, FORM_MALFORMED,
         NULL},
        {"no closing delimiter", CT, PART("a", "1"), -1, FORM_MALFORMED, NULL},
        {"cut in the value", CT, "--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\nval", -1,
         FORM_MALFORMED, NULL},
        {"cut in the headers", CT, "--XyZ\r\nContent-Disposition: form-da", -1, FORM_MALFORMED,
         NULL},
        {"cut after the delimiter", CT, "--XyZ", -1, FORM_MALFORMED, NULL},
        {"cut by length", CT, PART("a", "1") "--XyZ--", 30, FORM_MALFORMED, NULL},
        {"LF line ends", CT, "--XyZ\nContent-Disposition: form-data; name=a\n\n1\n--XyZ--", -1,
         FORM_MALFORMED, NULL},
        {"junk after delimiter", CT,
         "--XyZjunk\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n--XyZ--", -1,
         FORM_MALFORMED, NULL},
        {"no headers", CT, "--XyZ\r\n\r\n1\r\n--XyZ--", -1, FORM_MALFORMED, NULL},
        {"no content-disposition", CT, "--XyZ\r\nContent-Type: text/plain\r\n\r\n1\r\n--XyZ--", -1,
         FORM_MALFORMED, NULL},
        {"not form-data", CT,
         "--XyZ\r\nContent-Disposition: attachment; name=a\r\n\r\n1\r\n--XyZ--", -1, FORM_MALFORMED,
         NULL},
        {"no name", CT, "--XyZ\r\nContent-Disposition: form-data\r\n\r\n1\r\n--XyZ--", -1,
         FORM_MALFORMED, NULL},
        {"two names", CT,
         "--XyZ\r\nContent-Disposition: form-data; name=a; name=b\r\n\r\n1\r\n--XyZ--", -1,
         FORM_MALFORMED, NULL},
        {"two content-dispositions", CT,
         "--XyZ\r\nContent-Disposition: form-data; name=a\r\nContent-Disposition: form-data; "
         "name=b\r\n\r\n1\r\n--XyZ--",
         -1, FORM_MALFORMED, NULL},
        {"unterminated quoted name", CT,
         "--XyZ\r\nContent-Disposition: form-data; name=\"a\r\n\r\n1\r\n--XyZ--", -1,
         FORM_MALFORMED, NULL},
        {"parameter without value", CT,
         "--XyZ\r\nContent-Disposition: form-data; name\r\n\r\n1\r\n--XyZ--", -1, FORM_MALFORMED,
         NULL},
        {"header without colon", CT,
         "--XyZ\r\nContent-Disposition: form-data; name=a\r\nbogus\r\n\r\n1\r\n--XyZ--", -1,
         FORM_MALFORMED, NULL},
        {"folded header", CT,
         "--XyZ\r\nContent-Disposition: form-data;\r\n name=a\r\n\r\n1\r\n--XyZ--", -1,
         FORM_MALFORMED, NULL},
        {"nul in value", CT, PART("a", "x\0y") "--XyZ--", -1 /* fixed below */, FORM_MALFORMED,
         NULL},
        {"nul in headers", CT,
         "--XyZ\r\nContent-Disposition: form-data; name=\"a\0\"\r\n\r\n1\r\n--XyZ--", -1,
         FORM_MALFORMED, NULL},
    };
    /* Bodies with a NUL byte need their length given. */
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (strcmp(cases[i].id, "file parts skipped") == 0)
            cases[i].len =
                (int)(sizeof("--XyZ\r\nContent-Disposition: form-data; name=\"f\"; "
                             "filename=\"x.txt\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                             "\0binary\r\n" PART("a", "1") "--XyZ--") -
                      1);
        if (strcmp(cases[i].id, "nul in value") == 0)
            cases[i].len = (int)(sizeof(PART("a", "x\0y") "--XyZ--") - 1);
        if (strcmp(cases[i].id, "nul in headers") == 0)
            cases[i].len = (int)(sizeof("--XyZ\r\nContent-Disposition: form-data; "
                                        "name=\"a\0\"\r\n\r\n1\r\n--XyZ--") -
                                 1);
    }
    size_t n = sizeof cases / sizeof cases[0];
    struct mp_case *p = pcopy(cases, sizeof cases);
    for (size_t i = 0; i < n; i++) {
        p[i].id = pstr(cases[i].id, -1);
        p[i].ct = pstr(cases[i].ct, -1);
        p[i].body = pstr(cases[i].body, cases[i].len);
        p[i].fields = pstr(cases[i].fields, -1);
    }
    return cr_make_param_array(struct mp_case, p, n);
}

ParameterizedTest(struct mp_case *c, multipart, table)
{
    struct form *f = (struct form *)1;
    size_t len = c->len < 0 ? strlen(c->body) : (size_t)c->len;
    enum form_status st = form_parse_multipart(c->ct, c->body, len, &f);
    cr_assert_eq(st, c->want, "[%s] status %d, want %d", c->id, st, c->want);
    if (c->want != FORM_OK) {
        cr_assert_null(f, "[%s] no form on error", c->id);
        return;
    }
    char *got = render(f);
    cr_assert_str_eq(got, c->fields, "[%s]", c->id);
    free(got);
    form_free(f);
}

/* Appends to a growing test buffer. */
static void put(char **b, size_t *len, const char *s, size_t n)
{
    *b = realloc(*b, *len + n + 1);
    memcpy(*b + *len, s, n);
    *len += n;
    (*b)[*len] = '\0';
}

/* A body of nparts parts; files ones carry a filename. */
static char *parts_body(int nparts, int files, size_t *len)
{
    char *b = NULL;
    char line[160];
    *len = 0;
    for (int i = 0; i < nparts; i++) {
        int n = snprintf(line, sizeof line,
                         "--XyZ\r\nContent-Disposition: form-data; name=\"f%d\"%s\r\n\r\nv\r\n", i,
                         i < files ? "; filename=\"f.txt\"" : "");
        put(&b, len, line, (size_t)n);
    }
    put(&b, len, "--XyZ--\r\n", 9);
    return b;
}

Test(multipart, part_cap)
{
    struct form *f = NULL;
    size_t len;
    char *ok = parts_body(FORM_MAX_FIELDS, 0, &len);
    cr_assert_eq(form_parse_multipart(CT, ok, len, &f), FORM_OK);
    cr_assert_eq(f->n, FORM_MAX_FIELDS);
    form_free(f);
    free(ok);
    char *over = parts_body(FORM_MAX_FIELDS + 1, 0, &len);
    cr_assert_eq(form_parse_multipart(CT, over, len, &f), FORM_TOO_BIG);
    cr_assert_null(f);
    free(over);
}

Test(multipart, file_parts_count_toward_the_cap)
{
    struct form *f = NULL;
    size_t len;
    char *ok = parts_body(FORM_MAX_FIELDS, FORM_MAX_FIELDS - 1, &len);
    cr_assert_eq(form_parse_multipart(CT, ok, len, &f), FORM_OK);
    cr_assert_eq(f->n, 1, "files are skipped");
    char last[16];
    snprintf(last, sizeof last, "f%d", FORM_MAX_FIELDS - 1);
    cr_assert_str_eq(form_get(f, last), "v", "the one plain part is kept");
    form_free(f);
    free(ok);
    char *over = parts_body(FORM_MAX_FIELDS + 1, FORM_MAX_FIELDS + 1, &len);
    cr_assert_eq(form_parse_multipart(CT, over, len, &f), FORM_TOO_BIG);
    cr_assert_null(f);
    free(over);
}

Test(multipart, value_and_header_caps)
{
    struct form *f = NULL;
    size_t len = 0;
    char *b = NULL;
    const char *head = "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n";
    char *v = malloc(FORM_MAX_VALUE + 1);
    memset(v, 'x', FORM_MAX_VALUE + 1);

    put(&b, &len, head, strlen(head));
    put(&b, &len, v, FORM_MAX_VALUE);
    put(&b, &len, "\r\n--XyZ--", 9);
    cr_assert_eq(form_parse_multipart(CT, b, len, &f), FORM_OK);
    cr_assert_eq(strlen(form_get(f, "a")), FORM_MAX_VALUE);
    form_free(f);

    free(b);
    b = NULL;
    len = 0;
    put(&b, &len, head, strlen(head));
    put(&b, &len, v, FORM_MAX_VALUE + 1);
    put(&b, &len, "\r\n--XyZ--", 9);
    cr_assert_eq(form_parse_multipart(CT, b, len, &f), FORM_TOO_BIG);
    cr_assert_null(f);

    /* a header block over FORM_MAX_PART_HEADERS */
    free(b);
    b = NULL;
    len = 0;
    put(&b, &len, "--XyZ\r\nX-Pad: ", 14);
    put(&b, &len, v, FORM_MAX_PART_HEADERS);
    put(&b, &len, "\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n--XyZ--", 52);
    cr_assert_eq(form_parse_multipart(CT, b, len, &f), FORM_TOO_BIG);
    cr_assert_null(f);

    /* a name over FORM_MAX_NAME */
    free(b);
    b = NULL;
    len = 0;
    put(&b, &len, "--XyZ\r\nContent-Disposition: form-data; name=", 44);
    put(&b, &len, v, FORM_MAX_NAME + 1);
    put(&b, &len, "\r\n\r\n1\r\n--XyZ--", 14);
    cr_assert_eq(form_parse_multipart(CT, b, len, &f), FORM_TOO_BIG);
    cr_assert_null(f);

    free(b);
    free(v);
}

Test(multipart, null_arguments)
{
    struct form *f = (struct form *)1;
    cr_assert_eq(form_parse_multipart(NULL, "x", 1, &f), FORM_MALFORMED);
    cr_assert_null(f);
    f = (struct form *)1;
    cr_assert_eq(form_parse_multipart(CT, NULL, 0, &f), FORM_MALFORMED);
    cr_assert_null(f);
    cr_assert_eq(form_parse_multipart(CT, NULL, 5, &f), FORM_MALFORMED);
}

/* ---- dispatch, lookup, free ---- */

struct ct_case {
    const char *id;
    const char *ct;
    const char *body;
    enum form_status want;
};

ParameterizedTestParameters(form, dispatch)
{
    static struct ct_case cases[] = {
        {"urlencoded", "application/x-www-form-urlencoded", "a=1", FORM_OK},
        {"urlencoded with charset", "application/x-www-form-urlencoded; charset=UTF-8", "a=1",
         FORM_OK},
        {"urlencoded any case, spaces", "  Application/X-WWW-Form-URLencoded ", "a=1", FORM_OK},
        {"multipart", CT, PART("a", "1") "--XyZ--", FORM_OK},
        {"multipart without boundary", "multipart/form-data", PART("a", "1") "--XyZ--",
         FORM_MALFORMED},
        {"json", "application/json", "{\"a\":\"1\"}", FORM_UNSUPPORTED},
        {"text", "text/plain", "a=1", FORM_UNSUPPORTED},
        {"other multipart", "multipart/mixed; boundary=XyZ", PART("a", "1") "--XyZ--",
         FORM_UNSUPPORTED},
        {"prefix only", "application/x-www-form-urlencodedx", "a=1", FORM_UNSUPPORTED},
        {"empty", "", "a=1", FORM_UNSUPPORTED},
        {"none", NULL, "a=1", FORM_UNSUPPORTED},
    };
    size_t n = sizeof cases / sizeof cases[0];
    struct ct_case *p = pcopy(cases, sizeof cases);
    for (size_t i = 0; i < n; i++) {
        p[i].id = pstr(cases[i].id, -1);
        p[i].ct = pstr(cases[i].ct, -1);
        p[i].body = pstr(cases[i].body, -1);
    }
    return cr_make_param_array(struct ct_case, p, n);
}

ParameterizedTest(struct ct_case *c, form, dispatch)
{
    struct form *f = (struct form *)1;
    enum form_status st = form_parse(c->ct, c->body, strlen(c->body), &f);
    cr_assert_eq(st, c->want, "[%s] status %d, want %d", c->id, st, c->want);
    if (st == FORM_OK) {
        cr_assert_str_eq(form_get(f, "a"), "1", "[%s]", c->id);
        form_free(f);
    } else {
        cr_assert_null(f, "[%s]", c->id);
    }
}

Test(form, lookup_and_count)
{
    struct form *f = NULL;
    const char *b = "a=1&b=&a=3";
    cr_assert_eq(form_parse_urlencoded(b, strlen(b), &f), FORM_OK);
    cr_assert_str_eq(form_get(f, "a"), "1");
    cr_assert_str_eq(form_get(f, "b"), "");
    cr_assert_null(form_get(f, "c"));
    cr_assert_null(form_get(f, "A"), "names are case-sensitive");
    cr_assert_null(form_get(f, NULL));
    cr_assert_null(form_get(NULL, "a"));
    cr_assert_eq(form_count(f, "a"), 2);
    cr_assert_eq(form_count(f, "b"), 1);
    cr_assert_eq(form_count(f, "c"), 0);
    cr_assert_eq(form_count(NULL, "a"), 0);
    form_free(f);
    form_free(NULL);
}

Test(form, status_texts)
{
    for (int s = FORM_OK; s <= FORM_NOMEM; s++)
        cr_assert(strlen(form_status_text((enum form_status)s)) > 0);
    cr_assert_str_eq(form_status_text((enum form_status)99), "unknown form status");
}

/* ---- HTTP Basic client credentials ---- */

struct basic_case {
    const char *id;
    const char *header; /* NULL: no Authorization header */
    enum form_status want;
    const char *fields; /* rendered, when want is FORM_OK */
};

ParameterizedTestParameters(basic, table)
{
    static struct basic_case cases[] = {
        {"demo client", "Basic ZGVtby1hZG1pbjpkZW1vLWFkbWluLXNlY3JldA==", FORM_OK,
         "client_id=demo-admin\nclient_secret=demo-admin-secret\n"},
        {"scheme in any case", "bAsIc ZGVtby1hZG1pbjpkZW1vLWFkbWluLXNlY3JldA==", FORM_OK,
         "client_id=demo-admin\nclient_secret=demo-admin-secret\n"},
        {"spaces around", "Basic   aWQ6YTpi  ", FORM_OK, "client_id=id\nclient_secret=a:b\n"},
        {"percent-encoded halves", "Basic bXklM0FjbGllbnQ6cCU0MHNzK3dvcmQlMjU=", FORM_OK,
         "client_id=my:client\nclient_secret=p@ss word%\n"},
        {"colon in the secret", "Basic aWQ6YTpi", FORM_OK, "client_id=id\nclient_secret=a:b\n"},
        {"empty secret", "Basic aWQ6", FORM_OK, "client_id=id\nclient_secret=\n"},
        {"padding left out", "Basic YWI6Yw", FORM_OK, "client_id=ab\nclient_secret=c\n"},
        {"one pad left out", "Basic YWJjOmQ", FORM_OK, "client_id=abc\nclient_secret=d\n"},
        {"escaped utf-8", "Basic Y2FmJUMzJUE5OnM=", FORM_OK,
         "client_id=caf\xc3\xa9\nclient_secret=s\n"},
        {"raw utf-8", "Basic Y2Fmw6k6cw==", FORM_OK, "client_id=caf\xc3\xa9\nclient_secret=s\n"},
        {"no header", NULL, FORM_UNSUPPORTED, NULL},
        {"empty header", "", FORM_UNSUPPORTED, NULL},
        {"bearer", "Bearer ZGVtbw==", FORM_UNSUPPORTED, NULL},
        {"scheme prefix only", "Basically aWQ6YTpi", FORM_UNSUPPORTED, NULL},
        {"scheme alone", "Basic", FORM_MALFORMED, NULL},
        {"scheme and spaces", "Basic   ", FORM_MALFORMED, NULL},
        {"not base64", "Basic ***", FORM_MALFORMED, NULL},
        {"base64url alphabet", "Basic a-Q6YT_i", FORM_MALFORMED, NULL},
        {"inner space", "Basic aWQ6 YTpi", FORM_MALFORMED, NULL},
        {"misplaced padding", "Basic aW=6YTpi", FORM_MALFORMED, NULL},
        {"too much padding", "Basic YWI6Yw===", FORM_MALFORMED, NULL},
        {"short padding", "Basic YWI6Yw=", FORM_MALFORMED, NULL},
        {"padding alone", "Basic ====", FORM_MALFORMED, NULL},
        {"lone last character", "Basic YWI6Y", FORM_MALFORMED, NULL},
        {"bits left over", "Basic YWI6Yx==", FORM_MALFORMED, NULL},
        {"no colon", "Basic ZGVtbw==", FORM_MALFORMED, NULL},
        {"empty client_id", "Basic OnNlY3JldA==", FORM_MALFORMED, NULL},
        {"bad escape", "Basic YSV6ejpi", FORM_MALFORMED, NULL},
        {"escape cut short", "Basic YTpiJTA=", FORM_MALFORMED, NULL},
        {"nul byte", "Basic YQBiOmM=", FORM_MALFORMED, NULL},
        {"escaped nul", "Basic YSUwMDpi", FORM_MALFORMED, NULL},
    };
    size_t n = sizeof cases / sizeof cases[0];
    struct basic_case *p = pcopy(cases, sizeof cases);
    for (size_t i = 0; i < n; i++) {
        p[i].id = pstr(cases[i].id, -1);
        p[i].header = pstr(cases[i].header, -1);
        p[i].fields = pstr(cases[i].fields, -1);
    }
    return cr_make_param_array(struct basic_case, p, n);
}

ParameterizedTest(struct basic_case *c, basic, table)
{
    struct form *f = (struct form *)1;
    enum form_status st = form_parse_basic(c->header, &f);
    cr_assert_eq(st, c->want, "[%s] status %d, want %d", c->id, st, c->want);
    if (c->want != FORM_OK) {
        cr_assert_null(f, "[%s] no form on error", c->id);
        return;
    }
    char *got = render(f);
    cr_assert_str_eq(got, c->fields, "[%s]", c->id);
    free(got);
    form_free(f);
}

Test(basic, size_cap)
{
    /* "Basic " then base64 of "id:" and a secret of 'A's: at the cap it is
     * read, one quantum past it it is refused. */
    size_t n = FORM_MAX_VALUE;
    char *h = malloc(n + 4 + 7);
    cr_assert_not_null(h);
    memcpy(h, "Basic aWQ6", 10);
    for (size_t i = 0; i < n - 4; i += 4)
        memcpy(h + 10 + i, "QUFB", 4);
    h[6 + n] = '\0';
    struct form *f = NULL;
    cr_assert_eq(form_parse_basic(h, &f), FORM_OK);
    cr_assert_str_eq(form_get(f, "client_id"), "id");
    cr_assert_eq(strlen(form_get(f, "client_secret")), (n - 4) / 4 * 3);
    form_free(f);
    memcpy(h + 6 + n, "QUFB", 4);
    h[6 + n + 4] = '\0';
    cr_assert_eq(form_parse_basic(h, &f), FORM_TOO_BIG);
    cr_assert_null(f);
    cr_assert_eq(form_parse_basic("Basic aWQ6", NULL), FORM_MALFORMED);
    free(h);
}
