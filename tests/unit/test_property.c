/* The property module: the property value, format versions 1 and 2, and
 * its ".bad_values" companion counter. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "property.h"

#define FP 0x0807060504030201ull

static uint8_t *encode(const lsn_entry_t *e, size_t n, size_t *len)
{
    uint8_t *buf = malloc(lsn_prop_bound(n));
    *len = lsn_prop_encode(FP, e, n, buf);
    return buf;
}

static int decode(const uint8_t *buf, size_t len, lsn_entry_t **e, size_t *n)
{
    lsn_prop_t p;
    int rc = lsn_prop_decode(buf, len, &p);
    if (rc == LSN_TRACKER_OK) {
        *e = p.entries;
        *n = p.n;
    }
    return rc;
}

static void round_trip(size_t n, uint64_t stride, uint64_t first)
{
    lsn_entry_t *e = malloc((n ? n : 1) * sizeof(*e)), *d = NULL;
    size_t len, m;
    for (size_t i = 0; i < n; i++) {
        e[i].partition = first + i * stride;
        e[i].lsn = (uint64_t)i * 7919u + (i % 3 ? 0 : UINT64_MAX / 2);
    }
    uint8_t *buf = encode(e, n, &len);
    cr_assert_eq(decode(buf, len, &d, &m), LSN_TRACKER_OK);
    cr_assert_eq(m, n);
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq(d[i].partition, e[i].partition);
        cr_assert_eq(d[i].lsn, e[i].lsn);
    }
    free(d);
    free(buf);
    free(e);
}

Test(property, round_trips)
{
    round_trip(0, 1, 0);
    round_trip(1, 1, 0);
    round_trip(1, 1, UINT64_MAX);
    round_trip(1000, 1, 0);          /* dense */
    round_trip(1000, 1000003, 17);   /* sparse */
    round_trip(100000, 1, 5);
    round_trip(100000, 184467440737095ull, 0); /* spans the id space */
}

Test(property, exact_bytes)
{
    lsn_entry_t e[] = {{3, 1}, {5, 300}};
    size_t len;
    uint8_t *buf = encode(e, 2, &len);
    const uint8_t want[] = {0x02, 1, 2, 3, 4, 5, 6, 7, 8,
                            0x02, 0x03, 0x01, 0x02, 0xac, 0x02};
    lsn_prop_t p;
    cr_assert_eq(len, sizeof want);
    cr_assert_arr_eq(buf, want, len);
    cr_assert_eq(lsn_prop_decode(buf, len, &p), LSN_TRACKER_OK);
    cr_assert_eq(p.version, 2);
    cr_assert_eq(p.fingerprint, FP);
    free(p.entries);
    free(buf);
}

Test(property, version_1_is_still_read)
{
    /* As 0.1 wrote it: no fingerprint, which reads as 0 (unknown). */
    const uint8_t v1[] = {0x01, 0x02, 0x03, 0x01, 0x02, 0xac, 0x02};
    lsn_prop_t p;
    cr_assert_eq(lsn_prop_decode(v1, sizeof v1, &p), LSN_TRACKER_OK);
    cr_assert_eq(p.version, 1);
    cr_assert_eq(p.fingerprint, 0);
    cr_assert_eq(p.n, 2);
    cr_assert_eq(p.entries[1].partition, 5);
    cr_assert_eq(p.entries[1].lsn, 300);
    free(p.entries);
}

static void rejects(const char *why, const uint8_t *buf, size_t len)
{
    lsn_entry_t *d = (lsn_entry_t *)1;
    size_t n = 12345;
    cr_assert_eq(decode(buf, len, &d, &n), LSN_TRACKER_ECORRUPT,
                 "accepted: %s", why);
    cr_assert_eq(n, 12345, "touched output: %s", why);
}

Test(property, rejects_malformed)
{
    rejects("empty", (const uint8_t *)"", 0);
    rejects("version only", (const uint8_t *)"\x01", 1);
    rejects("version 2 without its fingerprint", (const uint8_t[]){0x02, 0x00},
            2);
    rejects("version 2, truncated fingerprint",
            (const uint8_t[]){0x02, 1, 2, 3, 4, 5, 6, 7, 8}, 9);
    rejects("version 3", (const uint8_t[]){0x03, 1, 2, 3, 4, 5, 6, 7, 8, 0}, 10);
    rejects("version 0", (const uint8_t[]){0x00, 0x00}, 2);
    rejects("truncated count", (const uint8_t[]){0x01, 0x80}, 2);
    rejects("count without entries", (const uint8_t[]){0x01, 0x01}, 2);
    rejects("truncated lsn", (const uint8_t[]){0x01, 0x01, 0x00}, 3);
    rejects("truncated lsn varint", (const uint8_t[]){0x01, 0x01, 0x00, 0x80},
            4);
    rejects("trailing byte", (const uint8_t[]){0x01, 0x01, 0x00, 0x05, 0x00},
            5);
    rejects("unsorted (zero delta)",
            (const uint8_t[]){0x01, 0x02, 0x04, 0x01, 0x00, 0x02}, 6);
    rejects("partition overflow",
            (const uint8_t[]){0x01, 0x02, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                              0xff, 0xff, 0xff, 0x01, 0x01, 0x01, 0x01},
            15);
    rejects("lsn overflow",
            (const uint8_t[]){0x01, 0x01, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff,
                              0xff, 0xff, 0xff, 0xff, 0x02},
            13);
    rejects("non-minimal varint", (const uint8_t[]){0x01, 0x01, 0x80, 0x00, 0x05},
            5);
    rejects("count larger than the bytes",
            (const uint8_t[]){0x01, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x00, 0x00},
            8);
    rejects("foreign text", (const uint8_t *)"hello world", 11);
}

Test(property, bad_values_counter)
{
    uint64_t c;
    cr_assert_eq(lsn_prop_decode_count((const uint8_t *)"\x05", 1, &c), 0);
    cr_assert_eq(c, 5);
    cr_assert_neq(lsn_prop_decode_count((const uint8_t *)"\x05\x00", 2, &c), 0);
    cr_assert_neq(lsn_prop_decode_count((const uint8_t *)"", 0, &c), 0);
    cr_assert_neq(lsn_prop_decode_count((const uint8_t *)"\x85", 1, &c), 0);
}

Test(property, size_per_partition)
{
    /* 10 000 dense partitions, LSNs below 2^35: 1 + 5 bytes each, plus
     * an 11-byte header. */
    size_t n = 10000, len;
    lsn_entry_t *e = malloc(n * sizeof(*e));
    for (size_t i = 0; i < n; i++)
        e[i] = (lsn_entry_t){i, 30000000000ull + i};
    uint8_t *buf = encode(e, n, &len);
    cr_assert_leq(len, 8 * n);
    free(buf);
    free(e);
}
