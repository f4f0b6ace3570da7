/* The listener module: what LsnFlushListener does with an event once the
 * adapter has read it from RocksDB. It binds one tracker per open database
 * (by the tracker option, or by the database's path), learns that a
 * database closed when its default column family handle is deleted,
 * refuses a second open database on one tracker, and refuses flushes that
 * may be unsafe, ingestions that may lie behind newer data and properties
 * of another layout. Events are made up here: no RocksDB. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "listener.h"
#include "property.h"
#include "tracker.h"

#define FP 0x1122334455667788ull

/* Stand-ins for the default column family handles RocksDB would own: only
 * their addresses matter. */
static const char key_a, key_b, key_other_cf;

static lsn_db_ident_t db(const char *session, const char *path,
                         const void *key)
{
    return (lsn_db_ident_t){session, path, key, 1};
}

typedef struct prop {
    uint8_t buf[64];
    size_t len;
} prop_t;

/* A version 2 property with fingerprint fp of one (partition, lsn). */
static prop_t prop(uint64_t fp, uint64_t partition, uint64_t lsn)
{
    prop_t p;
    lsn_entry_t e = {partition, lsn};
    cr_assert_leq(lsn_prop_bound(1), sizeof p.buf);
    p.len = lsn_prop_encode(fp, &e, 1, p.buf);
    return p;
}

static lsn_event_info_t flush_of(lsn_db_ident_t d, const char *cf,
                                 uint32_t cf_id, const prop_t *p)
{
    lsn_event_info_t ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = LSN_EVENT_FLUSH;
    ev.db = d;
    ev.cf = cf;
    ev.cf_id = cf_id;
    if (p) {
        ev.prop = p->buf;
        ev.prop_len = p->len;
    }
    return ev;
}

static lsn_event_info_t ingest_of(lsn_db_ident_t d, const char *cf,
                                  uint64_t layout_fp, const prop_t *p)
{
    lsn_event_info_t ev = flush_of(d, cf, LSN_CF_ID_UNKNOWN, p);
    ev.kind = LSN_EVENT_INGEST;
    ev.layout_fp = layout_fp;
    return ev;
}

static lsn_listener_t *listener(const char *tracker)
{
    lsn_listener_t *l = lsn_listener_new();
    lsn_listener_opts_t o;
    char err[256];
    cr_assert_not_null(l);
    lsn_listener_opts_init(&o);
    if (tracker)
        strcpy(o.tracker, tracker);
    cr_assert_eq(lsn_listener_configure(l, &o, err, sizeof err), 0, "%s", err);
    return l;
}

static lsn_tracker_stats_t stats(lsn_tracker_t *t)
{
    lsn_tracker_stats_t st = {.size = sizeof st};
    cr_assert_eq(lsn_tracker_stats(t, &st), LSN_TRACKER_OK);
    return st;
}

static void expect(lsn_tracker_t *t, const char *cf, uint64_t p,
                   uint64_t want)
{
    uint64_t v = 0;
    cr_assert_eq(lsn_tracker_get(t, cf, p, &v), LSN_TRACKER_OK,
                 "%s/%llu: nothing", cf, (unsigned long long)p);
    cr_assert_eq(v, want, "%s/%llu: %llu, not %llu", cf,
                 (unsigned long long)p, (unsigned long long)v,
                 (unsigned long long)want);
}

static void expect_none(lsn_tracker_t *t, const char *cf, uint64_t p)
{
    uint64_t v;
    cr_assert_eq(lsn_tracker_get(t, cf, p, &v), LSN_TRACKER_NOT_FOUND,
                 "%s/%llu: %llu", cf, (unsigned long long)p,
                 (unsigned long long)v);
}

