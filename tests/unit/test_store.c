/* The store module: the watermarks of one tracker, one writer at a time
 * and readers without locks. Small partition ids live in directly indexed
 * pages (512 ids each, up to 2^20), larger ones in an open-addressing table
 * per column family that grows by doubling, and UINT64_MAX, the table's
 * empty mark, beside it; the tests cover each, and their boundaries. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"

#define DENSE_LIMIT ((uint64_t)1 << 20)

/* Ids on both sides of every boundary the store has. */
static const uint64_t IDS[] = {0,
                               1,
                               511,
                               512,
                               513,
                               DENSE_LIMIT - 1,
                               DENSE_LIMIT,
                               DENSE_LIMIT + 1,
                               1ull << 40,
                               UINT64_MAX - 1,
                               UINT64_MAX};
#define NIDS (sizeof IDS / sizeof IDS[0])

static lsn_store_t *store(void)
{
    lsn_store_t *s = lsn_store_new();
    cr_assert_not_null(s);
    return s;
}

Test(store, raise_get_and_never_lower)
{
    lsn_store_t *s = store();
    uint64_t v = 42;
    for (size_t i = 0; i < NIDS; i++) {
        uint64_t p = IDS[i];
        cr_assert_eq(lsn_store_get(s, "default", p, &v), LSN_TRACKER_NOT_FOUND);
        cr_assert_eq(v, 42, "NOT_FOUND wrote the value");
        cr_assert_eq(lsn_store_raise(s, "default", p, 10 + i), 1, "new");
        cr_assert_eq(lsn_store_raise(s, "default", p, 10 + i), 0, "equal");
        cr_assert_eq(lsn_store_raise(s, "default", p, 5), 0, "lower");
        cr_assert_eq(lsn_store_get(s, "default", p, &v), LSN_TRACKER_OK);
        cr_assert_eq(v, 10 + i, "id %llu", (unsigned long long)p);
        cr_assert_eq(lsn_store_raise(s, "default", p, 100 + i), 1, "higher");
        cr_assert_eq(lsn_store_get(s, "default", p, &v), LSN_TRACKER_OK);
        cr_assert_eq(v, 100 + i);
        v = 42;
    }
    cr_assert_eq(lsn_store_entries(s), NIDS);
    /* Neighbours of known ids are still unknown. */
    cr_assert_eq(lsn_store_get(s, "default", 2, &v), LSN_TRACKER_NOT_FOUND);
    cr_assert_eq(lsn_store_get(s, "default", DENSE_LIMIT + 2, &v),
                 LSN_TRACKER_NOT_FOUND);
    cr_assert_eq(lsn_store_get(s, "default", UINT64_MAX - 2, &v),
                 LSN_TRACKER_NOT_FOUND);
    lsn_store_free(s);
}

/* LSN 0 and UINT64_MAX are values like any other. */
Test(store, extreme_lsns)
{
    lsn_store_t *s = store();
    uint64_t v;
    cr_assert_eq(lsn_store_raise(s, "cf", 7, 0), 1, "a new entry at 0");
    cr_assert_eq(lsn_store_get(s, "cf", 7, &v), LSN_TRACKER_OK);
    cr_assert_eq(v, 0);
    cr_assert_eq(lsn_store_raise(s, "cf", 7, 0), 0);
    cr_assert_eq(lsn_store_raise(s, "cf", UINT64_MAX, 0), 1);
    cr_assert_eq(lsn_store_raise(s, "cf", 1ull << 50, 0), 1);
    for (size_t i = 0; i < NIDS; i++) {
        cr_assert_eq(lsn_store_raise(s, "cf", IDS[i], UINT64_MAX), 1);
        cr_assert_eq(lsn_store_get(s, "cf", IDS[i], &v), LSN_TRACKER_OK);
        cr_assert_eq(v, UINT64_MAX);
    }
    lsn_store_free(s);
}

Test(store, column_families_are_separate)
{
    lsn_store_t *s = store();
    uint64_t v;
    for (size_t i = 0; i < NIDS; i++) {
        cr_assert_eq(lsn_store_raise(s, "a", IDS[i], 1), 1);
        cr_assert_eq(lsn_store_get(s, "b", IDS[i], &v), LSN_TRACKER_NOT_FOUND);
        cr_assert_eq(lsn_store_raise(s, "b", IDS[i], 2), 1);
        cr_assert_eq(lsn_store_get(s, "a", IDS[i], &v), LSN_TRACKER_OK);
        cr_assert_eq(v, 1);
    }
    cr_assert_eq(lsn_store_get(s, "", 0, &v), LSN_TRACKER_NOT_FOUND);
    cr_assert_eq(lsn_store_get(s, "A", 0, &v), LSN_TRACKER_NOT_FOUND);
    cr_assert_eq(lsn_store_raise(s, "", 0, 3), 1, "an empty name is a name");
    cr_assert_eq(lsn_store_get(s, "", 0, &v), LSN_TRACKER_OK);
    cr_assert_eq(v, 3);
    cr_assert_eq(lsn_store_entries(s), 2 * NIDS + 1);
    lsn_store_free(s);
}

