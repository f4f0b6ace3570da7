/* Printing an inspection: a table for people, JSON for programs. The JSON
 * shape is part of the tool's interface (see README.md); only add keys. */
#include <inttypes.h>
#include <stdio.h>

#include "inspect.h"

void report_text(FILE *f, const inspect_result_t *r)
{
    fprintf(f, "database: %s\nproperty: %s\n", r->db_path, r->property);
    for (size_t i = 0; i < r->ncfs; i++) {
        const inspect_cf_t *c = &r->cfs[i];

        fprintf(f,
                "\ncolumn family %s: %" PRIu64 " live SST files, %" PRIu64
                " with the property, %" PRIu64 " without, %" PRIu64
                " corrupt, %" PRIu64 " unreadable; %" PRIu64
                " undecodable values\n",
                c->name, c->files, c->with_property, c->without_property,
                c->corrupt, c->unreadable, c->bad_values);
        if (c->scanned) {
            fprintf(f, "  read key by key (no usable property): %" PRIu64 "\n",
                    c->scanned);
            for (char **p = c->scanned_files; p && *p; p++)
                fprintf(f, "    %s\n", *p);
        }
        if (c->unaccounted)
            fprintf(f,
                    "  NOT ACCOUNTED FOR: %" PRIu64 " files (%" PRIu64
                    " of another layout); the watermarks below may lag\n",
                    c->unaccounted, c->foreign);
        if (c->nparts == 0) {
            fprintf(f, "  no durable LSN recorded\n");
            continue;
        }
        fprintf(f, "  %20s  %20s\n", "partition", "durable LSN");
        for (size_t j = 0; j < c->nparts; j++)
            fprintf(f, "  %20" PRIu64 "  %20" PRIu64 "\n", c->parts[j].partition,
                    c->parts[j].lsn);
    }
}

/* Column family names and paths are bytes; escape what JSON forbids. */
static void json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p < 0x20 || *p == 0x7f)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

void report_json(FILE *f, const inspect_result_t *r)
{
    fprintf(f, "{\n  \"db\": ");
    json_string(f, r->db_path);
    fprintf(f, ",\n  \"property\": ");
    json_string(f, r->property);
    fprintf(f, ",\n  \"column_families\": [");
    for (size_t i = 0; i < r->ncfs; i++) {
        const inspect_cf_t *c = &r->cfs[i];

        fprintf(f, "%s\n    {\n      \"name\": ", i ? "," : "");
        json_string(f, c->name);
        fprintf(f,
                ",\n      \"files\": %" PRIu64
                ",\n      \"files_with_property\": %" PRIu64
                ",\n      \"files_without_property\": %" PRIu64
                ",\n      \"files_corrupt\": %" PRIu64
                ",\n      \"files_unreadable\": %" PRIu64
                ",\n      \"bad_values\": %" PRIu64
                ",\n      \"files_scanned\": %" PRIu64
                ",\n      \"files_unaccounted\": %" PRIu64
                ",\n      \"files_foreign\": %" PRIu64
                ",\n      \"scanned\": [",
                c->files, c->with_property, c->without_property, c->corrupt,
                c->unreadable, c->bad_values, c->scanned, c->unaccounted,
                c->foreign);
        for (char **p = c->scanned_files; p && *p; p++) {
            fprintf(f, "%s", p == c->scanned_files ? "" : ", ");
            json_string(f, *p);
        }
        fprintf(f, "],\n      \"partitions\": [");
        for (size_t j = 0; j < c->nparts; j++)
            fprintf(f,
                    "%s\n        {\"partition\": %" PRIu64
                    ", \"durable_lsn\": %" PRIu64 "}",
                    j ? "," : "", c->parts[j].partition, c->parts[j].lsn);
        fprintf(f, "%s]\n    }", c->nparts ? "\n      " : "");
    }
    fprintf(f, "%s]\n}\n", r->ncfs ? "\n  " : "");
}
