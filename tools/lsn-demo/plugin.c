/* Loads liblsn_tracker.so the way any host would, with dlopen, before the
 * options that name its objects are parsed. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "demo.h"

static int try_load(demo_plugin_t *pl, const char *path, char *err, size_t n)
{
    pl->handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!pl->handle) {
        snprintf(err, n, "%s", dlerror());
        return -1;
    }
    snprintf(pl->path, sizeof pl->path, "%.4000s", path);
    return 0;
}

/* In the build tree the library is <build>/plugin, the program
 * <build>/tools/lsn-demo. */
static int build_tree_path(char *out, size_t n)
{
    char exe[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);

    if (len <= 0)
        return -1;
    exe[len] = 0;
    snprintf(out, n, "%s/../../plugin/liblsn_tracker.so", dirname(exe));
    return access(out, R_OK);
}

#define SYM(field, name)                                                      \
    do {                                                                      \
        *(void **)&pl->field = dlsym(pl->handle, name);                       \
        if (!pl->field) {                                                     \
            snprintf(err, n, "%s: no symbol %s", pl->path, name);             \
            return -1;                                                        \
        }                                                                     \
    } while (0)

int demo_plugin_load(demo_plugin_t *pl, const char *explicit_path, char *err,
                     size_t n)
{
    const char *env = getenv("LSN_TRACKER_SO");
    char tree[PATH_MAX + 32];

    memset(pl, 0, sizeof(*pl));
    if (explicit_path) {
        if (try_load(pl, explicit_path, err, n))
            return -1;
    } else if (env && *env) {
        if (try_load(pl, env, err, n))
            return -1;
    } else if (build_tree_path(tree, sizeof tree) != 0 ||
               try_load(pl, tree, err, n) != 0) {
        if (try_load(pl, "liblsn_tracker.so.0", err, n))
            return -1;
    }
    SYM(version, "lsn_tracker_version");
    SYM(strerror, "lsn_tracker_strerror");
    SYM(open, "lsn_tracker_open");
    SYM(close, "lsn_tracker_close");
    SYM(get, "lsn_tracker_get");
    SYM(eventfd, "lsn_tracker_eventfd");
    SYM(recover, "lsn_tracker_recover");
    SYM(stats, "lsn_tracker_stats");
    SYM(seed, "lsn_tracker_seed");
    /* 0.2: the flush of every column family that is safe under
     * atomic_flush before RocksDB 8.1. Optional, so that the demo runs
     * against older builds of the library too. */
    *(void **)&pl->flush_all = dlsym(pl->handle, "lsn_tracker_flush_all");
    /* 0.2: bounded lag. Optional likewise; --max-lag needs them. */
    *(void **)&pl->attach = dlsym(pl->handle, "lsn_tracker_attach");
    *(void **)&pl->detach = dlsym(pl->handle, "lsn_tracker_detach");
    if (!pl->attach != !pl->detach)
        pl->attach = NULL, pl->detach = NULL;
    return 0;
}
