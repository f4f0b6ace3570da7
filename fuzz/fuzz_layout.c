/* The key matcher with each value decoder. The first bytes of the input
 * choose a layout, set through the same option strings a host writes;
 * the rest is one key and one value. Every match is checked against a
 * plain re-reading of the bytes, and what the accumulator collects must
 * survive the property codec. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accum.h"
#include "property.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) ((c) ? (void)0 : abort())

static void hex(const uint8_t *p, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", p[i]);
    out[2 * n] = 0;
}

/* The value formats of LsnCollectorFactory, read the slow way. */
static int reference(lsn_format_t f, const uint8_t *v, size_t n,
                     uint64_t *lsn)
{
    uint64_t r = 0;
    switch (f) {
    case LSN_FMT_U64BE:
    case LSN_FMT_U64LE:
        if (n < 8)
            return -1;
        for (int i = 0; i < 8; i++)
            r |= (uint64_t)v[f == LSN_FMT_U64BE ? i : 7 - i] << (56 - 8 * i);
        break;
    case LSN_FMT_VARINT: {
        size_t i = 0;
        for (;; i++) {
            if (i >= n || i >= 10)
                return -1;
            if (i == 9 && v[i] > 1)
                return -1;
            r |= (uint64_t)(v[i] & 0x7f) << (7 * i);
            if (!(v[i] & 0x80))
                break;
        }
        break;
    }
    case LSN_FMT_DECIMAL:
        if (n == 0)
            return -1;
        for (size_t i = 0; i < n; i++) {
            if (v[i] < '0' || v[i] > '9' ||
                __builtin_mul_overflow(r, 10, &r) ||
                __builtin_add_overflow(r, (uint64_t)(v[i] - '0'), &r))
                return -1;
        }
        break;
    }
    *lsn = r;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const widths[] = {"0", "1", "2", "4", "8"};
    static const char *const formats[] = {"u64be", "u64le", "varint",
                                          "decimal"};
    char err[512], prefix[2 * 16 + 1], suffix[2 * 16 + 1], num[16];
    lsn_layout_t l;
    size_t plen, slen, klen;
    uint64_t partition = 0, lsn = 0, want;

    if (size < 6)
        return 0;
    plen = data[2] % 17;
    slen = data[3] % 17;
    if (size < 6 + plen + slen)
        return 0;
    lsn_layout_init(&l);
    hex(data + 6, plen, prefix);
    hex(data + 6 + plen, slen, suffix);
    snprintf(num, sizeof num, "%u", (unsigned)data[4] % 24);
    CHECK(lsn_layout_set(&l, "partition_bytes", widths[data[0] % 5], err,
                         sizeof err) == 0);
    CHECK(lsn_layout_set(&l, "value_format", formats[data[1] % 4], err,
                         sizeof err) == 0);
    CHECK(lsn_layout_set(&l, "key_prefix", prefix, err, sizeof err) == 0);
    CHECK(lsn_layout_set(&l, "key_suffix", suffix, err, sizeof err) == 0);
    CHECK(lsn_layout_set(&l, "value_offset", num, err, sizeof err) == 0);
    if (lsn_layout_check(&l, err, sizeof err) != 0) {
        CHECK(plen == 0 && slen == 0);
        return 0;
    }
    data += 6 + plen + slen;
    size -= 6 + plen + slen;
    /* The key is either cut at the fifth byte's choice or made to have
     * exactly the layout's length, so that matches are common. */
    klen = data[-1] & 0x80 ? lsn_layout_key_len(&l) : (size_t)(data[-1] & 0x7f);
    if (klen > size)
        return 0;
    const uint8_t *key = data, *val = data + klen;
    size_t vlen = size - klen;

    /* Copies, so that reads past either end are caught. */
    uint8_t *k = malloc(klen ? klen : 1), *v = malloc(vlen ? vlen : 1);
    CHECK(k && v);
    memcpy(k, key, klen);
    memcpy(v, val, vlen);

    lsn_match_t m = lsn_layout_match(&l, k, klen, v, vlen, &partition, &lsn);
    int is_key = klen == plen + l.partition_bytes + slen &&
                 !memcmp(k, l.prefix, plen) &&
                 !memcmp(k + klen - slen, l.suffix, slen);
    if (!is_key) {
        CHECK(m == LSN_KEY_OTHER);
    } else {
        uint64_t p = 0;
        int ok = vlen >= l.value_offset &&
                 reference(l.format, v + l.value_offset,
                           vlen - l.value_offset, &want) == 0;
        for (unsigned i = 0; i < l.partition_bytes; i++)
            p = p << 8 | k[plen + i];
        CHECK(m == (ok ? LSN_KEY_LSN : LSN_KEY_BAD_VALUE));
        if (ok)
            CHECK(partition == p && lsn == want);
    }

    /* The same pair through the per-SST accumulator and the codec. */
    lsn_accum_t *a = lsn_accum_new(&l);
    uint8_t *buf;
    size_t len;
    lsn_prop_t prop;
    CHECK(a && lsn_accum_add(a, k, klen, v, vlen) == 0);
    CHECK(lsn_accum_count(a) == (m == LSN_KEY_LSN));
    CHECK(lsn_accum_bad_values(a) == (m == LSN_KEY_BAD_VALUE));
    CHECK(lsn_accum_encode(a, &buf, &len) == LSN_TRACKER_OK);
    CHECK(lsn_prop_decode(buf, len, &prop) == LSN_TRACKER_OK);
    CHECK(prop.fingerprint == lsn_layout_fingerprint(&l));
    CHECK(prop.n == lsn_accum_count(a));
    if (prop.n)
        CHECK(prop.entries[0].partition == partition &&
              prop.entries[0].lsn == lsn);
    free(prop.entries);
    free(buf);
    lsn_accum_free(a);
    free(k);
    free(v);
    return 0;
}
