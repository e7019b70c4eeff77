/*
 * cors.h - CORS for browser clients (--cors): which origins may call the API
 * and the token endpoint from a web page, the answer to their preflights,
 * and the headers added to every answer they get. The control API under
 * /mock/ never takes part: it stays same-origin (control_guard.c).
 *
 * The allowed origins are the app's cfg.cors entries (borrowed strings),
 * each a comma-separated list of origins ("scheme://host[:port]") or "*"
 * for any origin. With no entry CORS is off and nothing here adds a header.
 */
#ifndef ISC_API_CORS_H
#define ISC_API_CORS_H

#include <stddef.h>

#include "api.h"

#define CORS_ORIGIN_MAX 255 /* a longer Origin is never allowed */
#define CORS_MAX_AGE_S 600  /* how long a browser may keep a preflight's answer */

/*
 * Checks one --cors value: "*" or a comma-separated list of origins, each
 * scheme://host[:port] without a path. 0, or -1 with the offending origin
 * named in err.
 */
int cors_value_check(const char *value, char *err, size_t errlen);

/* 1 when `path` is served with CORS at all: everything but /mock/ and /mock. */
int cors_path(const char *path);

/* 1 when `origin` (may be NULL) is allowed by the app's configuration. */
int cors_allowed(const struct app *app, const char *origin);

/*
 * A preflight: an OPTIONS request with Origin and Access-Control-Request-
 * Method on a CORS path, while CORS is on. Returns 0 when `rq` is not one
 * (the pipeline goes on as usual). Otherwise returns 1 and fills rs: 204
 * with the Access-Control-Allow-* headers when the origin is allowed and
 * `allow` (the methods the path answers, "GET, POST") has the requested
 * method, else *e is set to the refusal (403 naming the reason).
 */
int cors_preflight(const struct api_req *rq, const char *allow, struct api_res *rs, enum err *e);

/* Adds Access-Control-Allow-Origin, Vary and Access-Control-Expose-Headers to
 * an answer when the request's Origin is allowed on a CORS path. */
void cors_answer_headers(const struct api_req *rq, struct api_res *rs);

#endif
