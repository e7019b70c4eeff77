/*
 * test_scale.h - one reading of ISC_TEST_TIMEOUT_SCALE for every test program.
 *
 * A slower build (sanitizers, valgrind, a TSan server) sets the variable to
 * stretch every time limit alike: the cases' own (criterion_main.c), and the
 * waits inside them (the e2e harness and the cases that time the server).
 */
#ifndef TEST_SCALE_H
#define TEST_SCALE_H

/* ISC_TEST_TIMEOUT_SCALE as a number >= 1: 1 when unset, malformed or below 1.
 * Defined in criterion_main.c, which every test program links. */
double test_timeout_scale(void);

#endif
