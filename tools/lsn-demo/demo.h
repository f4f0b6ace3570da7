/* lsn-demo: a small host that applies its own log into RocksDB with the WAL
 * off and trims the log up to the durable watermark. Shared declarations. */
#ifndef LSN_DEMO_H
#define LSN_DEMO_H

#include <rocksdb/c.h>
#include <stddef.h>
#include <stdint.h>

#include "lsn_tracker.h"

#define DEMO_MAX_PARTITIONS 1024
#define DEMO_MAX_PAYLOAD 64
#define DEMO_SLOTS 64 /* per-partition ring of record keys in the state */
#define DEMO_HISTORY 16384 /* ring of the last records' keys, all partitions */
#define DEMO_TRACKER "lsn-demo"

/* ---- gen.c: the deterministic workload, so a checker can recompute it ---- */
uint64_t demo_mix(uint64_t x);
unsigned demo_partition_of(uint64_t lsn, unsigned partitions);
/* Fills out with the payload of record lsn; returns its length. */
uint32_t demo_payload_of(uint64_t lsn, uint8_t *out);
/* What applying record lsn adds to its partition's checksum. */
uint64_t demo_digest(uint64_t lsn, const uint8_t *payload, uint32_t len);
/* demo_digest of record lsn's own payload, without making it. */
uint64_t demo_digest_of(uint64_t lsn);

/* ---- log.c: append-only log in segment files ---- */
typedef struct demo_record {
    uint64_t partition, lsn;
    uint32_t len;
    uint8_t payload[DEMO_MAX_PAYLOAD];
} demo_record_t;

typedef struct demo_segment {
    uint64_t first;    /* LSN the file is named after */
    uint64_t last;     /* last LSN in it; first - 1 when empty */
    uint64_t *max_lsn; /* per partition, 0 = none */
} demo_segment_t;

typedef struct demo_log {
    char *dir;
    unsigned partitions;
    uint32_t seg_records;
    int read_only;
    demo_segment_t *segs; /* oldest first; the last one is being appended */
    size_t nsegs, cap;
    int fd;
    uint64_t next_lsn;
    uint64_t trimmed; /* segments deleted by this process */
    uint64_t torn;    /* bytes cut off a torn tail at open */
} demo_log_t;

int demo_log_open(demo_log_t *log, const char *dir, unsigned partitions,
                  uint32_t seg_records, int read_only, char *err, size_t n);
int demo_log_append(demo_log_t *log, const demo_record_t *r);
int demo_log_sync(demo_log_t *log);
typedef int (*demo_record_fn)(void *arg, const demo_record_t *r);
/* Calls fn for every record with lsn > after, in LSN order, read from disk. */
int demo_log_scan(const demo_log_t *log, uint64_t after, demo_record_fn fn,
                  void *arg, char *err, size_t n);
uint64_t demo_log_first(const demo_log_t *log); /* first LSN still held */
uint64_t demo_log_last(const demo_log_t *log);  /* 0 when empty */
/* Deletes the oldest sealed segment if durable covers every record in it;
 * returns 1 if one was deleted, 0 if not, -1 on error. */
int demo_log_trim_one(demo_log_t *log, const uint64_t *durable);
void demo_log_close(demo_log_t *log);

/* ---- meta.c: settings fixed when the log is created ---- */
int demo_meta(const char *logdir, unsigned *partitions, const char *variant,
              int create, char *err, size_t n);

/* ---- applier.c: the state machine in RocksDB ---- */
typedef struct demo_db {
    rocksdb_t *db;
    rocksdb_options_t *opts;
    rocksdb_writeoptions_t *wo;
    rocksdb_column_family_handle_t *cf[3];
    int ncf;
    unsigned partitions;
    uint64_t *applied, *count, *sum;
} demo_db_t;

/* Column families of a variant: 1, or 3 for "atomic". */
int demo_variant_cfs(const char *variant);
/* The RocksDB options string of a variant, plugin enabled; NULL if unknown. */
const char *demo_variant_options(const char *variant);
int demo_db_open(demo_db_t *d, const char *path, const char *options,
                 int ncf, unsigned partitions, int read_only, char *err,
                 size_t n);
