/*
 * err.c - the static table behind enum err: status, detailCode, default text.
 *
 * The detailCode strings follow the examples of the official contract
 * ("400.1 Bad Request Content", "403 Forbidden", "404 Not found",
 * "500.0 Internal Fault"); the others are chosen in the same style.
 */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>

static const struct err_info err_table[ERR__COUNT] = {
    [ERR_OK] = {200, "", ""},
    [ERR_BAD_REQUEST] = {400, "400.1 Bad Request Content",
                         "The request was syntactically correct but its content is semantically "
                         "invalid."},
    [ERR_UNAUTHORIZED] = {401, "401 Unauthorized", "Missing or invalid authorization header"},
    [ERR_FORBIDDEN] = {403, "403 Forbidden",
                       "The server understood the request but refuses to authorize it."},
    [ERR_NOT_FOUND] = {404, "404 Not found", "The requested resource or object does not exist."},
    [ERR_FILE_NOT_FOUND] =
        {404, "404 Not found",
         "<h1>File Not Found - 404 Error</h1> The requested file was not found."},
    [ERR_METHOD_NOT_ALLOWED] = {405, "405 Method Not Allowed",
                                "The request method is not supported for this resource."},
    [ERR_TOO_LARGE] = {413, "413 Payload Too Large", "The request body is larger than 1 MiB."},
    [ERR_RATE_LIMITED] = {429, "429 Too Many Requests", " Rate Limit Exceeded "},
    [ERR_INTERNAL] = {500, "500.0 Internal Fault", "An internal fault occurred."},
    [ERR_UNAVAILABLE] = {503, "503 Service Unavailable", "The service is temporarily unavailable."},
    [ERR_BAD_GATEWAY] = {502, "502 Bad Gateway",
                         "The server received an invalid response from an upstream server."},
    [ERR_GATEWAY_TIMEOUT] = {504, "504 Gateway Timeout",
                             "The server did not receive a timely response from an upstream "
                             "server."},
    [ERR_OAUTH_INVALID_REQUEST] = {400, "invalid_request", "A required parameter is missing."},
    [ERR_OAUTH_INVALID_CLIENT] = {401, "invalid_client", "Bad credentials"},
    [ERR_OAUTH_UNSUPPORTED_GRANT] = {400, "unsupported_grant_type",
                                     "Only grant_type=client_credentials is supported."},
};

const struct err_info *err_info(enum err e)
{
    if ((int)e < 0 || e >= ERR__COUNT)
        e = ERR_INTERNAL;
    return &err_table[e];
}

int err_is_oauth(enum err e)
{
    return e == ERR_OAUTH_INVALID_REQUEST || e == ERR_OAUTH_INVALID_CLIENT ||
           e == ERR_OAUTH_UNSUPPORTED_GRANT;
}

enum err err_from_status(int status)
{
    /* The first entry with the status wins: the ErrorResponseDto kinds come
     * before the "File Not Found" and OAuth variants in the enum. */
    for (int e = ERR_OK + 1; e < ERR__COUNT; e++)
        if (err_table[e].status == status && e != ERR_FILE_NOT_FOUND && !err_is_oauth((enum err)e))
            return (enum err)e;
    return ERR_INTERNAL;
}

void err_why(char *why, size_t whylen, const char *fmt, ...)
{
    if (!why || whylen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, whylen, fmt, ap);
    va_end(ap);
}
