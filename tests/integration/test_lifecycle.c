/* A tracker serves one incarnation of one open database (ABI 0.2).
 *
 * These tests prove that a watermark only ever speaks for the database, the
 * column family and the files it came from: closing a database forgets its
 * watermarks; a database destroyed and re-created, or restored from an
 * older checkpoint, at the same path starts from its own files; a column
 * family dropped and re-created under the same name starts from nothing; a
 * second database on the same tracker is refused; a flush or an ingestion
 * that may not cover what it claims (one column family of an atomic_flush
 * group, ingest_behind, a property of another layout) raises nothing; and
 * recovery finds the truth with no flush before it, a property name of its
 * own, or files rewritten by a tool that ran without the plugin. Tracker
 * names that an options string cannot carry are refused, and open/close
 * cycles do not leak.
 *
 * Each test opens real RocksDB databases through the C API with the plugin
 * loaded by lsnt_api() and enabled by options string. Nothing sleeps: a
 * watermark is awaited with lsn_tracker_wait, and "not raised" is checked
 * only after the event's counter shows the listener has seen it. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <spawn.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lsnt.h"

extern char **environ;

#define WAIT_MS 10000

/* ---- small helpers ---- */

static char *path_in(const char *dir, const char *leaf)
{
    char *p;
    cr_assert(asprintf(&p, "%s/%s", dir, leaf) > 0);
    return p;
}

/* Options with the listener (listener: its fields after the id, "" for
 * none), the plain layout's collector (collector: more fields, each
 * starting with ';'), memtables large enough that only the test's own
 * flushes write files, no automatic compaction, and extra (DB or CF
 * options, each starting with ';'). */
static rocksdb_options_t *options(const char *listener, const char *collector,
                                  const char *extra)
{
    char *s, *err = NULL;
    cr_assert(asprintf(&s,
                       "listeners={id=LsnFlushListener%s%s};"
                       "table_properties_collectors={id=LsnCollectorFactory;"
                       "key_prefix=4c%s};write_buffer_size=67108864;"
                       "disable_auto_compactions=true%s",
                       *listener ? ";" : "", listener, collector, extra) > 0);
    rocksdb_options_t *o = lsnt_options(s, &err);
    cr_assert_not_null(o, "%s: %s", s, err);
    free(s);
    return o;
}

/* The usual case: a listener bound to the tracker called name. */
static rocksdb_options_t *named_options(const char *name, const char *extra)
{
    char *l;
    cr_assert(asprintf(&l, "tracker=%s", name) > 0);
    rocksdb_options_t *o = options(l, "", extra);
    free(l);
    return o;
}

static void close_db(rocksdb_t *db, int ncf, rocksdb_column_family_handle_t **h)
{
    for (int i = 0; i < ncf; i++)
        rocksdb_column_family_handle_destroy(h[i]);
    rocksdb_close(db);
}

static void destroy_db(const rocksdb_options_t *o, const char *path)
{
    char *err = NULL;
    rocksdb_destroy_db(o, path, &err);
    cr_assert_null(err, "destroy %s: %s", path, err);
}

static lsn_tracker_stats_t stats_of(const lsn_tracker_t *t)
{
    lsn_tracker_stats_t st;
    memset(&st, 0, sizeof st);
    st.size = sizeof st;
    cr_assert_eq(lsnt_api()->stats(t, &st), LSN_TRACKER_OK);
    return st;
}

/* lsn_tracker_get with *v zeroed first, so a NOT_FOUND prints as 0. */
static int get(const lsn_tracker_t *t, const char *cf, uint64_t p, uint64_t *v)
{
    *v = 0;
    return lsnt_api()->get(t, cf, p, v);
}

/* Waits until (cf, p) is at least lsn and returns what it is then. */
static uint64_t wait_for(lsn_tracker_t *t, const char *cf, uint64_t p,
                         uint64_t lsn)
{
    uint64_t v = 0;
    int rc = lsnt_api()->wait(t, cf, p, lsn, WAIT_MS, &v);
    cr_assert_eq(rc, LSN_TRACKER_OK, "%s/%llu never reached %llu (%s, at %llu)",
                 cf ? cf : "default", (unsigned long long)p,
                 (unsigned long long)lsn, lsnt_api()->strerror(rc),
                 (unsigned long long)v);
    return v;
}

static void recover_ok(lsn_tracker_t *t, rocksdb_t *db, const char *path)
{
    int rc = lsnt_api()->recover(t, db, path);
    cr_assert_eq(rc, LSN_TRACKER_OK, "recover %s: %s", path,
                 lsnt_api()->strerror(rc));
}

/* "The listener has handled the event": one of the 64-bit counters named
 * reached its count. The list ends with a zero count. */
