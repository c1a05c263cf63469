/* Collecting an LVM report from liblvm2cmd's printed lines (see
 * lvm_report.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "lvm_report.h"

int lvm_report_start(struct lvm_report *r, size_t cap)
{
	r->len = 0;
	r->overflow = false;
	r->cap = cap;
	r->buf = malloc(cap);
	if (!r->buf || !cap) {
		free(r->buf);
		r->buf = NULL;
		r->on = false;
		return -ENOMEM;
	}
	r->buf[0] = '\0';
	r->on = true;
	return 0;
}

static bool report_line(const char *m)
{
	return m[0] == '{' || m[0] == '}' || m[0] == ' ' || m[0] == '\t';
}

bool lvm_report_line(struct lvm_report *r, bool print_level,
		     const char *message)
{
	size_t n;

	if (!r->on || !print_level || !report_line(message))
		return false;
	n = strlen(message);
	if (r->len + n + 2 > r->cap) {
		r->overflow = true;
		return true;
	}
	memcpy(r->buf + r->len, message, n);
	r->len += n;
	r->buf[r->len++] = '\n';
	r->buf[r->len] = '\0';
	return true;
}

char *lvm_report_end(struct lvm_report *r, bool ok)
{
	char *out = r->buf;

	r->on = false;
	r->buf = NULL;
	if (ok && !r->overflow)
		return out;
	free(out);
	return NULL;
}

const char *lvm_report_str(struct json_object *row, const char *key)
{
	struct json_object *f;

	if (!json_object_object_get_ex(row, key, &f) ||
	    !json_object_is_type(f, json_type_string))
		return NULL;
	return json_object_get_string(f);
}
