/*
 * states.h - the server's saved snapshots of its whole state (one file
 * each; store/states.h says what a file holds): their folder, their names
 * and limits, and what saving and restoring do outside the database (the
 * clock, the rate limiter).
 *
 * The folder is "<db>.snapshots" beside a database file (it survives
 * restarts with the database), or a private temporary folder for the
 * default in-memory database (removed by states_close()); either is made
 * at the first save. A snapshot named NAME is the file "NAME.sqlite" there.
 * Saves, restores and deletes run one at a time (a mutex); listing and
 * downloading take no lock (a file is renamed into place whole).
 */
#ifndef ISC_API_STATES_H
#define ISC_API_STATES_H

#include <stddef.h>
#include <stdint.h>

#include "../store/states.h"

struct app;
struct states;

#define STATES_MAX 64 /* snapshots kept at once */

/* A snapshot as the control API shows it. */
struct states_item {
    struct store_state_info info;
    int64_t bytes; /* the file's size */
};

/* The folder for database `db` (":memory:" or a path), not made yet. NULL on OOM. */
struct states *states_new(const char *db);
/* Frees it; a private folder is removed with its files. NULL is a no-op. */
void states_free(struct states *st);

/* 1 when `name` is a snapshot name: 1 to STORE_STATE_NAME_MAX letters,
 * digits, '.', '_' or '-', the first a letter or digit. */
int states_name_ok(const char *name);
/* What states_name_ok() accepts, in words, for the 400 message. */
#define STATES_NAME_RULE "1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit"

/* The file of snapshot `name` into out[outlen]; 0, or -1 when it does not fit. */
int states_path(const struct states *st, const char *name, char *out, size_t outlen);

/* Results of the functions below. */
enum states_rc {
    STATES_OK = 0,
    STATES_NONE = 1,   /* no snapshot of that name */
    STATES_FULL = 2,   /* STATES_MAX are kept already */
    STATES_ERROR = -1, /* the reason is in err (and logged) */
};

/*
 * Saves the whole state of app under `name` (valid), replacing a snapshot
 * of that name; with `journal` the request journal too. `out` gets what
 * was saved.
 */
int states_save(struct app *app, const char *name, int journal, struct states_item *out, char *err,
                size_t errlen);
/* Restores snapshot `name` into app (states_load() of its file). */
int states_restore(struct app *app, const char *name, struct states_item *out, char *err,
                   size_t errlen);
/*
 * Replaces app's whole state with snapshot file `path`: the database (the
 * signing key and tenant id stay the running server's, so issued tokens
 * stay valid), then a virtual clock set to the snapshot's, and the rate
 * limiter emptied. STATES_OK or STATES_ERROR with a one-line reason.
 */
int states_load(struct app *app, const char *path, struct store_state_info *info, char *err,
                size_t errlen);
/* Removes snapshot `name`: STATES_OK, STATES_NONE or STATES_ERROR. */
int states_delete(struct app *app, const char *name);
/* The info of snapshot `name`: STATES_OK, STATES_NONE or STATES_ERROR. */
int states_get(struct app *app, const char *name, struct states_item *out);
/* Calls fn for each snapshot, in name order, until it returns nonzero.
 * STATES_OK or STATES_ERROR. */
int states_each(struct app *app, int (*fn)(void *ud, const struct states_item *it), void *ud);

#endif
