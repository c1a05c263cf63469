/* Control request handlers (one file each) and what they share: argument
 * access, log lookup, error reporting. See doc/control-protocol.md. */
#ifndef DMLOGD_CONTROL_CMDS_H
#define DMLOGD_CONTROL_CMDS_H

#include <stdbool.h>
#include <stdint.h>

#include "control.h"

struct dmlog_log;
struct json_object;

/* An error reply: code is one of the protocol's error codes. */
struct control_err {
	const char *code;
	char message[384];
};

/* Fill e (printf format); returns -1 for the handler to return. */
int control_fail(struct control_err *e, const char *code,
		 const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* A handler adds its keys to result; 0, or -1 with e set. */
typedef int (*control_fn)(const struct control_env *env,
			  struct json_object *args,
			  struct json_object *result, struct control_err *e);

struct control_cmd {
	const char *name;
	control_fn fn;
};

/* NULL-terminated table (control_cmds.c). */
extern const struct control_cmd control_cmds[];

int control_list(const struct control_env *, struct json_object *,
		 struct json_object *, struct control_err *);
int control_status(const struct control_env *, struct json_object *,
		   struct json_object *, struct control_err *);
int control_regions(const struct control_env *, struct json_object *,
		    struct json_object *, struct control_err *);
int control_progress(const struct control_env *, struct json_object *,
		     struct json_object *, struct control_err *);
int control_map(const struct control_env *, struct json_object *,
		struct json_object *, struct control_err *);
int control_stats(const struct control_env *, struct json_object *,
		  struct json_object *, struct control_err *);
int control_resync(const struct control_env *, struct json_object *,
		   struct json_object *, struct control_err *);

/* One log's status object into o (control_status.c). */
void control_status_log(const struct control_env *env,
			const struct dmlog_log *log, struct json_object *o);

/* args[key] as an unsigned integer: 0; 1 when absent and not required
 * (*v unchanged); -1 with e set. */
int control_arg_u64(struct json_object *args, const char *key,
		    bool required, uint64_t *v, struct control_err *e);
/* args[key] as a string: the string; NULL when absent (e set when
 * required) or not a string (e set). */
const char *control_arg_str(struct json_object *args, const char *key,
			    bool required, struct control_err *e);

/* The log named by id: exact uuid, else a unique uuid prefix; among the
 * instances of one uuid (a reload), the live one. NULL with e set
 * (no-such-log, ambiguous-log). */
struct dmlog_log *control_find_log(const struct control_env *env,
				   const char *id, struct control_err *e);
/* args["log"], required, looked up. */
struct dmlog_log *control_arg_log(const struct control_env *env,
				  struct json_object *args,
				  struct control_err *e);

/* json-c shorthands: add key = value to o (allocation failures leave the
 * key out; control_answer then reports "internal"). */
void cj_u64(struct json_object *o, const char *key, uint64_t v);
void cj_str(struct json_object *o, const char *key, const char *v);
void cj_bool(struct json_object *o, const char *key, bool v);
void cj_num(struct json_object *o, const char *key, double v);
void cj_null(struct json_object *o, const char *key);
struct json_object *cj_obj(struct json_object *o, const char *key);
struct json_object *cj_arr(struct json_object *o, const char *key);
/* {"p50": .., "p99": .., "max": ..} of a histogram (vhist.h). */
struct vhist;
void cj_quantiles(struct json_object *o, const char *key,
		  const struct vhist *h);

#endif
