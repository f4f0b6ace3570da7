/* The recover module: recovery's merge over the live files of a database.
 * For each column family and partition, the version of the key RocksDB
 * reads first wins, not the largest number: level 0 newest first (largest
 * sequence number), then level 1, 2 and so on; on a tie, the smaller LSN,
 * which can only make the watermark lag. Files are described here by hand:
 * no RocksDB. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

#include "recover.h"

static lsn_tracker_t *tracker(uint64_t *ticket)
{
    static int seq;
    char name[64];
    lsn_db_ident_t db = {"session", "/db/recover", &seq, 0};
    snprintf(name, sizeof name, "recover-%d", ++seq);
    lsn_tracker_t *t = lsn_tracker_open_any(name);
    cr_assert_not_null(t);
    cr_assert_eq(lsn_tracker_bind(t, &db, ticket), LSN_TRACKER_OK);
    return t;
}

/* One live file holding a single (partition, lsn). */
static void file(lsn_recovery_t *r, const char *cf, int level, uint64_t seqno,
                 uint64_t partition, uint64_t lsn)
{
    lsn_entry_t e = {partition, lsn};
    cr_assert_eq(lsn_recovery_add(r, cf, 0, level, seqno, &e, 1),
                 LSN_TRACKER_OK);
}

static uint64_t merged(lsn_recovery_t *r, const char *cf, uint64_t partition)
{
    uint64_t ticket, v = 0;
    lsn_tracker_t *t = tracker(&ticket);
    cr_assert_eq(lsn_recovery_apply(r, t, ticket), LSN_TRACKER_OK);
    cr_assert_eq(lsn_tracker_get(t, cf, partition, &v), LSN_TRACKER_OK,
                 "%s/%llu not recovered", cf, (unsigned long long)partition);
    lsn_tracker_close(t);
    return v;
}

/* Level 0 files overlap: the largest sequence number is the newest,
 * whatever the order the files are listed in and whatever LSN is larger. */
Test(recover, level_0_newest_sequence_number_wins)
{
    for (int order = 0; order < 2; order++) {
        lsn_recovery_t *r = lsn_recovery_new();
        if (order) {
            file(r, "default", 0, 20, 1, 50);
            file(r, "default", 0, 10, 1, 100);
            file(r, "default", 0, 15, 1, 70);
        } else {
            file(r, "default", 0, 15, 1, 70);
            file(r, "default", 0, 10, 1, 100);
            file(r, "default", 0, 20, 1, 50);
        }
        cr_assert_eq(merged(r, "default", 1), 50, "listed in order %d", order);
        lsn_recovery_free(r);
    }
}

/* Any level 0 file is newer than level 1, level 1 newer than level 2,
 * whatever their sequence numbers: an ingested file may sit low with a
 * large number, or (ingested behind) with 0. */
Test(recover, lower_levels_are_older)
{
    lsn_recovery_t *r = lsn_recovery_new();
    file(r, "default", 2, 900, 1, 300);
    file(r, "default", 1, 5, 1, 200);
    file(r, "default", 0, 1, 1, 40);
    file(r, "default", 6, 0, 1, 1000);
    cr_assert_eq(merged(r, "default", 1), 40);
    lsn_recovery_free(r);

    r = lsn_recovery_new();
    file(r, "default", 2, 900, 1, 300);
    file(r, "default", 1, 5, 1, 200);
    file(r, "default", 6, 0, 1, 1000);
    cr_assert_eq(merged(r, "default", 1), 200);
    lsn_recovery_free(r);

    r = lsn_recovery_new();
    file(r, "default", 6, 0, 1, 1000); /* ingested behind */
    file(r, "default", 3, 2, 1, 30);
    cr_assert_eq(merged(r, "default", 1), 30);
    lsn_recovery_free(r);
}

/* Two versions in the same place of the read order cannot be told apart:
 * the smaller LSN is taken. In level 0 that needs the same sequence
 * number; above it, sequence numbers do not order files at all. */
Test(recover, ties_take_the_smaller_lsn)
{
    lsn_recovery_t *r = lsn_recovery_new();
    file(r, "default", 0, 7, 1, 90);
    file(r, "default", 0, 7, 1, 80);
    file(r, "default", 0, 7, 1, 85);
    cr_assert_eq(merged(r, "default", 1), 80);
    lsn_recovery_free(r);

    r = lsn_recovery_new();
    file(r, "default", 1, 100, 1, 90);
    file(r, "default", 1, 3, 1, 60);
    cr_assert_eq(merged(r, "default", 1), 60);
    lsn_recovery_free(r);
}

/* Partitions and column families merge separately: each takes its own
 * newest version, from whichever file holds it. */
Test(recover, families_and_partitions_merge_separately)
{
    lsn_recovery_t *r = lsn_recovery_new();
    lsn_entry_t newer[] = {{1, 10}, {2, 20}}, older[] = {{2, 200}, {3, 300}};
    uint64_t ticket, v;
    lsn_tracker_t *t = tracker(&ticket);

    cr_assert_eq(lsn_recovery_add(r, "a", 1, 0, 50, newer, 2), LSN_TRACKER_OK);
    cr_assert_eq(lsn_recovery_add(r, "a", 1, 1, 90, older, 2), LSN_TRACKER_OK);
    cr_assert_eq(lsn_recovery_add(r, "b", 2, 1, 90, newer, 2), LSN_TRACKER_OK);
    cr_assert_eq(lsn_recovery_add(r, "b", 2, 0, 50, older, 2), LSN_TRACKER_OK);
    cr_assert_eq(lsn_recovery_add(r, "c", 3, 0, 1, NULL, 0), LSN_TRACKER_OK);
    cr_assert_eq(lsn_recovery_apply(r, t, ticket), LSN_TRACKER_OK);
    const struct {
        const char *cf;
        uint64_t p, want;
    } want[] = {{"a", 1, 10},  {"a", 2, 20},  {"a", 3, 300},
                {"b", 1, 10},  {"b", 2, 200}, {"b", 3, 300}};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        cr_assert_eq(lsn_tracker_get(t, want[i].cf, want[i].p, &v),
                     LSN_TRACKER_OK);
        cr_assert_eq(v, want[i].want, "%s/%llu: %llu", want[i].cf,
                     (unsigned long long)want[i].p, (unsigned long long)v);
    }
    lsn_tracker_stats_t st = {.size = sizeof st};
    cr_assert_eq(lsn_tracker_stats(t, &st), LSN_TRACKER_OK);
    cr_assert_eq(st.entries, 6, "a family without entries has none");
    lsn_tracker_close(t);
    lsn_recovery_free(r);
}

