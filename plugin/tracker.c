/* Trackers: named, reference-counted holders of one database's watermarks,
 * found by listeners and hosts through a process-wide registry. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "core.h"

struct lsn_tracker {
    /* Read by every lsn_tracker_get: on a cache line of its own, away from
     * the mutex and counters each raise writes, or readers would miss on
     * it whenever a flush is being applied. */
    lsn_store_t *store;
    _Alignas(64) struct lsn_tracker *next; /* registry list, under registry_mu */
    unsigned refs;            /* under registry_mu */
    char *name;
    pthread_mutex_t mu; /* the single writer of store */
    lsn_notify_t *notify;
    _Atomic uint32_t listeners;
    _Atomic uint64_t counters[LSN_C_RECOVERED_BAD_VALUES + 1];
    _Atomic uint64_t advances;
    _Atomic uint64_t last_advance_us;
    char property[LSN_PROPERTY_MAX + 1]; /* under mu */
};

static pthread_mutex_t registry_mu = PTHREAD_MUTEX_INITIALIZER;
static lsn_tracker_t *registry;

#define CF(cf) ((cf) ? (cf) : "default")

static void tracker_free(lsn_tracker_t *t)
{
    lsn_store_free(t->store);
    lsn_notify_free(t->notify);
    pthread_mutex_destroy(&t->mu);
    free(t->name);
    free(t);
}

lsn_tracker_t *lsn_tracker_open(const char *name)
{
    lsn_tracker_t *t;

    if (!name || !*name)
        return NULL;
    pthread_mutex_lock(&registry_mu);
    for (t = registry; t; t = t->next)
        if (!strcmp(t->name, name))
            break;
    if (t) {
        t->refs++;
    } else if ((t = aligned_alloc(64, sizeof(*t)))) {
        memset(t, 0, sizeof(*t));
        t->name = strdup(name);
        t->store = lsn_store_new();
        t->notify = lsn_notify_new();
        if (!t->name || !t->store || !t->notify) {
            lsn_store_free(t->store);
            lsn_notify_free(t->notify);
            free(t->name);
            free(t);
            t = NULL;
        } else {
            pthread_mutex_init(&t->mu, NULL);
            strcpy(t->property, LSN_DEFAULT_PROPERTY);
            t->refs = 1;
            t->next = registry;
            registry = t;
        }
    }
    pthread_mutex_unlock(&registry_mu);
    return t;
}

void lsn_tracker_retain(lsn_tracker_t *t)
{
    pthread_mutex_lock(&registry_mu);
    t->refs++;
    pthread_mutex_unlock(&registry_mu);
}

void lsn_tracker_close(lsn_tracker_t *t)
{
    lsn_tracker_t **pp;

    if (!t)
        return;
    pthread_mutex_lock(&registry_mu);
    if (--t->refs > 0) {
        pthread_mutex_unlock(&registry_mu);
        return;
    }
    for (pp = &registry; *pp; pp = &(*pp)->next)
        if (*pp == t) {
            *pp = t->next;
            break;
        }
    pthread_mutex_unlock(&registry_mu);
    tracker_free(t);
}

int lsn_tracker_get(const lsn_tracker_t *t, const char *cf, uint64_t partition,
                    uint64_t *lsn)
{
    if (!t || !lsn)
        return LSN_TRACKER_EINVAL;
    return lsn_store_get(t->store, CF(cf), partition, lsn);
}

int lsn_tracker_apply(lsn_tracker_t *t, const char *cf, const lsn_entry_t *e,
                      size_t n)
{
    enum { CHUNK = 256 };
    uint8_t raised[CHUNK];
    int rc = LSN_TRACKER_OK;
    struct timeval tv;

    lsn_notify_begin(t->notify);
    for (size_t base = 0; base < n; base += CHUNK) {
        size_t m = n - base < CHUNK ? n - base : CHUNK, advanced = 0;

        pthread_mutex_lock(&t->mu);
        for (size_t i = 0; i < m; i++) {
            int r = lsn_store_raise(t->store, cf, e[base + i].partition,
                                    e[base + i].lsn);
            if (r < 0)
                rc = LSN_TRACKER_ENOMEM;
            raised[i] = r > 0;
            advanced += r > 0;
        }
        pthread_mutex_unlock(&t->mu);
        if (!advanced)
            continue;
        gettimeofday(&tv, NULL);
        atomic_fetch_add(&t->advances, (uint64_t)advanced);
        atomic_store(&t->last_advance_us,
                     (uint64_t)tv.tv_sec * 1000000u + (uint64_t)tv.tv_usec);
        /* Waiters and pollers first: they need not wait for subscribers. */
        lsn_notify_wake(t->notify);
        for (size_t i = 0; i < m; i++)
            if (raised[i])
                lsn_notify_advance(t->notify, cf, e[base + i].partition,
                                   e[base + i].lsn);
    }
    lsn_notify_end(t->notify);
    return rc;
}

void lsn_tracker_count_bad(lsn_tracker_t *t, const uint8_t *bad,
                           size_t bad_len)
{
    uint64_t nbad;

    if (lsn_prop_decode_count(bad, bad_len, &nbad) == LSN_TRACKER_OK)
        lsn_tracker_count(t, LSN_C_BAD_VALUES, nbad);
    else
        lsn_tracker_count(t, LSN_C_CORRUPT, 1);
}

