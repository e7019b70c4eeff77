/*
 * ids.c - random ids from getrandom(2), falling back to /dev/urandom.
 */
#include "ids.h"

#include <fcntl.h>
#include <stdio.h>
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
    ids_random(raw, sizeof(raw));
    hex(raw, 16, out);
    out[32] = '\0';
}

void ids_uuid(char out[IDS_UUID_LEN])
{
    unsigned char raw[16];
    ids_random(raw, sizeof(raw));
    raw[6] = (unsigned char)((raw[6] & 0x0f) | 0x40);
    raw[8] = (unsigned char)((raw[8] & 0x3f) | 0x80);
    char h[32];
    hex(raw, 16, h);
    snprintf(out, IDS_UUID_LEN, "%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8, h + 12, h + 16, h + 20);
}
