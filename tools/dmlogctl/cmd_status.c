/* dmlogctl status [LOG...]: what dmlogd serves, one block per log. */
#include <json.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmds.h"
#include "ctl_exit.h"
#include "ctlsock.h"
#include "logname.h"
#include "msg.h"
#include "online.h"
#include "status_text.h"

#define STATUS_MAX_LOGS 64

static int status_no_option(void *state, int id, const char *arg)
{
	(void)state;
	(void)id;
	(void)arg;
	return CTL_EXIT_USAGE;
}

/* {"logs": [ids]} for the named logs; NULL args for every log. */
static int build_args(char **pos, int npos, struct json_object **args)
{
	struct json_object *arr;
	char id[LOGNAME_MAX];
	int r;

	*args = NULL;
	if (!npos)
		return CTL_EXIT_OK;
	*args = json_object_new_object();
	arr = json_object_new_array();
	json_object_object_add(*args, "logs", arr);
	for (int i = 0; i < npos; i++) {
		if ((r = online_log_id(pos[i], id, sizeof(id)))) {
			json_object_put(*args);
			*args = NULL;
			return r;
		}
		json_object_array_add(arr, json_object_new_string(id));
	}
	return CTL_EXIT_OK;
}

static int status_run(struct ctl_ctx *ctx, int argc, char **argv)
{
	struct json_object *args, *res, *logs;
	char *pos[STATUS_MAX_LOGS];
	int npos;
	int r = ctl_parse_args(ctx, &cmd_status, argc, argv, status_no_option,
			       NULL, pos, STATUS_MAX_LOGS, &npos);

	if (r != CTL_CONTINUE)
		return r;
	if ((r = build_args(pos, npos, &args)))
		return r;
	r = ctl_request_once("status", args, &res);
	json_object_put(args);
	if (r)
		return r;
	json_object_object_get_ex(res, "logs", &logs);
	for (size_t i = 0; logs && i < json_object_array_length(logs); i++)
		online_add_mirror(json_object_array_get_idx(logs, i));
	if (ctx->json)
		return online_print_json("status", res);
	r = status_text(logs, ctx->verbose, stdout);
	json_object_put(res);
	return r;
}

const struct ctl_command cmd_status = {
	.name = "status",
	.synopsis = "[LOG...] [--json] [-v]",
	.summary = "Show the logs dmlogd serves and their health",
	.description =
"For every log dmlogd serves (or the named ones): the mirror device, log\n"
"type and device, region size and count, regions in sync, dirty regions,\n"
"the resync (who copies, rate, ETA), slots, flushes and their latency,\n"
"and a health verdict. LOG is a log uuid, a unique prefix of one, the\n"
"mirror's device-mapper name, a device path or an LVM vg/lv. -v adds the\n"
"instance id, resync cursor and regions recovered. Talks to dmlogd:\n"
"exit 4 when it is not running, 3 when a LOG is unknown.",
	.run = status_run,
};
