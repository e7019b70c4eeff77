/*
 * fuzz_router.c - libFuzzer target for router_match() (http/router.h).
 *
 * Input: "METHOD PATH" (split at the first space); without a space the
 * whole input is the path of a GET. Both are C strings, as the daemon hands
 * them over.
 *
 * Checks, besides "no crash or UB": a match is a route of that method whose
 * pattern, with the version and id put back, spells the path exactly (so the
 * version is a served one and the id a non-empty segment); a 405 lists, in
 * Allow, methods that do match the path and not the one asked; a 404 is a
 * 404 for every method (the path alone decides it).
 */
#include <string.h>

#include "fuzz.h"
#include "http/router.h"

static const char *const methods[] = {"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"};
#define NMETHODS (sizeof(methods) / sizeof(methods[0]))

static int served_version(const char *v)
{
    for (const char *const *p = router_versions; *p; p++)
        if (strcmp(*p, v) == 0)
            return 1;
    return 0;
}

/* The pattern with {ver} and {id} replaced by what the match captured. */
static void rebuild(const struct route *r, const struct router_match *m, char *out, size_t cap)
{
    size_t n = 0;
    for (const char *p = r->pattern; *p;) {
        const char *sub = NULL;
        size_t skip = 1;
        if (strncmp(p, "{ver}", 5) == 0) {
            sub = m->version;
            skip = 5;
        } else if (strncmp(p, "{id}", 4) == 0) {
            sub = m->param;
            skip = 4;
        }
        size_t len = sub ? strlen(sub) : 1;
        FUZZ_CHECK(n + len < cap, "rebuilt path too long");
        memcpy(out + n, sub ? sub : p, len);
        n += len;
        p += skip;
    }
    out[n] = '\0';
}

static void check_ok(const char *method, const char *path, const struct router_match *m)
{
    char again[1024];
    const struct route *r = m->route;
    FUZZ_CHECK(r != NULL && r->handler != NULL && r->operation != NULL, "incomplete route");
    FUZZ_CHECK(strcmp(r->method, method) == 0, "%s %s matched a %s route", method, path, r->method);
    FUZZ_CHECK(memchr(m->version, '\0', sizeof(m->version)) &&
                   memchr(m->param, '\0', sizeof(m->param)),
               "unterminated capture");
    FUZZ_CHECK(strstr(r->pattern, "{ver}") ? served_version(m->version) : m->version[0] == '\0',
               "version '%s' for %s", m->version, r->pattern);
    FUZZ_CHECK(strstr(r->pattern, "{id}") ? m->param[0] && !strchr(m->param, '/')
                                          : m->param[0] == '\0',
               "param '%s' for %s", m->param, r->pattern);
    rebuild(r, m, again, sizeof(again));
    FUZZ_CHECK(strcmp(again, path) == 0, "%s matched %s but spells '%s'", path, r->pattern, again);
}

static void check_not_allowed(const char *method, const char *path, const struct router_match *m)
{
    char allow[sizeof(m->allow)];
    int listed = 0;
    FUZZ_CHECK(memchr(m->allow, '\0', sizeof(m->allow)) && m->allow[0], "empty Allow");
    memcpy(allow, m->allow, sizeof(allow));
    for (char *save = NULL, *tok = strtok_r(allow, ", ", &save); tok;
         tok = strtok_r(NULL, ", ", &save)) {
        struct router_match m2;
        FUZZ_CHECK(strcmp(tok, method) != 0, "Allow '%s' lists %s", m->allow, method);
        FUZZ_CHECK(router_match(tok, path, &m2) == ROUTER_OK, "Allow lists %s but %s %s fails", tok,
                   tok, path);
        listed++;
    }
    FUZZ_CHECK(listed > 0, "Allow '%s' lists nothing", m->allow);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *sp = memchr(data, ' ', size);
    char *method = sp ? fuzz_str(data, (size_t)(sp - data)) : fuzz_str("GET", 3);
    char *path = sp ? fuzz_str(sp + 1, size - (size_t)(sp - data) - 1) : fuzz_str(data, size);
    struct router_match m;
    enum router_result r;

    memset(&m, 0xa5, sizeof(m));
    r = router_match(method, path, &m);
    switch (r) {
    case ROUTER_OK:
        check_ok(method, path, &m);
        break;
    case ROUTER_METHOD_NOT_ALLOWED:
        check_not_allowed(method, path, &m);
        break;
    case ROUTER_NOT_FOUND:
        for (size_t i = 0; i < NMETHODS; i++) {
            struct router_match m2;
            FUZZ_CHECK(router_match(methods[i], path, &m2) == ROUTER_NOT_FOUND,
                       "%s is 404 for %s but not for %s", path, method, methods[i]);
        }
        break;
    default:
        FUZZ_CHECK(0, "result %d", (int)r);
    }
    free(method);
    free(path);
    return 0;
}
