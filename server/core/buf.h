/*
 * buf.h - a growable byte buffer with a hard cap.
 *
 * The buffer owns `data`; it is always NUL-terminated after a successful
 * append (the NUL is not counted in `len`). An append that would pass `max`
 * or cannot allocate fails with -1 and leaves the buffer exactly as it was.
 * buf_free() on a zeroed or already freed buffer is a no-op.
 */
#ifndef ISC_CORE_BUF_H
#define ISC_CORE_BUF_H

#include <stddef.h>

struct buf {
    char *data;
    size_t len;
    size_t cap;
    size_t max; /* hard cap on len; 0 means 64 MiB */
};

void buf_init(struct buf *b, size_t max);
int buf_append(struct buf *b, const void *p, size_t n);
int buf_puts(struct buf *b, const char *s);
int buf_putc(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Forget the content but keep the allocation. */
void buf_reset(struct buf *b);
/* Hand the NUL-terminated content to the caller (free() it); the buffer is
 * left empty. Returns NULL if nothing was ever appended. */
char *buf_steal(struct buf *b, size_t *len);
void buf_free(struct buf *b);

#endif
