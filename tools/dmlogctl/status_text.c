/* dmlogctl status as aligned text (see status_text.h). */
#include <json.h>
#include <stdio.h>
#include <string.h>

#include "ctl_exit.h"
#include "jget.h"
#include "msg.h"
#include "status_text.h"
#include "table.h"

static void row_mirror(struct table *t, struct json_object *log)
{
	struct json_object *m = jget(log, "mirror");

	table_cell(t, "mirror");
	if (m)
		table_cell(t, "%s (%s, %llu:%llu)", jget_str(m, "name"),
			   jget_str(m, "path"),
			   (unsigned long long)jget_u64(m, "major"),
			   (unsigned long long)jget_u64(m, "minor"));
	else
		table_cell(t, "none found (no device-mapper table uses this "
			   "log)");
}

static void row_regions(struct table *t, struct json_object *log)
{
	uint64_t rs = jget_u64(log, "region_size_sectors") * 512;
	char size[32], total[32];

	fmt_bytes(rs, size, sizeof(size));
	fmt_bytes(jget_u64(log, "target_sectors") * 512, total,
		  sizeof(total));
	table_cell(t, "regions");
	table_cell(t, "%llu x %s (%s)",
		   (unsigned long long)jget_u64(log, "region_count"), size,
		   total);
	table_cell(t, "in sync");
	table_cell(t, "%llu (%.2f%%), %llu out of sync",
		   (unsigned long long)jget_u64(log, "in_sync_regions"),
		   jget_num(log, "in_sync_percent"),
		   (unsigned long long)jget_u64(log, "out_of_sync_regions"));
	table_cell(t, "dirty");
	if (jget_is_null(log, "dirty_regions_cluster"))
		table_cell(t, "%llu (this node)",
			   (unsigned long long)jget_u64(log, "dirty_regions"));
	else
		table_cell(t, "%llu (this node), %llu (cluster)",
			   (unsigned long long)jget_u64(log, "dirty_regions"),
			   (unsigned long long)jget_u64(
				   log, "dirty_regions_cluster"));
}

static void row_resync(struct table *t, struct json_object *log,
		       int verbose)
{
	struct json_object *r = jget(log, "resync");
	double rate = jget_num(r, "rate_regions_per_second");

	table_cell(t, "resync");
	if (!jget_bool(r, "active"))
		table_cell(t, "none");
	else if (jget_is_null(r, "eta_seconds"))
		table_cell(t, "by %s, %.1f regions/s",
			   jget_str(r, "recovered_by"), rate);
	else
		table_cell(t, "by %s, %.1f regions/s, ETA %llu s",
			   jget_str(r, "recovered_by"), rate,
			   (unsigned long long)jget_u64(r, "eta_seconds"));
	if (verbose) {
		table_cell(t, "resync cursor");
		table_cell(t, "%llu (%llu recovering, %llu recovered so far)",
			   (unsigned long long)jget_u64(r, "cursor"),
			   (unsigned long long)jget_u64(r,
						       "recovering_regions"),
			   (unsigned long long)jget_u64(r,
						       "regions_recovered"));
	}
}

/* "node 2 ACTIVE, alive member, 5 dirty" */
static void slot_words(struct json_object *e, char *buf, size_t len)
{
	const char *owner = jget_str(e, "owner");
	size_t n;

	if (jget_is_null(e, "state")) {
		snprintf(buf, len, "node %llu?, slot info unreadable",
			 (unsigned long long)jget_u64(e, "node_id"));
		return;
	}
	if (!strcmp(jget_str(e, "state"), "FREE")) {
		snprintf(buf, len, "FREE");
		return;
	}
	snprintf(buf, len, "node %llu ACTIVE",
		 (unsigned long long)jget_u64(e, "node_id"));
	n = strlen(buf);
	if (jget_bool(e, "this_node"))
		snprintf(buf + n, len - n, " (this node)");
	else if (!strcmp(owner, "alive"))
		snprintf(buf + n, len - n, ", owner alive%s",
			 jget_bool(e, "member") ? "" : " (not a member?)");
	else if (!strcmp(owner, "merging"))
		snprintf(buf + n, len - n, ", owner lost: being merged");
	else if (!strcmp(owner, "lost"))
		snprintf(buf + n, len - n, ", owner lost%s",
			 jget_bool(e, "member") ? " (an earlier life of a "
			 "member)" : "");
	else if (!strcmp(owner, "probing"))
		snprintf(buf + n, len - n, ", owner not proven alive yet");
	else
		snprintf(buf + n, len - n, ", %s%s", owner,
			 jget_bool(e, "member") ? " member" : "");
	n = strlen(buf);
	if (jget_bool(e, "suspect"))
		snprintf(buf + n, len - n, ", suspect");
	n = strlen(buf);
	if (!jget_is_null(e, "dirty_regions"))
		snprintf(buf + n, len - n, ", %llu dirty",
			 (unsigned long long)jget_u64(e, "dirty_regions"));
}

