/* The property value, format versions 1 and 2, and its ".bad_values"
 * companion. Internal to the library. */
#ifndef LSN_PROPERTY_H
#define LSN_PROPERTY_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct lsn_prop {
    unsigned version;
    uint64_t fingerprint; /* of the writer's layout; 0 in version 1 */
    lsn_entry_t *entries; /* malloc'ed, NULL when n is 0 */
    size_t n;
} lsn_prop_t;

/* Upper bound of the encoded size of n entries. */
size_t lsn_prop_bound(size_t n);
/* Encodes entries (sorted by partition, unique) as version 2 into out;
 * returns the length. */
size_t lsn_prop_encode(uint64_t fingerprint, const lsn_entry_t *e,
                                  size_t n, uint8_t *out);
/* Decodes a whole property of version 1 or 2 into *out. Returns
 * LSN_TRACKER_ECORRUPT for any malformed input, LSN_TRACKER_ENOMEM if
 * allocation fails. */
int lsn_prop_decode(const uint8_t *buf, size_t len,
                               lsn_prop_t *out);
/* The "<property>.bad_values" counter: one strict LEB128, nothing after. */
size_t lsn_prop_encode_count(uint64_t count, uint8_t out[10]);
int lsn_prop_decode_count(const uint8_t *buf, size_t len,
                                     uint64_t *count);

#ifdef __cplusplus
}
#endif
#endif
