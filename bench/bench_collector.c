/* Collector overhead: one write-and-flush workload run with no collector,
 * with the plugin (LsnCollectorFactory + LsnFlushListener) and with
 * RocksDB's built-in CompactOnDeletionCollector, repetitions interleaved
 * and rotated so drift and order effects hit every mode alike.
 *
 * Workload: batches of 100 Puts, WAL off; each batch is 99 state keys of
 * one partition plus that partition's applied-LSN key (Restate layout), so
 * 1 % of keys are applied-LSN keys, over --partitions partitions. State
 * keys have the applied-LSN key's length (18 bytes), so every key reaches
 * the collector's prefix/suffix comparison, not just its length check. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "bench_util.h"
#include "lsn_tracker.h"

#define BATCH 100

enum { M_NONE, M_LSN, M_COD, NMODES };
static const char *mode_name[NMODES] = {"none", "lsn", "compact_on_deletion"};

static const char *collector_opts =
    "table_properties_collectors={id=LsnCollectorFactory;key_prefix=6673;"
    "partition_bytes=8;key_suffix=0000000000000002;value_format=varint;"
    "value_offset=2}";

static void be64(uint64_t v, char *out)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        out[i] = (char)(v & 0xff);
}

static uint64_t rng(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

typedef struct cfg {
    long keys, partitions, value_size, write_buffer_mb;
} cfg_t;

static double cpu_seconds(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* Returns the seconds from the first write until the last flush returned;
 * *cpu gets the CPU seconds of all threads (RocksDB's flush threads
 * included) over the same span, which other load on the machine disturbs
 * less than wall time; *files the number of SSTs written. */
static double run(const cfg_t *c, int mode, int seq, double *cpu, int *files)
{
    char *dir = bench_tmpdir("collector");
    char opts[1024], tracker[64];
    snprintf(tracker, sizeof tracker, "bench-collector-%d", seq);
    snprintf(opts, sizeof opts,
             "write_buffer_size=%ld;max_write_buffer_number=4;"
             "disable_auto_compactions=true;compression=kNoCompression;"
             "level0_slowdown_writes_trigger=10000;"
             "level0_stop_writes_trigger=10000;max_background_jobs=2%s%s%s%s",
             c->write_buffer_mb << 20, mode == M_LSN ? ";" : "",
             mode == M_LSN ? collector_opts : "",
             mode == M_LSN ? ";listeners={id=LsnFlushListener;tracker=" : "",
             mode == M_LSN ? tracker : "");
    if (mode == M_LSN)
        strcat(opts, "}");
    rocksdb_options_t *o = bench_options(opts);
    if (mode == M_COD) /* window and trigger as in RocksDB's examples */
        rocksdb_options_add_compact_on_deletion_collector_factory(o, 128, 64);
    char *err = NULL;
    rocksdb_t *db = rocksdb_open(o, dir, &err);
    bench_check(err, "open");

    rocksdb_writeoptions_t *wo = rocksdb_writeoptions_create();
    rocksdb_writeoptions_disable_WAL(wo, 1);
    rocksdb_writebatch_t *b = rocksdb_writebatch_create();
    char *vals = malloc((size_t)c->value_size + 4096);
    uint64_t s = 0x9E3779B97F4A7C15ull;
    for (long i = 0; i < c->value_size + 4096; i++)
        vals[i] = (char)rng(&s);
    s = 42; /* same key sequence in every mode */
    uint64_t lsn = 1;
    char key[18];

    double c0 = cpu_seconds();
    uint64_t t0 = bench_now_ns();
    for (long done = 0; done < c->keys; done += BATCH) {
        uint64_t p = rng(&s) % (uint64_t)c->partitions;
        rocksdb_writebatch_clear(b);
        key[0] = 'f';
        key[1] = 's';
        be64(p, key + 2);
        for (int k = 0; k < BATCH - 1; k++) {
            be64(rng(&s) | 0x100, key + 10); /* never state id 2 */
            rocksdb_writebatch_put(b, key, sizeof key,
                                   vals + (rng(&s) & 4095),
                                   (size_t)c->value_size);
        }
        char v[16];
        uint64_t x = lsn++;
        size_t n = 0;
        v[n++] = 0x01;
        v[n++] = 0x08;
        do {
            v[n++] = (char)((x & 0x7f) | (x >= 0x80 ? 0x80 : 0));
            x >>= 7;
        } while (x);
        be64(2, key + 10);
        rocksdb_writebatch_put(b, key, sizeof key, v, n);
        rocksdb_write(db, wo, b, &err);
        bench_check(err, "write");
    }
    bench_flush(db, 1);
    double secs = (double)(bench_now_ns() - t0) / 1e9;
    *cpu = cpu_seconds() - c0;

    const rocksdb_livefiles_t *lf = rocksdb_livefiles(db);
    *files = rocksdb_livefiles_count(lf);
    rocksdb_livefiles_destroy(lf);
    if (mode == M_LSN) {
        /* The plugin must really have been active. */
        lsn_tracker_t *t = lsn_tracker_open(tracker);
        lsn_tracker_stats_t st = {.size = sizeof st};
        rocksdb_close(db);
        db = NULL;
        lsn_tracker_stats(t, &st); /* close waited for the listeners */
        if (st.flushes_with_lsn == 0)
            bench_die("plugin not active: no flush carried the property");
        lsn_tracker_close(t);
    }
    if (db)
        rocksdb_close(db);
    free(vals);
    rocksdb_writebatch_destroy(b);
    rocksdb_writeoptions_destroy(wo);
    rocksdb_options_destroy(o);
    bench_rmdir(dir);
    return secs;
}