Test(listener, named_tracker_binds_at_configure)
{
    lsn_tracker_t *t = lsn_tracker_open_any("orders");
    lsn_listener_t *l = listener("orders");
    char property[LSN_PROPERTY_MAX + 1];
    cr_assert_eq(stats(t).listeners, 1, "bound before any event");
    lsn_tracker_property(t, property);
    cr_assert_str_eq(property, LSN_DEFAULT_PROPERTY);
    /* Configured again, as RocksDB may: still one binding. */
    lsn_listener_opts_t o;
    char err[256];
    lsn_listener_opts_init(&o);
    strcpy(o.tracker, "orders");
    strcpy(o.property, "my.prop");
    cr_assert_eq(lsn_listener_configure(l, &o, err, sizeof err), 0);
    cr_assert_eq(stats(t).listeners, 1);
    lsn_tracker_property(t, property);
    cr_assert_str_eq(property, "my.prop");
    lsn_listener_free(l);
    cr_assert_eq(stats(t).listeners, 0);
    lsn_tracker_close(t);
}

/* Without the tracker option one listener serves each database under its
 * path, and keeps them apart. */
Test(listener, one_binding_per_database_by_path)
{
    lsn_listener_t *l = listener(NULL);
    lsn_tracker_t *a = lsn_tracker_open_any("/db/a"),
                  *b = lsn_tracker_open_any("/db/b");
    prop_t p1 = prop(FP, 1, 10), p2 = prop(FP, 1, 20);
    lsn_event_info_t ea = flush_of(db("sa", "/db/a", &key_a), "default", 0, &p1),
                     eb = flush_of(db("sb", "/db/b", &key_b), "default", 0, &p2);

    cr_assert_eq(stats(a).listeners, 0, "nothing to bind before an event");
    lsn_listener_on_event(l, &ea);
    lsn_listener_on_event(l, &eb);
    expect(a, "default", 1, 10);
    expect(b, "default", 1, 20);
    cr_assert_eq(stats(a).listeners, 1);
    cr_assert_eq(stats(b).listeners, 1);
    cr_assert_eq(stats(a).open, 1);
    cr_assert_eq(stats(a).incarnation, 1);
    cr_assert_eq(stats(a).flushes, 1);
    cr_assert_eq(stats(a).flushes_with_lsn, 1);
    /* A second event of the same database uses the same binding. */
    lsn_listener_on_event(l, &ea);
    cr_assert_eq(stats(a).listeners, 1);
    cr_assert_eq(stats(a).incarnation, 1);
    lsn_listener_free(l);
    cr_assert_eq(stats(a).listeners, 0);
    cr_assert_eq(stats(b).listeners, 0);
    lsn_tracker_close(a);
    lsn_tracker_close(b);
}

/* RocksDB deletes a database's own default column family handle when the
 * database closes: the listener takes that for the close. Any other handle
 * is a family going away. */
Test(listener, close_is_seen_through_handle_deletion)
{
    lsn_listener_t *l = listener(NULL);
    lsn_tracker_t *a = lsn_tracker_open_any("/db/a"),
                  *b = lsn_tracker_open_any("/db/b");
    prop_t p = prop(FP, 1, 10), q = prop(FP, 2, 30);
    lsn_db_ident_t da = db("sa", "/db/a", &key_a), dbb = db("sb", "/db/b", &key_b);
    lsn_event_info_t ea = flush_of(da, "default", 0, &p),
                     ea2 = flush_of(da, "cf1", 1, &q),
                     eb = flush_of(dbb, "default", 0, &p);

    lsn_listener_on_event(l, &ea);
    lsn_listener_on_event(l, &ea2);
    lsn_listener_on_event(l, &eb);
    /* A family's handle: that family is forgotten, the database stays. */
    lsn_listener_on_handle_gone(l, &key_other_cf, "cf1", 1);
    expect_none(a, "cf1", 2);
    expect(a, "default", 1, 10);
    cr_assert_eq(stats(a).open, 1);
    /* The default handle of a: a closes, b does not notice. */
    lsn_listener_on_handle_gone(l, &key_a, "default", 0);
    expect_none(a, "default", 1);
    cr_assert_eq(stats(a).open, 0);
    cr_assert_eq(stats(a).entries, 0);
    cr_assert_eq(stats(a).listeners, 0, "the binding went with the database");
    expect(b, "default", 1, 10);
    cr_assert_eq(stats(b).open, 1);
    /* Reopened: a new session is a new incarnation, from nothing. */
    ea = flush_of(db("sa2", "/db/a", &key_a), "default", 0, &q);
    lsn_listener_on_event(l, &ea);
    cr_assert_eq(stats(a).incarnation, 2);
    cr_assert_eq(stats(a).open, 1);
    expect_none(a, "default", 1);
    expect(a, "default", 2, 30);
    lsn_listener_free(l);
    lsn_tracker_close(a);
    lsn_tracker_close(b);
}

