/* Read cost of lsn_tracker_get, by name and through a column family
 * handle (lsn_tracker_cf_get), against two baselines that do the same
 * lookup pattern in the same run: a plain array of atomics (the floor: one
 * load) and an array behind a mutex (what a hand-written listener with a
 * locked map would do at best). Each is measured alone and while a second
 * thread raises watermarks of the same structure as fast as it can;
 * samples are interleaved A B C D E F, B C D E F A, ... and medians
 * reported, and the median of each round's own ratios. Two more modes
 * read the array under other writers (M_ARRAY_TW, M_ARRAY_PACED). Also
 * the memory one tracked partition costs.
 *
 * Each round takes two samples of every mode. "Throughput": lookups of
 * independent random partitions back to back, which lets the processor
 * overlap their cache misses, so it also counts how many instructions
 * each lookup leaves in flight. "Latency": each partition depends on the
 * value read before it, so each lookup waits for the one before, as a
 * caller that acts on what it reads does.
 *
 * Options: --reps N, --ops N (lookups per sample), --partitions N (one
 * size) or --sizes a,b,c (default 1000,100000,1000000). Every sample is
 * timed by the wall clock and by the reading thread's CPU clock; on a
 * machine shared with other work the second is the steadier (a reader
 * preempted for a while spends no CPU time), and the headline uses it.
 * The last lines, "summary ...", give every median in one table for
 * bench/plots.sh. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "lsn_tracker.h"

/* M_ARRAY_TW reads the atomic array while the writer raises the tracker
 * (lsn_tracker_seed), not the array: the array read under the same writer
 * load as the tracker's readers. The writer itself disturbs the reader
 * (caches, the other hardware thread); this baseline keeps that equal and
 * leaves the read paths to differ.
 *
 * M_ARRAY_PACED reads the atomic array while its own writer raises it at
 * the rate the tracker's writer reached in the latest handle sample (of
 * the same round or the one before): the same updates, in number and in
 * place, as the handle sees. The array's unpaced writer, a bare store loop
 * 24 to 72 times faster, touches every line of the array many times per
 * sample; at 1 000 000 partitions the array then reads, in some runs,
 * faster under updates than idle, most likely because that writer keeps
 * it in the cache the reader shares. */
enum { M_TRACKER, M_HANDLE, M_ARRAY, M_MUTEX, M_ARRAY_TW, M_ARRAY_PACED,
       NMODES };
static const char *mode_name[NMODES] = {"lsn_tracker_get", "lsn_tracker_cf_get",
                                        "atomic_array", "mutex_array",
                                        "atomic_array_tw", "atomic_array_paced"};

typedef struct shared {
    uint64_t partitions;
    lsn_tracker_t *t;
    lsn_tracker_cf_t *h;
    _Atomic uint64_t *arr;
    pthread_mutex_t mu;
    uint64_t *locked_arr;
    _Atomic int stop;
    _Atomic int started;
    _Atomic uint64_t writes;
    double pace; /* raises per second of M_ARRAY_PACED's writer */
    /* The next LSN to raise to, carried from each writer to the next: a
     * writer that started again from the same LSN would find every
     * watermark at or above it and the tracker's raises would store
     * nothing. */
    uint64_t lsn;
} shared_t;

