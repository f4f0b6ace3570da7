/* The property decoder: any bytes, no crash, and canonical: whatever
 * decodes must encode back to exactly the same bytes (version 1 without the
 * fingerprint that version 2 carries). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "property.h"
#include "varint.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lsn_prop_t p;
    uint64_t count;

    if (lsn_prop_decode(data, size, &p) == LSN_TRACKER_OK) {
        uint8_t *out = malloc(lsn_prop_bound(p.n));
        size_t len, skip = p.version == 1 ? 8 : 0;
        if (!out)
            abort();
        for (size_t i = 1; i < p.n; i++)
            if (p.entries[i].partition <= p.entries[i - 1].partition)
                abort(); /* decoded entries must be sorted and unique */
        len = lsn_prop_encode(p.fingerprint, p.entries, p.n, out);
        if (p.version != 1 && p.version != 2)
            abort();
        if (len - skip != size || data[0] != p.version ||
            memcmp(out + 1 + skip, data + 1, size - 1))
            abort();
        free(out);
        free(p.entries);
    }

    if (lsn_prop_decode_count(data, size, &count) == LSN_TRACKER_OK) {
        uint8_t v[10];
        if (lsn_varint_put(v, count) != size || memcmp(v, data, size))
            abort();
    }
    return 0;
}
