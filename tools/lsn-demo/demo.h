/* lsn-demo: a small host that applies its own log into RocksDB with the WAL
 * off and trims the log up to the durable watermark. Shared declarations. */
#ifndef LSN_DEMO_H
#define LSN_DEMO_H

#include <rocksdb/c.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include "lsn_abi.h"
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

/* ---- variant.c: RocksDB settings, key layout and lifecycle ---- */
typedef enum demo_life_kind {
    DEMO_LIFE_NONE,
    DEMO_LIFE_DESTROY,      /* destroyed, re-created empty, log replayed */
    DEMO_LIFE_RESTORE,      /* checkpoints taken; an older one restored */
    DEMO_LIFE_DROPCF,       /* a group's column family dropped, re-created */
    DEMO_LIFE_LDB,          /* nothing in-process: the harness runs ldb */
    DEMO_LIFE_MANUAL_FLUSH, /* atomic_flush, one family flushed by hand */
    DEMO_LIFE_INGEST,       /* batches ingested as SSTs, some behind */
} demo_life_kind_t;

/* Kinds of keys: the applied-LSN key, the rings (per-partition and
 * history), the aggregate (count, checksum and the state's own LSN). */
enum { DEMO_KEY_APPLIED, DEMO_KEY_RING, DEMO_KEY_AGG };

#define DEMO_MAX_CF 4

typedef struct demo_variant {
    const char *name, *options; /* options: RocksDB's, plugin enabled */
    int ncf;                    /* column families, "default" first */
    const char *cf_names[DEMO_MAX_CF];
    int cf_of[3];       /* column family of each kind of key */
    int groups;         /* > 0: partition p wholly in family 1 + p % groups */
    demo_life_kind_t life;
    int mempurge;       /* experimental_mempurge_threshold=1 (C API) */
    int keeps_log;      /* never trimmed: a re-creation replays it all */
    int key_may_differ; /* the applied-LSN key may be flushed without the
                           state; the state's own LSN is the truth */
} demo_variant_t;

const demo_variant_t *demo_variant(const char *name);
void demo_variant_names(FILE *f);
int demo_cf_of(const demo_variant_t *v, unsigned p, int kind);
const char *demo_cf_name(const demo_variant_t *v, unsigned p, int kind);

/* ---- applier.c: the state machine in RocksDB ---- */
typedef struct demo_db {
    rocksdb_t *db;
    rocksdb_options_t *opts;
    rocksdb_writeoptions_t *wo;
    rocksdb_column_family_handle_t *cf[DEMO_MAX_CF];
    const demo_variant_t *v;
    unsigned partitions;
    uint64_t *applied; /* the state's LSN: last record applied */
    uint64_t *key;     /* the applied-LSN key as read at open */
    uint64_t *count, *sum;
} demo_db_t;

/* One Put a record makes: column family index, key, value. */
typedef struct demo_put {
    int cf;
    size_t klen, vlen;
    char key[16], val[24];
} demo_put_t;
#define DEMO_PUTS 4 /* per record */

#define DEMO_DB_READ_ONLY 1
#define DEMO_DB_PLUGIN 2 /* parse the variant's options (plugin enabled) */
int demo_db_open(demo_db_t *d, const char *path, const demo_variant_t *v,
                 unsigned partitions, int flags, char *err, size_t n);
int demo_db_apply(demo_db_t *d, const demo_record_t *r, char *err, size_t n);
/* The DEMO_PUTS puts of applying r after what is applied now; then
 * demo_db_advance(d, r, out) makes r applied in memory. */
void demo_db_effects(const demo_db_t *d, const demo_record_t *r,
                     demo_put_t *out);
void demo_db_advance(demo_db_t *d, const demo_record_t *r,
                     const demo_put_t *puts);
/* The two puts (applied-LSN key, aggregate) of partition p's state as it
 * was at lsn, after count records with checksum sum. */
void demo_db_state_puts(const demo_db_t *d, unsigned p, uint64_t lsn,
                        uint64_t count, uint64_t sum, demo_put_t *out);
/* Flushes every column family, "default" last, and waits. */
int demo_db_flush(demo_db_t *d, char *err, size_t n);
int demo_db_flush_cf(demo_db_t *d, int cf, char *err, size_t n);
/* Drops column family cf and creates it again, empty, under its name;
 * the partitions that lived there start from nothing. */
