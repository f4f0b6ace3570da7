/* Test support: the plugin's ABI resolved through dlopen, as a host that
 * does not link the library would do, and small RocksDB C API helpers. */
#ifndef LSNT_H
#define LSNT_H

#include <rocksdb/c.h>
#include <stddef.h>
#include <stdint.h>

#include "lsn_tracker.h"

typedef struct lsnt_api {
    void *handle;
    const char *(*version)(void);
    const char *(*strerror)(int);
    int (*reg)(void);
    lsn_tracker_t *(*open)(const char *);
    void (*close)(lsn_tracker_t *);
    int (*get)(const lsn_tracker_t *, const char *, uint64_t, uint64_t *);
    int (*wait)(lsn_tracker_t *, const char *, uint64_t, uint64_t, int64_t,
                uint64_t *);
    int (*subscribe)(lsn_tracker_t *, lsn_tracker_advance_fn, void *,
                     uint64_t *);
    int (*unsubscribe)(lsn_tracker_t *, uint64_t);
    int (*eventfd)(lsn_tracker_t *);
    int (*foreach)(const lsn_tracker_t *, lsn_tracker_visit_fn, void *);
    int (*seed)(lsn_tracker_t *, const char *, uint64_t, uint64_t);
    int (*recover)(lsn_tracker_t *, rocksdb_t *, const char *);
    int (*recover_sst)(lsn_tracker_t *, const char *, const char *);
    int (*stats)(const lsn_tracker_t *, lsn_tracker_stats_t *);
} lsnt_api_t;

/* dlopen()s the plugin (path fixed at build time, or $LSN_TRACKER_SO) and
 * resolves every ABI function; aborts the test on failure. */
const lsnt_api_t *lsnt_api(void);
const char *lsnt_plugin_path(void);

/* A fresh directory under $TMPDIR; lsnt_rmdir removes it recursively. */
char *lsnt_tmpdir(const char *tag);
void lsnt_rmdir(char *dir);
/* A name unique within this process, for trackers. */
char *lsnt_unique(const char *tag);
/* A fresh tracker under a unique name. */
lsn_tracker_t *lsnt_fresh_tracker(const char *tag);

/* Options from a string on top of create_if_missing and
 * create_missing_column_families; NULL with *err set on failure. */
rocksdb_options_t *lsnt_options(const char *opts, char **err);
/* Opens db_path with the given column families (NULL/0: just "default"). */
rocksdb_t *lsnt_open(const char *path, rocksdb_options_t *o, int ncf,
                     const char *const *cfs, rocksdb_column_family_handle_t **h);

/* The Restate-style layout of the spec: "fs" + u64be partition + state id
 * 2; value: codec byte, tag byte, LEB128 LSN. */
#define LSNT_RESTATE_COLLECTOR                                                \
    "table_properties_collectors={id=LsnCollectorFactory;key_prefix=6673;"   \
    "partition_bytes=8;key_suffix=0000000000000002;value_format=varint;"     \
    "value_offset=2}"
size_t lsnt_restate_key(uint64_t partition, char *out);
size_t lsnt_restate_value(uint64_t lsn, char *out);

/* A plain layout: key "L" + u64be partition, value u64be LSN. */
#define LSNT_PLAIN_COLLECTOR                                                  \
    "table_properties_collectors={id=LsnCollectorFactory;key_prefix=4c}"
size_t lsnt_plain_key(uint64_t partition, char *out);
size_t lsnt_plain_value(uint64_t lsn, char *out);

/* Writes the applied-LSN key of partition (plain layout) with some state,
 * in one batch, WAL off. */
void lsnt_apply_plain(rocksdb_t *db, rocksdb_column_family_handle_t *cf,
                      uint64_t partition, uint64_t lsn);
void lsnt_flush(rocksdb_t *db, rocksdb_column_family_handle_t *cf);

/* Reads the applied LSN of a partition (plain layout) from SST files only
 * (read_tier = kPersistedTier); 0 if absent. */
uint64_t lsnt_persisted_plain(rocksdb_t *db, rocksdb_column_family_handle_t *cf,
                              uint64_t partition, int *found);

#endif
