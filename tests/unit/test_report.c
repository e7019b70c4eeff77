/*
 * test_report.c - unit tests for server/reports/report.c and validate.c: the
 * report definition table and startReport body validation, as a table of cases with stable
 * ids (every type valid and invalid, wrong types, enums, missing required
 * fields, non-object bodies, bad JSON), plus the canonical form.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reports/validate.h"

struct vcase {
    char id[48];
    char body[400];
    size_t len;      /* 0: strlen(body) */
    int ok;          /* 1: valid */
    char type[40];   /* valid: the type found */
    char canon[240]; /* valid: the canonical arguments */
    char formats[8]; /* valid: the formats */
    char why[120];   /* invalid: a substring of the message */
};

/* clang-format off */
#define OK(id, body, type, canon, formats) {id, body, 0, 1, type, canon, formats, ""}
#define BAD(id, body, why) {id, body, 0, 0, "", "", "", why}
/* clang-format on */

#define AD "2c9180897e7742b2017e781782f705b9"
#define WD "2c9180847de347aa017de8ef09167792"

ParameterizedTestParameters(validate, table)
{
    static struct vcase cases[] = {
        /* ---- valid, every type ---- */
        OK("accounts_ok",
           "{\"reportType\":\"ACCOUNTS\",\"arguments\":{\"application\":\"" AD
           "\",\"sourceName\":\"Active Directory\"}}",
           "ACCOUNTS", "{\"application\":\"" AD "\",\"sourceName\":\"Active Directory\"}",
           "CSV,PDF"),
        OK("accounts_selected_formats_ignored",
           "{\"reportType\":\"ACCOUNTS\",\"arguments\":{\"sourceName\":\"AD\",\"application\":"
           "\"x\",\"selectedFormats\":[\"CSV\"]}}",
           "ACCOUNTS",
           "{\"application\":\"x\",\"selectedFormats\":[\"CSV\"],\"sourceName\":\"AD\"}",
           "CSV,PDF"),
        OK("details_true",
           "{\"reportType\":\"IDENTITIES_DETAILS\",\"arguments\":{\"correlatedOnly\":true}}",
           "IDENTITIES_DETAILS", "{\"correlatedOnly\":true}", "CSV,PDF"),
        OK("details_false",
           "{\"arguments\":{\"correlatedOnly\":false},\"reportType\":\"IDENTITIES_DETAILS\"}",
           "IDENTITIES_DETAILS", "{\"correlatedOnly\":false}", "CSV,PDF"),
        OK("identities_no_args", "{\"reportType\":\"IDENTITIES\"}", "IDENTITIES", "{}", "CSV,PDF"),
        OK("identities_empty_args", "{\"reportType\":\"IDENTITIES\",\"arguments\":{}}",
           "IDENTITIES", "{}", "CSV,PDF"),
        OK("identities_flag",
           "{\"reportType\":\"IDENTITIES\",\"arguments\":{\"correlatedOnly\":true}}", "IDENTITIES",
           "{\"correlatedOnly\":true}", "CSV,PDF"),
        OK("error_report_ok",
           "{\"reportType\":\"IDENTITY_PROFILE_IDENTITY_ERROR\",\"arguments\":{"
           "\"authoritativeSource\":\"" WD "\"}}",
           "IDENTITY_PROFILE_IDENTITY_ERROR", "{\"authoritativeSource\":\"" WD "\"}", "CSV,PDF"),
        OK("orphans_both",
           "{\"reportType\":\"ORPHAN_IDENTITIES\",\"arguments\":{\"selectedFormats\":[\"CSV\","
           "\"PDF\"]}}",
           "ORPHAN_IDENTITIES", "{\"selectedFormats\":[\"CSV\",\"PDF\"]}", "CSV,PDF"),
        OK("orphans_csv",
           "{\"reportType\":\"ORPHAN_IDENTITIES\",\"arguments\":{\"selectedFormats\":[\"CSV\"]}}",
           "ORPHAN_IDENTITIES", "{\"selectedFormats\":[\"CSV\"]}", "CSV"),
        OK("orphans_pdf_twice",
           "{\"reportType\":\"ORPHAN_IDENTITIES\",\"arguments\":{\"selectedFormats\":[\"PDF\","
           "\"PDF\"]}}",
           "ORPHAN_IDENTITIES", "{\"selectedFormats\":[\"PDF\",\"PDF\"]}", "PDF"),
        OK("orphans_no_args", "{\"reportType\":\"ORPHAN_IDENTITIES\"}", "ORPHAN_IDENTITIES", "{}",
           "CSV,PDF"),
        OK("search_contract_example",
           "{\"reportType\":\"SEARCH_EXPORT\",\"arguments\":{\"indices\":[\"identities\"],"
           "\"query\":"
           "\"attributes.city:London\",\"columns\":\"displayName,email\",\"sort\":[\"+"
           "displayName\"]}}",
           "SEARCH_EXPORT",
           "{\"columns\":\"displayName,email\",\"indices\":[\"identities\"],\"query\":"
           "\"attributes.city:London\",\"sort\":[\"+displayName\"]}",
           "CSV,PDF"),
        OK("search_minimal", "{\"reportType\":\"SEARCH_EXPORT\",\"arguments\":{\"query\":\"*\"}}",
           "SEARCH_EXPORT", "{\"query\":\"*\"}", "CSV,PDF"),
        OK("search_all_indices",
           "{\"reportType\":\"SEARCH_EXPORT\",\"arguments\":{\"query\":\"*\",\"indices\":[\"*\","
           "\"roles\"]}}",
           "SEARCH_EXPORT", "{\"indices\":[\"*\",\"roles\"],\"query\":\"*\"}", "CSV,PDF"),
        OK("search_empty_lists",
           "{\"reportType\":\"SEARCH_EXPORT\",\"arguments\":{\"query\":\"a\",\"indices\":[],"
           "\"sort\":[],\"columns\":\"\"}}",
           "SEARCH_EXPORT", "{\"columns\":\"\",\"indices\":[],\"query\":\"a\",\"sort\":[]}",
           "CSV,PDF"),
        OK("uncorrelated_csv",
           "{\"reportType\":\"UNCORRELATED_ACCOUNTS\",\"arguments\":{\"selectedFormats\":[\"CSV\"]}"
           "}",
           "UNCORRELATED_ACCOUNTS", "{\"selectedFormats\":[\"CSV\"]}", "CSV"),
        OK("uncorrelated_no_args", "{\"reportType\":\"UNCORRELATED_ACCOUNTS\"}",
           "UNCORRELATED_ACCOUNTS", "{}", "CSV,PDF"),
        OK("nested_keys_sorted",
           "{\"reportType\":\"IDENTITIES\",\"arguments\":{\"z\":{\"b\":1,\"a\":[{\"y\":2,\"x\":"
           "null}]},\"correlatedOnly\":true}}",
           "IDENTITIES", "{\"correlatedOnly\":true,\"z\":{\"a\":[{\"x\":null,\"y\":2}],\"b\":1}}",
           "CSV,PDF"),
        OK("whitespace_around", " \r\n\t{ \"reportType\" : \"IDENTITIES\" } \n", "IDENTITIES", "{}",
           "CSV,PDF"),
        OK("unknown_top_level_key", "{\"reportType\":\"IDENTITIES\",\"x\":[1,2]}", "IDENTITIES",
           "{}", "CSV,PDF"),
        /* ---- not a usable body ---- */
        BAD("empty_body", "", "not valid JSON"),
        BAD("truncated_json", "{\"reportType\":", "not valid JSON"),
        BAD("trailing_garbage", "{\"reportType\":\"IDENTITIES\"} x", "not valid JSON"),
        BAD("two_values", "{\"reportType\":\"IDENTITIES\"}{}", "not valid JSON"),
        BAD("single_quotes", "{'reportType':'IDENTITIES'}", "not valid JSON"),
        BAD("nul_escape_in_argument",
            "{\"reportType\":\"ACCOUNTS\",\"arguments\":{\"application\":\"x\",\"sourceName\":"
            "\"A\\u0000D\"}}",
            "field 'sourceName' holds a NUL character"),
        BAD("number_beyond_double",
            "{\"reportType\":\"IDENTITIES\",\"arguments\":{\"correlatedOnly\":1e400}}",
            "number out of range"),
        BAD("array_body", "[{\"reportType\":\"IDENTITIES\"}]", "must be a JSON object"),
        BAD("string_body", "\"IDENTITIES\"", "must be a JSON object"),
        BAD("null_body", "null", "must be a JSON object"),
        BAD("number_body", "42", "must be a JSON object"),
        BAD("duplicate_top_key", "{\"reportType\":\"IDENTITIES\",\"reportType\":\"ACCOUNTS\"}",
            "\"reportType\" appears more than once"),
        BAD("duplicate_arg_key",
            "{\"reportType\":\"IDENTITIES\",\"arguments\":{\"correlatedOnly\":true,"
            "\"correlatedOnly\":false}}",
            "\"correlatedOnly\" appears more than once"),
        /* ---- reportType ---- */
        BAD("type_missing", "{}", "reportType is required"),
        BAD("type_missing_with_args", "{\"arguments\":{}}", "reportType is required"),
        BAD("type_wrong_case_key", "{\"reporttype\":\"IDENTITIES\"}", "reportType is required"),
        BAD("type_number", "{\"reportType\":5}", "reportType must be a string"),
        BAD("type_null", "{\"reportType\":null}", "reportType must be a string"),
        BAD("type_unknown", "{\"reportType\":\"USERS\"}", "reportType must be one of ACCOUNTS"),
        BAD("type_lowercase", "{\"reportType\":\"accounts\"}", "reportType must be one of"),
        BAD("type_empty", "{\"reportType\":\"\"}", "reportType must be one of"),
        /* ---- arguments ---- */
        BAD("args_array", "{\"reportType\":\"IDENTITIES\",\"arguments\":[]}",
            "arguments must be an object"),
        BAD("args_null", "{\"reportType\":\"IDENTITIES\",\"arguments\":null}",
            "arguments must be an object"),
        BAD("args_string", "{\"reportType\":\"IDENTITIES\",\"arguments\":\"{}\"}",
            "arguments must be an object"),
        BAD("accounts_no_args", "{\"reportType\":\"ACCOUNTS\"}",
            "arguments.application is required"),
        BAD("accounts_no_application",
            "{\"reportType\":\"ACCOUNTS\",\"arguments\":{\"sourceName\":\"AD\"}}",
            "arguments.application is required"),
        BAD("accounts_no_source_name",
            "{\"reportType\":\"ACCOUNTS\",\"arguments\":{\"application\":\"" AD "\"}}",
            "arguments.sourceName is required"),
        BAD("accounts_application_number",
            "{\"reportType\":\"ACCOUNTS\",\"arguments\":{\"application\":7,\"sourceName\":\"AD\"}}",
            "arguments.application must be a string"),
        BAD("accounts_application_empty",
            "{\"reportType\":\"ACCOUNTS\",\"arguments\":{\"application\":\"\",\"sourceName\":"
            "\"AD\"}}",
            "arguments.application must not be empty"),
        BAD("accounts_source_name_bool",
            "{\"reportType\":\"ACCOUNTS\",\"arguments\":{\"application\":\"x\",\"sourceName\":true}"
            "}",
            "arguments.sourceName must be a string"),
        BAD("details_no_args", "{\"reportType\":\"IDENTITIES_DETAILS\"}",
            "arguments.correlatedOnly is required"),
        BAD("details_empty_args", "{\"reportType\":\"IDENTITIES_DETAILS\",\"arguments\":{}}",
            "arguments.correlatedOnly is required"),
        BAD("details_flag_string",
            "{\"reportType\":\"IDENTITIES_DETAILS\",\"arguments\":{\"correlatedOnly\":\"true\"}}",
            "arguments.correlatedOnly must be a boolean"),
        BAD("details_flag_number",
            "{\"reportType\":\"IDENTITIES_DETAILS\",\"arguments\":{\"correlatedOnly\":1}}",
            "arguments.correlatedOnly must be a boolean"),
        BAD("identities_flag_null",
            "{\"reportType\":\"IDENTITIES\",\"arguments\":{\"correlatedOnly\":null}}",
            "arguments.correlatedOnly must be a boolean"),
        BAD("error_report_no_args", "{\"reportType\":\"IDENTITY_PROFILE_IDENTITY_ERROR\"}",
            "arguments.authoritativeSource is required"),
        BAD("error_report_empty",
            "{\"reportType\":\"IDENTITY_PROFILE_IDENTITY_ERROR\",\"arguments\":{"
            "\"authoritativeSource\":\"\"}}",
            "arguments.authoritativeSource must not be empty"),
        BAD("error_report_array",
            "{\"reportType\":\"IDENTITY_PROFILE_IDENTITY_ERROR\",\"arguments\":{"
            "\"authoritativeSource\":[\"x\"]}}",
            "arguments.authoritativeSource must be a string"),
        BAD("orphans_formats_string",
            "{\"reportType\":\"ORPHAN_IDENTITIES\",\"arguments\":{\"selectedFormats\":\"CSV\"}}",
            "arguments.selectedFormats must be an array"),
        BAD("orphans_formats_empty",
            "{\"reportType\":\"ORPHAN_IDENTITIES\",\"arguments\":{\"selectedFormats\":[]}}",
            "arguments.selectedFormats must hold at least one of CSV, PDF"),
        BAD("orphans_formats_unknown",
            "{\"reportType\":\"ORPHAN_IDENTITIES\",\"arguments\":{\"selectedFormats\":[\"XLSX\"]}}",
            "arguments.selectedFormats[0] must be one of CSV, PDF"),
        BAD("orphans_formats_lowercase",
            "{\"reportType\":\"ORPHAN_IDENTITIES\",\"arguments\":{\"selectedFormats\":[\"csv\"]}}",
            "arguments.selectedFormats[0] must be one of CSV, PDF"),
        BAD("orphans_formats_second_number",
            "{\"reportType\":\"ORPHAN_IDENTITIES\",\"arguments\":{\"selectedFormats\":[\"CSV\",3]}"
            "}",
            "arguments.selectedFormats[1] must be one of CSV, PDF"),
        BAD("uncorrelated_formats_object",
            "{\"reportType\":\"UNCORRELATED_ACCOUNTS\",\"arguments\":{\"selectedFormats\":{}}}",
            "arguments.selectedFormats must be an array"),
        BAD("uncorrelated_formats_null_item",
            "{\"reportType\":\"UNCORRELATED_ACCOUNTS\",\"arguments\":{\"selectedFormats\":[null]}}",
            "arguments.selectedFormats[0] must be one of CSV, PDF"),
        BAD("search_no_args", "{\"reportType\":\"SEARCH_EXPORT\"}", "arguments.query is required"),
        BAD("search_no_query",
            "{\"reportType\":\"SEARCH_EXPORT\",\"arguments\":{\"indices\":[\"roles\"]}}",
            "arguments.query is required"),
        BAD("search_query_number", "{\"reportType\":\"SEARCH_EXPORT\",\"arguments\":{\"query\":1}}",
            "arguments.query must be a string"),
        BAD("search_query_empty",
            "{\"reportType\":\"SEARCH_EXPORT\",\"arguments\":{\"query\":\"\"}}",
            "arguments.query must not be empty"),
        BAD("search_indices_string",
            "{\"reportType\":\"SEARCH_EXPORT\",\"arguments\":{\"query\":\"*\",\"indices\":"
            "\"roles\"}}",
            "arguments.indices must be an array"),
        BAD("search_indices_unknown",
            "{\"reportType\":\"SEARCH_EXPORT\",\"arguments\":{\"query\":\"*\",\"indices\":["
            "\"roles\",\"users\"]}}",
            "arguments.indices[1] must be one of accessprofiles"),
        BAD("search_indices_uppercase",
            "{\"reportType\":\"SEARCH_EXPORT\",\"arguments\":{\"query\":\"*\",\"indices\":["
            "\"ROLES\"]}}",
            "arguments.indices[0] must be one of"),
        BAD("search_columns_array",
            "{\"reportType\":\"SEARCH_EXPORT\",\"arguments\":{\"query\":\"*\",\"columns\":["
            "\"name\"]}}",
            "arguments.columns must be a string"),
        BAD("search_sort_string",
            "{\"reportType\":\"SEARCH_EXPORT\",\"arguments\":{\"query\":\"*\",\"sort\":\"name\"}}",
            "arguments.sort must be an array"),
        BAD("search_sort_number",
            "{\"reportType\":\"SEARCH_EXPORT\",\"arguments\":{\"query\":\"*\",\"sort\":[\"name\",2]"
            "}}",
            "arguments.sort[1] must be a string"),
        BAD("search_sort_empty_item",
            "{\"reportType\":\"SEARCH_EXPORT\",\"arguments\":{\"query\":\"*\",\"sort\":[\"\"]}}",
            "arguments.sort[0] must name a field"),
        BAD("search_sort_sign_only",
            "{\"reportType\":\"SEARCH_EXPORT\",\"arguments\":{\"query\":\"*\",\"sort\":[\"-\"]}}",
            "arguments.sort[0] must name a field"),
    };
    return cr_make_param_array(struct vcase, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct vcase *c, validate, table)
{
    const struct report_type *t = NULL;
    char *canon = NULL, formats[8] = "", why[256] = "";
    size_t len = c->len ? c->len : strlen(c->body);
    /* The body is not NUL-terminated in real use: copy it into an exact-size buffer. */
    char *body = malloc(len ? len : 1);
    cr_assert_not_null(body);
    memcpy(body, c->body, len);
    enum err e = report_validate(body, len, &t, &canon, formats, sizeof(formats), why, sizeof(why));
    free(body);
    if (c->ok) {
        cr_assert_eq(e, ERR_OK, "%s: %s", c->id, why);
        cr_assert_not_null(t, "%s", c->id);
        cr_assert_str_eq(t->name, c->type, "%s", c->id);
        cr_assert_str_eq(canon, c->canon, "%s", c->id);
        cr_assert_str_eq(formats, c->formats, "%s", c->id);
    } else {
        cr_assert_eq(e, ERR_BAD_REQUEST, "%s: expected 400", c->id);
        cr_assert_null(t, "%s: type touched", c->id);
        cr_assert_null(canon, "%s: canonical args touched", c->id);
        cr_assert_str_empty(formats, "%s: formats touched", c->id);
        cr_assert(strstr(why, c->why) != NULL, "%s: message \"%s\" lacks \"%s\"", c->id, why,
                  c->why);
    }
    free(canon);
}

/* Reordered keys and other spacing give the same canonical arguments. */
Test(validate, canonical_form_ignores_order_and_spacing)
{
    static const char *a =
        "{\"reportType\":\"SEARCH_EXPORT\",\"arguments\":{\"sort\":[\"-created\"],"
        "\"query\":\"name:a*\",\"indices\":[\"roles\",\"events\"],"
        "\"x\":{\"b\":true,\"a\":1.5}}}";
    static const char *b = "{ \"arguments\" : { \"x\" : { \"a\" : 1.5 , \"b\" : true } ,\n"
                           "  \"indices\" : [ \"roles\" , \"events\" ], \"query\": \"name:a*\",\n"
                           "  \"sort\": [\"-created\"] }, \"reportType\": \"SEARCH_EXPORT\" }";
    const struct report_type *ta = NULL, *tb = NULL;
    char *ca = NULL, *cb = NULL, fa[8], fb[8], why[200];
    cr_assert_eq(report_validate(a, strlen(a), &ta, &ca, fa, sizeof(fa), why, sizeof(why)), ERR_OK,
                 "%s", why);
    cr_assert_eq(report_validate(b, strlen(b), &tb, &cb, fb, sizeof(fb), why, sizeof(why)), ERR_OK,
                 "%s", why);
    cr_assert_eq(ta, tb);
    cr_assert_str_eq(ca, cb);
    cr_assert_str_eq(ca, "{\"indices\":[\"roles\",\"events\"],\"query\":\"name:a*\","
                         "\"sort\":[\"-created\"],\"x\":{\"a\":1.5,\"b\":true}}");
    free(ca);
    free(cb);
}

/* Array order is meaningful and kept. */
Test(validate, canonical_form_keeps_array_order)
{
    static const char *a = "{\"reportType\":\"SEARCH_EXPORT\",\"arguments\":{\"query\":\"*\","
                           "\"sort\":[\"name\",\"-id\"]}}";
    static const char *b = "{\"reportType\":\"SEARCH_EXPORT\",\"arguments\":{\"query\":\"*\","
                           "\"sort\":[\"-id\",\"name\"]}}";
    const struct report_type *t;
    char *ca = NULL, *cb = NULL, f[8], why[200];
    cr_assert_eq(report_validate(a, strlen(a), &t, &ca, f, sizeof(f), why, sizeof(why)), ERR_OK);
    cr_assert_eq(report_validate(b, strlen(b), &t, &cb, f, sizeof(f), why, sizeof(why)), ERR_OK);
    cr_assert_str_neq(ca, cb);
    free(ca);
    free(cb);
}

Test(validate, body_with_nul_byte_is_not_json)
{
    static const char body[] = "{\"reportType\":\"IDENTITIES\"}\0{}";
    const struct report_type *t = NULL;
    char *canon = NULL, f[8] = "", why[200] = "";
    cr_assert_eq(
        report_validate(body, sizeof(body) - 1, &t, &canon, f, sizeof(f), why, sizeof(why)),
        ERR_BAD_REQUEST);
    cr_assert_null(canon);
    cr_assert(strstr(why, "not valid JSON") != NULL, "%s", why);
}

Test(validate, null_body_is_not_json)
{
    const struct report_type *t = NULL;
    char *canon = NULL, f[8] = "", why[200] = "";
    cr_assert_eq(report_validate(NULL, 0, &t, &canon, f, sizeof(f), why, sizeof(why)),
                 ERR_BAD_REQUEST);
    cr_assert_null(t);
}

Test(validate, deep_nesting_is_refused_without_crash)
{
    /* Deeper than cJSON's nesting limit: refused as invalid JSON, not a crash. */
    size_t depth = 5000, n = 0;
    char *body = malloc(depth * 2 + 64);
    cr_assert_not_null(body);
    n += (size_t)sprintf(body, "{\"reportType\":\"IDENTITIES\",\"arguments\":{\"x\":");
    for (size_t i = 0; i < depth; i++)
        body[n++] = '[';
    for (size_t i = 0; i < depth; i++)
        body[n++] = ']';
    body[n++] = '}';
    body[n++] = '}';
    const struct report_type *t = NULL;
    char *canon = NULL, f[8] = "", why[200] = "";
    cr_assert_eq(report_validate(body, n, &t, &canon, f, sizeof(f), why, sizeof(why)),
                 ERR_BAD_REQUEST);
    free(body);
}

struct tcase {
    char name[40];
    char task_def_name[64];
    char description[120];
    char parent[32]; /* "" for null */
    int has_selected_formats;
};

ParameterizedTestParameters(types, table)
{
    static struct tcase cases[] = {
        {"ACCOUNTS", "Account Export", "A list of the accounts of one source and their identities.",
         "Audit Report", 0},
        {"IDENTITIES_DETAILS", "Identities Details Report",
         "A detailed view of the identities in the system.", "Audit Report", 0},
        {"IDENTITIES", "Identities Report", "A list of the identities in the system.",
         "Audit Report", 0},
        {"IDENTITY_PROFILE_IDENTITY_ERROR", "Identity Profile Identity Error Report",
         "Identities whose processing by an identity profile ended in an error.", "Audit Report",
         0},
        {"ORPHAN_IDENTITIES", "Orphan Identities Report",
         "Identities without an account on the authoritative source of their identity profile.",
         "Audit Report", 1},
        {"SEARCH_EXPORT", "Search Export", "Extract query data from ElasticSearch to CSV", "", 0},
        {"UNCORRELATED_ACCOUNTS", "Uncorrelated Accounts Report",
         "Accounts that are not correlated to any identity.", "Audit Report", 1},
    };
    return cr_make_param_array(struct tcase, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct tcase *c, types, table)
{
    const struct report_type *t = report_type_find(c->name);
    cr_assert_not_null(t, "%s", c->name);
    cr_assert_str_eq(t->name, c->name);
    cr_assert_str_eq(t->task_def_name, c->task_def_name);
    cr_assert_str_eq(t->description, c->description);
    if (c->parent[0])
        cr_assert_str_eq(t->parent_name, c->parent);
    else
        cr_assert_null(t->parent_name);
    int selectable = 0;
    for (const struct report_arg *a = t->args; a->name; a++)
        selectable |= a->kind == REPORT_ARG_FORMATS && strcmp(a->name, "selectedFormats") == 0;
    cr_assert_eq(selectable, c->has_selected_formats);
    /* The store's task columns hold these. */
    cr_assert_lt(strlen(t->task_def_name), 64);
    cr_assert_lt(strlen(t->description), 160);
}

Test(types, unknown_names)
{
    cr_assert_null(report_type_find(NULL));
    cr_assert_null(report_type_find(""));
    cr_assert_null(report_type_find("accounts"));
    cr_assert_null(report_type_find("ACCOUNTS "));
}

Test(report_validate, invalid_utf8_is_refused)
{
    const char body[] = "{\"reportType\":\"ACCOUNTS\",\"arguments\":{\"application\":\"\xff\xfe\","
                        "\"sourceName\":\"AD\"}}";
    const struct report_type *type = NULL;
    char *args = NULL, formats[16] = "", why[256] = "";
    cr_assert_eq(report_validate(body, sizeof(body) - 1, &type, &args, formats, sizeof(formats),
                                 why, sizeof(why)),
                 ERR_BAD_REQUEST);
    cr_assert_null(args);
    cr_assert_not_null(strstr(why, "UTF-8"), "%s", why);
}

Test(types, lists_for_reasons)
{
    char out[256], tiny[5];
    report_list(REPORT_LIST_TYPES, out, sizeof(out));
    cr_assert_str_eq(out, "ACCOUNTS, IDENTITIES_DETAILS, IDENTITIES, "
                          "IDENTITY_PROFILE_IDENTITY_ERROR, ORPHAN_IDENTITIES, SEARCH_EXPORT, "
                          "UNCORRELATED_ACCOUNTS");
    report_list(REPORT_LIST_INDICES, out, sizeof(out));
    cr_assert_str_eq(
        out, "accessprofiles, accountactivities, entitlements, events, identities, roles, *");
    report_list(REPORT_LIST_FORMATS, out, sizeof(out));
    cr_assert_str_eq(out, "CSV, PDF");
    report_list(REPORT_LIST_TYPES, tiny, sizeof(tiny));
    cr_assert_str_eq(tiny, "ACCO", "cut, and terminated");
}

Test(types, formats)
{
    const struct report_format *csv = report_format_find("csv", 1);
    cr_assert_not_null(csv);
    cr_assert_eq(csv, report_format_find("CSV", 0));
    cr_assert_str_eq(csv->content_type, "application/csv");
    cr_assert_not_null(csv->writer, "CSV is written");
    cr_assert_null(report_format_find("CSV", 1), "fileFormat is lower case");
    cr_assert_null(report_format_find(NULL, 0));
    cr_assert_eq(report_format_at(0), csv);
    cr_assert_null(report_format_at(2));
    for (size_t i = 0; report_format_at(i); i++)
        cr_assert_eq(report_format_find(report_format_at(i)->name, 0), report_format_at(i));
}

Test(types, every_type_is_complete)
{
    const char *names[] = {"ACCOUNTS",
                           "IDENTITIES_DETAILS",
                           "IDENTITIES",
                           "IDENTITY_PROFILE_IDENTITY_ERROR",
                           "ORPHAN_IDENTITIES",
                           "SEARCH_EXPORT",
                           "UNCORRELATED_ACCOUNTS"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        const struct report_type *t = report_type_find(names[i]);
        cr_assert_not_null(t, "%s", names[i]);
        cr_assert_not_null(t->args, "%s", names[i]);
        cr_assert(t->formats & REPORT_CSV, "%s", names[i]);
        /* A file is one dataset with columns, or the search indices in a zip. */
        cr_assert_eq(t->dataset != NULL, t->columns != NULL, "%s", names[i]);
        cr_assert_eq(t->dataset == NULL, t->zip != 0, "%s", names[i]);
        cr_assert(!t->dataset || t->sort, "%s", names[i]);
    }
}
