/*
 * test_control_body.c - unit tests for server/api/control_body.c: the field
 * table parser of the control API, as a table of cases with stable ids.
 * Each body goes through control_body_object() (the strict JSON reader) and
 * control_body_parse() over one table holding every kind of field; a valid
 * body is checked by what it stored and which fields it marked given, an
 * invalid one by a part of its 400 message.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/control_body.h"

struct target {
    char id[8];
    int64_t whole;
    int small;
    double num;
    int flag;
    char choice[4];
    int code;
    char scopes[16];
};

static const char *const abc[] = {"A", "B", "C", NULL};
static const int codes[] = {400, 500, 0};

static const struct body_field fields[] = {
    {"id", BODY_TEXT, BODY_AT(struct target, id), .chars = control_id_char, .required = 1},
    {"whole", BODY_WHOLE, BODY_AT(struct target, whole), .min = -5, .max = 9007199254740992},
    {"small", BODY_WHOLE, BODY_AT(struct target, small), .min = 0, .max = 100},
    {"num", BODY_NUMBER, BODY_AT(struct target, num), .min = 0, .max = 1},
    {"flag", BODY_BOOL, BODY_AT(struct target, flag)},
    {"choice", BODY_CHOICE, BODY_AT(struct target, choice), .choices = abc},
    {"code", BODY_CODE, BODY_AT(struct target, code), .codes = codes},
    {"scopes", BODY_CUSTOM, BODY_AT(struct target, scopes), .parse = control_parse_scopes},
};

struct bcase {
    char id[40];
    char body[200];
    int ok;
    unsigned given; /* valid: the mask of given fields */
    char got[160];  /* valid: the target, printed */
    char why[100];  /* invalid: a part of the message */
};

/* clang-format off */
#define OK(id, body, given, got) {id, body, 1, given, got, ""}
#define BAD(id, body, why) {id, body, 0, 0, "", why}
#define DEFAULTS "whole=-1 small=-1 num=-1 flag=-1 choice=- code=-1 scopes=-"
/* clang-format on */

ParameterizedTestParameters(control_body, table)
{
    static struct bcase cases[] = {
        OK("only_required", "{\"id\":\"x\"}", 0x1, "id=x " DEFAULTS),
        OK("null_is_absent", "{\"id\":\"x\",\"whole\":null,\"choice\":null}", 0x1,
           "id=x " DEFAULTS),
        OK("every_field",
           "{\"id\":\"a.b\",\"whole\":-5,\"small\":100,\"num\":0.25,\"flag\":true,"
           "\"choice\":\"C\",\"code\":500,\"scopes\":\"s1  s2\"}",
           0xff, "id=a.b whole=-5 small=100 num=0.25 flag=1 choice=C code=500 scopes=s1 s2"),
        OK("scopes_array", "{\"id\":\"x\",\"scopes\":[\"a\",\"b\"]}", 0x81,
           "id=x whole=-1 small=-1 num=-1 flag=-1 choice=- code=-1 scopes=a b"),
        OK("scopes_empty", "{\"id\":\"x\",\"scopes\":\"\"}", 0x81,
           "id=x whole=-1 small=-1 num=-1 flag=-1 choice=- code=-1 scopes="),
        OK("whole_2_53", "{\"id\":\"x\",\"whole\":9007199254740992}", 0x3,
           "id=x whole=9007199254740992 small=-1 num=-1 flag=-1 choice=- code=-1 scopes=-"),
        OK("whole_as_float_syntax", "{\"id\":\"x\",\"small\":1.0e1}", 0x5,
           "id=x whole=-1 small=10 num=-1 flag=-1 choice=- code=-1 scopes=-"),
        OK("flag_false", "{\"id\":\"x\",\"flag\":false}", 0x11,
           "id=x whole=-1 small=-1 num=-1 flag=0 choice=- code=-1 scopes=-"),
        BAD("not_object", "[]", "JSON object"),
        BAD("empty", "", "JSON object"),
        BAD("trailing_data", "{\"id\":\"x\"} 1", "unexpected data"),
        BAD("nul_escape", "{\"id\":\"a\\u0000b\"}", "\\u0000"),
        BAD("huge_number", "{\"id\":\"x\",\"num\":1e309}", "out of range"),
        BAD("missing_required", "{\"whole\":1}", "Field 'id' is required"),
        BAD("unknown_field", "{\"id\":\"x\",\"wholes\":1}", "Unknown field 'wholes'"),
        BAD("given_twice", "{\"id\":\"x\",\"id\":\"y\"}", "'id' is given twice"),
        BAD("text_number", "{\"id\":5}", "Field 'id' must be a string"),
        BAD("text_empty", "{\"id\":\"\"}", "Field 'id' must not be empty"),
        BAD("text_too_long", "{\"id\":\"12345678\"}", "Field 'id' is too long (at most 7 bytes)"),
        BAD("text_bad_char", "{\"id\":\"a/b\"}", "Field 'id' may hold only letters"),
        BAD("text_control", "{\"id\":\"a\\tb\"}", "Field 'id' may hold only"),
        BAD("whole_fraction", "{\"id\":\"x\",\"whole\":1.5}",
            "Field 'whole' must be a whole number"),
        BAD("whole_below", "{\"id\":\"x\",\"whole\":-6}", "from -5 to 9007199254740992"),
        BAD("whole_string", "{\"id\":\"x\",\"whole\":\"1\"}", "Field 'whole' must be a whole"),
        BAD("small_above", "{\"id\":\"x\",\"small\":101}",
            "Field 'small' must be a whole number from 0 to 100"),
        BAD("num_above", "{\"id\":\"x\",\"num\":1.01}", "Field 'num' must be a number from 0 to 1"),
        BAD("num_bool", "{\"id\":\"x\",\"num\":true}", "Field 'num' must be a number"),
        BAD("flag_number", "{\"id\":\"x\",\"flag\":1}", "Field 'flag' must be true or false"),
        BAD("choice_unknown", "{\"id\":\"x\",\"choice\":\"D\"}",
            "Field 'choice' must be A, B or C"),
        BAD("choice_case", "{\"id\":\"x\",\"choice\":\"a\"}", "must be A, B or C"),
        BAD("code_unknown", "{\"id\":\"x\",\"code\":404}", "Field 'code' must be 400 or 500"),
        BAD("code_string", "{\"id\":\"x\",\"code\":\"400\"}", "must be 400 or 500"),
        BAD("scopes_object", "{\"id\":\"x\",\"scopes\":{}}", "Field 'scopes' must be a string"),
        BAD("scopes_too_long", "{\"id\":\"x\",\"scopes\":\"abcdefgh ijklmnop\"}",
            "Field 'scopes' is too long (at most 15 bytes)"),
        BAD("scopes_item_space", "{\"id\":\"x\",\"scopes\":[\"a b\"]}", "non-empty strings"),
    };
    return cr_make_param_array(struct bcase, cases, sizeof(cases) / sizeof(cases[0]));
}

