/* Announcing advances: subscribers are called in order under one dispatch
 * mutex, so every subscriber sees each partition rise monotonically and an
 * unsubscribe that holds that mutex knows the callback is not running.
 * Waiters sleep on a futex of their own and an eventfd wakes hosts that
 * poll. None of this is on the path of lsn_tracker_get.
 *
 * A waiter sleeps on the futex word seq, which every wake bumps. Waking
 * costs one atomic increment, plus one FUTEX_WAKE system call only while
 * some thread waits, and a woken waiter re-reads the store at once: no
 * mutex to take on either side, so a woken waiter never queues behind
 * the waker or another waiter (as it did with a condition variable, whose
 * broadcast wakes every waiter into the same mutex). */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "notify.h"

typedef struct sub {
    uint64_t id;
    lsn_tracker_advance_fn fn; /* NULL once cancelled */
    void *arg;
} sub_t;

struct lsn_notify {
    pthread_mutex_t dispatch_mu; /* announcers and the subscriber list */
    sub_t *subs;
    size_t nsubs, capsubs;
    uint64_t next_id;
    int cancelled; /* some subs[] entries have fn == NULL */

    pthread_mutex_t efd_mu; /* creates the eventfd once */
    _Atomic int efd;
    /* Written by every wake, read by sleeping waiters: a line of its own. */
    _Alignas(64) _Atomic uint32_t seq; /* the futex word: bumped per wake */
    _Atomic uint32_t waiters;          /* threads in lsn_notify_wait */
};

static long futex(_Atomic uint32_t *word, int op, uint32_t val,
                  const struct timespec *abs_monotonic)
{
    /* FUTEX_WAIT_BITSET takes an absolute CLOCK_MONOTONIC deadline. */
    return syscall(SYS_futex, (uint32_t *)word, op | FUTEX_PRIVATE_FLAG, val,
                   abs_monotonic, NULL, FUTEX_BITSET_MATCH_ANY);
}

/* The notifier the current thread is dispatching for, if any. Dispatches
 * never nest: from inside a callback, nothing may raise (a raise would
 * dispatch) or block, on any tracker, so two threads calling back into
 * each other's trackers cannot deadlock. */
static _Thread_local const lsn_notify_t *dispatching;

lsn_notify_t *lsn_notify_new(void)
{
    lsn_notify_t *n = aligned_alloc(64, sizeof(lsn_notify_t));

    if (!n)
        return NULL;
    memset(n, 0, sizeof(*n));
    pthread_mutex_init(&n->dispatch_mu, NULL);
    pthread_mutex_init(&n->efd_mu, NULL);
    atomic_init(&n->efd, -1);
    atomic_init(&n->seq, 0);
    atomic_init(&n->waiters, 0);
    n->next_id = 1;
    return n;
}

void lsn_notify_free(lsn_notify_t *n)
{
    if (!n)
        return;
    int fd = atomic_load(&n->efd);
    if (fd >= 0)
        close(fd);
    pthread_mutex_destroy(&n->efd_mu);
    pthread_mutex_destroy(&n->dispatch_mu);
    free(n->subs);
    free(n);
}

static void compact(lsn_notify_t *n)
{
    size_t j = 0;
    for (size_t i = 0; i < n->nsubs; i++)
        if (n->subs[i].fn)
            n->subs[j++] = n->subs[i];
    n->nsubs = j;
    n->cancelled = 0;
}

int lsn_notify_begin(lsn_notify_t *n)
{
    if (dispatching)
        return -1;
    pthread_mutex_lock(&n->dispatch_mu);
    dispatching = n;
    return 0;
}

void lsn_notify_advance(lsn_notify_t *n, const char *cf, uint64_t partition,
                        uint64_t lsn)
{
    /* By index: a callback may subscribe (and grow subs) meanwhile. */
    for (size_t i = 0; i < n->nsubs; i++) {
        lsn_tracker_advance_fn fn = n->subs[i].fn;
        if (fn)
            fn(n->subs[i].arg, cf, partition, lsn);
    }
}

void lsn_notify_end(lsn_notify_t *n)
{
    if (n->cancelled)
        compact(n);
    dispatching = NULL;
    pthread_mutex_unlock(&n->dispatch_mu);
}

void lsn_notify_wake(lsn_notify_t *n)
{
    int fd = atomic_load_explicit(&n->efd, memory_order_acquire);

    /* The raise is in the store already. A waiter counts itself before it
     * reads seq and the store, and the kernel sleeps it only while seq
     * still holds what it read; we bump seq before we read the count. With
     * both orders sequentially consistent, either the waiter sees the new
     * value (or seq) or we see the waiter and wake it. */
    atomic_fetch_add(&n->seq, 1);
    if (atomic_load(&n->waiters))
        futex(&n->seq, FUTEX_WAKE, INT_MAX, NULL);
    if (fd >= 0) {
        uint64_t one = 1;
        /* EAGAIN means the counter is saturated: already readable. */
        while (write(fd, &one, sizeof(one)) < 0 && errno == EINTR)
            ;
    }
}