typedef struct at_least {
    size_t off;
    uint64_t n;
} at_least_t;
#define AT_LEAST(field, count) {offsetof(lsn_tracker_stats_t, field), (count)}

static int any_reached(const lsn_tracker_stats_t *st, void *arg)
{
    for (const at_least_t *w = arg; w->n; w++) {
        uint64_t v;
        memcpy(&v, (const char *)st + w->off, sizeof v);
        if (v >= w->n)
            return 1;
    }
    return 0;
}

static lsn_tracker_stats_t seen(const lsn_tracker_t *t, const at_least_t *w,
                                const char *what)
{
    lsn_tracker_stats_t st;
    cr_assert(lsnt_stats_until(t, &st, any_reached, (void *)w),
              "%s: not seen by the listener within %d ms", what, LSNT_POLL_MS);
    return st;
}

/* ---- 1 ---- */

Test(lifecycle, recreated_or_restored_db_starts_from_its_own_files)
{
    const lsnt_api_t *a = lsnt_api();
    char *dir = lsnt_tmpdir("recreate"), *name = lsnt_unique("recreate");
    char *path = path_in(dir, "db"), *cp = path_in(dir, "checkpoint"),
         *err = NULL;
    rocksdb_options_t *o = named_options(name, "");
    lsn_tracker_t *t = a->open(name);
    lsn_tracker_stats_t st;
    uint64_t v;

    rocksdb_t *db = lsnt_open(path, o, 0, NULL, NULL);
    lsnt_apply_plain(db, NULL, 7, 100);
    lsnt_flush(db, NULL);
    cr_assert_eq(wait_for(t, NULL, 7, 100), 100);
    st = stats_of(t);
    cr_expect_eq(st.open, 1, "open is %u while the database is open",
                 st.open);
    uint64_t first = st.incarnation;

    /* Closing forgets: the tracker speaks for an open database only. */
    rocksdb_close(db);
    st = stats_of(t);
    cr_expect_eq(st.open, 0, "open is %u after close", st.open);
    cr_expect_eq(get(t, NULL, 7, &v), LSN_TRACKER_NOT_FOUND,
                 "the closed database's watermark is still served: %llu",
                 (unsigned long long)v);

    /* Destroyed and re-created at the same path: nothing is durable. */
    destroy_db(o, path);
    db = lsnt_open(path, o, 0, NULL, NULL);
    recover_ok(t, db, path);
    st = stats_of(t);
    cr_expect_gt(st.incarnation, first, "incarnation %llu after %llu",
                 (unsigned long long)st.incarnation,
                 (unsigned long long)first);
    lsnt_apply_plain(db, NULL, 7, 50);
    cr_expect_eq(get(t, NULL, 7, &v), LSN_TRACKER_NOT_FOUND,
                 "the re-created database, with LSN 50 in a memtable only, "
                 "is said to be durable at %llu",
                 (unsigned long long)v);
    lsnt_flush(db, NULL);
    v = wait_for(t, NULL, 7, 50);
    cr_expect_eq(v, 50, "flushed 50 into the new database, watermark %llu",
                 (unsigned long long)v);

    /* An older checkpoint restored into the same path: its files, at 100,
     * are the truth; the 200 of the database it replaced never was. */
    lsnt_apply_plain(db, NULL, 7, 100);
    lsnt_flush(db, NULL);
    wait_for(t, NULL, 7, 100);
    rocksdb_checkpoint_t *ck = rocksdb_checkpoint_object_create(db, &err);
    cr_assert_null(err, "%s", err);
    rocksdb_checkpoint_create(ck, cp, 0, &err);
    cr_assert_null(err, "checkpoint: %s", err);
    rocksdb_checkpoint_object_destroy(ck);
    lsnt_apply_plain(db, NULL, 7, 200);
    lsnt_flush(db, NULL);
    cr_assert_eq(wait_for(t, NULL, 7, 200), 200);
    rocksdb_close(db);
    destroy_db(o, path);
    cr_assert_eq(rename(cp, path), 0, "rename %s: %s", cp, strerror(errno));
    db = lsnt_open(path, o, 0, NULL, NULL);
    recover_ok(t, db, path);
    int found;
    cr_assert_eq(lsnt_persisted_plain(db, NULL, 7, &found), 100);
    cr_expect_eq(get(t, NULL, 7, &v), LSN_TRACKER_OK);
    cr_expect_eq(v, 100, "restored checkpoint at 100, watermark %llu",
                 (unsigned long long)v);

    rocksdb_close(db);
    rocksdb_options_destroy(o);
    a->close(t);
    free(cp);
    free(path);
    free(name);
    lsnt_rmdir(dir);
}

/* ---- 2 ---- */

