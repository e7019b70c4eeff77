/*
 * search.c - a recursive-descent parser for the query string subset of
 * search.h, producing a tenant filter tree.
 *
 * Grammar (one level of a list may use AND, or OR / adjacency, not both):
 *   list  := unary ((AND | OR | <nothing>) unary)*
 *   unary := (NOT | !) unary | '(' list ')' | term
 * Everything this file allocates is either handed to the caller in the tree
 * or freed before returning.
 */
#include "search.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/buf.h"

enum tok_type { T_END, T_LPAREN, T_RPAREN, T_AND, T_OR, T_NOT, T_TERM };

struct token {
    enum tok_type type;
    char *field; /* NULL: free text */
    char *value;
    int quoted; /* the value was a "phrase" */
    int star;   /* an unquoted value ended with an unescaped '*' (not in value) */
};

struct parser {
    const char *p;
    struct token tok; /* lookahead */
    int terms;
    int err;       /* 1: refused (why is set), -1: OOM */
    int too_large; /* the refusal is a size limit */
    char *why;
    size_t whylen;
};

static void refuse(struct parser *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void refuse(struct parser *ps, const char *fmt, ...)
{
    va_list ap;
    if (ps->err)
        return;
    ps->err = 1;
    va_start(ap, fmt);
    err_whyv(ps->why, ps->whylen, fmt, ap);
    va_end(ap);
}

static void oom(struct parser *ps)
{
    if (!ps->err)
        err_why(ps->why, ps->whylen, "out of memory");
    ps->err = -1;
}

static void token_clear(struct token *t)
{
    free(t->field);
    free(t->value);
    memset(t, 0, sizeof(*t));
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Ends a bare word (unescaped). */
static int ends_word(char c)
{
    return c == '\0' || is_space(c) || c == '(' || c == ')';
}

/* The reason an unescaped character is outside the subset, or NULL. */
static const char *unsupported_char(char c)
{
    switch (c) {
    case '~':
        return "fuzzy and proximity searches (~) are not supported";
    case '^':
        return "boosts (^) are not supported";
    case '?':
        return "the ? wildcard is not supported";
    case '/':
        return "regular expressions (/.../) are not supported";
    case '[':
    case ']':
    case '{':
    case '}':
        return "range queries ([a TO b], {a TO b}) are not supported";
    case '<':
    case '>':
    case '=':
        return "range comparisons (<, >, =) are not supported";
    case '"':
        return "a quote inside a word is not supported; quote the whole value";
    default:
        return NULL;
    }
}

/* Reads a "quoted phrase" at ps->p (on the opening quote) into b. */
static int lex_quoted(struct parser *ps, struct buf *b)
{
    const char *p = ps->p + 1;
    for (;;) {
        if (*p == '\0') {
            refuse(ps, "the query has an unterminated quote");
            return -1;
        }
        if (*p == '"')
            break;
        if (*p == '\\' && p[1])
            p++;
        if (buf_putc(b, *p) != 0) {
            oom(ps);
            return -1;
        }
        p++;
    }
    ps->p = p + 1;
    if (!ends_word(*ps->p)) {
        refuse(ps, "a quoted phrase must be followed by a space or a parenthesis");
        return -1;
    }
    if (!b->data && buf_puts(b, "") != 0) {
        oom(ps);
        return -1;
    }
    return 0;
}

/*
 * Reads a bare value at ps->p into b until the end of the word; a trailing
 * unescaped '*' sets *star and is left out.
 */
static int lex_bare(struct parser *ps, struct buf *b, int *star, int allow_colon)
{
    const char *p = ps->p;
    *star = 0;
    while (!ends_word(*p)) {
        char c = *p;
        if (c == '\\') {
            if (!p[1]) {
                refuse(ps, "the query ends with a lone backslash");
                return -1;
            }
            c = p[1];
            p += 2;
        } else {
            const char *bad = unsupported_char(c);
            if (bad) {
                refuse(ps, "%s", bad);
                return -1;
            }
            if (c == ':' && !allow_colon) {
                refuse(ps, "a ':' inside a value must be escaped (\\:) or the value quoted");
                return -1;
            }
            if (c == '*') {
                if (!ends_word(p[1])) {
                    refuse(ps, "wildcards other than one trailing * are not supported");
                    return -1;
                }
                *star = 1;
                p++;
                break;
            }
            p++;
        }
        if (buf_putc(b, c) != 0) {
            oom(ps);
            return -1;
        }
    }
    ps->p = p;
    if (!b->data && buf_puts(b, "") != 0) {
        oom(ps);
        return -1;
    }
    return 0;
}

static int valid_field(const char *s, size_t n)
{
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.'))
            return 0;
    }
    return 1;
}

/* Reads an operator or a parenthesis at p into ps->tok (or refuses a
 * character no term may start with): 1, or 0 when p starts a term. */
static int lex_operator(struct parser *ps, const char *p)
{
    static const struct {
        const char *text;
        enum tok_type type;
        int word; /* must end there, as a word */
    } ops[] = {
        {"(", T_LPAREN, 0}, {")", T_RPAREN, 0}, {"!", T_NOT, 0}, {"&&", T_AND, 0},
        {"||", T_OR, 0},    {"AND", T_AND, 1},  {"OR", T_OR, 1}, {"NOT", T_NOT, 1},
    };
    if (*p == '+' || *p == '-') {
        refuse(ps, "the + and - operators are not supported; use AND and NOT");
        return 1;
    }
    if (*p == '@') {
        refuse(ps, "nested queries (@...) are not supported");
        return 1;
    }
    for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
        size_t n = strlen(ops[i].text);
        if (strncmp(p, ops[i].text, n) == 0 && (!ops[i].word || ends_word(p[n]))) {
            ps->tok.type = ops[i].type;
            ps->p += n;
            return 1;
        }
    }
    return 0;
}

