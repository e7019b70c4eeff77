/*
 * test_snapshot.c - stored report files against a real in-memory store and
 * a private spool folder: what a finished task stores is byte for byte what
 * the writers produce for it (plain files and zips, CSV and PDF), a task
 * whose report cannot run ends ERROR without a file, a cancelled render
 * leaves nothing, a reset drops what was stored, and the spool's sweep and
 * close remove what they should.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/tmpdir.h"
#include "reports/lifecycle.h"
#include "reports/render.h"
#include "reports/report.h"
#include "reports/snapshot.h"
#include "reports/spool.h"
#include "reports/stream.h"
#include "store/embedded.h"

static struct store *db;
static struct spool *sp;
static struct clock *clk;
static struct snapshot *snap;

static void open_all(void)
{
    char err[256] = "";
    db = store_open(":memory:", embedded_schema, embedded_schema_count, embedded_fixtures,
                    embedded_fixtures_count, err, sizeof(err));
    cr_assert_not_null(db, "store_open: %s", err);
    sp = spool_open(":memory:", err, sizeof(err));
    cr_assert_not_null(sp, "spool_open: %s", err);
    clk = clock_new(CLOCK_MODE_VIRTUAL, 1000000);
    cr_assert_not_null(clk);
    snap = snapshot_new(db, sp, clk, SNAPSHOT_WORKERS);
    cr_assert_not_null(snap);
}

static void close_all(void)
{
    snapshot_free(snap);
    store_close(db);
    spool_close(sp);
    clock_free(clk);
}

/* Starts `type` with `args` at 1000000, due `after` ms later; fills t. */
static void start_for(const char *type_name, const char *args, int64_t after, struct store_task *t)
{
    const struct lifecycle_plan now = {after, -1, NULL, NULL};
    int existing = 0;
    const struct report_type *type = report_type_find(type_name);
    cr_assert_not_null(type);
    cr_assert_eq(lifecycle_start(db, 1000000, type, args, "CSV,PDF", "demo-app", "demo-app", &now,
                                 t, &existing),
                 ERR_OK);
}

/* Starts `type` with `args`, due at once; fills t. */
static void start(const char *type_name, const char *args, struct store_task *t)
{
    start_for(type_name, args, 0, t);
}

/* Task `id` read at `now` once its render (if that read queued one) is over. */
static void finished(const char *id, int64_t now, struct store_task *got)
{
    cr_assert_eq(lifecycle_get(db, snap, id, now, 1, got), ERR_OK);
    store_task_clear(got);
    cr_assert_eq(snapshot_settle(snap, 20000), 0, "the render of %s is not over", id);
    cr_assert_eq(lifecycle_get(db, snap, id, now, 1, got), ERR_OK);
}

/* The whole stored file, malloc'd; *len set. */
static char *stored(const char *id, const char *fmt, size_t *len)
{
    uint64_t size = 0;
    int fd = spool_open_file(sp, id, fmt, &size);
    cr_assert(fd >= 0, "no stored %s file for %s", fmt, id);
    char *data = malloc(size + 1);
    cr_assert_not_null(data);
    cr_assert_eq(read(fd, data, size), (ssize_t)size);
    close(fd);
    *len = (size_t)size;
    return data;
}

/* What the writers produce for finished task t in fmt, malloc'd; *len set. */
static char *written(const struct store_task *t, const char *fmt, size_t *len)
{
    struct report_stream *st = NULL;
    const char *ctype, *ext;
    size_t cap = 1 << 16, n = 0;
    char *data = malloc(cap);
    ssize_t got;
    cr_assert_eq(report_stream_open(db, t, fmt, &st, &ctype, &ext, NULL, 0), ERR_OK);
    while ((got = report_stream_read(st, data + n, cap - n)) > 0) {
        n += (size_t)got;
        if (n == cap)
            cr_assert_not_null(data = realloc(data, cap *= 2));
    }
    cr_assert_eq(got, 0);
    report_stream_free(st);
    *len = n;
    return data;
}

static void check_same(const struct store_task *t, const char *fmt)
{
    size_t a = 0, b = 0;
    char *file = stored(t->id, fmt, &a), *fresh = written(t, fmt, &b);
    cr_assert(a > 0 && a == b && memcmp(file, fresh, a) == 0,
              "%s %s: stored %zu bytes, the writer gives %zu", t->report_type, fmt, a, b);
    free(file);
    free(fresh);
}

