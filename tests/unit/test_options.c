/*
 * test_options.c - the settings table (api/options.c): defaults, flags in
 * both spellings, environment variables, which one wins, and every refusal
 * as a table of cases with stable ids.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "api/options.h"

/* The environment a case sees: "NAME=value" strings, NULL-terminated. */
static const char *const *case_env;

static const char *fake_env(const char *name)
{
    size_t n = strlen(name);
    for (const char *const *e = case_env; e && *e; e++)
        if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
            return *e + n + 1;
    return NULL;
}

static enum options_result parse(const char *const *args, const char *const *env,
                                 struct app_config *cfg, char *err, size_t errlen)
{
    char *argv[16] = {"isc-reports-mock"};
    int argc = 1;
    for (; args && args[argc - 1] && argc < 15; argc++)
        argv[argc] = (char *)args[argc - 1];
    case_env = env;
    return options_parse(argc, argv, fake_env, cfg, err, errlen);
}

Test(options, defaults)
{
    struct app_config cfg;
    char err[256] = "";
    cr_assert_eq(parse(NULL, NULL, &cfg, err, sizeof err), OPTIONS_RUN, "%s", err);
    cr_expect_str_eq(cfg.bind, "127.0.0.1");
    cr_expect_eq(cfg.port, 7100);
    cr_expect_str_eq(cfg.db, ":memory:");
    cr_expect_null(cfg.fixtures);
    cr_expect_eq(cfg.report_duration_ms, 2000);
    cr_expect_eq(cfg.clock, CLOCK_MODE_REAL);
    cr_expect_eq(cfg.token_ttl_s, 749);
    cr_expect_eq(cfg.rate_count, 100);
    cr_expect_eq(cfg.rate_window_ms, 10000);
    cr_expect_null(cfg.admin_token);
    cr_expect_eq(cfg.journal_max, 10000);
    cr_expect_eq(cfg.log_json, 0);
    cr_expect_geq(cfg.threads, 1);
    cr_expect_eq(cfg.quiet, 0);
}

Test(options, flags_in_both_spellings)
{
    struct app_config cfg;
    char err[256] = "";
    const char *args[] = {
        "--port=0", "--clock", "virtual",          "--journal-max", "5", "--log-format",
        "json",     "--quiet", "--rate-limit=3/2", "--threads",     "3", "--db=x.db",
        NULL};
    cr_assert_eq(parse(args, NULL, &cfg, err, sizeof err), OPTIONS_RUN, "%s", err);
    cr_expect_eq(cfg.port, 0);
    cr_expect_eq(cfg.clock, CLOCK_MODE_VIRTUAL);
    cr_expect_eq(cfg.journal_max, 5);
    cr_expect_eq(cfg.log_json, 1);
    cr_expect_eq(cfg.quiet, 1);
    cr_expect_eq(cfg.rate_count, 3);
    cr_expect_eq(cfg.rate_window_ms, 2000);
    cr_expect_eq(cfg.threads, 3);
    cr_expect_str_eq(cfg.db, "x.db");
}

Test(options, environment_and_flag_wins)
{
    struct app_config cfg;
    char err[256] = "";
    const char *env[] = {"ISC_MOCK_PORT=81", "ISC_MOCK_CLOCK=virtual", "ISC_MOCK_QUIET=false",
                         "ISC_MOCK_TOKEN_TTL=60", NULL};
    const char *args[] = {"--port", "82", NULL};
    cr_assert_eq(parse(args, env, &cfg, err, sizeof err), OPTIONS_RUN, "%s", err);
    cr_expect_eq(cfg.port, 82, "the flag wins");
    cr_expect_eq(cfg.clock, CLOCK_MODE_VIRTUAL);
    cr_expect_eq(cfg.quiet, 0);
    cr_expect_eq(cfg.token_ttl_s, 60);
}

/* A variable whose flag is given is not read: a bad one does not stop the start. */
Test(options, bad_variable_under_a_flag_is_ignored)
{
    struct app_config cfg;
    char err[256] = "";
    const char *env[] = {"ISC_MOCK_PORT=abc", "ISC_MOCK_CLOCK=sideways", NULL};
    const char *args[] = {"--port=9", "--clock", "virtual", NULL};
    cr_assert_eq(parse(args, env, &cfg, err, sizeof err), OPTIONS_RUN, "%s", err);
    cr_expect_eq(cfg.port, 9);
    cr_expect_eq(cfg.clock, CLOCK_MODE_VIRTUAL);
    cr_expect_eq(parse((const char *[]){"--clock", "virtual", NULL}, env, &cfg, err, sizeof err),
                 OPTIONS_BAD, "ISC_MOCK_PORT has no flag here and is bad");
    cr_expect(strstr(err, "ISC_MOCK_PORT") != NULL, "%s", err);
}

