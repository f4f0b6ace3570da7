/* lsn-inspect run as a separate process against databases built here:
 * exact JSON, the text table, --cf and --property, its errors and exit
 * codes, and that it reads a database this process still holds open. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "lsnt.h"

typedef struct run {
    int status; /* exit code */
    char *out;  /* stdout */
    char *err;  /* stderr */
} run_t;

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    int c;

    cr_assert_not_null(f, "open %s", path);
    while ((c = fgetc(f)) != EOF)
        fputc(c, m);
    fclose(f);
    fclose(m);
    return buf;
}

/* Runs lsn-inspect with args (already shell-quoted where needed). */
static run_t inspect(const char *scratch, const char *args)
{
    char *cmd, *outp, *errp;
    run_t r;
    int st;

    cr_assert(asprintf(&outp, "%s/inspect.out", scratch) > 0);
    cr_assert(asprintf(&errp, "%s/inspect.err", scratch) > 0);
    cr_assert(asprintf(&cmd, "'%s' %s >'%s' 2>'%s'", LSN_INSPECT_PATH, args,
                       outp, errp) > 0);
    st = system(cmd);
    cr_assert(WIFEXITED(st), "lsn-inspect did not exit: %d", st);
    r.status = WEXITSTATUS(st);
    r.out = slurp(outp);
    r.err = slurp(errp);
    free(cmd);
    free(outp);
    free(errp);
    return r;
}

static void run_free(run_t *r)
{
    free(r->out);
    free(r->err);
}

static const char *const CFS[] = {"default", "orders"};

/* A DB in dir with two column families: first one SST written without the
 * collector in "default", then, reopened with the plugin, partitions 1 and
 * 2 of "default" and 7 of "orders" over three flushes. Left open. */
static rocksdb_t *build_db(const char *dir, rocksdb_options_t **o,
                           rocksdb_column_family_handle_t *h[2])
{
    char *err;
    rocksdb_options_t *plain = lsnt_options("", &err);
    rocksdb_t *db;

    lsnt_api();
    cr_assert_not_null(plain, "%s", err);
    db = lsnt_open(dir, plain, 2, CFS, h);
    lsnt_apply_plain(db, h[0], 1, 5);
    lsnt_flush(db, h[0]);
    for (int i = 0; i < 2; i++)
        rocksdb_column_family_handle_destroy(h[i]);
    rocksdb_close(db);
    rocksdb_options_destroy(plain);

    *o = lsnt_options(LSNT_PLAIN_COLLECTOR ";disable_auto_compactions=true",
                      &err);
    cr_assert_not_null(*o, "%s", err);
    db = lsnt_open(dir, *o, 2, CFS, h);
    lsnt_apply_plain(db, h[0], 1, 10);
    lsnt_apply_plain(db, h[0], 2, 20);
    lsnt_flush(db, h[0]);
    lsnt_apply_plain(db, h[0], 1, 11);
    lsnt_flush(db, h[0]);
    lsnt_apply_plain(db, h[1], 7, 70);
    lsnt_flush(db, h[1]);
    return db;
}

static void close_db(rocksdb_t *db, rocksdb_options_t *o,
                     rocksdb_column_family_handle_t *h[2])
{
    for (int i = 0; i < 2; i++)
        rocksdb_column_family_handle_destroy(h[i]);
    rocksdb_close(db);
    rocksdb_options_destroy(o);
}

static int count_prefix(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;

    cr_assert_not_null(d);
    while ((e = readdir(d)))
        n += !strncmp(e->d_name, prefix, strlen(prefix));
    closedir(d);
    return n;
}

/* The name of the oldest SST in dir (file numbers only grow). */
static char *first_sst(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char *min = NULL;

    cr_assert_not_null(d);
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n > 4 && !strcmp(e->d_name + n - 4, ".sst") &&
            (!min || strcmp(e->d_name, min) < 0)) {
            free(min);
            min = strdup(e->d_name);
        }
    }
    closedir(d);
    cr_assert_not_null(min);
    return min;
}

