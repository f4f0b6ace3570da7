/* Bad input through the ABI, without a database, beyond what
 * abi_tracker's abi::null_and_invalid_arguments covers: files that are not
 * SSTs, sizes at the edges, ids never handed out, names at the edges. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lsnt.h"

static int never_visit(void *arg, const char *cf, uint64_t p, uint64_t lsn)
{
    (void)cf;
    (void)p;
    (void)lsn;
    ++*(int *)arg;
    return 1;
}

static void never_called(void *arg, const char *cf, uint64_t p, uint64_t lsn)
{
    never_visit(arg, cf, p, lsn);
}

Test(abi, more_invalid_arguments)
{
    const lsnt_api_t *a = lsnt_api();
    char *name = lsnt_unique("einval2"), *dir = lsnt_tmpdir("einval"), *path;
    lsn_tracker_t *t = a->open(name);
    uint64_t v = 99, id;
    int calls = 0;
    FILE *f;

    /* Not an SST: missing, empty, text. */
    cr_assert(asprintf(&path, "%s/none.sst", dir) > 0);
    cr_assert_eq(a->recover_sst(t, NULL, path), LSN_TRACKER_EIO);
    cr_assert_not_null(f = fopen(path, "w"));
    fclose(f);
    cr_assert_eq(a->recover_sst(t, NULL, path), LSN_TRACKER_EIO);
    cr_assert_not_null(f = fopen(path, "w"));
    fputs("not an sst file, not even close\n", f);
    fclose(f);
    cr_assert_eq(a->recover_sst(t, "cf", path), LSN_TRACKER_EIO);
    cr_assert_eq(a->recover_sst(t, NULL, dir), LSN_TRACKER_EIO);

    /* stats: the size field itself must fit; larger callers get ours. */
    for (uint32_t size = 1; size < sizeof(uint32_t); size++) {
        lsn_tracker_stats_t st = {.size = size};
        cr_assert_eq(a->stats(t, &st), LSN_TRACKER_EINVAL, "size %u", size);
    }
    struct {
        lsn_tracker_stats_t s;
        char more[64];
    } big = {.s.size = sizeof big};
    cr_assert_eq(a->stats(t, &big.s), LSN_TRACKER_OK);
    cr_assert_eq(big.s.size, sizeof(lsn_tracker_stats_t));

    /* Subscriptions: an id never handed out, and one cancelled twice. */
    cr_assert_eq(a->unsubscribe(t, 0), LSN_TRACKER_NOT_FOUND);
    cr_assert_eq(a->unsubscribe(t, UINT64_MAX), LSN_TRACKER_NOT_FOUND);
    cr_assert_eq(a->subscribe(t, never_called, &calls, &id), LSN_TRACKER_OK);
    cr_assert_eq(a->unsubscribe(t, id), LSN_TRACKER_OK);
    cr_assert_eq(a->unsubscribe(t, id), LSN_TRACKER_NOT_FOUND);

    /* A NULL tracker never blocks, whatever the timeout. */
    cr_assert_eq(a->wait(NULL, NULL, 0, 1, -1, NULL), LSN_TRACKER_EINVAL);
    cr_assert_eq(a->get(t, "no such cf", 0, &v), LSN_TRACKER_NOT_FOUND);
    cr_assert_eq(a->get(t, "", 0, &v), LSN_TRACKER_NOT_FOUND);
    cr_assert_eq(v, 99);
    cr_assert_eq(a->foreach(t, never_visit, &calls), LSN_TRACKER_OK);
    cr_assert_eq(calls, 0);
    cr_assert_str_eq(a->strerror(-12345), "unknown status");
    cr_assert_str_eq(a->strerror(0x7fffffff), "unknown status");
    cr_assert_eq(a->eventfd(t), a->eventfd(t));

    /* Extreme values are values, not errors. */
    cr_assert_eq(a->seed(t, NULL, UINT64_MAX, UINT64_MAX), LSN_TRACKER_OK);
    cr_assert_eq(a->get(t, NULL, UINT64_MAX, &v), LSN_TRACKER_OK);
    cr_assert_eq(v, UINT64_MAX);
    cr_assert_eq(calls, 0, "a cancelled subscription was called");
    a->close(t);

    /* Names are opaque bytes up to 4096, as an options string carries. */
    char *longname = malloc(4098);
    memset(longname, 'n', 4097);
    longname[4097] = 0;
    longname[7] = (char)0xff;
    cr_assert_null(a->open(longname), "4097 bytes accepted");
    longname[4096] = 0;
    lsn_tracker_t *l = a->open(longname);
    cr_assert_not_null(l);
    cr_assert_eq(a->open(longname), l);
    a->close(l);
    a->close(l);
    free(longname);
    free(path);
    free(name);
    lsnt_rmdir(dir);
}

