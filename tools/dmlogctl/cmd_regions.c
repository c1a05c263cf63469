/* dmlogctl regions LOG [--dirty|--out-of-sync|--recovering] [--node N]:
 * runs of regions in those states, with their sectors and bytes on the
 * mirror. A log shared by the cluster answers cluster-wide: dirty in any
 * node's slot (or node N's), out of sync on the shared device. */
#include <json.h>
#include <stdio.h>
#include <string.h>

#include "cmds.h"
#include "ctl_exit.h"
#include "ctlsock.h"
#include "jget.h"
#include "logname.h"
#include "msg.h"
#include "numparse.h"
#include "online.h"
#include "table.h"

enum { OPT_DIRTY, OPT_OOS, OPT_RECOVERING, OPT_NODE };

struct regions_opts {
	unsigned mask;
	bool node_given;
	uint64_t node;
};

static const char *const state_names[] = { "dirty", "out-of-sync",
					   "recovering" };

static const struct ctl_option regions_options[] = {
	{ "dirty", 0, NULL, "regions marked by writes not yet cleared",
	  OPT_DIRTY },
	{ "out-of-sync", 0, NULL, "regions whose legs may differ", OPT_OOS },
	{ "recovering", 0, NULL, "regions being copied now", OPT_RECOVERING },
	{ "node", 0, "N", "dirty means marked in cluster node N's slot",
	  OPT_NODE },
	{ NULL, 0, NULL, NULL, 0 },
};

static int regions_option(void *state, int id, const char *arg)
{
	struct regions_opts *o = state;

	if (id != OPT_NODE) {
		o->mask |= 1u << id;
		return CTL_EXIT_OK;
	}
	if (parse_u64(arg, UINT32_MAX, &o->node)) {
		ctl_err("regions: --node takes a cluster node id (a whole "
			"number, 0..%u), not \"%s\"", UINT32_MAX, arg);
		return CTL_EXIT_USAGE;
	}
	o->node_given = true;
	return CTL_EXIT_OK;
}

static struct json_object *request_args(const char *id,
					const struct regions_opts *o,
					uint64_t from)
{
	struct json_object *a = json_object_new_object(), *s;
	unsigned mask = o->mask;

	json_object_object_add(a, "log", json_object_new_string(id));
	if (o->node_given)
		json_object_object_add(a, "node",
				       json_object_new_uint64(o->node));
	json_object_object_add(a, "from_region", json_object_new_uint64(from));
	s = json_object_new_array();
	for (unsigned i = 0; i < 3; i++)
		if (mask & (1u << i))
			json_object_array_add(s, json_object_new_string(
						      state_names[i]));
	json_object_object_add(a, "states", s);
	return a;
}

/* The report range of one daemon range: sectors and bytes added. */
static struct json_object *report_range(struct json_object *res,
					struct json_object *r)
{
	uint64_t rs = jget_u64(res, "region_size_sectors");
	uint64_t target = jget_u64(res, "target_sectors");
	uint64_t first = jget_u64(r, "first_region"), n = jget_u64(r, "count");
	uint64_t s0 = first * rs, ns = n * rs;
	struct json_object *o = json_object_new_object();

	if (target && s0 + ns > target)
		ns = target - s0;	/* the last region may be short */
	json_object_object_add(o, "first_region", json_object_new_uint64(first));
	json_object_object_add(o, "last_region",
			       json_object_new_uint64(first + n - 1));
	json_object_object_add(o, "count", json_object_new_uint64(n));
	json_object_object_add(o, "first_sector", json_object_new_uint64(s0));
	json_object_object_add(o, "sectors", json_object_new_uint64(ns));
	json_object_object_add(o, "offset_bytes",
			       json_object_new_uint64(s0 * 512));
	json_object_object_add(o, "length_bytes",
			       json_object_new_uint64(ns * 512));
	for (unsigned i = 0; i < 3; i++) {
		const char *k = i == 1 ? "out_of_sync" : state_names[i];

		json_object_object_add(o, k, json_object_new_boolean(
					       jget_bool(r, k)));
	}
	return o;
}

/* Every page of ranges into report (which has "ranges"). */
static int fetch(struct ctl_conn *c, const char *id,
		 const struct regions_opts *o, struct json_object *report)
{
	struct json_object *ranges = jget(report, "ranges"), *res, *a;
	uint64_t from = 0;
	int r;

	for (;;) {
		a = request_args(id, o, from);
		r = ctl_request(c, "regions", a, &res);
		json_object_put(a);
		if (r)
			return r;
		json_object_object_add(res, "target_sectors",
				       json_object_new_uint64(jget_u64(
					       report, "target_sectors")));
		if (!jget(report, "uuid")) {
			json_object_object_add(report, "uuid",
				json_object_get(jget(res, "uuid")));
			json_object_object_add(report, "region_size_sectors",
				json_object_get(jget(res,
						     "region_size_sectors")));
			json_object_object_add(report, "region_count",
				json_object_get(jget(res, "region_count")));
			json_object_object_add(report, "node",
				json_object_get(jget(res, "node")));
			json_object_object_add(report, "cluster_wide",
				json_object_new_boolean(jget_bool(
					res, "cluster_wide")));
		}
		a = jget(res, "ranges");
		for (size_t i = 0; a && i < json_object_array_length(a); i++)
			json_object_array_add(ranges, report_range(res,
				json_object_array_get_idx(a, i)));
		from = jget_u64(res, "next_region");
		r = jget_is_null(res, "next_region");
		json_object_put(res);
		if (r)
			return CTL_EXIT_OK;
	}
}