Test(inspect, json_exact_while_the_host_holds_the_db_open)
{
    char *dir = lsnt_tmpdir("inspect"), *args, *want;
    rocksdb_column_family_handle_t *h[2];
    rocksdb_options_t *o;
    rocksdb_t *db = build_db(dir, &o, h);
    int logs = count_prefix(dir, "LOG");
    char *first = first_sst(dir);
    run_t r;

    cr_assert(asprintf(&args, "'%s' --json", dir) > 0);
    r = inspect(dir, args);
    cr_assert_eq(r.status, 0, "exit %d: %s", r.status, r.err);
    cr_assert(asprintf(&want,
                       "{\n"
                       "  \"db\": \"%s\",\n"
                       "  \"property\": \"lsn.max_applied\",\n"
                       "  \"column_families\": [\n"
                       "    {\n"
                       "      \"name\": \"default\",\n"
                       "      \"files\": 3,\n"
                       "      \"files_with_property\": 2,\n"
                       "      \"files_without_property\": 1,\n"
                       "      \"files_corrupt\": 0,\n"
                       "      \"files_unreadable\": 0,\n"
                       "      \"bad_values\": 0,\n"
                       "      \"files_scanned\": 1,\n"
                       "      \"files_unaccounted\": 0,\n"
                       "      \"files_foreign\": 0,\n"
                       "      \"scanned\": [\"%s/%s\"],\n"
                       "      \"partitions\": [\n"
                       "        {\"partition\": 1, \"durable_lsn\": 11},\n"
                       "        {\"partition\": 2, \"durable_lsn\": 20}\n"
                       "      ]\n"
                       "    },\n"
                       "    {\n"
                       "      \"name\": \"orders\",\n"
                       "      \"files\": 1,\n"
                       "      \"files_with_property\": 1,\n"
                       "      \"files_without_property\": 0,\n"
                       "      \"files_corrupt\": 0,\n"
                       "      \"files_unreadable\": 0,\n"
                       "      \"bad_values\": 0,\n"
                       "      \"files_scanned\": 0,\n"
                       "      \"files_unaccounted\": 0,\n"
                       "      \"files_foreign\": 0,\n"
                       "      \"scanned\": [],\n"
                       "      \"partitions\": [\n"
                       "        {\"partition\": 7, \"durable_lsn\": 70}\n"
                       "      ]\n"
                       "    }\n"
                       "  ]\n"
                       "}\n",
                       dir, dir, first) > 0);
    /* The file written without the collector was read key by key. */
    cr_assert_str_eq(r.out, want);
    /* The host's info LOG is left alone. */
    cr_assert_eq(count_prefix(dir, "LOG"), logs);
    run_free(&r);
    free(first);
    free(want);
    free(args);
    close_db(db, o, h);
    lsnt_rmdir(dir);
}

Test(inspect, text_and_one_column_family)
{
    char *dir = lsnt_tmpdir("inspect"), *args;
    rocksdb_column_family_handle_t *h[2];
    rocksdb_options_t *o;
    rocksdb_t *db = build_db(dir, &o, h);
    run_t r;

    close_db(db, o, h);
    cr_assert(asprintf(&args, "'%s' --cf orders", dir) > 0);
    r = inspect(dir, args);
    cr_assert_eq(r.status, 0, "exit %d: %s", r.status, r.err);
    cr_assert_not_null(strstr(r.out, "column family orders: 1 live SST files, "
                                     "1 with the property, 0 without, "
                                     "0 corrupt, 0 unreadable; "
                                     "0 undecodable values\n"),
                       "%s", r.out);
    cr_assert_not_null(strstr(r.out, "                     7"
                                     "                    70\n"),
                       "%s", r.out);
    cr_assert_null(strstr(r.out, "default"), "%s", r.out);
    run_free(&r);
    free(args);

    cr_assert(asprintf(&args, "'%s' --json --cf nosuch", dir) > 0);
    r = inspect(dir, args);
    cr_assert_eq(r.status, 1);
    cr_assert_str_eq(r.out, "");
    cr_assert_not_null(strstr(r.err, "no column family named 'nosuch'"), "%s",
                       r.err);
    run_free(&r);
    free(args);
    lsnt_rmdir(dir);
}

