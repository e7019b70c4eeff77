/*
 * options.h - the server's settings as one table: flag name, environment
 * variable, kind, bounds, default and help text. The same rows parse the
 * command line and the environment, print --help, and are what the README's
 * flag table is checked against, so the three cannot drift apart.
 *
 * Parsed values are stored in a caller-owned struct app_config; its strings
 * point into argv or the environment (borrowed for the life of the process).
 */
#ifndef ISC_API_OPTIONS_H
#define ISC_API_OPTIONS_H

#include <stddef.h>
#include <stdio.h>

#include "app.h"

enum options_result {
    OPTIONS_RUN,     /* cfg is complete: start the server */
    OPTIONS_HELP,    /* --help or -h: print options_usage() and exit 0 */
    OPTIONS_VERSION, /* --version: print the version and exit 0 */
    OPTIONS_BAD,     /* a bad flag or value: the reason is in err, exit 2 */
};

/* Looks up an environment variable: getenv, or a table in tests. NULL: unset. */
typedef const char *(*options_env_fn)(const char *name);

/*
 * Fills `cfg` with the defaults, then the environment variables read through
 * `env` (NULL: none), then the flags of argv[1..argc-1]; a flag wins over
 * its variable. On OPTIONS_BAD `err` holds one line naming the flag or
 * variable and the value; cfg is then partly filled and must not be used.
 */
enum options_result options_parse(int argc, char *const *argv, options_env_fn env,
                                  struct app_config *cfg, char *err, size_t errlen);

/* Writes the --help text to `out`. */
void options_usage(FILE *out);

#endif
