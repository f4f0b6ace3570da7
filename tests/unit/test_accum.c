/* The accum module: the collector's per-SST accumulator, the largest LSN
 * per partition among the applied-LSN keys of one file, encoded as the
 * property once the file is finished. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "accum.h"
#include "property.h"

static lsn_accum_t *accum_with(const char *const *kv)
{
    lsn_layout_t l;
    char err[256];
    lsn_accum_t *a;
    lsn_layout_init(&l);
    for (; *kv; kv += 2)
        cr_assert_eq(lsn_layout_set(&l, kv[0], kv[1], err, sizeof err), 0,
                     "%s=%s: %s", kv[0], kv[1], err);
    cr_assert_eq(lsn_layout_check(&l, err, sizeof err), 0, "%s", err);
    cr_assert_not_null(a = lsn_accum_new(&l));
    return a;
}

/* Key "L" + u64be partition, value u64be LSN. */
static lsn_accum_t *accum(void)
{
    return accum_with((const char *const[]){"key_prefix", "4c", 0});
}

static void add(lsn_accum_t *a, uint64_t p, uint64_t lsn)
{
    uint8_t k[9] = {'L'}, v[8];
    for (int i = 0; i < 8; i++) {
        k[1 + i] = (uint8_t)(p >> (56 - 8 * i));
        v[i] = (uint8_t)(lsn >> (56 - 8 * i));
    }
    cr_assert_eq(lsn_accum_add(a, k, 9, v, 8), 0);
}

static lsn_prop_t encoded(lsn_accum_t *a)
{
    uint8_t *buf;
    size_t len;
    lsn_prop_t p;
    cr_assert_eq(lsn_accum_encode(a, &buf, &len), LSN_TRACKER_OK);
    cr_assert_eq(lsn_prop_decode(buf, len, &p), LSN_TRACKER_OK);
    free(buf);
    return p;
}

Test(accum, max_per_partition_sorted)
{
    lsn_accum_t *a = accum();
    for (uint64_t r = 0; r < 3; r++)
        for (uint64_t p = 5000; p-- > 0;)
            add(a, p * 3, 100 * p + (r == 1 ? 50 : r));
    add(a, 6, 0); /* lower: ignored */
    cr_assert_eq(lsn_accum_add(a, (const uint8_t *)"Lshort", 6,
                               (const uint8_t *)"x", 1), 0);
    cr_assert_eq(lsn_accum_add(a, (const uint8_t *)"L\0\0\0\0\0\0\0\x01", 9,
                               (const uint8_t *)"x", 1), 0);
    cr_assert_eq(lsn_accum_count(a), 5000);
    cr_assert_eq(lsn_accum_bad_values(a), 1);
    lsn_prop_t p = encoded(a);
    cr_assert_eq(p.n, 5000);
    for (size_t i = 0; i < p.n; i++) {
        cr_assert_eq(p.entries[i].partition, i * 3);
        cr_assert_eq(p.entries[i].lsn, 100 * i + 50);
    }
    free(p.entries);
    lsn_accum_free(a);
}

Test(accum, empty_file_encodes_empty_map)
{
    lsn_accum_t *a = accum();
    uint8_t *buf;
    size_t len;
    cr_assert_eq(lsn_accum_encode(a, &buf, &len), LSN_TRACKER_OK);
    cr_assert_eq(len, 10);
    cr_assert_eq(buf[0], 2);
    cr_assert_eq(buf[9], 0);
    free(buf);
    cr_assert_eq(lsn_accum_count(a), 0);
    cr_assert_eq(lsn_accum_max_lsn(a), 0);
    lsn_accum_free(a);
}

/* Only keys of the layout's exact length and affixes count; a matching key
 * whose value does not decode is counted as bad, never as an LSN. */
Test(accum, other_keys_and_bad_values)
{
    lsn_accum_t *a = accum();
    const uint8_t v[8] = {0, 0, 0, 0, 0, 0, 0, 9};
    cr_assert_eq(lsn_accum_add(a, (const uint8_t *)"M\0\0\0\0\0\0\0\x01", 9,
                               v, 8), 0);
    cr_assert_eq(lsn_accum_add(a, (const uint8_t *)"L\0\0\0\0\0\0\0\x01\x00",
                               10, v, 8), 0);
    cr_assert_eq(lsn_accum_add(a, (const uint8_t *)"L", 1, v, 8), 0);
    cr_assert_eq(lsn_accum_add(a, NULL, 0, v, 8), 0);
    cr_assert_eq(lsn_accum_count(a), 0);
    cr_assert_eq(lsn_accum_bad_values(a), 0);
    for (size_t n = 0; n < 8; n++) /* too short for u64be */
        cr_assert_eq(lsn_accum_add(a, (const uint8_t *)"L\0\0\0\0\0\0\0\x02",
                                   9, v, n), 0);
    cr_assert_eq(lsn_accum_bad_values(a), 8);
    cr_assert_eq(lsn_accum_count(a), 0);
    cr_assert_eq(lsn_accum_max_lsn(a), 0);
    add(a, 2, 5);
    cr_assert_eq(lsn_accum_count(a), 1);
    cr_assert_eq(lsn_accum_bad_values(a), 8);
    lsn_accum_free(a);
}

