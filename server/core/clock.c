/*
 * clock.c - real and virtual clocks (see clock.h) and RFC 3339 formatting.
 * Date arithmetic is done by hand (days from civil) so no locale or TZ
 * setting can change what the API prints.
 */
#include "clock.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct clock {
    enum clock_mode mode;
    int64_t virtual_ms;
    pthread_mutex_t lock;
};

int64_t clock_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t clock_mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

struct clock *clock_new(enum clock_mode mode, int64_t start_ms)
{
    struct clock *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->mode = mode;
    c->virtual_ms = start_ms > 0 ? start_ms : clock_wall_ms();
    pthread_mutex_init(&c->lock, NULL);
    return c;
}

void clock_free(struct clock *c)
{
    if (!c)
        return;
    pthread_mutex_destroy(&c->lock);
    free(c);
}

enum clock_mode clock_mode(const struct clock *c)
{
    return c->mode;
}

int64_t clock_now_ms(struct clock *c)
{
    if (c->mode == CLOCK_MODE_REAL)
        return clock_wall_ms();
    pthread_mutex_lock(&c->lock);
    int64_t v = c->virtual_ms;
    pthread_mutex_unlock(&c->lock);
    return v;
}

int clock_set(struct clock *c, int64_t ms)
{
    if (c->mode != CLOCK_MODE_VIRTUAL || ms < CLOCK_MIN_MS || ms > CLOCK_MAX_MS)
        return -1;
    pthread_mutex_lock(&c->lock);
    c->virtual_ms = ms;
    pthread_mutex_unlock(&c->lock);
    return 0;
}

int clock_advance(struct clock *c, int64_t delta_ms)
{
    if (c->mode != CLOCK_MODE_VIRTUAL)
        return -1;
    int rc = 0;
    pthread_mutex_lock(&c->lock);
    if (delta_ms < CLOCK_MIN_MS - c->virtual_ms || delta_ms > CLOCK_MAX_MS - c->virtual_ms)
        rc = -1;
    else
        c->virtual_ms += delta_ms;
    pthread_mutex_unlock(&c->lock);
    return rc;
}

/* Howard Hinnant's days_from_civil / civil_from_days. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

void clock_format(int64_t ms, char out[CLOCK_RFC3339_LEN])
{
    if (ms < 0)
        ms = 0;
    int64_t secs = ms / 1000, days = secs / 86400, rem = secs % 86400;
    int64_t y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    if (y > 9999)
        y = 9999;
    char tmp[64]; /* roomy: the compiler cannot see that every field fits */
    snprintf(tmp, sizeof(tmp), "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", (int)y, m % 13, d % 32,
             (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60), (int)(ms % 1000));
    memcpy(out, tmp, CLOCK_RFC3339_LEN - 1);
    out[CLOCK_RFC3339_LEN - 1] = '\0';
}

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

int clock_parse(const char *s, int64_t *ms)
{
    int y, mo, d, h, mi, se, frac = 0;
    if (!s || strlen(s) < 20)
        return -1;
    if (digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) || s[7] != '-' ||
        digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't') || digits(s + 11, 2, &h) ||
        s[13] != ':' || digits(s + 14, 2, &mi) || s[16] != ':' || digits(s + 17, 2, &se))
        return -1;
    const char *p = s + 19;
    if (*p == '.') {
        int n = 0;
        p++;
        while (*p >= '0' && *p <= '9') {
            if (n < 3)
                frac = frac * 10 + (*p - '0');
            n++;
            p++;
        }
        if (n == 0)
            return -1;
        for (; n < 3; n++)
            frac *= 10;
    }
    if (!((p[0] == 'Z' || p[0] == 'z') && p[1] == '\0') && strcmp(p, "+00:00") != 0)
        return -1;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || se > 60)
        return -1;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (mo == 2 && d == 29 && !leap)
        return -1;
    int64_t days = days_from_civil(y, (unsigned)mo, (unsigned)d);
    *ms = ((days * 86400) + h * 3600 + mi * 60 + se) * 1000 + frac;
    return 0;
}
