/*
 * test_filename.c - Content-Disposition values for downloads: what a client
 * puts in ?name= must never break the header or name a path.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <string.h>

#include "api/api.h"

struct name_case {
    char name[64];
    char ext[4];
    char want[160];
};

ParameterizedTestParameters(filename, disposition)
{
    static struct name_case cases[] = {
        {"", "csv", "attachment; filename=\"Identities Details Report.csv\""},
        {"Quarterly Report", "csv", "attachment; filename=\"Quarterly Report.csv\""},
        {"already.csv", "csv", "attachment; filename=\"already.csv\""},
        {"ALREADY.CSV", "csv", "attachment; filename=\"ALREADY.CSV\""},
        {"a\"b", "csv", "attachment; filename=\"a_b.csv\""},
        {"line\r\nX-Evil: 1", "csv", "attachment; filename=\"line__X-Evil: 1.csv\""},
        {"../../etc/passwd", "csv", "attachment; filename=\"_.._etc_passwd.csv\""},
        {"..\\win", "zip", "attachment; filename=\"_win.zip\""},
        {"semi;colon", "csv", "attachment; filename=\"semi_colon.csv\""},
        {"...", "csv", "attachment; filename=\"Identities Details Report.csv\""},
        {"Caf\xc3\xa9", "csv",
         "attachment; filename=\"Caf__.csv\"; filename*=UTF-8''Caf%C3%A9.csv"},
        {"Rapport \xc3\xa9t\xc3\xa9", "pdf",
         "attachment; filename=\"Rapport __t__.pdf\"; "
         "filename*=UTF-8''Rapport%20%C3%A9t%C3%A9.pdf"},
    };
    return cr_make_param_array(struct name_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct name_case *c, filename, disposition)
{
    char out[512];
    cr_assert_eq(
        api_content_disposition(c->name, "Identities Details Report", c->ext, out, sizeof(out)), 0);
    cr_assert_str_eq(out, c->want);
    cr_assert_null(strpbrk(out, "\r\n/\\"));
}

Test(filename, long_name_is_cut_on_a_character_boundary)
{
    char name[600] = "x";
    for (int i = 0; i < 150; i++)
        strcat(name, "\xc3\xa9"); /* 300 bytes of 'é' */
    char out[1200];
    cr_assert_eq(api_content_disposition(name, "x", "csv", out, sizeof(out)), 0);
    const char *star = strstr(out, "UTF-8''");
    cr_assert_not_null(star);
    /* 200 bytes would split the 100th 'é': only 'x' and 99 whole ones stay. */
    cr_assert_eq(strlen(star + 7), 1 + 99 * 6 + 4);
}

Test(filename, null_name_uses_fallback)
{
    char out[128];
    cr_assert_eq(api_content_disposition(NULL, "Search Export", "zip", out, sizeof(out)), 0);
    cr_assert_str_eq(out, "attachment; filename=\"Search Export.zip\"");
}

/* A long non-ASCII name is written twice (ASCII fallback and percent-encoded):
 * it is cut until both fit, never refused, and out stays terminated. */
Test(filename, long_non_ascii_name_is_cut_to_fit)
{
    char name[400] = "";
    for (int i = 0; i < 100; i++)
        strcat(name, "\xc3\xa9");
    char out[512];
    memset(out, 'x', sizeof(out));
    cr_assert_eq(api_content_disposition(name, "x", "csv", out, sizeof(out)), 0);
    cr_assert_not_null(memchr(out, '\0', sizeof(out)));
    const char *star = strstr(out, "UTF-8''");
    cr_assert_not_null(star);
    cr_assert_str_eq(out + strlen(out) - 4, ".csv");
}

Test(filename, no_room_at_all_is_an_empty_string)
{
    char out[8];
    memset(out, 'x', sizeof(out));
    cr_assert_eq(api_content_disposition("name", "x", "csv", out, sizeof(out)), -1);
    cr_assert_str_eq(out, "");
}