static uint64_t xs(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Uniform in [0, n) without a division. */
static uint64_t pick(uint64_t r, uint64_t n)
{
    return ((r >> 32) * n) >> 32;
}

typedef struct writer_arg {
    shared_t *sh;
    int mode;
} writer_arg_t;

static void *writer(void *p)
{
    writer_arg_t *w = p;
    shared_t *sh = w->sh;
    uint64_t s = 0xC0FFEE, lsn = sh->lsn, n = 0, t0 = bench_now_ns();
    double skipped = 0; /* raises the paced writer will not catch up on */
    atomic_store(&sh->started, 1);
    while (!atomic_load_explicit(&sh->stop, memory_order_relaxed)) {
        if (w->mode == M_ARRAY_PACED) {
            double due = (double)(bench_now_ns() - t0) * sh->pace / 1e9;
            if ((double)n + skipped > due)
                continue; /* ahead of the tracker's writer: wait */
            /* Preempted for a while: resume the pace, not a burst. */
            if (due - ((double)n + skipped) > 64)
                skipped = due - (double)n - 64;
        }
        uint64_t part = pick(xs(&s), sh->partitions);
        lsn++;
        switch (w->mode) {
        case M_TRACKER:
        case M_HANDLE:
        case M_ARRAY_TW:
            lsn_tracker_seed(sh->t, NULL, part, lsn);
            break;
        case M_ARRAY:
        case M_ARRAY_PACED:
            atomic_store_explicit(&sh->arr[part], lsn, memory_order_release);
            break;
        case M_MUTEX:
            pthread_mutex_lock(&sh->mu);
            sh->locked_arr[part] = lsn;
            pthread_mutex_unlock(&sh->mu);
            break;
        }
        n++;
    }
    atomic_store(&sh->writes, n);
    sh->lsn = lsn; /* read by the next writer after pthread_join */
    return NULL;
}

static volatile uint64_t sink;

static uint64_t thread_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static volatile uint64_t zero_v; /* 0, unknown to the compiler */

/* Nanoseconds per lookup over `ops` random lookups, by the wall clock;
 * *cpu gets the same by the reading thread's own CPU clock, which time
 * spent preempted by other work on a shared machine does not inflate.
 * With chain set, each partition depends on the value read before it
 * (through `v & zero`, which is 0 but not known to be): latency, not
 * throughput. */
static double sample(shared_t *sh, int mode, long ops, uint64_t seed,
                     int chain, double *cpu)
{
    uint64_t s = seed, acc = 0, v = 0, zero = zero_v;
    uint64_t c0 = thread_cpu_ns(), t0 = bench_now_ns();
    /* Two loops, not one with a test: a compiler may make the test a
     * conditional move, and with it the dependency in both. */
#define LOOKUPS(read)                                                        \
    if (chain)                                                               \
        for (long i = 0; i < ops; i++) {                                     \
            uint64_t part = pick(xs(&s), sh->partitions);                    \
            read;                                                            \
            acc += v;                                                        \
            s ^= v & zero;                                                   \
        }                                                                    \
    else                                                                     \
        for (long i = 0; i < ops; i++) {                                     \
            uint64_t part = pick(xs(&s), sh->partitions);                    \
            read;                                                            \
            acc += v;                                                        \
        }
    switch (mode) {
    case M_TRACKER:
        LOOKUPS(lsn_tracker_get(sh->t, NULL, part, &v));
        break;
    case M_HANDLE:
        LOOKUPS(lsn_tracker_cf_get(sh->h, part, &v));
        break;
    case M_ARRAY:
    case M_ARRAY_TW:
    case M_ARRAY_PACED:
        LOOKUPS(v = atomic_load_explicit(&sh->arr[part], memory_order_acquire));
        break;
    case M_MUTEX:
        LOOKUPS(pthread_mutex_lock(&sh->mu); v = sh->locked_arr[part];
                pthread_mutex_unlock(&sh->mu));
        break;
    }
#undef LOOKUPS
    double ns = (double)(bench_now_ns() - t0) / (double)ops;
    *cpu = (double)(thread_cpu_ns() - c0) / (double)ops;
    sink = acc;
    return ns;
}

#define MAX_SIZES 16
#define MAX_REPS 64
static char summary[MAX_SIZES][2][2][160], summary_lat[MAX_SIZES][2][160];
/* Medians of the rounds' own ratios (reader's CPU time), per size and
 * [idle, updating]: throughput handle/array, name/array, handle/array_tw,
 * handle/array_paced; latency handle/array, handle/array_paced,
 * name/array_paced; throughput name/array_paced. */
enum { R_HA, R_NA, R_HTW, R_HP, R_LHA, R_LHP, R_LNP, R_NP, NRATIOS };
static double ratio_med[MAX_SIZES][2][NRATIOS];

/* Writer raises per second while a reader samples `mode`. */
/* One sample of `mode` each way, throughput (*ns by the wall clock, *cpu)
 * and latency (*lat), for round r; with upd set, beside a writer of the
 * same structure, whose raises per second it returns (else 0). */
static double measure(shared_t *sh, int mode, int upd, long ops, long lat_ops,
                      uint64_t r, double *ns, double *cpu, double *lat)
{
    pthread_t th;
    writer_arg_t wa = {sh, mode};
    atomic_store(&sh->stop, 0);
    atomic_store(&sh->writes, 0);
    atomic_store(&sh->started, 0);
    if (upd && pthread_create(&th, NULL, writer, &wa))
        bench_die("pthread_create");
    /* Measure only while the writer is really writing. */
    while (upd && !atomic_load(&sh->started))
        ;
    uint64_t t0 = bench_now_ns();
    *ns = sample(sh, mode, ops, 0x1234567ull + r, 0, cpu);
    sample(sh, mode, lat_ops, 0x7654321ull + r, 1, lat);
    double el = (double)(bench_now_ns() - t0) / 1e9;
    if (!upd)
        return 0;
    atomic_store(&sh->stop, 1);
    pthread_join(th, NULL);
    return (double)atomic_load(&sh->writes) / el;
}

static double ratio_of_rounds(double (*num)[MAX_REPS], int a,
                              double (*den)[MAX_REPS], int b, int reps)
{
    double r[MAX_REPS];
    for (int i = 0; i < reps; i++)
        r[i] = num[a][i] / den[b][i];
    return bench_median(r, (size_t)reps);
}

static void run_size(uint64_t partitions, int reps, long ops, int seq)
{
    shared_t sh;
    char name[64];
    long lat_ops = ops / 8 > 1000 ? ops / 8 : 1000;
    memset(&sh, 0, sizeof sh);
    sh.partitions = partitions;
    sh.lsn = 1000 + partitions; /* above every seeded value */
    snprintf(name, sizeof name, "bench-get-%d", seq);

    uint64_t heap0 = bench_heap_bytes(), rss0 = bench_rss_bytes();
    sh.t = lsn_tracker_open(name);
    if (!sh.t || lsn_tracker_cf(sh.t, NULL, &sh.h) != LSN_TRACKER_OK)
        bench_die("lsn_tracker_open");
    for (uint64_t p = 0; p < partitions; p++)
        if (lsn_tracker_seed(sh.t, NULL, p, 1000 + p) != LSN_TRACKER_OK)
            bench_die("seed");
    uint64_t heap1 = bench_heap_bytes(), rss1 = bench_rss_bytes();
    printf("\npartitions=%llu: tracker memory %.1f B/partition (heap), "
           "%.1f B/partition (RSS)\n",
           (unsigned long long)partitions,
           (double)(heap1 - heap0) / (double)partitions,
           (double)(int64_t)(rss1 - rss0) / (double)partitions);

    sh.arr = calloc(partitions, sizeof(*sh.arr));
    sh.locked_arr = calloc(partitions, sizeof(*sh.locked_arr));
    if (!sh.arr || !sh.locked_arr)
        bench_die("out of memory");
    for (uint64_t p = 0; p < partitions; p++) {
        atomic_init(&sh.arr[p], 1000 + p);
        sh.locked_arr[p] = 1000 + p;
    }
    pthread_mutex_init(&sh.mu, NULL);
    /* The paced writer's rate: the tracker's writer beside a handle
     * reader, measured here, then in each round the rate of that round's
     * (or the last round's) handle sample. */
    double ns0, cpu0, lat0;
    sh.pace = measure(&sh, M_HANDLE, 1, ops, lat_ops, MAX_REPS, &ns0, &cpu0,
                      &lat0);
    printf("  initial pace of the array's paced writer: %.2f M raises/s "
           "(the tracker's writer beside a handle reader)\n", sh.pace / 1e6);

    /* [wall, cpu][idle, updating][mode]; latency by CPU time only */
    double med[2][2][NMODES], lat_med[2][NMODES];
    for (int upd = 0; upd < 2; upd++) {
        double ns[NMODES][MAX_REPS], cpu[NMODES][MAX_REPS],
            lat[NMODES][MAX_REPS], wrate[NMODES][MAX_REPS];
        for (int r = 0; r < reps; r++)
            for (int k = 0; k < NMODES; k++) {
                int m = (k + r) % NMODES;
                wrate[m][r] = measure(&sh, m, upd, ops, lat_ops, (uint64_t)r,
                                      &ns[m][r], &cpu[m][r], &lat[m][r]);
                if (upd && m == M_HANDLE)
                    sh.pace = wrate[m][r];
            }
        for (int c = 0; c < 2; c++) {
            printf("  %-8s %s", upd ? "updating" : "idle", c ? "cpu " : "wall");
            for (int m = 0; m < NMODES; m++) {
                med[c][upd][m] = bench_median(c ? cpu[m] : ns[m], (size_t)reps);
                printf("  %s %.1f ns", mode_name[m], med[c][upd][m]);
                if (upd && c)
                    printf(" (writer %.2f M/s)",
                           bench_median(wrate[m], (size_t)reps) / 1e6);
            }
            printf("\n");
        }
        printf("  %-8s lat ", upd ? "updating" : "idle");
        for (int m = 0; m < NMODES; m++) {
            lat_med[upd][m] = bench_median(lat[m], (size_t)reps);
            printf("  %s %.1f ns", mode_name[m], lat_med[upd][m]);
        }
        printf("\n");
        /* Each round measures every mode back to back: the median of the
         * rounds' own ratios is the least disturbed by load that comes and
         * goes on a shared machine. */
        double *rm = ratio_med[seq][upd];
        rm[R_HA] = ratio_of_rounds(cpu, M_HANDLE, cpu, M_ARRAY, reps);
        rm[R_NA] = ratio_of_rounds(cpu, M_TRACKER, cpu, M_ARRAY, reps);
        rm[R_HTW] = ratio_of_rounds(cpu, M_HANDLE, cpu, M_ARRAY_TW, reps);
        rm[R_HP] = ratio_of_rounds(cpu, M_HANDLE, cpu, M_ARRAY_PACED, reps);
        rm[R_LHA] = ratio_of_rounds(lat, M_HANDLE, lat, M_ARRAY, reps);
        rm[R_LHP] = ratio_of_rounds(lat, M_HANDLE, lat, M_ARRAY_PACED, reps);
        rm[R_LNP] = ratio_of_rounds(lat, M_TRACKER, lat, M_ARRAY_PACED, reps);
        rm[R_NP] = ratio_of_rounds(cpu, M_TRACKER, cpu, M_ARRAY_PACED, reps);
        printf("  %-13s median of the rounds' ratios (CPU time), throughput: "
               "handle / array %.2f, by name / array %.2f, handle / array "
               "under the tracker's writer %.2f, handle / paced array %.2f, "
               "by name / paced array %.2f; latency: handle / array %.2f, "
               "handle / paced array %.2f, by name / paced array %.2f\n", "",
               rm[R_HA], rm[R_NA], rm[R_HTW], rm[R_HP], rm[R_NP], rm[R_LHA],
               rm[R_LHP], rm[R_LNP]);
        if (upd)
            printf("  headline: %llu partitions under updates (reader's CPU "
                   "time, target <= 2x): latency, handle %.1f ns against the "
                   "array %.1f ns under the same number of raises (%.2fx; "
                   "%.2fx against the array under its unpaced writer, %.1f "
                   "ns); throughput, handle %.1f ns against %.1f ns "
                   "(%.2fx; %.2fx unpaced, %.1f ns); by name against the "
                   "paced array, latency %.2fx, throughput %.2fx\n",
                   (unsigned long long)partitions, lat_med[1][M_HANDLE],
                   lat_med[1][M_ARRAY_PACED], rm[R_LHP], rm[R_LHA],
                   lat_med[1][M_ARRAY], med[1][1][M_HANDLE],
                   med[1][1][M_ARRAY_PACED], rm[R_HP], rm[R_HA],
                   med[1][1][M_ARRAY], rm[R_LNP], rm[R_NP]);
        fflush(stdout);
    }
    for (int upd = 0; upd < 2; upd++) {
        for (int c = 0; c < 2; c++)
            snprintf(summary[seq][c][upd], sizeof summary[seq][c][upd],
                     "summary %-4s %8llu %-8s %8.1f %8.1f %8.1f %8.1f %8.1f "
                     "%8.1f", c ? "cpu" : "wall",
                     (unsigned long long)partitions,
                     upd ? "updating" : "idle", med[c][upd][M_TRACKER],
                     med[c][upd][M_HANDLE], med[c][upd][M_ARRAY],
                     med[c][upd][M_MUTEX], med[c][upd][M_ARRAY_TW],
                     med[c][upd][M_ARRAY_PACED]);
        snprintf(summary_lat[seq][upd], sizeof summary_lat[seq][upd],
                 "latency cpu %8llu %-8s %8.1f %8.1f %8.1f %8.1f %8.1f %8.1f",
                 (unsigned long long)partitions, upd ? "updating" : "idle",
                 lat_med[upd][M_TRACKER], lat_med[upd][M_HANDLE],
                 lat_med[upd][M_ARRAY], lat_med[upd][M_MUTEX],
                 lat_med[upd][M_ARRAY_TW], lat_med[upd][M_ARRAY_PACED]);
    }
    pthread_mutex_destroy(&sh.mu);
    free(sh.arr);
    free(sh.locked_arr);
    lsn_tracker_close(sh.t);
}

int main(int argc, char **argv)
{
    int quick = bench_quick(argc, argv);
    int reps = (int)bench_arg(argc, argv, "--reps", quick ? 3 : 15);
    long ops = bench_arg(argc, argv, "--ops", quick ? 100000 : 2000000);
    uint64_t sizes[MAX_SIZES] = {1000, 100000, 1000000};
    int nsizes = quick ? 2 : 3;
    long only = bench_arg(argc, argv, "--partitions", 0);
    if (only > 0) {
        sizes[0] = (uint64_t)only;
        nsizes = 1;
    }
    int listed = bench_list(argc, argv, "--sizes", sizes, MAX_SIZES);
    if (listed)
        nsizes = listed;

    if (reps < 1 || reps > MAX_REPS)
        bench_die("--reps must be 1..64");
    bench_print_machine("bench_get: lsn_tracker_get latency");
    printf("# random partitions, uniform; %ld lookups per sample; %d samples "
           "per mode, interleaved; median ns per lookup, by the wall clock "
           "and by the reader's CPU clock; writer thread raises random "
           "partitions of the same structure non-stop\n", ops, reps);
    for (int i = 0; i < nsizes; i++)
        run_size(sizes[i], reps, ops, i);
    printf("\nsummary clock partitions state lsn_tracker_get "
           "lsn_tracker_cf_get atomic_array mutex_array atomic_array_tw "
           "atomic_array_paced (median ns per lookup, throughput)\n");
    for (int c = 1; c >= 0; c--)
        for (int i = 0; i < nsizes; i++)
            for (int upd = 0; upd < 2; upd++)
                printf("%s\n", summary[i][c][upd]);
    printf("\nlatency clock partitions state (same columns; median ns per "
           "dependent lookup)\n");
    for (int i = 0; i < nsizes; i++)
        for (int upd = 0; upd < 2; upd++)
            printf("%s\n", summary_lat[i][upd]);
    printf("\nratios partitions state throughput: handle/array name/array "
           "handle/array_tw handle/array_paced; latency: handle/array "
           "handle/array_paced name/array_paced; throughput: "
           "name/array_paced (median of per-round ratios, CPU time)\n");
    for (int i = 0; i < nsizes; i++)
        for (int upd = 0; upd < 2; upd++) {
            printf("ratios %8llu %-8s", (unsigned long long)sizes[i],
                   upd ? "updating" : "idle");
            for (int k = 0; k < NRATIOS; k++)
                printf(" %6.2f", ratio_med[i][upd][k]);
            printf("\n");
        }
    return 0;
}
