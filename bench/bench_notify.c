/* Notification latency, p50 and p99.
 *
 * Part 1, the mechanism: lsn_tracker_seed on one thread -> a thread
 * blocked in lsn_tracker_wait returns / a thread blocked in poll() on the
 * tracker's eventfd wakes. Baselines in the same run, observed the same
 * way: the bare wake-ups, a FUTEX_WAKE (what lsn_tracker_wait sleeps on),
 * an eventfd write, and a condition variable broadcast.
 *
 * Part 2, end to end through RocksDB: each round writes the applied-LSN
 * keys of --partitions partitions and flushes. The clock starts when the
 * listener has raised the flush's last watermark: the tracker stamps that
 * moment (stats.last_advance_unix_us, wall clock, microseconds) before it
 * wakes anyone. It stops when the subscriber registered last sees the last
 * partition, when lsn_tracker_wait on that partition returns, or when the
 * eventfd poller wakes, each stamped on the same wall clock. What happens
 * inside RocksDB before the listener runs (its OnFlushCompleted
 * bookkeeping) is outside this clock; the time from the flush call to the
 * raise is printed as context.
 *
 * Observers sleep before each trigger, so every figure includes a real
 * futex or poll wake-up. That wake-up is the floor no notification can
 * beat, so each path is also printed as a ratio to the bare wake-up of
 * its primitive measured in the same run (futex for lsn_tracker_wait,
 * eventfd for the eventfd), p50 to p50 and p99 to p99. End to end, the
 * floor is the same bare wake-up issued from inside the flush, as often
 * and from the same place as the tracker's own: the listener applies a
 * flush's entries in chunks of 256 partitions and wakes waiters and the
 * eventfd after each chunk, just before its subscribers see the chunk's
 * first partition (plugin/tracker.c). So a subscriber registered first
 * issues a bare futex or eventfd wake-up whenever it sees a chunk's first
 * partition, with a value below the observer's target for all chunks but
 * the last; the bare observer, like the tracker's, wakes, finds its
 * target not reached, and sleeps again. The clock of a bare path starts
 * at the last chunk's wake-up.
 *
 * A p99 over a thousand samples is the tenth-worst of them, and on a
 * shared machine it swings several-fold between runs of the same code.
 * So each part runs in --batches batches (default 5), observers
 * interleaved within each, and the ratios are also given per batch and as
 * the median over batches: load that comes and goes then disturbs a path
 * and its floor alike. On a virtual machine that wake-up is dominated by
 * bringing a halted virtual CPU back; --spin keeps both CPUs out of halt
 * with SCHED_IDLE spinners (which yield to any other thread at once), to
 * show how much of each figure is that and how much is the mechanism. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/futex.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"
#include "lsn_tracker.h"

enum { O_WAIT, O_EFD, O_RAWCV, O_RAWEFD, O_RAWFUTEX, NOBS };
static const char *obs_name[NOBS] = {"lsn_tracker_wait", "tracker eventfd",
                                     "bare condvar", "bare eventfd",
                                     "bare futex"};

typedef struct observer {
    int kind;
    pthread_t th;
    sem_t go, ack;
    uint64_t target, partition;
    uint64_t woke_ns;
    uint64_t woke_us; /* wall clock, to compare with the tracker's stamp */
    int quit;
} observer_t;

static lsn_tracker_t *tracker;
static int batches = 5;

static uint64_t wall_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000;
}
static pthread_mutex_t raw_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t raw_cv = PTHREAD_COND_INITIALIZER;
static uint64_t raw_counter;
static int raw_efd;
static _Atomic uint64_t raw_efd_level; /* what the bare eventfd announces */
static _Atomic uint32_t raw_futex;
#define OBSERVER_TIMEOUT_S 10

static long futex(_Atomic uint32_t *w, int op, uint32_t val,
                  const struct timespec *rel)
{
    return syscall(SYS_futex, (uint32_t *)w, op | FUTEX_PRIVATE_FLAG, val,
                   rel, NULL, 0);
}

static void drain(int fd)
{
    uint64_t v;
    while (read(fd, &v, sizeof v) == sizeof v)
        ;
}