/* Reads "field:" at ps->p when the word has one, into ps->tok.field. */
static void lex_field(struct parser *ps)
{
    const char *p = ps->p, *colon = p;
    if (*p == '"')
        return;
    /* A field name is the run of name characters before an unescaped ':'. */
    while (!ends_word(*colon) && *colon != ':' && *colon != '\\')
        colon++;
    if (*colon != ':')
        return;
    if (!valid_field(p, (size_t)(colon - p))) {
        refuse(ps, "invalid field name '%.*s'", (int)(colon - p > 64 ? 64 : colon - p), p);
        return;
    }
    if (!(ps->tok.field = strndup(p, (size_t)(colon - p)))) {
        oom(ps);
        return;
    }
    ps->p = colon + 1;
    if (*ps->p == '(')
        refuse(ps, "field:(...) groups are not supported; repeat the field for each term");
    else if (ends_word(*ps->p))
        refuse(ps, "'%.64s:' has no value", ps->tok.field);
}

/* Reads the next token into ps->tok. On failure ps->err is set. */
static void lex(struct parser *ps)
{
    struct buf v;
    token_clear(&ps->tok);
    while (is_space(*ps->p))
        ps->p++;
    if (*ps->p == '\0') {
        ps->tok.type = T_END;
        return;
    }
    if (lex_operator(ps, ps->p))
        return;
    ps->tok.type = T_TERM;
    lex_field(ps);
    if (ps->err)
        return;
    buf_init(&v, 1 << 20);
    if (*ps->p == '"') {
        ps->tok.quoted = 1;
        if (lex_quoted(ps, &v) == 0)
            ps->tok.value = buf_steal(&v, NULL);
    } else if (lex_bare(ps, &v, &ps->tok.star, 0) == 0) {
        ps->tok.value = buf_steal(&v, NULL);
    }
    buf_free(&v);
    if (ps->tok.value && strlen(ps->tok.value) > SEARCH_MAX_TERM_LEN) {
        refuse(ps, "a term of the query is longer than %d bytes", SEARCH_MAX_TERM_LEN);
        ps->too_large = 1;
    }
}