Test(lifecycle, dropped_and_recreated_cf_starts_from_nothing)
{
    const lsnt_api_t *a = lsnt_api();
    char *dir = lsnt_tmpdir("dropcf"), *name = lsnt_unique("dropcf"),
         *err = NULL;
    static const char *const cfs[] = {"default", "x"};
    rocksdb_column_family_handle_t *h[2];
    rocksdb_options_t *o = named_options(name, "");
    lsn_tracker_t *t = a->open(name);
    uint64_t v;

    rocksdb_t *db = lsnt_open(dir, o, 2, cfs, h);
    lsnt_apply_plain(db, h[1], 7, 100);
    lsnt_flush(db, h[1]);
    cr_assert_eq(wait_for(t, "x", 7, 100), 100);

    /* Families are identified by ID: the new "x" is another family. */
    rocksdb_drop_column_family(db, h[1], &err);
    cr_assert_null(err, "drop: %s", err);
    rocksdb_column_family_handle_destroy(h[1]);
    h[1] = rocksdb_create_column_family(db, o, "x", &err);
    cr_assert_null(err, "create: %s", err);
    cr_expect_eq(get(t, "x", 7, &v), LSN_TRACKER_NOT_FOUND,
                 "the re-created \"x\" has the dropped family's watermark "
                 "%llu", (unsigned long long)v);

    lsnt_apply_plain(db, h[1], 7, 30);
    lsnt_flush(db, h[1]);
    v = wait_for(t, "x", 7, 30);
    cr_expect_eq(v, 30, "flushed 30 into the new \"x\", watermark %llu",
                 (unsigned long long)v);

    close_db(db, 2, h);
    rocksdb_options_destroy(o);
    a->close(t);
    free(name);
    lsnt_rmdir(dir);
}

/* ---- 3 ---- */

/* Persisted (SST-only) read of key in cf. */
static int persisted(rocksdb_t *db, rocksdb_column_family_handle_t *cf,
                     const char *key)
{
    char *err = NULL, *v;
    size_t vl;
    rocksdb_readoptions_t *ro = rocksdb_readoptions_create();
    rocksdb_readoptions_set_read_tier(ro, 2); /* kPersistedTier */
    v = rocksdb_get_cf(db, ro, cf, key, strlen(key), &vl, &err);
    cr_assert_null(err, "get: %s", err);
    rocksdb_readoptions_destroy(ro);
    rocksdb_free(v);
    return v != NULL;
}

Test(lifecycle, atomic_flush_of_one_cf_does_not_raise)
{
    const lsnt_api_t *a = lsnt_api();
    char *dir = lsnt_tmpdir("atomic"), *name = lsnt_unique("atomic"),
         *err = NULL, k[16], v8[8];
    static const char *const cfs[] = {"default", "state"};
    rocksdb_column_family_handle_t *h[2];
    rocksdb_options_t *o = named_options(name, ";atomic_flush=true");
    lsn_tracker_t *t = a->open(name);
    uint64_t v;

    /* The state in "state", its applied-LSN key in "default", one batch:
     * the host's part of the contract for state spanning families. */
    rocksdb_t *db = lsnt_open(dir, o, 2, cfs, h);
    rocksdb_writebatch_t *b = rocksdb_writebatch_create();
    rocksdb_writeoptions_t *wo = rocksdb_writeoptions_create();
    rocksdb_writeoptions_disable_WAL(wo, 1);
    rocksdb_writebatch_put_cf(b, h[1], "state/7", 7, "value-100", 9);
    rocksdb_writebatch_put_cf(b, h[0], k, lsnt_plain_key(7, k), v8,
                              lsnt_plain_value(100, v8));
    rocksdb_write(db, wo, b, &err);
    cr_assert_null(err, "write: %s", err);
    rocksdb_writebatch_destroy(b);
    rocksdb_writeoptions_destroy(wo);

    /* RocksDB 7.8.3 flushes "default" alone: the key is durable, the
     * state it covers is not. */
    lsnt_flush(db, NULL);
    lsn_tracker_stats_t st = seen(
        t, (at_least_t[]){AT_LEAST(flushes, 1), {0, 0}}, "flush of default");
    cr_assert_not(persisted(db, h[1], "state/7"),
                  "this RocksDB flushed \"state\" too: the test proves "
                  "nothing here");
    cr_expect_eq(get(t, NULL, 7, &v), LSN_TRACKER_NOT_FOUND,
                 "raised to %llu by a flush of \"default\" alone, the state "
                 "it covers still in a memtable", (unsigned long long)v);
    cr_expect_geq(st.unsafe_flushes, 1, "unsafe_flushes %llu",
                  (unsigned long long)st.unsafe_flushes);

    /* The flush that is safe: every family, atomically. */
    int rc = a->flush_all(db);
    cr_assert_eq(rc, LSN_TRACKER_OK, "flush_all: %s", a->strerror(rc));
    v = wait_for(t, NULL, 7, 100);
    cr_expect_eq(v, 100);
    cr_expect(persisted(db, h[1], "state/7"),
              "watermark 100 without the state it covers in an SST");

    close_db(db, 2, h);
    rocksdb_options_destroy(o);
    a->close(t);
    free(name);
    lsnt_rmdir(dir);
}

