/* The control protocol's envelope (doc/control-protocol.md): parse and
 * check a request, run its handler, build the reply. */
#include <json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"
#include "control_cmds.h"
#include "control_util.h"

static struct json_object *new_reply(bool ok)
{
	struct json_object *r = json_object_new_object();

	cj_u64(r, "version", CONTROL_VERSION);
	cj_bool(r, "ok", ok);
	return r;
}

static char *to_string(struct json_object *r)
{
	const char *s = json_object_to_json_string_ext(
		r, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	char *out = s ? strdup(s) : NULL;

	json_object_put(r);
	return out;
}

static char *error_reply(const struct control_err *e)
{
	struct json_object *r = new_reply(false), *err = cj_obj(r, "error");

	cj_str(err, "code", e->code);
	cj_str(err, "message", e->message);
	return r ? to_string(r) : NULL;
}

/* The request object of the packet, or NULL with e set. */
static struct json_object *parse(const char *req, size_t len,
				 struct control_err *e)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o = NULL;
	enum json_tokener_error je;

	if (!tok) {
		control_fail(e, "internal", "out of memory");
		return NULL;
	}
	o = json_tokener_parse_ex(tok, req, (int)len);
	je = json_tokener_get_error(tok);
	if (je == json_tokener_success && tok->char_offset < (int)len)
		je = json_tokener_error_parse_unexpected;
	if (!o || je != json_tokener_success) {
		control_fail(e, "bad-json", "the request is not one JSON "
			     "object: %s at byte %d",
			     je == json_tokener_continue ? "unexpected end" :
			     json_tokener_error_desc(je), (int)tok->char_offset);
		json_object_put(o);
		o = NULL;
	} else if (!json_object_is_type(o, json_type_object)) {
		control_fail(e, "bad-json", "the request must be a JSON "
			     "object");
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

static int check_version(struct json_object *req, struct control_err *e)
{
	uint64_t v;

	if (control_arg_u64(req, "version", true, &v, e))
		return -1;
	if (v != CONTROL_VERSION)
		return control_fail(e, "bad-version", "protocol version %llu "
				    "is not supported (this dmlogd speaks "
				    "version %d): use the dmlogctl of the same "
				    "release", (unsigned long long)v,
				    CONTROL_VERSION);
	return 0;
}

static const struct control_cmd *find_cmd(struct json_object *req,
					  struct control_err *e)
{
	const char *name = control_arg_str(req, "request", true, e);

	if (!name)
		return NULL;
	for (size_t i = 0; control_cmds[i].name; i++)
		if (!strcmp(control_cmds[i].name, name))
			return &control_cmds[i];
	control_fail(e, "unknown-request", "unknown request \"%.64s\"", name);
	return NULL;
}

static struct json_object *args_of(struct json_object *req,
				   struct control_err *e)
{
	struct json_object *a = NULL;

	if (!json_object_object_get_ex(req, "args", &a) || !a)
		return NULL;
	if (!json_object_is_type(a, json_type_object)) {
		control_fail(e, "bad-argument", "\"args\" must be an object");
		return NULL;
	}
	return a;
}

/* Run the request; the reply, or NULL with e set. */
static struct json_object *run(const struct control_env *env,
			       struct json_object *req,
			       struct control_err *e)
{
	const struct control_cmd *cmd;
	struct json_object *args, *reply, *result;

	if (check_version(req, e) || !(cmd = find_cmd(req, e)))
		return NULL;
	e->code = NULL;
	args = args_of(req, e);
	if (e->code)
		return NULL;
	reply = new_reply(true);
	result = cj_obj(reply, "result");
	if (cmd->fn(env, args, result, e)) {
		json_object_put(reply);
		return NULL;
	}
	return reply;
}

char *control_answer(const struct control_env *env, const char *req,
		     size_t len)
{
	struct control_err e = { NULL, "" };
	struct json_object *o, *reply = NULL;
	char *s;

	control_cj_reset();
	if ((o = parse(req, len, &e)))
		reply = run(env, o, &e);
	json_object_put(o);
	if (reply && control_cj_failed()) {
		json_object_put(reply);
		reply = NULL;
		control_fail(&e, "internal", "out of memory");
	}
	if (!reply)
		return error_reply(&e);
	s = to_string(reply);
	if (s && strlen(s) >= CONTROL_MAX_REPLY) {
		free(s);
		control_fail(&e, "too-large", "the reply would exceed %d "
			     "bytes; ask for less", CONTROL_MAX_REPLY);
		return error_reply(&e);
	}
	return s;
}
