/* Watermarks raised by real flushes: exact per column family
 * and partition, never from unflushed writes, never lowered. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lsnt.h"

typedef struct fixture {
    const lsnt_api_t *a;
    char *dir, *name;
    lsn_tracker_t *t;
    rocksdb_options_t *o;
    rocksdb_t *db;
    rocksdb_column_family_handle_t *cf[3];
} fixture_t;

static const char *const CFS[] = {"default", "orders", "payments"};

/* Opens a DB whose listener feeds a fresh tracker; memtables are large so
 * that only explicit flushes write SSTs. */
static void setup(fixture_t *f, const char *collector, int ncf)
{
    char *s, *err;
    f->a = lsnt_api();
    f->dir = lsnt_tmpdir("flush");
    f->name = lsnt_unique("flush");
    cr_assert(asprintf(&s, "listeners={id=LsnFlushListener;tracker=%s};%s;"
                           "write_buffer_size=67108864;"
                           "disable_auto_compactions=true",
                       f->name, collector) > 0);
    f->o = lsnt_options(s, &err);
    cr_assert_not_null(f->o, "%s", err);
    free(s);
    f->t = f->a->open(f->name);
    f->db = lsnt_open(f->dir, f->o, ncf, ncf ? CFS : NULL, ncf ? f->cf : NULL);
}

static void teardown(fixture_t *f)
{
    for (int i = 0; i < 3; i++)
        if (f->cf[i])
            rocksdb_column_family_handle_destroy(f->cf[i]);
    rocksdb_close(f->db);
    rocksdb_options_destroy(f->o);
    f->a->close(f->t);
    lsnt_rmdir(f->dir);
    free(f->name);
}

static uint64_t get_or_zero(fixture_t *f, const char *cf, uint64_t p, int *found)
{
    uint64_t v = 0;
    *found = f->a->get(f->t, cf, p, &v) == LSN_TRACKER_OK;
    return v;
}

Test(flush, three_cfs_hundred_partitions_exact_after_each_flush)
{
    fixture_t f = {0};
    enum { NP = 100, ROUNDS = 4 };
    static uint64_t flushed[3][NP], written[3][NP];
    setup(&f, LSNT_PLAIN_COLLECTOR, 3);

    for (int round = 1; round <= ROUNDS; round++) {
        /* Every CF gets writes; only CF (round % 3) is flushed. */
        for (int c = 0; c < 3; c++)
            for (uint64_t p = 0; p < NP; p++) {
                if ((p + (uint64_t)round) % 7 == 0)
                    continue; /* some partitions idle this round */
                uint64_t lsn = (uint64_t)round * 1000 + p * 3 + (uint64_t)c;
                lsnt_apply_plain(f.db, f.cf[c], p, lsn);
                written[c][p] = lsn;
            }
        int fc = round % 3;
        lsnt_flush(f.db, f.cf[fc]);
        memcpy(flushed[fc], written[fc], sizeof flushed[fc]);

        /* The flushed CF reaches exactly what was written... */
        for (uint64_t p = 0; p < NP; p++) {
            uint64_t v = 0;
            if (!flushed[fc][p])
                continue;
            cr_assert_eq(f.a->wait(f.t, CFS[fc], p, flushed[fc][p], 10000, &v),
                         LSN_TRACKER_OK, "cf %s p %lu stuck at %lu", CFS[fc],
                         p, v);
        }
        /* ...and every CF equals the largest LSN flushed, not written. */
        for (int c = 0; c < 3; c++)
            for (uint64_t p = 0; p < NP; p++) {
                int found;
                uint64_t v = get_or_zero(&f, CFS[c], p, &found);
                cr_assert_eq(found, flushed[c][p] != 0, "cf %d p %lu", c, p);
                cr_assert_eq(v, flushed[c][p], "cf %s p %lu: %lu, flushed %lu, "
                             "written %lu", CFS[c], p, v, flushed[c][p],
                             written[c][p]);
            }
    }
    lsn_tracker_stats_t st = {.size = sizeof st};
    f.a->stats(f.t, &st);
    cr_assert_eq(st.flushes, ROUNDS);
    cr_assert_eq(st.flushes_with_lsn, ROUNDS);
    cr_assert_eq(st.corrupt_properties, 0);
    cr_assert_eq(st.bad_values, 0);
    teardown(&f);
}

Test(flush, lower_lsn_flushed_later_does_not_lower)
{
    fixture_t f = {0};
    uint64_t v = 0;
    setup(&f, LSNT_PLAIN_COLLECTOR, 0);
    lsnt_apply_plain(f.db, NULL, 1, 500);
    lsnt_apply_plain(f.db, NULL, 2, 10);
    lsnt_flush(f.db, NULL);
    cr_assert_eq(f.a->wait(f.t, NULL, 2, 10, 10000, &v), LSN_TRACKER_OK);
    cr_assert_eq(f.a->wait(f.t, NULL, 1, 500, 10000, &v), LSN_TRACKER_OK);
    /* The host rewinds partition 1 (say, a restore); partition 2 moves on
     * so that we know the second flush was applied. */
    lsnt_apply_plain(f.db, NULL, 1, 400);
    lsnt_apply_plain(f.db, NULL, 2, 20);
    lsnt_flush(f.db, NULL);
    cr_assert_eq(f.a->wait(f.t, NULL, 2, 20, 10000, &v), LSN_TRACKER_OK);
    cr_assert_eq(f.a->get(f.t, NULL, 1, &v), LSN_TRACKER_OK);
    cr_assert_eq(v, 500);
    teardown(&f);
}