/* ---- 4 ---- */

Test(lifecycle, ingest_behind_does_not_raise)
{
    const lsnt_api_t *a = lsnt_api();
    char *dir = lsnt_tmpdir("behind"), *name = lsnt_unique("behind");
    char *path = path_in(dir, "db"), *sst = path_in(dir, "behind.sst"), k[16],
         v8[8];
    rocksdb_options_t *o = named_options(name, ";allow_ingest_behind=true");
    lsn_tracker_t *t = a->open(name);
    uint64_t v;
    int found;

    rocksdb_t *db = lsnt_open(path, o, 0, NULL, NULL);
    lsnt_apply_plain(db, NULL, 7, 100);
    lsnt_flush(db, NULL);
    cr_assert_eq(wait_for(t, NULL, 7, 100), 100);

    /* Written with the DB's own options, so it carries p7=500; ingested
     * behind, it lies under the newer 100 and is never read. */
    lsnt_kv_t kv = {k, lsnt_plain_key(7, k), v8, lsnt_plain_value(500, v8)};
    lsnt_write_sst(sst, o, &kv, 1);
    lsnt_ingest(db, NULL, sst, 1);
    lsn_tracker_stats_t st = seen(
        t, (at_least_t[]){AT_LEAST(ingestions, 1), {0, 0}}, "ingestion");
    cr_assert_eq(lsnt_persisted_plain(db, NULL, 7, &found), 100);
    cr_expect_eq(get(t, NULL, 7, &v), LSN_TRACKER_OK);
    cr_expect_eq(v, 100, "raised to %llu by a file ingested behind",
                 (unsigned long long)v);
    cr_expect_geq(st.ingestions_refused, 1, "ingestions_refused %llu",
                  (unsigned long long)st.ingestions_refused);

    /* Recovery takes the newest version of the key, not the largest. */
    rocksdb_close(db);
    db = lsnt_open(path, o, 0, NULL, NULL);
    recover_ok(t, db, path);
    cr_assert_eq(lsnt_persisted_plain(db, NULL, 7, &found), 100);
    cr_expect_eq(get(t, NULL, 7, &v), LSN_TRACKER_OK);
    cr_expect_eq(v, 100, "recovered %llu, persisted 100",
                 (unsigned long long)v);

    rocksdb_close(db);
    rocksdb_options_destroy(o);
    a->close(t);
    free(sst);
    free(path);
    free(name);
    lsnt_rmdir(dir);
}

/* ---- 5 ---- */

Test(lifecycle, property_of_another_layout_is_refused)
{
    const lsnt_api_t *a = lsnt_api();
    char *dir = lsnt_tmpdir("layout"), *name = lsnt_unique("layout");
    char *path = path_in(dir, "db"), *sst = path_in(dir, "u64le.sst"),
         *err = NULL, k[16];
    /* u64le(300) read as the DB's u64be: */
    const uint64_t misread = 0x2c01000000000000ull; /* 3170815612645539840 */
    const char le300[8] = {0x2c, 0x01, 0, 0, 0, 0, 0, 0};
    rocksdb_options_t *o = named_options(name, "");
    lsn_tracker_t *t = a->open(name);
    uint64_t v;
    int rc;

    rocksdb_t *db = lsnt_open(path, o, 0, NULL, NULL);
    lsnt_apply_plain(db, NULL, 8, 100);
    lsnt_flush(db, NULL);
    cr_assert_eq(wait_for(t, NULL, 8, 100), 100);

    /* Same property name, another value format: the file says p7=300. */
    rocksdb_options_t *le = lsnt_options(
        "table_properties_collectors={id=LsnCollectorFactory;key_prefix=4c;"
        "value_format=u64le}", &err);
    cr_assert_not_null(le, "%s", err);
    lsnt_kv_t kv = {k, lsnt_plain_key(7, k), le300, sizeof le300};
    lsnt_write_sst(sst, le, &kv, 1);
    rocksdb_options_destroy(le);
    lsnt_ingest(db, NULL, sst, 0);
    lsn_tracker_stats_t st = seen(
        t, (at_least_t[]){AT_LEAST(ingestions, 1), {0, 0}}, "ingestion");
    rc = get(t, NULL, 7, &v);
    cr_expect_eq(rc, LSN_TRACKER_NOT_FOUND,
                 "raised to %llu from a property of another layout",
                 (unsigned long long)v);
    cr_expect_geq(st.foreign_properties, 1, "foreign_properties %llu",
                  (unsigned long long)st.foreign_properties);
    cr_expect_eq(get(t, NULL, 8, &v), LSN_TRACKER_OK);
    cr_expect_eq(v, 100);

    rocksdb_close(db);
    db = lsnt_open(path, o, 0, NULL, NULL);
    recover_ok(t, db, path);
    rc = get(t, NULL, 7, &v);
    cr_expect(rc != LSN_TRACKER_OK || (v != misread && v != 300),
              "recovered p7 = %llu from the file of another layout",
              (unsigned long long)v);
    cr_expect_eq(get(t, NULL, 8, &v), LSN_TRACKER_OK);
    cr_expect_eq(v, 100, "the database's own p8: %llu",
                 (unsigned long long)v);

    rocksdb_close(db);
    rocksdb_options_destroy(o);
    a->close(t);
    free(sst);
    free(path);
    free(name);
    lsnt_rmdir(dir);
}

