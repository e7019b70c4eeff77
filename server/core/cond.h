/*
 * cond.h - condition variables whose timed waits are deadlines on
 * CLOCK_MONOTONIC, the one clock every timed wait of the server uses.
 *
 * A condition variable made with plain pthread_cond_init() measures its
 * deadline on CLOCK_REALTIME, where a monotonic deadline lies decades in the
 * past: the wait returns at once, and a loop around it spins. Every timed
 * wait therefore takes its condition from cond_init_mono() and its deadline
 * from cond_deadline_us(). Both are thread-safe and allocate nothing.
 */
#ifndef ISC_CORE_COND_H
#define ISC_CORE_COND_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

/* pthread_cond_init() with CLOCK_MONOTONIC as the clock of timed waits. */
void cond_init_mono(pthread_cond_t *c);

/* The CLOCK_MONOTONIC instant `us` microseconds from now (negative: now),
 * for pthread_cond_timedwait() on a condition from cond_init_mono(). */
struct timespec cond_deadline_us(int64_t us);

#endif
