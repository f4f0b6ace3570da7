/* A statically linked host: RocksDB comes from librocksdb.a, not from a
 * shared librocksdb, and the plugin either from liblsn_tracker.a (the host
 * calls lsn_tracker_register(), since nothing pulls a constructor out of
 * an archive) or compiled into that librocksdb.a (LSN_TEST_BUILTIN: RocksDB
 * registers both objects itself, and the host must not need to). It runs
 * the integration cases that make sense there: registration, options
 * strings, flush and wait, recovery after a reopen, and flush_all under
 * atomic_flush across two column families.
 *
 * Usage: test_static_host    (exit 0 when every case passes) */
#define _GNU_SOURCE
#include <inttypes.h>
#include <link.h>
#include <lsn_tracker.h>
#include <rocksdb/c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scratch.h"

#define PARTITIONS 4
#define LAST_LSN 200

static int failures;

#define CHECK(cond)                                                          \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "%s:%d: %s: failed: %s\n", __FILE__, __LINE__,   \
                    __func__, #cond);                                        \
            failures++;                                                      \
            return;                                                          \
        }                                                                    \
    } while (0)

#define CHECK_ERR(err)                                                       \
    do {                                                                     \
        if (err) {                                                           \
            fprintf(stderr, "%s:%d: %s: RocksDB: %s\n", __FILE__, __LINE__,  \
                    __func__, err);                                          \
            free(err);                                                       \
            failures++;                                                      \
            return;                                                          \
        }                                                                    \
    } while (0)

/* Applied-LSN keys: "L" + partition (8 bytes big-endian); value: the LSN as
 * 8 big-endian bytes (key_prefix=4c, the collector's other defaults). */
static void be64(uint64_t v, char *out)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        out[i] = (char)(v & 0xff);
}

static const char *collector =
    "table_properties_collectors={id=LsnCollectorFactory;key_prefix=4c}";

/* DB and default column family options from one string. */
static rocksdb_options_t *options(const char *tracker, const char *extra,
                                  char **err)
{
    char s[1024];
    rocksdb_options_t *base = rocksdb_options_create();
    rocksdb_options_t *o = rocksdb_options_create();

    snprintf(s, sizeof s,
             "create_if_missing=true;create_missing_column_families=true;"
             "listeners={id=LsnFlushListener;tracker=%s};%s%s",
             tracker, collector, extra ? extra : "");
    rocksdb_get_options_from_string(base, s, o, err);
    rocksdb_options_destroy(base);
    return o;
}

static void put(rocksdb_t *db, rocksdb_column_family_handle_t *cf,
                uint64_t first, uint64_t last, char **err)
{
    rocksdb_writeoptions_t *wo = rocksdb_writeoptions_create();

    rocksdb_writeoptions_disable_WAL(wo, 1);
    for (uint64_t lsn = first; lsn <= last && !*err; lsn++) {
        for (uint64_t p = 0; p < PARTITIONS && !*err; p++) {
            rocksdb_writebatch_t *b = rocksdb_writebatch_create();
            char key[9] = "L", val[8], state[32];

            be64(p, key + 1);
            be64(lsn, val);
            snprintf(state, sizeof state, "state/%" PRIu64, p);
            if (cf) {
                rocksdb_writebatch_put_cf(b, cf, state, strlen(state), "x", 1);
                rocksdb_writebatch_put_cf(b, cf, key, sizeof key, val,
                                          sizeof val);
            } else {
                rocksdb_writebatch_put(b, state, strlen(state), "x", 1);
                rocksdb_writebatch_put(b, key, sizeof key, val, sizeof val);
            }
            rocksdb_write(db, wo, b, err);
            rocksdb_writebatch_destroy(b);
        }
    }
    rocksdb_writeoptions_destroy(wo);
}

