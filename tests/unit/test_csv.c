/*
 * test_csv.c - unit tests for server/reports/csv.c: RFC 4180 quoting of one
 * field (a table of cases) and whole records with their CRLF.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <string.h>

#include "core/buf.h"
#include "reports/csv.h"

struct qcase {
    char id[32];
    char in[64];
    char out[80];
    int quoted;
};

ParameterizedTestParameters(csv, field)
{
    static struct qcase cases[] = {
        {"plain", "abc", "abc", 0},
        {"empty", "", "", 0},
        {"space_inside", "New York", "New York", 0},
        {"spaces_kept", "  padded ", "  padded ", 0},
        {"comma", "a,b", "\"a,b\"", 1},
        {"dn", "CN=Ava Smith,OU=Sales,DC=acme", "\"CN=Ava Smith,OU=Sales,DC=acme\"", 1},
        {"quote", "say \"hi\"", "\"say \"\"hi\"\"\"", 1},
        {"only_quote", "\"", "\"\"\"\"", 1},
        {"lf", "two\nlines", "\"two\nlines\"", 1},
        {"cr", "a\rb", "\"a\rb\"", 1},
        {"crlf", "a\r\nb", "\"a\r\nb\"", 1},
        {"utf8", "Zoë Müller", "Zoë Müller", 0},
        {"utf8_comma", "García, José", "\"García, José\"", 1},
        {"apostrophe", "O'Brien", "O'Brien", 0},
        {"semicolon_tab", "a;b\tc", "a;b\tc", 0},
        /* Cells are data: formulas are written as they are, not defused. */
        {"formula_left_alone", "=1+2", "=1+2", 0},
        {"leading_minus", "-created", "-created", 0},
    };
    return cr_make_param_array(struct qcase, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct qcase *c, csv, field)
{
    struct buf b;
    buf_init(&b, 0);
    cr_assert_eq(csv_needs_quotes(c->in), c->quoted, "%s", c->id);
    cr_assert_eq(csv_field(&b, c->in), 0, "%s", c->id);
    cr_assert_str_eq(b.data ? b.data : "", c->out, "%s", c->id);
    buf_free(&b);
}

Test(csv, null_field_is_empty)
{
    struct buf b;
    buf_init(&b, 0);
    cr_assert_eq(csv_needs_quotes(NULL), 0);
    cr_assert_eq(csv_field(&b, NULL), 0);
    cr_assert_eq(b.len, 0);
    buf_free(&b);
}

Test(csv, record_has_commas_and_crlf)
{
    const char *fields[] = {"id", "a,b", NULL, "", "x\"y"};
    struct buf b;
    buf_init(&b, 0);
    cr_assert_eq(csv_record(&b, 5, fields), 0);
    cr_assert_str_eq(b.data, "id,\"a,b\",,,\"x\"\"y\"\r\n");
    buf_free(&b);
}

Test(csv, record_of_one_empty_field_is_not_a_blank_line)
{
    const char *fields[] = {""};
    struct buf b;
    buf_init(&b, 0);
    cr_assert_eq(csv_record(&b, 1, fields), 0);
    cr_assert_str_eq(b.data, "\"\"\r\n");
    buf_free(&b);
}

Test(csv, records_append)
{
    const char *h[] = {"Name", "City"}, *r[] = {"Ava", "London"};
    struct buf b;
    buf_init(&b, 0);
    cr_assert_eq(csv_record(&b, 2, h), 0);
    cr_assert_eq(csv_record(&b, 2, r), 0);
    cr_assert_str_eq(b.data, "Name,City\r\nAva,London\r\n");
    buf_free(&b);
}

Test(csv, cap_fails_cleanly)
{
    const char *fields[] = {"0123456789", "0123456789"};
    struct buf b;
    buf_init(&b, 12);
    cr_assert_eq(csv_record(&b, 2, fields), -1);
    cr_assert_leq(b.len, 12);
    buf_free(&b);
}