struct same_case {
    const char *type, *args;
};

static const struct same_case same_cases[] = {
    {"IDENTITIES", "{}"},
    {"ORPHAN_IDENTITIES", "{}"},
    {"ACCOUNTS", "{\"application\":\"2c9180897e7742b2017e781782f705b9\",\"sourceName\":\"AD\"}"},
    {"SEARCH_EXPORT", "{\"indices\":[\"identities\",\"roles\"],\"query\":\"*\"}"},
};

/* Every stored file equals the writers' output for the finished task. */
Test(snapshot, stored_files_are_what_the_writers_produce, .init = open_all, .fini = close_all)
{
    for (size_t i = 0; i < sizeof(same_cases) / sizeof(same_cases[0]); i++) {
        struct store_task t, got;
        start(same_cases[i].type, same_cases[i].args, &t);
        finished(t.id, 1000000, &got);
        cr_assert_str_eq(got.completion_status, "SUCCESS", "%s", same_cases[i].type);
        cr_assert_gt(got.rows, 0);
        check_same(&got, "csv");
        check_same(&got, "pdf");
        store_task_clear(&t);
        store_task_clear(&got);
    }
}

/* A report that cannot run ends ERROR with its reason and stores nothing. */
Test(snapshot, refused_report_ends_in_error_without_file, .init = open_all, .fini = close_all)
{
    struct store_task t, got;
    uint64_t size;
    start("ACCOUNTS", "{\"application\":\"nope\",\"sourceName\":\"x\"}", &t);
    finished(t.id, 1000000, &got);
    cr_assert_str_eq(got.completion_status, "ERROR");
    cr_assert(strstr(got.messages, "nope"), "the reason names the source: %s", got.messages);
    cr_assert_eq(spool_open_file(sp, t.id, "csv", &size), -1);
    store_task_clear(&t);
    store_task_clear(&got);
}

/* A read that finds a task due queues its render and answers at once: the
 * task is still running, writing its files, and no file exists yet. */
Test(snapshot, a_read_never_waits_for_the_files, .init = open_all, .fini = close_all)
{
    struct store_task t, got;
    uint64_t size;
    start("IDENTITIES_DETAILS", "{\"correlatedOnly\":false}", &t);
    cr_assert_eq(lifecycle_get(db, snap, t.id, 1000000, 1, &got), ERR_OK);
    cr_assert_not(lifecycle_done(&got), "the read waited for the render");
    cr_assert_str_eq(got.progress, LIFECYCLE_WRITING);
    store_task_clear(&got);
    cr_assert_eq(snapshot_settle(snap, 20000), 0);
    cr_assert_eq(lifecycle_get(db, snap, t.id, 1000000, 1, &got), ERR_OK);
    cr_assert_str_eq(got.completion_status, "SUCCESS");
    cr_assert_eq(got.rows, 300);
    int fd = spool_open_file(sp, t.id, "pdf", &size);
    cr_assert(fd >= 0 && size > 0, "no PDF stored");
    close(fd);
    store_task_clear(&got);
    store_task_clear(&t);
}

/* Nobody reads it: the watcher ends a task that falls due once the clock
 * moves past its end and it is kicked. */
Test(snapshot, the_watcher_ends_a_due_task_nobody_reads, .init = open_all, .fini = close_all)
{
    struct store_task t, got;
    start_for("IDENTITIES", "{}", 5000, &t);
    snapshot_kick(snap);
    cr_assert_eq(snapshot_settle(snap, 20000), 0);
    cr_assert_eq(store_task_get(db, t.id, &got), STORE_OK);
    cr_assert_not(lifecycle_done(&got), "it ended before it was due");
    store_task_clear(&got);
    cr_assert_eq(clock_advance(clk, 5000), 0);
    snapshot_kick(snap);
    cr_assert_eq(snapshot_settle(snap, 20000), 0);
    cr_assert_eq(store_task_get(db, t.id, &got), STORE_OK);
    cr_assert_str_eq(got.completion_status, "SUCCESS");
    cr_assert_eq(got.completed_ms, 1005000, "time stands still while the files are written");
    cr_assert_eq(got.rows, 300);
    store_task_clear(&got);
    store_task_clear(&t);
}