static void *observe(void *p)
{
    observer_t *o = p;
    for (;;) {
        sem_wait(&o->go);
        if (o->quit)
            return NULL;
        uint64_t cur = 0;
        switch (o->kind) {
        case O_WAIT:
            if (lsn_tracker_wait(tracker, NULL, o->partition, o->target, 10000,
                                 &cur) != LSN_TRACKER_OK)
                bench_die("lsn_tracker_wait timed out");
            break;
        case O_EFD: {
            int fd = lsn_tracker_eventfd(tracker);
            struct pollfd pfd = {.fd = fd, .events = POLLIN};
            for (;;) {
                if (lsn_tracker_get(tracker, NULL, o->partition, &cur) ==
                        LSN_TRACKER_OK && cur >= o->target)
                    break;
                if (poll(&pfd, 1, 10000) <= 0)
                    bench_die("eventfd never became readable");
                drain(fd);
            }
            break;
        }
        case O_RAWCV:
            pthread_mutex_lock(&raw_mu);
            while (raw_counter < o->target)
                pthread_cond_wait(&raw_cv, &raw_mu);
            pthread_mutex_unlock(&raw_mu);
            break;
        case O_RAWEFD: {
            struct pollfd pfd = {.fd = raw_efd, .events = POLLIN};
            while (atomic_load(&raw_efd_level) < o->target) {
                if (poll(&pfd, 1, OBSERVER_TIMEOUT_S * 1000) <= 0)
                    bench_die("bare eventfd never became readable");
                drain(raw_efd);
            }
            break;
        }
        case O_RAWFUTEX: {
            struct timespec rel = {OBSERVER_TIMEOUT_S, 0};
            uint32_t v;
            while ((v = atomic_load(&raw_futex)) < (uint32_t)o->target)
                if (futex(&raw_futex, FUTEX_WAIT, v, &rel) != 0 &&
                    errno == ETIMEDOUT)
                    bench_die("bare futex never woken");
            break;
        }
        }
        o->woke_ns = bench_now_ns();
        o->woke_us = wall_us();
        sem_post(&o->ack);
    }
}

static _Atomic int spin_stop;

static void *spinner(void *p)
{
    struct sched_param sp = {0};
    (void)p;
    if (pthread_setschedparam(pthread_self(), SCHED_IDLE, &sp))
        bench_die("SCHED_IDLE refused");
    while (!atomic_load_explicit(&spin_stop, memory_order_relaxed))
        ;
    return NULL;
}

static void nap_us(long us)
{
    struct timespec ts = {0, us * 1000};
    nanosleep(&ts, NULL);
}

/* Subscribers: the one registered last marks the moment the last partition
 * reaches subscribers (and, on the wall clock, which round that was). */
static _Atomic uint64_t sub_last_ns, sub_last_us, sub_last_lsn;
static sem_t sub_done; /* end to end: the last partition reached it */
static uint64_t watch_target, last_partition;

/* End to end, the bare wake-up to issue from inside the flush (O_RAWEFD
 * or O_RAWFUTEX, -1 for none) and when it was issued. */
static _Atomic int fire_kind = -1;
static _Atomic uint64_t fire_ns;
enum { APPLY_CHUNK = 256 }; /* the listener's, see the comment on top */

/* Announces lsn through the bare primitive, as a raise would. */
static void fire_bare(int kind, uint64_t lsn)
{
    if (kind == O_RAWEFD) {
        uint64_t one = 1;
        atomic_store(&raw_efd_level, lsn);
        if (write(raw_efd, &one, sizeof one) != sizeof one)
            bench_die("eventfd write");
    } else {
        atomic_store(&raw_futex, (uint32_t)lsn);
        futex(&raw_futex, FUTEX_WAKE, 1, NULL);
    }
}

/* A host's other subscriber, registered first, so that the measured one
 * is not alone in the dispatch. End to end it also issues the bare
 * wake-ups of a floor round, from the flush's own thread, at each chunk's
 * first partition: below the target until the last chunk. */
static void sub_first(void *arg, const char *cf, uint64_t partition,
                      uint64_t lsn)
{
    (void)arg;
    (void)cf;
    int kind = atomic_load(&fire_kind);
    if (kind < 0 || lsn != watch_target || partition % APPLY_CHUNK)
        return;
    if (partition / APPLY_CHUNK < last_partition / APPLY_CHUNK) {
        fire_bare(kind, lsn - 1);
        return;
    }
    atomic_store(&fire_kind, -1);
    atomic_store(&fire_ns, bench_now_ns());
    fire_bare(kind, lsn);
}