/* The table grows from nothing through many doublings; sparse ids, 0 and
 * UINT64_MAX are partitions like any other, and max_lsn follows the
 * largest LSN of any partition. */
Test(accum, growth_and_extreme_ids)
{
    lsn_accum_t *a = accum();
    const size_t n = 70000;
    for (size_t i = 0; i < n; i++)
        add(a, (uint64_t)i * 0x9E3779B97F4A7C15ull, i + 1);
    add(a, 0, 3);
    add(a, UINT64_MAX, UINT64_MAX);
    add(a, UINT64_MAX, 1); /* lower: ignored */
    cr_assert_eq(lsn_accum_count(a), n + 1); /* i = 0 is partition 0 */
    cr_assert_eq(lsn_accum_max_lsn(a), UINT64_MAX);
    lsn_prop_t p = encoded(a);
    cr_assert_eq(p.n, n + 1);
    for (size_t i = 1; i < p.n; i++)
        cr_assert_lt(p.entries[i - 1].partition, p.entries[i].partition);
    cr_assert_eq(p.entries[0].partition, 0);
    cr_assert_eq(p.entries[0].lsn, 3);
    cr_assert_eq(p.entries[p.n - 1].partition, UINT64_MAX);
    cr_assert_eq(p.entries[p.n - 1].lsn, UINT64_MAX);
    free(p.entries);
    lsn_accum_free(a);
}

/* The property carries the fingerprint of the layout the accumulator was
 * made with, so that a reader can tell which layout wrote it. */
Test(accum, property_carries_the_layout_fingerprint)
{
    lsn_layout_t l;
    char err[256];
    lsn_layout_init(&l);
    cr_assert_eq(lsn_layout_set(&l, "key_suffix", "02", err, sizeof err), 0);
    cr_assert_eq(lsn_layout_set(&l, "partition_bytes", "2", err, sizeof err),
                 0);
    cr_assert_eq(lsn_layout_set(&l, "value_format", "decimal", err,
                                sizeof err), 0);
    lsn_accum_t *a = lsn_accum_new(&l);
    cr_assert_not_null(a);
    cr_assert_eq(lsn_accum_add(a, (const uint8_t *)"\x01\x02\x02", 3,
                               (const uint8_t *)"1234", 4), 0);
    cr_assert_eq(lsn_accum_add(a, (const uint8_t *)"\x01\x02\x02", 3,
                               (const uint8_t *)"99", 2), 0);
    lsn_prop_t p = encoded(a);
    cr_assert_eq(p.version, LSN_PROP_VERSION);
    cr_assert_eq(p.fingerprint, lsn_layout_fingerprint(&l));
    cr_assert_eq(p.n, 1);
    cr_assert_eq(p.entries[0].partition, 0x0102);
    cr_assert_eq(p.entries[0].lsn, 1234);
    free(p.entries);
    lsn_accum_free(a);
}

/* partition_bytes=0: every applied-LSN key is partition 0. */
Test(accum, no_partition_field_is_partition_0)
{
    lsn_accum_t *a = accum_with((const char *const[]){
        "key_prefix", "6170706c696564", "partition_bytes", "0", 0});
    const uint8_t v1[8] = {0, 0, 0, 0, 0, 0, 0, 7},
                  v2[8] = {0, 0, 0, 0, 0, 0, 1, 0};
    cr_assert_eq(lsn_accum_add(a, (const uint8_t *)"applied", 7, v1, 8), 0);
    cr_assert_eq(lsn_accum_add(a, (const uint8_t *)"applied", 7, v2, 8), 0);
    cr_assert_eq(lsn_accum_add(a, (const uint8_t *)"applies", 7, v2, 8), 0);
    cr_assert_eq(lsn_accum_count(a), 1);
    lsn_prop_t p = encoded(a);
    cr_assert_eq(p.n, 1);
    cr_assert_eq(p.entries[0].partition, 0);
    cr_assert_eq(p.entries[0].lsn, 256);
    free(p.entries);
    lsn_accum_free(a);
}