/* More due tasks than one look takes (LIFECYCLE_DUE_BATCH), none of them
 * with files: no render ends to start the next look, so the watcher must
 * look again on its own, without a kick, a read or a clock move. */
Test(snapshot, the_watcher_ends_every_batch_of_due_tasks, .init = open_all, .fini = close_all)
{
    enum { N = LIFECYCLE_DUE_BATCH + 50 };
    static char ids[N][STORE_ID_LEN];
    const struct lifecycle_plan failing = {5000, -1, "ERROR", NULL};
    const struct report_type *type = report_type_find("IDENTITIES");
    cr_assert_not_null(type);
    for (int i = 0; i < N; i++) {
        struct store_task t;
        int existing = 0;
        char args[64];
        snprintf(args, sizeof args, "{\"n\":%d}", i); /* each its own task */
        cr_assert_eq(lifecycle_start(db, 1000000, type, args, "CSV,PDF", "demo-app", "demo-app",
                                     &failing, &t, &existing),
                     ERR_OK);
        snprintf(ids[i], STORE_ID_LEN, "%s", t.id);
        store_task_clear(&t);
    }
    cr_assert_eq(clock_advance(clk, 5000), 0);
    snapshot_kick(snap);
    cr_assert_eq(snapshot_settle(snap, 20000), 0);
    int running = N;
    for (int tries = 0; tries < 200 && running > 0; tries++) {
        running = 0;
        for (int i = 0; i < N; i++) {
            struct store_task got;
            cr_assert_eq(store_task_get(db, ids[i], &got), STORE_OK);
            running += !lifecycle_done(&got);
            store_task_clear(&got);
        }
        if (running > 0)
            usleep(50 * 1000);
    }
    cr_expect_eq(running, 0, "%d of %d due tasks still running after 10 s", running, N);
}

/* More due tasks with files than the render queue holds
 * (SNAPSHOT_QUEUE_MAX): the rest stay due in the store, and the watcher
 * queues them once the queue has room again, so every one ends with its
 * files. */
Test(snapshot, due_tasks_past_a_full_queue_all_end, .init = open_all, .fini = close_all,
     .timeout = 240)
{
    enum { N = SNAPSHOT_QUEUE_MAX + 20 };
    static char ids[N][STORE_ID_LEN];
    for (int i = 0; i < N; i++) {
        struct store_task t;
        char args[128];
        snprintf(args, sizeof args,
                 "{\"authoritativeSource\":\"2c9180847de347aa017de8ef09167792\","
                 "\"n\":%d}",
                 i);
        start_for("IDENTITY_PROFILE_IDENTITY_ERROR", args, 5000, &t);
        snprintf(ids[i], STORE_ID_LEN, "%s", t.id);
        store_task_clear(&t);
    }
    cr_assert_eq(clock_advance(clk, 5000), 0);
    snapshot_kick(snap);
    /* Oldest first, however long the renders take (the test's timeout
     * bounds it): the first task still running, until none is. */
    for (int first = 0; first < N;) {
        struct store_task got;
        cr_assert_eq(store_task_get(db, ids[first], &got), STORE_OK);
        int done = lifecycle_done(&got);
        if (done)
            cr_assert_str_eq(got.completion_status, "SUCCESS", "%s", ids[first]);
        store_task_clear(&got);
        if (done)
            first++;
        else
            usleep(100 * 1000);
    }
    size_t len = 0;
    char *csv = stored(ids[N - 1], "csv", &len);
    cr_assert_gt(len, 0, "the last task has its file");
    free(csv);
}