static void sub_last(void *arg, const char *cf, uint64_t partition,
                     uint64_t lsn)
{
    (void)arg;
    (void)cf;
    if (partition == last_partition && lsn == watch_target) {
        atomic_store(&sub_last_ns, bench_now_ns());
        atomic_store(&sub_last_us, wall_us());
        atomic_store(&sub_last_lsn, lsn);
        sem_post(&sub_done);
    }
}

static void report(const char *what, double *us, size_t n)
{
    double p50 = bench_quantile(us, n, 0.50), p99 = bench_quantile(us, n, 0.99);
    printf("  %-42s n=%-5zu p50 %8.1f us  p99 %8.1f us  max %8.1f us\n", what,
           n, p50, p99, us[n - 1]);
}

static double p99_of(double *v, size_t n) { return bench_quantile(v, n, 0.99); }
static double p50_of(double *v, size_t n) { return bench_quantile(v, n, 0.50); }

/* The bare wake-ups of the mechanism run, p50 and p99: the floor of each
 * path. */
static double floor_futex[2], floor_efd[2];

static void ratio(const char *what, double *v, size_t n, const double *fl,
                  const char *floor_name)
{
    printf("  %-42s p50 %5.2f  p99 %5.2f  (x bare %s)\n", what,
           p50_of(v, n) / fl[0], p99_of(v, n) / fl[1], floor_name);
}

/* v and fl hold `batches` runs of `per` samples each, in order: prints
 * the p50 and p99 ratio of each batch to its own floor and the median of
 * each over the batches. Sorts within each batch only, so the pooled
 * figures are unchanged. */
static void batch_ratios(const char *what, double *v, double *fl, size_t per,
                         const char *floor_name)
{
    double r50[64], r99[64];
    printf("  %-42s p99 per batch", what);
    for (int b = 0; b < batches; b++) {
        double *x = v + (size_t)b * per, *f = fl + (size_t)b * per;
        r50[b] = p50_of(x, per) / p50_of(f, per);
        r99[b] = p99_of(x, per) / p99_of(f, per);
        printf(" %.2f", r99[b]);
    }
    printf("; median p50 %.2f p99 %.2f (x bare %s)\n",
           bench_median(r50, (size_t)batches),
           bench_median(r99, (size_t)batches), floor_name);
}