int main(int argc, char **argv)
{
    int quick = bench_quick(argc, argv);
    cfg_t c = {
        .keys = bench_arg(argc, argv, "--keys", quick ? 20000 : 1000000),
        .partitions = bench_arg(argc, argv, "--partitions", 1000),
        .value_size = bench_arg(argc, argv, "--value-size", 100),
        .write_buffer_mb = bench_arg(argc, argv, "--write-buffer-mb",
                                     quick ? 1 : 16),
    };
    int reps = (int)bench_arg(argc, argv, "--reps", quick ? 1 : 5);
    /* --only N runs mode N alone (0 none, 1 lsn, 2 compact_on_deletion),
     * for profiling one configuration. */
    int only = (int)bench_arg(argc, argv, "--only", -1);
    double secs[NMODES][64], cpu[NMODES][64];
    int files[NMODES] = {0};

    if (reps < 1 || reps > 64)
        bench_die("--reps must be 1..64");
    lsn_tracker_register();
    bench_print_machine("bench_collector: write-and-flush throughput");
    printf("# keys=%ld (1%% applied-LSN keys, batches of %d) partitions=%ld "
           "value_size=%ld write_buffer=%ldMiB WAL=off compression=none "
           "auto_compactions=off reps=%d (interleaved, rotated)\n",
           c.keys, BATCH, c.partitions, c.value_size, c.write_buffer_mb,
           reps);
    printf("%-4s %-20s %10s %12s %10s %6s\n", "rep", "mode", "seconds",
           "keys/s", "cpu_s", "ssts");
    int seq = 0;
    for (int r = 0; r < reps; r++)
        for (int k = 0; k < NMODES; k++) {
            int m = (k + r) % NMODES;
            if (only >= 0 && m != only) {
                secs[m][r] = cpu[m][r] = 1;
                continue;
            }
            secs[m][r] = run(&c, m, seq++, &cpu[m][r], &files[m]);
            printf("%-4d %-20s %10.3f %12.0f %10.3f %6d\n", r, mode_name[m],
                   secs[m][r], (double)c.keys / secs[m][r], cpu[m][r],
                   files[m]);
            fflush(stdout);
        }
    double med[NMODES];
    for (int m = 0; m < NMODES; m++)
        med[m] = bench_median(secs[m], (size_t)reps);
    printf("\nmedian keys/s: none %.0f, lsn %.0f, compact_on_deletion %.0f\n",
           c.keys / med[M_NONE], c.keys / med[M_LSN], c.keys / med[M_COD]);
    printf("ratio lsn/none (throughput): %.3f   (target >= 0.98)\n",
           med[M_NONE] / med[M_LSN]);
    printf("ratio lsn/compact_on_deletion (throughput): %.3f   (target >= 1.00)\n",
           med[M_COD] / med[M_LSN]);
    double mc[NMODES];
    for (int m = 0; m < NMODES; m++)
        mc[m] = bench_median(cpu[m], (size_t)reps);
    printf("median CPU seconds: none %.3f, lsn %.3f, compact_on_deletion "
           "%.3f\n", mc[M_NONE], mc[M_LSN], mc[M_COD]);
    printf("ratio lsn/none (keys per CPU second): %.3f, "
           "lsn/compact_on_deletion: %.3f\n", mc[M_NONE] / mc[M_LSN],
           mc[M_COD] / mc[M_LSN]);
    /* Paired per-rep ratios show the spread the medians hide. */
    double pr[64];
    for (int r = 0; r < reps; r++)
        pr[r] = secs[M_NONE][r] / secs[M_LSN][r];
    printf("per-rep lsn/none ratio: median %.3f min %.3f max %.3f\n",
           bench_median(pr, (size_t)reps), bench_quantile(pr, (size_t)reps, 0),
           bench_quantile(pr, (size_t)reps, 1));
    return 0;
}