static int entries(void)
{
    DIR *d = opendir(spool_dir(sp));
    struct dirent *e;
    int n = 0;
    cr_assert_not_null(d);
    while ((e = readdir(d)) != NULL)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

static int reset_store(void *ud)
{
    (void)ud;
    spool_sweep(sp, NULL, NULL, 1);
    return store_reset(db);
}

/* A cancelled task keeps no file, and a reset empties the folder. */
Test(snapshot, cancel_and_reset_leave_no_file, .init = open_all, .fini = close_all)
{
    struct store_task t, got;
    char why[256];
    uint64_t size;
    start_for("IDENTITIES", "{}", 5000, &t);
    cr_assert_eq(lifecycle_cancel(db, snap, t.id, 1000000, why, sizeof(why)), ERR_OK);
    cr_assert_eq(lifecycle_get(db, snap, t.id, 2000000, 1, &got), ERR_OK);
    cr_assert_str_eq(got.completion_status, "TERMINATED");
    cr_assert_eq(spool_open_file(sp, t.id, "csv", &size), -1);
    store_task_clear(&got);
    store_task_clear(&t);

    start("IDENTITIES", "{\"correlatedOnly\":true}", &t);
    finished(t.id, 1000000, &got);
    cr_assert_str_eq(got.completion_status, "SUCCESS");
    cr_assert_eq(entries(), 2, "a CSV and a PDF");
    cr_assert_eq(snapshot_reset(snap, reset_store, NULL), 0);
    cr_assert_eq(entries(), 0);
    store_task_clear(&got);
    store_task_clear(&t);
}

/* A poll of a due task and a start's due time, from another thread. */
static void *poll_and_start(void *ud)
{
    struct store_task *t = ud, got;
    cr_assert_eq(lifecycle_get(db, snap, t->id, 1000000, 1, &got), ERR_OK);
    store_task_clear(&got);
    snapshot_due_at(snap, 2000000);
    return NULL;
}

/* Runs poll_and_start and waits 5 s at most: 0 when it came back; the
 * test fails when it did not. */
static int poll_returns(struct store_task *t)
{
    pthread_t th;
    struct timespec until;
    cr_assert_eq(pthread_create(&th, NULL, poll_and_start, t), 0);
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 5;
    if (pthread_timedjoin_np(th, NULL, &until) == 0)
        return 0;
    /* It waits for a lock the caller holds: the test ends here. */
    cr_assert_fail("a poll waited 5 s for the lock the caller holds");
    return -1;
}

/* The body of a state save: polls and starts go on, renders do not publish. */
static int save_body(void *ud)
{
    cr_expect_eq(poll_returns(ud), 0, "a poll waited for the save");
    cr_expect_eq(snapshot_settle(snap, 300), 1, "a render ended during the save");
    return 0;
}

/* A state save holds back ends, not polls or starts: the render a poll
 * queued during the save publishes once it is over. */
Test(snapshot, a_state_save_holds_no_poll, .init = open_all, .fini = close_all, .timeout = 60)
{
    struct store_task t, got;
    start("IDENTITIES", "{}", &t);
    cr_assert_eq(snapshot_exclusive(snap, save_body, &t), 0);
    cr_assert_eq(snapshot_settle(snap, 20000), 0);
    cr_assert_eq(store_task_get(db, t.id, &got), STORE_OK);
    cr_expect_str_eq(got.completion_status, "SUCCESS");
    store_task_clear(&got);
    store_task_clear(&t);
}

/* A reset whose store step failed: a poll during it queues nothing. */
static int failed_reset(void *ud)
{
    cr_expect_eq(poll_returns(ud), 0, "a poll waited for the reset");
    return -1;
}

/* After a reset, failed or not, the watcher looks again: a task that fell
 * due during it ends with nobody reading it. */
Test(snapshot, the_watcher_looks_after_a_reset, .init = open_all, .fini = close_all, .timeout = 60)
{
    struct store_task t, got;
    start("IDENTITIES", "{\"correlatedOnly\":true}", &t);
    cr_assert_eq(snapshot_reset(snap, failed_reset, &t), -1);
    int done = 0;
    for (int tries = 0; tries < 200 && !done; tries++) {
        cr_assert_eq(store_task_get(db, t.id, &got), STORE_OK);
        done = lifecycle_done(&got);
        if (done)
            cr_expect_str_eq(got.completion_status, "SUCCESS");
        store_task_clear(&got);
        if (!done)
            usleep(50 * 1000);
    }
    cr_expect(done, "the due task still runs 10 s after the reset");
    store_task_clear(&t);
}

static int keep_none_but(void *ud, const char *id)
{
    return strcmp(id, ud) == 0;
}

static void touch(const char *name)
{
    char path[SPOOL_PATH_MAX];
    snprintf(path, sizeof(path), "%s/%s", spool_dir(sp), name);
    int fd = open(path, O_WRONLY | O_CREAT, 0644);
    cr_assert(fd >= 0, "%s", path);
    close(fd);
}

/* The sweep removes temporary files and the files keep refuses; close
 * removes the private folder with whatever it holds. */
Test(snapshot, sweep_and_close, .init = open_all, .fini = close_all)
{
    char dir[SPOOL_PATH_MAX];
    struct stat st;
    touch("aaaa.csv");
    touch("aaaa.pdf");
    touch("bbbb.csv");
    touch("aaaa.csv.7.tmp");
    cr_assert_eq(spool_sweep(sp, keep_none_but, "aaaa", 0), 1, "bbbb.csv, not a render's file");
    cr_assert_eq(entries(), 3);
    cr_assert_eq(spool_sweep(sp, keep_none_but, "aaaa", 1), 1, "the temporary file");
    cr_assert_eq(entries(), 2);
    snprintf(dir, sizeof(dir), "%s", spool_dir(sp));
    snapshot_free(snap);
    snap = NULL;
    spool_close(sp);
    sp = NULL;
    cr_assert_neq(stat(dir, &st), 0, "%s is still there", dir);
}

/* A private folder that cannot be made: the message names the folder the
 * spool tried to make it in. */
Test(spool, a_private_folder_that_cannot_be_made_names_where)
{
    const char *tmp = getenv("TMPDIR");
    char missing[512], err[512] = "";
    snprintf(missing, sizeof(missing), "%s/isc-spool-missing-%ld", tmp && *tmp ? tmp : P_tmpdir,
             (long)getpid());
    cr_assert_eq(setenv("TMPDIR", missing, 1), 0);
    cr_expect_null(spool_open(":memory:", err, sizeof(err)));
    cr_expect_not_null(strstr(err, missing), "%s does not name %s", err, missing);
    cr_expect_not_null(strstr(err, strerror(ENOENT)), "%s", err);
}

/* The fsync(2) calls of the code under test, seen through the link-time
 * seam -Wl,--wrap=fsync (tests/unit/meson.build): what each synced (the
 * descriptor's path), whether through a descriptor open for writing only (a
 * writer's own, as opposed to one opened again by name), and for a folder
 * which of task `id`'s stored files were in it then. `fail_folder` makes a
 * folder's sync fail with EIO. */
#define SYNCS_MAX 16
static struct {
    int on, n, fail_folder;
    const char *id;
    char path[SYNCS_MAX][SPOOL_PATH_MAX];
    int writer[SYNCS_MAX], folder[SYNCS_MAX], csv_in[SYNCS_MAX], pdf_in[SYNCS_MAX];
} syncs;

int __real_fsync(int fd);
int __wrap_fsync(int fd);
int __wrap_fsync(int fd)
{
    struct stat st;
    if (!syncs.on || fstat(fd, &st) != 0)
        return __real_fsync(fd);
    int i = syncs.n < SYNCS_MAX ? syncs.n : SYNCS_MAX - 1;
    char link[64], name[SPOOL_PATH_MAX + 80];
    snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    ssize_t len = readlink(link, syncs.path[i], SPOOL_PATH_MAX - 1);
    syncs.path[i][len > 0 ? len : 0] = '\0';
    syncs.writer[i] = (fcntl(fd, F_GETFL) & O_ACCMODE) == O_WRONLY;
    syncs.folder[i] = S_ISDIR(st.st_mode);
    if (syncs.folder[i]) {
        snprintf(name, sizeof(name), "%s/%s.csv", syncs.path[i], syncs.id);
        syncs.csv_in[i] = access(name, F_OK) == 0;
        snprintf(name, sizeof(name), "%s/%s.pdf", syncs.path[i], syncs.id);
        syncs.pdf_in[i] = access(name, F_OK) == 0;
    }
    syncs.n++;
    if (syncs.folder[i] && syncs.fail_folder) {
        errno = EIO;
        return -1;
    }
    return __real_fsync(fd);
}

static char kept_dir[SPOOL_PATH_MAX]; /* holds the database path of a kept spool */

/* A spool kept beside a database path in a new private folder. */
static struct spool *kept_spool(void)
{
    char db_path[SPOOL_PATH_MAX + 8], err[256] = "";
    cr_assert_eq(tmpdir_make("isc-spool-kept-", kept_dir, sizeof(kept_dir)), 0, "%s",
                 strerror(errno));
    snprintf(db_path, sizeof(db_path), "%s/db", kept_dir);
    struct spool *kept = spool_open(db_path, err, sizeof(err));
    cr_assert_not_null(kept, "%s", err);
    return kept;
}

static void kept_spool_close(struct spool *kept)
{
    char files[SPOOL_PATH_MAX];
    snprintf(files, sizeof(files), "%s", spool_dir(kept));
    spool_close(kept);
    tmpdir_remove(files);
    tmpdir_remove(kept_dir);
}

/* Task t's CSV and PDF rendered into `into` and committed, with the
 * fsync calls recorded; render_commit()'s result. */
static int render_recorded(struct spool *into, struct store_task *t)
{
    int64_t rows = 0;
    char why[256] = "";
    start_for("IDENTITIES", "{}", 1000000000, t); /* not due: no render of the snapshot's */
    syncs.id = t->id;
    syncs.on = 1;
    cr_assert_eq(render_files(db, into, t, 1000000, 1, NULL, &rows, why, sizeof(why)), RENDER_OK,
                 "%s", why);
    int rc = render_commit(into, t, 1);
    syncs.on = 0;
    return rc;
}

/* Beside a database a task's files outlive a crash: each file's bytes are
 * synced through its writer's descriptor before its rename, then the folder
 * once, when both names are in it. */
Test(spool, a_kept_folder_syncs_each_file_then_the_folder_once, .init = open_all, .fini = close_all)
{
    struct spool *kept = kept_spool();
    struct store_task t;
    cr_assert_eq(render_recorded(kept, &t), 0);
    cr_assert_eq(syncs.n, 3, "%d syncs for two files: each file, then the folder once", syncs.n);
    const char *fmts[] = {".csv.1.tmp", ".pdf.1.tmp"};
    for (int i = 0; i < 2; i++) {
        size_t len = strlen(syncs.path[i]), sfx = strlen(fmts[i]);
        cr_expect(len > sfx && strcmp(syncs.path[i] + len - sfx, fmts[i]) == 0,
                  "sync %d is of %s, not of the temporary %s file", i, syncs.path[i], fmts[i]);
        cr_expect(syncs.writer[i], "sync %d (%s) is not through the writer's descriptor", i,
                  syncs.path[i]);
        cr_expect_not(syncs.folder[i]);
    }
    cr_expect(syncs.folder[2], "the last sync is of %s, not the folder", syncs.path[2]);
    cr_expect(syncs.csv_in[2] && syncs.pdf_in[2], "the folder was synced before both renames");
    uint64_t size;
    int fd = spool_open_file(kept, t.id, "pdf", &size);
    cr_expect(fd >= 0 && size > 0, "no PDF stored");
    if (fd >= 0)
        close(fd);
    store_task_clear(&t);
    kept_spool_close(kept);
}

/* A private folder goes with the server: nothing in it is synced. */
Test(spool, a_private_folder_syncs_nothing, .init = open_all, .fini = close_all)
{
    struct store_task t;
    cr_assert_eq(render_recorded(sp, &t), 0);
    cr_expect_eq(syncs.n, 0, "%d syncs, the first of %s", syncs.n, syncs.path[0]);
    store_task_clear(&t);
}

/* A folder that cannot be synced: the task's files are not stored, and
 * nothing of them is left, stored or temporary. */
Test(spool, a_folder_sync_that_fails_stores_nothing, .init = open_all, .fini = close_all)
{
    struct spool *kept = kept_spool();
    struct store_task t;
    uint64_t size;
    syncs.fail_folder = 1;
    cr_assert_eq(render_recorded(kept, &t), -1);
    cr_expect_eq(spool_open_file(kept, t.id, "csv", &size), -1);
    cr_expect_eq(spool_open_file(kept, t.id, "pdf", &size), -1);
    DIR *d = opendir(spool_dir(kept));
    cr_assert_not_null(d);
    struct dirent *e;
    int left = 0;
    while ((e = readdir(d)) != NULL)
        left += e->d_name[0] != '.';
    closedir(d);
    cr_expect_eq(left, 0, "%d files left in the folder", left);
    store_task_clear(&t);
    kept_spool_close(kept);
}
