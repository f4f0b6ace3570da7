/* The settings a log is created with. Reopening with other ones would make
 * the applied state meaningless, so they are written once and then checked. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "demo.h"

int demo_meta(const char *logdir, unsigned *partitions, const char *variant,
              int create, char *err, size_t n)
{
    char path[4200], v[64];
    unsigned p;
    FILE *f;

    snprintf(path, sizeof path, "%s/META", logdir);
    if ((f = fopen(path, "r"))) {
        int ok = fscanf(f, "partitions %u variant %63s", &p, v) == 2;
        fclose(f);
        if (!ok) {
            snprintf(err, n, "%s: unreadable", path);
            return -1;
        }
        if (*partitions && *partitions != p) {
            snprintf(err, n, "%s: log was created with --partitions %u, not %u",
                     logdir, p, *partitions);
            return -1;
        }
        if (strcmp(v, variant)) {
            snprintf(err, n, "%s: log was created with --variant %s, not %s",
                     logdir, v, variant);
            return -1;
        }
        *partitions = p;
        return 0;
    }
    if (errno != ENOENT || !create) {
        snprintf(err, n, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (!(f = fopen(path, "w"))) {
        snprintf(err, n, "%s: %s", path, strerror(errno));
        return -1;
    }
    fprintf(f, "partitions %u variant %s\n", *partitions, variant);
    int bad = fflush(f) || fsync(fileno(f));
    if (fclose(f) || bad) {
        snprintf(err, n, "%s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}
