/*
 * api.c - small helpers shared by every handler for filling a struct api_res
 * (see api.h). The HTTP layer owns the api_res and frees it.
 */
#include "api.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void api_res_init(struct api_res *rs)
{
    memset(rs, 0, sizeof(*rs));
    rs->status = 200;
    rs->file.fd = -1;
    buf_init(&rs->body, 0);
}

void api_res_free(struct api_res *rs)
{
    if (!rs)
        return;
    buf_free(&rs->body);
    if (rs->stream.free && rs->stream.ctx)
        rs->stream.free(rs->stream.ctx);
    rs->stream.ctx = NULL;
    rs->stream.read = NULL;
    if (rs->file.fd >= 0)
        close(rs->file.fd);
    rs->file.fd = -1;
}

int api_res_header(struct api_res *rs, const char *name, const char *fmt, ...)
{
    if (rs->nheaders >= API_MAX_HEADERS)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rs->headers[rs->nheaders].value, sizeof(rs->headers[0].value), fmt, ap);
    va_end(ap);
    rs->headers[rs->nheaders].name = name;
    rs->nheaders++;
    return 0;
}

enum err api_fail(struct api_res *rs, enum err e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err_whyv(rs->err_text, sizeof(rs->err_text), fmt, ap);
    va_end(ap);
    return e;
}

enum err api_json(struct api_res *rs, int status, cJSON *json)
{
    /* The printed text becomes the body as it is: cJSON allocates with
     * malloc() (this program never calls cJSON_InitHooks), and the body is
     * free()d, by libmicrohttpd once sent. */
    char *text = json ? cJSON_PrintUnformatted(json) : NULL;
    cJSON_Delete(json);
    if (!text)
        return ERR_INTERNAL;
    buf_free(&rs->body);
    rs->body.data = text;
    rs->body.len = strlen(text);
    rs->body.cap = rs->body.len + 1;
    rs->status = status;
    rs->content_type = "application/json";
    return ERR_OK;
}
