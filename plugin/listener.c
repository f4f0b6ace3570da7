/* What LsnFlushListener does, without C++: find the tracker of the database
 * an event came from, decide whether the event may raise it, and apply the
 * SST's property. A listener with a tracker option serves that tracker; one
 * without serves a tracker named by each database's path. A listener may
 * serve several databases (one options object, many opens): it keeps one
 * binding per open database and drops it when that database closes. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "listener.h"
#include "names.h"
#include "property.h"

typedef struct binding {
    struct binding *next;
    const void *key; /* the database's own default column family handle */
    char *session;
    lsn_tracker_t *tracker;
} binding_t;

struct lsn_listener {
    pthread_mutex_t mu;
    lsn_tracker_t *named; /* tracker option set */
    binding_t *dbs;       /* databases served now */
    char property[LSN_PROPERTY_MAX + 1];
};

lsn_listener_t *lsn_listener_new(void)
{
    lsn_listener_t *l = calloc(1, sizeof(*l));
    if (!l)
        return NULL;
    pthread_mutex_init(&l->mu, NULL);
    strcpy(l->property, LSN_DEFAULT_PROPERTY);
    return l;
}

static void release(lsn_listener_t *l, binding_t *b)
{
    if (b->tracker != l->named)
        lsn_tracker_listener_bound(b->tracker, -1, NULL);
    lsn_tracker_close(b->tracker);
    free(b->session);
    free(b);
}

static void unbind_all(lsn_listener_t *l)
{
    while (l->dbs) {
        binding_t *b = l->dbs;
        l->dbs = b->next;
        release(l, b);
    }
    if (l->named) {
        lsn_tracker_listener_bound(l->named, -1, NULL);
        lsn_tracker_close(l->named);
        l->named = NULL;
    }
}

void lsn_listener_free(lsn_listener_t *l)
{
    if (!l)
        return;
    unbind_all(l);
    pthread_mutex_destroy(&l->mu);
    free(l);
}

void lsn_listener_opts_init(lsn_listener_opts_t *o)
{
    o->tracker[0] = 0;
    strcpy(o->property, LSN_DEFAULT_PROPERTY);
    o->max_lag_ms = 0;
}

#define O ((lsn_listener_opts_t *)obj)
#define CO ((const lsn_listener_opts_t *)obj)

static int set_tracker(void *obj, const char *v, char *err, size_t errlen)
{
    /* Empty means "the DB path". */
    if (*v && lsn_tracker_name_check("LsnFlushListener", v, err, errlen))
        return -1;
    strcpy(O->tracker, v);
    return 0;
}

static int set_property(void *obj, const char *v, char *err, size_t errlen)
{
    if (lsn_property_name_check("LsnFlushListener", v, err, errlen))
        return -1;
    strcpy(O->property, v);
    return 0;
}

static void get_tracker(const void *obj, char *out, size_t n)
{
    snprintf(out, n, "%s", CO->tracker);
}

static void get_property(const void *obj, char *out, size_t n)
{
    snprintf(out, n, "%s", CO->property);
}

static int set_max_lag(void *obj, const char *v, char *err, size_t errlen)
{
    uint64_t ms = 0;
    const char *p = v;

    /* Plain decimal milliseconds, at most a day. */
    for (; *p >= '0' && *p <= '9' && ms <= 86400000; p++)
        ms = ms * 10 + (uint64_t)(*p - '0');
    if (!*v || *p || ms > 86400000) {
        snprintf(err, errlen,
                 "LsnFlushListener: max_lag_ms: not a number of milliseconds "
                 "from 0 to 86400000: '%s'", v);
        return -1;
    }
    O->max_lag_ms = ms;
    return 0;
}

static void get_max_lag(const void *obj, char *out, size_t n)
{
    snprintf(out, n, "%llu", (unsigned long long)CO->max_lag_ms);
}

const lsn_option_t lsn_listener_options[] = {
    {"tracker", set_tracker, get_tracker},
    {"property", set_property, get_property},
    {"max_lag_ms", set_max_lag, get_max_lag},
    {NULL, NULL, NULL},
};

int lsn_listener_configure(lsn_listener_t *l, const lsn_listener_opts_t *o,
                           char *err, size_t errlen)
{
    pthread_mutex_lock(&l->mu);
    unbind_all(l);
    strcpy(l->property, o->property);
    if (o->tracker[0]) {
        l->named = lsn_tracker_open_any(o->tracker);
        if (!l->named) {
            pthread_mutex_unlock(&l->mu);
            snprintf(err, errlen, "LsnFlushListener: tracker: out of memory: "
                     "'%s'", o->tracker);
            return -1;
        }
        lsn_tracker_listener_bound(l->named, 1, l->property);
    }
    pthread_mutex_unlock(&l->mu);
    return 0;
}

