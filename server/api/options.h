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
    OPTIONS_PRINT,   /* --print-config: cfg is complete; print it (config_print), exit 0 */
};

/* Looks up an environment variable: getenv, or a table in tests. NULL: unset. */
typedef const char *(*options_env_fn)(const char *name);

/*
 * Fills `cfg` with the defaults, then the settings of the config file
 * (--config or ISC_MOCK_CONFIG), then the environment variables read through
 * `env` (NULL: none), then the flags of argv[1..argc-1]; a flag wins over
 * its variable, and both over the file. On OPTIONS_BAD `err` holds one line
 * naming the flag, variable or config member and the value; cfg is then
 * partly filled and must not be used. Whatever the result, release cfg with
 * options_release() (it may own the config file).
 */
enum options_result options_parse(int argc, char *const *argv, options_env_fn env,
                                  struct app_config *cfg, char *err, size_t errlen);

/* Releases what options_parse() read into cfg (the config file). */
void options_release(struct app_config *cfg);

/* The JSON type a setting takes in a config file. */
enum options_type {
    OPTIONS_T_NONE,   /* no such setting (or not one a config file may hold) */
    OPTIONS_T_STRING, /* a string */
    OPTIONS_T_INT,    /* a whole number */
    OPTIONS_T_BOOL,   /* true or false */
    OPTIONS_T_LIST,   /* a string or an array of strings (--cors) */
};
enum options_type options_type(const char *name);

/* Applies `value` (text, as a flag would give it; "1"/"0" for a switch) to
 * setting `name`; `from` names the source in errors. 0, or -1 with err set. */
int options_set(struct app_config *cfg, const char *name, const char *value, const char *from,
                char *err, size_t errlen);

/* Every setting of cfg that has a value, as a JSON object keyed by flag name
 * (the admin token as "***"); NULL on OOM. The caller deletes it. */
struct cJSON *options_json(const struct app_config *cfg);

/* Writes the --help text to `out`. */
void options_usage(FILE *out);

#endif