int lsn_notify_in_any_callback(void)
{
    return dispatching != NULL;
}

/* Takes dispatch_mu unless this thread holds it already (inside n's own
 * callback: 0, nothing taken). Inside another notifier's callback it only
 * tries: waiting there could deadlock with a thread doing the mirror image.
 * Returns 1 if taken, 0 if held already, -1 if refused. */
static int enter(lsn_notify_t *n)
{
    if (dispatching == n)
        return 0;
    if (!dispatching) {
        pthread_mutex_lock(&n->dispatch_mu);
        return 1;
    }
    return pthread_mutex_trylock(&n->dispatch_mu) == 0 ? 1 : -1;
}

int lsn_notify_wait(lsn_notify_t *n, const lsn_store_t *s, const char *cf,
                    uint64_t partition, uint64_t target, int64_t timeout_ms,
                    uint64_t *lsn)
{
    struct timespec deadline;
    uint64_t cur = 0;
    int rc = LSN_TRACKER_OK;

    if (timeout_ms > 0) {
        clock_gettime(CLOCK_MONOTONIC, &deadline);
        deadline.tv_sec += timeout_ms / 1000;
        deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
        if (deadline.tv_nsec >= 1000000000L) {
            deadline.tv_sec++;
            deadline.tv_nsec -= 1000000000L;
        }
    }
    atomic_fetch_add(&n->waiters, 1);
    for (;;) {
        uint32_t seen = atomic_load(&n->seq);
        if (lsn_store_get(s, cf, partition, &cur) == LSN_TRACKER_OK &&
            cur >= target)
            break;
        if (timeout_ms == 0) {
            rc = LSN_TRACKER_TIMEOUT;
            break;
        }
        /* Returns at once if seq moved since we read it (EAGAIN), on a
         * wake, a signal (EINTR) or the deadline; each is re-checked. */
        if (futex(&n->seq, FUTEX_WAIT_BITSET, seen,
                  timeout_ms > 0 ? &deadline : NULL) != 0 &&
            errno == ETIMEDOUT) {
            if (lsn_store_get(s, cf, partition, &cur) == LSN_TRACKER_OK &&
                cur >= target)
                break;
            rc = LSN_TRACKER_TIMEOUT;
            break;
        }
    }
    atomic_fetch_sub(&n->waiters, 1);
    if (rc == LSN_TRACKER_OK && lsn)
        *lsn = cur;
    return rc;
}

int lsn_notify_subscribe(lsn_notify_t *n, lsn_tracker_advance_fn fn, void *arg,
                         uint64_t *id)
{
    int took = enter(n), rc = LSN_TRACKER_OK;

    if (took < 0)
        return LSN_TRACKER_EINVAL;
    if (n->nsubs == n->capsubs) {
        size_t cap = n->capsubs ? n->capsubs * 2 : 4;
        sub_t *s = realloc(n->subs, cap * sizeof(*s));
        if (!s) {
            rc = LSN_TRACKER_ENOMEM;
            goto out;
        }
        n->subs = s;
        n->capsubs = cap;
    }
    n->subs[n->nsubs].id = n->next_id;
    n->subs[n->nsubs].fn = fn;
    n->subs[n->nsubs].arg = arg;
    n->nsubs++;
    *id = n->next_id++;
out:
    if (took)
        pthread_mutex_unlock(&n->dispatch_mu);
    return rc;
}

int lsn_notify_unsubscribe(lsn_notify_t *n, uint64_t id)
{
    int took = enter(n), rc = LSN_TRACKER_NOT_FOUND;

    /* Taking dispatch_mu waits out a callback running on another thread. */
    if (took < 0)
        return LSN_TRACKER_EINVAL;
    for (size_t i = 0; i < n->nsubs; i++) {
        if (n->subs[i].id == id && n->subs[i].fn) {
            n->subs[i].fn = NULL;
            n->cancelled = 1;
            rc = LSN_TRACKER_OK;
            break;
        }
    }
    if (took) {
        compact(n);
        pthread_mutex_unlock(&n->dispatch_mu);
    }
    return rc;
}

int lsn_notify_eventfd(lsn_notify_t *n)
{
    int fd = atomic_load(&n->efd);
    if (fd >= 0)
        return fd;
    pthread_mutex_lock(&n->efd_mu);
    fd = atomic_load(&n->efd);
    if (fd < 0) {
        fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (fd >= 0)
            atomic_store_explicit(&n->efd, fd, memory_order_release);
    }
    pthread_mutex_unlock(&n->efd_mu);
    return fd >= 0 ? fd : LSN_TRACKER_EIO;
}
