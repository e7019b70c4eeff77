/*
 * app.c - assembling the app (see app.h): the fixtures folder, the database,
 * the identity that survives restarts (HS256 key, tenant id, virtual time),
 * the token issuer and the rate limiter. The binary and the tests build
 * their app here, so both run the same wiring. Nothing here serves requests.
 */
#include "app.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../auth/jwt.h"
#include "../auth/limiter.h"
#include "../auth/token_cache.h"
#include "../core/ids.h"
#include "../core/log.h"
#include "../core/tmpdir.h"
#include "../reports/lifecycle.h"
#include "../reports/snapshot.h"
#include "../reports/spool.h"
#include "../store/control_store.h"
#include "../store/embedded.h"
#include "../store/gen.h"
#include "states.h"

#define FIXTURE_FILE_MAX (64L << 20) /* a fixture file larger than this is refused */

static void dir_fixtures_free(struct app *app)
{
    for (size_t i = 0; i < app->ndir_fixtures; i++) {
        free((char *)app->dir_fixtures[i].name);
        free((char *)app->dir_fixtures[i].text);
    }
    free(app->dir_fixtures);
    app->dir_fixtures = NULL;
    app->ndir_fixtures = 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const struct store_file *)a)->name, ((const struct store_file *)b)->name);
}

/* The whole file as a NUL-terminated malloc'd string; NULL when unreadable or too large. */
static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *text = NULL;
    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0) {
        long size = ftell(f);
        if (size >= 0 && size < FIXTURE_FILE_MAX && fseek(f, 0, SEEK_SET) == 0) {
            text = malloc((size_t)size + 1);
            if (text && fread(text, 1, (size_t)size, f) != (size_t)size) {
                free(text);
                text = NULL;
            } else if (text) {
                text[size] = '\0';
            }
        }
    }
    fclose(f);
    return text;
}

/* Appends dir/name to the app's fixtures. 0, or -1 with err set. */
static int add_fixture(struct app *app, const char *dir, const char *name, char *err, size_t errlen)
{
    char path[8192];
    if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path)) {
        err_why(err, errlen, "fixture path too long in %.256s", dir);
        return -1;
    }
    struct store_file *grown =
        realloc(app->dir_fixtures, (app->ndir_fixtures + 1) * sizeof(*grown));
    if (!grown) {
        err_why(err, errlen, "out of memory");
        return -1;
    }
    app->dir_fixtures = grown;
    char *text = read_text(path), *copy = strdup(name);
    if (!text || !copy) {
        free(text);
        free(copy);
        err_why(err, errlen, "cannot read fixture %.400s", path);
        return -1;
    }
    app->dir_fixtures[app->ndir_fixtures].name = copy;
    app->dir_fixtures[app->ndir_fixtures].text = text;
    app->ndir_fixtures++;
    return 0;
}

/* Reads dir/ *.sql, sorted by name, into the app. 0, or -1 with err set. */
static int dir_fixtures_load(struct app *app, const char *dir, char *err, size_t errlen)
{
    DIR *d = opendir(dir);
    if (!d) {
        err_why(err, errlen, "cannot read fixtures folder %s: %s", dir, strerror(errno));
        return -1;
    }
    struct dirent *e;
    int rc = -1;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 4, ".sql") != 0)
            continue;
        if (add_fixture(app, dir, e->d_name, err, errlen) != 0)
            goto out;
    }
    if (app->ndir_fixtures == 0) {
        err_why(err, errlen, "fixtures folder %s holds no .sql file", dir);
        goto out;
    }
    qsort(app->dir_fixtures, app->ndir_fixtures, sizeof(*app->dir_fixtures), by_name);
    rc = 0;
out:
    closedir(d);
    return rc;
}

static void to_hex(const unsigned char *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

static int from_hex(const char *in, unsigned char *out, size_t n)
{
    if (strlen(in) != 2 * n)
        return -1;
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        if (sscanf(in + 2 * i, "%2x", &v) != 1)
            return -1;
        out[i] = (unsigned char)v;
    }
    return 0;
}

/* Loads (or creates and saves) what must survive restarts with a file
 * database. A new database gets both in one write. */
static int identity_load(struct app *app)
{
    char hex[2 * APP_KEY_LEN + 1];
    int rc = store_meta_get(app->store, "jwt_key", hex, sizeof(hex));
    if (rc < 0)
        return -1;
    int new_key = rc == 1 || from_hex(hex, app->jwt_key, APP_KEY_LEN) != 0;
    if (new_key) {
        ids_random(app->jwt_key, APP_KEY_LEN);
        to_hex(app->jwt_key, APP_KEY_LEN, hex);
    }
    rc = store_meta_get(app->store, "tenant_id", app->tenant_id, sizeof(app->tenant_id));
    if (rc < 0)
        return -1;
    if (rc == 1) {
        app->fresh = 1;
        ids_uuid(app->tenant_id);
    }
    if (new_key && app->fresh)
        rc = store_meta_set2(app->store, "jwt_key", hex, "tenant_id", app->tenant_id);
    else if (new_key)
        rc = store_meta_set(app->store, "jwt_key", hex);
    else if (app->fresh)
        rc = store_meta_set(app->store, "tenant_id", app->tenant_id);
    else
        rc = 0;
    if (rc != 0)
        return -1;
    if (clock_mode(app->clock) == CLOCK_MODE_VIRTUAL) {
        char v[32], *end;
        rc = store_meta_get(app->store, "virtual_clock_ms", v, sizeof(v));
        errno = 0;
        long long ms = rc == 0 ? strtoll(v, &end, 10) : -1;
        if (rc == 0 && !errno && end != v && *end == '\0' && ms >= 0)
            clock_set(app->clock, ms);
    }
    return 0;
}

