/*
 * spool.c - the folder of stored report files (see spool.h): where it is,
 * the names inside it, and writing, opening and removing files there.
 *
 * Owns the folder's path and, for a private folder, the folder itself,
 * and the copies of small files kept in memory (spool_read_small()): a
 * small stored file is read from disk once and then copied from memory,
 * which spares a download four system calls and a send of its own for the
 * body. Stored files never change once committed, so a copy only goes when
 * its file does: spool_remove() and spool_commit() drop the task's copies,
 * spool_sweep() and spool_changed() drop them all, and a copy read while
 * one of those ran is not kept (the generation count).
 * Knows nothing of tasks or the database: which files to keep is the
 * caller's question (spool_sweep's keep).
 */
#include "spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/buf.h"
#include "../core/fdio.h"
#include "../core/tmpdir.h"
#include "../core/err.h"
#include "report.h"

#define TMP_SUFFIX ".tmp"

#define CACHE_SLOTS 64 /* small files kept: at most 64 * SPOOL_SMALL_MAX bytes */

/* One small stored file in memory. */
struct cached {
    char name[64]; /* "<id>.<fmt>"; "" when the slot is free */
    unsigned char *data;
    size_t len;
};

struct small_cache {
    pthread_mutex_t lock;
    uint64_t gen;  /* changes whenever files go or change: a read across it is not kept */
    unsigned next; /* the slot the next new copy replaces (round robin) */
    struct cached slot[CACHE_SLOTS];
};

struct spool {
    char dir[SPOOL_PATH_MAX - 128];
    int private_dir;           /* 1: made by spool_open, removed by spool_close */
    struct small_cache *cache; /* a pointer: const spool functions update it */
};

/* Drops the copies whose name starts with `prefix` (NULL: all); lock held. */
static void cache_drop_locked(struct small_cache *c, const char *prefix)
{
    size_t plen = prefix ? strlen(prefix) : 0;
    c->gen++;
    for (int i = 0; i < CACHE_SLOTS; i++) {
        struct cached *e = &c->slot[i];
        if (!e->name[0] || (prefix && strncmp(e->name, prefix, plen) != 0))
            continue;
        free(e->data);
        *e = (struct cached){0};
    }
}

static void cache_drop(const struct spool *sp, const char *prefix)
{
    pthread_mutex_lock(&sp->cache->lock);
    cache_drop_locked(sp->cache, prefix);
    pthread_mutex_unlock(&sp->cache->lock);
}

/* "<dir>/<id>.<fmt>", or with tmp "<dir>/<id>.<fmt>.<tag>.tmp", into out;
 * 0, or -1 when it does not fit. */
static int file_path(const struct spool *sp, const char *id, const char *fmt, int tmp, unsigned tag,
                     char *out)
{
    int n = tmp ? snprintf(out, SPOOL_PATH_MAX, "%s/%s.%s.%u%s", sp->dir, id, fmt, tag, TMP_SUFFIX)
                : snprintf(out, SPOOL_PATH_MAX, "%s/%s.%s", sp->dir, id, fmt);
    if (n < 0 || n >= SPOOL_PATH_MAX) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return 0;
}

/* The private folder: "$TMPDIR/isc-reports-mock-XXXXXX". */
static int make_private(struct spool *sp, char *err, size_t errlen)
{
    if (tmpdir_make("isc-reports-mock-", sp->dir, sizeof(sp->dir)) != 0) {
        err_why(err, errlen, "cannot create a folder for report files in %.256s: %s", sp->dir,
                errno == ENAMETOOLONG ? "path too long" : strerror(errno));
        return -1;
    }
    sp->private_dir = 1;
    return 0;
}

