/* The trimmer. A watermark is written to the report (and synced) before the
 * log is cut on its strength, so after any crash the report holds every
 * watermark that was ever acted on, and the crash harness can hold the
 * reopened database to it. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "demo.h"

int demo_trimmer_init(demo_trimmer_t *t, const char *report, unsigned parts,
                      char *err, size_t n)
{
    memset(t, 0, sizeof(*t));
    t->report_fd = -1;
    t->partitions = parts;
    if (!(t->reported = calloc(parts, sizeof(uint64_t)))) {
        snprintf(err, n, "out of memory");
        return -1;
    }
    if (report &&
        (t->report_fd = open(report, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
                             0644)) < 0) {
        snprintf(err, n, "%s: %s", report, strerror(errno));
        return -1;
    }
    return 0;
}

static int report(demo_trimmer_t *t, const uint64_t *durable, char *err,
                  size_t n)
{
    char *buf = malloc((size_t)t->partitions * 48 + 1);
    size_t len = 0;

    if (!buf) {
        snprintf(err, n, "out of memory");
        return -1;
    }
    for (unsigned p = 0; p < t->partitions; p++)
        if (durable[p] > t->reported[p])
            len += (size_t)sprintf(buf + len, "W %u %" PRIu64 "\n", p,
                                   durable[p]);
    if (len && t->report_fd >= 0 &&
        (write(t->report_fd, buf, len) != (ssize_t)len ||
         fdatasync(t->report_fd))) {
        snprintf(err, n, "report: %s", strerror(errno));
        free(buf);
        return -1;
    }
    free(buf);
    memcpy(t->reported, durable, t->partitions * sizeof(uint64_t));
    return 0;
}

int demo_trimmer_run(demo_trimmer_t *t, demo_log_t *log,
                     const uint64_t *durable, char *err, size_t n)
{
    int trimmed = 0, r;

    if (report(t, durable, err, n))
        return -1;
    while ((r = demo_log_trim_one(log, durable)) == 1)
        trimmed++;
    if (r < 0) {
        snprintf(err, n, "trim: %s", strerror(errno));
        return -1;
    }
    return trimmed;
}

void demo_trimmer_close(demo_trimmer_t *t)
{
    if (t->report_fd >= 0)
        close(t->report_fd);
    free(t->reported);
    memset(t, 0, sizeof(*t));
    t->report_fd = -1;
}

int demo_report_read(const char *path, unsigned parts, uint64_t *max,
                     uint64_t *lines, char *err, size_t n)
{
    FILE *f = fopen(path, "r");
    char line[128];
    unsigned p;
    uint64_t lsn;

    memset(max, 0, parts * sizeof(uint64_t));
    *lines = 0;
    if (!f) {
        if (errno == ENOENT)
            return 0;
        snprintf(err, n, "%s: %s", path, strerror(errno));
        return -1;
    }
    while (fgets(line, sizeof line, f)) {
        /* A kill can cut the last line short; it was never acted on. */
        if (!strchr(line, '\n'))
            break;
        if (sscanf(line, "W %u %" SCNu64, &p, &lsn) != 2 || p >= parts) {
            snprintf(err, n, "%s: bad line: %s", path, line);
            fclose(f);
            return -1;
        }
        if (lsn > max[p])
            max[p] = lsn;
        ++*lines;
    }
    fclose(f);
    return 0;
}
