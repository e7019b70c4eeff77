/*
 * outcome.h - the states a report task can be in: RUNNING, then one
 * completionStatus (SUCCESS, WARNING, ERROR, TEMP_ERROR, TERMINATED), with
 * what each means for ReportResults.status, for a planned outcome, for the
 * file and for the default TaskResultDetails message.
 *
 * One static table; returned pointers point into it and are never freed.
 */
#ifndef ISC_REPORTS_OUTCOME_H
#define ISC_REPORTS_OUTCOME_H

#include <stddef.h>

struct report_outcome {
    const char *name;         /* completionStatus, or "RUNNING" (no completionStatus yet) */
    const char *status;       /* ReportResults.status; NULL while running */
    int plannable;            /* a behaviour (control API) may end tasks with it */
    int has_file;             /* a task that ended so has rows and a file */
    const char *message_type; /* its default message's type ("WARN", "ERROR"); NULL: none */
    const char *message;      /* that message's text */
};

#define REPORT_RUNNING "RUNNING"

/* Every state's name, and the names of the plannable ones, in table order,
 * NULL-terminated: choice lists for validating bodies and queries. */
extern const char *const report_outcome_names[];
extern const char *const report_outcome_plannable[];

/* The state named exactly `name`, or NULL (also for NULL). */
const struct report_outcome *report_outcome_find(const char *name);

/*
 * Writes the names of the states (plannable_only: only those a behaviour
 * may plan) into out[outlen] as "A, B or C", always NUL-terminated (cut
 * when it does not fit), for "must be one of" reasons.
 */
void report_outcome_list(int plannable_only, char *out, size_t outlen);

#endif