/* Sparse ids grow the table from 16 slots through many doublings, with
 * every value kept; dense ids fill many pages. */
Test(store, growth_keeps_every_value)
{
    lsn_store_t *s = store();
    const uint64_t n = 50000;
    uint64_t v;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t sparse = DENSE_LIMIT + i * 0x9E3779B97F4A7C1ull;
        cr_assert_eq(lsn_store_raise(s, "cf", sparse, i + 1), 1);
        cr_assert_eq(lsn_store_raise(s, "cf", i * 37 % DENSE_LIMIT, i + 1), 1);
    }
    cr_assert_eq(lsn_store_entries(s), 2 * n);
    for (uint64_t i = 0; i < n; i++) {
        uint64_t sparse = DENSE_LIMIT + i * 0x9E3779B97F4A7C1ull;
        cr_assert_eq(lsn_store_get(s, "cf", sparse, &v), LSN_TRACKER_OK);
        cr_assert_eq(v, i + 1);
        cr_assert_eq(lsn_store_get(s, "cf", i * 37 % DENSE_LIMIT, &v),
                     LSN_TRACKER_OK);
        cr_assert_eq(v, i + 1);
    }
    lsn_store_free(s);
}

typedef struct seen {
    size_t n;
    uint64_t sum; /* of partition ^ lsn, per family salted */
    int stop_at;
} seen_t;

static int visit(void *arg, const char *cf, uint64_t p, uint64_t lsn)
{
    seen_t *s = arg;
    s->n++;
    s->sum += (p ^ lsn) * (cf[0] == 'a' ? 1 : 3);
    return s->stop_at && (int)s->n == s->stop_at ? 99 : 0;
}

Test(store, foreach_visits_each_entry_once)
{
    lsn_store_t *s = store();
    seen_t seen = {0, 0, 0};
    uint64_t want = 0;
    cr_assert_eq(lsn_store_foreach(s, visit, &seen), LSN_TRACKER_OK);
    cr_assert_eq(seen.n, 0);
    for (size_t i = 0; i < NIDS; i++) {
        lsn_store_raise(s, "a", IDS[i], 1000 + i);
        lsn_store_raise(s, "a", IDS[i], 2000 + i); /* one entry still */
        lsn_store_raise(s, "b", IDS[i], 3000 + i);
        want += (IDS[i] ^ (2000 + i)) + 3 * (IDS[i] ^ (3000 + i));
    }
    cr_assert_eq(lsn_store_foreach(s, visit, &seen), LSN_TRACKER_OK);
    cr_assert_eq(seen.n, 2 * NIDS);
    cr_assert_eq(seen.sum, want);
    seen = (seen_t){0, 0, 5};
    cr_assert_eq(lsn_store_foreach(s, visit, &seen), 99, "stops on request");
    cr_assert_eq(seen.n, 5);
    lsn_store_free(s);
}

Test(store, clear_and_clear_cf_forget_in_place)
{
    lsn_store_t *s = store();
    seen_t seen = {0, 0, 0};
    uint64_t v;
    for (size_t i = 0; i < NIDS; i++) {
        lsn_store_raise(s, "a", IDS[i], 50);
        lsn_store_raise(s, "b", IDS[i], 60);
    }
    for (uint64_t i = 0; i < 1000; i++) /* a grown table, many pages */
        lsn_store_raise(s, "a", i * 1000003, 70);
    size_t in_a = NIDS + 1000 - 1; /* 0 was there already */
    cr_assert_eq(lsn_store_entries(s), in_a + NIDS);

    lsn_store_clear_cf(s, "a");
    cr_assert_eq(lsn_store_entries(s), NIDS);
    lsn_store_clear_cf(s, "no such family");
    cr_assert_eq(lsn_store_entries(s), NIDS);
    for (size_t i = 0; i < NIDS; i++) {
        cr_assert_eq(lsn_store_get(s, "a", IDS[i], &v), LSN_TRACKER_NOT_FOUND);
        cr_assert_eq(lsn_store_get(s, "b", IDS[i], &v), LSN_TRACKER_OK);
        cr_assert_eq(v, 60);
    }
    cr_assert_eq(lsn_store_foreach(s, visit, &seen), LSN_TRACKER_OK);
    cr_assert_eq(seen.n, NIDS, "cleared entries were visited");

    /* A cleared family starts from nothing: lower values count again. */
    for (size_t i = 0; i < NIDS; i++) {
        cr_assert_eq(lsn_store_raise(s, "a", IDS[i], 1), 1);
        cr_assert_eq(lsn_store_get(s, "a", IDS[i], &v), LSN_TRACKER_OK);
        cr_assert_eq(v, 1);
    }
    cr_assert_eq(lsn_store_entries(s), 2 * NIDS);

    lsn_store_clear(s);
    cr_assert_eq(lsn_store_entries(s), 0);
    seen = (seen_t){0, 0, 0};
    cr_assert_eq(lsn_store_foreach(s, visit, &seen), LSN_TRACKER_OK);
    cr_assert_eq(seen.n, 0);
    for (size_t i = 0; i < NIDS; i++) {
        cr_assert_eq(lsn_store_get(s, "a", IDS[i], &v), LSN_TRACKER_NOT_FOUND);
        cr_assert_eq(lsn_store_get(s, "b", IDS[i], &v), LSN_TRACKER_NOT_FOUND);
    }
    /* Cleared many times over, refilled each time: entries stay exact. */
    for (int round = 0; round < 50; round++) {
        for (uint64_t i = 0; i < 2000; i++)
            lsn_store_raise(s, "a", DENSE_LIMIT + i * 7919, (uint64_t)round + 1);
        cr_assert_eq(lsn_store_entries(s), 2000);
        lsn_store_clear(s);
        cr_assert_eq(lsn_store_entries(s), 0);
    }
    lsn_store_free(s);
}

