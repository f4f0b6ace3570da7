/* Read cost of lsn_tracker_get, by name and through a column family
 * handle (lsn_tracker_cf_get), against two baselines that do the same
 * lookup pattern in the same run: a plain array of atomics (the floor: one
 * load) and an array behind a mutex (what a hand-written listener with a
 * locked map would do at best). Each is measured alone and while a second
 * thread raises watermarks of the same structure as fast as it can;
 * samples are interleaved A B C D E, B C D E A, ... and medians reported,
 * and the median of each round's own ratios. A fifth mode reads the array
 * while the writer raises the tracker (see M_ARRAY_TW). Also the memory
 * one tracked partition costs.
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
 * leaves the read paths to differ. */
enum { M_TRACKER, M_HANDLE, M_ARRAY, M_MUTEX, M_ARRAY_TW, NMODES };
static const char *mode_name[NMODES] = {"lsn_tracker_get", "lsn_tracker_cf_get",
                                        "atomic_array", "mutex_array",
                                        "atomic_array_tw"};

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
    uint64_t s = 0xC0FFEE, lsn = 1u << 20, n = 0;
    atomic_store(&sh->started, 1);
    while (!atomic_load_explicit(&sh->stop, memory_order_relaxed)) {
        uint64_t part = pick(xs(&s), sh->partitions);
        lsn++;
        switch (w->mode) {
        case M_TRACKER:
        case M_HANDLE:
        case M_ARRAY_TW:
            lsn_tracker_seed(sh->t, NULL, part, lsn);
            break;
        case M_ARRAY:
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
    return NULL;
}

static volatile uint64_t sink;

static uint64_t thread_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Nanoseconds per lookup over `ops` random lookups, by the wall clock;
 * *cpu gets the same by the reading thread's own CPU clock, which time
 * spent preempted by other work on a shared machine does not inflate. */
static double sample(shared_t *sh, int mode, long ops, uint64_t seed,
                     double *cpu)
{
    uint64_t s = seed, acc = 0, v = 0;
    uint64_t c0 = thread_cpu_ns(), t0 = bench_now_ns();
    switch (mode) {
    case M_TRACKER:
        for (long i = 0; i < ops; i++) {
            lsn_tracker_get(sh->t, NULL, pick(xs(&s), sh->partitions), &v);
            acc += v;
        }
        break;
    case M_HANDLE:
        for (long i = 0; i < ops; i++) {
            lsn_tracker_cf_get(sh->h, pick(xs(&s), sh->partitions), &v);
            acc += v;
        }
        break;
    case M_ARRAY:
    case M_ARRAY_TW:
        for (long i = 0; i < ops; i++)
            acc += atomic_load_explicit(&sh->arr[pick(xs(&s), sh->partitions)],
                                        memory_order_acquire);
        break;
    case M_MUTEX:
        for (long i = 0; i < ops; i++) {
            uint64_t part = pick(xs(&s), sh->partitions);
            pthread_mutex_lock(&sh->mu);
            acc += sh->locked_arr[part];
            pthread_mutex_unlock(&sh->mu);
        }
        break;
    }
    double ns = (double)(bench_now_ns() - t0) / (double)ops;
    *cpu = (double)(thread_cpu_ns() - c0) / (double)ops;
    sink = acc;
    return ns;
}

#define MAX_SIZES 16
static char summary[MAX_SIZES][2][2][128];
/* [size][idle, updating][handle/array, name/array, handle/array_tw] */
static double ratio_med[MAX_SIZES][2][3];

static void run_size(uint64_t partitions, int reps, long ops, int seq)
{
    shared_t sh;
    char name[64];
    memset(&sh, 0, sizeof sh);
    sh.partitions = partitions;
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

    double med[2][2][NMODES]; /* [wall, cpu][idle, updating][mode] */
    for (int upd = 0; upd < 2; upd++) {
        double ns[NMODES][64], cpu[NMODES][64], wrate[NMODES][64];
        for (int r = 0; r < reps; r++)
            for (int k = 0; k < NMODES; k++) {
                int m = (k + r) % NMODES;
                pthread_t th;
                writer_arg_t wa = {&sh, m};
                atomic_store(&sh.stop, 0);
                atomic_store(&sh.writes, 0);
                atomic_store(&sh.started, 0);
                if (upd && pthread_create(&th, NULL, writer, &wa))
                    bench_die("pthread_create");
                /* Measure only while the writer is really writing. */
                while (upd && !atomic_load(&sh.started))
                    ;
                uint64_t t0 = bench_now_ns();
                ns[m][r] = sample(&sh, m, ops, 0x1234567ull + (uint64_t)r,
                                  &cpu[m][r]);
                double el = (double)(bench_now_ns() - t0) / 1e9;
                if (upd) {
                    atomic_store(&sh.stop, 1);
                    pthread_join(th, NULL);
                    wrate[m][r] = (double)atomic_load(&sh.writes) / el;
                }
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
            printf("\n  %-13s ratio to atomic_array: lsn_tracker_get %.2f, "
                   "lsn_tracker_cf_get %.2f; to mutex_array: %.2f, %.2f\n",
                   "", med[c][upd][M_TRACKER] / med[c][upd][M_ARRAY],
                   med[c][upd][M_HANDLE] / med[c][upd][M_ARRAY],
                   med[c][upd][M_TRACKER] / med[c][upd][M_MUTEX],
                   med[c][upd][M_HANDLE] / med[c][upd][M_MUTEX]);
        }
        /* Each round measures every mode back to back: the median of the
         * rounds' own ratios is the least disturbed by load that comes and
         * goes on a shared machine. */
        double rh[64], rt[64], rw[64];
        for (int r = 0; r < reps; r++) {
            rh[r] = cpu[M_HANDLE][r] / cpu[M_ARRAY][r];
            rt[r] = cpu[M_TRACKER][r] / cpu[M_ARRAY][r];
            rw[r] = cpu[M_HANDLE][r] / cpu[M_ARRAY_TW][r];
        }
        ratio_med[seq][upd][0] = bench_median(rh, (size_t)reps);
        ratio_med[seq][upd][1] = bench_median(rt, (size_t)reps);
        ratio_med[seq][upd][2] = bench_median(rw, (size_t)reps);
        printf("  %-13s median of the rounds' ratios (CPU time): "
               "lsn_tracker_cf_get / atomic_array %.2f, lsn_tracker_get / "
               "atomic_array %.2f, lsn_tracker_cf_get / atomic_array_tw "
               "%.2f\n", "", ratio_med[seq][upd][0], ratio_med[seq][upd][1],
               ratio_med[seq][upd][2]);
        if (upd)
            printf("  headline: %llu partitions under updates (reader's CPU "
                   "time): lsn_tracker_cf_get %.1f ns, atomic array %.1f ns "
                   "(%.1f ns under the tracker's writer), lsn_tracker_get "
                   "%.1f ns; per-round ratios: handle / array %.2fx, handle "
                   "/ array under the same writer %.2fx, by name / array "
                   "%.2fx (target <= 2x)\n",
                   (unsigned long long)partitions, med[1][1][M_HANDLE],
                   med[1][1][M_ARRAY], med[1][1][M_ARRAY_TW],
                   med[1][1][M_TRACKER], ratio_med[seq][1][0],
                   ratio_med[seq][1][2], ratio_med[seq][1][1]);
        fflush(stdout);
    }
    for (int c = 0; c < 2; c++)
        for (int upd = 0; upd < 2; upd++)
            snprintf(summary[seq][c][upd], sizeof summary[seq][c][upd],
                     "summary %-4s %8llu %-8s %8.1f %8.1f %8.1f %8.1f %8.1f",
                     c ? "cpu" : "wall", (unsigned long long)partitions,
                     upd ? "updating" : "idle", med[c][upd][M_TRACKER],
                     med[c][upd][M_HANDLE], med[c][upd][M_ARRAY],
                     med[c][upd][M_MUTEX], med[c][upd][M_ARRAY_TW]);
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

    if (reps < 1 || reps > 64)
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
           "(median ns per lookup)\n");
    for (int c = 1; c >= 0; c--)
        for (int i = 0; i < nsizes; i++)
            for (int upd = 0; upd < 2; upd++)
                printf("%s\n", summary[i][c][upd]);
    printf("\nratios partitions state handle/array name/array "
           "handle/array_tw (median of per-round ratios, CPU time)\n");
    for (int i = 0; i < nsizes; i++)
        for (int upd = 0; upd < 2; upd++)
            printf("ratios %8llu %-8s %6.2f %6.2f %6.2f\n",
                   (unsigned long long)sizes[i], upd ? "updating" : "idle",
                   ratio_med[i][upd][0], ratio_med[i][upd][1],
                   ratio_med[i][upd][2]);
    return 0;
}
