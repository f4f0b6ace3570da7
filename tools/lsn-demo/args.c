/* lsn-demo's command line: one table of flags, each parsed into its field
 * of demo_config_t with its range checked. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demo.h"

void demo_usage(FILE *f)
{
    fprintf(f,
"usage: lsn-demo [options]\n"
"  Applies its own log into RocksDB (WAL off) and trims the log up to the\n"
"  durable watermark of liblsn_tracker.so. Without --db/--log it runs in a\n"
"  temporary directory for a few seconds and removes it.\n"
"  --db DIR            database directory (with --log)\n"
"  --log DIR           log directory (with --db)\n"
"  --partitions N      partitions, 1..%d (default 4; fixed when the log is made)\n"
"  --records N         append N records, then stop\n"
"  --seconds S         run S seconds (default 3; 0 = recover and replay only)\n"
"  --rate N            N records per second, paced on the monotonic clock\n"
"                      (default: as fast as it goes)\n"
"  --watchdog S        the old way: force a flush every S seconds and trust\n"
"                      the applied LSN read before it\n"
"  --max-lag MS        bound the trim lag: max_lag_ms=MS on the listener and\n"
"                      lsn_tracker_attach after every open (detach before\n"
"                      every close or dropped column family)\n"
"  --write-buffer B    write_buffer_size in bytes instead of the variant's\n"
"  --drain S           after the last append, watch the watermark up to S\n"
"                      more seconds, until it covers every record (default 0)\n"
"  --json              end with one JSON line: records, rate, flushes, forced\n"
"                      flushes, live SSTs and bytes, trim lag per record\n"
"                      (append to covered by the durable watermark)\n"
"  --variant V         RocksDB settings: default, concurrent (4 flush jobs),\n"
"                      atomic (3 column families, atomic_flush), mempurge\n"
"                      (one flush thread), mempurge-concurrent (with 4 flush\n"
"                      jobs; RocksDB 7.8.3 may hang its close there);\n"
"                      and lifecycles, where the database changes while the\n"
"                      host runs (every few thousand records, see --seed):\n"
"                      destroy (destroyed, re-created empty, the whole log\n"
"                      replayed; the log is never trimmed), restore\n"
"                      (checkpoints in DB.ckpt; an older one restored in\n"
"                      place; the log kept above the oldest), dropcf\n"
"                      (partitions in column families g0..g2; one dropped,\n"
"                      re-created and rebuilt from the untrimmed log), ldb\n"
"                      (default settings; the crash harness runs ldb compact\n"
"                      between runs), atomic-manual (key and state in two\n"
"                      families, atomic_flush; the key's family often\n"
"                      flushed alone, lsn_tracker_flush_all now and then),\n"
"                      ingest (batches ingested as SST files; now and then a\n"
"                      file of older states and of numbers above the newest\n"
"                      ingested behind everything)\n"
"  --seed N            the lifecycle's schedule (default: time and pid)\n"
"  --segment-records N records per log segment (default 1000)\n"
"  --report FILE       append every watermark acted on, synced, before acting\n"
"  --plugin PATH       liblsn_tracker.so to load (else $LSN_TRACKER_SO, the\n"
"                      build tree, then liblsn_tracker.so.0)\n"
"  --progress S        seconds between progress lines (default 1; 0 = quiet)\n"
"  --verify            at the end, check every record was applied exactly once\n"
"  --check             only check what a killed run left (needs --db, --log)\n"
"  --fault F           for tests, simulate a broken tracker: stale (it keeps\n"
"                      the old incarnation's watermarks after a destroy,\n"
"                      restore or drop), behind (it raises from files\n"
"                      ingested behind), partial (it raises from a flush of\n"
"                      the applied-LSN key's family alone); the demo must\n"
"                      stop with AUDIT, and --check must fail\n"
"  Every watermark is checked against the database before the log is cut\n"
"  on it; one ahead of what is persisted stops the demo at once (exit 3).\n",
            DEMO_MAX_PARTITIONS);
}

typedef enum { STR, U64, U32, UNS, DBL, FLAG } kind_t;

typedef struct flag {
    const char *name;
    kind_t kind;
    size_t off;
    double lo, hi;
} flag_t;

#define F(name, kind, field, lo, hi) \
    {name, kind, offsetof(demo_config_t, field), lo, hi}
static const flag_t FLAGS[] = {
    F("--db", STR, db, 0, 0),
    F("--log", STR, log, 0, 0),
    F("--report", STR, report, 0, 0),
    F("--plugin", STR, plugin, 0, 0),
    F("--variant", STR, variant, 0, 0),
    F("--fault", STR, fault, 0, 0),
    F("--seed", U64, seed, 0, 1e18),
    F("--partitions", UNS, partitions, 1, DEMO_MAX_PARTITIONS),
    F("--records", U64, records, 0, 1e12),
    F("--seconds", DBL, seconds, 0, 1e7),
    F("--rate", U64, rate, 0, 1e9),
    F("--max-lag", U64, max_lag_ms, 1, 86400000),
    F("--write-buffer", U64, write_buffer, 65536, 1e12),
    F("--drain", DBL, drain, 0, 1e6),
    F("--watchdog", DBL, watchdog, 0.001, 1e6),
    F("--progress", DBL, progress, 0, 1e6),
    F("--segment-records", U32, seg_records, 1, 1e9),
    F("--json", FLAG, json, 0, 0),
    F("--verify", FLAG, verify, 0, 0),
    F("--check", FLAG, check, 0, 0),
};
#undef F

static int set(const flag_t *f, const char *val, demo_config_t *c)
{
    char *at = (char *)c + f->off, *end;
    double v;

    if (f->kind == STR) {
        *(const char **)at = val;
        return 0;
    }
    errno = 0;
    v = strtod(val, &end);
    if (errno || end == val || *end || v < f->lo || v > f->hi ||
        (f->kind != DBL && v != (double)(uint64_t)v)) {
        fprintf(stderr, "lsn-demo: %s: expected a%s number in [%g, %g], "
                "got '%s'\n", f->name, f->kind == DBL ? "" : " whole", f->lo,
                f->hi, val);
        return -1;
    }
    switch (f->kind) {
    case U64: *(uint64_t *)at = (uint64_t)v; break;
    case U32: *(uint32_t *)at = (uint32_t)v; break;
    case UNS: *(unsigned *)at = (unsigned)v; break;
    default: *(double *)at = v; break;
    }
    return 0;
}

/* Rules between flags, and values from a fixed set. */
static int check_values(const char *name, demo_config_t *c)
{
    if (!strcmp(name, "--records"))
        c->seconds = 0;
    else if (!strcmp(name, "--seconds"))
        c->records = 0;
    else if (!strcmp(name, "--variant") && !demo_variant(c->variant)) {
        fprintf(stderr, "lsn-demo: --variant: unknown '%s' (", c->variant);
        demo_variant_names(stderr);
        fprintf(stderr, ")\n");
        return -1;
    } else if (!strcmp(name, "--fault") && strcmp(c->fault, "stale") &&
               strcmp(c->fault, "behind") && strcmp(c->fault, "partial")) {
        fprintf(stderr, "lsn-demo: --fault: unknown '%s' (stale, behind, "
                "partial)\n", c->fault);
        return -1;
    }
    return 0;
}

int demo_args(int argc, char **argv, demo_config_t *c)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const flag_t *f = NULL;

        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            demo_usage(stdout);
            return 1;
        }
        if (!strcmp(a, "--version")) {
            printf("lsn-demo %s\n", LSN_TRACKER_VERSION_STRING);
            return 1;
        }
        for (size_t k = 0; k < sizeof FLAGS / sizeof FLAGS[0]; k++)
            if (!strcmp(a, FLAGS[k].name))
                f = &FLAGS[k];
        if (!f) {
            fprintf(stderr, "lsn-demo: unknown option '%s' (see --help)\n", a);
            return 2;
        }
        if (f->kind == FLAG) {
            *(int *)((char *)c + f->off) = 1;
            continue;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "lsn-demo: %s needs a value\n", a);
            return 2;
        }
        if (set(f, argv[++i], c) || check_values(a, c))
            return 2;
    }
    if (!c->db != !c->log) {
        fprintf(stderr, "lsn-demo: give both --db and --log, or neither\n");
        return 2;
    }
    if (c->check && !c->db) {
        fprintf(stderr, "lsn-demo: --check needs --db and --log\n");
        return 2;
    }
    return 0;
}