static void row_slots(struct table *t, struct json_object *log)
{
	struct json_object *s = jget(log, "slots");
	size_t n = s ? json_object_array_length(s) : 0;
	char words[160];

	table_cell(t, "slots");
	if (!n) {
		table_cell(t, jget_bool(log, "cluster_mode") ?
			   "not read yet (joining)" : "none (core log)");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(s, i);

		if (i) {
			table_cell(t, "%s", "");
		}
		slot_words(e, words, sizeof(words));
		table_cell(t, "%llu: %s", (unsigned long long)jget_u64(e, "slot"),
			   words);
	}
}

/* This node's region locks: who recovers what. */
static void row_locks(struct table *t, struct json_object *c)
{
	struct json_object *l = jget(c, "region_locks_list");
	size_t n = l ? json_object_array_length(l) : 0;
	char buf[256] = "";

	for (size_t i = 0; i < n && strlen(buf) < sizeof(buf) - 40; i++) {
		struct json_object *x = json_object_array_get_idx(l, i);

		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf),
			 "%s%llu (%s)", i ? ", " : "",
			 (unsigned long long)jget_u64(x, "region"),
			 jget_str(x, "state"));
	}
	table_cell(t, "region locks");
	if (!jget_u64(c, "region_locks"))
		table_cell(t, "none (this node copies nothing now)");
	else
		table_cell(t, "%llu, %llu held by this node to copy: %s%s",
			   (unsigned long long)jget_u64(c, "region_locks"),
			   (unsigned long long)jget_u64(c,
							"region_locks_held"),
			   buf, jget_u64(c, "region_locks") > n ? ", ..." : "");
}

static void row_cluster(struct table *t, struct json_object *log,
			int verbose)
{
	struct json_object *c = jget(log, "cluster");

	if (!c)
		return;
	table_cell(t, "cluster");
	table_cell(t, "%s", jget_str(c, "state_words"));
	table_cell(t, "cluster sync");
	table_cell(t, "%llu out of sync on the device, %llu queued, %llu "
		   "suspect%s",
		   (unsigned long long)jget_u64(c, "out_of_sync_on_device"),
		   (unsigned long long)jget_u64(c, "out_of_sync_queued"),
		   (unsigned long long)jget_u64(c, "suspect_regions"),
		   jget_bool(c, "merge_in_progress") ?
		   ", merging a lost node's slot" : "");
	if (verbose || jget_u64(c, "region_locks"))
		row_locks(t, c);
	if (!jget_is_null(c, "device_error")) {
		table_cell(t, "device error");
		table_cell(t, "%s", jget_str(c, "device_error"));
	}
}

static void row_flush(struct table *t, struct json_object *log)
{
	struct json_object *f = jget(log, "flush"), *l = jget(f, "latency_ns");
	char p50[24], p99[24], max[24];

	fmt_ns(jget_u64(l, "p50"), p50, sizeof(p50));
	fmt_ns(jget_u64(l, "p99"), p99, sizeof(p99));
	fmt_ns(jget_u64(l, "max"), max, sizeof(max));
	table_cell(t, "flushes");
	table_cell(t, "%llu (%llu wrote), latency p50 %s, p99 %s, max %s",
		   (unsigned long long)jget_u64(f, "count"),
		   (unsigned long long)jget_u64(f, "written"), p50, p99, max);
}

static void one_log(struct table *t, struct json_object *log, int verbose)
{
	table_cell(t, "log");
	table_cell(t, "%s", jget_str(log, "uuid"));
	if (verbose) {
		table_cell(t, "instance");
		table_cell(t, "luid %llu",
			   (unsigned long long)jget_u64(log, "luid"));
	}
	row_mirror(t, log);
	table_cell(t, "type");
	table_cell(t, "%s, %s%s", jget_str(log, "log_type"),
		   jget_str(log, "state"),
		   jget_bool(log, "cluster_mode") ? ", shared (dlm)" : "");
	table_cell(t, "log device");
	table_cell(t, "%s", jget_is_null(log, "log_device") ? "none (core)" :
		   jget_str(log, "log_device"));
	row_regions(t, log);
	row_resync(t, log, verbose);
	row_slots(t, log);
	row_cluster(t, log, verbose);
	row_flush(t, log);
	table_cell(t, "health");
	table_cell(t, "%s: %s", jget_str(log, "health"),
		   jget_str(log, "verdict"));
}

int status_text(struct json_object *logs, int verbose, FILE *f)
{
	size_t n = logs ? json_object_array_length(logs) : 0;

	if (!n) {
		fprintf(f, "dmlogd serves no log.\n");
		return CTL_EXIT_OK;
	}
	for (size_t i = 0; i < n; i++) {
		struct table *t = table_new(2, "ll");

		one_log(t, json_object_array_get_idx(logs, i), verbose);
		if (i)
			fputc('\n', f);
		if (table_print(t, f, 0)) {
			table_free(t);
			ctl_err("out of memory");
			return CTL_EXIT_FAILURE;
		}
		table_free(t);
	}
	return CTL_EXIT_OK;
}
