/*
 * clock.h - the server's notion of "now", real or virtual, in Unix milliseconds.
 *
 * A real clock reads CLOCK_REALTIME. A virtual clock starts at the real time
 * of its creation (or a given instant) and moves only through clock_set() and
 * clock_advance(), so tests drive task lifecycles and token expiry without
 * sleeping. All functions are thread-safe. The clock is owned by whoever
 * called clock_new() and freed with clock_free() (NULL is a no-op).
 */
#ifndef ISC_CORE_CLOCK_H
#define ISC_CORE_CLOCK_H

#include <stddef.h>
#include <stdint.h>

enum clock_mode { CLOCK_MODE_REAL, CLOCK_MODE_VIRTUAL };

struct clock;

/* start_ms <= 0 means "the current real time". Returns NULL on OOM. */
struct clock *clock_new(enum clock_mode mode, int64_t start_ms);
void clock_free(struct clock *c);
enum clock_mode clock_mode(const struct clock *c);
int64_t clock_now_ms(struct clock *c);
/*
 * The instants a virtual clock may hold: 1970-01-01T00:00:00.000Z to
 * 8999-12-31T23:59:59.999Z. The upper bound leaves room for every time
 * derived from the clock (a task's end, a token's expiry) to stay a real
 * date before the year 10000.
 */
#define CLOCK_MIN_MS 0
#define CLOCK_MAX_MS INT64_C(221845391999999)
/* Virtual clocks only: -1 on a real clock or a result outside
 * [CLOCK_MIN_MS, CLOCK_MAX_MS] (the clock is then unchanged), else 0. */
int clock_set(struct clock *c, int64_t ms);
int clock_advance(struct clock *c, int64_t delta_ms);

/* The real wall clock, whatever the mode (for logs and durations). */
int64_t clock_wall_ms(void);
/* Monotonic milliseconds, for measuring request durations. */
int64_t clock_mono_us(void);

#define CLOCK_RFC3339_LEN 25 /* "2026-01-02T03:04:05.678Z" plus NUL */
/* Formats `ms` as RFC 3339 UTC with milliseconds; out must hold CLOCK_RFC3339_LEN. */
void clock_format(int64_t ms, char out[CLOCK_RFC3339_LEN]);
/* Parses "YYYY-MM-DDTHH:MM:SS[.fff]Z" (also +00:00); 0 on success, -1 otherwise. */
int clock_parse(const char *s, int64_t *ms);

#endif
