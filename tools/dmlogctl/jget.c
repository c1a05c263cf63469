/* Typed lookups in replies, and value formatting (see jget.h). */
#include <json.h>
#include <stdio.h>

#include "jget.h"

struct json_object *jget(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (!o || !json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

uint64_t jget_u64(struct json_object *o, const char *key)
{
	struct json_object *v = jget(o, key);

	return v && json_object_is_type(v, json_type_int) ?
	       json_object_get_uint64(v) : 0;
}

double jget_num(struct json_object *o, const char *key)
{
	struct json_object *v = jget(o, key);

	return v ? json_object_get_double(v) : 0.0;
}

bool jget_bool(struct json_object *o, const char *key)
{
	struct json_object *v = jget(o, key);

	return v && json_object_get_boolean(v);
}

bool jget_is_null(struct json_object *o, const char *key)
{
	return jget(o, key) == NULL;
}

const char *jget_str(struct json_object *o, const char *key)
{
	struct json_object *v = jget(o, key);

	return v && json_object_is_type(v, json_type_string) ?
	       json_object_get_string(v) : "";
}

void fmt_ns(uint64_t ns, char *buf, unsigned len)
{
	if (ns < 100000)
		snprintf(buf, len, "%.1f us", (double)ns / 1e3);
	else if (ns < 1000000)
		snprintf(buf, len, "%.0f us", (double)ns / 1e3);
	else if (ns < 10000000)
		snprintf(buf, len, "%.2f ms", (double)ns / 1e6);
	else if (ns < 10000000000ull)
		snprintf(buf, len, "%.0f ms", (double)ns / 1e6);
	else
		snprintf(buf, len, "%.1f s", (double)ns / 1e9);
}

void fmt_bytes(uint64_t bytes, char *buf, unsigned len)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB",
					    "PiB", "EiB" };
	double v = (double)bytes;
	unsigned u = 0;

	while (v >= 1024 && u < 6) {
		v /= 1024;
		u++;
	}
	if (u == 0 || v == (double)(uint64_t)v)
		snprintf(buf, len, "%.0f %s", v, unit[u]);
	else
		snprintf(buf, len, "%.1f %s", v, unit[u]);
}
