/*
 * err.h - the one error vocabulary of the server.
 *
 * Every handler and domain function reports failure as an `enum err`, plus an
 * optional human text. Only http/respond.c turns these into HTTP statuses and
 * bodies; nothing else decides what a client sees. The table behind err_info()
 * is static: the returned pointers are never freed and never NULL.
 */
#ifndef ISC_CORE_ERR_H
#define ISC_CORE_ERR_H

#include <stdarg.h>
#include <stddef.h>

enum err {
    ERR_OK = 0,
    ERR_BAD_REQUEST,        /* 400, ErrorResponseDto "400.1 Bad Request Content" */
    ERR_UNAUTHORIZED,       /* 401, {"error": text} */
    ERR_FORBIDDEN,          /* 403, ErrorResponseDto "403 Forbidden" */
    ERR_NOT_FOUND,          /* 404, ErrorResponseDto "404 Not found" */
    ERR_FILE_NOT_FOUND,     /* 404, the contract's "File Not Found" body */
    ERR_METHOD_NOT_ALLOWED, /* 405, ErrorResponseDto */
    ERR_TOO_LARGE,          /* 413, ErrorResponseDto */
    ERR_URI_TOO_LONG,       /* 414, ErrorResponseDto; too many query parameters */
    ERR_RATE_LIMITED,       /* 429, {"message": " Rate Limit Exceeded "} */
    ERR_INTERNAL,           /* 500, ErrorResponseDto "500.0 Internal Fault"; detail only logged */
    ERR_UNAVAILABLE,        /* 503, ErrorResponseDto; used while shutting down */
    ERR_BAD_GATEWAY,        /* 502, ErrorResponseDto; only from injected faults */
    ERR_GATEWAY_TIMEOUT,    /* 504, ErrorResponseDto; only from injected faults */
    ERR_OAUTH_INVALID_REQUEST,   /* 400, RFC 6749 {"error":"invalid_request"} */
    ERR_OAUTH_INVALID_CLIENT,    /* 401, RFC 6749 {"error":"invalid_client"} */
    ERR_OAUTH_UNSUPPORTED_GRANT, /* 400, RFC 6749 {"error":"unsupported_grant_type"} */
    ERR__COUNT
};

/* How an error's body looks; http/respond.c writes one shape per value. */
enum err_shape {
    ERR_SHAPE_DTO,     /* ErrorResponseDto: detailCode, trackingId, messages[{text}], causes */
    ERR_SHAPE_ERROR,   /* {"error": text} */
    ERR_SHAPE_MESSAGE, /* {"message": the table's text}, whatever text the caller gave */
    ERR_SHAPE_OAUTH,   /* RFC 6749 {"error": detail_code, "error_description": text} */
};

enum err_flag {
    ERR_F_PRIVATE = 1,   /* the caller's text is logged with the trackingId; the client
                            sees the table's text */
    ERR_F_NO_STATUS = 2, /* never chosen by err_from_status() (a variant of another row) */
};

struct err_info {
    int status;              /* HTTP status */
    const char *detail_code; /* ErrorResponseDto detailCode, or the OAuth error code */
    const char *text;        /* default message text when the caller gives none */
    enum err_shape shape;    /* the body */
    unsigned flags;          /* enum err_flag bits */
    int retry_after_s;       /* > 0: a Retry-After header, unless the answer has one */
};

/* The row of the static table for `e`; an out-of-range value maps to ERR_INTERNAL. */
const struct err_info *err_info(enum err e);

/* The error that answers with HTTP `status` (400, 401, 403, 404, 405, 413,
 * 429, 500, 502, 503, 504), for injected faults; ERR_INTERNAL for others. */
enum err err_from_status(int status);

/* The one reason formatter: writes a formatted reason into why[whylen]
 * (always NUL-terminated); a NULL `why` or a zero length is a no-op. */
void err_why(char *why, size_t whylen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* err_why() for a va_list (used by wrappers such as api_fail). */
void err_whyv(char *why, size_t whylen, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* Nonzero when `e` answers with an RFC 6749 OAuth error body (ERR_SHAPE_OAUTH). */
int err_is_oauth(enum err e);

#endif
