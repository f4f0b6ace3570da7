/* Test support: the plugin's ABI resolved through dlopen, as a host that
 * does not link the library would do, and small RocksDB C API helpers. */
#ifndef LSNT_H
#define LSNT_H

#include <rocksdb/c.h>
#include <stddef.h>
#include <stdint.h>

#include "lsn_abi.h"
#include "lsn_tracker.h"

/* The whole ABI, resolved by dlopen (support/lsn_abi.h). */
typedef lsn_abi_t lsnt_api_t;

/* dlopen()s the plugin (path fixed at build time, or $LSN_TRACKER_SO) and
 * resolves every ABI function; aborts the test on failure. */
const lsnt_api_t *lsnt_api(void);
const char *lsnt_plugin_path(void);

/* Runs fn(arg) on a thread of its own and fails the test if it has not
 * returned after ms milliseconds, so that a deadlock fails its test
 * instead of hanging the suite. fn must not use cr_assert (it is not the
 * test's thread): it records what it saw for the test to check. */
#define LSNT_DEADLINE_MS 60000
void lsnt_within(int64_t ms, const char *what, void (*fn)(void *), void *arg);
/* Fails the test now, for something that did not finish in time. A thread
 * stuck in a deadlock may keep the process from exiting, so it is also
 * killed (SIGALRM) a few seconds later. */
void lsnt_hung(const char *what, int64_t ms);

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

/* Restate's layout: "fs" + u64be partition + state id 2; value: codec
 * byte, tag byte, LEB128 LSN. */
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

/* Polls t's stats into *st until done(st, arg) holds, for at most
 * LSNT_POLL_MS (1 ms steps); returns done's last answer, and *st holds the
 * stats it was given. For "the event has been seen" when there is no
 * watermark to wait for: never a fixed sleep. */
#define LSNT_POLL_MS 5000
int lsnt_stats_until(const lsn_tracker_t *t, lsn_tracker_stats_t *st,
                     int (*done)(const lsn_tracker_stats_t *, void *),
                     void *arg);

/* One key-value pair of an SST file to write; keys must come in order. */
typedef struct lsnt_kv {
    const char *k;
    size_t kl;
    const char *v;
    size_t vl;
} lsnt_kv_t;

/* Writes an SST file at path with SstFileWriter and options o (whose
 * collectors run on it, as in a flush). */
void lsnt_write_sst(const char *path, const rocksdb_options_t *o,
                    const lsnt_kv_t *kv, size_t n);
/* Ingests one external SST file (moved, not copied) into cf (NULL:
 * default); with behind set, at the bottom level with sequence number 0
 * (the DB needs allow_ingest_behind). */
void lsnt_ingest(rocksdb_t *db, rocksdb_column_family_handle_t *cf,
                 const char *path, int behind);

#endif