/* The tracker serving db, with the binding made on first sight; NULL if
 * memory ran out. */
static lsn_tracker_t *tracker_for(lsn_listener_t *l, const lsn_db_ident_t *db)
{
    binding_t *b, **pp;
    lsn_tracker_t *t = NULL;

    pthread_mutex_lock(&l->mu);
    for (pp = &l->dbs; (b = *pp);) {
        if (b->key == db->key && !strcmp(b->session, db->session)) {
            t = b->tracker;
            goto out;
        }
        if (b->key == db->key) { /* a closed database's address, reused */
            *pp = b->next;
            release(l, b);
            continue;
        }
        pp = &b->next;
    }
    if (!(b = calloc(1, sizeof(*b))) || !(b->session = strdup(db->session))) {
        free(b);
        goto out;
    }
    if (l->named) {
        lsn_tracker_retain(l->named);
        b->tracker = l->named;
    } else if ((b->tracker = lsn_tracker_open_any(db->path))) {
        lsn_tracker_listener_bound(b->tracker, 1, l->property);
    } else {
        free(b->session);
        free(b);
        goto out;
    }
    b->key = db->key;
    b->next = l->dbs;
    l->dbs = b;
    t = b->tracker;
out:
    pthread_mutex_unlock(&l->mu);
    return t;
}

void lsn_listener_saw_db(lsn_listener_t *l, const lsn_db_ident_t *db)
{
    lsn_tracker_t *t = tracker_for(l, db);
    uint64_t ticket;

    if (t)
        lsn_tracker_bind(t, db, &ticket);
}

void lsn_listener_on_handle_gone(lsn_listener_t *l, const void *handle,
                                 const char *cf, uint32_t cf_id)
{
    binding_t *b, **pp;
    int closing = 0;

    pthread_mutex_lock(&l->mu);
    for (pp = &l->dbs; (b = *pp);) {
        if (b->key == handle) {
            closing = 1;
            *pp = b->next;
            release(l, b);
            continue;
        }
        pp = &b->next;
    }
    if (closing) {
        lsn_tracker_db_closed(handle);
    } else {
        /* A handle does not say which database it belongs to: every
         * database served forgets the family, which only makes it lag. */
        for (b = l->dbs; b; b = b->next)
            lsn_tracker_cf_gone(b->key, cf, cf_id);
    }
    pthread_mutex_unlock(&l->mu);
}

/* Why an event may not raise, or 0. */
static int refused(const lsn_event_info_t *ev, const lsn_prop_t *p)
{
    if (ev->unsafe)
        return LSN_C_UNSAFE_FLUSHES;
    if (ev->kind == LSN_EVENT_INGEST && ev->behind)
        return LSN_C_INGEST_REFUSED;
    /* A flush's property comes from the family's own collector; an
     * ingested file's from whatever wrote it. */
    if (ev->kind == LSN_EVENT_INGEST &&
        (p->version < 2 || !ev->layout_fp || p->fingerprint != ev->layout_fp))
        return LSN_C_FOREIGN;
    return 0;
}

void lsn_listener_on_event(lsn_listener_t *l, const lsn_event_info_t *ev)
{
    lsn_tracker_t *t = tracker_for(l, &ev->db);
    lsn_prop_t p;
    uint64_t ticket;
    int why;

    if (!t || lsn_tracker_bind(t, &ev->db, &ticket) != LSN_TRACKER_OK)
        return;
    lsn_tracker_count(t, ev->kind == LSN_EVENT_FLUSH ? LSN_C_FLUSHES
                                                    : LSN_C_INGESTIONS, 1);
    if (ev->bad)
        lsn_tracker_count_bad(t, LSN_C_BAD_VALUES, ev->bad, ev->bad_len);
    if (!ev->prop) {
        if (ev->unsafe)
            lsn_tracker_count(t, LSN_C_UNSAFE_FLUSHES, 1);
        return;
    }
    if (lsn_prop_decode(ev->prop, ev->prop_len, &p) != LSN_TRACKER_OK) {
        lsn_tracker_count(t, LSN_C_CORRUPT, 1);
        return;
    }
    if ((why = refused(ev, &p))) {
        lsn_tracker_count(t, (enum lsn_counter)why, 1);
        /* lsn_tracker_flush_all can make it safe later. */
        if (why == LSN_C_UNSAFE_FLUSHES) {
            lsn_tracker_stash(t, ticket, ev->cf, ev->cf_id, p.entries, p.n);
            p.entries = NULL;
        }
    } else if (lsn_tracker_apply(t, ticket, ev->cf, ev->cf_id, p.entries, p.n) ==
                 LSN_TRACKER_OK &&
             p.n > 0 && ev->kind == LSN_EVENT_FLUSH)
        lsn_tracker_count(t, LSN_C_FLUSHES_WITH_LSN, 1);
    free(p.entries);
}
