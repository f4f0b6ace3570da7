/* The property value and its ".bad_values" companion, written by the
 * collector and read by the listener, recovery and lsn-inspect.
 *
 * Version 2: byte 0x02, the writer's layout fingerprint (8 bytes, little
 * endian), LEB128 count, then (partition delta, lsn) LEB128 pairs sorted by
 * partition. Version 1 is the same without the fingerprint. The decoder
 * trusts nothing: a value is applied whole or not at all. */
#include <stdlib.h>
#include <string.h>

#include "property.h"
#include "varint.h"

size_t lsn_prop_bound(size_t n)
{
    return 1 + 8 + 10 + n * 20;
}

size_t lsn_prop_encode(uint64_t fingerprint, const lsn_entry_t *e, size_t n,
                       uint8_t *out)
{
    size_t len = 0;
    uint64_t prev = 0;

    out[len++] = LSN_PROP_VERSION;
    for (int i = 0; i < 8; i++)
        out[len++] = (uint8_t)(fingerprint >> (8 * i));
    len += lsn_varint_put(out + len, n);
    for (size_t i = 0; i < n; i++) {
        len += lsn_varint_put(out + len, e[i].partition - prev);
        len += lsn_varint_put(out + len, e[i].lsn);
        prev = e[i].partition;
    }
    return len;
}

/* The header: version, fingerprint (0 for version 1) and count. Returns the
 * bytes consumed, 0 if malformed. */
static size_t header(const uint8_t *buf, size_t len, uint64_t *fp,
                     uint64_t *count)
{
    const uint8_t *p = buf, *end = buf + len;
    size_t k;

    if (len < 2)
        return 0;
    *fp = 0;
    if (*p == 2) {
        if (len < 10)
            return 0;
        for (int i = 0; i < 8; i++)
            *fp |= (uint64_t)p[1 + i] << (8 * i);
        p += 9;
    } else if (*p == 1) {
        p++;
    } else {
        return 0;
    }
    if (!(k = lsn_varint_get(p, end, count, 1)))
        return 0;
    p += k;
    /* Every entry takes at least two bytes: bounds the allocation. */
    if (*count > (uint64_t)(end - p) / 2)
        return 0;
    return (size_t)(p - buf);
}

int lsn_prop_decode(const uint8_t *buf, size_t len, lsn_prop_t *out)
{
    const uint8_t *p, *end = buf + len;
    uint64_t n, prev = 0;
    size_t k;
    lsn_entry_t *e = NULL;

    if (!buf || !out)
        return LSN_TRACKER_EINVAL;
    if (!(k = header(buf, len, &out->fingerprint, &n)))
        return LSN_TRACKER_ECORRUPT;
    p = buf + k;
    if (n > 0 && !(e = malloc((size_t)n * sizeof(*e))))
        return LSN_TRACKER_ENOMEM;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t delta, lsn;
        if (!(k = lsn_varint_get(p, end, &delta, 1)))
            goto corrupt;
        p += k;
        if (!(k = lsn_varint_get(p, end, &lsn, 1)))
            goto corrupt;
        p += k;
        if (i > 0 && (delta == 0 || delta > UINT64_MAX - prev))
            goto corrupt; /* unsorted, duplicate, overflow */
        prev = i > 0 ? prev + delta : delta;
        e[i].partition = prev;
        e[i].lsn = lsn;
    }
    if (p != end)
        goto corrupt;
    out->version = buf[0];
    out->entries = e;
    out->n = (size_t)n;
    return LSN_TRACKER_OK;
corrupt:
    free(e);
    return LSN_TRACKER_ECORRUPT;
}

size_t lsn_prop_encode_count(uint64_t count, uint8_t out[10])
{
    return lsn_varint_put(out, count);
}

int lsn_prop_decode_count(const uint8_t *buf, size_t len, uint64_t *count)
{
    if (!buf || len == 0 || lsn_varint_get(buf, buf + len, count, 1) != len)
        return LSN_TRACKER_ECORRUPT;
    return LSN_TRACKER_OK;
}