/* Recovery tells the listener about a database before any event, so that
 * the database's close reaches the tracker even if it never flushed. */
Test(listener, saw_db_binds_before_any_event)
{
    lsn_listener_t *l = listener("seen");
    lsn_tracker_t *t = lsn_tracker_open_any("seen");
    lsn_db_ident_t d = db("s1", "/db/seen", &key_a);
    lsn_listener_saw_db(l, &d);
    cr_assert_eq(stats(t).open, 1);
    cr_assert_eq(lsn_tracker_seed(t, NULL, 4, 40), LSN_TRACKER_OK);
    lsn_listener_on_handle_gone(l, &key_a, "default", 0);
    cr_assert_eq(stats(t).open, 0);
    expect_none(t, "default", 4);
    lsn_listener_free(l);
    lsn_tracker_close(t);
}

Test(listener, second_open_database_is_refused)
{
    lsn_listener_t *l = listener("shared");
    lsn_tracker_t *t = lsn_tracker_open_any("shared");
    prop_t p1 = prop(FP, 1, 10), p2 = prop(FP, 1, 99);
    lsn_db_ident_t d1 = db("s1", "/db/one", &key_a),
                   d2 = db("s2", "/db/two", &key_b);
    lsn_event_info_t e1 = flush_of(d1, "default", 0, &p1),
                     e2 = flush_of(d2, "default", 0, &p2);
    uint64_t ticket;

    lsn_listener_on_event(l, &e1);
    lsn_listener_on_event(l, &e2);
    expect(t, "default", 1, 10);
    cr_assert_eq(stats(t).conflicts, 1);
    cr_assert_eq(stats(t).flushes, 1, "the refused event counted as a flush");
    cr_assert_eq(lsn_tracker_bind(t, &d2, &ticket), LSN_TRACKER_EBUSY);
    cr_assert_eq(stats(t).conflicts, 2);
    /* Once the first database has closed, the second one binds. */
    lsn_listener_on_handle_gone(l, &key_a, "default", 0);
    lsn_listener_on_event(l, &e2);
    expect(t, "default", 1, 99);
    cr_assert_eq(stats(t).incarnation, 2);
    lsn_listener_free(l);
    lsn_tracker_close(t);
}

/* A flush that may have left another family's state behind does not
 * raise; what it held waits for a flush of every family that began after
 * it (lsn_tracker_flush_all), and is dropped if that flush fails. */
