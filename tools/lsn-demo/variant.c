/* The variants: RocksDB settings, where each kind of key lives, and what
 * happens to the database during its life. A variant is chosen when the log
 * is created and recorded in its META file. */
#include <stdio.h>
#include <string.h>

#include "demo.h"

#define PLUGIN_OPTS                                                          \
    "listeners={id=LsnFlushListener;tracker=" DEMO_TRACKER "};"            \
    "table_properties_collectors={id=LsnCollectorFactory;key_prefix=4c}"

static const demo_variant_t variants[] = {
    {.name = "default", .options = "write_buffer_size=1048576;" PLUGIN_OPTS,
     .ncf = 1, .cf_names = {"default"}},
    {.name = "concurrent",
     .options = "max_background_flushes=4;max_background_jobs=8;"
                "max_write_buffer_number=6;write_buffer_size=65536;" PLUGIN_OPTS,
     .ncf = 1, .cf_names = {"default"}},
    {.name = "atomic",
     .options = "atomic_flush=true;write_buffer_size=262144;" PLUGIN_OPTS,
     .ncf = 3, .cf_names = {"default", "ring", "aggregate"},
     .cf_of = {0, 1, 2}},
    /* In 7.8.3 experimental_mempurge_threshold in an options string is
     * taken as the deprecated DB option and ignored; demo_db_open sets the
     * column family option through the C API instead. One flush thread:
     * the configuration docs/correctness.md (2.4) calls safe. */
    {.name = "mempurge",
     .options = "max_write_buffer_number=4;max_background_flushes=1;"
                "write_buffer_size=262144;" PLUGIN_OPTS,
     .ncf = 1, .cf_names = {"default"}, .mempurge = 1},
    /* Both at once: purged memtables queued behind concurrent flushes. In
     * 7.8.3 this meets RocksDB's own MemPurge ordering bugs
     * (facebook/rocksdb#11251): a close can wait forever for a flush that
     * is never installed. For soaks by hand, not for CI. */
    {.name = "mempurge-concurrent",
     .options = "max_background_flushes=4;max_background_jobs=8;"
                "max_write_buffer_number=6;write_buffer_size=131072;" PLUGIN_OPTS,
     .ncf = 1, .cf_names = {"default"}, .mempurge = 1},

    /* ---- lifecycles: the database changes under the tracker ---- */
    /* Destroyed and re-created empty now and then; the re-creation replays
     * the whole log, so the log is never trimmed. */
    {.name = "destroy", .options = "write_buffer_size=1048576;" PLUGIN_OPTS,
     .ncf = 1, .cf_names = {"default"}, .life = DEMO_LIFE_DESTROY,
     .keeps_log = 1},
    /* Checkpoints now and then; an older one restored in place. */
    {.name = "restore", .options = "write_buffer_size=1048576;" PLUGIN_OPTS,
     .ncf = 1, .cf_names = {"default"}, .life = DEMO_LIFE_RESTORE},
    /* Partition p lives in column family g<p % 3>; a group's family is
     * dropped, re-created under its name and rebuilt from the log, which is
     * therefore never trimmed. */
    {.name = "dropcf", .options = "write_buffer_size=262144;" PLUGIN_OPTS,
     .ncf = 4, .cf_names = {"default", "g0", "g1", "g2"}, .groups = 3,
     .life = DEMO_LIFE_DROPCF, .keeps_log = 1},
    /* The default settings; the crash harness runs `ldb compact` (no
     * plugin, so no property in its output) between a kill and the next
     * start. */
    {.name = "ldb", .options = "write_buffer_size=1048576;" PLUGIN_OPTS,
     .ncf = 1, .cf_names = {"default"}, .life = DEMO_LIFE_LDB},
    /* The applied-LSN key in "default", the state in "state", one batch,
     * atomic_flush; "default" is often flushed alone, which RocksDB
     * does without the state. The state carries its own LSN, the truth a
     * restart replays from. */
    {.name = "atomic-manual",
     .options = "atomic_flush=true;write_buffer_size=262144;" PLUGIN_OPTS,
     .ncf = 2, .cf_names = {"default", "state"}, .cf_of = {0, 1, 1},
     .life = DEMO_LIFE_MANUAL_FLUSH, .key_may_differ = 1},
    /* Some batches go in as SST files (SstFileWriter, then ingestion), and
     * now and then a file of other applied LSNs (older states, or numbers
     * above the newest) is ingested behind everything. Leveled
     * compaction fills levels from L1 down, as before 8.x: with dynamic
     * level sizes (the default from 8.x) L0 goes straight to the last
     * level, and the next ingestion behind no longer fits there. */
    {.name = "ingest",
     .options = "allow_ingest_behind=true;level_compaction_dynamic_level_bytes=false;"
                "write_buffer_size=1048576;" PLUGIN_OPTS,
     .ncf = 1, .cf_names = {"default"}, .life = DEMO_LIFE_INGEST},
};

const demo_variant_t *demo_variant(const char *name)
{
    for (size_t i = 0; i < sizeof variants / sizeof *variants; i++)
        if (!strcmp(variants[i].name, name))
            return &variants[i];
    return NULL;
}

void demo_variant_names(FILE *f)
{
    for (size_t i = 0; i < sizeof variants / sizeof *variants; i++)
        fprintf(f, "%s%s", i ? ", " : "", variants[i].name);
}

int demo_cf_of(const demo_variant_t *v, unsigned p, int kind)
{
    return v->groups ? 1 + (int)(p % (unsigned)v->groups) : v->cf_of[kind];
}

const char *demo_cf_name(const demo_variant_t *v, unsigned p, int kind)
{
    return v->cf_names[demo_cf_of(v, p, kind)];
}
