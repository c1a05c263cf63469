/* Reading the daemon's replies: typed lookups that tolerate a missing
 * key (0, "" or NULL), so a report never crashes on an odd reply. */
#ifndef DMLOGCTL_JGET_H
#define DMLOGCTL_JGET_H

#include <stdbool.h>
#include <stdint.h>

struct json_object;

uint64_t jget_u64(struct json_object *o, const char *key);
double jget_num(struct json_object *o, const char *key);
bool jget_bool(struct json_object *o, const char *key);
bool jget_is_null(struct json_object *o, const char *key);
/* "" when missing or null. */
const char *jget_str(struct json_object *o, const char *key);
/* NULL when missing or null. */
struct json_object *jget(struct json_object *o, const char *key);

/* "1.5 ms", "812 us", "3.2 s" for nanoseconds. */
void fmt_ns(uint64_t ns, char *buf, unsigned len);
/* "512 KiB", "1.0 GiB" for bytes. */
void fmt_bytes(uint64_t bytes, char *buf, unsigned len);

#endif
