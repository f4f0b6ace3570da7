/* Checkpoints of the database, kept beside it in "<db>.ckpt": each one a
 * RocksDB checkpoint directory "cp-SEQ" (taken with log_size_for_flush 0,
 * so the memtables are flushed into it) plus a file APPLIED with the
 * state's LSN of every partition when it was taken. A checkpoint is made as
 * "tmp-SEQ" and renamed when complete, and renamed to "del-SEQ" before it
 * is deleted, so a kill never leaves a half checkpoint under a cp- name. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "demo.h"
#include "scratch.h"

void demo_ckpts_path(const demo_ckpts_t *c, uint64_t seq, char *out,
                     size_t len)
{
    snprintf(out, len, "%s/cp-%020" PRIu64, c->dir, seq);
}

static int sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;
    if (fd < 0)
        return -1;
    rc = fsync(fd);
    close(fd);
    return rc;
}

static int read_applied(const char *dir, unsigned parts, uint64_t *applied)
{
    char path[4400];
    FILE *f;
    unsigned got = 0;

    snprintf(path, sizeof path, "%.4300s/APPLIED", dir);
    if (!(f = fopen(path, "r")))
        return -1;
    while (got < parts && fscanf(f, "%" SCNu64, &applied[got]) == 1)
        got++;
    fclose(f);
    return got == parts ? 0 : -1;
}

static int write_applied(const char *dir, unsigned parts,
                         const uint64_t *applied)
{
    char path[4400];
    FILE *f;
    int bad;

    snprintf(path, sizeof path, "%.4300s/APPLIED", dir);
    if (!(f = fopen(path, "w")))
        return -1;
    for (unsigned p = 0; p < parts; p++)
        fprintf(f, "%" PRIu64 "\n", applied[p]);
    bad = fflush(f) || fsync(fileno(f));
    return fclose(f) || bad ? -1 : 0;
}

static int add(demo_ckpts_t *c, uint64_t seq, const uint64_t *applied)
{
    demo_ckpt_t *v = realloc(c->v, (c->n + 1) * sizeof(*v));
    if (!v)
        return -1;
    c->v = v;
    v[c->n].seq = seq;
    if (!(v[c->n].applied = malloc(c->partitions * sizeof(uint64_t))))
        return -1;
    memcpy(v[c->n].applied, applied, c->partitions * sizeof(uint64_t));
    c->n++;
    return 0;
}

static int by_seq(const void *a, const void *b)
{
    uint64_t x = ((const demo_ckpt_t *)a)->seq, y = ((const demo_ckpt_t *)b)->seq;
    return x < y ? -1 : x > y;
}

/* One directory entry: a checkpoint, or (with cleanup) debris. */
static int load_entry(demo_ckpts_t *c, const char *name, int cleanup,
                      uint64_t *tmp)
{
    char kind[4], path[4300];
    uint64_t seq;

    if (sscanf(name, "%3[a-z]-%20" SCNu64, kind, &seq) != 2)
        return 0;
    if (seq >= c->next_seq)
        c->next_seq = seq + 1;
    snprintf(path, sizeof path, "%s/%s", c->dir, name);
    if (strcmp(kind, "cp")) {
        if (cleanup)
            lsn_scratch_remove(path);
        return 0;
    }
    if (read_applied(path, c->partitions, tmp) || add(c, seq, tmp))
        return -1;
    return 0;
}

int demo_ckpts_load(demo_ckpts_t *c, const char *db_path, unsigned parts,
                    int cleanup, char *err, size_t n)
{
    uint64_t *tmp = malloc(parts * sizeof(uint64_t));
    struct dirent *e;
    DIR *d;

    memset(c, 0, sizeof(*c));
    c->partitions = parts;
    c->next_seq = 1;
    if (!tmp || asprintf(&c->dir, "%s.ckpt", db_path) < 0) {
        c->dir = NULL;
        free(tmp);
        snprintf(err, n, "out of memory");
        return -1;
    }
    if (cleanup && mkdir(c->dir, 0755) && errno != EEXIST) {
        snprintf(err, n, "%s: %s", c->dir, strerror(errno));
        free(tmp);
        return -1;
    }
    if (!(d = opendir(c->dir))) {
        free(tmp);
        if (errno == ENOENT)
            return 0;
        snprintf(err, n, "%s: %s", c->dir, strerror(errno));
        return -1;
    }
    while ((e = readdir(d)))
        if (load_entry(c, e->d_name, cleanup, tmp)) {
            snprintf(err, n, "%s/%s: unreadable checkpoint", c->dir,
                     e->d_name);
            closedir(d);
            free(tmp);
            return -1;
        }
    closedir(d);
    free(tmp);
    if (c->n)
        qsort(c->v, c->n, sizeof(*c->v), by_seq);
    return 0;
}

