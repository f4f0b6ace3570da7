/* Internal interfaces of the C core. Nothing here is exported. */
#ifndef LSN_CORE_H
#define LSN_CORE_H

#include <stddef.h>
#include <stdint.h>

#include "lsn_tracker.h"

#ifdef __cplusplus
extern "C" {
#endif

#define LSN_HIDDEN __attribute__((visibility("hidden")))

#define LSN_DEFAULT_PROPERTY "lsn.max_applied"
#define LSN_BAD_VALUES_SUFFIX ".bad_values"
#define LSN_AFFIX_MAX 256
#define LSN_PROPERTY_MAX 200
#define LSN_TRACKER_NAME_MAX 4096
#define LSN_VALUE_OFFSET_MAX 65536
#define LSN_PROP_VERSION 2
#define LSN_CF_ID_UNKNOWN UINT32_MAX

/* ---- varint.c: LEB128 ---- */
/* Appends v to out (at least 10 bytes free); returns bytes written. */
LSN_HIDDEN size_t lsn_varint_put(uint8_t *out, uint64_t v);
/* Decodes one LEB128 from [p, end). Returns bytes consumed, 0 on truncation
 * or overflow. With strict set, non-minimal encodings are refused too. */
LSN_HIDDEN size_t lsn_varint_get(const uint8_t *p, const uint8_t *end,
                                 uint64_t *v, int strict);

/* ---- layout.c: which keys are applied-LSN keys, how values decode ---- */
typedef enum {
    LSN_FMT_U64BE = 0,
    LSN_FMT_U64LE,
    LSN_FMT_VARINT,
    LSN_FMT_DECIMAL
} lsn_format_t;

typedef struct lsn_layout {
    uint8_t prefix[LSN_AFFIX_MAX];
    size_t prefix_len;
    uint8_t suffix[LSN_AFFIX_MAX];
    size_t suffix_len;
    unsigned partition_bytes;
    lsn_format_t format;
    size_t value_offset;
    char property[LSN_PROPERTY_MAX + 1];
} lsn_layout_t;

/* Matching outcome of one key/value pair. */
typedef enum {
    LSN_KEY_OTHER = 0, /* not an applied-LSN key */
    LSN_KEY_LSN,       /* applied-LSN key, value decoded */
    LSN_KEY_BAD_VALUE  /* applied-LSN key, value did not decode */
} lsn_match_t;

LSN_HIDDEN void lsn_layout_init(lsn_layout_t *l);
/* Sets one option of LsnCollectorFactory from its string form. On error
 * returns -1 and writes "LsnCollectorFactory: <name>: <why>: '<value>'". */
LSN_HIDDEN int lsn_layout_set(lsn_layout_t *l, const char *name,
                              const char *value, char *err, size_t errlen);
/* Checks the rules that span options; -1 with a message if broken. */
LSN_HIDDEN int lsn_layout_check(const lsn_layout_t *l, char *err,
                                size_t errlen);
LSN_HIDDEN size_t lsn_layout_key_len(const lsn_layout_t *l);
LSN_HIDDEN lsn_match_t lsn_layout_match(const lsn_layout_t *l,
                                        const uint8_t *key, size_t klen,
                                        const uint8_t *val, size_t vlen,
                                        uint64_t *partition, uint64_t *lsn);
/* Decodes a value in the given format (no offset applied); 0 on success. */
LSN_HIDDEN int lsn_value_decode(lsn_format_t f, const uint8_t *v, size_t n,
                                uint64_t *lsn);
/* Checks a property name: printable, no option-string delimiters. */
LSN_HIDDEN int lsn_property_name_ok(const char *s);
/* Checks a tracker name: what an options string can carry (no ':', ';',
 * braces, control characters, or surrounding white space). */
LSN_HIDDEN int lsn_tracker_name_ok(const char *s);
/* Identifies the layout (not the property name) in version 2 properties. */
LSN_HIDDEN uint64_t lsn_layout_fingerprint(const lsn_layout_t *l);

/* ---- property.c: the property value, format versions 1 and 2 ---- */
typedef struct lsn_entry {
    uint64_t partition;
    uint64_t lsn;
} lsn_entry_t;

typedef struct lsn_prop {
    unsigned version;
    uint64_t fingerprint; /* of the writer's layout; 0 in version 1 */
    lsn_entry_t *entries; /* malloc'ed, NULL when n is 0 */
    size_t n;
} lsn_prop_t;

/* Upper bound of the encoded size of n entries. */
LSN_HIDDEN size_t lsn_prop_bound(size_t n);
/* Encodes entries (sorted by partition, unique) as version 2 into out;
 * returns the length. */
LSN_HIDDEN size_t lsn_prop_encode(uint64_t fingerprint, const lsn_entry_t *e,
                                  size_t n, uint8_t *out);
/* Decodes a whole property of version 1 or 2 into *out. Returns
 * LSN_TRACKER_ECORRUPT for any malformed input, LSN_TRACKER_ENOMEM if
 * allocation fails. */
LSN_HIDDEN int lsn_prop_decode(const uint8_t *buf, size_t len,
                               lsn_prop_t *out);
/* The "<property>.bad_values" counter: one strict LEB128, nothing after. */
LSN_HIDDEN size_t lsn_prop_encode_count(uint64_t count, uint8_t out[10]);
LSN_HIDDEN int lsn_prop_decode_count(const uint8_t *buf, size_t len,
                                     uint64_t *count);

/* ---- accum.c: per-SST maximum LSN per partition ---- */
typedef struct lsn_accum lsn_accum_t;
LSN_HIDDEN lsn_accum_t *lsn_accum_new(const lsn_layout_t *l);
LSN_HIDDEN void lsn_accum_free(lsn_accum_t *a);
/* Offers one Put entry; returns -1 only if memory ran out. */
LSN_HIDDEN int lsn_accum_add(lsn_accum_t *a, const uint8_t *key, size_t klen,
                             const uint8_t *val, size_t vlen);
LSN_HIDDEN size_t lsn_accum_count(const lsn_accum_t *a);
LSN_HIDDEN uint64_t lsn_accum_bad_values(const lsn_accum_t *a);
LSN_HIDDEN uint64_t lsn_accum_max_lsn(const lsn_accum_t *a);
/* Encodes the property into a malloc'ed buffer; 0 or LSN_TRACKER_ENOMEM. */
LSN_HIDDEN int lsn_accum_encode(lsn_accum_t *a, uint8_t **buf, size_t *len);

/* ---- store.c: lock-free-read watermark store of one tracker ---- */
typedef struct lsn_store lsn_store_t;
LSN_HIDDEN lsn_store_t *lsn_store_new(void);
LSN_HIDDEN void lsn_store_free(lsn_store_t *s);
/* Raises (cf, partition) to lsn; single writer at a time (caller locks).
 * Returns 1 if the watermark changed or is new, 0 if not, -1 on ENOMEM. */
LSN_HIDDEN int lsn_store_raise(lsn_store_t *s, const char *cf,
                               uint64_t partition, uint64_t lsn);
/* Lock-free read; 0 found, LSN_TRACKER_NOT_FOUND otherwise. */
LSN_HIDDEN int lsn_store_get(const lsn_store_t *s, const char *cf,
                             uint64_t partition, uint64_t *lsn);
LSN_HIDDEN int lsn_store_foreach(const lsn_store_t *s, lsn_tracker_visit_fn fn,
                                 void *arg);
LSN_HIDDEN uint64_t lsn_store_entries(const lsn_store_t *s);
/* Forget watermarks in place (single writer, like raise); readers racing
 * with it see the old value or nothing. */
LSN_HIDDEN void lsn_store_clear(lsn_store_t *s);
LSN_HIDDEN void lsn_store_clear_cf(lsn_store_t *s, const char *cf);

/* ---- tracker.c: named, reference-counted trackers ---- */
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
LSN_HIDDEN int lsn_tracker_bind(lsn_tracker_t *t, const lsn_db_ident_t *db,
                                uint64_t *ticket);
/* The current incarnation, for applies not tied to an event (seed). */
LSN_HIDDEN uint64_t lsn_tracker_ticket(lsn_tracker_t *t);
/* The database whose default handle is key is closing: every tracker bound
 * to it forgets its watermarks. */
LSN_HIDDEN void lsn_tracker_db_closed(const void *key);
/* A handle of column family cf (ID cf_id) of the database key was deleted,
 * as after a drop: trackers bound to that database forget the family. */
LSN_HIDDEN void lsn_tracker_cf_gone(const void *key, const char *cf,
                                    uint32_t cf_id);
/* Keeps the entries (malloc'ed; taken over) of a flush refused as unsafe
 * until a flush of every family that began after it arrived. */
LSN_HIDDEN void lsn_tracker_stash(lsn_tracker_t *t, uint64_t ticket,
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
LSN_HIDDEN void lsn_tracker_flush_begin(const void *key, lsn_flush_mark_t *m);
LSN_HIDDEN void lsn_tracker_flush_end(lsn_flush_mark_t *m, int flushed);
/* Applies a batch of (partition, lsn) of one column family within the
 * incarnation ticket: raises, counts and announces. An event of an older
 * incarnation or of a dropped family (lower ID) is counted and ignored.
 * cf_id may be LSN_CF_ID_UNKNOWN. Returns a status. */
LSN_HIDDEN int lsn_tracker_apply(lsn_tracker_t *t, uint64_t ticket,
                                 const char *cf, uint32_t cf_id,
                                 const lsn_entry_t *e, size_t n);
/* Opens without checking the name: default names are DB paths. */
LSN_HIDDEN lsn_tracker_t *lsn_tracker_open_any(const char *name);
LSN_HIDDEN void lsn_tracker_retain(lsn_tracker_t *t);
LSN_HIDDEN void lsn_tracker_listener_bound(lsn_tracker_t *t, int delta,
                                           const char *property);
/* Copies the property name recovery reads (the bound listener's). */
LSN_HIDDEN void lsn_tracker_property(lsn_tracker_t *t,
                                     char out[LSN_PROPERTY_MAX + 1]);
LSN_HIDDEN const char *lsn_tracker_name(const lsn_tracker_t *t);

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
    LSN_C_COUNT
};
LSN_HIDDEN void lsn_tracker_count(lsn_tracker_t *t, enum lsn_counter c,
                                  uint64_t n);
/* Counts a "<property>.bad_values" companion property into c. */
LSN_HIDDEN void lsn_tracker_count_bad(lsn_tracker_t *t, enum lsn_counter c,
                                      const uint8_t *bad, size_t bad_len);

/* ---- notify.c: announcing advances ---- */
typedef struct lsn_notify lsn_notify_t;
LSN_HIDDEN lsn_notify_t *lsn_notify_new(void);
LSN_HIDDEN void lsn_notify_free(lsn_notify_t *n);
/* Serialises announcers so subscribers see each partition rise in order.
 * -1, nothing taken, if the calling thread is inside a callback. */
LSN_HIDDEN int lsn_notify_begin(lsn_notify_t *n);
LSN_HIDDEN void lsn_notify_advance(lsn_notify_t *n, const char *cf,
                                   uint64_t partition, uint64_t lsn);
/* Wakes waiters and the eventfd after watermarks were raised. */
LSN_HIDDEN void lsn_notify_wake(lsn_notify_t *n);
LSN_HIDDEN void lsn_notify_end(lsn_notify_t *n);
/* Nonzero if the calling thread is inside a subscriber callback. */
LSN_HIDDEN int lsn_notify_in_any_callback(void);
LSN_HIDDEN int lsn_notify_wait(lsn_notify_t *n, const lsn_tracker_t *t,
                               const char *cf, uint64_t partition,
                               uint64_t target, int64_t timeout_ms,
                               uint64_t *lsn);
LSN_HIDDEN int lsn_notify_subscribe(lsn_notify_t *n, lsn_tracker_advance_fn fn,
                                    void *arg, uint64_t *id);
LSN_HIDDEN int lsn_notify_unsubscribe(lsn_notify_t *n, uint64_t id);
LSN_HIDDEN int lsn_notify_eventfd(lsn_notify_t *n);

/* ---- listener.c: what LsnFlushListener does, minus C++ ---- */
typedef struct lsn_listener lsn_listener_t;
LSN_HIDDEN lsn_listener_t *lsn_listener_new(void);
LSN_HIDDEN void lsn_listener_free(lsn_listener_t *l);
/* Checks one option of LsnFlushListener; -1 with a message if bad. */
LSN_HIDDEN int lsn_listener_check(const char *name, const char *value,
                                  char *err, size_t errlen);
/* Binds to the named tracker now ("" = by DB path at the first event). */
LSN_HIDDEN int lsn_listener_configure(lsn_listener_t *l, const char *tracker,
                                      const char *property, char *err,
                                      size_t errlen);
LSN_HIDDEN const char *lsn_listener_property(const lsn_listener_t *l);

typedef enum { LSN_EVENT_FLUSH, LSN_EVENT_INGEST } lsn_event_t;
/* One committed flush or ingestion, as the adapter read it. */
typedef struct lsn_event_info {
    lsn_event_t kind;
    lsn_db_ident_t db;
    const char *cf;
    uint32_t cf_id;     /* LSN_CF_ID_UNKNOWN where RocksDB does not say */
    int unsafe;         /* a flush that may have left another column
                           family's state behind (atomic_flush before 8.1) */
    int behind;         /* an ingested file that may lie behind newer data */
    uint64_t layout_fp; /* ingestion: the family's configured layout, 0 if
                           unknown; a property of another is refused */
    const uint8_t *prop, *bad; /* NULL when the file has no such property */
    size_t prop_len, bad_len;
} lsn_event_info_t;
LSN_HIDDEN void lsn_listener_on_event(lsn_listener_t *l,
                                      const lsn_event_info_t *ev);
/* The listener serves db (recovery tells it before any event), so that the
 * database's close and dropped families reach the trackers bound to it. */
LSN_HIDDEN void lsn_listener_saw_db(lsn_listener_t *l, const lsn_db_ident_t *db);
/* A column family handle of a database this listener serves is being
 * deleted: the database's own default handle means the database closes. */
LSN_HIDDEN void lsn_listener_on_handle_gone(lsn_listener_t *l,
                                            const void *handle,
                                            const char *cf, uint32_t cf_id);

/* ---- recover.c: recovery's newest-version merge ---- */
typedef struct lsn_recovery lsn_recovery_t;
LSN_HIDDEN lsn_recovery_t *lsn_recovery_new(void);
LSN_HIDDEN void lsn_recovery_free(lsn_recovery_t *r);
/* Adds what one live file holds; level and largest sequence number place
 * it in RocksDB's read order. */
LSN_HIDDEN int lsn_recovery_add(lsn_recovery_t *r, const char *cf,
                                uint32_t cf_id, int level, uint64_t seqno,
                                const lsn_entry_t *e, size_t n);
/* Applies, per family and partition, the newest version found. */
LSN_HIDDEN int lsn_recovery_apply(lsn_recovery_t *r, lsn_tracker_t *t,
                                  uint64_t ticket);

/* ---- shim.cc: the few things only C++ can do ---- */
LSN_HIDDEN int lsn_shim_register(void);

#ifdef __cplusplus
}
#endif
#endif /* LSN_CORE_H */
