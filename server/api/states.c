/*
 * states.c - the folder of saved snapshots and what a save or a restore
 * does around the database (see states.h). The database part of both, and
 * what a snapshot file holds, is store/states.c; the routes are
 * control_states.c.
 */
#include "states.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../auth/limiter.h"
#include "../core/clock.h"
#include "../core/fdio.h"
#include "../core/log.h"
#include "../core/tmpdir.h"
#include "../reports/lifecycle.h"
#include "../reports/snapshot.h"
#include "../reports/spool.h"
#include "app.h"

#define DIR_MAX 4096
#define EXT ".sqlite"

struct states {
    pthread_mutex_t lock; /* one save, restore or delete at a time */
    char dir[DIR_MAX];
    int private_dir; /* a temporary folder: made by mkdtemp, removed at the end */
    atomic_int made; /* the folder exists (read without the lock by listings) */
};

struct states *states_new(const char *db)
{
    struct states *st = calloc(1, sizeof(*st));
    if (!st)
        return NULL;
    pthread_mutex_init(&st->lock, NULL);
    st->private_dir = tmpdir_is_private_db(db);
    if (!st->private_dir && (size_t)snprintf(st->dir, sizeof(st->dir), "%s.snapshots", db) >=
                                sizeof(st->dir) - STORE_STATE_NAME_MAX - 16)
        st->dir[0] = '\0'; /* too long: every save fails with a reason */
    struct stat sb;
    if (!st->private_dir && st->dir[0] && stat(st->dir, &sb) == 0 && S_ISDIR(sb.st_mode))
        st->made = 1; /* saved by an earlier run with this database */
    return st;
}

void states_free(struct states *st)
{
    if (!st)
        return;
    if (st->private_dir && st->made)
        tmpdir_remove(st->dir);
    pthread_mutex_destroy(&st->lock);
    free(st);
}

int states_name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n < 1 || n > STORE_STATE_NAME_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        int alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-')))
            return 0;
    }
    return 1;
}

int states_path(const struct states *st, const char *name, char *out, size_t outlen)
{
    int n = snprintf(out, outlen, "%s/%s" EXT, st->dir, name);
    return st->dir[0] && n > 0 && (size_t)n < outlen ? 0 : -1;
}

/* Makes the folder at the first save; 0, or -1 with err set. */
static int dir_make(struct states *st, char *err, size_t errlen)
{
    if (st->made)
        return 0;
    if (st->private_dir) {
        if (tmpdir_make("isc-reports-mock-snapshots-", st->dir, sizeof(st->dir)) != 0) {
            snprintf(err, errlen, "cannot make a folder for snapshots in %.256s: %s", st->dir,
                     strerror(errno));
            st->dir[0] = '\0';
            return -1;
        }
    } else if (!st->dir[0] || (mkdir(st->dir, 0755) != 0 && errno != EEXIST)) {
        snprintf(err, errlen, "cannot make the snapshots folder %s: %s", st->dir,
                 st->dir[0] ? strerror(errno) : "path too long");
        return -1;
    }
    st->made = 1;
    return 0;
}

/* The item of file `path`: its info and size. */
static int item_read(struct app *app, const char *path, struct states_item *out)
{
    struct stat sb;
    char why[300];
    if (stat(path, &sb) != 0)
        return errno == ENOENT ? STATES_NONE : STATES_ERROR;
    if (store_state_check(app->store, path, &out->info, why, sizeof(why)) != STORE_OK) {
        log_msg("warn", NULL, "snapshot %s: %s", path, why);
        return STATES_ERROR;
    }
    out->bytes = (int64_t)sb.st_size;
    return STATES_OK;
}