/* ---- 6 ---- */

Test(lifecycle, second_db_on_one_tracker_is_refused)
{
    const lsnt_api_t *a = lsnt_api();
    char *dir = lsnt_tmpdir("twodbs"), *name = lsnt_unique("twodbs");
    char *pa = path_in(dir, "a"), *pb = path_in(dir, "b");
    rocksdb_options_t *oa = named_options(name, ""),
                      *ob = named_options(name, "");
    lsn_tracker_t *t = a->open(name);
    lsn_tracker_stats_t st;
    uint64_t v;

    rocksdb_t *dba = lsnt_open(pa, oa, 0, NULL, NULL);
    rocksdb_t *dbb = lsnt_open(pb, ob, 0, NULL, NULL);
    lsnt_apply_plain(dba, NULL, 7, 100);
    lsnt_flush(dba, NULL);
    cr_assert_eq(wait_for(t, NULL, 7, 100), 100);
    uint64_t inc_a = stats_of(t).incarnation;

    lsnt_apply_plain(dbb, NULL, 7, 900);
    lsnt_flush(dbb, NULL);
    st = seen(t,
              (at_least_t[]){AT_LEAST(flushes, 2), AT_LEAST(conflicts, 1),
                             {0, 0}},
              "B's flush");
    cr_expect_eq(get(t, NULL, 7, &v), LSN_TRACKER_OK);
    cr_expect_eq(v, 100, "B's flush moved A's watermark to %llu",
                 (unsigned long long)v);
    cr_expect_geq(st.conflicts, 1, "conflicts %llu",
                  (unsigned long long)st.conflicts);
    int rc = a->recover(t, dbb, pb);
    cr_expect_eq(rc, LSN_TRACKER_EBUSY, "recover of B while A is open: %s",
                 a->strerror(rc));
    cr_expect_eq(get(t, NULL, 7, &v), LSN_TRACKER_OK);
    cr_expect_eq(v, 100, "recover of B moved A's watermark to %llu",
                 (unsigned long long)v);

    /* A gone, B's next flush binds the tracker to B. */
    rocksdb_close(dba);
    cr_expect_eq(get(t, NULL, 7, &v), LSN_TRACKER_NOT_FOUND,
                 "A closed, its watermark %llu still served",
                 (unsigned long long)v);
    lsnt_apply_plain(dbb, NULL, 7, 950);
    lsnt_flush(dbb, NULL);
    cr_expect_eq(wait_for(t, NULL, 7, 950), 950);
    st = stats_of(t);
    cr_expect_gt(st.incarnation, inc_a, "incarnation %llu, A's was %llu",
                 (unsigned long long)st.incarnation,
                 (unsigned long long)inc_a);
    cr_expect_eq(st.open, 1);
    recover_ok(t, dbb, pb);
    cr_expect_eq(get(t, NULL, 7, &v), LSN_TRACKER_OK);
    cr_expect_eq(v, 950);

    rocksdb_close(dbb);
    rocksdb_options_destroy(oa);
    rocksdb_options_destroy(ob);
    a->close(t);
    free(pa);
    free(pb);
    free(name);
    lsnt_rmdir(dir);
}

/* ---- 7 ---- */

/* Reopens path with listener fields l and the my.lsn collector, recovers
 * tracker tname without any flush, and checks partition 7. */
