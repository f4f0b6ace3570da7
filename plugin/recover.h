/* Recovery's newest-version merge over live files. Internal to the library. */
#ifndef LSN_RECOVER_H
#define LSN_RECOVER_H

#include "tracker.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct lsn_recovery lsn_recovery_t;
lsn_recovery_t *lsn_recovery_new(void);
void lsn_recovery_free(lsn_recovery_t *r);
/* Adds what one live file holds; level and largest sequence number place
 * it in RocksDB's read order. */
int lsn_recovery_add(lsn_recovery_t *r, const char *cf,
                                uint32_t cf_id, int level, uint64_t seqno,
                                const lsn_entry_t *e, size_t n);
/* Applies, per family and partition, the newest version found. */
int lsn_recovery_apply(lsn_recovery_t *r, lsn_tracker_t *t,
                                  uint64_t ticket);

#ifdef __cplusplus
}
#endif
#endif