Test(inspect, errors_have_messages_and_exit_1)
{
    char *dir = lsnt_tmpdir("inspect"), *args, *file;
    run_t r;

    cr_assert(asprintf(&args, "'%s/missing'", dir) > 0);
    r = inspect(dir, args);
    cr_assert_eq(r.status, 1);
    cr_assert_not_null(strstr(r.err, "/missing: No such file or directory"),
                       "%s", r.err);
    run_free(&r);
    free(args);

    cr_assert(asprintf(&args, "'%s' --json", dir) > 0);
    r = inspect(dir, args);
    cr_assert_eq(r.status, 1);
    cr_assert_str_eq(r.out, "");
    cr_assert_not_null(strstr(r.err, "not a RocksDB database (no CURRENT file)"),
                       "%s", r.err);
    run_free(&r);
    free(args);

    /* A CURRENT that names no MANIFEST: RocksDB's own words, prefixed. */
    cr_assert(asprintf(&file, "%s/CURRENT", dir) > 0);
    FILE *f = fopen(file, "w");
    cr_assert_not_null(f);
    fputs("MANIFEST-000001\n", f);
    fclose(f);
    cr_assert(asprintf(&args, "'%s'", dir) > 0);
    r = inspect(dir, args);
    cr_assert_eq(r.status, 1);
    cr_assert_not_null(strstr(r.err, ": cannot open: "), "%s", r.err);
    run_free(&r);
    free(args);

    cr_assert(asprintf(&args, "'%s'", file) > 0);
    r = inspect(dir, args);
    cr_assert_eq(r.status, 1);
    cr_assert_not_null(strstr(r.err, "CURRENT: not a directory"), "%s", r.err);
    run_free(&r);
    free(args);
    free(file);

    r = inspect(dir, "");
    cr_assert_eq(r.status, 2);
    cr_assert_not_null(strstr(r.err, "usage: lsn-inspect DB_PATH"));
    run_free(&r);
    cr_assert(asprintf(&args, "'%s' --property 'a;b'", dir) > 0);
    r = inspect(dir, args);
    cr_assert_eq(r.status, 2);
    cr_assert_not_null(strstr(r.err, "--property"), "%s", r.err);
    run_free(&r);
    free(args);
    lsnt_rmdir(dir);
}

static int backwards(void *state, const char *a, size_t alen, const char *b,
                     size_t blen)
{
    (void)state;
    size_t n = alen < blen ? alen : blen;
    int c = memcmp(b, a, n);
    return c ? c : (alen < blen) - (alen > blen);
}

static void backwards_free(void *state)
{
    (void)state;
}

static const char *backwards_name(void *state)
{
    (void)state;
    return "test.Backwards";
}

/* The comparator lives in the MANIFEST: a DB written with one that is not
 * built in cannot be opened by a tool that lacks it. */
Test(inspect, db_with_a_foreign_comparator_is_an_error)
{
    char *dir = lsnt_tmpdir("inspect"), *args, *err;
    rocksdb_options_t *o = lsnt_options("", &err);
    rocksdb_comparator_t *cmp =
        rocksdb_comparator_create(NULL, backwards_free, backwards,
                                  backwards_name);
    rocksdb_t *db;
    run_t r;

    rocksdb_options_set_comparator(o, cmp);
    db = lsnt_open(dir, o, 0, NULL, NULL);
    lsnt_apply_plain(db, NULL, 1, 1);
    lsnt_flush(db, NULL);
    rocksdb_close(db);
    rocksdb_options_destroy(o);
    rocksdb_comparator_destroy(cmp);

    cr_assert(asprintf(&args, "'%s'", dir) > 0);
    r = inspect(dir, args);
    cr_assert_eq(r.status, 1);
    cr_assert_not_null(strstr(r.err, ": cannot open: "), "%s", r.err);
    cr_assert_not_null(strstr(r.err, "test.Backwards"), "%s", r.err);
    run_free(&r);
    free(args);
    lsnt_rmdir(dir);
}

/* Rewrites every OPTIONS file of dir, replacing `from` with `to`. */
static void edit_options(const char *dir, const char *from, const char *to)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int edited = 0;

    cr_assert_not_null(d);
    while ((e = readdir(d))) {
        char *path, *text, *at, *out;
        FILE *f;

        if (strncmp(e->d_name, "OPTIONS-", 8))
            continue;
        cr_assert(asprintf(&path, "%s/%s", dir, e->d_name) > 0);
        text = slurp(path);
        while ((at = strstr(text, from))) {
            *at = '\0';
            cr_assert(asprintf(&out, "%s%s%s", text, to, at + strlen(from)) > 0);
            free(text);
            text = out;
            edited++;
        }
        cr_assert_not_null(f = fopen(path, "w"));
        fputs(text, f);
        fclose(f);
        free(text);
        free(path);
    }
    closedir(d);
    cr_assert_gt(edited, 0, "no %s in the OPTIONS files of %s", from, dir);
}

/* Objects the DB's OPTIONS file names that are not registered in the
 * tool's process do not stop it; but without the collector's options it
 * cannot read a file that lacks the property, and says so with exit 4. */
