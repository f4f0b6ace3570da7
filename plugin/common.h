/* Definitions every module of the C core shares. Internal to the library. */
#ifndef LSN_COMMON_H
#define LSN_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include "lsn_tracker.h"

#ifdef __cplusplus
extern "C" {
#endif

#define LSN_DEFAULT_PROPERTY "lsn.max_applied"
#define LSN_BAD_VALUES_SUFFIX ".bad_values"
#define LSN_AFFIX_MAX 256
#define LSN_PROPERTY_MAX 200
#define LSN_TRACKER_NAME_MAX 4096
#define LSN_VALUE_OFFSET_MAX 65536
#define LSN_PROP_VERSION 2
#define LSN_CF_ID_UNKNOWN UINT32_MAX

/* The home slot of a partition in an open-addressing table of cap (a power
 * of two) slots: Fibonacci hashing, whose high bits spread dense ids. */
static inline size_t lsn_slot_of(uint64_t partition, size_t cap)
{
    return (size_t)((partition * 0x9E3779B97F4A7C15ull) >> 32) & (cap - 1);
}

/* One partition's applied LSN. */
typedef struct lsn_entry {
    uint64_t partition;
    uint64_t lsn;
} lsn_entry_t;

#ifdef __cplusplus
}
#endif
#endif
