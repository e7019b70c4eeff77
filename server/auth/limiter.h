/*
 * limiter.h - the rate limit: COUNT requests per WINDOW per client_id per
 * API version, as ISC counts them (/v2024, /v3 and /reports/v1 apart). The
 * version is the router's string: "v2024"... or "reports/v1".
 *
 * Fixed windows per key, started by the key's first request: a request
 * over the limit is refused with the whole seconds until the window ends,
 * and a request sent after that many seconds is admitted. Memory is
 * bounded by max_keys: when full, expired windows are dropped first, then
 * the oldest. Thread-safe. The limiter is owned by its creator
 * (limiter_free(NULL) is a no-op). Counters live in memory only: they last
 * seconds, and a restart forgets them as the real service's would.
 */
#ifndef ISC_AUTH_LIMITER_H
#define ISC_AUTH_LIMITER_H

#include <stddef.h>
#include <stdint.h>

struct limiter;

/* A sensible max_keys (about 2 MB), far more clients than a test run has. */
#define LIMITER_KEYS_DEFAULT 10000
/* The largest max_keys limiter_new() accepts. */
#define LIMITER_KEYS_MAX (1u << 24)

/*
 * count 0 turns the limiter off (every request admitted; window_ms and
 * max_keys are then ignored). Otherwise count > 0, 0 < window_ms <=
 * INT64_MAX / 2 and 0 < max_keys <= LIMITER_KEYS_MAX. Everything the limiter will use is
 * allocated here: limiter_take() never allocates. NULL on OOM or on
 * arguments out of range.
 */
struct limiter *limiter_new(int count, int64_t window_ms, size_t max_keys);
void limiter_free(struct limiter *l);

/*
 * Counts one request of `client_id` on `version` at `now_ms`. Returns 0 when
 * admitted; otherwise 1, with *retry_after_s set to the whole seconds (>= 1)
 * after which a request will be admitted. Refused requests are not counted.
 *
 * A window covers [start, start + window_ms): a request at or after its end
 * starts a new one. Retry-After is the time left rounded up to a second, so
 * a request sent exactly that many seconds later is admitted. A request
 * dated before its key's window start counts in that window when it is
 * less than a window early (threads read the clock a moment apart), and
 * starts a new window otherwise (a virtual clock set back). `l` NULL admits everything; NULL
 * client_id or version count as ""; retry_after_s may be NULL.
 */
int limiter_take(struct limiter *l, const char *client_id, const char *version, int64_t now_ms,
                 int64_t *retry_after_s);

/* Forgets every counter (POST /mock/reset). NULL is a no-op. */
void limiter_reset(struct limiter *l);

/* How many keys the limiter holds now (<= max_keys); 0 for NULL or off.
 * For tests and diagnostics. */
size_t limiter_size(struct limiter *l);

/*
 * Parses "COUNT/SECONDS" (e.g. "100/10"; both decimal digits only, from 1 to
 * INT_MAX) or "0" (off: *count and *window_ms set to 0). 0 on success, -1
 * otherwise (then the outputs are untouched); NULL arguments are -1.
 */
int limiter_parse(const char *spec, int *count, int64_t *window_ms);

#endif