static void print_target(const struct target *t, char *out, size_t cap)
{
    snprintf(out, cap, "id=%s whole=%lld small=%d num=%g flag=%d choice=%s code=%d scopes=%s",
             t->id, (long long)t->whole, t->small, t->num, t->flag, t->choice, t->code, t->scopes);
}

ParameterizedTest(struct bcase *c, control_body, table)
{
    struct target t = {"-", -1, -1, -1, -1, "-", -1, "-"};
    size_t len = strlen(c->body);
    /* The body is not NUL-terminated in real use: copy it into an exact-size buffer. */
    char *body = malloc(len ? len : 1);
    cr_assert_not_null(body);
    memcpy(body, c->body, len);
    struct api_req rq = {.body = len ? body : NULL, .body_len = len};
    struct api_res rs;
    api_res_init(&rs);
    cJSON *o = NULL;
    unsigned given = 0;
    enum err e = control_body_object(&rq, &rs, &o);
    if (e == ERR_OK)
        e = control_body_parse(o, fields, sizeof(fields) / sizeof(fields[0]), NULL, &t, &given,
                               &rs);
    if (c->ok) {
        char got[200];
        print_target(&t, got, sizeof(got));
        cr_expect_eq(e, ERR_OK, "%s: refused: %s", c->id, rs.err_text);
        cr_expect_str_eq(got, c->got, "%s", c->id);
        cr_expect_eq(given, c->given, "%s: given 0x%x", c->id, given);
    } else {
        cr_expect_eq(e, ERR_BAD_REQUEST, "%s: accepted", c->id);
        cr_expect(strstr(rs.err_text, c->why) != NULL, "%s: \"%s\" lacks \"%s\"", c->id,
                  rs.err_text, c->why);
    }
    cJSON_Delete(o);
    api_res_free(&rs);
    free(body);
}

/* The "one of" lists are built from the tables, cut cleanly when small. */
Test(control_body, choices_text)
{
    static const char *const one[] = {"A", NULL}, *const two[] = {"A", "B", NULL};
    char out[32];
    control_choices_text(one, out, sizeof(out));
    cr_expect_str_eq(out, "A");
    control_choices_text(two, out, sizeof(out));
    cr_expect_str_eq(out, "A or B");
    control_choices_text(abc, out, sizeof(out));
    cr_expect_str_eq(out, "A, B or C");
    control_choices_text(abc, out, 4);
    cr_expect_str_eq(out, "A, ");
}