/* "<db>.files", created when missing. */
static int make_beside(struct spool *sp, const char *db, char *err, size_t errlen)
{
    int n = snprintf(sp->dir, sizeof(sp->dir), "%s.files", db);
    if (n < 0 || (size_t)n >= sizeof(sp->dir)) {
        err_why(err, errlen, "the database path is too long for its report files folder");
        return -1;
    }
    if (mkdir(sp->dir, 0755) != 0 && errno != EEXIST) {
        err_why(err, errlen, "cannot create the report files folder %.400s: %s", sp->dir,
                strerror(errno));
        return -1;
    }
    struct stat st;
    if (stat(sp->dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        err_why(err, errlen, "%.400s is not a folder (it holds the report files)", sp->dir);
        return -1;
    }
    return 0;
}

struct spool *spool_open(const char *db, char *err, size_t errlen)
{
    struct spool *sp = calloc(1, sizeof(*sp));
    if (!sp) {
        err_why(err, errlen, "out of memory");
        return NULL;
    }
    int in_memory = tmpdir_is_private_db(db);
    if (!(sp->cache = calloc(1, sizeof(*sp->cache)))) {
        err_why(err, errlen, "out of memory");
        free(sp);
        return NULL;
    }
    pthread_mutex_init(&sp->cache->lock, NULL);
    if ((in_memory ? make_private(sp, err, errlen) : make_beside(sp, db, err, errlen)) != 0) {
        pthread_mutex_destroy(&sp->cache->lock);
        free(sp->cache);
        free(sp);
        return NULL;
    }
    return sp;
}

void spool_close(struct spool *sp)
{
    if (!sp)
        return;
    if (sp->private_dir)
        tmpdir_remove(sp->dir);
    cache_drop(sp, NULL);
    pthread_mutex_destroy(&sp->cache->lock);
    free(sp->cache);
    free(sp);
}

const char *spool_dir(const struct spool *sp)
{
    return sp->dir;
}

int spool_create(const struct spool *sp, const char *id, const char *file_format, unsigned tag)
{
    char path[SPOOL_PATH_MAX];
    if (file_path(sp, id, file_format, 1, tag, path) != 0)
        return -1;
    return open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
}

int spool_close_file(const struct spool *sp, int fd)
{
    /* Beside a database the bytes must outlive a crash as the task does: they
     * are synced through the writer's own descriptor, before the rename. A
     * private folder goes with the server, so nothing there is synced. */
    int rc = sp->private_dir ? 0 : fsync(fd);
    int saved = errno;
    if (close(fd) != 0 && rc == 0)
        return -1;
    errno = saved;
    return rc;
}

int spool_commit(const struct spool *sp, const char *id, const char *file_format, unsigned tag)
{
    char from[SPOOL_PATH_MAX], to[SPOOL_PATH_MAX];
    if (file_path(sp, id, file_format, 1, tag, from) != 0 ||
        file_path(sp, id, file_format, 0, 0, to) != 0)
        return -1;
    char name[80];
    snprintf(name, sizeof(name), "%s.%s", id, file_format);
    int rc = rename(from, to);
    cache_drop(sp, name); /* after the rename: a copy read before it is not kept */
    if (rc == 0)
        return 0;
    int saved = errno;
    unlink(from);
    errno = saved;
    return -1;
}

int spool_sync(const struct spool *sp)
{
    return sp->private_dir ? 0 : fdio_sync_path(sp->dir);
}

void spool_discard(const struct spool *sp, const char *id, const char *file_format, unsigned tag)
{
    char path[SPOOL_PATH_MAX];
    if (file_path(sp, id, file_format, 1, tag, path) == 0)
        unlink(path);
}

int spool_open_file(const struct spool *sp, const char *id, const char *file_format, uint64_t *size)
{
    char path[SPOOL_PATH_MAX];
    struct stat st;
    if (file_path(sp, id, file_format, 0, 0, path) != 0)
        return -1;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        errno = ENOENT;
        return -1;
    }
    *size = (uint64_t)st.st_size;
    return fd;
}

void spool_remove(const struct spool *sp, const char *id)
{
    const struct report_format *f;
    char path[SPOOL_PATH_MAX], prefix[80];
    for (size_t i = 0; (f = report_format_at(i)) != NULL; i++)
        if (file_path(sp, id, f->file_format, 0, 0, path) == 0)
            unlink(path);
    snprintf(prefix, sizeof(prefix), "%s.", id);
    cache_drop(sp, prefix);
}

void spool_changed(const struct spool *sp)
{
    cache_drop(sp, NULL);
}