Test(listener, unsafe_flush_waits_for_a_flush_of_every_family)
{
    lsn_listener_t *l = listener("atomic");
    lsn_tracker_t *t = lsn_tracker_open_any("atomic");
    lsn_db_ident_t d = db("s1", "/db/atomic", &key_a);
    prop_t p1 = prop(FP, 1, 10), p2 = prop(FP, 2, 20);
    lsn_event_info_t e1 = flush_of(d, "default", 0, &p1),
                     e2 = flush_of(d, "default", 0, &p2),
                     none = flush_of(d, "default", 0, NULL);
    lsn_flush_mark_t m;

    e1.unsafe = e2.unsafe = none.unsafe = 1;
    lsn_listener_on_event(l, &e1);
    lsn_listener_on_event(l, &none);
    expect_none(t, "default", 1);
    cr_assert_eq(stats(t).unsafe_flushes, 2);
    cr_assert_eq(stats(t).flushes_with_lsn, 0);

    /* A flush that failed makes nothing safe. */
    lsn_tracker_flush_begin(&key_a, &m);
    lsn_tracker_flush_end(&m, 0);
    expect_none(t, "default", 1);

    /* Arriving during the flush, e2 is not made safe by it. */
    lsn_tracker_flush_begin(&key_a, &m);
    cr_assert_eq(m.n, 1, "one tracker is bound to the database");
    lsn_listener_on_event(l, &e2);
    lsn_tracker_flush_end(&m, 1);
    expect(t, "default", 1, 10);
    expect_none(t, "default", 2);
    /* Another database's flush does not touch it. */
    lsn_tracker_flush_begin(&key_b, &m);
    cr_assert_eq(m.n, 0);
    lsn_tracker_flush_end(&m, 1);
    expect_none(t, "default", 2);
    lsn_tracker_flush_begin(&key_a, &m);
    lsn_tracker_flush_end(&m, 1);
    expect(t, "default", 2, 20);
    cr_assert_eq(stats(t).unsafe_flushes, 3);

    /* What was stashed is forgotten with the database: the next database
     * at the same address never sees it. */
    lsn_listener_on_event(l, &e1);
    cr_assert_eq(stats(t).unsafe_flushes, 4);
    lsn_listener_on_handle_gone(l, &key_a, "default", 0);
    lsn_db_ident_t next = db("s2", "/db/atomic", &key_a);
    lsn_listener_saw_db(l, &next);
    cr_assert_eq(stats(t).open, 1);
    lsn_tracker_flush_begin(&key_a, &m);
    cr_assert_eq(m.n, 1);
    lsn_tracker_flush_end(&m, 1);
    expect_none(t, "default", 1);
    lsn_listener_free(l);
    lsn_tracker_close(t);
}

Test(listener, ingestion_behind_newer_data_is_refused)
{
    lsn_listener_t *l = listener("behind");
    lsn_tracker_t *t = lsn_tracker_open_any("behind");
    prop_t p = prop(FP, 1, 10);
    lsn_event_info_t ev = ingest_of(db("s", "/db/behind", &key_a), "default",
                                    FP, &p);
    ev.behind = 1;
    lsn_listener_on_event(l, &ev);
    expect_none(t, "default", 1);
    cr_assert_eq(stats(t).ingestions, 1);
    cr_assert_eq(stats(t).ingestions_refused, 1);
    ev.behind = 0;
    lsn_listener_on_event(l, &ev);
    expect(t, "default", 1, 10);
    cr_assert_eq(stats(t).ingestions, 2);
    cr_assert_eq(stats(t).ingestions_refused, 1);
    lsn_listener_free(l);
    lsn_tracker_close(t);
}

/* An ingested file's property comes from whatever wrote it: it must carry
 * the fingerprint of the family's own layout. A flush's comes from the
 * family's own collector and is taken as it is. */
