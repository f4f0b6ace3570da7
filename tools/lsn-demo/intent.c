/* Replacing a database (destroy it, then create it empty or copy a
 * checkpoint in) takes several steps, and a kill between two of them would
 * leave neither the old database nor the new one. The step is written down
 * first, in "<log>/LIFECYCLE" (replaced atomically, synced); the next start
 * finishes it, and --check judges the database that step will leave. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "demo.h"

static void intent_path(const char *logdir, const char *leaf, char *out,
                        size_t len)
{
    snprintf(out, len, "%s/%s", logdir, leaf);
}

static int sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;
    if (fd < 0)
        return -1;
    rc = fsync(fd);
    close(fd);
    return rc;
}

int demo_intent_set(const char *logdir, const char *what, char *err,
                    size_t n)
{
    char tmp[4200], path[4200];
    FILE *f;
    int bad;

    intent_path(logdir, "LIFECYCLE.tmp", tmp, sizeof tmp);
    intent_path(logdir, "LIFECYCLE", path, sizeof path);
    if (!(f = fopen(tmp, "w"))) {
        snprintf(err, n, "%s: %s", tmp, strerror(errno));
        return -1;
    }
    fprintf(f, "%s\n", what);
    bad = fflush(f) || fsync(fileno(f));
    if (fclose(f) || bad || rename(tmp, path) || sync_dir(logdir)) {
        snprintf(err, n, "%s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

int demo_intent_get(const char *logdir, char *buf, size_t len, char *err,
                    size_t n)
{
    char path[4200];
    FILE *f;

    intent_path(logdir, "LIFECYCLE", path, sizeof path);
    if (!(f = fopen(path, "r"))) {
        if (errno == ENOENT)
            return 0;
        snprintf(err, n, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (!fgets(buf, (int)len, f) || !strchr(buf, '\n')) {
        fclose(f);
        snprintf(err, n, "%s: unreadable", path);
        return -1;
    }
    fclose(f);
    buf[strcspn(buf, "\n")] = 0;
    return 1;
}

int demo_intent_clear(const char *logdir, char *err, size_t n)
{
    char path[4200];

    intent_path(logdir, "LIFECYCLE", path, sizeof path);
    if ((unlink(path) && errno != ENOENT) || sync_dir(logdir)) {
        snprintf(err, n, "%s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}
