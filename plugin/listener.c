/* What LsnFlushListener does, without C++: find the tracker of the DB an
 * event came from and apply the SST's property to it. A listener with a
 * tracker option binds when configured; one without binds to the DB path
 * at the first event of each DB it serves. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"

typedef struct binding {
    struct binding *next;
    lsn_tracker_t *tracker;
} binding_t;

struct lsn_listener {
    pthread_mutex_t mu;
    lsn_tracker_t *named; /* tracker option set */
    binding_t *by_path;   /* tracker option empty: one per DB path */
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

static void unbind_all(lsn_listener_t *l)
{
    if (l->named) {
        lsn_tracker_listener_bound(l->named, -1, NULL);
        lsn_tracker_close(l->named);
        l->named = NULL;
    }
    while (l->by_path) {
        binding_t *b = l->by_path;
        l->by_path = b->next;
        lsn_tracker_listener_bound(b->tracker, -1, NULL);
        lsn_tracker_close(b->tracker);
        free(b);
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

int lsn_listener_check(const char *name, const char *value, char *err,
                       size_t errlen)
{
    if (!strcmp(name, "property")) {
        if (lsn_property_name_ok(value))
            return 0;
        snprintf(err, errlen,
                 "LsnFlushListener: property: must be 1 to %d printable "
                 "characters without spaces or ;{}=: : '%s'",
                 LSN_PROPERTY_MAX, value);
        return -1;
    }
    if (!strcmp(name, "tracker")) {
        /* Empty means "the DB path"; braces would break options strings. */
        if (strlen(value) <= 4096 && !strpbrk(value, "{};"))
            return 0;
        snprintf(err, errlen,
                 "LsnFlushListener: tracker: must be at most 4096 characters "
                 "without {};: '%s'", value);
        return -1;
    }
    snprintf(err, errlen, "LsnFlushListener: unknown option: '%s'", name);
    return -1;
}

int lsn_listener_configure(lsn_listener_t *l, const char *tracker,
                           const char *property, char *err, size_t errlen)
{
    if (lsn_listener_check("tracker", tracker, err, errlen) ||
        lsn_listener_check("property", property, err, errlen))
        return -1;
    pthread_mutex_lock(&l->mu);
    unbind_all(l);
    strcpy(l->property, property);
    if (*tracker) {
        l->named = lsn_tracker_open(tracker);
        if (!l->named) {
            pthread_mutex_unlock(&l->mu);
            snprintf(err, errlen, "LsnFlushListener: tracker: out of memory: "
                     "'%s'", tracker);
            return -1;
        }
        lsn_tracker_listener_bound(l->named, 1, l->property);
    }
    pthread_mutex_unlock(&l->mu);
    return 0;
}

const char *lsn_listener_property(const lsn_listener_t *l)
{
    return l->property;
}

static lsn_tracker_t *tracker_for(lsn_listener_t *l, const char *db_name)
{
    lsn_tracker_t *t = NULL;
    binding_t *b;

    pthread_mutex_lock(&l->mu);
    if (l->named) {
        t = l->named;
        goto out;
    }
    for (b = l->by_path; b; b = b->next)
        if (!strcmp(lsn_tracker_name(b->tracker), db_name)) {
            t = b->tracker;
            goto out;
        }
    if ((b = malloc(sizeof(*b))) && (b->tracker = lsn_tracker_open(db_name))) {
        lsn_tracker_listener_bound(b->tracker, 1, l->property);
        b->next = l->by_path;
        l->by_path = b;
        t = b->tracker;
    } else {
        free(b);
    }
out:
    pthread_mutex_unlock(&l->mu);
    return t;
}

void lsn_listener_on_event(lsn_listener_t *l, lsn_event_t ev,
                           const char *db_name, const char *cf,
                           const uint8_t *prop, size_t prop_len,
                           const uint8_t *bad, size_t bad_len)
{
    lsn_tracker_t *t = tracker_for(l, db_name);
    size_t n = 0;

    if (!t)
        return;
    lsn_tracker_count(t, ev == LSN_EVENT_FLUSH ? LSN_C_FLUSHES
                                               : LSN_C_INGESTIONS, 1);
    if (bad)
        lsn_tracker_count_bad(t, bad, bad_len);
    if (prop && lsn_tracker_apply_property(t, cf, prop, prop_len, &n) ==
                    LSN_TRACKER_OK &&
        n > 0 && ev == LSN_EVENT_FLUSH)
        lsn_tracker_count(t, LSN_C_FLUSHES_WITH_LSN, 1);
}
