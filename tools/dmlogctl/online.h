/* Shared by the online commands (status, regions, stats, resync, map):
 * resolve LOG arguments, attach the mirror device to a log object, and
 * print a JSON report made of the daemon's result objects. */
#ifndef DMLOGCTL_ONLINE_H
#define DMLOGCTL_ONLINE_H

#include <stdint.h>

#include "ctl.h"

struct json_object;

/* The id dmlogd resolves for one LOG argument; 0 or an exit code. */
int online_log_id(const char *arg, char *id, unsigned len);

/* Add "mirror": {name, path, major, minor} or null to a log object that
 * has "uuid". */
void online_add_mirror(struct json_object *log);

/* {"schema": 1, "command": command} + every key of result (taken),
 * printed. An exit code. */
int online_print_json(const char *command, struct json_object *result);

/* Region r as "sector S" / byte offsets on the mirror. */
uint64_t online_sector(struct json_object *log, uint64_t region);

#endif
