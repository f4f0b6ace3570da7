/* Trackers: named, reference-counted, one database incarnation at a time.
 * Internal to the library. */
#ifndef LSN_TRACKER_INTERNAL_H
#define LSN_TRACKER_INTERNAL_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The open database behind an event or a recovery, as RocksDB tells it. */
typedef struct lsn_db_ident {
    const char *session; /* DB::GetDbSessionId: new at every open */
    const char *path;    /* DB::GetName */
    const void *key;     /* the DB's own default column family handle: RocksDB
                            deletes it at close, and listeners see that */
    int supervised;      /* a LsnFlushListener serves the DB, so its close
                            will be seen */
} lsn_db_ident_t;

/* Binds t to the database db: the same incarnation as before, or a new one
 * when the tracker serves no open database (what was seeded since the last
 * close stays) or an unsupervised one (forgotten). *ticket identifies the
 * incarnation for applies.
 * LSN_TRACKER_EBUSY if t serves another open database (counted). */
int lsn_tracker_bind(lsn_tracker_t *t, const lsn_db_ident_t *db,
                                uint64_t *ticket);
/* The current incarnation, for applies not tied to an event (seed). */
uint64_t lsn_tracker_ticket(lsn_tracker_t *t);
/* The database whose default handle is key is closing: every tracker bound
 * to it forgets its watermarks. */
void lsn_tracker_db_closed(const void *key);
/* A handle of column family cf (ID cf_id) of the database key was deleted,
 * as after a drop: trackers bound to that database forget the family. */
void lsn_tracker_cf_gone(const void *key, const char *cf,
                                    uint32_t cf_id);
/* Keeps the entries (malloc'ed; taken over) of a flush refused as unsafe
 * until a flush of every family that began after it arrived. */
void lsn_tracker_stash(lsn_tracker_t *t, uint64_t ticket,
                                  const char *cf, uint32_t cf_id,
                                  lsn_entry_t *e, size_t n);
#define LSN_FLUSH_MARKS 16
typedef struct lsn_flush_mark {
    size_t n;
    lsn_tracker_t *t[LSN_FLUSH_MARKS];
    uint64_t ticket[LSN_FLUSH_MARKS], mark[LSN_FLUSH_MARKS];
} lsn_flush_mark_t;
/* Around a flush of every family of the database key: what was stashed
 * before begin is applied at end if flushed is set. */
void lsn_tracker_flush_begin(const void *key, lsn_flush_mark_t *m);
void lsn_tracker_flush_end(lsn_flush_mark_t *m, int flushed);
/* Applies a batch of (partition, lsn) of one column family within the
 * incarnation ticket: raises, counts and announces. An event of an older
 * incarnation or of a dropped family (lower ID) is counted and ignored.
 * cf_id may be LSN_CF_ID_UNKNOWN. Returns a status. */
int lsn_tracker_apply(lsn_tracker_t *t, uint64_t ticket,
                                 const char *cf, uint32_t cf_id,
                                 const lsn_entry_t *e, size_t n);
/* Opens without checking the name: default names are DB paths. */
lsn_tracker_t *lsn_tracker_open_any(const char *name);
void lsn_tracker_retain(lsn_tracker_t *t);
void lsn_tracker_listener_bound(lsn_tracker_t *t, int delta,
                                           const char *property);
/* Copies the property name recovery reads (the bound listener's). */
void lsn_tracker_property(lsn_tracker_t *t,
                                     char out[LSN_PROPERTY_MAX + 1]);
const char *lsn_tracker_name(const lsn_tracker_t *t);

enum lsn_counter {
    LSN_C_FLUSHES,
    LSN_C_FLUSHES_WITH_LSN,
    LSN_C_INGESTIONS,
    LSN_C_CORRUPT,
    LSN_C_BAD_VALUES,
    LSN_C_RECOVERED_FILES,
    LSN_C_RECOVERED_BAD_VALUES,
    LSN_C_CONFLICTS,
    LSN_C_FOREIGN,
    LSN_C_INGEST_REFUSED,
    LSN_C_UNSAFE_FLUSHES,
    LSN_C_STALE,
    LSN_C_SCANNED,
    LSN_C_UNSCANNED,
    LSN_C_FORCED,
    LSN_C_COUNT
};
void lsn_tracker_count(lsn_tracker_t *t, enum lsn_counter c,
                                  uint64_t n);
/* Counts a "<property>.bad_values" companion property into c. */
void lsn_tracker_count_bad(lsn_tracker_t *t, enum lsn_counter c,
                                      const uint8_t *bad, size_t bad_len);

#ifdef __cplusplus
}
#endif
#endif