int demo_db_apply(demo_db_t *d, const demo_record_t *r, char *err, size_t n);
int demo_db_flush(demo_db_t *d, char *err, size_t n);
/* Reads a partition's state with read_tier=kPersistedTier. */
typedef struct demo_state {
    int found;
    uint64_t applied;             /* applied-LSN key */
    uint64_t count, sum, agg_lsn; /* aggregate key */
    uint64_t slot[DEMO_SLOTS];    /* LSN held by each ring slot, 0 = none */
} demo_state_t;
int demo_db_read(demo_db_t *d, unsigned p, demo_state_t *s, char *err,
                 size_t n);
/* Reads the history ring (persisted): hist[lsn % DEMO_HISTORY] = lsn of
 * the newest record applied in that slot, 0 if none. */
int demo_db_history(demo_db_t *d, uint64_t *hist, char *err, size_t n);
int demo_db_live_ssts(demo_db_t *d);
void demo_db_close(demo_db_t *d);

/* ---- plugin.c: the tracker ABI through dlopen ---- */
typedef struct demo_plugin {
    void *handle;
    char path[4096];
    const char *(*version)(void);
    const char *(*strerror)(int);
    lsn_tracker_t *(*open)(const char *);
    void (*close)(lsn_tracker_t *);
    int (*get)(const lsn_tracker_t *, const char *, uint64_t, uint64_t *);
    int (*eventfd)(lsn_tracker_t *);
    int (*recover)(lsn_tracker_t *, rocksdb_t *, const char *);
    int (*stats)(const lsn_tracker_t *, lsn_tracker_stats_t *);
} demo_plugin_t;

/* explicit: --plugin; NULL tries $LSN_TRACKER_SO, the build tree next to
 * the executable, then the installed liblsn_tracker.so.0. */
int demo_plugin_load(demo_plugin_t *pl, const char *explicit_path, char *err,
                     size_t n);

/* ---- trimmer.c: report watermarks, then delete covered segments ---- */
typedef struct demo_trimmer {
    int report_fd; /* -1: no report */
    unsigned partitions;
    uint64_t *reported; /* last watermark written to the report */
} demo_trimmer_t;

int demo_trimmer_init(demo_trimmer_t *t, const char *report, unsigned parts,
                      char *err, size_t n);
/* Records every raised watermark in the report (appended and synced), and
 * only then deletes the log segments they cover. Returns segments deleted
 * or -1. */
int demo_trimmer_run(demo_trimmer_t *t, demo_log_t *log,
                     const uint64_t *durable, char *err, size_t n);
void demo_trimmer_close(demo_trimmer_t *t);
/* Highest watermark per partition in a report file; 0 if never reported. */
int demo_report_read(const char *report, unsigned parts, uint64_t *max,
                     uint64_t *lines, char *err, size_t n);

/* ---- check.c: the crash harness's invariants ---- */
typedef struct demo_check {
    uint64_t partitions_checked, watermarks, log_first, log_last;
    uint64_t applied_total;
} demo_check_t;
/* After a crash, before anything writes: durable state >= report, state
 * consistent with the applied-LSN keys, log still holds every record above
 * them. With complete set, also every log record must be applied. */
int demo_check(demo_db_t *d, const demo_log_t *log, const char *report,
               int complete, demo_check_t *out, char *err, size_t n);

/* ---- run.c: the host at work ---- */
typedef struct demo_config {
    const char *db, *log, *report, *plugin, *variant;
    unsigned partitions;
    uint64_t records;      /* 0 with seconds 0: recover and replay only */
    double seconds;
    double watchdog;       /* > 0: the old way, a forced flush every so often */
    double progress;       /* seconds between progress lines, 0 = none */
    uint64_t rate;         /* records per second, 0 = as fast as it goes */
    uint32_t seg_records;
    int verify;
} demo_config_t;

typedef struct demo_totals {
    uint64_t appended, replayed, forced_flushes, trimmed, flushes,
        flushes_with_lsn, advances;
    int live_ssts;
    double elapsed;
} demo_totals_t;

int demo_run(const demo_config_t *c, volatile int *stop);

/* ---- progress.c: what the demo prints ---- */
void demo_progress(double t, const demo_log_t *log, const demo_db_t *d,
                   const uint64_t *durable, const lsn_tracker_stats_t *st,
                   uint64_t forced);
void demo_summary(const demo_config_t *c, const demo_log_t *log,
                  const demo_db_t *d, const uint64_t *durable,
                  const demo_totals_t *tot);

#endif
