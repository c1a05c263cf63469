/* Random identifiers from the system's random source (getrandom). */
#ifndef DMLOGCTL_RANDID_H
#define DMLOGCTL_RANDID_H

#include <stddef.h>
#include <stdint.h>

/* A nonzero format id different from `avoid`. 0 or -errno. */
int randid_format_id(uint64_t avoid, uint64_t *out);
/* "dmlog-" and a random (version 4) UUID; len >= 43. 0 or -errno. */
int randid_uuid(char *buf, size_t len);

#endif