static void recover_without_flush(const char *path, const char *l,
                                  const char *tname)
{
    const lsnt_api_t *a = lsnt_api();
    rocksdb_options_t *o = options(l, ";property=my.lsn", "");
    lsn_tracker_t *t = a->open(tname);
    uint64_t v;
    int found;
    rocksdb_t *db = lsnt_open(path, o, 0, NULL, NULL);
    cr_assert_eq(stats_of(t).flushes, 0);
    recover_ok(t, db, path);
    cr_expect_eq(get(t, NULL, 7, &v), LSN_TRACKER_OK,
                 "listener {%s}: partition 7 not recovered", l);
    cr_expect_eq(v, lsnt_persisted_plain(db, NULL, 7, &found),
                 "listener {%s}: recovered %llu", l, (unsigned long long)v);
    cr_expect_geq(stats_of(t).recovered_files, 1, "listener {%s}", l);
    rocksdb_close(db);
    rocksdb_options_destroy(o);
    a->close(t);
}

Test(lifecycle, recover_before_first_flush_with_own_property)
{
    const lsnt_api_t *a = lsnt_api();
    char *dir = lsnt_tmpdir("myprop"), *n1 = lsnt_unique("myprop"),
         *n2 = lsnt_unique("myprop-new"), *l;

    cr_assert(asprintf(&l, "tracker=%s;property=my.lsn", n1) > 0);
    rocksdb_options_t *o = options(l, ";property=my.lsn", "");
    lsn_tracker_t *t = a->open(n1);
    rocksdb_t *db = lsnt_open(dir, o, 0, NULL, NULL);
    lsnt_apply_plain(db, NULL, 7, 77);
    lsnt_flush(db, NULL);
    cr_assert_eq(wait_for(t, NULL, 7, 77), 77);
    rocksdb_close(db);
    rocksdb_options_destroy(o);
    a->close(t);
    free(l);

    /* As a new process would: a tracker this process never used. */
    cr_assert(asprintf(&l, "tracker=%s;property=my.lsn", n2) > 0);
    recover_without_flush(dir, l, n2);
    free(l);
    /* No tracker option: the listener binds by path at the first event,
     * and there is none before recover. */
    recover_without_flush(dir, "property=my.lsn", dir);

    free(n1);
    free(n2);
    lsnt_rmdir(dir);
}

/* ---- 8 ---- */

/* The full path of prog found on $PATH, or NULL. */
static char *on_path(const char *prog)
{
    const char *p = getenv("PATH");
    char *copy = strdup(p ? p : "/usr/bin:/bin"), *save = NULL, *found = NULL;
    for (char *d = strtok_r(copy, ":", &save); d && !found;
         d = strtok_r(NULL, ":", &save)) {
        char *c;
        cr_assert(asprintf(&c, "%s/%s", *d ? d : ".", prog) > 0);
        if (access(c, X_OK) == 0)
            found = c;
        else
            free(c);
    }
    free(copy);
    return found;
}

/* Runs a RocksDB tool without the plugin (no LD_PRELOAD: whatever it
 * writes carries no property), its stdout into out (NULL: discarded);
 * asserts it exits 0. */
static void run_tool(const char *exe, char *const argv[], const char *out)
{
    posix_spawn_file_actions_t fa;
    pid_t pid;
    int status;
    unsetenv("LD_PRELOAD");
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, out ? out : "/dev/null",
                                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int rc = posix_spawn(&pid, exe, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    cr_assert_eq(rc, 0, "spawn %s: %s", exe, strerror(rc));
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
              "%s %s %s: status %#x", exe, argv[1], argv[2] ? argv[2] : "",
              status);
}

/* Whether sst_dump shows property in any SST under dir; -1 without
 * sst_dump. */
static int sst_dump_shows(const char *dir, const char *tmp,
                          const char *property)
{
    char *exe = on_path("sst_dump"), *arg, *out = path_in(tmp, "sst_dump.txt"),
         line[4096];
    int shows = 0;
    if (!exe) {
        free(out);
        return -1;
    }
    cr_assert(asprintf(&arg, "--file=%s", dir) > 0);
    char *argv[] = {"sst_dump", arg, "--show_properties", NULL};
    run_tool(exe, argv, out);
    FILE *f = fopen(out, "r");
    cr_assert_not_null(f);
    while (fgets(line, sizeof line, f))
        shows |= strstr(line, property) != NULL;
    fclose(f);
    free(arg);
    free(out);
    free(exe);
    return shows;
}

