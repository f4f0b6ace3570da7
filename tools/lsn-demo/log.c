/* The host's own log: records (partition, LSN, payload), each with a CRC,
 * appended to segment files named after their first LSN. Segments are only
 * ever deleted whole, oldest first. A record cut short by a kill can only be
 * the last one of the newest segment; it is dropped at open. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "demo.h"

#define HDR 24 /* crc32, length, partition, lsn */

static uint32_t crc32(const uint8_t *p, size_t n)
{
    static uint32_t table[256];
    uint32_t c = 0xffffffffu;

    if (!table[1])
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t v = i;
            for (int k = 0; k < 8; k++)
                v = v & 1 ? 0xedb88320u ^ (v >> 1) : v >> 1;
            table[i] = v;
        }
    while (n--)
        c = table[(c ^ *p++) & 0xff] ^ (c >> 8);
    return c ^ 0xffffffffu;
}

static void put_le(uint8_t *p, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++, v >>= 8)
        p[i] = (uint8_t)v;
}

static uint64_t get_le(const uint8_t *p, int bytes)
{
    uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static size_t encode(const demo_record_t *r, uint8_t *out)
{
    put_le(out + 4, r->len, 4);
    put_le(out + 8, r->partition, 8);
    put_le(out + 16, r->lsn, 8);
    memcpy(out + HDR, r->payload, r->len);
    put_le(out, crc32(out + 4, HDR - 4 + r->len), 4);
    return HDR + r->len;
}

/* 1 = a record, 0 = clean end, -1 = torn or corrupt at *off. */
static int decode(const uint8_t *buf, size_t size, size_t *off,
                  demo_record_t *r)
{
    const uint8_t *p = buf + *off;
    size_t left = size - *off;

    if (left == 0)
        return 0;
    if (left < HDR)
        return -1;
    r->len = (uint32_t)get_le(p + 4, 4);
    if (r->len > DEMO_MAX_PAYLOAD || left < HDR + r->len ||
        get_le(p, 4) != crc32(p + 4, HDR - 4 + r->len))
        return -1;
    r->partition = get_le(p + 8, 8);
    r->lsn = get_le(p + 16, 8);
    memcpy(r->payload, p + HDR, r->len);
    *off += HDR + r->len;
    return 1;
}

static void seg_path(const demo_log_t *log, uint64_t first, char *out,
                     size_t n)
{
    snprintf(out, n, "%s/seg-%020" PRIu64 ".log", log->dir, first);
}

static int read_file(const char *path, uint8_t **buf, size_t *size)
{
    FILE *f = fopen(path, "rb");
    long len;

    *buf = NULL;
    if (!f)
        return -1;
    if (fseek(f, 0, SEEK_END) || (len = ftell(f)) < 0 ||
        fseek(f, 0, SEEK_SET) || !(*buf = malloc((size_t)len + 1)) ||
        fread(*buf, 1, (size_t)len, f) != (size_t)len) {
        fclose(f);
        free(*buf);
        *buf = NULL;
        return -1;
    }
    fclose(f);
    *size = (size_t)len;
    return 0;
}

static demo_segment_t *add_segment(demo_log_t *log, uint64_t first)
{
    demo_segment_t *s;

    if (log->nsegs == log->cap) {
        size_t cap = log->cap ? log->cap * 2 : 16;
        demo_segment_t *n = realloc(log->segs, cap * sizeof(*n));
        if (!n)
            return NULL;
        log->segs = n;
        log->cap = cap;
    }
    s = &log->segs[log->nsegs];
    s->first = first;
    s->last = first - 1;
    if (!(s->max_lsn = calloc(log->partitions, sizeof(uint64_t))))
        return NULL;
    log->nsegs++;
    return s;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Reads one segment, checking every record; the newest may have a torn
 * tail, which is cut off unless read-only. */
static int load_segment(demo_log_t *log, demo_segment_t *s, int newest,
                        char *err, size_t n)
{
    char path[4200];
    uint8_t *buf;
    size_t size, off = 0;
    demo_record_t r;
    int rc;

    seg_path(log, s->first, path, sizeof path);
    if (read_file(path, &buf, &size)) {
        snprintf(err, n, "%s: %s", path, strerror(errno));
        return -1;
    }
    while ((rc = decode(buf, size, &off, &r)) == 1) {
        if (r.lsn != s->last + 1 || r.partition >= log->partitions) {
            snprintf(err, n, "%s: record %" PRIu64 " out of sequence at byte "
                     "%zu", path, r.lsn, off);
            free(buf);
            return -1;
        }
        s->last = r.lsn;
        s->max_lsn[r.partition] = r.lsn;
    }
    free(buf);
    if (rc < 0) {
        if (!newest) {
            snprintf(err, n, "%s: corrupt record at byte %zu", path, off);
            return -1;
        }
        log->torn = size - off;
        if (!log->read_only && truncate(path, (off_t)off)) {
            snprintf(err, n, "%s: truncate: %s", path, strerror(errno));
            return -1;
        }
    }
    return 0;
}

static int open_active(demo_log_t *log, char *err, size_t n)
{
    char path[4200];
    demo_segment_t *s = &log->segs[log->nsegs - 1];
    int dfd;

    seg_path(log, s->first, path, sizeof path);
    log->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (log->fd < 0) {
        snprintf(err, n, "%s: %s", path, strerror(errno));
        return -1;
    }
    /* The new name must survive too, or its records would vanish. */
    if ((dfd = open(log->dir, O_RDONLY | O_DIRECTORY)) >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return 0;
}

int demo_log_open(demo_log_t *log, const char *dir, unsigned partitions,
                  uint32_t seg_records, int read_only, char *err, size_t n)
{
    DIR *d;
    struct dirent *e;
    uint64_t *firsts = NULL;
    size_t nf = 0, capf = 0;

    memset(log, 0, sizeof(*log));
    log->fd = -1;
    log->partitions = partitions;
    log->seg_records = seg_records;
    log->read_only = read_only;
    if (!(log->dir = strdup(dir)) || !(d = opendir(dir))) {
        snprintf(err, n, "%s: %s", dir, strerror(errno));
        return -1;
    }
    while ((e = readdir(d))) {
        uint64_t first;
        char tail;
        if (sscanf(e->d_name, "seg-%20" SCNu64 ".lo%c", &first, &tail) != 2 ||
            tail != 'g')
            continue;
        if (nf == capf) {
            capf = capf ? capf * 2 : 64;
            uint64_t *nfs = realloc(firsts, capf * sizeof(*nfs));
            if (!nfs)
                break;
            firsts = nfs;
        }
        firsts[nf++] = first;
    }
    closedir(d);
    if (nf)
        qsort(firsts, nf, sizeof(*firsts), cmp_u64);
    for (size_t i = 0; i < nf; i++) {
        demo_segment_t *s = add_segment(log, firsts[i]);
        if (!s) {
            snprintf(err, n, "out of memory");
            goto fail;
        }
        if (i > 0 && s->first != log->segs[i - 1].last + 1) {
            snprintf(err, n, "%s: records %" PRIu64 "..%" PRIu64 " missing",
                     dir, log->segs[i - 1].last + 1, s->first - 1);
            goto fail;
        }
        if (load_segment(log, s, i + 1 == nf, err, n))
            goto fail;
    }
    free(firsts);
    firsts = NULL;
    log->next_lsn = log->nsegs ? log->segs[log->nsegs - 1].last + 1 : 1;
    if (read_only)
        return 0;
    if (!log->nsegs && !add_segment(log, 1)) {
        snprintf(err, n, "out of memory");
        goto fail;
    }
    return open_active(log, err, n);
fail:
    free(firsts);
    demo_log_close(log);
    return -1;
}

int demo_log_sync(demo_log_t *log)
{
    return log->fd >= 0 ? fdatasync(log->fd) : 0;
}

int demo_log_append(demo_log_t *log, const demo_record_t *r)
{
    uint8_t buf[HDR + DEMO_MAX_PAYLOAD];
    demo_segment_t *s = &log->segs[log->nsegs - 1];
    size_t len;
    char err[256];

    if (r->lsn != log->next_lsn || r->partition >= log->partitions)
        return -1;
    if (s->last - s->first + 1 >= log->seg_records) {
        if (demo_log_sync(log) || close(log->fd))
            return -1;
        log->fd = -1;
        if (!(s = add_segment(log, r->lsn)) || open_active(log, err, sizeof err))
            return -1;
    }
    len = encode(r, buf);
    /* One write per record: a kill leaves it whole or torn, never mixed. */
    if (write(log->fd, buf, len) != (ssize_t)len)
        return -1;
    s->last = r->lsn;
    s->max_lsn[r->partition] = r->lsn;
    log->next_lsn++;
    return 0;
}

int demo_log_scan(const demo_log_t *log, uint64_t after, demo_record_fn fn,
                  void *arg, char *err, size_t n)
{
    for (size_t i = 0; i < log->nsegs; i++) {
        const demo_segment_t *s = &log->segs[i];
        char path[4200];
        uint8_t *buf;
        size_t size, off = 0;
        demo_record_t r;
        int rc = 0;

        if (s->last <= after || s->last < s->first)
            continue;
        seg_path(log, s->first, path, sizeof path);
        if (read_file(path, &buf, &size)) {
            snprintf(err, n, "%s: %s", path, strerror(errno));
            return -1;
        }
        while (decode(buf, size, &off, &r) == 1 && r.lsn <= s->last)
            if (r.lsn > after && (rc = fn(arg, &r)) != 0)
                break;
        free(buf);
        if (rc)
            return rc; /* fn said why */
    }
    return 0;
}

uint64_t demo_log_first(const demo_log_t *log)
{
    return log->nsegs ? log->segs[0].first : 1;
}

uint64_t demo_log_last(const demo_log_t *log)
{
    return log->next_lsn - 1;
}

int demo_log_trim_one(demo_log_t *log, const uint64_t *durable)
{
    demo_segment_t *s = &log->segs[0];
    char path[4200];

    if (log->nsegs < 2 || log->read_only)
        return 0; /* never the segment being appended */
    for (unsigned p = 0; p < log->partitions; p++)
        if (s->max_lsn[p] > durable[p])
            return 0;
    seg_path(log, s->first, path, sizeof path);
    if (unlink(path) && errno != ENOENT)
        return -1;
    free(s->max_lsn);
    memmove(log->segs, log->segs + 1, --log->nsegs * sizeof(*s));
    log->trimmed++;
    return 1;
}

void demo_log_close(demo_log_t *log)
{
    if (log->fd >= 0) {
        demo_log_sync(log);
        close(log->fd);
    }
    for (size_t i = 0; i < log->nsegs; i++)
        free(log->segs[i].max_lsn);
    free(log->segs);
    free(log->dir);
    memset(log, 0, sizeof(*log));
    log->fd = -1;
}
