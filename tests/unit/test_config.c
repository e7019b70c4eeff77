/*
 * test_config.c - finding the line of a config file's member or element
 * (api/config.c config_line), which every refusal of a config file names:
 * nested members, array elements on their own lines or not, keys that look
 * like paths, strings with escaped quotes, and members that are absent.
 */
#include <criterion/criterion.h>

#include "api/config.h"

static const char text[] = "{\n"
                           "  \"port\": 0,\n"
                           "  \"cors\": [\"http://a\",\n"
                           "           \"http://b\"],\n"
                           "  \"faults\": [\n"
                           "    {\"operation\": \"x\\\"y\", \"status\": 503},\n"
                           "    {\n"
                           "      \"operation\": \"nope\"\n"
                           "    }\n"
                           "  ],\n"
                           "  \"reports\": {\"ACCOUNTS\": {\"polls\": [1,\n"
                           "  2]}},\n"
                           "  \"a.b\": 1\n"
                           "}\n";

static const struct {
    const char *path;
    int line;
} cases[] = {
    {"port", 2},
    {"cors", 3},
    {"cors[0]", 3},
    {"cors[1]", 4},
    {"faults", 5},
    {"faults[0]", 6},
    {"faults[0].status", 6},
    {"faults[1]", 7},
    {"faults[1].operation", 8},
    {"reports.ACCOUNTS", 11},
    {"reports.ACCOUNTS.polls[1]", 12},
    {"a.b", 13},
    {"faults[2]", 0},
    {"operation", 0},
    {"nope", 0},
};

Test(config, line_of_a_member)
{
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        cr_expect_eq(config_line(text, cases[i].path), cases[i].line, "%s: got %d, want %d",
                     cases[i].path, config_line(text, cases[i].path), cases[i].line);
}

Test(config, line_of_a_cut_file)
{
    cr_expect_eq(config_line("{\n \"a\": [\n  1,\n", "a[1]"), 0);
    cr_expect_eq(config_line("{\n \"a\": \"unterminated", "a"), 2);
    cr_expect_eq(config_line("", "a"), 0);
}