static struct tenant_filter *node(struct parser *ps, enum tenant_op op)
{
    struct tenant_filter *f = calloc(1, sizeof(*f));
    if (!f)
        oom(ps);
    else
        f->op = op;
    return f;
}

void search_filter_free(struct tenant_filter *f)
{
    if (!f)
        return;
    search_filter_free(f->a);
    search_filter_free(f->b);
    free(f->field);
    free(f->value);
    free(f);
}

/* Turns the current TERM token into a leaf, taking its strings. */
static struct tenant_filter *term(struct parser *ps)
{
    struct token *t = &ps->tok;
    struct tenant_filter *f;
    if (++ps->terms > SEARCH_MAX_TERMS) {
        refuse(ps, "the query has more than %d terms", SEARCH_MAX_TERMS);
        ps->too_large = 1;
        return NULL;
    }
    if (!t->field) {
        if (t->quoted && !t->value[0]) {
            refuse(ps, "the query has an empty phrase");
            return NULL;
        }
        f = node(ps, t->value[0] || t->quoted ? TENANT_TEXT_MATCH : TENANT_MATCH_ALL);
        if (f && f->op == TENANT_TEXT_MATCH) {
            f->value = t->value;
            t->value = NULL;
        }
        return f;
    }
    if (strcmp(t->field, "_exists_") == 0) {
        if (t->quoted || t->star || !valid_field(t->value, strlen(t->value))) {
            refuse(ps, "_exists_ needs a field name");
            return NULL;
        }
        f = node(ps, TENANT_EXISTS);
        if (f) {
            f->field = t->value;
            t->value = NULL;
        }
        return f;
    }
    if (t->star)
        f = node(ps, t->value[0] ? TENANT_PREFIX : TENANT_EXISTS);
    else
        f = node(ps, TENANT_EQ);
    if (!f)
        return NULL;
    f->field = t->field;
    t->field = NULL;
    if (f->op != TENANT_EXISTS) {
        f->value = t->value;
        t->value = NULL;
    }
    return f;
}

static struct tenant_filter *parse_list(struct parser *ps, int depth);
static struct tenant_filter *parse_unary(struct parser *ps, int depth, int *bare_not);

/* Moves past the token that ended `f`; frees it and returns NULL on error. */
static struct tenant_filter *advance(struct parser *ps, struct tenant_filter *f)
{
    if (f)
        lex(ps);
    if (f && ps->err) {
        search_filter_free(f);
        return NULL;
    }
    return f;
}

/* NOT unary (the NOT token is current). */
static struct tenant_filter *parse_not(struct parser *ps, int depth)
{
    struct tenant_filter *f, *inner;
    int ignored;
    lex(ps);
    if (ps->err || !(inner = parse_unary(ps, depth + 1, &ignored)))
        return NULL;
    if (!(f = node(ps, TENANT_NOT))) {
        search_filter_free(inner);
        return NULL;
    }
    f->a = inner;
    return f;
}

/* '(' list ')' (the '(' token is current). */
static struct tenant_filter *parse_group(struct parser *ps, int depth)
{
    struct tenant_filter *f;
    lex(ps);
    if (ps->err || !(f = parse_list(ps, depth + 1)))
        return NULL;
    if (ps->tok.type != T_RPAREN) {
        refuse(ps, "the query has an unclosed parenthesis");
        search_filter_free(f);
        return NULL;
    }
    return advance(ps, f);
}

