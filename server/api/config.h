/*
 * config.h - the configuration file (--config FILE, ISC_MOCK_CONFIG): one
 * JSON object whose members are the settings of the options table, named
 * as the flags are ("port", "rate-limit", "cors"), and four sections that
 * set up the state a test needs, each member shaped as the control API's
 * body for it:
 *   "clients": [POST /mock/clients bodies],
 *   "reports": {"<reportType>" or "default": PUT /mock/reports/{type} body},
 *   "faults":  [POST /mock/faults bodies],
 *   "tasks":   [{"reportType", "arguments", "clientId", and the members of a
 *               POST /mock/reports/next body: "outcome", "durationMs",
 *               "polls", "messages"}].
 * Settings are read by options_parse (flags and variables override them);
 * sections are applied to a new database at start and again by each reset.
 *
 * A config owns the file's text and its parsed tree; the settings of a
 * struct app_config read from it borrow strings from it, so it lives as
 * long as they do (config_free at exit).
 */
#ifndef ISC_API_CONFIG_H
#define ISC_API_CONFIG_H

#include <stddef.h>
#include <stdio.h>

struct app;
struct app_config;
struct config;

/*
 * Reads and checks `path`: valid JSON, an object, known members of the
 * right types, sections of the right shapes. Applies its settings to cfg
 * (through options_set). NULL with one line in err naming the file, the
 * line and the member on any problem.
 */
struct config *config_read(const char *path, struct app_config *cfg, char *err, size_t errlen);

/* NULL is a no-op. */
void config_free(struct config *c);

/*
 * Applies the sections to the app's database through the control API's own
 * handlers (same checks, same errors). 0, or -1 with one line in err naming
 * the file, the line, the entry ("faults[1]") and what is wrong with it.
 * NULL config: nothing to do.
 */
int config_apply(struct app *app, const struct config *c, char *err, size_t errlen);

/*
 * Writes the effective configuration of cfg as a config file: every setting
 * (unset ones left out) and the file's sections, secrets shown as "***".
 * 0, or -1 on OOM.
 */
int config_print(FILE *out, const struct app_config *cfg);

/* The 1-based line of the member or element at `path` ("faults[1].status",
 * "port") in the JSON `text`; 0 when absent. */
int config_line(const char *text, const char *path);

#endif
