/* JSON report building (see jdoc.h). */
#include <errno.h>
#include <inttypes.h>
#include <json.h>
#include <stdio.h>

#include "jdoc.h"

/* Add v under key (or append when key is NULL); takes v. */
static void put(struct jdoc *d, struct json_object *parent, const char *key,
		struct json_object *v, bool nullable)
{
	int r;

	if (!parent || (!v && !nullable)) {
		d->failed = true;
		json_object_put(v);
		return;
	}
	r = key ? json_object_object_add(parent, key, v) :
	    json_object_array_add(parent, v);
	if (r) {
		d->failed = true;
		json_object_put(v);
	}
}

bool jdoc_init(struct jdoc *d, const char *command)
{
	d->failed = false;
	d->root = json_object_new_object();
	if (!d->root)
		return false;
	jdoc_u64(d, d->root, "schema", 1);
	jdoc_str(d, d->root, "command", command);
	return !d->failed;
}

void jdoc_free(struct jdoc *d)
{
	json_object_put(d->root);
	d->root = NULL;
}

static struct json_object *put_container(struct jdoc *d,
					 struct json_object *parent,
					 const char *key,
					 struct json_object *v)
{
	if (!v) {
		d->failed = true;
		return NULL;
	}
	put(d, parent, key, json_object_get(v), false);
	json_object_put(v);
	return d->failed ? NULL : v;
}

struct json_object *jdoc_obj(struct jdoc *d, struct json_object *parent,
			     const char *key)
{
	return put_container(d, parent, key, json_object_new_object());
}

struct json_object *jdoc_arr(struct jdoc *d, struct json_object *parent,
			     const char *key)
{
	return put_container(d, parent, key, json_object_new_array());
}

struct json_object *jdoc_arr_obj(struct jdoc *d, struct json_object *arr)
{
	return put_container(d, arr, NULL, json_object_new_object());
}

void jdoc_u64(struct jdoc *d, struct json_object *o, const char *key,
	      uint64_t v)
{
	put(d, o, key, json_object_new_uint64(v), false);
}

void jdoc_str(struct jdoc *d, struct json_object *o, const char *key,
	      const char *v)
{
	put(d, o, key, v ? json_object_new_string(v) : NULL, !v);
}

void jdoc_bool(struct jdoc *d, struct json_object *o, const char *key,
	       bool v)
{
	put(d, o, key, json_object_new_boolean(v), false);
}

void jdoc_null(struct jdoc *d, struct json_object *o, const char *key)
{
	put(d, o, key, NULL, true);
}

void jdoc_hex64(struct jdoc *d, struct json_object *o, const char *key,
		uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%016" PRIx64, v);
	jdoc_str(d, o, key, buf);
}

void jdoc_arr_str(struct jdoc *d, struct json_object *arr, const char *v)
{
	put(d, arr, NULL, json_object_new_string(v), false);
}

void jdoc_attach(struct jdoc *d, struct json_object *parent, const char *key,
		 struct json_object *v)
{
	put(d, parent, key, v, false);
}

int jdoc_print(struct jdoc *d, FILE *f)
{
	const char *s;

	if (d->failed)
		return -ENOMEM;
	s = json_object_to_json_string_ext(d->root, JSON_C_TO_STRING_PRETTY |
					   JSON_C_TO_STRING_SPACED |
					   JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!s)
		return -ENOMEM;
	fprintf(f, "%s\n", s);
	return 0;
}
