/*
 * builtin.c - putting the built-in fixtures' stored files in place (see
 * builtin.h). Each file goes through the spool's temporary name and rename,
 * as a render's do; its pages in the binary are handed back afterwards, so
 * an idle server does not keep them resident.
 */
#include "builtin.h"

#include <errno.h>
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

/* 1 when the file of task `id` in `fmt` should be written now. */
static int wanted(struct store *s, const struct spool *sp, const char *id, const char *fmt)
{
    uint64_t size;
    if (!lifecycle_id_done(s, id))
        return 0; /* other fixtures, without this task, or not ended */
    int fd = spool_open_file(sp, id, fmt, &size);
    if (fd >= 0)
        close(fd);
    return fd < 0;
}

size_t builtin_files_restore(struct store *s, const struct spool *sp)
{
    size_t failed = 0;
    for (size_t i = 0; i < builtin_files_count; i++) {
        const struct builtin_file *f = &builtin_files[i];
        if (!wanted(s, sp, f->task_id, f->file_format))
            continue;
        int fd = spool_create(sp, f->task_id, f->file_format, BUILTIN_TAG);
        int bad = fd < 0 || fdio_write_all(fd, f->data, f->size) != 0;
        if (fd >= 0 && close(fd) != 0)
            bad = 1;
        if (bad || spool_commit(sp, f->task_id, f->file_format, BUILTIN_TAG) != 0) {
            log_msg("error", NULL, "report %s: its %s file cannot be stored: %s", f->task_id,
                    f->file_format, strerror(errno));
            spool_discard(sp, f->task_id, f->file_format, BUILTIN_TAG);
            failed++;
        }
        drop_pages(f);
    }
    return failed;
}