int states_get(struct app *app, const char *name, struct states_item *out)
{
    char path[DIR_MAX + 128];
    if (!app->states->made || states_path(app->states, name, path, sizeof(path)) != 0)
        return STATES_NONE;
    int rc = item_read(app, path, out);
    /* The file's name wins over what it says inside (it may have been copied). */
    if (rc == STATES_OK)
        snprintf(out->info.name, sizeof(out->info.name), "%s", name);
    return rc;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The snapshot names in the folder, sorted, into names[] (each malloc'd). */
static size_t names_read(const struct states *st, char **names, size_t cap)
{
    DIR *d = st->made ? opendir(st->dir) : NULL;
    struct dirent *e;
    size_t n = 0;
    while (d && n < cap && (e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len <= strlen(EXT) || strcmp(e->d_name + len - strlen(EXT), EXT) != 0)
            continue;
        char name[STORE_STATE_NAME_MAX + 1];
        size_t stem = len - strlen(EXT);
        if (stem > STORE_STATE_NAME_MAX)
            continue;
        memcpy(name, e->d_name, stem);
        name[stem] = '\0';
        if (states_name_ok(name) && (names[n] = strdup(name)) != NULL)
            n++;
    }
    if (d)
        closedir(d);
    qsort(names, n, sizeof(*names), by_name);
    return n;
}

int states_each(struct app *app, int (*fn)(void *ud, const struct states_item *it), void *ud)
{
    char *names[STATES_MAX * 2];
    size_t n = names_read(app->states, names, sizeof(names) / sizeof(names[0]));
    int stop = 0;
    for (size_t i = 0; i < n; i++) {
        struct states_item it;
        if (!stop && states_get(app, names[i], &it) == STATES_OK)
            stop = fn(ud, &it);
        free(names[i]);
    }
    return STATES_OK;
}

/* How many snapshots the folder holds; *exists says whether `name` is one. */
static size_t count(const struct states *st, const char *name, int *exists)
{
    char *names[STATES_MAX * 2];
    size_t n = names_read(st, names, sizeof(names) / sizeof(names[0]));
    *exists = 0;
    for (size_t i = 0; i < n; i++) {
        *exists |= strcmp(names[i], name) == 0;
        free(names[i]);
    }
    return n;
}

/* What the store's save needs, through snapshot_exclusive(). */
struct save {
    struct app *app;
    const char *path;
    const struct store_state_info *info;
    char *err;
    size_t errlen;
};

/* The database and the report files together, while no render publishes a
 * task and no cleanup removes files: every ended task has its files. */
static int save_files_locked(void *ud)
{
    struct save *w = ud;
    return store_state_save(w->app->store, w->path, w->info, spool_dir(w->app->spool), w->err,
                            w->errlen) == STORE_OK
               ? 0
               : -1;
}

/* The body of states_save(), under the lock. */
static int save_locked(struct app *app, const char *name, int journal, struct states_item *out,
                       char *err, size_t errlen)
{
    struct states *st = app->states;
    char path[DIR_MAX + 128], tmp[DIR_MAX + 128];
    int exists;
    if (dir_make(st, err, errlen) != 0)
        return STATES_ERROR;
    if (count(st, name, &exists) >= STATES_MAX && !exists)
        return STATES_FULL;
    /* A dot first: the temporary file is never listed as a snapshot. */
    if (states_path(st, name, path, sizeof(path)) != 0 ||
        (size_t)snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", st->dir, name) >= sizeof(tmp)) {
        snprintf(err, errlen, "snapshot path too long");
        return STATES_ERROR;
    }
    struct store_state_info info = {
        .created_ms = clock_wall_ms(), .clock_ms = clock_now_ms(app->clock), .journal = journal};
    snprintf(info.name, sizeof(info.name), "%s", name);
    struct save save = {app, tmp, &info, err, errlen};
    if (snapshot_exclusive(app->snap, save_files_locked, &save) != 0)
        return STATES_ERROR;
    /* Written without syncs; beside a database it must outlive a crash as
     * the database does: its bytes, then its name in the folder. A private
     * folder goes with the server, so nothing there is synced. */
    if ((!st->private_dir && fdio_sync_path(tmp) != 0) || rename(tmp, path) != 0) {
        snprintf(err, errlen, "cannot store snapshot %s: %s", name, strerror(errno));
        unlink(tmp);
        return STATES_ERROR;
    }
    if (!st->private_dir && fdio_sync_path(st->dir) != 0) {
        snprintf(err, errlen, "cannot store snapshot %s: %s", name, strerror(errno));
        return STATES_ERROR;
    }
    return states_get(app, name, out) == STATES_OK ? STATES_OK : STATES_ERROR;
}

int states_save(struct app *app, const char *name, int journal, struct states_item *out, char *err,
                size_t errlen)
{
    pthread_mutex_lock(&app->states->lock);
    err[0] = '\0';
    int rc = save_locked(app, name, journal, out, err, errlen);
    pthread_mutex_unlock(&app->states->lock);
    if (rc == STATES_ERROR)
        log_msg("error", NULL, "snapshot %s: save: %s", name, err[0] ? err : "unreadable");
    return rc;
}

struct load {
    struct app *app;
    const char *path;
    struct store_state_info *info;
    char *err;
    size_t errlen;
};

/* The restore of the database and of the report files, with every render
 * stopped: the snapshot's files replace those of the same name, and the
 * files of tasks the snapshot does not hold as ended go. */
static int load_locked(void *ud)
{
    /* Tokens are signed with the running server's key: keep it, and the tenant id they carry. */
    static const char *const keep[] = {"jwt_key", "tenant_id", NULL};
    struct load *l = ud;
    struct app *app = l->app;
    int rc = store_state_restore(app->store, l->path, keep, spool_dir(app->spool), l->info, l->err,
                                 l->errlen);
    spool_changed(app->spool); /* it wrote (and may have removed) files there */
    if (rc != STORE_OK)
        return -1;
    spool_sweep(app->spool, lifecycle_id_done, app->store, 1);
    return 0;
}

int states_load(struct app *app, const char *path, struct store_state_info *info, char *err,
                size_t errlen)
{
    struct load l = {app, path, info, err, errlen};
    if (snapshot_reset(app->snap, load_locked, &l) != 0)
        return STATES_ERROR;
    limiter_reset(app->limiter);
    if (clock_mode(app->clock) == CLOCK_MODE_VIRTUAL &&
        clock_set(app->clock, info->clock_ms) == 0 && app_clock_save(app) != 0) {
        snprintf(err, errlen, "cannot save the clock");
        return STATES_ERROR;
    }
    app_resume(app); /* the restored tasks that are due: their files are made */
    return STATES_OK;
}

int states_restore(struct app *app, const char *name, struct states_item *out, char *err,
                   size_t errlen)
{
    char path[DIR_MAX + 128];
    int rc = states_get(app, name, out);
    err[0] = '\0';
    if (rc != STATES_OK)
        return rc;
    pthread_mutex_lock(&app->states->lock);
    if (states_path(app->states, name, path, sizeof(path)) != 0)
        rc = STATES_NONE;
    else
        rc = states_load(app, path, &out->info, err, errlen);
    pthread_mutex_unlock(&app->states->lock);
    snprintf(out->info.name, sizeof(out->info.name), "%s", name);
    if (rc == STATES_ERROR)
        log_msg("error", NULL, "snapshot %s: restore: %s", name, err);
    return rc;
}

int states_delete(struct app *app, const char *name)
{
    char path[DIR_MAX + 128];
    struct states *st = app->states;
    if (!st->made || states_path(st, name, path, sizeof(path)) != 0)
        return STATES_NONE;
    pthread_mutex_lock(&st->lock);
    int rc = unlink(path) == 0 ? STATES_OK : errno == ENOENT ? STATES_NONE : STATES_ERROR;
    pthread_mutex_unlock(&st->lock);
    return rc;
}