Test(recover, nothing_to_merge)
{
    lsn_recovery_t *r = lsn_recovery_new();
    uint64_t ticket;
    lsn_tracker_t *t = tracker(&ticket);
    lsn_tracker_stats_t st = {.size = sizeof st};
    cr_assert_eq(lsn_recovery_apply(r, t, ticket), LSN_TRACKER_OK);
    cr_assert_eq(lsn_tracker_stats(t, &st), LSN_TRACKER_OK);
    cr_assert_eq(st.entries, 0);
    cr_assert_eq(st.advances, 0);
    lsn_tracker_close(t);
    lsn_recovery_free(r);
    lsn_recovery_free(NULL);
}

/* Recovery raises like any other source: it never lowers what is known,
 * and the merge is applied within the incarnation it began in. */
Test(recover, applies_within_its_incarnation_and_never_lowers)
{
    lsn_recovery_t *r = lsn_recovery_new();
    uint64_t ticket, v;
    lsn_tracker_t *t = tracker(&ticket);
    file(r, "default", 0, 1, 1, 10);
    file(r, "default", 0, 1, 2, 20);
    cr_assert_eq(lsn_tracker_seed(t, "default", 1, 15), LSN_TRACKER_OK);
    cr_assert_eq(lsn_recovery_apply(r, t, ticket), LSN_TRACKER_OK);
    cr_assert_eq(lsn_tracker_get(t, "default", 1, &v), LSN_TRACKER_OK);
    cr_assert_eq(v, 15);
    cr_assert_eq(lsn_tracker_get(t, "default", 2, &v), LSN_TRACKER_OK);
    cr_assert_eq(v, 20);

    /* Another database took the tracker meanwhile (the first one was not
     * supervised, so its close could not be seen): the old ticket raises
     * nothing. */
    lsn_recovery_t *late = lsn_recovery_new();
    file(late, "default", 0, 1, 3, 30);
    lsn_db_ident_t other = {"other session", "/db/recover", &v, 0};
    uint64_t next;
    cr_assert_eq(lsn_tracker_bind(t, &other, &next), LSN_TRACKER_OK);
    cr_assert_neq(next, ticket);
    cr_assert_eq(lsn_recovery_apply(late, t, ticket), LSN_TRACKER_OK);
    cr_assert_eq(lsn_tracker_get(t, "default", 3, &v), LSN_TRACKER_NOT_FOUND);
    lsn_tracker_stats_t st = {.size = sizeof st};
    cr_assert_eq(lsn_tracker_stats(t, &st), LSN_TRACKER_OK);
    cr_assert_eq(st.stale_events, 1);
    lsn_tracker_close(t);
    lsn_recovery_free(r);
    lsn_recovery_free(late);
}

/* Many files and partitions: every partition gets the version of the
 * newest file that holds it. */
Test(recover, many_files)
{
    enum { FILES = 40, PARTS = 3000 };
    lsn_recovery_t *r = lsn_recovery_new();
    lsn_entry_t *e = malloc(PARTS * sizeof(*e));
    uint64_t ticket, v;
    lsn_tracker_t *t = tracker(&ticket);

    /* File f holds partitions p with p % (f + 1) == 0, at level f / 10,
     * with sequence number f + 1 and LSN 1e6 - f for each: the newest
     * version always has the smaller number. In level 0 the larger
     * sequence number is newer; in the levels above, where a real
     * database never has two versions, the tie goes to the smaller LSN,
     * which is again the larger f. */
    for (int f = 0; f < FILES; f++) {
        size_t n = 0;
        for (uint64_t p = 0; p < PARTS; p++)
            if (p % (uint64_t)(f + 1) == 0)
                e[n++] = (lsn_entry_t){p, 1000000 - (uint64_t)f};
        cr_assert_eq(lsn_recovery_add(r, "default", 0, f / 10,
                                      (uint64_t)f + 1, e, n), LSN_TRACKER_OK);
    }
    cr_assert_eq(lsn_recovery_apply(r, t, ticket), LSN_TRACKER_OK);
    for (uint64_t p = 0; p < PARTS; p++) {
        /* The newest holder: the lowest level, then the largest f. */
        int best = -1;
        for (int f = 0; f < FILES; f++)
            if (p % (uint64_t)(f + 1) == 0 &&
                (best < 0 || f / 10 < best / 10 ||
                 (f / 10 == best / 10 && f > best)))
                best = f;
        cr_assert_eq(lsn_tracker_get(t, "default", p, &v), LSN_TRACKER_OK);
        cr_assert_eq(v, 1000000 - (uint64_t)best, "partition %llu",
                     (unsigned long long)p);
    }
    free(e);
    lsn_tracker_close(t);
    lsn_recovery_free(r);
}
