/*
 * log.h - one line per request on stderr, as text or JSON lines, plus
 * free-form server messages. Lines are written with a single write(2) so
 * concurrent threads never interleave within a line. No memory is retained.
 */
#ifndef ISC_CORE_LOG_H
#define ISC_CORE_LOG_H

#include <stdint.h>

enum log_format { LOG_TEXT, LOG_JSON };

void log_set_format(enum log_format f);
void log_set_quiet(int quiet); /* 1: no request lines (server messages still go out) */

struct log_request {
    const char *method;
    const char *path;
    int status;
    int64_t duration_us;
    const char *client_id;   /* may be NULL */
    const char *tracking_id; /* may be NULL */
};

void log_request(const struct log_request *r);
/* level is "info", "warn" or "error"; tracking_id may be NULL. */
void log_msg(const char *level, const char *tracking_id, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
