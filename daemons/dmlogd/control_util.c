/* Shared by the control handlers: arguments, log lookup, errors, JSON
 * building (see control_cmds.h). */
#include <json.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "control_cmds.h"
#include "control_util.h"
#include "log_engine.h"
#include "log_server.h"
#include "vhist.h"

static bool cj_failed;	/* an allocation failed while building a reply */

void control_cj_reset(void)
{
	cj_failed = false;
}

bool control_cj_failed(void)
{
	return cj_failed;
}

void control_cj_fail(void)
{
	cj_failed = true;
}

int control_fail(struct control_err *e, const char *code,
		 const char *fmt, ...)
{
	va_list ap;

	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
	return -1;
}

static void add(struct json_object *o, const char *key,
		struct json_object *v, bool may_be_null)
{
	if ((!v && !may_be_null) || !o ||
	    json_object_object_add(o, key, v)) {
		json_object_put(v);
		cj_failed = true;
	}
}

void cj_u64(struct json_object *o, const char *key, uint64_t v)
{
	add(o, key, json_object_new_uint64(v), false);
}

void cj_str(struct json_object *o, const char *key, const char *v)
{
	add(o, key, v ? json_object_new_string(v) : NULL, !v);
}

void cj_bool(struct json_object *o, const char *key, bool v)
{
	add(o, key, json_object_new_boolean(v), false);
}

void cj_num(struct json_object *o, const char *key, double v)
{
	add(o, key, json_object_new_double(v), false);
}

void cj_null(struct json_object *o, const char *key)
{
	add(o, key, NULL, true);
}

static struct json_object *container(struct json_object *o, const char *key,
				     struct json_object *v)
{
	if (!v || !o || json_object_object_add(o, key, v)) {
		json_object_put(v);
		cj_failed = true;
		return NULL;
	}
	return v;
}

struct json_object *cj_obj(struct json_object *o, const char *key)
{
	return container(o, key, json_object_new_object());
}

struct json_object *cj_arr(struct json_object *o, const char *key)
{
	return container(o, key, json_object_new_array());
}

struct json_object *cj_arr_obj(struct json_object *arr)
{
	struct json_object *v = json_object_new_object();

	if (!v || !arr || json_object_array_add(arr, v)) {
		json_object_put(v);
		cj_failed = true;
		return NULL;
	}
	return v;
}

void cj_arr_u64(struct json_object *arr, uint64_t v)
{
	struct json_object *n = json_object_new_uint64(v);

	if (!n || !arr || json_object_array_add(arr, n)) {
		json_object_put(n);
		cj_failed = true;
	}
}

void cj_quantiles(struct json_object *o, const char *key,
		  const struct vhist *h)
{
	struct json_object *q = cj_obj(o, key);

	cj_u64(q, "p50", vhist_quantile(h, 0.50));
	cj_u64(q, "p99", vhist_quantile(h, 0.99));
	cj_u64(q, "max", h->max);
}

int control_arg_u64(struct json_object *args, const char *key,
		    bool required, uint64_t *v, struct control_err *e)
{
	struct json_object *o;

	if (!args || !json_object_object_get_ex(args, key, &o) || !o) {
		if (!required)
			return 1;
		return control_fail(e, "bad-argument", "missing argument "
				    "\"%s\"", key);
	}
	if (!json_object_is_type(o, json_type_int) ||
	    json_object_get_int64(o) < 0)
		return control_fail(e, "bad-argument", "argument \"%s\" must "
				    "be an unsigned integer", key);
	*v = json_object_get_uint64(o);
	return 0;
}

const char *control_arg_str(struct json_object *args, const char *key,
			    bool required, struct control_err *e)
{
	struct json_object *o;

	if (!args || !json_object_object_get_ex(args, key, &o) || !o) {
		if (required)
			control_fail(e, "bad-argument", "missing argument "
				     "\"%s\"", key);
		return NULL;
	}
	if (!json_object_is_type(o, json_type_string)) {
		control_fail(e, "bad-argument", "argument \"%s\" must be a "
			     "string", key);
		return NULL;
	}
	return json_object_get_string(o);
}

static bool is_live(const struct dmlog_log *log)
{
	return log->state == LOG_RUNNING || log->state == LOG_PRESUSPENDED;
}

/* Of two instances of one uuid, the one to show: a live one, else the
 * newest (the later in creation order). */
static struct dmlog_log *prefer(struct dmlog_log *cur, struct dmlog_log *n)
{
	if (!cur || !is_live(cur) || is_live(n))
		return n;
	return cur;
}

struct dmlog_log *control_find_log(const struct control_env *env,
				   const char *id, struct control_err *e)
{
	struct dmlog_log *log, *exact = NULL, *pre = NULL;
	size_t idlen = strlen(id);
	bool ambiguous = false;

	for (size_t i = 0; idlen && (log = log_server_at(env->srv, i)); i++) {
		if (!strcmp(log->uuid, id))
			exact = prefer(exact, log);
		else if (!strncmp(log->uuid, id, idlen)) {
			if (pre && strcmp(pre->uuid, log->uuid))
				ambiguous = true;
			pre = prefer(pre, log);
		}
	}
	if (exact)
		return exact;
	if (ambiguous) {
		control_fail(e, "ambiguous-log", "\"%s\" is the prefix of "
			     "more than one log uuid; give more of it", id);
		return NULL;
	}
	if (!pre)
		control_fail(e, "no-such-log", "dmlogd serves no log \"%s\"",
			     id);
	return pre;
}

struct dmlog_log *control_arg_log(const struct control_env *env,
				  struct json_object *args,
				  struct control_err *e)
{
	const char *id = control_arg_str(args, "log", true, e);

	return id ? control_find_log(env, id, e) : NULL;
}
