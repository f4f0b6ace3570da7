/* The property decoder: any bytes, no crash, and canonical: whatever
 * decodes must encode back to exactly the same bytes (spec 3.3). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lsn_entry_t *e = NULL;
    size_t n = 0;
    uint64_t count;

    if (lsn_prop_decode(data, size, &e, &n) == LSN_TRACKER_OK) {
        uint8_t *out = malloc(lsn_prop_bound(n));
        if (!out)
            abort();
        for (size_t i = 1; i < n; i++)
            if (e[i].partition <= e[i - 1].partition)
                abort(); /* decoded entries must be sorted and unique */
        if (lsn_prop_encode(e, n, out) != size || memcmp(out, data, size))
            abort();
        free(out);
    }
    free(e);

    if (lsn_prop_decode_count(data, size, &count) == LSN_TRACKER_OK) {
        uint8_t v[10];
        if (lsn_varint_put(v, count) != size || memcmp(v, data, size))
            abort();
    }
    return 0;
}
