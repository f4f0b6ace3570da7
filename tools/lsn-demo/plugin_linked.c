/* demo_plugin_load for an lsn-demo linked with a RocksDB that has the
 * plugin compiled in (tests/compat builds it so, in place of plugin.c):
 * there is no library to load, RocksDB's registrar has registered the
 * objects, and the ABI is in the program. */
#include <stdio.h>
#include <string.h>

#include "demo.h"

int demo_plugin_load(demo_plugin_t *pl, const char *explicit_path, char *err,
                     size_t n)
{
    memset(pl, 0, sizeof(*pl));
    if (explicit_path) {
        snprintf(err, n, "--plugin %s: this lsn-demo has the plugin linked in",
                 explicit_path);
        return -1;
    }
    lsn_abi_link(&pl->abi);
    snprintf(pl->path, sizeof pl->path, "(linked)");
    return 0;
}
