/* lsn-inspect DB_PATH [--cf NAME] [--json] [--property NAME]
 *
 * Prints, per column family and partition, the durable LSN recorded in the
 * live SST files of a RocksDB database, without its host running.
 * Exit status: 0 all live files read; 1 the database could not be
 * inspected; 2 bad usage; 3 inspected, but some files were corrupt or
 * unreadable (the report says which column families); 4 some live files
 * could not be accounted for (no property of this layout, and no layout in
 * the database's options to read their keys with), so no watermark can be
 * established from them. */
#include <stdio.h>
#include <string.h>

#include "inspect.h"
#include "lsn_tracker.h"

static int usage(FILE *f)
{
    fprintf(f,
            "usage: lsn-inspect DB_PATH [--cf NAME] [--json] [--property NAME]\n"
            "  --cf NAME        only this column family\n"
            "  --json           machine-readable output\n"
            "  --property NAME  the property of column families whose options "
            "do not name\n"
            "                   the collector (default lsn.max_applied)\n");
    return f == stdout ? 0 : 2;
}

/* The name goes into an options string: keep its delimiters out. */
static int property_ok(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (*s <= ' ' || *s > '~' || strchr(";{}=:", *s))
            return 0;
    return 1;
}

int main(int argc, char **argv)
{
    const char *db = NULL, *cf = NULL, *property = "lsn.max_applied";
    int json = 0, damaged = 0, unaccounted = 0;
    inspect_result_t r;
    char err[1024];

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json")) {
            json = 1;
        } else if (!strcmp(argv[i], "--cf") && i + 1 < argc) {
            cf = argv[++i];
        } else if (!strcmp(argv[i], "--property") && i + 1 < argc) {
            property = argv[++i];
        } else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            return usage(stdout);
        } else if (!strcmp(argv[i], "--version")) {
            printf("lsn-inspect %s\n", lsn_tracker_version());
            return 0;
        } else if (argv[i][0] == '-' || db) {
            fprintf(stderr, "lsn-inspect: unexpected argument '%s'\n", argv[i]);
            return usage(stderr);
        } else {
            db = argv[i];
        }
    }
    if (!db)
        return usage(stderr);
    if (!property_ok(property)) {
        fprintf(stderr, "lsn-inspect: --property: must be printable, without "
                        "spaces or ;{}=: : '%s'\n", property);
        return 2;
    }
    if (inspect_run(db, property, cf, &r, err, sizeof(err)) != 0) {
        fprintf(stderr, "lsn-inspect: %s\n", err);
        inspect_free(&r);
        return 1;
    }
    if (json)
        report_json(stdout, &r);
    else
        report_text(stdout, &r);
    for (size_t i = 0; i < r.ncfs; i++) {
        damaged |= r.cfs[i].corrupt || r.cfs[i].unreadable;
        unaccounted |= r.cfs[i].unaccounted > 0;
    }
    inspect_free(&r);
    if (fflush(stdout) != 0)
        return 1;
    return unaccounted ? 4 : damaged ? 3 : 0;
}
