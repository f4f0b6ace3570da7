/* Loading the ABI table (lsn_abi.h). */
#include "lsn_abi.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

int lsn_abi_load(lsn_abi_t *abi, const char *path, char *err, size_t n)
{
    memset(abi, 0, sizeof(*abi));
    if (!(abi->handle = dlopen(path, RTLD_NOW | RTLD_LOCAL))) {
        snprintf(err, n, "%s", dlerror());
        return -1;
    }
#define LSN_ABI_RESOLVE(field, sym)                                           \
    if (!(*(void **)&abi->field = dlsym(abi->handle, #sym))) {                \
        snprintf(err, n, "%s: no symbol %s", path, #sym);                     \
        return -1;                                                            \
    }
    LSN_ABI(LSN_ABI_RESOLVE)
#undef LSN_ABI_RESOLVE
    return 0;
}