/* --tenant-size: the generated tenant, unless the database holds it already. */
static int app_tenant_startup(struct app *app)
{
    int64_t size, seed;
    int rc = store_tenant_generated(app->store, &size, &seed);
    if (rc < 0)
        return -1;
    if (rc == 0 && size == app->cfg.tenant_size && seed == app->cfg.tenant_seed)
        return 0; /* a file database that holds this very tenant already */
    return store_tenant_generate(app->store, app->cfg.tenant_size, app->cfg.tenant_seed,
                                 GEN_STARTUP);
}

/* The database with its identity; 0, or -1 with err set. */
static int open_store(struct app *app, char *err, size_t errlen)
{
    /* The built-in fixtures come as a prebuilt database; a fixtures folder runs its SQL. */
    const struct store_image *image = &embedded_image;
    const struct store_file *fixtures = embedded_fixtures;
    size_t nfixtures = embedded_fixtures_count;
    if (app->dir_fixtures) {
        image = NULL;
        fixtures = app->dir_fixtures;
        nfixtures = app->ndir_fixtures;
    }
    app->store = store_open_image(app->cfg.db, embedded_schema, embedded_schema_count, image,
                                  fixtures, nfixtures, err, errlen);
    if (!app->store)
        return -1;
    /* This thread only assembles the app and then waits for a signal. */
    store_reads_on_writer(app->store);
    if (app->cfg.tenant_size && app_tenant_startup(app) != 0) {
        err_why(err, errlen, "cannot generate the tenant in %s", app->cfg.db);
        return -1;
    }
    if (identity_load(app) != 0) {
        err_why(err, errlen, "cannot initialise database %s", app->cfg.db);
        return -1;
    }
    store_journal_bytes_max(app->store, app->cfg.journal_max_bytes);
    return 0;
}

/* --snapshot: its state replaces the database's, config file state included
 * (the config file's clients, faults and tasks are not applied on top). */
static int app_snapshot_startup(struct app *app, char *err, size_t errlen)
{
    struct store_state_info info;
    char why[400];
    if (states_load(app, app->cfg.snapshot, &info, why, sizeof(why)) != STATES_OK) {
        err_why(err, errlen, "snapshot %.256s: %s", app->cfg.snapshot, why);
        return -1;
    }
    app->fresh = 0;
    return 0;
}

/*
 * Loading the tenant frees as much as it keeps (SQL text, SQLite's sort and
 * statement memory, and the page cache store_release_memory() empties), and
 * glibc keeps freed heap pages mapped: about 0.5 MB of an idle server's
 * resident memory, more with a database file. They go back to the system
 * once, here.
 */
static void release_freed_memory(void)
{
#ifdef __GLIBC__
    malloc_trim(0);
#endif
}

/* Retention hook (store_task_retention): a removed task's stored files go
 * with it, once its removal is committed (a failed commit keeps the task and
 * so its files). It runs under the store's writer, so it only unlinks: a
 * render of that task still in progress finds the task gone when it ends
 * and removes what it wrote (snapshot.c). */
static void task_files_gone(void *ud, const char *id)
{
    spool_remove(ud, id);
}

/* The report files folder, the task retention that removes files from it,
 * and the render workers; 0, or -1 with err set. */
static int open_files(struct app *app, char *err, size_t errlen)
{
    if (!(app->spool = spool_open(app->cfg.db, err, errlen)))
        return -1;
    if (store_task_retention(app->store, app->cfg.task_max, app->cfg.task_max_age_s * 1000,
                             clock_now_ms(app->clock), task_files_gone, app->spool) != 0) {
        err_why(err, errlen, "cannot apply the task retention to %s", app->cfg.db);
        return -1;
    }
    spool_sweep(app->spool, lifecycle_id_done, app->store, 1); /* what a crash left behind */
    app->snap = snapshot_new(app->store, app->spool, app->clock, SNAPSHOT_WORKERS);
    if (!app->snap) {
        err_why(err, errlen, "cannot start the report render threads");
        return -1;
    }
    return 0;
}

/* The reset itself, run while no render can publish. */
static int reset_locked(void *ud)
{
    struct app *app = ud;
    if (store_reset(app->store) != 0)
        return -1;
    spool_sweep(app->spool, NULL, NULL, 1); /* built-in files come back when asked for */
    /* A generated start-up tenant is generated again. */
    if (app->cfg.tenant_size && store_tenant_generate(app->store, app->cfg.tenant_size,
                                                      app->cfg.tenant_seed, GEN_RUNTIME) != 0)
        return -1;
    return 0;
}