Test(inspect, options_naming_unregistered_objects_do_not_matter)
{
    char *dir = lsnt_tmpdir("inspect"), *args;
    rocksdb_column_family_handle_t *h[2];
    rocksdb_options_t *o;
    run_t r;

    rocksdb_t *db = build_db(dir, &o, h);

    close_db(db, o, h);
    edit_options(dir, "LsnCollectorFactory", "NoSuchCollectorFactory");
    cr_assert(asprintf(&args, "'%s' --json", dir) > 0);
    r = inspect(dir, args);
    cr_assert_eq(r.status, 4, "exit %d: %s", r.status, r.err);
    cr_assert_not_null(strstr(r.out, "{\"partition\": 7, \"durable_lsn\": 70}"),
                       "%s", r.out);
    cr_assert_not_null(strstr(r.out, "\"files_unaccounted\": 1,"), "%s", r.out);
    run_free(&r);
    free(args);
    lsnt_rmdir(dir);
}

/* A collector's own property name is learnt from the database's options;
 * --property names it for column families whose options do not say, and a
 * property of another format there counts as corrupt, and leaves the file
 * unaccounted for (exit 4). */
Test(inspect, property_option_and_corrupt_files)
{
    char *dir = lsnt_tmpdir("inspect"), *args, *err;
    const lsnt_api_t *api = lsnt_api(); /* before options name its objects */
    rocksdb_options_t *o = lsnt_options(
        "table_properties_collectors={id=LsnCollectorFactory;key_prefix=4c;"
        "property=my.lsn}", &err);
    rocksdb_writeoptions_t *wo = rocksdb_writeoptions_create();
    rocksdb_t *db;
    run_t r;

    cr_assert_not_null(o, "%s", err);
    cr_assert_not_null(api);
    db = lsnt_open(dir, o, 0, NULL, NULL);
    lsnt_apply_plain(db, NULL, 3, 33);
    /* Two applied-LSN keys whose values do not decode. */
    rocksdb_writeoptions_disable_WAL(wo, 1);
    err = NULL;
    rocksdb_put(db, wo, "L\0\0\0\0\0\0\0\x08", 9, "x", 1, &err);
    rocksdb_put(db, wo, "L\0\0\0\0\0\0\0\x09", 9, "y", 1, &err);
    cr_assert_null(err, "%s", err);
    lsnt_flush(db, NULL);
    rocksdb_close(db);
    rocksdb_options_destroy(o);
    rocksdb_writeoptions_destroy(wo);

    cr_assert(asprintf(&args, "'%s' --json", dir) > 0);
    r = inspect(dir, args);
    cr_assert_eq(r.status, 0, "exit %d: %s", r.status, r.err);
    cr_assert_not_null(strstr(r.out, "\"files_with_property\": 1,"), "%s",
                       r.out);
    cr_assert_not_null(strstr(r.out, "{\"partition\": 3, \"durable_lsn\": 33}"),
                       "%s", r.out);
    run_free(&r);
    free(args);

    edit_options(dir, "LsnCollectorFactory", "NoSuchCollectorFactory");
    cr_assert(asprintf(&args, "'%s' --json --property my.lsn", dir) > 0);
    r = inspect(dir, args);
    cr_assert_eq(r.status, 0, "exit %d: %s", r.status, r.err);
    cr_assert_not_null(strstr(r.out, "\"property\": \"my.lsn\","), "%s", r.out);
    cr_assert_not_null(strstr(r.out, "{\"partition\": 3, \"durable_lsn\": 33}"),
                       "%s", r.out);
    cr_assert_not_null(strstr(r.out, "\"bad_values\": 2,"), "%s", r.out);
    run_free(&r);
    free(args);

    /* The bad-values counter (LEB128 2) is no version-1 property. */
    cr_assert(asprintf(&args, "'%s' --json --property my.lsn.bad_values",
                       dir) > 0);
    r = inspect(dir, args);
    cr_assert_eq(r.status, 4, "exit %d: %s", r.status, r.err);
    cr_assert_not_null(strstr(r.out, "\"files_corrupt\": 1,"), "%s", r.out);
    cr_assert_not_null(strstr(r.out, "\"files_unaccounted\": 1,"), "%s", r.out);
    cr_assert_not_null(strstr(r.out, "\"partitions\": []"), "%s", r.out);
    run_free(&r);
    free(args);
    lsnt_rmdir(dir);
}
