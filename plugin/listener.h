/* What LsnFlushListener does, minus C++. Internal to the library. */
#ifndef LSN_LISTENER_H
#define LSN_LISTENER_H

#include "names.h"
#include "tracker.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct lsn_listener lsn_listener_t;
lsn_listener_t *lsn_listener_new(void);
void lsn_listener_free(lsn_listener_t *l);
/* The options of LsnFlushListener. */
typedef struct lsn_listener_opts {
    char tracker[LSN_TRACKER_NAME_MAX + 1]; /* "" = by DB path */
    char property[LSN_PROPERTY_MAX + 1];
    uint64_t max_lag_ms; /* 0 = no bound (see lag.h) */
} lsn_listener_opts_t;
void lsn_listener_opts_init(lsn_listener_opts_t *o);
/* Ended by a NULL name; obj is an lsn_listener_opts_t. */
extern const lsn_option_t lsn_listener_options[];
/* Binds to the named tracker now (an empty name: by DB path, per database
 * at its first event). -1 with a message if memory runs out. */
int lsn_listener_configure(lsn_listener_t *l,
                                      const lsn_listener_opts_t *o, char *err,
                                      size_t errlen);

typedef enum { LSN_EVENT_FLUSH, LSN_EVENT_INGEST } lsn_event_t;
/* One committed flush or ingestion, as the adapter read it. */
typedef struct lsn_event_info {
    lsn_event_t kind;
    lsn_db_ident_t db;
    const char *cf;
    uint32_t cf_id;     /* LSN_CF_ID_UNKNOWN where RocksDB does not say */
    int unsafe;         /* a flush that may have left another column
                           family's state behind (atomic_flush) */
    int behind;         /* an ingested file that may lie behind newer data */
    uint64_t layout_fp; /* ingestion: the family's configured layout, 0 if
                           unknown; a property of another is refused */
    const uint8_t *prop, *bad; /* NULL when the file has no such property */
    size_t prop_len, bad_len;
} lsn_event_info_t;
void lsn_listener_on_event(lsn_listener_t *l,
                                      const lsn_event_info_t *ev);
/* The listener serves db (recovery tells it before any event), so that the
 * database's close and dropped families reach the trackers bound to it. */
void lsn_listener_saw_db(lsn_listener_t *l, const lsn_db_ident_t *db);
/* A column family handle of a database this listener serves is being
 * deleted: the database's own default handle means the database closes. */
void lsn_listener_on_handle_gone(lsn_listener_t *l,
                                            const void *handle,
                                            const char *cf, uint32_t cf_id);

#ifdef __cplusplus
}
#endif
#endif
