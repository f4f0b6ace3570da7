/* The watermark store of one tracker: one writer, lock-free readers.
 * Internal to the library. */
#ifndef LSN_STORE_H
#define LSN_STORE_H

#include "common.h"

#ifndef __cplusplus
#include <stdatomic.h>
#endif

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
/* One column family of a store: what lsn_tracker_cf hands out. It lives
 * as long as the store; forgetting the family clears it in place. Its
 * dense cells are declared here so that a read through a handle is one
 * inline function (see store.c for the encoding). C++ sees it opaque. */
#ifdef __cplusplus
typedef struct lsn_tracker_cf lsn_store_cf_t;
#else
#define LSN_STORE_DENSE_LIMIT ((uint64_t)1 << 20) /* partitions 0..2^20-1 */
#define LSN_STORE_REGION_BITS 9 /* 512 cells: one 4 KiB page of memory */
struct lsn_store_table;
typedef struct lsn_tracker_cf {
    /* First: a read through a handle starts here. LSN + 1 per dense
     * partition, 0 if unknown: one reserved, lazily backed mapping. */
    _Atomic uint64_t *cells;
    _Atomic uint64_t *top; /* a bit per dense partition whose LSN is
                              UINT64_MAX (its cell holds 0) */
    struct lsn_tracker_cf *next;
    _Atomic(struct lsn_store_table *) table;
    _Atomic uint64_t clears; /* odd while a clear runs; see get */
    _Atomic int has_max; /* partition UINT64_MAX is known */
    _Atomic uint64_t max_lsn;
    /* Regions of cells ever written, for walks and clears. */
    _Atomic uint8_t used[LSN_STORE_DENSE_LIMIT >> LSN_STORE_REGION_BITS];
    char name[];
} lsn_store_cf_t;
#endif
/* The family cf, created empty if the store has none by that name; single
 * writer, like raise. NULL if memory ran out. */
lsn_store_cf_t *lsn_store_cf(lsn_store_t *s, const char *cf);
/* lsn_store_cf_get for what the inline path does not answer. */
int lsn_store_cf_get_rest(const lsn_store_cf_t *c, uint64_t partition,
                          uint64_t *lsn);
#ifndef __cplusplus
/* lsn_store_get without the name lookup: lock-free, 0 or
 * LSN_TRACKER_NOT_FOUND. A known dense partition is one load of its
 * cell, as in a plain array. */
static inline int lsn_store_cf_get(const lsn_store_cf_t *c,
                                   uint64_t partition, uint64_t *lsn)
{
    if (partition < LSN_STORE_DENSE_LIMIT) {
        uint64_t cell = atomic_load_explicit(&c->cells[partition],
                                             memory_order_acquire);
        if (cell) {
            *lsn = cell - 1;
            return LSN_TRACKER_OK;
        }
    }
    return lsn_store_cf_get_rest(c, partition, lsn);
}
#endif
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
