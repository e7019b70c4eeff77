/*
 * log.c - request and message logging to stderr (see log.h). JSON lines are
 * escaped by hand so the logger depends on nothing but libc.
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"

static enum log_format log_fmt = LOG_TEXT;
static int log_quiet;

void log_set_format(enum log_format f)
{
    log_fmt = f;
}

void log_set_quiet(int quiet)
{
    log_quiet = quiet;
}

static void json_str(struct buf *b, const char *s)
{
    buf_putc(b, '"');
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            buf_putc(b, '\\');
            buf_putc(b, (char)c);
        } else if (c < 0x20) {
            buf_printf(b, "\\u%04x", c);
        } else {
            buf_putc(b, (char)c);
        }
    }
    buf_putc(b, '"');
}

static void emit(struct buf *b)
{
    if (buf_putc(b, '\n') == 0) {
        ssize_t w = write(STDERR_FILENO, b->data, b->len);
        (void)w;
    }
    buf_free(b);
}

void log_request(const struct log_request *r)
{
    if (log_quiet)
        return;
    char now[CLOCK_RFC3339_LEN];
    clock_format(clock_wall_ms(), now);
    struct buf b;
    buf_init(&b, 8192);
    double ms = (double)r->duration_us / 1000.0;
    if (log_fmt == LOG_JSON) {
        buf_puts(&b, "{\"time\":");
        json_str(&b, now);
        buf_puts(&b, ",\"method\":");
        json_str(&b, r->method);
        buf_puts(&b, ",\"path\":");
        json_str(&b, r->path);
        buf_printf(&b, ",\"status\":%d,\"duration_ms\":%.3f,\"client_id\":", r->status, ms);
        if (r->client_id)
            json_str(&b, r->client_id);
        else
            buf_puts(&b, "null");
        buf_puts(&b, ",\"trackingId\":");
        json_str(&b, r->tracking_id ? r->tracking_id : "");
        buf_putc(&b, '}');
    } else {
        buf_printf(&b, "%s %s %s %d %.3fms client=%s tracking=%s", now, r->method, r->path,
                   r->status, ms, r->client_id ? r->client_id : "-",
                   r->tracking_id ? r->tracking_id : "-");
    }
    emit(&b);
}

void log_msg(const char *level, const char *tracking_id, const char *fmt, ...)
{
    char text[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    char now[CLOCK_RFC3339_LEN];
    clock_format(clock_wall_ms(), now);
    struct buf b;
    buf_init(&b, 8192);
    if (log_fmt == LOG_JSON) {
        buf_puts(&b, "{\"time\":");
        json_str(&b, now);
        buf_puts(&b, ",\"level\":");
        json_str(&b, level);
        if (tracking_id) {
            buf_puts(&b, ",\"trackingId\":");
            json_str(&b, tracking_id);
        }
        buf_puts(&b, ",\"msg\":");
        json_str(&b, text);
        buf_putc(&b, '}');
    } else {
        buf_printf(&b, "%s %s%s%s %s", now, level, tracking_id ? " tracking=" : "",
                   tracking_id ? tracking_id : "", text);
    }
    emit(&b);
}
