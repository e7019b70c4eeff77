/*
 * builtin.c - putting the built-in fixtures' stored files in place (see
 * builtin.h). Each file goes through the spool's temporary name and rename,
 * as a render's do, under a mutex (two first downloads at once would share
 * the temporary name); its pages in the binary are handed back afterwards,
 * so an idle server does not keep them resident.
 */
#include "builtin.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../core/fdio.h"
#include "../core/log.h"
#include "../store/store.h"
#include "lifecycle.h"
#include "spool.h"

#define BUILTIN_TAG 0u /* the temporary files' tag: renders start at 1 */

/* The file's pages in the binary are not needed again until a reset. */
static void drop_pages(const struct builtin_file *f)
{
    long page = sysconf(_SC_PAGESIZE);
    if (page <= 0)
        return;
    uintptr_t start = ((uintptr_t)f->data + (uintptr_t)page - 1) & ~((uintptr_t)page - 1);
    uintptr_t end = ((uintptr_t)f->data + f->size) & ~((uintptr_t)page - 1);
    if (end > start)
        madvise((void *)start, end - start, MADV_DONTNEED);
}

static pthread_mutex_t writing = PTHREAD_MUTEX_INITIALIZER;

static const struct builtin_file *find(const char *id, const char *fmt)
{
    for (size_t i = 0; i < builtin_files_count; i++)
        if (strcmp(builtin_files[i].task_id, id) == 0 &&
            strcmp(builtin_files[i].file_format, fmt) == 0)
            return &builtin_files[i];
    return NULL;
}

/* 1 when the spool holds the file of task `id` in `fmt`. */
static int stored(const struct spool *sp, const char *id, const char *fmt)
{
    uint64_t size;
    int fd = spool_open_file(sp, id, fmt, &size);
    if (fd >= 0)
        close(fd);
    return fd >= 0;
}

/* Writes f into the spool; 0, or -1 logged with errno set. */
static int write_file(const struct spool *sp, const struct builtin_file *f)
{
    int fd = spool_create(sp, f->task_id, f->file_format, BUILTIN_TAG);
    int rc = fd < 0 || fdio_write_all(fd, f->data, f->size) != 0 ? -1 : 0;
    if (fd >= 0 && spool_close_file(sp, fd) != 0)
        rc = -1;
    if (rc == 0)
        rc = spool_commit(sp, f->task_id, f->file_format, BUILTIN_TAG);
    if (rc == 0 && spool_sync(sp) != 0) {
        int saved = errno;
        spool_remove(sp, f->task_id); /* not surely on the disk: written again when asked for */
        errno = saved;
        rc = -1;
    }
    if (rc != 0) {
        int saved = errno;
        log_msg("error", NULL, "report %s: its %s file cannot be stored: %s", f->task_id,
                f->file_format, strerror(saved));
        spool_discard(sp, f->task_id, f->file_format, BUILTIN_TAG);
        drop_pages(f);
        errno = saved;
        return -1;
    }
    drop_pages(f);
    return 0;
}

int builtin_file_restore(struct store *s, const struct spool *sp, const char *id,
                         const char *file_format)
{
    const struct builtin_file *f = find(id, file_format);
    if (!f)
        return 0;
    int rc = 0;
    pthread_mutex_lock(&writing);
    if (stored(sp, id, file_format))
        rc = 1;
    else if (lifecycle_id_done(s, id)) /* other fixtures, without this task, or not ended */
        rc = write_file(sp, f) == 0 ? 1 : -1;
    pthread_mutex_unlock(&writing);
    return rc;
}