/* *bare_not is set when the result is a NOT written without parentheses. */
static struct tenant_filter *parse_unary(struct parser *ps, int depth, int *bare_not)
{
    *bare_not = 0;
    if (depth > SEARCH_MAX_DEPTH) {
        refuse(ps, "the query nests deeper than %d levels", SEARCH_MAX_DEPTH);
        return NULL;
    }
    switch (ps->tok.type) {
    case T_NOT:
        *bare_not = 1;
        return parse_not(ps, depth);
    case T_LPAREN:
        return parse_group(ps, depth);
    case T_TERM:
        return advance(ps, term(ps));
    case T_END:
        refuse(ps, "the query ends where a term is expected");
        return NULL;
    case T_RPAREN:
        refuse(ps, "the query has ')' where a term is expected");
        return NULL;
    case T_AND:
    case T_OR:
        refuse(ps, "the query has an operator where a term is expected");
        return NULL;
    }
    return NULL;
}

static struct tenant_filter *parse_list(struct parser *ps, int depth)
{
    struct tenant_filter *acc = NULL, *next, *pair;
    int seen_and = 0, seen_or = 0, any_bare_not = 0, bare, count = 0;
    for (;;) {
        next = parse_unary(ps, depth, &bare);
        if (!next)
            goto fail;
        any_bare_not |= bare;
        if (!acc) {
            acc = next;
        } else {
            pair = node(ps, seen_and ? TENANT_AND : TENANT_OR);
            if (!pair) {
                search_filter_free(next);
                goto fail;
            }
            pair->a = acc;
            pair->b = next;
            acc = pair;
        }
        count++;
        if (ps->tok.type == T_END || ps->tok.type == T_RPAREN)
            break;
        if (ps->tok.type == T_AND || ps->tok.type == T_OR) {
            if (ps->tok.type == T_AND)
                seen_and = 1;
            else
                seen_or = 1;
            lex(ps);
            if (ps->err)
                goto fail;
        } else {
            seen_or = 1; /* adjacent terms: the default operator, OR */
        }
        if (seen_and && seen_or) {
            refuse(ps, "AND cannot be mixed with OR (or with terms that have no operator between "
                       "them) without parentheses");
            goto fail;
        }
    }
    if (seen_or && count > 1 && any_bare_not) {
        refuse(ps, "NOT cannot be a member of an OR list; write it as a OR (NOT b)");
        goto fail;
    }
    return acc;
fail:
    search_filter_free(acc);
    return NULL;
}

/* Parses ps->p into *out (see search_parse); ps says why it failed. */
static enum err parse(struct parser *ps, struct tenant_filter **out)
{
    struct tenant_filter *f = NULL;
    if (strlen(ps->p) > SEARCH_MAX_QUERY_LEN) {
        refuse(ps, "the query is longer than %d bytes", SEARCH_MAX_QUERY_LEN);
        ps->too_large = 1;
        return ERR_BAD_REQUEST;
    }
    while (is_space(*ps->p))
        ps->p++;
    if (!*ps->p) {
        refuse(ps, "the query is empty");
        return ERR_BAD_REQUEST;
    }
    lex(ps);
    if (!ps->err)
        f = parse_list(ps, 0);
    if (f && !ps->err && ps->tok.type != T_END)
        refuse(ps, "the query has an unmatched ')'");
    token_clear(&ps->tok);
    if (ps->err || !f) {
        search_filter_free(f);
        if (!ps->err)
            oom(ps);
        return ps->err < 0 ? ERR_INTERNAL : ERR_BAD_REQUEST;
    }
    *out = f;
    return ERR_OK;
}

enum err search_parse(const char *query, struct tenant_filter **out, char *why, size_t whylen)
{
    struct parser ps = {.p = query ? query : "", .why = why, .whylen = whylen};
    err_why(why, whylen, "%s", "");
    return parse(&ps, out);
}

enum err search_check_limits(const char *query, char *why, size_t whylen)
{
    struct parser ps = {.p = query ? query : "", .why = why, .whylen = whylen};
    struct tenant_filter *f = NULL;
    err_why(why, whylen, "%s", "");
    enum err e = parse(&ps, &f);
    search_filter_free(f);
    if (e == ERR_BAD_REQUEST && !ps.too_large) {
        err_why(why, whylen, "%s", "");
        return ERR_OK;
    }
    return e;
}
