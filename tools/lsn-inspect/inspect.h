/* lsn-inspect: the durable LSNs recorded in a database's live SST files. */
#ifndef LSN_INSPECT_H
#define LSN_INSPECT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct inspect_partition {
    uint64_t partition;
    uint64_t lsn;
} inspect_partition_t;

/* One column family: what its live SSTs say. */
typedef struct inspect_cf {
    char *name;
    uint64_t files;            /* live SST files */
    uint64_t with_property;    /* ... whose property decoded */
    uint64_t without_property; /* ... written without the collector */
    uint64_t corrupt;          /* ... whose property was rejected */
    uint64_t unreadable;       /* ... that could not be read */
    uint64_t scanned;          /* ... read key by key with the layout */
    uint64_t unaccounted;      /* ... neither: no watermark from them */
    uint64_t foreign;          /* ... whose property another layout wrote */
    char **scanned_files;      /* paths of the files read key by key */
    uint64_t bad_values;       /* undecodable values the files report */
    inspect_partition_t *parts; /* sorted by partition */
    size_t nparts;
} inspect_cf_t;

typedef struct inspect_result {
    const char *db_path;
    const char *property;
    inspect_cf_t *cfs; /* in the order RocksDB lists them */
    size_t ncfs;
} inspect_result_t;

/* Opens db_path read-only (never taking its lock, so a running host may
 * keep it open) and reads every live SST of every column family, or only
 * of column family `only` when it is not NULL. Returns 0, or -1 with a
 * message in err. */
int inspect_run(const char *db_path, const char *property, const char *only,
                inspect_result_t *out, char *err, size_t errlen);
void inspect_free(inspect_result_t *r);

/* report.c */
void report_text(FILE *f, const inspect_result_t *r);
void report_json(FILE *f, const inspect_result_t *r);

#endif
