/* Trackers: named, reference-counted holders of one database's watermarks,
 * found by listeners and hosts through a process-wide registry.
 *
 * A tracker serves one incarnation of one open database at a time: the
 * database as RocksDB's session identifies it, each column family by ID.
 * When that database closes, or a family is dropped, what the tracker knew
 * of it is forgotten, so nothing of an old incarnation is ever reported for
 * a new one; recovery rebuilds from the new one's live files. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "names.h"
#include "notify.h"
#include "property.h"
#include "store.h"
#include "tracker.h"

/* A flush refused as unsafe keeps what it held here until a flush of every
 * family that began after it arrived makes it safe. */
typedef struct stashed {
    struct stashed *next;
    uint64_t mark; /* stash_mark when it arrived */
    uint32_t cf_id;
    size_t n;
    lsn_entry_t *e;
    char cf[];
} stashed_t;

typedef struct cf_id {
    char *name;
    uint32_t id; /* LSN_CF_ID_UNKNOWN until an event names it */
} cf_id_t;

struct lsn_tracker {
    /* Read by every lsn_tracker_get: on a cache line of its own, away from
     * the mutex and counters each raise writes, or readers would miss on
     * it whenever a flush is being applied. */
    lsn_store_t *store;
    _Alignas(64) struct lsn_tracker *next; /* registry list, under registry_mu */
    unsigned refs;            /* under registry_mu */
    char *name;
    pthread_mutex_t mu; /* the single writer of store; guards what follows */
    char *session, *path;     /* the database served, NULL before any */
    const void *key;
    int supervised;
    cf_id_t *cfs;
    size_t ncfs, capcfs;
    stashed_t *stash;
    uint64_t stash_mark;
    char property[LSN_PROPERTY_MAX + 1];
    lsn_notify_t *notify;
    _Atomic uint32_t open;
    _Atomic uint64_t incarnation; /* databases served */
    _Atomic uint64_t generation;  /* changes at every bind and close: the
                                     ticket that applies must still hold */
    _Atomic uint32_t listeners;
    _Atomic uint64_t counters[LSN_C_COUNT];
    _Atomic uint64_t advances;
    _Atomic uint64_t last_advance_us;
};

static pthread_mutex_t registry_mu = PTHREAD_MUTEX_INITIALIZER;
static lsn_tracker_t *registry;

#define CF(cf) ((cf) ? (cf) : "default")

static void forget_cfs(lsn_tracker_t *t)
{
    for (size_t i = 0; i < t->ncfs; i++)
        free(t->cfs[i].name);
    t->ncfs = 0;
}

static void drop_stash(lsn_tracker_t *t)
{
    while (t->stash) {
        stashed_t *x = t->stash;
        t->stash = x->next;
        free(x->e);
        free(x);
    }
}

static void tracker_free(lsn_tracker_t *t)
{
    drop_stash(t);
    lsn_store_free(t->store);
    lsn_notify_free(t->notify);
    pthread_mutex_destroy(&t->mu);
    forget_cfs(t);
    free(t->cfs);
    free(t->session);
    free(t->path);
    free(t->name);
    free(t);
}

static lsn_tracker_t *tracker_new(const char *name)
{
    lsn_tracker_t *t = aligned_alloc(64, sizeof(*t));

    if (!t)
        return NULL;
    memset(t, 0, sizeof(*t));
    t->name = strdup(name);
    t->store = lsn_store_new();
    t->notify = lsn_notify_new();
    if (!t->name || !t->store || !t->notify) {
        lsn_store_free(t->store);
        lsn_notify_free(t->notify);
        free(t->name);
        free(t);
        return NULL;
    }
    pthread_mutex_init(&t->mu, NULL);
    strcpy(t->property, LSN_DEFAULT_PROPERTY);
    t->refs = 1;
    return t;
}

lsn_tracker_t *lsn_tracker_open_any(const char *name)
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
    } else if ((t = tracker_new(name))) {
        t->next = registry;
        registry = t;
    }
    pthread_mutex_unlock(&registry_mu);
    return t;
}

