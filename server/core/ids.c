/*
 * ids.c - random ids: key material straight from getrandom(2), and ids from
 * a ChaCha20 keystream per thread, keyed once from getrandom(2).
 *
 * Every request gets a trackingId and many a task id or a token id: one
 * getrandom(2) each was a system call per request. Ids are still
 * unpredictable (a client that sees its own task ids and trackingIds cannot
 * work out another client's): ChaCha20 is a stream cipher, so its keystream
 * under a secret 256-bit key is as good as random to anyone without the key,
 * which is the construction of OpenBSD's and the Linux kernel's own
 * generators. A non-cryptographic generator (xoshiro, splitmix) would give
 * its state away from a few outputs, so it is not used. Each thread has its
 * own key, so threads need no lock and their ids collide no more often than
 * independent random 128-bit ids. A forked child draws a new key before its
 * first id, so it never repeats its parent's.
 */
#include "ids.h"

#include <fcntl.h>
#include <nettle/chacha.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

void ids_random(void *out, unsigned n)
{
    unsigned char *p = out;
    while (n > 0) {
        ssize_t r = getrandom(p, n, 0);
        if (r <= 0) {
            int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
            r = fd >= 0 ? read(fd, p, n) : -1;
            if (fd >= 0)
                close(fd);
            if (r <= 0)
                return; /* nothing better exists; keep what we have */
        }
        p += r;
        n -= (unsigned)r;
    }
}

/* Keystream bytes made at a time: 4 ChaCha blocks, a few ids' worth. */
#define STREAM_BYTES (4 * CHACHA_BLOCK_SIZE)

/* The calling thread's generator. `generation` is the process's when it was
 * keyed: a fork moves the process's on, so the child keys anew. */
struct stream {
    struct chacha_ctx ctx;
    unsigned char out[STREAM_BYTES];
    unsigned used; /* bytes of out already handed out */
    unsigned generation;
    int keyed;
};

static _Thread_local struct stream stream;
static atomic_uint generation;
static pthread_once_t fork_hook_once = PTHREAD_ONCE_INIT;

static void forked_child(void)
{
    atomic_fetch_add_explicit(&generation, 1, memory_order_relaxed);
}

static void fork_hook(void)
{
    pthread_atfork(NULL, NULL, forked_child);
}

static void stream_key(struct stream *s)
{
    pthread_once(&fork_hook_once, fork_hook);
    unsigned char key[CHACHA_KEY_SIZE], nonce[CHACHA_NONCE_SIZE] = {0};
    ids_random(key, sizeof(key));
    chacha_set_key(&s->ctx, key);
    chacha_set_nonce(&s->ctx, nonce);
    memset(key, 0, sizeof(key));
    s->used = STREAM_BYTES;
    s->generation = atomic_load_explicit(&generation, memory_order_relaxed);
    s->keyed = 1;
}

/* Fills `n` bytes (n <= STREAM_BYTES) from the thread's keystream. */
static void stream_bytes(unsigned char *dst, unsigned n)
{
    struct stream *s = &stream;
    if (!s->keyed || s->generation != atomic_load_explicit(&generation, memory_order_relaxed))
        stream_key(s);
    if (STREAM_BYTES - s->used < n) {
        memset(s->out, 0, sizeof(s->out));
        chacha_crypt(&s->ctx, sizeof(s->out), s->out, s->out); /* zeros in, keystream out */
        s->used = 0;
    }
    memcpy(dst, s->out + s->used, n);
    memset(s->out + s->used, 0, n); /* an id's bytes are not kept once handed out */
    s->used += n;
}

static void hex(const unsigned char *in, unsigned n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (unsigned i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
}

void ids_hex32(char out[IDS_HEX32_LEN])
{
    unsigned char raw[16];
    stream_bytes(raw, sizeof(raw));
    hex(raw, 16, out);
    out[32] = '\0';
}

void ids_uuid(char out[IDS_UUID_LEN])
{
    unsigned char raw[16];
    stream_bytes(raw, sizeof(raw));
    raw[6] = (unsigned char)((raw[6] & 0x0f) | 0x40);
    raw[8] = (unsigned char)((raw[8] & 0x3f) | 0x80);
    /* 8-4-4-4-12 hex digits: the bytes of each group, then a dash. */
    static const unsigned groups[] = {4, 2, 2, 2, 6};
    unsigned from = 0;
    char *o = out;
    for (unsigned g = 0; g < sizeof(groups) / sizeof(groups[0]); g++) {
        if (g > 0)
            *o++ = '-';
        hex(raw + from, groups[g], o);
        o += 2 * groups[g];
        from += groups[g];
    }
    *o = '\0';
}