static void mechanism(observer_t *obs, int rounds)
{
    size_t total = (size_t)rounds * (size_t)batches;
    double *lat[NOBS], *sub = malloc(total * 2 * sizeof(double));
    size_t n[NOBS] = {0}, nsub = 0;
    uint64_t lsn = 0;
    for (int k = 0; k < NOBS; k++)
        lat[k] = malloc(total * sizeof(double));
    last_partition = 0;
    for (size_t r = 0; r < total; r++)
        for (int j = 0; j < NOBS; j++) {
            int k = (int)((j + r) % NOBS);
            observer_t *o = &obs[k];
            lsn++;
            o->partition = 0;
            o->target = lsn;
            sem_post(&o->go);
            nap_us(300); /* let it fall asleep */
            watch_target = lsn;
            uint64_t t0 = bench_now_ns();
            switch (k) {
            case O_WAIT:
            case O_EFD:
                if (lsn_tracker_seed(tracker, NULL, 0, lsn) != LSN_TRACKER_OK)
                    bench_die("seed");
                sub[nsub++] = (double)(atomic_load(&sub_last_ns) - t0) / 1e3;
                break;
            case O_RAWCV:
                pthread_mutex_lock(&raw_mu);
                raw_counter = lsn;
                pthread_cond_broadcast(&raw_cv);
                pthread_mutex_unlock(&raw_mu);
                break;
            default:
                fire_bare(k, lsn);
                break;
            }
            sem_wait(&o->ack);
            lat[k][n[k]++] = (double)(o->woke_ns - t0) / 1e3;
        }
    printf("\nmechanism: seed -> wake-up, %d batches of %d rounds per "
           "observer, interleaved\n", batches, rounds);
    batch_ratios("seed -> lsn_tracker_wait returns", lat[O_WAIT],
                 lat[O_RAWFUTEX], (size_t)rounds, "futex");
    batch_ratios("seed -> tracker eventfd wakes", lat[O_EFD], lat[O_RAWEFD],
                 (size_t)rounds, "eventfd");
    printf("  all batches:\n");
    report("seed -> subscriber (same thread)", sub, nsub);
    for (int k = 0; k < NOBS; k++)
        report(obs_name[k], lat[k], n[k]);
    floor_futex[0] = p50_of(lat[O_RAWFUTEX], n[O_RAWFUTEX]);
    floor_futex[1] = p99_of(lat[O_RAWFUTEX], n[O_RAWFUTEX]);
    floor_efd[0] = p50_of(lat[O_RAWEFD], n[O_RAWEFD]);
    floor_efd[1] = p99_of(lat[O_RAWEFD], n[O_RAWEFD]);
    printf("  ratio to the floor, all batches:\n");
    ratio("seed -> lsn_tracker_wait returns", lat[O_WAIT], n[O_WAIT],
          floor_futex, "futex");
    ratio("seed -> tracker eventfd wakes", lat[O_EFD], n[O_EFD], floor_efd,
          "eventfd");
    double cv[2] = {p50_of(lat[O_RAWCV], n[O_RAWCV]),
                    p99_of(lat[O_RAWCV], n[O_RAWCV])};
    ratio("(context) bare condvar", lat[O_RAWCV], n[O_RAWCV], floor_futex,
          "futex");
    ratio("(context) seed -> lsn_tracker_wait returns", lat[O_WAIT],
          n[O_WAIT], cv, "condvar");
    for (int k = 0; k < NOBS; k++)
        free(lat[k]);
    free(sub);
}

/* The observers of the end-to-end run, and what each is compared with.
 * In an E_NONE round no thread waits: only subscribers hear of the flush,
 * the baseline of the raise -> subscriber figure, which in the other
 * rounds comes after a woken thread that may run first on the flush
 * thread's CPU. */
enum { E_WAIT, E_EFD, E_RAWEFD, E_RAWFUTEX, E_NONE, NE2E };
static const int e2e_obs[NE2E] = {O_WAIT, O_EFD, O_RAWEFD, O_RAWFUTEX, -1};