Test(options, cors_is_off_by_default_and_repeatable)
{
    struct app_config cfg;
    char err[256] = "";
    cr_assert_eq(parse(NULL, NULL, &cfg, err, sizeof err), OPTIONS_RUN, "%s", err);
    cr_expect_eq(cfg.ncors, 0);
    const char *args[] = {"--cors", "http://a.test:3000", "--cors=*", NULL};
    cr_assert_eq(parse(args, NULL, &cfg, err, sizeof err), OPTIONS_RUN, "%s", err);
    cr_assert_eq(cfg.ncors, 2);
    cr_expect_str_eq(cfg.cors[0], "http://a.test:3000");
    cr_expect_str_eq(cfg.cors[1], "*");
    const char *env[] = {"ISC_MOCK_CORS=http://a.test, https://b.test", NULL};
    cr_assert_eq(parse(NULL, env, &cfg, err, sizeof err), OPTIONS_RUN, "%s", err);
    cr_assert_eq(cfg.ncors, 1);
    cr_expect_str_eq(cfg.cors[0], "http://a.test, https://b.test");
    /* The flag wins: the variable is not read. */
    cr_assert_eq(
        parse((const char *[]){"--cors", "http://c.test", NULL}, env, &cfg, err, sizeof err),
        OPTIONS_RUN, "%s", err);
    cr_assert_eq(cfg.ncors, 1);
    cr_expect_str_eq(cfg.cors[0], "http://c.test");
}

Test(options, help_and_version_stop)
{
    struct app_config cfg;
    char err[256] = "";
    cr_expect_eq(parse((const char *[]){"--help", NULL}, NULL, &cfg, err, sizeof err),
                 OPTIONS_HELP);
    cr_expect_eq(parse((const char *[]){"-h", NULL}, NULL, &cfg, err, sizeof err), OPTIONS_HELP);
    cr_expect_eq(
        parse((const char *[]){"--port", "1", "--version", NULL}, NULL, &cfg, err, sizeof err),
        OPTIONS_VERSION);
}

static const struct {
    const char *id;
    const char *args[4];
    const char *env[2];
    const char *names; /* what the one-line reason must contain */
} bad[] = {
    {"unknown", {"--nope", NULL}, {NULL}, "--nope"},
    {"unknown_with_value", {"--nope=1", NULL}, {NULL}, "--nope"},
    {"stray", {"surplus", NULL}, {NULL}, "surplus"},
    {"missing_value", {"--port", NULL}, {NULL}, "--port"},
    {"port_range", {"--port", "65536", NULL}, {NULL}, "0-65535"},
    {"port_junk", {"--port", "80x", NULL}, {NULL}, "'80x'"},
    {"empty_bind", {"--bind=", NULL}, {NULL}, "empty address"},
    {"empty_db", {"--db", "", NULL}, {NULL}, "empty database path"},
    {"clock", {"--clock", "sideways", NULL}, {NULL}, "real|virtual"},
    {"rate", {"--rate-limit", "5", NULL}, {NULL}, "COUNT/SECONDS"},
    {"threads_zero", {"--threads", "0", NULL}, {NULL}, "1-256"},
    {"ttl_zero", {"--token-ttl", "0", NULL}, {NULL}, "lifetime"},
    {"env_port", {NULL}, {"ISC_MOCK_PORT=abc", NULL}, "ISC_MOCK_PORT"},
    {"empty_admin_token", {"--admin-token", "", NULL}, {NULL}, "empty admin token"},
    {"env_empty_admin_token", {NULL}, {"ISC_MOCK_ADMIN_TOKEN=", NULL}, "ISC_MOCK_ADMIN_TOKEN"},
    {"cors_path", {"--cors", "http://app.test/", NULL}, {NULL}, "'http://app.test/'"},
    {"cors_no_scheme", {"--cors", "app.test:3000", NULL}, {NULL}, "'app.test:3000'"},
    {"cors_empty", {"--cors=", NULL}, {NULL}, "no origin"},
    {"cors_bad_in_list",
     {"--cors", "http://a.test, http://b.test/x", NULL},
     {NULL},
     "'http://b.test/x'"},
    {"env_cors", {NULL}, {"ISC_MOCK_CORS=null", NULL}, "ISC_MOCK_CORS"},
};

Test(options, refusals)
{
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct app_config cfg;
        char err[256] = "";
        cr_expect_eq(parse(bad[i].args, bad[i].env, &cfg, err, sizeof err), OPTIONS_BAD, "%s",
                     bad[i].id);
        cr_expect(strstr(err, bad[i].names) != NULL, "%s: \"%s\" lacks \"%s\"", bad[i].id, err,
                  bad[i].names);
        cr_expect_null(strchr(err, '\n'), "%s: not one line", bad[i].id);
    }
}
