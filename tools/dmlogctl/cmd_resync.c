/* dmlogctl resync LOG [--all | --regions A-B | --sectors X-Y] [--wait]:
 * have the mirror copy a range of regions again. */
#include <errno.h>
#include <json.h>
#include <stdio.h>
#include <string.h>

#include "cmds.h"
#include "ctl_exit.h"
#include "ctlsock.h"
#include "jdoc.h"
#include "jget.h"
#include "logname.h"
#include "msg.h"
#include "numparse.h"
#include "online.h"
#include "resync_wait.h"

enum { OPT_ALL, OPT_REGIONS, OPT_SECTORS, OPT_WAIT };

struct resync_opts {
	int range_kind;		/* -1: none given, else OPT_* */
	uint64_t a, b;		/* inclusive */
	bool wait;
};

static const struct ctl_option resync_options[] = {
	{ "all", 0, NULL, "every region of the log", OPT_ALL },
	{ "regions", 0, "A-B", "regions A to B (inclusive; or one: A)",
	  OPT_REGIONS },
	{ "sectors", 0, "X-Y", "the regions holding mirror sectors X to Y",
	  OPT_SECTORS },
	{ "wait", 0, NULL, "follow the copy until the range is in sync",
	  OPT_WAIT },
	{ NULL, 0, NULL, NULL, 0 },
};

/* "A-B" or "A". */
static int parse_range(const char *s, uint64_t *a, uint64_t *b)
{
	char first[32];
	const char *dash = strchr(s, '-');

	if (!dash)
		return parse_u64(s, UINT64_MAX, a) ? -EINVAL :
		       (*b = *a, 0);
	if ((size_t)(dash - s) >= sizeof(first))
		return -EINVAL;
	snprintf(first, sizeof(first), "%.*s", (int)(dash - s), s);
	if (parse_u64(first, UINT64_MAX, a) ||
	    parse_u64(dash + 1, UINT64_MAX, b) || *b < *a)
		return -EINVAL;
	return 0;
}

static int resync_option(void *state, int id, const char *arg)
{
	struct resync_opts *o = state;

	if (id == OPT_WAIT) {
		o->wait = true;
		return CTL_EXIT_OK;
	}
	if (o->range_kind >= 0) {
		ctl_err("resync: give one of --all, --regions, --sectors");
		return CTL_EXIT_USAGE;
	}
	o->range_kind = id;
	if (id != OPT_ALL && parse_range(arg, &o->a, &o->b)) {
		ctl_err("resync: --%s takes FIRST-LAST (whole numbers, FIRST "
			"<= LAST), not \"%s\"", id == OPT_REGIONS ? "regions" :
			"sectors", arg);
		return CTL_EXIT_USAGE;
	}
	return CTL_EXIT_OK;
}

/* The log's status object (caller puts). */
static int log_status(const char *id, struct json_object **st,
		      struct json_object **res)
{
	struct json_object *a = json_object_new_object(), *arr;
	int r;

	arr = json_object_new_array();
	json_object_array_add(arr, json_object_new_string(id));
	json_object_object_add(a, "logs", arr);
	r = ctl_request_once("status", a, res);
	json_object_put(a);
	if (!r)
		*st = json_object_array_get_idx(jget(*res, "logs"), 0);
	return r;
}

/* Regions [first, first + count) from the options and the log. */
static int to_regions(const struct resync_opts *o, struct json_object *st,
		      uint64_t *first, uint64_t *count)
{
	uint64_t n = jget_u64(st, "region_count");
	uint64_t rs = jget_u64(st, "region_size_sectors");
	uint64_t a = o->a, b = o->b;

	if (o->range_kind == OPT_ALL) {
		*first = 0;
		*count = n;
		return CTL_EXIT_OK;
	}
	if (o->range_kind == OPT_SECTORS) {
		a /= rs;
		b /= rs;
	}
	if (b >= n) {
		ctl_err("resync: %s %llu is past the end of %s (regions 0-%llu, "
			"%llu sectors each)", o->range_kind == OPT_SECTORS ?
			"sector" : "region", (unsigned long long)o->b,
			jget_str(st, "uuid"), (unsigned long long)(n - 1),
			(unsigned long long)rs);
		return CTL_EXIT_USAGE;
	}
	*first = a;
	*count = b - a + 1;
	return CTL_EXIT_OK;
}

/* How long a shared log's resync may wait for the cluster's table lock
 * before dmlogctl says so (the request stays queued in dmlogd). */
#define RECORD_TIMEOUT_MS 60000

static int send_resync(const char *uuid, uint64_t first, uint64_t count,
		       struct json_object **res)
{
	struct json_object *a = json_object_new_object();
	int r;

	json_object_object_add(a, "log", json_object_new_string(uuid));
	json_object_object_add(a, "first_region", json_object_new_uint64(first));
	json_object_object_add(a, "count", json_object_new_uint64(count));
	r = ctl_request_once("resync", a, res);
	json_object_put(a);
	return r;
}

