/* Scratch directories for the programs, tests and benchmarks of this
 * project. */
#ifndef LSN_SCRATCH_H
#define LSN_SCRATCH_H

/* Makes a fresh directory "$TMPDIR/<prefix><tag>-XXXXXX" (/tmp without
 * TMPDIR; tag may be NULL) and returns its malloc'ed path, or NULL with
 * errno set. */
char *lsn_scratch_make(const char *prefix, const char *tag);

/* Removes dir and everything below it, without following links. */
void lsn_scratch_remove(const char *dir);

#endif
