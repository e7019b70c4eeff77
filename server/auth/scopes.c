/*
 * scopes.c - authorization rules: which tokens may call which operation
 * (see scopes.h).
 *
 * The rules are data: one row per operation of the contract, with the
 * scopes its security requirement accepts (any one is enough;
 * sp:scopes:all covers them all), whether only user-context tokens are
 * accepted (cancelReport lists userAuth alone), and the user levels a user
 * token needs (x-sailpoint-userLevels). A row is checked in that order and
 * the first missing piece is what the refusal says.
 *
 * The user level rule applies to every user token, whatever its scopes:
 * sp:scopes:all says what the token may be used for, the user level says
 * who the user is, and the real service asks for both. Client-credentials
 * tokens carry no user level, so the rule does not apply to them.
 *
 * Pure: no allocation, no state, nothing here knows HTTP.
 */
#include "scopes.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define SCOPE_ALL "sp:scopes:all"

/* The user levels x-sailpoint-userLevels lists for startReport, in its order. */
static const char *const start_report_levels[] = {
    "ORG_ADMIN",     "CERT_ADMIN",   "REPORT_ADMIN",    "ROLE_ADMIN",
    "ROLE_SUBADMIN", "SOURCE_ADMIN", "SOURCE_SUBADMIN", NULL,
};

struct scope_rule {
    const char *operation;          /* contract operationId */
    const char *scopes[3];          /* accepted scopes, NULL-terminated; any one suffices */
    int user_only;                  /* 1: userAuth only (no client credentials) */
    const char *const *user_levels; /* for user tokens: one of these; NULL: any level */
};

static const struct scope_rule scope_rules[] = {
    {"startReport", {"sp:report:manage", NULL}, 0, start_report_levels},
    {"getReportResult", {"sp:report:read", "sp:report:manage", NULL}, 0, NULL},
    {"getReport", {"sp:report:read", "sp:report:manage", NULL}, 0, NULL},
    {"cancelReport", {"sp:report:manage", NULL}, 1, NULL},
};

/* Appends `s` to the NUL-terminated `dst` of capacity `cap`, truncating. */
static void append(char *dst, size_t cap, const char *s)
{
    size_t len = strlen(dst);
    if (len + 1 >= cap)
        return;
    snprintf(dst + len, cap - len, "%s", s);
}

static const struct scope_rule *rule_find(const char *operation)
{
    for (size_t i = 0; i < sizeof scope_rules / sizeof scope_rules[0]; i++)
        if (strcmp(scope_rules[i].operation, operation) == 0)
            return &scope_rules[i];
    return NULL;
}

/* 1 when the blank-separated word list `words` holds exactly `word`. */
static int has_word(const char *words, const char *word)
{
    size_t n = strlen(word);
    const char *s = words;
    while (*s) {
        s += strspn(s, " \t");
        size_t len = strcspn(s, " \t");
        if (len == n && strncmp(s, word, n) == 0)
            return 1;
        s += len;
    }
    return 0;
}

static int has_scope(const struct auth_principal *who, const struct scope_rule *r)
{
    if (has_word(who->scopes, SCOPE_ALL))
        return 1;
    for (const char *const *s = r->scopes; *s; s++)
        if (has_word(who->scopes, *s))
            return 1;
    return 0;
}

static int has_level(const struct auth_principal *who, const struct scope_rule *r)
{
    if (!r->user_levels)
        return 1;
    for (const char *const *l = r->user_levels; *l; l++)
        if (strcmp(who->user_level, *l) == 0)
            return 1;
    return 0;
}

/* "a, b, c" or "a or b" into `out`. */
static void join(char *out, size_t cap, const char *const *words, const char *sep)
{
    out[0] = '\0';
    for (const char *const *w = words; *w; w++) {
        if (w != words)
            append(out, cap, sep);
        append(out, cap, *w);
    }
}

enum err scope_check(const struct auth_principal *who, const char *operation, char *why,
                     size_t whylen)
{
    char list[256];
    const struct scope_rule *r = operation ? rule_find(operation) : NULL;

    err_why(why, whylen, "%s", "");
    if (!r)
        return ERR_OK;
    if (!who) {
        err_why(why, whylen, "%s needs an authenticated caller", r->operation);
        return ERR_FORBIDDEN;
    }
    if (r->user_only && !who->user_context) {
        err_why(why, whylen,
                "%s accepts only user (personal access) tokens; this is a client-credentials "
                "token",
                r->operation);
        return ERR_FORBIDDEN;
    }
    if (!has_scope(who, r)) {
        join(list, sizeof list, r->scopes, " or ");
        err_why(why, whylen, "%s needs scope %s", r->operation, list);
        return ERR_FORBIDDEN;
    }
    if (who->user_context && !has_level(who, r)) {
        join(list, sizeof list, r->user_levels, ", ");
        err_why(why, whylen, "%s needs one of the user levels %s; this token's user level is %s",
                r->operation, list, who->user_level[0] ? who->user_level : "(none)");
        return ERR_FORBIDDEN;
    }
    return ERR_OK;
}
