/* The collector's per-SST accumulator: the largest LSN per partition.
 * Internal to the library. */
#ifndef LSN_ACCUM_H
#define LSN_ACCUM_H

#include "layout.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct lsn_accum lsn_accum_t;
lsn_accum_t *lsn_accum_new(const lsn_layout_t *l);
void lsn_accum_free(lsn_accum_t *a);
/* Offers one Put entry; returns -1 only if memory ran out. */
int lsn_accum_add(lsn_accum_t *a, const uint8_t *key, size_t klen,
                             const uint8_t *val, size_t vlen);
/* lsn_accum_add for a key that lsn_keymatch_maybe passed with the
 * accumulator's layout (lsn_accum_layout(a)->match): the collector's
 * per-key check is inline, and only candidates pay for a call. */
int lsn_accum_add_rest(lsn_accum_t *a, const uint8_t *key, size_t klen,
                       const uint8_t *val, size_t vlen);
const lsn_layout_t *lsn_accum_layout(const lsn_accum_t *a);
size_t lsn_accum_count(const lsn_accum_t *a);
uint64_t lsn_accum_bad_values(const lsn_accum_t *a);
uint64_t lsn_accum_max_lsn(const lsn_accum_t *a);
/* Encodes the property into a malloc'ed buffer; 0 or LSN_TRACKER_ENOMEM. */
int lsn_accum_encode(lsn_accum_t *a, uint8_t **buf, size_t *len);

#ifdef __cplusplus
}
#endif
#endif
