/* Size of the lsn.max_applied property at 1, 100 and 10 000 partitions per
 * SST. Two figures: the property value as the collector encodes it (the
 * plugin's own accumulator and encoder over the same keys), and the growth
 * of a real SST written by RocksDB's SstFileWriter with the collector
 * against the same file written without it (name, value and block
 * overhead included). Baseline: a fixed-width map, 16 bytes per partition
 * (u64 partition + u64 LSN). LSN magnitude decides the varint width, so
 * several are shown. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bench_util.h"
#include "accum.h"

static const char *collector =
    "table_properties_collectors={id=LsnCollectorFactory;key_prefix=4c};"
    "compression=kNoCompression";

static void kv(uint64_t p, uint64_t lsn, char key[9], char val[8])
{
    key[0] = 'L';
    for (int i = 0; i < 8; i++) {
        key[1 + i] = (char)(p >> (56 - 8 * i));
        val[i] = (char)(lsn >> (56 - 8 * i));
    }
}

static uint64_t lsn_of(uint64_t base, uint64_t i) { return base + i * 7919; }

static long sst_size(const char *dir, const char *opts, int with, long n,
                     uint64_t stride, uint64_t base)
{
    char path[4096], key[9], val[8], *err = NULL;
    snprintf(path, sizeof path, "%s/%s.sst", dir, with ? "with" : "without");
    rocksdb_options_t *o = bench_options(opts);
    rocksdb_envoptions_t *eo = rocksdb_envoptions_create();
    rocksdb_sstfilewriter_t *w = rocksdb_sstfilewriter_create(eo, o);
    rocksdb_sstfilewriter_open(w, path, &err);
    bench_check(err, "sst open");
    for (long i = 0; i < n; i++) {
        kv((uint64_t)i * stride, lsn_of(base, (uint64_t)i), key, val);
        rocksdb_sstfilewriter_put(w, key, 9, val, 8, &err);
        bench_check(err, "sst put");
    }
    rocksdb_sstfilewriter_finish(w, &err);
    bench_check(err, "sst finish");
    rocksdb_sstfilewriter_destroy(w);
    rocksdb_envoptions_destroy(eo);
    rocksdb_options_destroy(o);
    struct stat st;
    if (stat(path, &st) != 0)
        bench_die("stat %s", path);
    if (with) {
        /* The property must be there and decode to every partition. */
        lsn_tracker_t *t = lsn_tracker_open(path);
        lsn_tracker_stats_t st = {.size = sizeof st};
        if (lsn_tracker_recover_sst(t, NULL, path) != LSN_TRACKER_OK)
            bench_die("no property in %s", path);
        lsn_tracker_stats(t, &st);
        lsn_tracker_close(t);
        if (st.entries != (uint64_t)n)
            bench_die("property holds %llu of %ld partitions",
                      (unsigned long long)st.entries, n);
    }
    remove(path);
    return (long)st.st_size;
}

static size_t encoded(long n, uint64_t stride, uint64_t base)
{
    lsn_layout_t l;
    char err[256], key[9], val[8];
    lsn_layout_init(&l);
    if (lsn_layout_set(&l, "key_prefix", "4c", err, sizeof err))
        bench_die("%s", err);
    lsn_accum_t *a = lsn_accum_new(&l);
    for (long i = 0; i < n; i++) {
        kv((uint64_t)i * stride, lsn_of(base, (uint64_t)i), key, val);
        lsn_accum_add(a, (uint8_t *)key, 9, (uint8_t *)val, 8);
    }
    uint8_t *buf;
    size_t len;
    if (lsn_accum_encode(a, &buf, &len) != LSN_TRACKER_OK)
        bench_die("encode");
    free(buf);
    lsn_accum_free(a);
    return len;
}

int main(int argc, char **argv)
{
    int quick = bench_quick(argc, argv);
    long counts[] = {1, 100, 10000};
    struct { const char *what; uint64_t base; } lsns[] = {
        {"~1e6", 1000000}, {"~2^32", 1ull << 32}, {"~2^48", 1ull << 48},
        {"~2^62", 1ull << 62}};
    struct { const char *what; uint64_t stride; } ids[] = {
        {"dense ids", 1}, {"ids step 1000", 1000}};
    char *dir = bench_tmpdir("propsize");

    lsn_tracker_register();
    bench_print_machine("bench_propsize: property bytes per partition");
    printf("# value: bytes of the encoded property / partitions; "
           "sst: (file with collector - file without) / partitions; "
           "baseline: fixed-width 16 B/partition; target <= 8 B at 10000\n");
    printf("%-6s %-14s %-6s %10s %9s %9s %12s\n", "parts", "partition ids",
           "lsn", "value B", "value B/p", "sst B/p", "vs 16 B/p");
    for (size_t li = 0; li < sizeof lsns / sizeof lsns[0]; li++)
        for (size_t ii = 0; ii < sizeof ids / sizeof ids[0]; ii++)
            for (size_t ci = 0; ci < 3; ci++) {
                long n = counts[ci];
                if (quick && (n > 100 || li > 1))
                    continue;
                if (n == 1 && ii > 0)
                    continue;
                size_t v = encoded(n, ids[ii].stride, lsns[li].base);
                long with = sst_size(dir, collector, 1, n, ids[ii].stride,
                                     lsns[li].base);
                long without = sst_size(dir, "compression=kNoCompression", 0,
                                        n, ids[ii].stride, lsns[li].base);
                printf("%-6ld %-14s %-6s %10zu %9.2f %9.2f %12.2f\n", n,
                       ids[ii].what, lsns[li].what, v, (double)v / (double)n,
                       (double)(with - without) / (double)n,
                       (double)v / (double)n / 16.0);
            }
    bench_rmdir(dir);
    return 0;
}
