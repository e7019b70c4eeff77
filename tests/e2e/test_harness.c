/*
 * test_harness.c - the e2e harness' own pure helpers (CSV record counting,
 * timestamp and id shapes), as tables of cases: the other e2e tests rely on
 * them to judge the server, so they are checked first.
 */
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "harness.h"

struct csv_case {
    const char *id;
    const char *text;
    long records; /* -1: malformed */
    int fields;
    long ragged;
};

static const struct csv_case csv_cases[] = {
    {"empty", "", 0, 0, 0},
    {"header_only_lf", "a,b,c\n", 1, 3, 0},
    {"header_only_no_eol", "a,b,c", 1, 3, 0},
    {"two_rows_crlf", "a,b\r\n1,2\r\n3,4\r\n", 3, 2, 0},
    {"quoted_comma", "a,b\n\"x,y\",2\n", 2, 2, 0},
    {"quoted_lf", "a,b\n\"line1\nline2\",2\n", 2, 2, 0},
    {"quoted_crlf", "a,b\r\n\"line1\r\nline2\",2\r\n", 2, 2, 0},
    {"doubled_quote", "a\n\"say \"\"hi\"\"\"\n", 2, 1, 0},
    {"empty_fields", "a,b,c\n,,\n", 2, 3, 0},
    {"empty_quoted_last", "a,b\n1,\"\"", 2, 2, 0},
    {"ragged_row", "a,b\n1\n1,2,3\n", 3, 2, 2},
    {"unterminated_quote", "a\n\"open\n", -1, 0, 0},
    {"quote_in_unquoted", "a\nab\"c\n", -1, 0, 0},
    {"text_after_quote", "a\n\"x\"y\n", -1, 0, 0},
    {"utf8", "name\nRénée 张\n", 2, 1, 0},
};

E2E_TABLE_PARAMS(harness, csv, csv_cases)

ParameterizedTest(size_t *i, harness, csv)
{
    const struct csv_case *c = &csv_cases[*i];
    int fields = -7;
    long ragged = -7;
    long n = csv_records(c->text, strlen(c->text), &fields, &ragged);
    cr_assert_eq(n, c->records, "%s: records %ld, want %ld", c->id, n, c->records);
    if (c->records >= 0) {
        cr_assert_eq(fields, c->fields, "%s: fields %d, want %d", c->id, fields, c->fields);
        cr_assert_eq(ragged, c->ragged, "%s: ragged %ld, want %ld", c->id, ragged, c->ragged);
    }
}

struct shape_case {
    const char *text;
    int ok;
};

static const struct shape_case rfc3339_cases[] = {
    {"2026-01-02T03:04:05.678Z", 1},
    {"2026-12-31T23:59:59.999Z", 1},
    {"2026-01-02T03:04:05Z", 0},          /* no milliseconds */
    {"2026-01-02T03:04:05.678+00:00", 0}, /* not Z */
    {"2023-09-07T42:14:00.364Z", 0},      /* the contract's hour 42 */
    {"2026-13-02T03:04:05.678Z", 0},
    {"2026-01-02 03:04:05.678Z", 0},
    {"", 0},
};

E2E_TABLE_PARAMS(harness, rfc3339, rfc3339_cases)

ParameterizedTest(size_t *i, harness, rfc3339)
{
    const struct shape_case *c = &rfc3339_cases[*i];
    cr_assert_eq(is_rfc3339_ms(c->text), c->ok, "\"%s\"", c->text);
}

static const struct shape_case hex32_cases[] = {
    {"0123456789abcdef0123456789abcdef", 1}, {"0123456789ABCDEF0123456789abcdef", 0},
    {"0123456789abcdef0123456789abcde", 0},  {"0123456789abcdef0123456789abcdef0", 0},
    {"0123456789abcdeg0123456789abcdef", 0},
};

E2E_TABLE_PARAMS(harness, hex32, hex32_cases)

ParameterizedTest(size_t *i, harness, hex32)
{
    const struct shape_case *c = &hex32_cases[*i];
    cr_assert_eq(is_hex32(c->text), c->ok, "\"%s\"", c->text);
}

Test(harness, count_lines)
{
    cr_assert_eq(count_lines(""), 0);
    cr_assert_eq(count_lines("one\n"), 1);
    cr_assert_eq(count_lines("one"), 1);
    cr_assert_eq(count_lines("one\ntwo"), 2);
    cr_assert_eq(count_lines("one\ntwo\n"), 2);
}
