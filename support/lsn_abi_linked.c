/* Filling the ABI table (lsn_abi.h) from functions linked into the
 * program: for hosts of a RocksDB with the plugin compiled in, where there
 * is no library to dlopen. */
#include "lsn_abi.h"

#include <string.h>

void lsn_abi_link(lsn_abi_t *abi)
{
    memset(abi, 0, sizeof(*abi));
#define LSN_ABI_TAKE(field, sym) abi->field = sym;
    LSN_ABI(LSN_ABI_TAKE)
#undef LSN_ABI_TAKE
}