int demo_db_recreate_cf(demo_db_t *d, int cf, char *err, size_t n);
/* Reads a partition's state with read_tier=kPersistedTier. */
typedef struct demo_state {
    int found;
    uint64_t applied;             /* applied-LSN key */
    uint64_t count, sum, agg_lsn; /* aggregate key */
    uint64_t slot[DEMO_SLOTS];    /* LSN held by each ring slot, 0 = none */
} demo_state_t;
int demo_db_read(demo_db_t *d, unsigned p, demo_state_t *s, char *err,
                 size_t n);
/* Just the persisted applied-LSN key and the state's LSN of partition p. */
int demo_db_read_lsns(demo_db_t *d, unsigned p, uint64_t *key,
                      uint64_t *state, char *err, size_t n);
/* Reads the history ring of column family cf (persisted): hist[lsn %
 * DEMO_HISTORY] = lsn of the newest record applied in that slot there. */
int demo_db_history(demo_db_t *d, int cf, uint64_t *hist, char *err,
                    size_t n);
int demo_db_live_ssts(demo_db_t *d);
void demo_db_close(demo_db_t *d);

/* ---- plugin.c: the tracker ABI through dlopen ---- */
typedef struct demo_plugin {
    lsn_abi_t abi; /* the whole ABI (support/lsn_abi.h) */
    char path[4096];
} demo_plugin_t;

/* explicit: --plugin; NULL tries $LSN_TRACKER_SO, the build tree next to
 * the executable, then the installed liblsn_tracker.so.0. */
int demo_plugin_load(demo_plugin_t *pl, const char *explicit_path, char *err,
                     size_t n);

/* ---- trimmer.c: report watermarks, then delete covered segments ---- */
typedef struct demo_trimmer {
    int report_fd; /* -1: no report */
    unsigned partitions;
    uint64_t *reported_w; /* last watermark written to the report */
    uint64_t *reported_t; /* last trim bound written to the report */
} demo_trimmer_t;

int demo_trimmer_init(demo_trimmer_t *t, const char *report, unsigned parts,
                      char *err, size_t n);
/* Appends "W partition watermark bound" for every partition whose
 * watermark w or trim bound t rose, and syncs; changed[p] says which. */
int demo_trimmer_report(demo_trimmer_t *t, const uint64_t *w,
                        const uint64_t *bound, unsigned char *changed,
                        char *err, size_t n);
/* Deletes the log segments bound covers. Returns segments deleted or -1. */
int demo_trimmer_trim(demo_trimmer_t *t, demo_log_t *log,
                      const uint64_t *bound, char *err, size_t n);
/* Appends "I db" (scope NULL) or "I cf NAME", synced: a new incarnation
 * begins for the partitions in reset[], whose reports start again from 0.
 * Written before the database or family changes. */
int demo_trimmer_mark(demo_trimmer_t *t, const char *cf,
                      const unsigned char *reset, char *err, size_t n);
void demo_trimmer_close(demo_trimmer_t *t);

typedef struct demo_report {
    uint64_t *w;     /* highest watermark since the partition's last marker */
    uint64_t *t;     /* highest trim bound since that marker */
    uint64_t *t_all; /* highest trim bound ever */
    uint64_t lines, markers;
} demo_report_t;
/* Reads a report file (missing = empty); free with demo_report_free. */
int demo_report_read(const char *path, const demo_variant_t *v,
                     unsigned parts, demo_report_t *r, char *err, size_t n);
void demo_report_free(demo_report_t *r);

/* ---- intent.c: a lifecycle step a kill must not leave half done ---- */
/* "<log>/LIFECYCLE" holds "destroy" or "restore SEQ" while the database is
 * being replaced; the next start finishes the step. */
int demo_intent_set(const char *logdir, const char *what, char *err,
                    size_t n);
/* 1 and the text in buf if an intent is pending, 0 if none, -1 on error. */
int demo_intent_get(const char *logdir, char *buf, size_t len, char *err,
                    size_t n);
int demo_intent_clear(const char *logdir, char *err, size_t n);

/* ---- checkpoint.c: checkpoints "<db>.ckpt/cp-SEQ", with applied LSNs ---- */
typedef struct demo_ckpt {
    uint64_t seq;
    uint64_t *applied; /* the state's LSN per partition when taken */
} demo_ckpt_t;

typedef struct demo_ckpts {
    char *dir;
    unsigned partitions;
    demo_ckpt_t *v; /* oldest first */
    size_t n;
    uint64_t next_seq;
} demo_ckpts_t;

