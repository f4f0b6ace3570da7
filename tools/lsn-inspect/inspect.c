/* Reading a database the way recovery does, without its host: open it
 * read-only and recover a private tracker from it, counting per column
 * family what every live file held. */
#define _GNU_SOURCE
#include <errno.h>
#include "scratch.h"
#include <rocksdb/c.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "inspect.h"
#include "lsn_tracker.h"

static void fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* Refuses what is plainly no database before RocksDB gets to it, whose
 * messages for these cases name files the user never mentioned. */
static int check_dir(const char *path, char *err, size_t errlen)
{
    struct stat st;
    char *current;
    int ok;

    if (stat(path, &st) != 0) {
        fail(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        fail(err, errlen, "%s: not a directory", path);
        return -1;
    }
    if (asprintf(&current, "%s/CURRENT", path) < 0) {
        fail(err, errlen, "out of memory");
        return -1;
    }
    ok = access(current, R_OK) == 0;
    free(current);
    if (!ok) {
        fail(err, errlen, "%s: not a RocksDB database (no CURRENT file)",
             path);
        return -1;
    }
    return 0;
}

/* Binds a private tracker to `property` the way a host does: through an
 * LsnFlushListener parsed from an options string. The listener lives in
 * *bind until it is destroyed; no database ever sees it. */
static lsn_tracker_t *private_tracker(const char *property,
                                      rocksdb_options_t **bind, char *err,
                                      size_t errlen)
{
    static unsigned seq;
    char name[64], *opts = NULL, *rerr = NULL;
    rocksdb_options_t *base;
    lsn_tracker_t *t;
    lsn_tracker_stats_t st = {.size = sizeof(st)};

    snprintf(name, sizeof(name), "lsn-inspect-%ld-%u", (long)getpid(), ++seq);
    if (!(t = lsn_tracker_open(name)) ||
        asprintf(&opts, "listeners={id=LsnFlushListener;tracker=%s;property=%s}",
                 name, property) < 0) {
        lsn_tracker_close(t);
        fail(err, errlen, "out of memory");
        return NULL;
    }
    base = rocksdb_options_create();
    *bind = rocksdb_options_create();
    rocksdb_get_options_from_string(base, opts, *bind, &rerr);
    rocksdb_options_destroy(base);
    free(opts);
    if (rerr) {
        fail(err, errlen, "--property %s: %s", property, rerr);
        free(rerr);
    } else if (lsn_tracker_stats(t, &st) != LSN_TRACKER_OK ||
               st.listeners == 0) {
        /* An unknown id is dropped silently: the plugin is not loaded. */
        fail(err, errlen, "LsnFlushListener is not registered with RocksDB");
    } else {
        return t;
    }
    rocksdb_options_destroy(*bind);
    *bind = NULL;
    lsn_tracker_close(t);
    return NULL;
}

static inspect_cf_t *find_cf(inspect_result_t *r, const char *name)
{
    for (size_t i = 0; i < r->ncfs; i++)
        if (!strcmp(r->cfs[i].name, name))
            return &r->cfs[i];
    return NULL;
}

static int cmp_part(const void *a, const void *b)
{
    const inspect_partition_t *x = a, *y = b;
    return x->partition < y->partition ? -1 : x->partition > y->partition;
}

static int collect(void *arg, const char *cf, uint64_t partition,
                   uint64_t lsn)
{
    inspect_result_t *r = arg;

    for (size_t i = 0; i < r->ncfs; i++) {
        inspect_cf_t *c = &r->cfs[i];
        inspect_partition_t *p;

        if (strcmp(c->name, cf))
            continue;
        if (!(p = realloc(c->parts, (c->nparts + 1) * sizeof(*p))))
            return -1;
        c->parts = p;
        c->parts[c->nparts++] = (inspect_partition_t){partition, lsn};
        return 0;
    }
    return 0;
}

/* Counts what recovery found in one file, for its column family. */
static void count_file(void *arg, const lsn_tracker_file_t *f)
{
    inspect_result_t *r = arg;
    inspect_cf_t *c = find_cf(r, f->cf);
    char **names;

    if (!c)
        return; /* a column family left out by --cf */
    c->files++;
    c->corrupt += f->corrupt;
    c->bad_values += f->bad_values;
    if (f->status != LSN_TRACKER_OK) {
        c->unreadable++;
        return;
    }
    switch (f->source) {
    case LSN_TRACKER_FROM_PROPERTY:
        c->with_property++;
        return;
    case LSN_TRACKER_FROM_FOREIGN:
        c->foreign++;
        c->unaccounted++;
        return;
    case LSN_TRACKER_FROM_KEYS:
        c->scanned++;
        if ((names = realloc(c->scanned_files,
                             (c->scanned + 1) * sizeof(*names)))) {
            c->scanned_files = names;
            names[c->scanned - 1] = strdup(f->path);
            names[c->scanned] = NULL;
        }
        break;
    default:
        c->unaccounted++;
        break;
    }
    if (!f->corrupt)
        c->without_property++;
}

/* Recovers t from every live file of db, as a host would after open, and
 * collects what each file held. */
static int read_live_files(rocksdb_t *db, const char *db_path,
                           lsn_tracker_t *t, inspect_result_t *r, char *err,
                           size_t errlen)
{
    int rc = lsn_tracker_recover_report(t, db, db_path, count_file, r);

    if (rc != LSN_TRACKER_OK && rc != LSN_TRACKER_EIO) {
        fail(err, errlen, "%s: recovery failed: %s", db_path,
             lsn_tracker_strerror(rc));
        return -1;
    }
    if (lsn_tracker_foreach(t, collect, r) != LSN_TRACKER_OK) {
        fail(err, errlen, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < r->ncfs; i++)
        if (r->cfs[i].nparts > 1)
            qsort(r->cfs[i].parts, r->cfs[i].nparts,
                  sizeof(inspect_partition_t), cmp_part);
    return 0;
}

/* The column families to report: all, or just `only`. */
static int pick_cfs(char **names, size_t n, const char *only,
                    inspect_result_t *r, char *err, size_t errlen)
{
    if (!(r->cfs = calloc(n, sizeof(*r->cfs)))) {
        fail(err, errlen, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (only && strcmp(names[i], only))
            continue;
        if (!(r->cfs[r->ncfs++].name = strdup(names[i]))) {
            fail(err, errlen, "out of memory");
            return -1;
        }
    }
    if (r->ncfs == 0) {
        fail(err, errlen, "%s: no column family named '%s'", r->db_path,
             only);
        return -1;
    }
    return 0;
}

static int inspect_db(const char *db_path, const char *only,
                      rocksdb_options_t *o, lsn_tracker_t *t,
                      inspect_result_t *r, char *err, size_t errlen)
{
    char *rerr = NULL, **names;
    size_t n = 0;
    const rocksdb_options_t **cfo;
    rocksdb_column_family_handle_t **h;
    rocksdb_t *db = NULL;
    int rc = -1;

    names = rocksdb_list_column_families(o, db_path, &n, &rerr);
    if (rerr) {
        fail(err, errlen, "%s: cannot open: %s", db_path, rerr);
        free(rerr);
        return -1;
    }
    cfo = calloc(n, sizeof(*cfo));
    h = calloc(n, sizeof(*h));
    if (!cfo || !h) {
        fail(err, errlen, "out of memory");
        goto out;
    }
    /* Plain options for every column family: only the MANIFEST's list of
     * live files is needed, so objects the DB's OPTIONS file names (our
     * own, or a host's that is not registered here) never matter. */
    for (size_t i = 0; i < n; i++)
        cfo[i] = o;
    db = rocksdb_open_for_read_only_column_families(
        o, db_path, (int)n, (const char *const *)names, cfo, h, 0, &rerr);
    if (rerr) {
        fail(err, errlen, "%s: cannot open: %s", db_path, rerr);
        free(rerr);
        goto out;
    }
    if (pick_cfs(names, n, only, r, err, errlen) == 0)
        rc = read_live_files(db, db_path, t, r, err, errlen);
    for (size_t i = 0; i < n; i++)
        rocksdb_column_family_handle_destroy(h[i]);
    rocksdb_close(db);
out:
    free(cfo);
    free(h);
    rocksdb_list_column_families_destroy(names, n);
    return rc;
}

int inspect_run(const char *db_path, const char *property, const char *only,
                inspect_result_t *out, char *err, size_t errlen)
{
    rocksdb_options_t *bind = NULL, *o;
    lsn_tracker_t *t;
    char *log_dir;
    int rc;

    memset(out, 0, sizeof(*out));
    out->db_path = db_path;
    out->property = property;
    if (check_dir(db_path, err, errlen) != 0)
        return -1;
    if (!(t = private_tracker(property, &bind, err, errlen)))
        return -1;
    /* Even a read-only open starts a new info LOG, renaming the host's;
     * keep ours in a scratch directory instead. */
    if (!(log_dir = lsn_scratch_make("lsn-inspect", NULL))) {
        fail(err, errlen, "cannot create a scratch directory: %s",
             strerror(errno));
        rocksdb_options_destroy(bind);
        lsn_tracker_close(t);
        return -1;
    }
    o = rocksdb_options_create();
    rocksdb_options_set_db_log_dir(o, log_dir);
    rc = inspect_db(db_path, only, o, t, out, err, errlen);
    rocksdb_options_destroy(o);
    rocksdb_options_destroy(bind);
    lsn_tracker_close(t);
    lsn_scratch_remove(log_dir);
    free(log_dir);
    return rc;
}

void inspect_free(inspect_result_t *r)
{
    for (size_t i = 0; i < r->ncfs; i++) {
        for (char **p = r->cfs[i].scanned_files; p && *p; p++)
            free(*p);
        free(r->cfs[i].scanned_files);
        free(r->cfs[i].name);
        free(r->cfs[i].parts);
    }
    free(r->cfs);
    memset(r, 0, sizeof(*r));
}
