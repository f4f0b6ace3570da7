/* A statically linked host: RocksDB comes from librocksdb.a and the plugin
 * from liblsn_tracker.a, so the program needs neither librocksdb.so nor
 * liblsn_tracker.so. An archive runs no load-time constructor unless
 * something pulls it in, so the host registers both objects itself, before
 * it parses options. Then it is c-host: enable both by options string,
 * apply writes with the WAL off, wait until they are durable.
 *
 * Usage: static-host DB_PATH    (exit 0 when every watermark is as expected) */
#include <inttypes.h>
#include <lsn_tracker.h>
#include <rocksdb/c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PARTITIONS 3
#define LAST_LSN 100

/* Applied-LSN keys: "L" + partition (8 bytes, big-endian); value: LSN
 * (8 bytes, big-endian), the collector's defaults after key_prefix=4c. */
static void be64(uint64_t v, char *out)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        out[i] = (char)(v & 0xff);
}

int main(int argc, char **argv)
{
    const char *opts = "create_if_missing=true;"
                       "listeners={id=LsnFlushListener;tracker=static-host};"
                       "table_properties_collectors={id=LsnCollectorFactory;"
                       "key_prefix=4c}";
    rocksdb_options_t *base, *o;
    rocksdb_writeoptions_t *wo;
    rocksdb_flushoptions_t *fo;
    lsn_tracker_stats_t st = {.size = sizeof(st)};
    lsn_tracker_t *t;
    rocksdb_t *db;
    char *err = NULL;
    int bad = 0;

    if (argc != 2) {
        fprintf(stderr, "usage: static-host DB_PATH\n");
        return 2;
    }
    /* First: nothing else registers the objects in a static link. */
    lsn_tracker_register();

    base = rocksdb_options_create();
    o = rocksdb_options_create();
    rocksdb_get_options_from_string(base, opts, o, &err);
    if (err) {
        fprintf(stderr, "options: %s\n", err);
        return 1;
    }
    /* RocksDB drops an unknown id silently: make sure ours was known. */
    t = lsn_tracker_open("static-host");
    if (lsn_tracker_stats(t, &st) != LSN_TRACKER_OK || st.listeners != 1) {
        fprintf(stderr, "LsnFlushListener is not active\n");
        return 1;
    }
    db = rocksdb_open(o, argv[1], &err);
    if (err) {
        fprintf(stderr, "open %s: %s\n", argv[1], err);
        return 1;
    }
    /* After every open: what earlier runs made durable. */
    if (lsn_tracker_recover(t, db, argv[1]) != LSN_TRACKER_OK) {
        fprintf(stderr, "recover failed\n");
        return 1;
    }

    /* The state and its applied LSN go in one batch; the WAL is off. */
    wo = rocksdb_writeoptions_create();
    rocksdb_writeoptions_disable_WAL(wo, 1);
    for (uint64_t lsn = 1; lsn <= LAST_LSN && !err; lsn++) {
        for (uint64_t p = 0; p < PARTITIONS && !err; p++) {
            rocksdb_writebatch_t *b = rocksdb_writebatch_create();
            char key[9] = "L", val[8], state[32];

            be64(p, key + 1);
            be64(lsn, val);
            snprintf(state, sizeof(state), "state/%" PRIu64, p);
            rocksdb_writebatch_put(b, state, strlen(state), "x", 1);
            rocksdb_writebatch_put(b, key, sizeof(key), val, sizeof(val));
            rocksdb_write(db, wo, b, &err);
            rocksdb_writebatch_destroy(b);
        }
    }
    fo = rocksdb_flushoptions_create();
    if (!err) {
        rocksdb_flushoptions_set_wait(fo, 1);
        rocksdb_flush(db, fo, &err);
    }
    if (err) {
        fprintf(stderr, "write/flush: %s\n", err);
        return 1;
    }

    /* The listener may still be running when rocksdb_flush returns. */
    for (uint64_t p = 0; p < PARTITIONS; p++) {
        uint64_t lsn = 0;
        int rc = lsn_tracker_wait(t, NULL, p, LAST_LSN, 10000, &lsn);

        printf("partition %" PRIu64 ": durable lsn %" PRIu64 " (%s)\n", p, lsn,
               lsn_tracker_strerror(rc));
        bad |= rc != LSN_TRACKER_OK || lsn != LAST_LSN;
    }

    rocksdb_close(db);
    lsn_tracker_close(t);
    rocksdb_options_destroy(o);
    rocksdb_options_destroy(base);
    rocksdb_writeoptions_destroy(wo);
    rocksdb_flushoptions_destroy(fo);
    return bad;
}
