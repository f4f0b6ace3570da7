/* Bad input of spec section 8 that the other suites leave out: fuzzer
 * findings kept as regression tests, invalid arguments beyond the common
 * ones, and properties that are foreign to the decoder arriving through a
 * real flush, ingestion and recovery. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "lsnt.h"

/* fuzz_layout: a value exactly value_offset bytes long left nothing to
 * decode, and the varint decoder was handed a null pointer plus zero
 * (undefined behaviour, reported by UBSan). It must simply be bad. */
Test(fuzz_regressions, varint_value_no_longer_than_its_offset)
{
    lsn_layout_t l;
    char err[256];
    const uint8_t key[] = {'L', 0, 0, 0, 0, 0, 0, 0, 7};
    const uint8_t val[] = {0x01, 0x08};
    uint64_t p = 0, lsn = 0;

    lsn_layout_init(&l);
    cr_assert_eq(lsn_layout_set(&l, "key_prefix", "4c", err, sizeof err), 0);
    cr_assert_eq(lsn_layout_set(&l, "value_format", "varint", err, sizeof err),
                 0);
    cr_assert_eq(lsn_layout_set(&l, "value_offset", "2", err, sizeof err), 0);
    cr_assert_eq(lsn_layout_match(&l, key, sizeof key, val, sizeof val, &p,
                                  &lsn),
                 LSN_KEY_BAD_VALUE);
    cr_assert_eq(lsn_layout_match(&l, key, sizeof key, val, 1, &p, &lsn),
                 LSN_KEY_BAD_VALUE);
    for (int f = LSN_FMT_U64BE; f <= LSN_FMT_DECIMAL; f++)
        cr_assert_neq(lsn_value_decode((lsn_format_t)f, NULL, 0, &lsn), 0,
                      "format %d decoded nothing", f);
}