Test(lifecycle, recover_scans_live_files_without_the_property)
{
    const lsnt_api_t *a = lsnt_api();
    char *ldb = on_path("ldb");
    if (!ldb)
        cr_skip_test("ldb is not installed");
    char *dir = lsnt_tmpdir("ldb"), *name = lsnt_unique("ldb");
    char *path = path_in(dir, "db"), *arg;
    enum { NP = 6 };
    rocksdb_options_t *o = named_options(name, "");
    lsn_tracker_t *t = a->open(name);
    uint64_t v;
    int found;

    rocksdb_t *db = lsnt_open(path, o, 0, NULL, NULL);
    for (uint64_t round = 1; round <= 3; round++) {
        for (uint64_t p = 0; p < NP; p++)
            if ((p + round) % 3) /* some idle each round */
                lsnt_apply_plain(db, NULL, p, round * 100 + p);
        lsnt_flush(db, NULL);
    }
    cr_assert_eq(wait_for(t, NULL, 1, 301), 301);
    rocksdb_close(db);
    int shows = sst_dump_shows(path, dir, "lsn.max_applied");
    cr_assert_neq(shows, 0, "sst_dump does not show the flushed files' "
                  "property: it cannot show that ldb's output lacks it");

    /* ldb compacts without the plugin: its output has no property. */
    cr_assert(asprintf(&arg, "--db=%s", path) > 0);
    char *argv[] = {"ldb", arg, "compact", NULL};
    run_tool(ldb, argv, NULL);
    cr_assert_neq(sst_dump_shows(path, dir, "lsn.max_applied"), 1,
                  "ldb's compaction output still carries the property");

    /* Recovered as a new process would: into a tracker that knows
     * nothing, its listener's options naming the layout. */
    rocksdb_options_destroy(o);
    a->close(t);
    free(name);
    name = lsnt_unique("ldb-new");
    o = named_options(name, "");
    t = a->open(name);
    db = lsnt_open(path, o, 0, NULL, NULL);
    recover_ok(t, db, path);
    for (uint64_t p = 0; p < NP; p++) {
        uint64_t pers = lsnt_persisted_plain(db, NULL, p, &found);
        int rc = get(t, NULL, p, &v);
        cr_expect(found && rc == LSN_TRACKER_OK && v == pers,
                  "partition %llu: watermark %llu (%s), persisted %llu (%s)",
                  (unsigned long long)p, (unsigned long long)v,
                  a->strerror(rc), (unsigned long long)pers,
                  found ? "found" : "absent");
    }
    lsn_tracker_stats_t st = stats_of(t);
    cr_expect_geq(st.scanned_files, 1, "scanned_files %llu",
                  (unsigned long long)st.scanned_files);

    rocksdb_close(db);
    rocksdb_options_destroy(o);
    a->close(t);
    free(arg);
    free(path);
    free(name);
    free(ldb);
    lsnt_rmdir(dir);
}

/* ---- 9 ---- */

Test(lifecycle, tracker_names_an_options_string_cannot_carry)
{
    const lsnt_api_t *a = lsnt_api();
    static const char *const bad[] = {"a:b",     "a;b",     "{a}", "a}",
                                      " spaced ", "spaced ", " spaced",
                                      "",        NULL};
    const size_t nbad = sizeof bad / sizeof bad[0];
    lsn_tracker_t *t;

    for (size_t i = 0; i < nbad; i++) {
        t = a->open(bad[i]);
        cr_expect_null(t, "lsn_tracker_open(\"%s\") accepted",
                       bad[i] ? bad[i] : "(null)");
        a->close(t);
    }
    /* RocksDB splits an options string at ':' before the listener sees
     * it: "tracker=<u>:b" parses, and the listener binds to "<u>". A host
     * that then asks for "<u>:b" is refused, and so sees the mismatch
     * instead of waiting on a tracker no listener will ever feed. */
    char *u = lsnt_unique("colon"), *s, *ub, *err = NULL;
    cr_assert(asprintf(&ub, "%s:b", u) > 0);
    cr_assert(asprintf(&s, "listeners={id=LsnFlushListener;tracker=%s}", ub) >
              0);
    rocksdb_options_t *o = lsnt_options(s, &err);
    cr_assert_not_null(o, "%s: %s", s, err);
    t = a->open(u);
    cr_expect_eq(stats_of(t).listeners, 1, "the listener is not on \"%s\"", u);
    a->close(t);
    t = a->open(ub);
    cr_expect_null(t, "lsn_tracker_open(\"%s\") accepted", ub);
    a->close(t);
    rocksdb_options_destroy(o);
    free(s);
    free(ub);
    free(u);

    char *good = lsnt_unique("good-name");
    for (size_t i = 0; i < nbad; i++) {
        t = (lsn_tracker_t *)1;
        int rc = a->acquire(bad[i], &t);
        cr_expect_eq(rc, LSN_TRACKER_EINVAL, "lsn_tracker_acquire(\"%s\"): %s",
                     bad[i] ? bad[i] : "(null)", a->strerror(rc));
        if (rc == LSN_TRACKER_OK)
            a->close(t);
    }
    cr_assert_eq(a->acquire(good, NULL), LSN_TRACKER_EINVAL);
    cr_assert_eq(a->acquire(good, &t), LSN_TRACKER_OK);
    lsn_tracker_t *same = a->open(good);
    cr_expect_eq(same, t, "acquire and open of one name differ");
    a->close(same);
    a->close(t);
    free(good);
}

