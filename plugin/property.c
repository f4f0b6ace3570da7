/* The property value: version byte, count, then (partition delta, lsn)
 * pairs sorted by partition. The decoder trusts nothing: a value is applied
 * whole or not at all. */
#include <stdlib.h>

#include "core.h"

size_t lsn_prop_bound(size_t n)
{
    return 1 + 10 + n * 20;
}

size_t lsn_prop_encode(const lsn_entry_t *e, size_t n, uint8_t *out)
{
    size_t len = 0;
    uint64_t prev = 0;
    out[len++] = LSN_PROP_VERSION;
    len += lsn_varint_put(out + len, n);
    for (size_t i = 0; i < n; i++) {
        len += lsn_varint_put(out + len, e[i].partition - prev);
        len += lsn_varint_put(out + len, e[i].lsn);
        prev = e[i].partition;
    }
    return len;
}

/* One pass over the value; with out NULL it only validates. */
static int walk(const uint8_t *buf, size_t len, lsn_entry_t *out,
                uint64_t *count)
{
    const uint8_t *p = buf, *end = buf + len;
    uint64_t n, prev = 0;
    size_t k;

    if (len < 2 || *p++ != LSN_PROP_VERSION)
        return LSN_TRACKER_ECORRUPT;
    if (!(k = lsn_varint_get(p, end, &n, 1)))
        return LSN_TRACKER_ECORRUPT;
    p += k;
    /* Every entry takes at least two bytes: bounds the allocation. */
    if (n > (uint64_t)(end - p) / 2)
        return LSN_TRACKER_ECORRUPT;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t delta, lsn;
        if (!(k = lsn_varint_get(p, end, &delta, 1)))
            return LSN_TRACKER_ECORRUPT;
        p += k;
        if (!(k = lsn_varint_get(p, end, &lsn, 1)))
            return LSN_TRACKER_ECORRUPT;
        p += k;
        if (i > 0 && (delta == 0 || delta > UINT64_MAX - prev))
            return LSN_TRACKER_ECORRUPT; /* unsorted, duplicate, overflow */
        prev = i > 0 ? prev + delta : delta;
        if (out) {
            out[i].partition = prev;
            out[i].lsn = lsn;
        }
    }
    if (p != end)
        return LSN_TRACKER_ECORRUPT;
    *count = n;
    return LSN_TRACKER_OK;
}

int lsn_prop_decode(const uint8_t *buf, size_t len, lsn_entry_t **out,
                    size_t *n)
{
    uint64_t count;
    lsn_entry_t *e = NULL;
    int rc;

    if (!buf || !out || !n)
        return LSN_TRACKER_EINVAL;
    if ((rc = walk(buf, len, NULL, &count)) != LSN_TRACKER_OK)
        return rc;
    if (count > 0) {
        if (!(e = malloc((size_t)count * sizeof(*e))))
            return LSN_TRACKER_ENOMEM;
        walk(buf, len, e, &count);
    }
    *out = e;
    *n = (size_t)count;
    return LSN_TRACKER_OK;
}

int lsn_prop_decode_count(const uint8_t *buf, size_t len, uint64_t *count)
{
    if (!buf || len == 0 || lsn_varint_get(buf, buf + len, count, 1) != len)
        return LSN_TRACKER_ECORRUPT;
    return LSN_TRACKER_OK;
}