static int all_durable(lsn_tracker_t *t, const char *cf, uint64_t target)
{
    for (uint64_t p = 0; p < PARTITIONS; p++) {
        uint64_t lsn = 0;
        int rc = lsn_tracker_wait(t, cf, p, target, 10000, &lsn);
        if (rc != LSN_TRACKER_OK || lsn != target) {
            fprintf(stderr, "cf %s partition %" PRIu64 ": %s, lsn %" PRIu64
                    ", want %d\n", cf ? cf : "default", p,
                    lsn_tracker_strerror(rc), lsn, (int)target);
            return 0;
        }
    }
    return 1;
}

static int shared_rocksdb_seen;

static int find_shared(struct dl_phdr_info *info, size_t size, void *arg)
{
    (void)size;
    (void)arg;
    if (strstr(info->dlpi_name, "librocksdb.so") ||
        strstr(info->dlpi_name, "liblsn_tracker.so")) {
        fprintf(stderr, "loaded: %s\n", info->dlpi_name);
        shared_rocksdb_seen = 1;
    }
    return 0;
}

/* The point of the host: one RocksDB, linked in, and no shared copy. */
static void test_no_shared_library(void)
{
    dl_iterate_phdr(find_shared, NULL);
    CHECK(!shared_rocksdb_seen);
}

/* Both objects are known to this process's RocksDB. */
static void test_registration(void)
{
    lsn_tracker_stats_t st = {.size = sizeof st};
    char *err = NULL;
    lsn_tracker_t *t;
    rocksdb_options_t *o;

#ifndef LSN_TEST_BUILTIN
    CHECK(lsn_tracker_register() == LSN_TRACKER_OK);
    CHECK(lsn_tracker_register() == LSN_TRACKER_OK); /* idempotent */
#endif
    CHECK(strcmp(lsn_tracker_version(), LSN_TRACKER_VERSION_STRING) == 0);
    o = options("static-registration", NULL, &err);
    CHECK_ERR(err);
    t = lsn_tracker_open("static-registration");
    CHECK(t);
    CHECK(lsn_tracker_stats(t, &st) == LSN_TRACKER_OK);
    /* An unknown id would have been dropped silently. */
    CHECK(st.listeners == 1);
    rocksdb_options_destroy(o);
    lsn_tracker_close(t);
}

/* The plugin's own validation reaches the caller of the parse. */
static void test_bad_option(void)
{
    rocksdb_options_t *base = rocksdb_options_create();
    rocksdb_options_t *o = rocksdb_options_create();
    char *err = NULL;

    rocksdb_get_options_from_string(
        base, "table_properties_collectors={id=LsnCollectorFactory;key_prefix=zz}",
        o, &err);
    rocksdb_options_destroy(base);
    rocksdb_options_destroy(o);
    CHECK(err);
    CHECK(strstr(err, "LsnCollectorFactory: key_prefix: not hex: 'zz'"));
    free(err);
}

