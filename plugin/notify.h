/* Announcing advances: subscribers, waiters and the eventfd. Internal to the
 * library. */
#ifndef LSN_NOTIFY_H
#define LSN_NOTIFY_H

#include "store.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct lsn_notify lsn_notify_t;
lsn_notify_t *lsn_notify_new(void);
void lsn_notify_free(lsn_notify_t *n);
/* Serialises announcers so subscribers see each partition rise in order.
 * -1, nothing taken, if the calling thread is inside a callback. */
int lsn_notify_begin(lsn_notify_t *n);
void lsn_notify_advance(lsn_notify_t *n, const char *cf,
                                   uint64_t partition, uint64_t lsn);
/* Wakes waiters and the eventfd after watermarks were raised. */
void lsn_notify_wake(lsn_notify_t *n);
void lsn_notify_end(lsn_notify_t *n);
/* Nonzero if the calling thread is inside a subscriber callback. */
int lsn_notify_in_any_callback(void);
/* Waits on n until s holds at least target for (cf, partition). */
int lsn_notify_wait(lsn_notify_t *n, const lsn_store_t *s,
                               const char *cf, uint64_t partition,
                               uint64_t target, int64_t timeout_ms,
                               uint64_t *lsn);
int lsn_notify_subscribe(lsn_notify_t *n, lsn_tracker_advance_fn fn,
                                    void *arg, uint64_t *id);
int lsn_notify_unsubscribe(lsn_notify_t *n, uint64_t id);
int lsn_notify_eventfd(lsn_notify_t *n);

#ifdef __cplusplus
}
#endif
#endif
