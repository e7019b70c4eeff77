/*
 * ids.h - random identifiers: 32-hex ids (task ids, trackingIds) and UUIDs
 * (token jti, tenant ids) from a ChaCha20 keystream of the calling thread,
 * keyed from getrandom(2) on its first id; key material (ids_random)
 * straight from getrandom(2). Output goes into caller-owned arrays.
 * Thread-safe.
 */
#ifndef ISC_CORE_IDS_H
#define ISC_CORE_IDS_H

#define IDS_HEX32_LEN 33 /* 32 hex digits plus NUL */
#define IDS_UUID_LEN 37  /* 8-4-4-4-12 plus NUL */

void ids_hex32(char out[IDS_HEX32_LEN]);
void ids_uuid(char out[IDS_UUID_LEN]);
/* Fills `n` random bytes from getrandom(2): for keys, not for ids. */
void ids_random(void *out, unsigned n);

#endif
