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
#define LSN_VALUE_OFFSET_MAX 65536
#define LSN_PROP_VERSION 1

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

/* ---- property.c: the property value, format version 1 ---- */
typedef struct lsn_entry {
    uint64_t partition;
    uint64_t lsn;
} lsn_entry_t;

/* Upper bound of the encoded size of n entries. */
LSN_HIDDEN size_t lsn_prop_bound(size_t n);
/* Encodes entries (sorted by partition, unique) into out; returns length. */
LSN_HIDDEN size_t lsn_prop_encode(const lsn_entry_t *e, size_t n,
                                  uint8_t *out);
/* Decodes a whole property. On success returns 0, sets *out to a malloc'ed
 * array (NULL when *n is 0) and *n. Returns LSN_TRACKER_ECORRUPT for any
 * malformed input, LSN_TRACKER_ENOMEM if allocation fails. */
LSN_HIDDEN int lsn_prop_decode(const uint8_t *buf, size_t len,
                               lsn_entry_t **out, size_t *n);
/* Decodes a "<property>.bad_values" counter: one strict LEB128, nothing
 * after it. 0 on success, LSN_TRACKER_ECORRUPT otherwise. */
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

/* ---- tracker.c: named, reference-counted trackers ---- */
/* Applies a batch of (partition, lsn) of one column family: raises,
 * counts and announces. Returns a status. */
LSN_HIDDEN int lsn_tracker_apply(lsn_tracker_t *t, const char *cf,
                                 const lsn_entry_t *e, size_t n);
/* Decodes a property and applies it; counts corruption and bad values. */
LSN_HIDDEN int lsn_tracker_apply_property(lsn_tracker_t *t, const char *cf,
                                          const uint8_t *prop, size_t len,
                                          size_t *entries);
/* Counts a "<property>.bad_values" companion property. */
LSN_HIDDEN void lsn_tracker_count_bad(lsn_tracker_t *t, const uint8_t *bad,
                                      size_t bad_len);
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
    LSN_C_RECOVERED_BAD_VALUES
};
LSN_HIDDEN void lsn_tracker_count(lsn_tracker_t *t, enum lsn_counter c,
                                  uint64_t n);

/* ---- notify.c: announcing advances ---- */
typedef struct lsn_notify lsn_notify_t;
LSN_HIDDEN lsn_notify_t *lsn_notify_new(void);
LSN_HIDDEN void lsn_notify_free(lsn_notify_t *n);
/* Serialises announcers so subscribers see each partition rise in order. */
LSN_HIDDEN void lsn_notify_begin(lsn_notify_t *n);
LSN_HIDDEN void lsn_notify_advance(lsn_notify_t *n, const char *cf,
                                   uint64_t partition, uint64_t lsn);
/* Wakes waiters and the eventfd after watermarks were raised. */
LSN_HIDDEN void lsn_notify_wake(lsn_notify_t *n);
LSN_HIDDEN void lsn_notify_end(lsn_notify_t *n);
/* Nonzero if the calling thread is announcing on n right now. */
LSN_HIDDEN int lsn_notify_in_callback(const lsn_notify_t *n);
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
/* prop/bad are NULL when the file has no such property. */
LSN_HIDDEN void lsn_listener_on_event(lsn_listener_t *l, lsn_event_t ev,
                                      const char *db_name, const char *cf,
                                      const uint8_t *prop, size_t prop_len,
                                      const uint8_t *bad, size_t bad_len);

/* ---- shim.cc: the few things only C++ can do ---- */
LSN_HIDDEN int lsn_shim_register(void);
/* Reads the user-collected properties `property` and its ".bad_values"
 * companion of an SST file; buffers are malloc'ed (NULL when absent).
 * Returns LSN_TRACKER_OK, LSN_TRACKER_EIO or LSN_TRACKER_ENOMEM. */
LSN_HIDDEN int lsn_shim_read_sst(const char *path, const char *property,
                                 uint8_t **prop, size_t *prop_len,
                                 uint8_t **bad, size_t *bad_len);

#ifdef __cplusplus
}
#endif
#endif /* LSN_CORE_H */