int lsn_tracker_acquire(const char *name, lsn_tracker_t **out)
{
    if (!out)
        return LSN_TRACKER_EINVAL;
    *out = NULL;
    if (!lsn_tracker_name_ok(name))
        return LSN_TRACKER_EINVAL;
    *out = lsn_tracker_open_any(name);
    return *out ? LSN_TRACKER_OK : LSN_TRACKER_ENOMEM;
}

lsn_tracker_t *lsn_tracker_open(const char *name)
{
    lsn_tracker_t *t;
    return lsn_tracker_acquire(name, &t) == LSN_TRACKER_OK ? t : NULL;
}

/* Under registry_mu. */
static void lsn_tracker_retain_locked(lsn_tracker_t *t)
{
    t->refs++;
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

/* ---- identity ---- */

/* Under mu: ends the incarnation served now; nothing of it stays. */
static void end_incarnation(lsn_tracker_t *t)
{
    lsn_store_clear(t->store);
    forget_cfs(t);
    drop_stash(t);
    free(t->session);
    free(t->path);
    t->session = t->path = NULL;
    t->key = NULL;
    t->supervised = 0;
    atomic_store(&t->open, 0);
    atomic_fetch_add(&t->generation, 1);
}

int lsn_tracker_bind(lsn_tracker_t *t, const lsn_db_ident_t *db,
                     uint64_t *ticket)
{
    int rc = LSN_TRACKER_OK;

    pthread_mutex_lock(&t->mu);
    if (atomic_load(&t->open) && !strcmp(t->session, db->session)) {
        /* The same database; a listener may now be known to serve it. */
        if (db->supervised && !t->supervised) {
            t->supervised = 1;
            t->key = db->key;
        }
    } else if (atomic_load(&t->open) && t->supervised) {
        /* Its close would have been seen: it is still open. */
        lsn_tracker_count(t, LSN_C_CONFLICTS, 1);
        rc = LSN_TRACKER_EBUSY;
    } else {
        char *session = strdup(db->session), *path = strdup(db->path);
        if (!session || !path) {
            free(session);
            free(path);
            rc = LSN_TRACKER_ENOMEM;
        } else {
            /* What a closed database left was forgotten when it closed;
             * what is here now was seeded for this one. */
            if (atomic_load(&t->open))
                end_incarnation(t);
            t->session = session;
            t->path = path;
            t->key = db->key;
            t->supervised = db->supervised;
            atomic_fetch_add(&t->incarnation, 1);
            atomic_store(&t->open, 1);
        }
    }
    *ticket = atomic_load(&t->generation);
    pthread_mutex_unlock(&t->mu);
    return rc;
}

uint64_t lsn_tracker_ticket(lsn_tracker_t *t)
{
    return atomic_load(&t->generation);
}

/* Calls fn on every tracker bound to the database key, under its mutex. */
static void each_bound(const void *key, void (*fn)(lsn_tracker_t *, void *),
                       void *arg)
{
    pthread_mutex_lock(&registry_mu);
    for (lsn_tracker_t *t = registry; t; t = t->next) {
        pthread_mutex_lock(&t->mu);
        if (atomic_load(&t->open) && t->key == key)
            fn(t, arg);
        pthread_mutex_unlock(&t->mu);
    }
    pthread_mutex_unlock(&registry_mu);
}

static void closed(lsn_tracker_t *t, void *arg)
{
    (void)arg;
    end_incarnation(t);
}

void lsn_tracker_db_closed(const void *key)
{
    each_bound(key, closed, NULL);
}

typedef struct gone {
    const char *cf;
    uint32_t id;
} gone_t;

static cf_id_t *find_cf_id(lsn_tracker_t *t, const char *cf)
{
    for (size_t i = 0; i < t->ncfs; i++)
        if (!strcmp(t->cfs[i].name, cf))
            return &t->cfs[i];
    return NULL;
}

static void cf_gone(lsn_tracker_t *t, void *arg)
{
    const gone_t *g = arg;
    cf_id_t *c = find_cf_id(t, g->cf);

    /* The ID stays: a late event of the dropped family is still refused,
     * and a re-created one (a higher ID) starts from nothing. */
    if (c && (c->id == g->id || c->id == LSN_CF_ID_UNKNOWN))
        lsn_store_clear_cf(t->store, g->cf);
}

void lsn_tracker_cf_gone(const void *key, const char *cf, uint32_t cf_id)
{
    gone_t g = {cf, cf_id};
    each_bound(key, cf_gone, &g);
}

/* Under mu: 1 if (cf, cf_id) is the family the tracker knows by that name
 * (a higher ID replaces it: dropped and re-created), 0 if it is an older
 * one, -1 on ENOMEM. */
static int claim_cf(lsn_tracker_t *t, const char *cf, uint32_t cf_id)
{
    cf_id_t *c = find_cf_id(t, cf);

    if (!c) {
        if (t->ncfs == t->capcfs) {
            size_t cap = t->capcfs ? 2 * t->capcfs : 4;
            cf_id_t *n = realloc(t->cfs, cap * sizeof(*n));
            if (!n)
                return -1;
            t->cfs = n;
            t->capcfs = cap;
        }
        if (!(t->cfs[t->ncfs].name = strdup(cf)))
            return -1;
        t->cfs[t->ncfs++].id = cf_id;
        return 1;
    }
    if (cf_id == LSN_CF_ID_UNKNOWN || cf_id == c->id)
        return 1;
    if (c->id != LSN_CF_ID_UNKNOWN && cf_id < c->id)
        return 0;
    if (c->id != LSN_CF_ID_UNKNOWN)
        lsn_store_clear_cf(t->store, cf);
    c->id = cf_id;
    return 1;
}

/* ---- flushes that may have left another family behind ---- */

void lsn_tracker_stash(lsn_tracker_t *t, uint64_t ticket, const char *cf,
                       uint32_t cf_id, lsn_entry_t *e, size_t n)
{
    stashed_t *x = malloc(sizeof(*x) + strlen(cf) + 1);

    pthread_mutex_lock(&t->mu);
    if (x && n && ticket == atomic_load(&t->generation)) {
        strcpy(x->cf, cf);
        x->mark = t->stash_mark;
        x->cf_id = cf_id;
        x->n = n;
        x->e = e;
        x->next = t->stash;
        t->stash = x;
        e = NULL;
        x = NULL;
    }
    pthread_mutex_unlock(&t->mu);
    free(x);
    free(e);
}

static void mark(lsn_tracker_t *t, void *arg)
{
    lsn_flush_mark_t *m = arg;
    if (m->n < LSN_FLUSH_MARKS) {
        lsn_tracker_retain_locked(t);
        m->t[m->n] = t;
        m->ticket[m->n] = atomic_load(&t->generation);
        m->mark[m->n++] = t->stash_mark++;
    }
}

void lsn_tracker_flush_begin(const void *key, lsn_flush_mark_t *m)
{
    m->n = 0;
    each_bound(key, mark, m);
}

void lsn_tracker_flush_end(lsn_flush_mark_t *m, int flushed)
{
    for (size_t i = 0; i < m->n; i++) {
        lsn_tracker_t *t = m->t[i];
        stashed_t *ready = NULL, **pp, *x;

        pthread_mutex_lock(&t->mu);
        for (pp = &t->stash; (x = *pp);) {
            if (flushed && x->mark <= m->mark[i]) {
                *pp = x->next;
                x->next = ready;
                ready = x;
            } else {
                pp = &x->next;
            }
        }
        pthread_mutex_unlock(&t->mu);
        while ((x = ready)) {
            ready = x->next;
            lsn_tracker_apply(t, m->ticket[i], x->cf, x->cf_id, x->e, x->n);
            free(x->e);
            free(x);
        }
        lsn_tracker_close(t);
    }
}

/* ---- raising ---- */

int lsn_tracker_apply(lsn_tracker_t *t, uint64_t ticket, const char *cf,
                      uint32_t cf_id, const lsn_entry_t *e, size_t n)
{
    enum { CHUNK = 256 };
    uint8_t raised[CHUNK];
    int rc = LSN_TRACKER_OK;
    struct timeval tv;

    /* From inside a callback a raise would dispatch again: refused. */
    if (lsn_notify_begin(t->notify) != 0)
        return LSN_TRACKER_EINVAL;
    for (size_t base = 0; base < n; base += CHUNK) {
        size_t m = n - base < CHUNK ? n - base : CHUNK, advanced = 0;
        int mine;

        pthread_mutex_lock(&t->mu);
        /* Checked per chunk: the database may close in between. */
        mine = ticket == atomic_load(&t->generation) ? claim_cf(t, cf, cf_id)
                                                      : 0;
        if (mine <= 0) {
            pthread_mutex_unlock(&t->mu);
            if (mine < 0)
                rc = LSN_TRACKER_ENOMEM;
            else
                lsn_tracker_count(t, LSN_C_STALE, 1);
            break;
        }
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

void lsn_tracker_count_bad(lsn_tracker_t *t, enum lsn_counter c,
                           const uint8_t *bad, size_t bad_len)
{
    uint64_t nbad;

    if (lsn_prop_decode_count(bad, bad_len, &nbad) == LSN_TRACKER_OK)
        lsn_tracker_count(t, c, nbad);
    else
        lsn_tracker_count(t, LSN_C_CORRUPT, 1);
}

int lsn_tracker_seed(lsn_tracker_t *t, const char *cf, uint64_t partition,
                     uint64_t lsn)
{
    lsn_entry_t e = {partition, lsn};

    if (!t)
        return LSN_TRACKER_EINVAL;
    return lsn_tracker_apply(t, lsn_tracker_ticket(t), CF(cf),
                             LSN_CF_ID_UNKNOWN, &e, 1);
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
#define C(x) atomic_load(&m->counters[x])

    if (!t || !out || out->size < sizeof(uint32_t))
        return LSN_TRACKER_EINVAL;
    memset(&s, 0, sizeof(s));
    s.size = out->size < sizeof(s) ? out->size : (uint32_t)sizeof(s);
    s.listeners = atomic_load(&m->listeners);
    s.flushes = C(LSN_C_FLUSHES);
    s.flushes_with_lsn = C(LSN_C_FLUSHES_WITH_LSN);
    s.ingestions = C(LSN_C_INGESTIONS);
    s.advances = atomic_load(&m->advances);
    s.corrupt_properties = C(LSN_C_CORRUPT);
    s.bad_values = C(LSN_C_BAD_VALUES);
    s.entries = lsn_store_entries(m->store);
    s.last_advance_unix_us = atomic_load(&m->last_advance_us);
    s.recovered_files = C(LSN_C_RECOVERED_FILES);
    s.recovered_bad_values = C(LSN_C_RECOVERED_BAD_VALUES);
    s.incarnation = atomic_load(&m->incarnation);
    s.open = atomic_load(&m->open);
    s.conflicts = C(LSN_C_CONFLICTS);
    s.foreign_properties = C(LSN_C_FOREIGN);
    s.ingestions_refused = C(LSN_C_INGEST_REFUSED);
    s.unsafe_flushes = C(LSN_C_UNSAFE_FLUSHES);
    s.stale_events = C(LSN_C_STALE);
    s.scanned_files = C(LSN_C_SCANNED);
    s.unscanned_files = C(LSN_C_UNSCANNED);
    s.forced_flushes = C(LSN_C_FORCED);
#undef C
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
    if (timeout_ms != 0 && lsn_notify_in_any_callback())
        return LSN_TRACKER_EINVAL;
    lsn_tracker_retain(t);
    rc = lsn_notify_wait(t->notify, t->store, CF(cf), partition, target,
                         timeout_ms, lsn);
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

/* ---- column family handles ---- */

/* The handle is the store's record of the family: the store never frees
 * one before the tracker, and forgets a family by clearing it in place. */
int lsn_tracker_cf(lsn_tracker_t *t, const char *cf, lsn_tracker_cf_t **out)
{
    lsn_store_cf_t *c;

    if (!out)
        return LSN_TRACKER_EINVAL;
    *out = NULL;
    if (!t)
        return LSN_TRACKER_EINVAL;
    pthread_mutex_lock(&t->mu); /* the store's single writer */
    c = lsn_store_cf(t->store, CF(cf));
    pthread_mutex_unlock(&t->mu);
    if (!c)
        return LSN_TRACKER_ENOMEM;
    *out = c;
    return LSN_TRACKER_OK;
}

int lsn_tracker_cf_get(const lsn_tracker_cf_t *h, uint64_t partition,
                       uint64_t *lsn)
{
    if (!h || !lsn)
        return LSN_TRACKER_EINVAL;
    return lsn_store_cf_get(h, partition, lsn);
}