Test(listener, foreign_properties_are_refused)
{
    lsn_listener_t *l = listener("foreign");
    lsn_tracker_t *t = lsn_tracker_open_any("foreign");
    lsn_db_ident_t d = db("s", "/db/foreign", &key_a);
    prop_t other = prop(FP + 1, 1, 10), mine = prop(FP, 1, 5);
    prop_t v1 = {{0x01, 0x01, 0x01, 0x07}, 4}; /* version 1: (1, 7) */
    lsn_event_info_t ev;

    ev = ingest_of(d, "default", FP, &other);
    lsn_listener_on_event(l, &ev);
    ev = ingest_of(d, "default", 0, &mine); /* family's layout unknown */
    lsn_listener_on_event(l, &ev);
    ev = ingest_of(d, "default", FP, &v1);
    lsn_listener_on_event(l, &ev);
    expect_none(t, "default", 1);
    cr_assert_eq(stats(t).foreign_properties, 3);
    ev = ingest_of(d, "default", FP, &mine);
    lsn_listener_on_event(l, &ev);
    expect(t, "default", 1, 5);
    ev = flush_of(d, "default", 0, &other);
    lsn_listener_on_event(l, &ev);
    expect(t, "default", 1, 10);
    ev = flush_of(d, "default", 0, &v1);
    lsn_listener_on_event(l, &ev);
    expect(t, "default", 1, 10);
    cr_assert_eq(stats(t).foreign_properties, 3);
    cr_assert_eq(stats(t).flushes_with_lsn, 2);
    lsn_listener_free(l);
    lsn_tracker_close(t);
}

Test(listener, corrupt_properties_and_bad_values_are_counted)
{
    lsn_listener_t *l = listener("counts");
    lsn_tracker_t *t = lsn_tracker_open_any("counts");
    lsn_db_ident_t d = db("s", "/db/counts", &key_a);
    prop_t junk = {{'h', 'e', 'l', 'l', 'o'}, 5}, p = prop(FP, 3, 30);
    const uint8_t five[] = {0x05}, padded[] = {0x05, 0x00};
    lsn_event_info_t ev = flush_of(d, "default", 0, &junk);

    lsn_listener_on_event(l, &ev);
    cr_assert_eq(stats(t).corrupt_properties, 1);
    cr_assert_eq(stats(t).flushes, 1);
    cr_assert_eq(stats(t).flushes_with_lsn, 0);
    ev = flush_of(d, "default", 0, &p);
    ev.bad = five;
    ev.bad_len = sizeof five;
    lsn_listener_on_event(l, &ev);
    cr_assert_eq(stats(t).bad_values, 5);
    expect(t, "default", 3, 30);
    ev.bad = padded; /* not a strict count */
    ev.bad_len = sizeof padded;
    lsn_listener_on_event(l, &ev);
    cr_assert_eq(stats(t).bad_values, 5);
    cr_assert_eq(stats(t).corrupt_properties, 2);
    /* A file without the property counts as a flush, nothing more. */
    ev = flush_of(d, "default", 0, NULL);
    lsn_listener_on_event(l, &ev);
    cr_assert_eq(stats(t).flushes, 4);
    cr_assert_eq(stats(t).flushes_with_lsn, 2);
    lsn_listener_free(l);
    lsn_tracker_close(t);
}

/* Families are told apart by ID: a late event of a dropped family (a lower
 * ID) is stale; a re-created one (a higher ID) starts from nothing. */
Test(listener, dropped_family_events_are_stale)
{
    lsn_listener_t *l = listener("ids");
    lsn_tracker_t *t = lsn_tracker_open_any("ids");
    lsn_db_ident_t d = db("s", "/db/ids", &key_a);
    prop_t hi = prop(FP, 1, 50), lo = prop(FP, 1, 7);
    lsn_event_info_t ev = flush_of(d, "c", 5, &hi);

    lsn_listener_on_event(l, &ev);
    expect(t, "c", 1, 50);
    ev = flush_of(d, "c", 3, &hi);
    lsn_listener_on_event(l, &ev);
    cr_assert_eq(stats(t).stale_events, 1);
    ev = flush_of(d, "c", 7, &lo);
    lsn_listener_on_event(l, &ev);
    expect(t, "c", 1, 7);
    ev = flush_of(d, "c", 5, &hi);
    lsn_listener_on_event(l, &ev);
    expect(t, "c", 1, 7);
    cr_assert_eq(stats(t).stale_events, 2);
    lsn_listener_free(l);
    lsn_tracker_close(t);
}