/* ---- 10 ---- */

/* Under ASan or TSan malloc is the sanitizer's: glibc's figures say
 * nothing there. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZED_MALLOC 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SANITIZED_MALLOC 1
#endif
#endif

typedef struct cycles {
    const char *what;
    rocksdb_options_t *o;
    const char *tracker; /* the listener's tracker; NULL: none, or by path */
    int plugin, by_path;
    size_t at_warm, at_end;
} cycles_t;

/* Open, write, flush (and wait for the watermark), close, destroy: n
 * times, on a new path each time, with one options object. Records the
 * heap in use after cycle warm and after the last. */
static void run_cycles(cycles_t *c, const char *dir, int n, int warm)
{
    const lsnt_api_t *a = lsnt_api();
    char path[4096];
    lsn_tracker_t *named = c->tracker ? a->open(c->tracker) : NULL;
    for (int i = 1; i <= n; i++) {
        snprintf(path, sizeof path, "%s/%s-%d", dir, c->what, i);
        lsn_tracker_t *t = c->by_path ? a->open(path) : named;
        rocksdb_t *db = lsnt_open(path, c->o, 0, NULL, NULL);
        lsnt_apply_plain(db, NULL, 7, (uint64_t)i);
        lsnt_flush(db, NULL);
        if (c->plugin)
            wait_for(t, NULL, 7, (uint64_t)i);
        rocksdb_close(db);
        destroy_db(c->o, path);
        if (c->by_path)
            a->close(t);
        if (i == warm)
            c->at_warm = mallinfo2().uordblks;
    }
    c->at_end = mallinfo2().uordblks;
    a->close(named);
}

Test(lifecycle, open_close_cycles_do_not_leak)
{
#ifdef SANITIZED_MALLOC
    cr_skip_test("heap figures come from glibc's malloc, not a sanitizer's");
#endif
    /* mallinfo2 counts the main arena only: keep RocksDB's flush thread,
     * where the listener runs, in it too. */
    mallopt(M_ARENA_MAX, 1);
    lsnt_api();
    const char *env = getenv("LSNT_CYCLES");
    int n = env && atoi(env) > 0 ? atoi(env) : 300;
    int warm = n > 100 ? 50 : n / 2;
    char *dir = lsnt_tmpdir("cycles"), *name = lsnt_unique("cycles"), *err;
    cr_assert_geq(warm, 1, "LSNT_CYCLES=%d is too few", n);

    rocksdb_options_t *base = lsnt_options(
        "write_buffer_size=67108864;disable_auto_compactions=true", &err);
    cr_assert_not_null(base, "%s", err);
    /* The same loop without the plugin, then with a listener feeding one
     * named tracker through every incarnation, then with one that has no
     * tracker option and so binds a tracker per database path, which must
     * go with its database. */
    cycles_t runs[] = {
        {.what = "without", .o = base},
        {.what = "named", .o = named_options(name, ""), .tracker = name,
         .plugin = 1},
        {.what = "by-path", .o = options("", "", ""), .plugin = 1,
         .by_path = 1},
    };
    const size_t nruns = sizeof runs / sizeof runs[0];
    for (size_t r = 0; r < nruns; r++)
        run_cycles(&runs[r], dir, n, warm);

    long long grown[3];
    for (size_t r = 0; r < nruns; r++) {
        grown[r] = (long long)runs[r].at_end - (long long)runs[r].at_warm;
        fprintf(stderr,
                "lifecycle::open_close_cycles_do_not_leak: %-8s heap after "
                "cycle %d: %zu B, after cycle %d: %zu B, grown %lld B "
                "(%.1f B/cycle)\n",
                runs[r].what, warm, runs[r].at_warm, n, runs[r].at_end,
                grown[r], (double)grown[r] / (n - warm));
    }
    for (size_t r = 1; r < nruns; r++)
        cr_expect_leq(grown[r] - grown[0], 64LL * (n - warm),
                      "%s: grew %lld B over %d cycles, %lld B without the "
                      "plugin: %.1f B/cycle more",
                      runs[r].what, grown[r], n - warm, grown[0],
                      (double)(grown[r] - grown[0]) / (n - warm));

    for (size_t r = 0; r < nruns; r++)
        rocksdb_options_destroy(runs[r].o);
    free(name);
    lsnt_rmdir(dir);
}
