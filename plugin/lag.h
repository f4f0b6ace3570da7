/* Bounded trim lag: when a column family's oldest unflushed write is older
 * than the bound, it must be flushed. The policy, without RocksDB: the
 * adapter polls each family's memtables and the latest sequence number,
 * reports flushes, and flushes when told to. Internal to the library. */
#ifndef LSN_LAG_H
#define LSN_LAG_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define LSN_LAG_RING 1024 /* polls remembered: (time, latest seqno) */

typedef struct lsn_lag {
    int64_t max_lag_ms;
    int64_t last_poll_ms;
    /* Poll times and the latest sequence number seen at each, oldest first,
     * to tell how old the writes above a flushed sequence number can be. */
    int64_t ring_ms[LSN_LAG_RING];
    uint64_t ring_seq[LSN_LAG_RING];
    size_t ring_start, ring_len;
} lsn_lag_t;

/* Per column family: since when it has held unflushed writes (-1: none). */
typedef struct lsn_lag_cf {
    int64_t dirty_since_ms;
} lsn_lag_cf_t;

void lsn_lag_init(lsn_lag_t *g, int64_t max_lag_ms, int64_t now_ms);
void lsn_lag_cf_init(lsn_lag_cf_t *c);
/* How often to poll for a bound: a tenth of it, from 1 to 100 ms. */
int64_t lsn_lag_period_ms(int64_t max_lag_ms);
/* Starts a poll at now_ms, when the latest sequence number is seq. */
void lsn_lag_tick(lsn_lag_t *g, int64_t now_ms, uint64_t seq);
/* One family in that poll: entries of its active memtable and the number
 * of its immutable ones. Returns 1 if it must be flushed now. */
int lsn_lag_check(const lsn_lag_t *g, lsn_lag_cf_t *c, int64_t prev_poll_ms,
                  uint64_t active_entries, uint64_t immutable);
/* A flush of the family committed everything up to largest_seq: what is
 * unflushed now was written after the last poll that saw no later seq. */
void lsn_lag_flushed(const lsn_lag_t *g, lsn_lag_cf_t *c, uint64_t largest_seq);

#ifdef __cplusplus
}
#endif
#endif
