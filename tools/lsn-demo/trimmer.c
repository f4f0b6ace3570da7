/* The trimmer. A watermark is written to the report (and synced) before the
 * log is cut on its strength, so after any crash the report holds every
 * watermark that was ever acted on, and the crash harness can hold the
 * reopened database to it.
 *
 * Report lines:
 *   W <partition> <watermark> [<bound>]  the tracker's watermark, and the
 *                                        trim bound the host derived from
 *                                        it (the watermark if absent)
 *   I db                                 the database is about to be
 *                                        replaced (destroyed, restored)
 *   I cf <name>                          column family <name> is about to
 *                                        be dropped and re-created
 * An "I" line starts a new incarnation: the watermarks reported before it
 * spoke for a database (or family) that is gone. */
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
    t->reported_w = calloc(parts, sizeof(uint64_t));
    t->reported_t = calloc(parts, sizeof(uint64_t));
    if (!t->reported_w || !t->reported_t) {
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

static int append(demo_trimmer_t *t, const char *buf, size_t len, char *err,
                  size_t n)
{
    if (len && t->report_fd >= 0 &&
        (write(t->report_fd, buf, len) != (ssize_t)len ||
         fdatasync(t->report_fd))) {
        snprintf(err, n, "report: %s", strerror(errno));
        return -1;
    }
    return 0;
}

int demo_trimmer_report(demo_trimmer_t *t, const uint64_t *w,
                        const uint64_t *bound, unsigned char *changed,
                        char *err, size_t n)
{
    char *buf = malloc((size_t)t->partitions * 64 + 1);
    size_t len = 0;
    int rc;

    if (!buf) {
        snprintf(err, n, "out of memory");
        return -1;
    }
    for (unsigned p = 0; p < t->partitions; p++) {
        changed[p] = w[p] > t->reported_w[p] || bound[p] > t->reported_t[p];
        if (changed[p])
            len += (size_t)sprintf(buf + len, "W %u %" PRIu64 " %" PRIu64 "\n",
                                   p, w[p], bound[p]);
    }
    rc = append(t, buf, len, err, n);
    free(buf);
    if (rc)
        return -1;
    for (unsigned p = 0; p < t->partitions; p++) {
        if (w[p] > t->reported_w[p])
            t->reported_w[p] = w[p];
        if (bound[p] > t->reported_t[p])
            t->reported_t[p] = bound[p];
    }
    return 0;
}

int demo_trimmer_trim(demo_trimmer_t *t, demo_log_t *log,
                      const uint64_t *bound, char *err, size_t n)
{
    int trimmed = 0, r;

    (void)t;
    while ((r = demo_log_trim_one(log, bound)) == 1)
        trimmed++;
    if (r < 0) {
        snprintf(err, n, "trim: %s", strerror(errno));
        return -1;
    }
    return trimmed;
}

int demo_trimmer_mark(demo_trimmer_t *t, const char *cf,
                      const unsigned char *reset, char *err, size_t n)
{
    char line[300];
    int len = cf ? snprintf(line, sizeof line, "I cf %.250s\n", cf)
                 : snprintf(line, sizeof line, "I db\n");

    if (append(t, line, (size_t)len, err, n))
        return -1;
    for (unsigned p = 0; p < t->partitions; p++)
        if (reset[p])
            t->reported_w[p] = t->reported_t[p] = 0;
    return 0;
}

void demo_trimmer_close(demo_trimmer_t *t)
{
    if (t->report_fd >= 0)
        close(t->report_fd);
    free(t->reported_w);
    free(t->reported_t);
    memset(t, 0, sizeof(*t));
    t->report_fd = -1;
}

static void forget(const demo_variant_t *v, unsigned parts, const char *cf,
                   demo_report_t *r)
{
    for (unsigned p = 0; p < parts; p++)
        if (!cf || !strcmp(cf, demo_cf_name(v, p, DEMO_KEY_APPLIED)))
            r->w[p] = r->t[p] = 0;
    r->markers++;
}

static int parse(const char *line, const demo_variant_t *v, unsigned parts,
                 demo_report_t *r)
{
    unsigned p;
    uint64_t w, t;
    char cf[256];
    int got = sscanf(line, "W %u %" SCNu64 " %" SCNu64, &p, &w, &t);

    if (got >= 2 && p < parts) {
        if (got == 2)
            t = w; /* reports written before trim bounds were */
        if (w > r->w[p])
            r->w[p] = w;
        if (t > r->t[p])
            r->t[p] = t;
        if (t > r->t_all[p])
            r->t_all[p] = t;
        r->lines++;
        return 0;
    }
    if (!strcmp(line, "I db\n")) {
        forget(v, parts, NULL, r);
        return 0;
    }
    if (sscanf(line, "I cf %255s", cf) == 1) {
        forget(v, parts, cf, r);
        return 0;
    }
    return -1;
}

int demo_report_read(const char *path, const demo_variant_t *v,
                     unsigned parts, demo_report_t *r, char *err, size_t n)
{
    FILE *f;
    char line[512];

    memset(r, 0, sizeof(*r));
    r->w = calloc(parts, sizeof(uint64_t));
    r->t = calloc(parts, sizeof(uint64_t));
    r->t_all = calloc(parts, sizeof(uint64_t));
    if (!r->w || !r->t || !r->t_all) {
        snprintf(err, n, "out of memory");
        return -1;
    }
    if (!path || !(f = fopen(path, "r"))) {
        if (!path || errno == ENOENT)
            return 0;
        snprintf(err, n, "%s: %s", path, strerror(errno));
        return -1;
    }
    while (fgets(line, sizeof line, f)) {
        /* A kill can cut the last line short; it was never acted on. */
        if (!strchr(line, '\n'))
            break;
        if (parse(line, v, parts, r)) {
            snprintf(err, n, "%s: bad line: %s", path, line);
            fclose(f);
            return -1;
        }
    }
    fclose(f);
    return 0;
}

void demo_report_free(demo_report_t *r)
{
    free(r->w);
    free(r->t);
    free(r->t_all);
    memset(r, 0, sizeof(*r));
}
