/* lsn_tracker_recover over databases of 100, 1 000 and 10 000 live SSTs
 * (one small flush each, auto compactions off so none are merged).
 * Baselines in the same run, interleaved with the recover repetitions:
 * the bare I/O floor (open, fstat, read the last 64 KiB and close every
 * live file, the part of an SST where the footer and properties live)
 * and reopening the database itself. Files are in the page cache: this is
 * the warm-restart case.
 *
 * Options: --reps N; --files N (one size) or --sizes a,b,c (e.g.
 * 1,10,100,1000,10000 for bench/plots.sh); --per-sst N (partitions per
 * SST, default 100); --partitions N (default 1000); --db DIR (build once
 * there and reuse, for profiling). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench_util.h"
#include "lsn_tracker.h"

static const char *opts_fmt =
    "listeners={id=LsnFlushListener;tracker=%s};"
    "table_properties_collectors={id=LsnCollectorFactory;key_prefix=4c};"
    "disable_auto_compactions=true;level0_slowdown_writes_trigger=1000000;"
    "level0_stop_writes_trigger=1000000;max_open_files=-1";

static void put_lsn(rocksdb_writebatch_t *b, uint64_t p, uint64_t lsn)
{
    char key[9], val[8];
    key[0] = 'L';
    for (int i = 0; i < 8; i++) {
        key[1 + i] = (char)(p >> (56 - 8 * i));
        val[i] = (char)(lsn >> (56 - 8 * i));
    }
    rocksdb_writebatch_put(b, key, 9, val, 8);
}

static rocksdb_t *open_db(const char *dir, const char *tracker,
                          rocksdb_options_t **o)
{
    char opts[1024], *err = NULL;
    snprintf(opts, sizeof opts, opts_fmt, tracker);
    *o = bench_options(opts);
    rocksdb_t *db = rocksdb_open(*o, dir, &err);
    bench_check(err, "open");
    return db;
}

/* One flush per SST; each holds the applied-LSN keys of `per` partitions
 * out of `partitions`, plus some state. */
static void build(const char *dir, int files, int per, int partitions)
{
    rocksdb_options_t *o;
    rocksdb_t *db = open_db(dir, "bench-recover-build", &o);
    rocksdb_writeoptions_t *wo = rocksdb_writeoptions_create();
    rocksdb_writeoptions_disable_WAL(wo, 1);
    rocksdb_writebatch_t *b = rocksdb_writebatch_create();
    char *err = NULL, state[32], val[100];
    uint64_t lsn = 1;
    memset(val, 'v', sizeof val);
    for (int f = 0; f < files; f++) {
        rocksdb_writebatch_clear(b);
        for (int i = 0; i < per; i++) {
            uint64_t p = (uint64_t)((f * per + i) % partitions);
            int n = snprintf(state, sizeof state, "s%08d-%06d", f, i);
            rocksdb_writebatch_put(b, state, (size_t)n, val, sizeof val);
            put_lsn(b, p, lsn++);
        }
        rocksdb_write(db, wo, b, &err);
        bench_check(err, "write");
        bench_flush(db, 1);
    }
    rocksdb_writebatch_destroy(b);
    rocksdb_writeoptions_destroy(wo);
    rocksdb_close(db);
    rocksdb_options_destroy(o);
}

static double read_tails(rocksdb_t *db, const char *dir)
{
    static char buf[65536];
    const rocksdb_livefiles_t *lf = rocksdb_livefiles(db);
    uint64_t t0 = bench_now_ns();
    for (int i = 0, n = rocksdb_livefiles_count(lf); i < n; i++) {
        char path[4096];
        struct stat st;
        snprintf(path, sizeof path, "%s%s", dir, rocksdb_livefiles_name(lf, i));
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || fstat(fd, &st) != 0)
            bench_die("open %s", path);
        off_t off = st.st_size > (off_t)sizeof buf ? st.st_size - (off_t)sizeof buf : 0;
        if (pread(fd, buf, sizeof buf, off) < 0)
            bench_die("pread %s", path);
        close(fd);
    }
    double ms = (double)(bench_now_ns() - t0) / 1e6;
    rocksdb_livefiles_destroy(lf);
    return ms;
}