/* The copy named `name` appended to out: 1, 0 when there is none, -1 on OOM. */
static int cache_get(const struct spool *sp, const char *name, struct buf *out, uint64_t *gen)
{
    int rc = 0;
    pthread_mutex_lock(&sp->cache->lock);
    *gen = sp->cache->gen;
    for (int i = 0; i < CACHE_SLOTS && rc == 0; i++) {
        const struct cached *e = &sp->cache->slot[i];
        if (e->name[0] && strcmp(e->name, name) == 0)
            rc = buf_append(out, (const char *)e->data, e->len) == 0 ? 1 : -1;
    }
    pthread_mutex_unlock(&sp->cache->lock);
    return rc;
}

/* Keeps a copy of `len` bytes as `name`, unless files changed since `gen`. */
static void cache_put(const struct spool *sp, const char *name, const char *data, size_t len,
                      uint64_t gen)
{
    unsigned char *copy = malloc(len ? len : 1);
    if (!copy)
        return;
    memcpy(copy, data, len);
    pthread_mutex_lock(&sp->cache->lock);
    struct small_cache *c = sp->cache;
    int known = 0;
    for (int i = 0; i < CACHE_SLOTS; i++)
        known |= c->slot[i].name[0] && strcmp(c->slot[i].name, name) == 0;
    if (c->gen == gen && !known) {
        struct cached *e = &c->slot[c->next];
        c->next = (c->next + 1) % CACHE_SLOTS;
        free(e->data);
        snprintf(e->name, sizeof(e->name), "%s", name);
        e->data = copy;
        e->len = len;
        copy = NULL;
    }
    pthread_mutex_unlock(&c->lock);
    free(copy);
}

int spool_read_small(const struct spool *sp, const char *id, const char *file_format,
                     struct buf *out)
{
    char name[64];
    uint64_t gen, size = 0;
    int n = snprintf(name, sizeof(name), "%s.%s", id, file_format);
    if (n < 0 || (size_t)n >= sizeof(name)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    int rc = cache_get(sp, name, out, &gen);
    if (rc != 0) {
        if (rc < 0)
            errno = ENOMEM;
        return rc;
    }
    int fd = spool_open_file(sp, id, file_format, &size);
    if (fd < 0)
        return -1;
    if (size > SPOOL_SMALL_MAX) {
        close(fd);
        return 0;
    }
    char *data = malloc(size ? (size_t)size : 1);
    size_t got = 0;
    while (data && got < size) {
        ssize_t r = pread(fd, data + got, (size_t)size - got, (off_t)got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break; /* an error, or a file shorter than it said: not kept */
        got += (size_t)r;
    }
    int saved = data ? errno : ENOMEM;
    close(fd);
    if (!data || got < size || buf_append(out, data, (size_t)size) != 0) {
        free(data);
        errno = got < size ? (saved ? saved : EIO) : ENOMEM;
        return -1;
    }
    cache_put(sp, name, data, (size_t)size, gen);
    free(data);
    return 1;
}

/* Should entry `name` go? Temporary files when `temporary`; others unless
 * keep says so. */
static int doomed(const char *name, int (*keep)(void *ud, const char *id), void *ud, int temporary)
{
    size_t len = strlen(name), sfx = strlen(TMP_SUFFIX);
    const char *dot = strchr(name, '.');
    char id[128];
    if (!dot || name[0] == '.')
        return 0; /* not ours ("." and "..", or a stranger without an extension) */
    if (len > sfx && strcmp(name + len - sfx, TMP_SUFFIX) == 0)
        return temporary;
    if (!keep)
        return 1;
    if ((size_t)(dot - name) >= sizeof(id))
        return 0;
    memcpy(id, name, (size_t)(dot - name));
    id[dot - name] = '\0';
    return !keep(ud, id);
}

size_t spool_sweep(const struct spool *sp, int (*keep)(void *ud, const char *id), void *ud,
                   int temporary)
{
    DIR *d = opendir(sp->dir);
    struct dirent *e;
    size_t removed = 0;
    char path[SPOOL_PATH_MAX];
    cache_drop(sp, NULL);
    if (!d)
        return 0;
    while ((e = readdir(d)) != NULL) {
        if (!doomed(e->d_name, keep, ud, temporary))
            continue;
        int n = snprintf(path, sizeof(path), "%s/%s", sp->dir, e->d_name);
        if (n > 0 && (size_t)n < sizeof(path) && unlink(path) == 0)
            removed++;
    }
    closedir(d);
    cache_drop(sp, NULL); /* and a copy read while the sweep ran is not kept */
    return removed;
}
