/* The names module: which property and tracker names an options string can
 * carry, the messages that refuse the others, and option tables. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "layout.h"
#include "listener.h"
#include "names.h"

static char *repeat(char c, size_t n)
{
    char *s = malloc(n + 1);
    memset(s, c, n);
    s[n] = 0;
    return s;
}

Test(names, property_names)
{
    const char *good[] = {"lsn.max_applied", "a", "x-y_z/1", "~!@#$%^&*()"};
    const char *bad[] = {"",     " a",   "a b",  "a;b",   "a{b",  "a}b",
                         "a=b",  "a:b",  "a\tb", "a\x7f", "\xc3\xa9"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        cr_assert(lsn_property_name_ok(good[i]), "refused '%s'", good[i]);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_not(lsn_property_name_ok(bad[i]), "accepted '%s'", bad[i]);
    cr_assert_not(lsn_property_name_ok(NULL));
    char *s = repeat('p', LSN_PROPERTY_MAX);
    cr_assert(lsn_property_name_ok(s));
    free(s);
    s = repeat('p', LSN_PROPERTY_MAX + 1);
    cr_assert_not(lsn_property_name_ok(s));
    free(s);
}

Test(names, tracker_names)
{
    /* DB paths are tracker names: spaces inside, '=', UTF-8 are fine. */
    const char *good[] = {"orders", "/var/lib/db 1", "a=b", "caf\xc3\xa9",
                          "x", "a,b.c"};
    const char *bad[] = {"",     " a",   "a ",    "a:b",  "a;b", "a{b",
                         "a}b",  "a\nb", "\tab",  "a\x7f", "a\x01"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        cr_assert(lsn_tracker_name_ok(good[i]), "refused '%s'", good[i]);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_not(lsn_tracker_name_ok(bad[i]), "accepted '%s'", bad[i]);
    cr_assert_not(lsn_tracker_name_ok(NULL));
    char *s = repeat('t', LSN_TRACKER_NAME_MAX);
    cr_assert(lsn_tracker_name_ok(s));
    free(s);
    s = repeat('t', LSN_TRACKER_NAME_MAX + 1);
    cr_assert_not(lsn_tracker_name_ok(s));
    free(s);
}

/* The messages name the object, the option and the value, as RocksDB
 * hands them to the caller of GetOptionsFromString. */
Test(names, checks_name_owner_option_and_value)
{
    char err[512];
    memset(err, 0, sizeof err);
    cr_assert_eq(lsn_property_name_check("Owner", "ok.name", err, sizeof err),
                 0);
    cr_assert_str_empty(err, "a good name wrote a message");
    cr_assert_eq(lsn_property_name_check("Owner", "a=b", err, sizeof err), -1);
    cr_assert(strncmp(err, "Owner: property: ", 17) == 0, "%s", err);
    cr_assert_not_null(strstr(err, "'a=b'"), "%s", err);
    cr_assert_eq(lsn_tracker_name_check("Owner", "t", err, sizeof err), 0);
    cr_assert_eq(lsn_tracker_name_check("Owner", " t", err, sizeof err), -1);
    cr_assert(strncmp(err, "Owner: tracker: ", 16) == 0, "%s", err);
    cr_assert_not_null(strstr(err, "' t'"), "%s", err);
    /* A short buffer gets a truncated message, not an overflow. */
    char small[8];
    memset(small, 'z', sizeof small);
    cr_assert_eq(lsn_tracker_name_check("Owner", "a:b", small, 5), -1);
    cr_assert_eq(small[4], 0);
    cr_assert_eq(small[5], 'z');
}

Test(names, option_tables)
{
    cr_assert_not_null(lsn_option_find(lsn_listener_options, "tracker"));
    cr_assert_not_null(lsn_option_find(lsn_listener_options, "property"));
    cr_assert_null(lsn_option_find(lsn_listener_options, "trackers"));
    cr_assert_null(lsn_option_find(lsn_listener_options, ""));
    const char *layout[] = {"key_prefix", "partition_bytes", "key_suffix",
                            "value_format", "value_offset", "property"};
    for (size_t i = 0; i < sizeof layout / sizeof layout[0]; i++) {
        const lsn_option_t *o = lsn_option_find(lsn_layout_options, layout[i]);
        cr_assert_not_null(o, "%s", layout[i]);
        cr_assert_str_eq(o->name, layout[i]);
        cr_assert_not_null(o->set);
        cr_assert_not_null(o->get);
    }
    cr_assert_null(lsn_option_find(lsn_layout_options, "KEY_PREFIX"));
}

/* Every option prints back what it was set to, so RocksDB can write it
 * to an OPTIONS file and read the same object back. */
Test(names, listener_options_print_back)
{
    lsn_listener_opts_t o;
    char err[256], out[LSN_OPTION_MAX];
    lsn_listener_opts_init(&o);
    const lsn_option_t *t = lsn_option_find(lsn_listener_options, "tracker"),
                       *p = lsn_option_find(lsn_listener_options, "property");
    cr_assert_eq(t->set(&o, "orders", err, sizeof err), 0, "%s", err);
    t->get(&o, out, sizeof out);
    cr_assert_str_eq(out, "orders");
    cr_assert_eq(t->set(&o, "", err, sizeof err), 0, "empty: by DB path");
    t->get(&o, out, sizeof out);
    cr_assert_str_eq(out, "");
    cr_assert_eq(t->set(&o, "a}b", err, sizeof err), -1);
    cr_assert(strncmp(err, "LsnFlushListener: tracker: ", 27) == 0, "%s", err);
    t->get(&o, out, sizeof out);
    cr_assert_str_eq(out, "", "a refused value changed the option");
    p->get(&o, out, sizeof out);
    cr_assert_str_eq(out, LSN_DEFAULT_PROPERTY);
    cr_assert_eq(p->set(&o, "my.prop", err, sizeof err), 0, "%s", err);
    p->get(&o, out, sizeof out);
    cr_assert_str_eq(out, "my.prop");
    cr_assert_eq(p->set(&o, "", err, sizeof err), -1);
}
