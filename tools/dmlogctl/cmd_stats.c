/* dmlogctl stats [LOG]: per request type counts and latency, flush
 * sizes. */
#include <json.h>
#include <stdio.h>

#include "cmds.h"
#include "ctl_exit.h"
#include "ctlsock.h"
#include "jget.h"
#include "logname.h"
#include "msg.h"
#include "online.h"
#include "table.h"

static int stats_no_option(void *state, int id, const char *arg)
{
	(void)state;
	(void)id;
	(void)arg;
	return CTL_EXIT_USAGE;
}

static void quantile_cells(struct table *t, struct json_object *q, bool ns)
{
	static const char *const k[] = { "p50", "p99", "max" };
	char buf[32];

	for (unsigned i = 0; i < 3; i++) {
		if (ns) {
			fmt_ns(jget_u64(q, k[i]), buf, sizeof(buf));
			table_cell(t, "%s", buf);
		} else {
			table_cell(t, "%llu",
				   (unsigned long long)jget_u64(q, k[i]));
		}
	}
}

static int requests_table(struct json_object *log)
{
	struct json_object *reqs = jget(log, "requests");
	struct table *t = table_new(6, "lrrrrr");
	int r;

	table_cell(t, "REQUEST");
	table_cell(t, "COUNT");
	table_cell(t, "ERRORS");
	table_cell(t, "P50");
	table_cell(t, "P99");
	table_cell(t, "MAX");
	for (size_t i = 0; reqs && i < json_object_array_length(reqs); i++) {
		struct json_object *q = json_object_array_get_idx(reqs, i);

		table_cell(t, "%s", jget_str(q, "type"));
		table_cell(t, "%llu", (unsigned long long)jget_u64(q, "count"));
		table_cell(t, "%llu",
			   (unsigned long long)jget_u64(q, "errors"));
		quantile_cells(t, jget(q, "latency_ns"), true);
	}
	r = table_print(t, stdout, 2);
	table_free(t);
	return r;
}

static int flush_table(struct json_object *log)
{
	struct json_object *f = jget(log, "flush");
	struct table *t = table_new(4, "lrrr");
	char bytes[32];
	int r;

	fmt_bytes(jget_u64(f, "bytes"), bytes, sizeof(bytes));
	printf("  flushes: %llu requests, %llu wrote %llu blocks (%s) with "
	       "%llu syncs; %llu marks, %llu clears\n",
	       (unsigned long long)jget_u64(f, "requests"),
	       (unsigned long long)jget_u64(f, "written"),
	       (unsigned long long)jget_u64(f, "blocks"), bytes,
	       (unsigned long long)jget_u64(f, "syncs"),
	       (unsigned long long)jget_u64(f, "marks"),
	       (unsigned long long)jget_u64(f, "clears"));
	table_cell(t, "FLUSH SIZE");
	table_cell(t, "P50");
	table_cell(t, "P99");
	table_cell(t, "MAX");
	table_cell(t, "blocks (4 KiB)");
	quantile_cells(t, jget(f, "blocks_per_flush"), false);
	table_cell(t, "bytes");
	quantile_cells(t, jget(f, "bytes_per_flush"), false);
	r = table_print(t, stdout, 2);
	table_free(t);
	return r;
}

static int print_text(struct json_object *logs)
{
	size_t n = logs ? json_object_array_length(logs) : 0;

	if (!n)
		printf("dmlogd serves no log.\n");
	for (size_t i = 0; i < n; i++) {
		struct json_object *log = json_object_array_get_idx(logs, i);

		printf("%s%s (luid %llu)\n", i ? "\n" : "",
		       jget_str(log, "uuid"),
		       (unsigned long long)jget_u64(log, "luid"));
		if (requests_table(log) || flush_table(log)) {
			ctl_err("out of memory");
			return CTL_EXIT_FAILURE;
		}
	}
	return CTL_EXIT_OK;
}

static int stats_run(struct ctl_ctx *ctx, int argc, char **argv)
{
	struct json_object *args = NULL, *res;
	char id[LOGNAME_MAX], *pos[1];
	int npos;
	int r = ctl_parse_args(ctx, &cmd_stats, argc, argv, stats_no_option,
			       NULL, pos, 1, &npos);

	if (r != CTL_CONTINUE)
		return r;
	if (npos) {
		if ((r = online_log_id(pos[0], id, sizeof(id))))
			return r;
		args = json_object_new_object();
		json_object_object_add(args, "log", json_object_new_string(id));
	}
	r = ctl_request_once("stats", args, &res);
	json_object_put(args);
	if (r)
		return r;
	if (ctx->json)
		return online_print_json("stats", res);
	r = print_text(jget(res, "logs"));
	json_object_put(res);
	return r;
}

const struct ctl_command cmd_stats = {
	.name = "stats",
	.synopsis = "[LOG] [--json]",
	.summary = "Show request counts, latencies and flush sizes",
	.description =
"Per log (or the one named): for every request type the kernel sent, the\n"
"count, errors and latency (p50, p99, max: measured in dmlogd around the\n"
"request, so the kernel's round trip adds to it); flushes that wrote,\n"
"blocks and bytes written to the log device, and flush sizes (p50, p99,\n"
"max). Counts start when dmlogd starts serving the log.",
	.run = stats_run,
};
