/* The watermark store of one tracker: one writer, lock-free readers.
 * Internal to the library. */
#ifndef LSN_STORE_H
#define LSN_STORE_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct lsn_store lsn_store_t;
lsn_store_t *lsn_store_new(void);
void lsn_store_free(lsn_store_t *s);
/* Raises (cf, partition) to lsn; single writer at a time (caller locks).
 * Returns 1 if the watermark changed or is new, 0 if not, -1 on ENOMEM. */
int lsn_store_raise(lsn_store_t *s, const char *cf,
                               uint64_t partition, uint64_t lsn);
/* Lock-free read; 0 found, LSN_TRACKER_NOT_FOUND otherwise. */
int lsn_store_get(const lsn_store_t *s, const char *cf,
                             uint64_t partition, uint64_t *lsn);
int lsn_store_foreach(const lsn_store_t *s, lsn_tracker_visit_fn fn,
                                 void *arg);
uint64_t lsn_store_entries(const lsn_store_t *s);
/* Forget watermarks in place (single writer, like raise); readers racing
 * with it see the old value or nothing. */
void lsn_store_clear(lsn_store_t *s);
void lsn_store_clear_cf(lsn_store_t *s, const char *cf);

#ifdef __cplusplus
}
#endif
#endif