/* Lists the checkpoints of db_path; with cleanup, removes what a kill left
 * half made or half deleted. */
int demo_ckpts_load(demo_ckpts_t *c, const char *db_path, unsigned parts,
                    int cleanup, char *err, size_t n);
void demo_ckpts_path(const demo_ckpts_t *c, uint64_t seq, char *out,
                     size_t len);
const demo_ckpt_t *demo_ckpts_find(const demo_ckpts_t *c, uint64_t seq);
/* A checkpoint of the open db (memtables flushed first), which holds
 * exactly applied[]. */
int demo_ckpts_take(demo_ckpts_t *c, rocksdb_t *db, const uint64_t *applied,
                    char *err, size_t n);
/* Deletes the oldest until keep are left. */
int demo_ckpts_prune(demo_ckpts_t *c, size_t keep, char *err, size_t n);
/* min over the checkpoints of their applied LSN, per partition (UINT64_MAX
 * with none): the log must hold every record above it. */
void demo_ckpts_floor(const demo_ckpts_t *c, uint64_t *floor);
/* Replaces the (closed) database at db_path by checkpoint seq. */
int demo_ckpts_restore(const demo_ckpts_t *c, uint64_t seq,
                       const char *db_path, char *err, size_t n);
void demo_ckpts_free(demo_ckpts_t *c);

/* ---- ingest.c: state written as SST files and ingested ---- */
/* Applies records (already in the log) by one SST file ingested on top. */
int demo_ingest_records(demo_db_t *d, const char *db_path,
                        const demo_record_t *recs, size_t nrecs, char *err,
                        size_t n);
/* Ingests behind (bottommost level, under everything) one file with the
 * states puts[] of some partitions, whose keys must be persisted already,
 * after deleting the files an earlier call put there. */
int demo_ingest_behind(demo_db_t *d, const char *db_path,
                       const demo_put_t *puts, size_t nputs, char *err,
                       size_t n);

/* ---- check.c: the crash harness's invariants ---- */
typedef struct demo_check {
    uint64_t partitions_checked, watermarks, markers, log_first, log_last;
    uint64_t applied_total;
} demo_check_t;
/* After a crash, before anything writes: durable state >= report, state
 * consistent with the applied-LSN keys, log still holds every record above
 * them and above floor[] (the restore points, 0 for "the whole log"; NULL
 * = none). With complete
 * set, also every log record must be applied. d NULL: nothing applied. */
int demo_check(demo_db_t *d, const demo_variant_t *v, const demo_log_t *log,
               const char *report, const uint64_t *floor, int complete,
               demo_check_t *out, char *err, size_t n);

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
    uint64_t seed;         /* the lifecycle's schedule */
    const char *fault;     /* for tests: a broken tracker, simulated */
    int verify;
    uint64_t max_lag_ms;   /* > 0: LsnFlushListener max_lag_ms, attached */
    uint64_t write_buffer; /* > 0: write_buffer_size instead of the variant's */
    double drain;          /* seconds to keep watching after the last append */
    int json;              /* one JSON object on the last line of stdout */
    int check;             /* only check what a killed run left */
} demo_config_t;

/* ---- args.c: the command line ---- */
void demo_usage(FILE *f);
/* Fills c from argv: 0 to run, 1 when done (--help, --version), 2 on a
 * usage error (reported). */
int demo_args(int argc, char **argv, demo_config_t *c);

typedef struct demo_totals {
    uint64_t appended, replayed, forced_flushes, trimmed, flushes,
        flushes_with_lsn, advances;
    int live_ssts;
    uint64_t live_bytes;
    uint64_t tracker_forced; /* the tracker's stats.forced_flushes */
    uint64_t forced_appending; /* both kinds, until the last append */
    double elapsed;          /* of the appending, without --drain */
} demo_totals_t;

