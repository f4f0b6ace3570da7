/* The C ABI of liblsn_tracker.so as a table of function pointers, for the
 * programs here that load the library with dlopen as a host in any
 * language would (the tests, lsn-demo). One list: a function added to
 * lsn_tracker.h is added to LSN_ABI once, and its type comes from the
 * header's own declaration. */
#ifndef LSN_ABI_H
#define LSN_ABI_H

#include <stddef.h>

#include "lsn_tracker.h"

/* X(field, symbol) for every exported function. */
#define LSN_ABI(X)                                                            \
    X(version, lsn_tracker_version)                                           \
    X(strerror, lsn_tracker_strerror)                                         \
    X(reg, lsn_tracker_register)                                              \
    X(open, lsn_tracker_open)                                                 \
    X(acquire, lsn_tracker_acquire)                                           \
    X(close, lsn_tracker_close)                                               \
    X(get, lsn_tracker_get)                                                   \
    X(wait, lsn_tracker_wait)                                                 \
    X(subscribe, lsn_tracker_subscribe)                                       \
    X(unsubscribe, lsn_tracker_unsubscribe)                                   \
    X(eventfd, lsn_tracker_eventfd)                                           \
    X(foreach, lsn_tracker_foreach)                                           \
    X(seed, lsn_tracker_seed)                                                 \
    X(recover, lsn_tracker_recover)                                           \
    X(recover_report, lsn_tracker_recover_report)                             \
    X(recover_sst, lsn_tracker_recover_sst)                                   \
    X(flush_all, lsn_tracker_flush_all)                                       \
    X(attach, lsn_tracker_attach)                                             \
    X(detach, lsn_tracker_detach)                                             \
    X(stats, lsn_tracker_stats)                                               \
    X(cf, lsn_tracker_cf)                                                     \
    X(cf_get, lsn_tracker_cf_get)                                             \
    X(recover_cxx, lsn_tracker_recover_cxx)                                   \
    X(recover_report_cxx, lsn_tracker_recover_report_cxx)                     \
    X(flush_all_cxx, lsn_tracker_flush_all_cxx)                               \
    X(attach_cxx, lsn_tracker_attach_cxx)

typedef struct lsn_abi {
    void *handle;
#define LSN_ABI_FIELD(field, sym) __typeof__(&sym) field;
    LSN_ABI(LSN_ABI_FIELD)
#undef LSN_ABI_FIELD
} lsn_abi_t;

/* dlopen()s path (RTLD_NOW | RTLD_LOCAL) and resolves every function of
 * the list. Returns 0, or -1 with the reason (dlopen's, or the first
 * missing symbol) in err. */
int lsn_abi_load(lsn_abi_t *abi, const char *path, char *err, size_t n);

/* Fills the table with the functions linked into the program (a RocksDB
 * with the plugin compiled in, or liblsn_tracker.a); handle stays NULL.
 * In lsn_abi_linked.c, so that programs using lsn_abi_load alone do not
 * pull the functions in. */
void lsn_abi_link(lsn_abi_t *abi);

#endif
