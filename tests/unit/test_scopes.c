/*
 * test_scopes.c - the authorization rules as a table of cases: operation,
 * kind of token, scopes and user level in; allowed, or 403 with a reason
 * out. The demo clients of fixtures/clients.sql come first.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <string.h>

#include "auth/scopes.h"

#define LEVELS                                                                                     \
    "ORG_ADMIN, CERT_ADMIN, REPORT_ADMIN, ROLE_ADMIN, ROLE_SUBADMIN, SOURCE_ADMIN, "               \
    "SOURCE_SUBADMIN"

struct scope_case {
    char id[48];
    char operation[24];
    int user; /* 1: user-context token */
    char scopes[96];
    char level[24];
    int allowed;
    char reason[192]; /* a substring of the 403 text; "" when allowed */
};

#define ADMIN 1, "sp:scopes:all", "ORG_ADMIN"
#define APP 0, "sp:report:read sp:report:manage", ""
#define READER 1, "sp:report:read", "HELPDESK"

ParameterizedTestParameters(scopes, table)
{
    static struct scope_case cases[] = {
        /* demo-admin: user token, ORG_ADMIN, sp:scopes:all: everything. */
        {"admin-start", "startReport", ADMIN, 1, ""},
        {"admin-result", "getReportResult", ADMIN, 1, ""},
        {"admin-get", "getReport", ADMIN, 1, ""},
        {"admin-cancel", "cancelReport", ADMIN, 1, ""},
        /* demo-app: client credentials, read and manage: everything but cancel. */
        {"app-start", "startReport", APP, 1, ""},
        {"app-result", "getReportResult", APP, 1, ""},
        {"app-get", "getReport", APP, 1, ""},
        {"app-cancel", "cancelReport", APP, 0,
         "cancelReport accepts only user (personal access) tokens"},
        /* demo-reader: user token, HELPDESK, read only: result and download. */
        {"reader-start", "startReport", READER, 0, "startReport needs scope sp:report:manage"},
        {"reader-result", "getReportResult", READER, 1, ""},
        {"reader-get", "getReport", READER, 1, ""},
        {"reader-cancel", "cancelReport", READER, 0, "cancelReport needs scope sp:report:manage"},

        /* startReport: every listed user level with the manage scope. */
        {"level-org-admin", "startReport", 1, "sp:report:manage", "ORG_ADMIN", 1, ""},
        {"level-cert-admin", "startReport", 1, "sp:report:manage", "CERT_ADMIN", 1, ""},
        {"level-report-admin", "startReport", 1, "sp:report:manage", "REPORT_ADMIN", 1, ""},
        {"level-role-admin", "startReport", 1, "sp:report:manage", "ROLE_ADMIN", 1, ""},
        {"level-role-subadmin", "startReport", 1, "sp:report:manage", "ROLE_SUBADMIN", 1, ""},
        {"level-source-admin", "startReport", 1, "sp:report:manage", "SOURCE_ADMIN", 1, ""},
        {"level-source-subadmin", "startReport", 1, "sp:report:manage", "SOURCE_SUBADMIN", 1, ""},
        /* ... and levels it does not list. */
        {"level-helpdesk", "startReport", 1, "sp:report:manage", "HELPDESK", 0,
         "startReport needs one of the user levels " LEVELS "; this token's user level is "
         "HELPDESK"},
        {"level-user", "startReport", 1, "sp:report:manage", "USER", 0, "user levels " LEVELS},
        {"level-none", "startReport", 1, "sp:report:manage", "", 0, "user level is (none)"},
        {"level-lowercase", "startReport", 1, "sp:report:manage", "org_admin", 0, "user levels"},
        {"level-prefix", "startReport", 1, "sp:report:manage", "ORG_ADMINX", 0, "user levels"},
        /* sp:scopes:all does not stand in for a user level (the decision in scopes.c). */
        {"all-helpdesk-start", "startReport", 1, "sp:scopes:all", "HELPDESK", 0,
         "startReport needs one of the user levels"},
        /* The scope is checked before the level: the first thing missing is named. */
        {"read-helpdesk-start", "startReport", 1, "sp:report:read", "HELPDESK", 0,
         "needs scope sp:report:manage"},
        /* Only startReport lists levels: other operations take any user level. */
        {"helpdesk-all-cancel", "cancelReport", 1, "sp:scopes:all", "HELPDESK", 1, ""},
        {"helpdesk-manage-cancel", "cancelReport", 1, "sp:report:manage", "HELPDESK", 1, ""},
        {"helpdesk-manage-get", "getReport", 1, "sp:report:manage", "HELPDESK", 1, ""},
        {"none-level-result", "getReportResult", 1, "sp:report:read", "", 1, ""},

        /* Client-credentials tokens: no user level rule, never cancel. */
        {"client-all-start", "startReport", 0, "sp:scopes:all", "", 1, ""},
        {"client-all-cancel", "cancelReport", 0, "sp:scopes:all", "", 0,
         "cancelReport accepts only user (personal access) tokens"},
        {"client-none-cancel", "cancelReport", 0, "", "", 0,
         "accepts only user (personal access) tokens"},
        {"client-manage-start", "startReport", 0, "sp:report:manage", "", 1, ""},
        {"client-manage-get", "getReport", 0, "sp:report:manage", "", 1, ""},
        {"client-manage-result", "getReportResult", 0, "sp:report:manage", "", 1, ""},
        {"client-read-start", "startReport", 0, "sp:report:read", "", 0,
         "startReport needs scope sp:report:manage"},
        {"client-read-get", "getReport", 0, "sp:report:read", "", 1, ""},
        {"client-none-get", "getReport", 0, "", "", 0,
         "getReport needs scope sp:report:read or sp:report:manage"},
        {"client-none-result", "getReportResult", 0, "", "", 0,
         "getReportResult needs scope sp:report:read or sp:report:manage"},
        {"client-default-get", "getReport", 0, "sp:scopes:default", "", 0, "needs scope"},

        /* Scopes are whole words, case-sensitive; blanks of any kind separate them. */
        {"scope-suffix", "getReport", 0, "sp:report:readx", "", 0, "needs scope"},
        {"scope-prefix", "getReport", 0, "xsp:report:read", "", 0, "needs scope"},
        {"scope-partial", "getReport", 0, "sp:report", "", 0, "needs scope"},
        {"scope-longer", "startReport", 0, "sp:report:manage:all", "", 0, "needs scope"},
        {"scope-upper", "getReport", 0, "SP:REPORT:READ", "", 0, "needs scope"},
        {"scope-all-suffix", "getReport", 0, "sp:scopes:allx", "", 0, "needs scope"},
        {"scope-among-others", "startReport", 0, "sp:a sp:report:manage sp:b", "", 1, ""},
        {"scope-blanks", "startReport", 0, "  sp:report:read\tsp:report:manage  ", "", 1, ""},
        {"scope-all-last", "cancelReport", 1, "sp:x sp:scopes:all", "HELPDESK", 1, ""},

        /* Operations the table does not list are not restricted here. */
        {"token-endpoint", "createOauthToken", 0, "", "", 1, ""},
        {"control-api", "mock.health", 0, "", "", 1, ""},
        {"empty-operation", "", 0, "", "", 1, ""},
    };
    return cr_make_param_array(struct scope_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct scope_case *c, scopes, table)
{
    struct auth_principal p;
    char why[512] = "unchanged";

    memset(&p, 0, sizeof p);
    strcpy(p.client_id, c->id);
    p.user_context = c->user;
    strcpy(p.scopes, c->scopes);
    strcpy(p.user_level, c->level);
    enum err e = scope_check(&p, c->operation, why, sizeof why);
    if (c->allowed) {
        cr_assert_eq(e, ERR_OK, "[%s] refused: %s", c->id, why);
        cr_assert_str_empty(why, "[%s] why is cleared when allowed", c->id);
    } else {
        cr_assert_eq(e, ERR_FORBIDDEN, "[%s] allowed", c->id);
        cr_assert_not_null(strstr(why, c->reason), "[%s] why: %s", c->id, why);
    }
}

Test(scopes, null_arguments)
{
    struct auth_principal p;
    char why[128] = "unchanged";

    memset(&p, 0, sizeof p);
    strcpy(p.scopes, "sp:scopes:all");
    strcpy(p.user_level, "ORG_ADMIN");
    p.user_context = 1;
    /* No principal on a listed operation: refused, never allowed by accident. */
    cr_assert_eq(scope_check(NULL, "getReport", why, sizeof why), ERR_FORBIDDEN);
    cr_assert_str_eq(why, "getReport needs an authenticated caller");
    /* No operation: nothing to restrict. */
    cr_assert_eq(scope_check(&p, NULL, why, sizeof why), ERR_OK);
    cr_assert_eq(scope_check(NULL, NULL, why, sizeof why), ERR_OK);
    /* why may be NULL or empty. */
    cr_assert_eq(scope_check(&p, "startReport", NULL, 0), ERR_OK);
    p.user_context = 0;
    cr_assert_eq(scope_check(&p, "cancelReport", NULL, 0), ERR_FORBIDDEN);
    strcpy(why, "unchanged");
    cr_assert_eq(scope_check(&p, "cancelReport", why, 0), ERR_FORBIDDEN);
    cr_assert_str_eq(why, "unchanged", "whylen 0 leaves why alone");
}

Test(scopes, why_is_truncated_and_terminated)
{
    struct auth_principal p;
    char why[12];

    memset(&p, 0, sizeof p);
    p.user_context = 1;
    strcpy(p.scopes, "sp:report:manage");
    strcpy(p.user_level, "HELPDESK");
    memset(why, 'x', sizeof why);
    cr_assert_eq(scope_check(&p, "startReport", why, sizeof why), ERR_FORBIDDEN);
    cr_assert_str_eq(why, "startReport");
}

Test(scopes, longest_user_level_fits)
{
    struct auth_principal p;
    char why[512];

    memset(&p, 0, sizeof p);
    p.user_context = 1;
    strcpy(p.scopes, "sp:report:manage");
    memset(p.user_level, 'L', sizeof p.user_level - 1);
    cr_assert_eq(scope_check(&p, "startReport", why, sizeof why), ERR_FORBIDDEN);
    cr_assert_not_null(strstr(why, "SOURCE_SUBADMIN; this token's user level is LLLL"), "%s", why);
    cr_assert_eq(why[strlen(why) - 1], 'L', "the whole level is named: %s", why);
}
