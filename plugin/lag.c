/* The bounded-lag policy. A family turns dirty at the first poll that sees
 * unflushed entries, dated at the poll before (when it was clean), so the
 * age is never underestimated. A committed flush up to sequence number L
 * moves that date to the last poll whose latest sequence number was at or
 * below L: every write still unflushed came after it. Natural flushes keep
 * the date young, so a family whose memtables fill within the bound is
 * never forced. */
#include "lag.h"

void lsn_lag_init(lsn_lag_t *g, int64_t max_lag_ms, int64_t now_ms)
{
    g->max_lag_ms = max_lag_ms;
    g->last_poll_ms = now_ms;
    g->ring_start = g->ring_len = 0;
}

void lsn_lag_cf_init(lsn_lag_cf_t *c)
{
    c->dirty_since_ms = -1;
}

int64_t lsn_lag_period_ms(int64_t max_lag_ms)
{
    int64_t p = max_lag_ms / 10;
    return p < 1 ? 1 : p > 100 ? 100 : p;
}

void lsn_lag_tick(lsn_lag_t *g, int64_t now_ms, uint64_t seq)
{
    size_t i = (g->ring_start + g->ring_len) % LSN_LAG_RING;
    if (g->ring_len == LSN_LAG_RING)
        g->ring_start = (g->ring_start + 1) % LSN_LAG_RING;
    else
        g->ring_len++;
    g->ring_ms[i] = now_ms;
    g->ring_seq[i] = seq;
    g->last_poll_ms = now_ms;
}

int lsn_lag_check(const lsn_lag_t *g, lsn_lag_cf_t *c, int64_t prev_poll_ms,
                  uint64_t active_entries, uint64_t immutable)
{
    if (active_entries == 0 && immutable == 0) {
        c->dirty_since_ms = -1;
        return 0;
    }
    if (c->dirty_since_ms < 0)
        c->dirty_since_ms = prev_poll_ms;
    return g->max_lag_ms > 0 &&
           g->last_poll_ms - c->dirty_since_ms >= g->max_lag_ms;
}

void lsn_lag_flushed(const lsn_lag_t *g, lsn_lag_cf_t *c, uint64_t largest_seq)
{
    int64_t t = -1;

    /* Sequence numbers only grow with time: the last poll at or below. */
    for (size_t k = 0; k < g->ring_len; k++) {
        size_t i = (g->ring_start + k) % LSN_LAG_RING;
        if (g->ring_seq[i] > largest_seq)
            break;
        t = g->ring_ms[i];
    }
    if (c->dirty_since_ms >= 0 && t > c->dirty_since_ms)
        c->dirty_since_ms = t;
}
