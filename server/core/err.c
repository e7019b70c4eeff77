/*
 * err.c - the static table behind enum err: status, detailCode, default
 * text, body shape, and whether the caller's text may reach the client.
 *
 * The detailCode strings follow the examples of the official contract
 * ("400.1 Bad Request Content", "403 Forbidden", "404 Not found",
 * "500.0 Internal Fault"); the others are chosen in the same style.
 */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>

/* One table (clang-format would spread each row over many lines). */
/* clang-format off */
static const struct err_info err_table[ERR__COUNT] = {
    [ERR_OK] = {200, "", "", ERR_SHAPE_DTO, ERR_F_NO_STATUS, 0},
    [ERR_BAD_REQUEST] = {400, "400.1 Bad Request Content",
        "The request was syntactically correct but its content is semantically invalid.",
        ERR_SHAPE_DTO, 0, 0},
    [ERR_UNAUTHORIZED] = {401, "401 Unauthorized", "Missing or invalid authorization header",
        ERR_SHAPE_ERROR, 0, 0},
    [ERR_FORBIDDEN] = {403, "403 Forbidden",
        "The server understood the request but refuses to authorize it.", ERR_SHAPE_DTO, 0, 0},
    [ERR_NOT_FOUND] = {404, "404 Not found", "The requested resource or object does not exist.",
        ERR_SHAPE_DTO, 0, 0},
    [ERR_FILE_NOT_FOUND] = {404, "404 Not found",
        "<h1>File Not Found - 404 Error</h1> The requested file was not found.",
        ERR_SHAPE_DTO, ERR_F_NO_STATUS, 0},
    [ERR_METHOD_NOT_ALLOWED] = {405, "405 Method Not Allowed",
        "The request method is not supported for this resource.", ERR_SHAPE_DTO, 0, 0},
    [ERR_TOO_LARGE] = {413, "413 Payload Too Large", "The request body is larger than 1 MiB.",
        ERR_SHAPE_DTO, 0, 0},
    [ERR_URI_TOO_LONG] = {414, "414 URI Too Long", "The request URI is too long.",
        ERR_SHAPE_DTO, 0, 0},
    [ERR_RATE_LIMITED] = {429, "429 Too Many Requests", " Rate Limit Exceeded ",
        ERR_SHAPE_MESSAGE, 0, 1},
    [ERR_INTERNAL] = {500, "500.0 Internal Fault", "An internal fault occurred.",
        ERR_SHAPE_DTO, ERR_F_PRIVATE, 0},
    [ERR_UNAVAILABLE] = {503, "503 Service Unavailable",
        "The service is temporarily unavailable.", ERR_SHAPE_DTO, 0, 0},
    [ERR_BAD_GATEWAY] = {502, "502 Bad Gateway",
        "The server received an invalid response from an upstream server.", ERR_SHAPE_DTO, 0, 0},
    [ERR_GATEWAY_TIMEOUT] = {504, "504 Gateway Timeout",
        "The server did not receive a timely response from an upstream server.",
        ERR_SHAPE_DTO, 0, 0},
    [ERR_OAUTH_INVALID_REQUEST] = {400, "invalid_request", "A required parameter is missing.",
        ERR_SHAPE_OAUTH, ERR_F_NO_STATUS, 0},
    [ERR_OAUTH_INVALID_CLIENT] = {401, "invalid_client", "Bad credentials",
        ERR_SHAPE_OAUTH, ERR_F_NO_STATUS, 0},
    [ERR_OAUTH_UNSUPPORTED_GRANT] = {400, "unsupported_grant_type",
        "Only grant_type=client_credentials is supported.", ERR_SHAPE_OAUTH, ERR_F_NO_STATUS, 0},
};
/* clang-format on */

const struct err_info *err_info(enum err e)
{
    if ((int)e < 0 || e >= ERR__COUNT)
        e = ERR_INTERNAL;
    return &err_table[e];
}

int err_is_oauth(enum err e)
{
    return err_info(e)->shape == ERR_SHAPE_OAUTH;
}

enum err err_from_status(int status)
{
    /* Variants of a status (File Not Found, the OAuth bodies) are marked. */
    for (int e = 0; e < ERR__COUNT; e++)
        if (err_table[e].status == status && !(err_table[e].flags & ERR_F_NO_STATUS))
            return (enum err)e;
    return ERR_INTERNAL;
}

void err_whyv(char *why, size_t whylen, const char *fmt, va_list ap)
{
    if (!why || whylen == 0)
        return;
    vsnprintf(why, whylen, fmt, ap);
}

void err_why(char *why, size_t whylen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err_whyv(why, whylen, fmt, ap);
    va_end(ap);
}
