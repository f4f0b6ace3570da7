/* Scratch directories: made fresh under $TMPDIR, removed whole. */
#define _GNU_SOURCE
#include "scratch.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>

char *lsn_scratch_make(const char *prefix, const char *tag)
{
    const char *base = getenv("TMPDIR");
    char *d;

    if (asprintf(&d, "%s/%s%s-XXXXXX", base && *base ? base : "/tmp", prefix,
                 tag ? tag : "") < 0)
        return NULL;
    if (!mkdtemp(d)) {
        free(d);
        return NULL;
    }
    return d;
}

static int remove_one(const char *p, const struct stat *sb, int flag,
                      struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(p);
}

void lsn_scratch_remove(const char *dir)
{
    if (dir)
        nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}
