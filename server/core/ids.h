/*
 * ids.h - random identifiers: 32-hex ids (task ids, trackingIds) and UUIDs
 * (token jti, tenant ids). Output goes into caller-owned arrays; the
 * randomness comes from getrandom(2). Thread-safe.
 */
#ifndef ISC_CORE_IDS_H
#define ISC_CORE_IDS_H

#define IDS_HEX32_LEN 33 /* 32 hex digits plus NUL */
#define IDS_UUID_LEN 37  /* 8-4-4-4-12 plus NUL */

void ids_hex32(char out[IDS_HEX32_LEN]);
void ids_uuid(char out[IDS_UUID_LEN]);
/* Fills `n` random bytes. */
void ids_random(void *out, unsigned n);

#endif