/* Open, write with the WAL off, flush, wait; close; reopen and recover. */
static void test_flush_wait_recover(void)
{
    lsn_tracker_stats_t st = {.size = sizeof st};
    rocksdb_flushoptions_t *fo = rocksdb_flushoptions_create();
    char *dir = lsn_scratch_make("lsn-static-", NULL), *err = NULL;
    uint64_t lsn = 0;
    rocksdb_options_t *o;
    lsn_tracker_t *t;
    rocksdb_t *db;

    CHECK(dir);
    o = options("static-flush", NULL, &err);
    CHECK_ERR(err);
    t = lsn_tracker_open("static-flush");
    db = rocksdb_open(o, dir, &err);
    CHECK_ERR(err);
    CHECK(lsn_tracker_recover(t, db, dir) == LSN_TRACKER_OK);
    CHECK(lsn_tracker_get(t, NULL, 0, &lsn) == LSN_TRACKER_NOT_FOUND);

    put(db, NULL, 1, LAST_LSN, &err);
    CHECK_ERR(err);
    /* Nothing is durable before a flush. */
    CHECK(lsn_tracker_wait(t, NULL, 0, 1, 0, &lsn) == LSN_TRACKER_TIMEOUT);
    rocksdb_flushoptions_set_wait(fo, 1);
    rocksdb_flush(db, fo, &err);
    CHECK_ERR(err);
    CHECK(all_durable(t, NULL, LAST_LSN));
    CHECK(lsn_tracker_stats(t, &st) == LSN_TRACKER_OK);
    CHECK(st.flushes_with_lsn >= 1 && st.open == 1);

    /* Unflushed writes past the flush are lost with the WAL off; the
     * watermark never claimed them. */
    put(db, NULL, LAST_LSN + 1, LAST_LSN + 10, &err);
    CHECK_ERR(err);
    rocksdb_close(db);
    CHECK(lsn_tracker_stats(t, &st) == LSN_TRACKER_OK);
    CHECK(st.open == 0);
    CHECK(lsn_tracker_get(t, NULL, 0, &lsn) == LSN_TRACKER_NOT_FOUND);

    /* Close flushed the rest (avoid_flush_during_shutdown=false); a reopen
     * learns it from the live SSTs alone. */
    db = rocksdb_open(o, dir, &err);
    CHECK_ERR(err);
    CHECK(lsn_tracker_recover(t, db, dir) == LSN_TRACKER_OK);
    for (uint64_t p = 0; p < PARTITIONS; p++) {
        CHECK(lsn_tracker_get(t, NULL, p, &lsn) == LSN_TRACKER_OK);
        CHECK(lsn >= LAST_LSN && lsn <= LAST_LSN + 10);
    }
    CHECK(lsn_tracker_stats(t, &st) == LSN_TRACKER_OK);
    CHECK(st.recovered_files >= 1 && st.open == 1);

    rocksdb_close(db);
    lsn_tracker_close(t);
    rocksdb_options_destroy(o);
    rocksdb_flushoptions_destroy(fo);
    lsn_scratch_remove(dir);
    free(dir);
}

/* Two column families under atomic_flush, flushed as one group. */
static void test_flush_all_atomic(void)
{
    char *dir = lsn_scratch_make("lsn-static-", NULL), *err = NULL;
    const char *names[2] = {"default", "b"};
    const rocksdb_options_t *cf_opts[2];
    rocksdb_column_family_handle_t *h[2];
    rocksdb_options_t *o;
    lsn_tracker_t *t;
    rocksdb_t *db;

    CHECK(dir);
    o = options("static-atomic", ";atomic_flush=true", &err);
    CHECK_ERR(err);
    cf_opts[0] = cf_opts[1] = o;
    t = lsn_tracker_open("static-atomic");
    db = rocksdb_open_column_families(o, dir, 2, names, cf_opts, h, &err);
    CHECK_ERR(err);
    CHECK(lsn_tracker_recover(t, db, dir) == LSN_TRACKER_OK);
    put(db, h[0], 1, 50, &err);
    CHECK_ERR(err);
    put(db, h[1], 1, 70, &err);
    CHECK_ERR(err);
    CHECK(lsn_tracker_flush_all(db) == LSN_TRACKER_OK);
    CHECK(all_durable(t, "default", 50));
    CHECK(all_durable(t, "b", 70));

    rocksdb_column_family_handle_destroy(h[1]);
    rocksdb_column_family_handle_destroy(h[0]);
    rocksdb_close(db);
    lsn_tracker_close(t);
    rocksdb_options_destroy(o);
    lsn_scratch_remove(dir);
    free(dir);
}

int main(void)
{
    static const struct {
        const char *name;
        void (*fn)(void);
    } cases[] = {
        {"no_shared_library", test_no_shared_library},
        {"registration", test_registration},
        {"bad_option", test_bad_option},
        {"flush_wait_recover", test_flush_wait_recover},
        {"flush_all_atomic", test_flush_all_atomic},
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int before = failures;
        cases[i].fn();
        printf("%s: %s\n", cases[i].name, failures == before ? "ok" : "FAILED");
    }
#ifdef LSN_TEST_BUILTIN
    printf("plugin: compiled into librocksdb.a\n");
#else
    printf("plugin: liblsn_tracker.a\n");
#endif
    return failures ? 1 : 0;
}