static void end_to_end(observer_t *obs, int rounds, long partitions)
{
    char *dir = bench_tmpdir("notify");
    char opts[512];
    snprintf(opts, sizeof opts,
             "listeners={id=LsnFlushListener;tracker=bench-notify};"
             "table_properties_collectors={id=LsnCollectorFactory;"
             "key_prefix=4c};disable_auto_compactions=true");
    rocksdb_options_t *o = bench_options(opts);
    char *err = NULL;
    rocksdb_t *db = rocksdb_open(o, dir, &err);
    bench_check(err, "open");
    rocksdb_writeoptions_t *wo = rocksdb_writeoptions_create();
    rocksdb_writeoptions_disable_WAL(wo, 1);
    rocksdb_writebatch_t *b = rocksdb_writebatch_create();

    size_t total = (size_t)rounds * (size_t)batches;
    double *lat[NE2E], *sub = malloc(total * NE2E * sizeof(double)),
                       *flush = malloc(total * NE2E * sizeof(double));
    size_t n[NE2E] = {0}, nsub = 0, nflush = 0;
    /* lat[E_NONE]: raise -> subscriber with nobody woken */
    for (int e = 0; e < NE2E; e++)
        lat[e] = malloc(total * sizeof(double));
    uint64_t lsn = 1000000; /* above every seeded value */
    last_partition = (uint64_t)partitions - 1;
    while (sem_trywait(&sub_done) == 0) /* posts of the mechanism run */
        ;
    for (size_t r = 0; r < total; r++) {
        /* Auto compactions are off: between batches, untimed, fold the
         * batch's files into one, so that a batch flushes beside at most
         * its own files, not beside every earlier batch's too. */
        if (r && r % (size_t)rounds == 0)
            rocksdb_compact_range(db, NULL, 0, NULL, 0);
        for (int j = 0; j < NE2E; j++) {
            int e = (int)((j + r) % NE2E), k = e2e_obs[e];
            observer_t *ob = k >= 0 ? &obs[k] : NULL;
            lsn++;
            rocksdb_writebatch_clear(b);
            for (long p = 0; p < partitions; p++) {
                char key[9], val[8];
                key[0] = 'L';
                for (int i = 0; i < 8; i++) {
                    key[1 + i] = (char)((uint64_t)p >> (56 - 8 * i));
                    val[i] = (char)(lsn >> (56 - 8 * i));
                }
                rocksdb_writebatch_put(b, key, 9, val, 8);
            }
            rocksdb_write(db, wo, b, &err);
            bench_check(err, "write");
            watch_target = lsn;
            if (ob) {
                ob->partition = last_partition;
                ob->target = lsn;
                if (k == O_RAWEFD || k == O_RAWFUTEX)
                    atomic_store(&fire_kind, k);
                sem_post(&ob->go);
            }
            nap_us(300);
            uint64_t t0 = wall_us();
            bench_flush(db, 0);
            if (ob)
                sem_wait(&ob->ack);
            /* Waiters are woken before subscribers run: let them finish,
             * asleep, so as not to hold a CPU the flush thread needs. */
            while (atomic_load(&sub_last_lsn) != lsn) {
                struct timespec dl;
                clock_gettime(CLOCK_REALTIME, &dl);
                dl.tv_sec += OBSERVER_TIMEOUT_S;
                if (sem_timedwait(&sub_done, &dl) != 0 && errno == ETIMEDOUT)
                    bench_die("the last partition never reached subscribers");
            }
            lsn_tracker_stats_t st = {.size = sizeof st};
            lsn_tracker_stats(tracker, &st);
            uint64_t raised = st.last_advance_unix_us;
            if (raised < t0)
                bench_die("raise not seen");
            if (!ob) {
                lat[e][n[e]++] =
                    (double)(int64_t)(atomic_load(&sub_last_us) - raised);
            } else if (k == O_RAWEFD || k == O_RAWFUTEX) {
                lat[e][n[e]++] =
                    (double)(ob->woke_ns - atomic_load(&fire_ns)) / 1e3;
            } else {
                lat[e][n[e]++] = (double)(int64_t)(ob->woke_us - raised);
                /* Only here: in a floor round, sub_first's own wake-up
                 * comes before the subscriber registered last. */
                sub[nsub++] =
                    (double)(int64_t)(atomic_load(&sub_last_us) - raised);
            }
            flush[nflush++] = (double)(raised - t0);
        }
    }
    printf("\nend to end: %ld partitions per flush, %d batches of %d flushes "
           "per observer, interleaved; the clock starts when the listener "
           "has raised the last watermark (wall clock, 1 us resolution), "
           "and for a bare wake-up when a subscriber issues it from the "
           "flush's thread\n", partitions, batches, rounds);
    batch_ratios("raise -> lsn_tracker_wait returns", lat[E_WAIT],
                 lat[E_RAWFUTEX], (size_t)rounds, "futex in the flush");
    batch_ratios("raise -> eventfd poller wakes", lat[E_EFD], lat[E_RAWEFD],
                 (size_t)rounds, "eventfd in the flush");
    printf("  all batches:\n");
    report("raise -> subscriber, last partition", sub, nsub);
    report("the same, nobody else woken", lat[E_NONE], n[E_NONE]);
    report("raise -> lsn_tracker_wait returns", lat[E_WAIT], n[E_WAIT]);
    report("raise -> eventfd poller wakes", lat[E_EFD], n[E_EFD]);
    report("bare futex woken in the flush", lat[E_RAWFUTEX], n[E_RAWFUTEX]);
    report("bare eventfd woken in the flush", lat[E_RAWEFD], n[E_RAWEFD]);
    report("(context) flush call -> raise", flush, nflush);
    double ffl[2] = {p50_of(lat[E_RAWFUTEX], n[E_RAWFUTEX]),
                     p99_of(lat[E_RAWFUTEX], n[E_RAWFUTEX])};
    double efl[2] = {p50_of(lat[E_RAWEFD], n[E_RAWEFD]),
                     p99_of(lat[E_RAWEFD], n[E_RAWEFD])};
    printf("  ratio to the same wake-up in the flush, all batches:\n");
    ratio("raise -> lsn_tracker_wait returns", lat[E_WAIT], n[E_WAIT], ffl,
          "futex in the flush");
    ratio("raise -> eventfd poller wakes", lat[E_EFD], n[E_EFD], efl,
          "eventfd in the flush");
    printf("  ratio to the mechanism run's bare wake-ups, all batches:\n");
    ratio("raise -> lsn_tracker_wait returns", lat[E_WAIT], n[E_WAIT],
          floor_futex, "futex");
    ratio("raise -> eventfd poller wakes", lat[E_EFD], n[E_EFD], floor_efd,
          "eventfd");
    printf("  headline: p99 raise -> wait %.1f us (%.2fx the bare futex "
           "woken in the flush), -> eventfd %.1f us (%.2fx the bare eventfd "
           "woken in the flush), -> subscriber %.1f us\n",
           p99_of(lat[E_WAIT], n[E_WAIT]),
           p99_of(lat[E_WAIT], n[E_WAIT]) / ffl[1],
           p99_of(lat[E_EFD], n[E_EFD]),
           p99_of(lat[E_EFD], n[E_EFD]) / efl[1], p99_of(sub, nsub));
    printf("  headline: p99 raise -> subscriber %.1f us with a waiter or "
           "poller woken first, %.1f us with nobody else woken\n",
           p99_of(sub, nsub), p99_of(lat[E_NONE], n[E_NONE]));
    for (int e = 0; e < NE2E; e++)
        free(lat[e]);
    free(sub);
    free(flush);
    rocksdb_writebatch_destroy(b);
    rocksdb_writeoptions_destroy(wo);
    rocksdb_close(db);
    rocksdb_options_destroy(o);
    bench_rmdir(dir);
}

