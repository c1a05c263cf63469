/* Reading a device-mapper "mirror" target's parameter string.
 *
 * The daemon (to suspend/resume the mirror of a log) and dmlogctl (to
 * resolve a mirror name to its log) both need to know which userspace log
 * a mirror table uses. Pure: the caller fetches the table. */
#ifndef DMLOG_MIRROR_TABLE_H
#define DMLOG_MIRROR_TABLE_H

#include <stdbool.h>
#include <stddef.h>

/* params: a mirror target's parameters, "<log type> <#log args> <log
 * args...> <#legs> ...". For a userspace log ("userspace <#> <uuid> ...")
 * copies the log uuid to uuid (len bytes) and returns true; false for any
 * other log type or a malformed string. */
bool mirror_params_log_uuid(const char *params, char *uuid, size_t len);

/* The log device of a disk log, kernel ("disk <#> <dev> ...") or
 * userspace ("userspace <#> <uuid> [integrated_flush] [clustered-]disk
 * <dev> ..."), as the table names it ("253:8"): copied to dev (len bytes),
 * true. False for core logs and malformed strings. */
bool mirror_params_log_dev(const char *params, char *dev, size_t len);

#endif