int lsn_tracker_apply_property(lsn_tracker_t *t, const char *cf,
                               const uint8_t *prop, size_t len,
                               size_t *entries)
{
    lsn_entry_t *e;
    size_t n;
    int rc;

    rc = lsn_prop_decode(prop, len, &e, &n);
    if (entries)
        *entries = rc == LSN_TRACKER_OK ? n : 0;
    if (rc == LSN_TRACKER_ECORRUPT)
        lsn_tracker_count(t, LSN_C_CORRUPT, 1);
    if (rc != LSN_TRACKER_OK)
        return rc;
    rc = lsn_tracker_apply(t, cf, e, n);
    free(e);
    return rc;
}

int lsn_tracker_seed(lsn_tracker_t *t, const char *cf, uint64_t partition,
                     uint64_t lsn)
{
    lsn_entry_t e = {partition, lsn};

    /* Re-entering the dispatcher from a subscriber would deadlock. */
    if (!t || lsn_notify_in_callback(t->notify))
        return LSN_TRACKER_EINVAL;
    return lsn_tracker_apply(t, CF(cf), &e, 1);
}

int lsn_tracker_foreach(const lsn_tracker_t *t, lsn_tracker_visit_fn fn,
                        void *arg)
{
    if (!t || !fn)
        return LSN_TRACKER_EINVAL;
    return lsn_store_foreach(t->store, fn, arg);
}

void lsn_tracker_count(lsn_tracker_t *t, enum lsn_counter c, uint64_t n)
{
    atomic_fetch_add_explicit(&t->counters[c], n, memory_order_relaxed);
}

void lsn_tracker_listener_bound(lsn_tracker_t *t, int delta,
                                const char *property)
{
    if (delta > 0) {
        atomic_fetch_add(&t->listeners, 1);
        pthread_mutex_lock(&t->mu);
        strcpy(t->property, property);
        pthread_mutex_unlock(&t->mu);
    } else {
        atomic_fetch_sub(&t->listeners, 1);
    }
}

void lsn_tracker_property(lsn_tracker_t *t, char out[LSN_PROPERTY_MAX + 1])
{
    pthread_mutex_lock(&t->mu);
    memcpy(out, t->property, sizeof(t->property));
    pthread_mutex_unlock(&t->mu);
}

const char *lsn_tracker_name(const lsn_tracker_t *t)
{
    return t->name;
}

int lsn_tracker_stats(const lsn_tracker_t *t, lsn_tracker_stats_t *out)
{
    lsn_tracker_stats_t s;
    lsn_tracker_t *m = (lsn_tracker_t *)t;

    if (!t || !out || out->size < sizeof(uint32_t))
        return LSN_TRACKER_EINVAL;
    memset(&s, 0, sizeof(s));
    s.size = out->size < sizeof(s) ? out->size : (uint32_t)sizeof(s);
    s.listeners = atomic_load(&m->listeners);
    s.flushes = atomic_load(&m->counters[LSN_C_FLUSHES]);
    s.flushes_with_lsn = atomic_load(&m->counters[LSN_C_FLUSHES_WITH_LSN]);
    s.ingestions = atomic_load(&m->counters[LSN_C_INGESTIONS]);
    s.advances = atomic_load(&m->advances);
    s.corrupt_properties = atomic_load(&m->counters[LSN_C_CORRUPT]);
    s.bad_values = atomic_load(&m->counters[LSN_C_BAD_VALUES]);
    s.entries = lsn_store_entries(m->store);
    s.last_advance_unix_us = atomic_load(&m->last_advance_us);
    s.recovered_files = atomic_load(&m->counters[LSN_C_RECOVERED_FILES]);
    s.recovered_bad_values =
        atomic_load(&m->counters[LSN_C_RECOVERED_BAD_VALUES]);
    memcpy(out, &s, s.size);
    return LSN_TRACKER_OK;
}

int lsn_tracker_wait(lsn_tracker_t *t, const char *cf, uint64_t partition,
                     uint64_t target, int64_t timeout_ms, uint64_t *lsn)
{
    int rc;

    if (!t)
        return LSN_TRACKER_EINVAL;
    /* A wait inside a subscriber would hold up the very announcement. */
    if (timeout_ms != 0 && lsn_notify_in_callback(t->notify))
        return LSN_TRACKER_EINVAL;
    lsn_tracker_retain(t);
    rc = lsn_notify_wait(t->notify, t, CF(cf), partition, target, timeout_ms,
                         lsn);
    lsn_tracker_close(t);
    return rc;
}

int lsn_tracker_subscribe(lsn_tracker_t *t, lsn_tracker_advance_fn fn,
                          void *arg, uint64_t *subscription)
{
    if (!t || !fn || !subscription)
        return LSN_TRACKER_EINVAL;
    return lsn_notify_subscribe(t->notify, fn, arg, subscription);
}

int lsn_tracker_unsubscribe(lsn_tracker_t *t, uint64_t subscription)
{
    if (!t)
        return LSN_TRACKER_EINVAL;
    return lsn_notify_unsubscribe(t->notify, subscription);
}

int lsn_tracker_eventfd(lsn_tracker_t *t)
{
    if (!t)
        return LSN_TRACKER_EINVAL;
    return lsn_notify_eventfd(t->notify);
}
