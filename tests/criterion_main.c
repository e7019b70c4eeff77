/*
 * criterion_main.c - the entry point of every Criterion test program (unit
 * and e2e): Criterion's own main, except that no test case runs unbounded.
 *
 * Criterion 2.4 applies a timeout only to cases that name one (`.timeout`),
 * and its --timeout flag only lowers those. Here every case without its own
 * (and without one from its suite) gets TEST_CASE_TIMEOUT_S, so a case that
 * hangs fails as "timed out" long before meson's timeout for the whole
 * program. The environment variable ISC_TEST_TIMEOUT_SCALE (a number >= 1,
 * set by the slower runs: sanitizers, valgrind) multiplies every case's timeout;
 * test_scale.h gives the same number to the waits inside the cases.
 */
#include <criterion/criterion.h>
#include <criterion/internal/ordered-set.h>
#include <stdlib.h>

#include "test_scale.h"

#define TEST_CASE_TIMEOUT_S 60.0

double test_timeout_scale(void)
{
    const char *s = getenv("ISC_TEST_TIMEOUT_SCALE");
    char *end = NULL;
    double v = s != NULL ? strtod(s, &end) : 1.0;
    return (s != NULL && (end == s || *end != '\0')) || v < 1.0 ? 1.0 : v;
}

/* Gives each case of `set` a timeout: its own, its suite's, or the default; scaled. */
static void bound_cases(struct criterion_test_set *set)
{
    double scale = test_timeout_scale();
    for (struct criterion_ordered_set_node *sn = set->suites->first; sn != NULL; sn = sn->next) {
        struct criterion_suite_set *suite = (void *)(sn + 1);
        double fallback = TEST_CASE_TIMEOUT_S;
        if (suite->suite.data != NULL && suite->suite.data->timeout > 0)
            fallback = suite->suite.data->timeout;
        if (suite->tests == NULL)
            continue;
        for (struct criterion_ordered_set_node *tn = suite->tests->first; tn != NULL;
             tn = tn->next) {
            struct criterion_test *t = (void *)(tn + 1);
            if (t->data->timeout <= 0)
                t->data->timeout = fallback;
            t->data->timeout *= scale;
        }
    }
}

int main(int argc, char *argv[])
{
    struct criterion_test_set *set = criterion_initialize();
    int rc = 0;
    bound_cases(set);
    if (criterion_handle_args(argc, argv, true))
        rc = !criterion_run_all_tests(set);
    criterion_finalize(set);
    return rc;
}
