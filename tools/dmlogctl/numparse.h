/* Strict parsing of numbers from the command line. */
#ifndef DMLOGCTL_NUMPARSE_H
#define DMLOGCTL_NUMPARSE_H

#include <stdint.h>

/* A whole decimal number (no sign, no suffix, no blanks). 0 or -EINVAL
 * (not a number), -ERANGE (above max). */
int parse_u64(const char *s, uint64_t max, uint64_t *out);

/* A size in 512-byte sectors: a plain number is sectors (as in a dm
 * table); with a suffix it is bytes: s (sectors), b, k/K/KiB, m/M/MiB,
 * g/G/GiB, t/T/TiB (powers of 1024). 0, -EINVAL (malformed, or not a
 * whole number of sectors) or -ERANGE (above max sectors). */
int parse_sectors(const char *s, uint64_t max, uint64_t *out);

#endif