/* One writer raises, clears and raises again; a reader takes no lock.
 * Every value the reader gets must be one the writer wrote for that very
 * partition (partitions are given disjoint value ranges, so a value of
 * another partition, or the 0 a clear leaves behind, shows up), and no
 * higher than the highest the writer had begun to write when the read
 * returned: the old value or nothing, never a value above what was
 * written. */
#define NP 24
#define ROUNDS 200
#define STEPS 64

typedef struct race {
    lsn_store_t *s;
    int sparse;              /* which ids: see partition_of */
    _Atomic uint64_t hi[NP]; /* the highest value begun, per partition */
    _Atomic int done;
    uint64_t reads, found;
    char why[256];
} race_t;

static uint64_t partition_of(const race_t *r, size_t j)
{
    /* Sparse ids share a small table, so cleared slots go to other
     * partitions; dense ids span several pages and the last one. */
    if (r->sparse)
        return DENSE_LIMIT + j * 16;
    if (j == NP - 1)
        return UINT64_MAX;
    if (j == NP - 2)
        return DENSE_LIMIT - 1;
    return j * 300;
}

/* What the writer writes for partition j: j in the high bits, never 0. */
static uint64_t value_of(size_t j, uint64_t round, uint64_t step)
{
    return ((uint64_t)(j + 1) << 40) | (round * STEPS + step + 1);
}

static void *writer(void *arg)
{
    race_t *r = arg;
    for (uint64_t round = 0; round < ROUNDS; round++) {
        for (uint64_t step = 0; step < STEPS; step++)
            for (size_t k = 0; k < NP; k++) {
                /* A new order every round: after a clear, table slots go
                 * to other partitions than before. */
                size_t j = (k * 7 + round) % NP;
                uint64_t v = value_of(j, round, step);
                if (v > atomic_load(&r->hi[j]))
                    atomic_store(&r->hi[j], v);
                lsn_store_raise(r->s, j % 3 ? "x" : "y", partition_of(r, j),
                                v);
            }
        /* The next round writes lower values after a clear, as a new
         * incarnation does: only every other round goes higher. */
        if (round % 2)
            lsn_store_clear(r->s);
        else
            lsn_store_clear_cf(r->s, "x");
    }
    atomic_store(&r->done, 1);
    return NULL;
}

static void *reader(void *arg)
{
    race_t *r = arg;
    while (!atomic_load(&r->done) && !r->why[0]) {
        for (size_t j = 0; j < NP; j++) {
            uint64_t v;
            int rc = lsn_store_get(r->s, j % 3 ? "x" : "y", partition_of(r, j),
                                   &v);
            uint64_t hi = atomic_load(&r->hi[j]);
            r->reads++;
            if (rc == LSN_TRACKER_NOT_FOUND)
                continue;
            r->found++;
            if (rc != LSN_TRACKER_OK || v >> 40 != j + 1 ||
                (v & ((1ull << 40) - 1)) == 0 || v > hi) {
                snprintf(r->why, sizeof r->why,
                         "partition %llu: rc %d, value %#llx, highest "
                         "written %#llx",
                         (unsigned long long)partition_of(r, j), rc,
                         (unsigned long long)v, (unsigned long long)hi);
                return NULL;
            }
        }
    }
    return NULL;
}

static void race(int sparse)
{
    race_t r;
    pthread_t w, rd;
    memset(&r, 0, sizeof r);
    r.s = store();
    r.sparse = sparse;
    for (size_t j = 0; j < NP; j++)
        atomic_init(&r.hi[j], 0);
    atomic_init(&r.done, 0);
    cr_assert_eq(pthread_create(&rd, NULL, reader, &r), 0);
    cr_assert_eq(pthread_create(&w, NULL, writer, &r), 0);
    pthread_join(w, NULL);
    pthread_join(rd, NULL);
    cr_assert_str_empty(r.why, "%s", r.why);
    cr_log_info("%llu reads, %llu found", (unsigned long long)r.reads,
                (unsigned long long)r.found);
    lsn_store_free(r.s);
}

Test(store, readers_racing_a_writer_and_clears_dense)
{
    race(0);
}

/* The reader of a sparse id loads a slot's partition, then its LSN; a
 * clear followed by the raise of another partition into that slot between
 * the two loads would hand it the other partition's LSN. It failed a few
 * runs in a hundred before the store's seqlock on clears. */
Test(store, readers_racing_a_writer_and_clears_sparse)
{
    race(1);
}
