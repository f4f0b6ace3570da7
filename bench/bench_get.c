/* Read cost of lsn_tracker_get against two baselines that do the same
 * lookup pattern in the same run: a plain array of atomics (the floor: one
 * load) and an array behind a mutex (what a hand-written listener with a
 * locked map would do at best). Each is measured alone and while a second
 * thread raises watermarks of the same structure as fast as it can;
 * samples are interleaved A B C A B C and medians reported. Also the
 * memory one tracked partition costs. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "lsn_tracker.h"

enum { M_TRACKER, M_ARRAY, M_MUTEX, NMODES };
static const char *mode_name[NMODES] = {"lsn_tracker_get", "atomic_array",
                                        "mutex_array"};

typedef struct shared {
    uint64_t partitions;
    lsn_tracker_t *t;
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

/* Nanoseconds per lookup over `ops` random lookups. */
static double sample(shared_t *sh, int mode, long ops, uint64_t seed)
{
    uint64_t s = seed, acc = 0, v = 0;
    uint64_t t0 = bench_now_ns();
    switch (mode) {
    case M_TRACKER:
        for (long i = 0; i < ops; i++) {
            lsn_tracker_get(sh->t, NULL, pick(xs(&s), sh->partitions), &v);
            acc += v;
        }
        break;
    case M_ARRAY:
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
    sink = acc;
    return ns;
}

static void run_size(uint64_t partitions, int reps, long ops, int seq)
{
    shared_t sh;
    char name[64];
    memset(&sh, 0, sizeof sh);
    sh.partitions = partitions;
    snprintf(name, sizeof name, "bench-get-%d", seq);

    uint64_t heap0 = bench_heap_bytes(), rss0 = bench_rss_bytes();
    sh.t = lsn_tracker_open(name);
    if (!sh.t)
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

    for (int upd = 0; upd < 2; upd++) {
        double ns[NMODES][64], wrate[NMODES][64];
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
                ns[m][r] = sample(&sh, m, ops, 0x1234567ull + (uint64_t)r);
                double el = (double)(bench_now_ns() - t0) / 1e9;
                if (upd) {
                    atomic_store(&sh.stop, 1);
                    pthread_join(th, NULL);
                    wrate[m][r] = (double)atomic_load(&sh.writes) / el;
                }
            }
        printf("  %-8s", upd ? "updating" : "idle");
        for (int m = 0; m < NMODES; m++) {
            printf("  %s %.1f ns", mode_name[m],
                   bench_median(ns[m], (size_t)reps));
            if (upd)
                printf(" (writer %.2f M/s)",
                       bench_median(wrate[m], (size_t)reps) / 1e6);
        }
        double mt = bench_median(ns[M_TRACKER], (size_t)reps);
        printf("\n  %-8s  ratio tracker/atomic_array %.2f, "
               "tracker/mutex_array %.2f\n", "", mt /
               bench_median(ns[M_ARRAY], (size_t)reps),
               mt / bench_median(ns[M_MUTEX], (size_t)reps));
        if (upd && partitions == 100000)
            printf("  headline: lsn_tracker_get median %.1f ns at 100000 "
                   "partitions under updates (target <= 50 ns)\n", mt);
        fflush(stdout);
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
    uint64_t sizes[] = {1000, 100000, 1000000};
    int nsizes = quick ? 2 : 3;
    long only = bench_arg(argc, argv, "--partitions", 0);
    if (only > 0) {
        sizes[0] = (uint64_t)only;
        nsizes = 1;
    }

    if (reps < 1 || reps > 64)
        bench_die("--reps must be 1..64");
    bench_print_machine("bench_get: lsn_tracker_get latency");
    printf("# random partitions, uniform; %ld lookups per sample; %d samples "
           "per mode, interleaved; median ns per lookup; writer thread raises "
           "random partitions of the same structure non-stop\n", ops, reps);
    for (int i = 0; i < nsizes; i++)
        run_size(sizes[i], reps, ops, i);
    return 0;
}