/* keep: a directory to build in once and reuse, for profiling. */
static void run(int files, int per, int partitions, int reps, const char *keep)
{
    char *dir = keep ? strdup(keep) : bench_tmpdir("recover"), current[4200];
    uint64_t t0 = bench_now_ns();
    snprintf(current, sizeof current, "%s/CURRENT", dir);
    if (!keep || access(current, F_OK) != 0)
        build(dir, files, per, partitions);
    double build_s = (double)(bench_now_ns() - t0) / 1e9;
    double rec[64], tail[64], reopen[64];
    int live = 0;
    uint64_t entries = 0;

    for (int r = 0; r < reps; r++) {
        char name[64];
        rocksdb_options_t *o;
        snprintf(name, sizeof name, "bench-recover-%d-%d", files, r);
        t0 = bench_now_ns();
        rocksdb_t *db = open_db(dir, name, &o);
        reopen[r] = (double)(bench_now_ns() - t0) / 1e6;
        const rocksdb_livefiles_t *lf = rocksdb_livefiles(db);
        live = rocksdb_livefiles_count(lf);
        rocksdb_livefiles_destroy(lf);
        lsn_tracker_t *t = lsn_tracker_open(name);
        /* Alternate which of the two goes first. */
        if (r % 2)
            tail[r] = read_tails(db, dir);
        t0 = bench_now_ns();
        int rc = lsn_tracker_recover(t, db, dir);
        rec[r] = (double)(bench_now_ns() - t0) / 1e6;
        if (!(r % 2))
            tail[r] = read_tails(db, dir);
        if (rc != LSN_TRACKER_OK)
            bench_die("recover: %s", lsn_tracker_strerror(rc));
        lsn_tracker_stats_t st = {.size = sizeof st};
        lsn_tracker_stats(t, &st);
        if (st.recovered_files != (uint64_t)live)
            bench_die("recovered %llu of %d files",
                      (unsigned long long)st.recovered_files, live);
        entries = st.entries;
        lsn_tracker_close(t);
        rocksdb_close(db);
        rocksdb_options_destroy(o);
    }
    double mr = bench_median(rec, (size_t)reps), mt = bench_median(tail, (size_t)reps);
    printf("%7d live SSTs (%d partitions each, %llu tracked; built in %.1f s): "
           "recover %.2f ms (%.1f us/file), bare tail reads %.3f ms, "
           "DB reopen %.1f ms; ratio recover/tail-reads %.2f, "
           "recover/reopen %.2f\n",
           live, per, (unsigned long long)entries, build_s, mr,
           mr * 1000 / live, mt, bench_median(reopen, (size_t)reps),
           mr / mt, mr / bench_median(reopen, (size_t)reps));
    fflush(stdout);
    if (keep)
        free(dir);
    else
        bench_rmdir(dir);
}

int main(int argc, char **argv)
{
    int quick = bench_quick(argc, argv);
    int reps = (int)bench_arg(argc, argv, "--reps", quick ? 1 : 7);
    int per = (int)bench_arg(argc, argv, "--per-sst", 100);
    int partitions = (int)bench_arg(argc, argv, "--partitions", 1000);
    long only = bench_arg(argc, argv, "--files", 0);
    const char *keep = NULL;
    for (int i = 1; i + 1 < argc; i++)
        if (!strcmp(argv[i], "--db"))
            keep = argv[i + 1];
    uint64_t sizes[16] = {100, 1000, 10000};
    int nsizes = 3, listed = bench_list(argc, argv, "--sizes", sizes, 16);
    if (quick) {
        sizes[0] = 20;
        nsizes = 1;
    }
    if (only > 0) {
        sizes[0] = (uint64_t)only;
        nsizes = 1;
    }
    if (listed)
        nsizes = listed;
    if (reps < 1 || reps > 64)
        bench_die("--reps must be 1..64");
    lsn_tracker_register();
    bench_print_machine("bench_recover: lsn_tracker_recover over live SSTs");
    printf("# warm page cache; %d repetitions, medians; target <= 200 ms at "
           "1000 SSTs\n", reps);
    for (int i = 0; i < nsizes; i++)
        run((int)sizes[i], per, partitions, reps, keep);
    return 0;
}