/* ---- lag.c: per-record trim lag, append to covered by the watermark ---- */
typedef struct demo_lag demo_lag_t;
typedef struct demo_lag_result {
    uint64_t covered, uncovered;
    double p50, p99, max;          /* ms, over the covered records */
    double lb_p50, lb_p99, lb_max; /* ms, over all, the uncovered at their
                                      age at the end: lower bounds */
    double oldest_uncovered;       /* ms */
} demo_lag_result_t;
demo_lag_t *demo_lag_new(unsigned parts);
void demo_lag_free(demo_lag_t *l);
int demo_lag_append(demo_lag_t *l, unsigned p, uint64_t lsn, double t);
/* Pops every record durable[] covers, as covered at time t. */
int demo_lag_cover(demo_lag_t *l, const uint64_t *durable, double t);
uint64_t demo_lag_pending(const demo_lag_t *l);
void demo_lag_result(demo_lag_t *l, double t, demo_lag_result_t *r);
/* Live SST files of the open database (or -1), their bytes in *bytes. */
int demo_db_live_bytes(demo_db_t *d, uint64_t *bytes);

/* ---- lifecycle.c: what happens to the database while the host runs ---- */
#define DEMO_LIFE_EVENTS 9 /* kinds of events, in lifecycle.c */

typedef struct demo_life {
    uint64_t rng;
    /* When each event is due, in records appended by this process
     * (UINT64_MAX: never), and how often it happened. */
    uint64_t next[DEMO_LIFE_EVENTS], done[DEMO_LIFE_EVENTS];
    uint64_t *snap_lsn, *snap_count, *snap_sum; /* older states, for behind */
    demo_ckpts_t ck;
} demo_life_t;

typedef struct demo_host {
    const demo_config_t *c;
    const demo_variant_t *v;
    unsigned parts;
    demo_plugin_t pl;
    lsn_tracker_t *t;
    demo_log_t log;
    demo_db_t d;
    demo_trimmer_t tr;
    demo_life_t life;
    demo_totals_t tot;
    uint64_t *durable;  /* the tracker's watermarks, this incarnation */
    uint64_t *opened;   /* the state's LSN when the database was opened */
    uint64_t *distrust; /* recovered above that state: not a trim bound
                           until a later raise goes past it */
    uint64_t *bound;    /* the trim bound acted on */
    const uint64_t *stale; /* --fault stale: seeded right after recovery */
    unsigned char *changed;
    demo_variant_t vbuf; /* the variant, options as --max-lag etc. say */
    char options[2048];
    int attached;        /* lsn_tracker_attach holds the open database */
    demo_lag_t *lag;
    char json[2048];
    char err[2048];
} demo_host_t;

int demo_run(const demo_config_t *c, volatile int *stop);
/* Opens the database, recovers the tracker, trims, replays the log. */
int demo_host_open_db(demo_host_t *h);
void demo_host_close_db(demo_host_t *h); /* detaches first */
/* With --max-lag: lsn_tracker_attach of the open database and its column
 * families; detach before closing it or destroying a handle. */
int demo_host_attach(demo_host_t *h);
void demo_host_detach(demo_host_t *h);
/* Applies every log record above each partition's applied LSN. */
int demo_host_replay(demo_host_t *h, uint64_t *replayed);
/* Makes the next record and appends it to the log (not applied yet). */
int demo_host_append(demo_host_t *h, demo_record_t *rec);

/* ---- durable.c: from the tracker's watermarks to trimming the log ---- */
void demo_durable_read(demo_host_t *h);
/* --fault: raises the tracker by hand to lsn[p] where non-zero, as a
 * broken tracker would have. */
void demo_durable_seed(demo_host_t *h, const uint64_t *lsn);
/* Derives the trim bounds, reports what changed, checks it against the
 * database (a watermark or bound ahead of what is persisted ends the
 * process at once, exit status 3, as a crash would), then trims. */
int demo_durable_act(demo_host_t *h);
/* The partitions in reset[] begin a new incarnation: the report says so
 * first, and nothing the tracker said of them before counts. */
int demo_durable_forget(demo_host_t *h, const char *cf,
                        const unsigned char *reset);

int demo_life_prepare(demo_host_t *h); /* before the first open */
int demo_life_start(demo_host_t *h);   /* after it */
/* After each record appended and applied; may append (and apply) more. */
int demo_life_tick(demo_host_t *h);
void demo_life_summary(const demo_life_t *l);
void demo_life_free(demo_life_t *l);

/* ---- progress.c: what the demo prints ---- */
void demo_progress(double t, const demo_log_t *log, const demo_db_t *d,
                   const uint64_t *durable, const lsn_tracker_stats_t *st,
                   uint64_t forced);
void demo_summary(const demo_config_t *c, const demo_log_t *log,
                  const demo_db_t *d, const uint64_t *durable,
                  const demo_totals_t *tot);

#endif