int app_reset(struct app *app)
{
    if (snapshot_reset(app->snap, reset_locked, app) != 0)
        return -1;
    limiter_reset(app->limiter);
    return app_clock_set(app, clock_wall_ms());
}

int app_clock_save(struct app *app)
{
    char v[32];
    if (clock_mode(app->clock) != CLOCK_MODE_VIRTUAL)
        return 0;
    snprintf(v, sizeof(v), "%" PRId64, clock_now_ms(app->clock));
    return store_meta_set(app->store, "virtual_clock_ms", v) == STORE_OK ? 0 : -1;
}

int app_clock_set(struct app *app, int64_t ms)
{
    if (clock_mode(app->clock) != CLOCK_MODE_VIRTUAL)
        return 0;
    if (clock_set(app->clock, ms) != 0)
        return -1;
    return app_clock_save(app);
}

int app_resume(struct app *app)
{
    snapshot_kick(app->snap);
    return 0;
}

int app_settle(struct app *app)
{
    if (snapshot_settle(app->snap, APP_SETTLE_MS) == 0)
        return 0;
    log_msg("warn", NULL, "reports: files still being written after %d ms; they go on",
            APP_SETTLE_MS);
    return 1;
}

struct app *app_open(const struct app_config *cfg, const char *version, char *err, size_t errlen,
                     enum app_open_error *why)
{
    enum app_open_error fail = APP_OPEN_NOMEM;
    struct app *app = calloc(1, sizeof(*app));
    err_why(err, errlen, "out of memory");
    if (!app || !(app->clock = clock_new(cfg->clock, 0)))
        goto fail;
    app->cfg = *cfg;
    app->org = "acme-mock";
    app->pod = "mock01-local";
    app->version = version;
    /* Before the tenant loads: its big zeroed tables then come from fresh
     * pages, which stay unresident until used, not from reused heap. */
    app->limiter = limiter_new(cfg->rate_count, cfg->rate_window_ms, LIMITER_KEYS_DEFAULT);
    if (!app->limiter)
        goto fail;
    fail = APP_OPEN_UNUSABLE;
    if (cfg->fixtures && dir_fixtures_load(app, cfg->fixtures, err, errlen) != 0)
        goto fail;
    if (open_store(app, err, errlen) != 0 || open_files(app, err, errlen) != 0)
        goto fail;
    if (cfg->fixtures && !app->fresh)
        log_msg("warn", NULL,
                "fixtures %s not loaded: database %s already holds a tenant (POST /mock/reset "
                "replaces it with them)",
                cfg->fixtures, cfg->db);
    fail = APP_OPEN_NOMEM;
    if (app_set_key(app, app->jwt_key) != 0) {
        err_why(err, errlen, "out of memory");
        goto fail;
    }
    app->issuer = (struct auth_issuer){.key = app->signer,
                                       .tenant_id = app->tenant_id,
                                       .org = app->org,
                                       .pod = app->pod,
                                       .clock = app->clock};
    app->issuer.cache = token_cache_new();
    if (!app->issuer.cache || !(app->states = states_new(cfg->db))) {
        err_why(err, errlen, "out of memory");
        goto fail;
    }
    if (cfg->snapshot && app_snapshot_startup(app, err, errlen) != 0) {
        fail = APP_OPEN_UNUSABLE;
        goto fail;
    }
    store_image_release(&embedded_image); /* copied or not needed: see its header */
    /* The default database written from the image leaves next to nothing
     * to give back (a few pages, for half a millisecond of a start); a
     * database file filled by SQLite, SQL fixtures, a generated tenant or a
     * snapshot leaves its page cache and the heap they freed. */
    int image_file = tmpdir_is_private_db(cfg->db);
    if (!image_file || cfg->fixtures || cfg->tenant_size || cfg->snapshot) {
        store_release_memory(app->store);
        release_freed_memory();
    }
    return app;
fail:
    if (why)
        *why = fail;
    app_close(app);
    return NULL;
}

int app_set_key(struct app *app, const unsigned char *key)
{
    struct jwt_key *k = jwt_key_new(key, APP_KEY_LEN);
    /* Tokens verified with the old key must be verified again. */
    struct token_cache *cache = app->issuer.cache ? token_cache_new() : NULL;
    if (!k || (app->issuer.cache && !cache)) {
        jwt_key_free(k);
        token_cache_free(cache);
        return -1;
    }
    memmove(app->jwt_key, key, APP_KEY_LEN);
    jwt_key_free(app->signer);
    app->signer = k;
    app->issuer.key = k;
    if (cache) {
        token_cache_free(app->issuer.cache);
        app->issuer.cache = cache;
    }
    return 0;
}

void app_close(struct app *app)
{
    if (!app)
        return;
    jwt_key_free(app->signer);
    limiter_free(app->limiter);
    token_cache_free(app->issuer.cache);
    snapshot_free(app->snap);
    states_free(app->states);
    store_close(app->store);
    spool_close(app->spool);
    clock_free(app->clock);
    dir_fixtures_free(app);
    free(app);
}
