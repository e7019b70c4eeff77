/*
 * spool.c - the folder of stored report files (see spool.h): where it is,
 * the names inside it, and writing, opening and removing files there.
 *
 * Owns the folder's path and, for a private folder, the folder itself.
 * Knows nothing of tasks or the database: which files to keep is the
 * caller's question (spool_sweep's keep).
 */
#include "spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/err.h"
#include "report.h"

#define TMP_SUFFIX ".tmp"

struct spool {
    char dir[SPOOL_PATH_MAX - 128];
    int private_dir; /* 1: made by spool_open, removed by spool_close */
};

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
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !*tmp)
        tmp = P_tmpdir;
    int n = snprintf(sp->dir, sizeof(sp->dir), "%s/isc-reports-mock-XXXXXX", tmp);
    if (n < 0 || (size_t)n >= sizeof(sp->dir) || !mkdtemp(sp->dir)) {
        err_why(err, errlen, "cannot create a folder for report files in %.256s: %s", tmp,
                n < 0 || (size_t)n >= sizeof(sp->dir) ? "path too long" : strerror(errno));
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
    int in_memory = !db || !*db || strcmp(db, ":memory:") == 0;
    if ((in_memory ? make_private(sp, err, errlen) : make_beside(sp, db, err, errlen)) != 0) {
        free(sp);
        return NULL;
    }
    return sp;
}

void spool_close(struct spool *sp)
{
    if (!sp)
        return;
    if (sp->private_dir) {
        spool_sweep(sp, NULL, NULL, 1);
        rmdir(sp->dir);
    }
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

int spool_commit(const struct spool *sp, const char *id, const char *file_format, unsigned tag)
{
    char from[SPOOL_PATH_MAX], to[SPOOL_PATH_MAX];
    if (file_path(sp, id, file_format, 1, tag, from) != 0 ||
        file_path(sp, id, file_format, 0, 0, to) != 0)
        return -1;
    if (rename(from, to) == 0)
        return 0;
    int saved = errno;
    unlink(from);
    errno = saved;
    return -1;
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
    char path[SPOOL_PATH_MAX];
    for (size_t i = 0; (f = report_format_at(i)) != NULL; i++)
        if (file_path(sp, id, f->file_format, 0, 0, path) == 0)
            unlink(path);
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
    return removed;
}
