/* Loads liblsn_tracker.so the way any host would, with dlopen, before the
 * options that name its objects are parsed. */
#define _GNU_SOURCE
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "demo.h"

static int try_load(demo_plugin_t *pl, const char *path, char *err, size_t n)
{
    if (lsn_abi_load(&pl->abi, path, err, n))
        return -1;
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
    return 0;
}