static void put_raw(rocksdb_t *db, const char *k, size_t kl, const char *v,
                    size_t vl)
{
    char *err = NULL;
    rocksdb_writeoptions_t *wo = rocksdb_writeoptions_create();
    rocksdb_writeoptions_disable_WAL(wo, 1);
    rocksdb_put(db, wo, k, kl, v, vl, &err);
    cr_assert_null(err, "%s", err);
    rocksdb_writeoptions_destroy(wo);
}

Test(flush, undecodable_value_is_counted_and_the_flush_succeeds)
{
    fixture_t f = {0};
    char k[16], v[8];
    uint64_t got = 0;
    setup(&f, LSNT_PLAIN_COLLECTOR, 0);
    put_raw(f.db, k, lsnt_plain_key(1, k), "short", 5);
    put_raw(f.db, k, lsnt_plain_key(2, k), v, lsnt_plain_value(77, v));
    put_raw(f.db, k, lsnt_plain_key(3, k), "", 0);
    lsnt_flush(f.db, NULL);
    cr_assert_eq(f.a->wait(f.t, NULL, 2, 77, 10000, &got), LSN_TRACKER_OK);
    cr_assert_eq(f.a->get(f.t, NULL, 1, &got), LSN_TRACKER_NOT_FOUND);
    cr_assert_eq(f.a->get(f.t, NULL, 3, &got), LSN_TRACKER_NOT_FOUND);
    lsn_tracker_stats_t st = {.size = sizeof st};
    f.a->stats(f.t, &st);
    cr_assert_eq(st.bad_values, 2);
    /* The file is there and readable: the state written with it too. */
    char *err = NULL, *val;
    size_t vl;
    rocksdb_readoptions_t *ro = rocksdb_readoptions_create();
    val = rocksdb_get(f.db, ro, k, lsnt_plain_key(1, k), &vl, &err);
    cr_assert_null(err);
    cr_assert_not_null(val);
    cr_assert_eq(vl, 5);
    rocksdb_free(val);
    rocksdb_readoptions_destroy(ro);
    teardown(&f);
}

Test(flush, only_puts_count)
{
    fixture_t f = {0};
    char k[16], v[8], *err = NULL;
    uint64_t got = 0;
    rocksdb_writeoptions_t *wo = rocksdb_writeoptions_create();
    rocksdb_writeoptions_disable_WAL(wo, 1);
    setup(&f, LSNT_PLAIN_COLLECTOR, 0);
    /* A merge or delete of an applied-LSN key carries no LSN. */
    rocksdb_delete(f.db, wo, k, lsnt_plain_key(4, k), &err);
    cr_assert_null(err);
    rocksdb_singledelete(f.db, wo, k, lsnt_plain_key(5, k), &err);
    cr_assert_null(err);
    put_raw(f.db, k, lsnt_plain_key(6, k), v, lsnt_plain_value(9, v));
    lsnt_flush(f.db, NULL);
    cr_assert_eq(f.a->wait(f.t, NULL, 6, 9, 10000, &got), LSN_TRACKER_OK);
    cr_assert_eq(f.a->get(f.t, NULL, 4, &got), LSN_TRACKER_NOT_FOUND);
    cr_assert_eq(f.a->get(f.t, NULL, 5, &got), LSN_TRACKER_NOT_FOUND);
    lsn_tracker_stats_t st = {.size = sizeof st};
    f.a->stats(f.t, &st);
    cr_assert_eq(st.entries, 1);
    cr_assert_eq(st.bad_values, 0);
    rocksdb_writeoptions_destroy(wo);
    teardown(&f);
}

Test(flush, restate_layout)
{
    fixture_t f = {0};
    char k[32], v[16];
    uint64_t got = 0;
    setup(&f, LSNT_RESTATE_COLLECTOR, 0);
    for (uint64_t p = 0; p < 16; p++) {
        uint64_t lsn = (p << 40) + 12345 + p; /* multi-byte varints */
        put_raw(f.db, k, lsnt_restate_key(p, k), v, lsnt_restate_value(lsn, v));
        /* Other state ids of the same partition are not the LSN key. */
        k[17] = 3;
        put_raw(f.db, k, 18, "\x01\x08\x7f", 3);
    }
    lsnt_flush(f.db, NULL);
    for (uint64_t p = 0; p < 16; p++) {
        cr_assert_eq(f.a->wait(f.t, NULL, p, (p << 40) + 12345 + p, 10000,
                               &got), LSN_TRACKER_OK);
        cr_assert_eq(got, (p << 40) + 12345 + p);
    }
    lsn_tracker_stats_t st = {.size = sizeof st};
    f.a->stats(f.t, &st);
    cr_assert_eq(st.entries, 16);
    teardown(&f);
}

Test(flush, listener_without_tracker_option_uses_db_path)
{
    const lsnt_api_t *a = lsnt_api();
    char *dir = lsnt_tmpdir("bypath"), *err;
    uint64_t got = 0;
    rocksdb_options_t *o = lsnt_options("listeners={id=LsnFlushListener};"
                                        LSNT_PLAIN_COLLECTOR, &err);
    cr_assert_not_null(o, "%s", err);
    rocksdb_t *db = lsnt_open(dir, o, 0, NULL, NULL);
    lsn_tracker_t *t = a->open(dir);
    lsnt_apply_plain(db, NULL, 8, 88);
    lsnt_flush(db, NULL);
    cr_assert_eq(a->wait(t, NULL, 8, 88, 10000, &got), LSN_TRACKER_OK);
    lsn_tracker_stats_t st = {.size = sizeof st};
    a->stats(t, &st);
    cr_assert_eq(st.listeners, 1);
    rocksdb_close(db);
    rocksdb_options_destroy(o);
    a->close(t);
    lsnt_rmdir(dir);
}