const demo_ckpt_t *demo_ckpts_find(const demo_ckpts_t *c, uint64_t seq)
{
    for (size_t i = 0; i < c->n; i++)
        if (c->v[i].seq == seq)
            return &c->v[i];
    return NULL;
}

int demo_ckpts_take(demo_ckpts_t *c, rocksdb_t *db, const uint64_t *applied,
                    char *err, size_t n)
{
    uint64_t seq = c->next_seq++;
    char tmp[4300], path[4300], *rerr = NULL;
    rocksdb_checkpoint_t *cp;

    snprintf(tmp, sizeof tmp, "%s/tmp-%020" PRIu64, c->dir, seq);
    demo_ckpts_path(c, seq, path, sizeof path);
    if ((cp = rocksdb_checkpoint_object_create(db, &rerr))) {
        rocksdb_checkpoint_create(cp, tmp, 0, &rerr);
        rocksdb_checkpoint_object_destroy(cp);
    }
    if (rerr) {
        snprintf(err, n, "checkpoint %s: %s", tmp, rerr);
        free(rerr);
        return -1;
    }
    if (write_applied(tmp, c->partitions, applied) || sync_dir(tmp) ||
        rename(tmp, path) || sync_dir(c->dir) || add(c, seq, applied)) {
        snprintf(err, n, "checkpoint %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

int demo_ckpts_prune(demo_ckpts_t *c, size_t keep, char *err, size_t n)
{
    while (c->n > keep) {
        char path[4300], del[4300];
        demo_ckpts_path(c, c->v[0].seq, path, sizeof path);
        snprintf(del, sizeof del, "%s/del-%020" PRIu64, c->dir, c->v[0].seq);
        if (rename(path, del) || sync_dir(c->dir)) {
            snprintf(err, n, "%s: %s", path, strerror(errno));
            return -1;
        }
        lsn_scratch_remove(del);
        free(c->v[0].applied);
        memmove(c->v, c->v + 1, --c->n * sizeof(*c->v));
    }
    return 0;
}

void demo_ckpts_floor(const demo_ckpts_t *c, uint64_t *floor)
{
    for (unsigned p = 0; p < c->partitions; p++) {
        floor[p] = UINT64_MAX;
        for (size_t i = 0; i < c->n; i++)
            if (c->v[i].applied[p] < floor[p])
                floor[p] = c->v[i].applied[p];
    }
}

static int copy_file(const char *from, const char *to)
{
    char buf[65536];
    int in = open(from, O_RDONLY | O_CLOEXEC), out, rc = -1;
    ssize_t got;

    if (in < 0)
        return -1;
    out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out >= 0) {
        while ((got = read(in, buf, sizeof buf)) > 0)
            if (write(out, buf, (size_t)got) != got)
                break;
        rc = got == 0 && fsync(out) == 0 ? 0 : -1;
        close(out);
    }
    close(in);
    return rc;
}

/* SST files are immutable: a hard link will do. Everything else is copied,
 * and the checkpoint's own APPLIED and RocksDB's info LOGs are left out. */
static int copy_in(const char *from_dir, const char *to_dir)
{
    struct dirent *e;
    DIR *d = opendir(from_dir);
    int rc = 0;

    if (!d)
        return -1;
    while (rc == 0 && (e = readdir(d))) {
        char from[4400], to[4400];
        const char *name = e->d_name;
        size_t len = strlen(name);
        if (name[0] == '.' || !strcmp(name, "APPLIED") ||
            !strncmp(name, "LOG", 3))
            continue;
        snprintf(from, sizeof from, "%s/%s", from_dir, name);
        snprintf(to, sizeof to, "%s/%s", to_dir, name);
        /* Never write through a link left by an interrupted restore. */
        if (unlink(to) && errno != ENOENT) {
            rc = -1;
            break;
        }
        if (len > 4 && !strcmp(name + len - 4, ".sst") && link(from, to) == 0)
            continue;
        rc = copy_file(from, to);
    }
    closedir(d);
    return rc ? rc : sync_dir(to_dir);
}

int demo_ckpts_restore(const demo_ckpts_t *c, uint64_t seq,
                       const char *db_path, char *err, size_t n)
{
    rocksdb_options_t *o = rocksdb_options_create();
    char from[4300], *rerr = NULL;

    demo_ckpts_path(c, seq, from, sizeof from);
    rocksdb_destroy_db(o, db_path, &rerr);
    rocksdb_options_destroy(o);
    if (rerr) {
        snprintf(err, n, "destroy %s: %s", db_path, rerr);
        free(rerr);
        return -1;
    }
    if ((mkdir(db_path, 0755) && errno != EEXIST) || copy_in(from, db_path)) {
        snprintf(err, n, "restore %s into %s: %s", from, db_path,
                 strerror(errno));
        return -1;
    }
    return 0;
}

void demo_ckpts_free(demo_ckpts_t *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->v[i].applied);
    free(c->v);
    free(c->dir);
    memset(c, 0, sizeof(*c));
}