static int report(struct ctl_ctx *ctx, struct json_object *res, bool waited,
		  int wait_r, uint64_t left)
{
	json_object_object_add(res, "waited", json_object_new_boolean(waited));
	json_object_object_add(res, "out_of_sync_left", waited ?
			       json_object_new_uint64(left) : NULL);
	if (ctx->json) {
		int r = online_print_json("resync", res);

		return wait_r ? wait_r : r;
	}
	if (waited && !wait_r)
		printf("%s: regions %llu-%llu are in sync again\n",
		       jget_str(res, "uuid"),
		       (unsigned long long)jget_u64(res, "first_region"),
		       (unsigned long long)(jget_u64(res, "first_region") +
					    jget_u64(res, "count") - 1));
	json_object_put(res);
	return wait_r;
}

static int do_resync(struct ctl_ctx *ctx, const struct resync_opts *o,
		     struct json_object *st)
{
	struct resync_range rr = { jget_str(st, "uuid"), 0, 0 };
	struct json_object *res;
	uint64_t left = 0;
	int r;

	if ((r = to_regions(o, st, &rr.first, &rr.count)) ||
	    (r = send_resync(rr.id, rr.first, rr.count, &res)))
		return r;
	if (jget_bool(res, "cluster_wide") &&
	    (r = resync_recorded(&rr, RECORD_TIMEOUT_MS))) {
		json_object_put(res);
		return r;
	}
	if (!ctx->json && jget_bool(res, "cluster_wide"))
		printf("%s: regions %llu-%llu marked out of sync on the log "
		       "device for every node (%llu were in sync); %s\n", rr.id,
		       (unsigned long long)rr.first,
		       (unsigned long long)(rr.first + rr.count - 1),
		       (unsigned long long)jget_u64(res, "marked"),
		       jget_bool(res, "mirror_restarted") ?
		       "every node reloads its mirror, then the cluster "
		       "copies them" :
		       "dmlogd has no kernel transport: nothing copies them "
		       "here");
	else if (!ctx->json)
		printf("%s: regions %llu-%llu marked out of sync (%llu were in "
		       "sync); %s\n", rr.id, (unsigned long long)rr.first,
		       (unsigned long long)(rr.first + rr.count - 1),
		       (unsigned long long)jget_u64(res, "marked"),
		       jget_bool(res, "mirror_restarted") ?
		       "the mirror restarts to copy them" :
		       "dmlogd has no kernel transport: nothing copies them");
	fflush(stdout);
	if (o->wait && !jget_bool(res, "mirror_restarted")) {
		ctl_warn("--wait: no mirror copies this log (dmlogd runs "
			 "without the kernel); not waiting");
		return report(ctx, res, false, CTL_EXIT_OK, 0);
	}
	if (o->wait)
		r = resync_wait(&rr, ctx->json ? stderr : stdout, &left);
	return report(ctx, res, o->wait, r, left);
}

static int resync_run(struct ctl_ctx *ctx, int argc, char **argv)
{
	struct resync_opts o = { -1, 0, 0, false };
	struct json_object *st = NULL, *res = NULL;
	char id[LOGNAME_MAX], *pos[1];
	int npos;
	int r = ctl_parse_args(ctx, &cmd_resync, argc, argv, resync_option,
			       &o, pos, 1, &npos);

	if (r != CTL_CONTINUE)
		return r;
	if (o.range_kind < 0) {
		ctl_err("resync: say which regions: --all, --regions A-B or "
			"--sectors X-Y");
		ctl_try_help(&cmd_resync);
		return CTL_EXIT_USAGE;
	}
	if ((r = online_log_id(pos[0], id, sizeof(id))) ||
	    (r = log_status(id, &st, &res)))
		return r;
	r = do_resync(ctx, &o, st);
	json_object_put(res);
	return r;
}

const struct ctl_command cmd_resync = {
	.name = "resync",
	.synopsis = "LOG (--all | --regions A-B | --sectors X-Y) [--wait] "
		    "[--json]",
	.positional = "LOG",
	.summary = "Have the mirror copy regions again",
	.description =
"Marks the regions out of sync in dmlogd (durably, for a disk log),\n"
"rewinds the resync, and has dmlogd reload the mirror so the kernel\n"
"copies them from the primary leg to the others. --wait follows the copy:\n"
"a progress bar with rate and ETA on a terminal, plain lines otherwise;\n"
"Ctrl-C stops the waiting (exit 130), not the resync. A log shared by\n"
"the cluster (lock_manager dlm) is resynced on every node: dmlogd sets\n"
"the bits under the cluster's table lock and announces them, every\n"
"node's mirror reloads, then the nodes copy them; --wait follows the\n"
"cluster-wide count. A node that has not joined the cluster log yet\n"
"refuses with exit 6 (retry).",
	.options = resync_options,
	.run = resync_run,
};
