/*
 * outcome.c - the task state table (see outcome.h). The ReportResults
 * statuses follow the contract: ERROR and TEMP_ERROR both read FAILURE.
 */
#include "outcome.h"

#include <stdio.h>
#include <string.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Each name is spelled once; the table and the choice lists point at it. */
static const char running[] = REPORT_RUNNING, success[] = "SUCCESS", warning[] = "WARNING",
                  error[] = "ERROR", temp_error[] = "TEMP_ERROR", terminated[] = "TERMINATED";

static const struct report_outcome outcomes[] = {
    {running, NULL, 0, 0, NULL, NULL},
    {success, success, 1, 1, NULL, NULL},
    {warning, warning, 1, 1, "WARN", "The report finished with warnings."},
    {error, "FAILURE", 1, 0, "ERROR", "The report failed."},
    {temp_error, "FAILURE", 1, 0, "ERROR",
     "The report failed with a temporary error; run it again."},
    {terminated, terminated, 0, 0, NULL, NULL},
};

/* The table's names in its order, and those of its plannable rows (a unit
 * test holds them to the table). */
const char *const report_outcome_names[] = {running,    success,    warning, error,
                                            temp_error, terminated, NULL};
const char *const report_outcome_plannable[] = {success, warning, error, temp_error, NULL};

const struct report_outcome *report_outcome_find(const char *name)
{
    for (size_t i = 0; name && i < N(outcomes); i++)
        if (strcmp(outcomes[i].name, name) == 0)
            return &outcomes[i];
    return NULL;
}

void report_outcome_list(int plannable_only, char *out, size_t outlen)
{
    size_t len = 0, total = 0, seen = 0;
    if (!out || !outlen)
        return;
    out[0] = '\0';
    for (size_t i = 0; i < N(outcomes); i++)
        total += !plannable_only || outcomes[i].plannable;
    for (size_t i = 0; i < N(outcomes) && len < outlen; i++) {
        const char *sep = seen == 0 ? "" : (seen + 1 == total ? " or " : ", ");
        int n;
        if (plannable_only && !outcomes[i].plannable)
            continue;
        n = snprintf(out + len, outlen - len, "%s%s", sep, outcomes[i].name);
        len += n > 0 ? (size_t)n : 0;
        seen++;
    }
}