/* target_sectors from status, so the last region's length is exact. */
static int target_of(struct ctl_conn *c, const char *id,
		     struct json_object *report)
{
	struct json_object *a = json_object_new_object(), *arr, *res;
	int r;

	arr = json_object_new_array();
	json_object_array_add(arr, json_object_new_string(id));
	json_object_object_add(a, "logs", arr);
	r = ctl_request(c, "status", a, &res);
	json_object_put(a);
	if (r)
		return r;
	json_object_object_add(report, "target_sectors",
		json_object_new_uint64(jget_u64(json_object_array_get_idx(
			jget(res, "logs"), 0), "target_sectors")));
	json_object_put(res);
	return CTL_EXIT_OK;
}

static const char *state_words(struct json_object *r, char *buf, size_t n)
{
	buf[0] = '\0';
	for (unsigned i = 0; i < 3; i++)
		if (jget_bool(r, i == 1 ? "out_of_sync" : state_names[i]))
			snprintf(buf + strlen(buf), n - strlen(buf), "%s%s",
				 buf[0] ? "," : "", state_names[i]);
	return buf;
}

static int print_text(struct json_object *report)
{
	struct json_object *ranges = jget(report, "ranges");
	size_t n = json_object_array_length(ranges);
	struct table *t = table_new(5, "rrrrl");
	char words[64], len[32];
	int r;

	if (!jget_is_null(report, "node"))
		printf("%s: dirty = marked in node %llu's slot\n",
		       jget_str(report, "uuid"),
		       (unsigned long long)jget_u64(report, "node"));
	else if (jget_bool(report, "cluster_wide"))
		printf("%s: cluster-wide (dirty = marked in any node's "
		       "slot)\n", jget_str(report, "uuid"));
	if (!n) {
		printf("%s: no region in the states asked for.\n",
		       jget_str(report, "uuid"));
		table_free(t);
		return CTL_EXIT_OK;
	}
	table_cell(t, "REGIONS");
	table_cell(t, "COUNT");
	table_cell(t, "SECTORS");
	table_cell(t, "BYTES");
	table_cell(t, "STATE");
	for (size_t i = 0; i < n; i++) {
		struct json_object *x = json_object_array_get_idx(ranges, i);
		uint64_t s0 = jget_u64(x, "first_sector");

		fmt_bytes(jget_u64(x, "length_bytes"), len, sizeof(len));
		table_cell(t, "%llu-%llu",
			   (unsigned long long)jget_u64(x, "first_region"),
			   (unsigned long long)jget_u64(x, "last_region"));
		table_cell(t, "%llu", (unsigned long long)jget_u64(x, "count"));
		table_cell(t, "%llu-%llu", (unsigned long long)s0,
			   (unsigned long long)(s0 + jget_u64(x, "sectors") -
						1));
		table_cell(t, "%llu+%s",
			   (unsigned long long)jget_u64(x, "offset_bytes"), len);
		table_cell(t, "%s", state_words(x, words, sizeof(words)));
	}
	r = table_print(t, stdout, 0);
	table_free(t);
	return r ? CTL_EXIT_FAILURE : CTL_EXIT_OK;
}

static int regions_log(struct ctl_ctx *ctx, const char *id,
		       const struct regions_opts *o)
{
	unsigned mask = o->mask;
	struct json_object *report = json_object_new_object(), *st;
	struct ctl_conn c;
	int r;

	json_object_object_add(report, "ranges", json_object_new_array());
	st = json_object_new_array();
	for (unsigned i = 0; i < 3; i++)
		if (mask & (1u << i))
			json_object_array_add(st, json_object_new_string(
						      state_names[i]));
	json_object_object_add(report, "states", st);
	if ((r = ctl_connect(&c))) {
		json_object_put(report);
		return r;
	}
	r = target_of(&c, id, report);
	if (!r)
		r = fetch(&c, id, o, report);
	ctl_disconnect(&c);
	if (!r && ctx->json)
		return online_print_json("regions", report);
	if (!r)
		r = print_text(report);
	json_object_put(report);
	return r;
}

static int regions_run(struct ctl_ctx *ctx, int argc, char **argv)
{
	struct regions_opts o = { 0, false, 0 };
	char id[LOGNAME_MAX], *pos[1];
	int npos;
	int r = ctl_parse_args(ctx, &cmd_regions, argc, argv, regions_option,
			       &o, pos, 1, &npos);

	if (r != CTL_CONTINUE)
		return r;
	if ((r = online_log_id(pos[0], id, sizeof(id))))
		return r;
	if (!o.mask)
		o.mask = 7;
	return regions_log(ctx, id, &o);
}

const struct ctl_command cmd_regions = {
	.name = "regions",
	.synopsis = "LOG [--dirty] [--out-of-sync] [--recovering] [--node N] "
		    "[--json]",
	.positional = "LOG",
	.summary = "List a log's dirty, out-of-sync and recovering regions",
	.description =
"Lists runs of consecutive regions in the same state, with their sectors\n"
"and byte offsets on the mirror. Without an option every region that is\n"
"dirty (marked by a write not yet cleared), out of sync (its legs may\n"
"differ) or recovering (being copied) is listed; the options select\n"
"states (several may be given). A log in sync with no write in flight\n"
"lists nothing. A log shared by the cluster (lock_manager dlm) is listed\n"
"cluster-wide: dirty is marked in any node's slot on the shared device,\n"
"or with --node N in node N's slot; out of sync is the device's shared\n"
"area. --node of a single-node log accepts only this node's id.",
	.options = regions_options,
	.run = regions_run,
};