int main(int argc, char **argv)
{
    int quick = bench_quick(argc, argv);
    int rounds = (int)bench_arg(argc, argv, "--rounds", quick ? 20 : 1000);
    int flushes = (int)bench_arg(argc, argv, "--flushes", quick ? 10 : 200);
    batches = (int)bench_arg(argc, argv, "--batches", quick ? 1 : 5);
    long partitions = bench_arg(argc, argv, "--partitions", 1000);
    observer_t obs[NOBS];
    uint64_t id;
    int spin = 0;
    pthread_t spinners[2];
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--spin"))
            spin = 1;

    if (batches < 1 || batches > 64 || rounds < 1 || flushes < 1)
        bench_die("--batches must be 1..64, --rounds and --flushes >= 1");
    bench_print_machine("bench_notify: advance -> notification latency");
    printf("# idle CPUs: %s\n", spin ? "kept busy by SCHED_IDLE spinners "
                                       "(--spin)" : "left idle");
    for (int i = 0; spin && i < 2; i++)
        if (pthread_create(&spinners[i], NULL, spinner, NULL))
            bench_die("pthread_create");
    lsn_tracker_register();
    sem_init(&sub_done, 0, 0);
    tracker = lsn_tracker_open("bench-notify");
    raw_efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (!tracker || raw_efd < 0 || lsn_tracker_eventfd(tracker) < 0)
        bench_die("setup");
    if (lsn_tracker_subscribe(tracker, sub_first, NULL, &id) ||
        lsn_tracker_subscribe(tracker, sub_last, NULL, &id))
        bench_die("subscribe");
    for (int k = 0; k < NOBS; k++) {
        memset(&obs[k], 0, sizeof obs[k]);
        obs[k].kind = k;
        sem_init(&obs[k].go, 0, 0);
        sem_init(&obs[k].ack, 0, 0);
        if (pthread_create(&obs[k].th, NULL, observe, &obs[k]))
            bench_die("pthread_create");
    }
    mechanism(obs, rounds);
    end_to_end(obs, flushes, partitions);
    for (int k = 0; k < NOBS; k++) {
        obs[k].quit = 1;
        sem_post(&obs[k].go);
        pthread_join(obs[k].th, NULL);
    }
    atomic_store(&spin_stop, 1);
    for (int i = 0; spin && i < 2; i++)
        pthread_join(spinners[i], NULL);
    lsn_tracker_close(tracker);
    return 0;
}
