/* dmlogctl map LOG: the log as a picture sized to the terminal, one cell
 * per group of regions, shaded by how many are dirty or out of sync. */
#include <json.h>
#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cmds.h"
#include "ctl_exit.h"
#include "ctlsock.h"
#include "jget.h"
#include "logname.h"
#include "msg.h"
#include "online.h"

#define MAP_ROWS_RESERVED 5	/* header and legend */

static const char *const shade_utf8[] = { "\xc2\xb7", "\xe2\x96\x91",
					  "\xe2\x96\x92", "\xe2\x96\x93",
					  "\xe2\x96\x88" };
static const char *const shade_ascii[] = { ".", ":", "+", "*", "#" };

static int map_no_option(void *state, int id, const char *arg)
{
	(void)state;
	(void)id;
	(void)arg;
	return CTL_EXIT_USAGE;
}

/* Columns and rows of the terminal (COLUMNS / LINES, then 80 x 24). */
static void term_size(unsigned *cols, unsigned *rows)
{
	struct winsize ws;
	const char *c = getenv("COLUMNS"), *l = getenv("LINES");

	*cols = 80;
	*rows = 24;
	if (isatty(STDOUT_FILENO) &&
	    ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col) {
		*cols = ws.ws_col;
		*rows = ws.ws_row ? ws.ws_row : 24;
	}
	if (c && atoi(c) > 0)
		*cols = (unsigned)atoi(c);
	if (l && atoi(l) > 0)
		*rows = (unsigned)atoi(l);
	if (*rows <= MAP_ROWS_RESERVED)
		*rows = MAP_ROWS_RESERVED + 1;
}

/* 0 (clean and in sync) .. 4 (every region dirty or out of sync). */
static unsigned level(uint64_t bad, uint64_t n)
{
	if (!bad || !n)
		return 0;
	if (bad >= n)
		return 4;
	return 1 + (unsigned)(3 * bad / n > 2 ? 2 : 3 * bad / n);
}

static void draw(struct json_object *res, unsigned cols, FILE *f)
{
	struct json_object *d = jget(res, "dirty"), *o = jget(res, "out_of_sync");
	uint64_t per = jget_u64(res, "regions_per_cell");
	uint64_t total = jget_u64(res, "region_count");
	size_t n = d ? json_object_array_length(d) : 0;
	const char *const *shade;

	setlocale(LC_CTYPE, "");
	shade = !strcmp(nl_langinfo(CODESET), "UTF-8") ? shade_utf8 :
		shade_ascii;
	fprintf(f, "%s: %llu regions, %llu per cell\n", jget_str(res, "uuid"),
		(unsigned long long)total, (unsigned long long)per);
	for (size_t i = 0; i < n; i++) {
		uint64_t dv = json_object_get_uint64(
			json_object_array_get_idx(d, i));
		uint64_t ov = json_object_get_uint64(
			json_object_array_get_idx(o, i));
		uint64_t in_cell = i + 1 < n ? per : total - per * i;

		fputs(shade[level(dv > ov ? dv : ov, in_cell)], f);
		if ((i + 1) % cols == 0 || i + 1 == n)
			fputc('\n', f);
	}
	fprintf(f, "%s in sync, not dirty   %s %s %s some   %s all dirty or "
		"out of sync\n", shade[0], shade[1], shade[2], shade[3],
		shade[4]);
}

static int map_run(struct ctl_ctx *ctx, int argc, char **argv)
{
	struct json_object *a, *res;
	char id[LOGNAME_MAX], *pos[1];
	unsigned cols, rows;
	int npos;
	int r = ctl_parse_args(ctx, &cmd_map, argc, argv, map_no_option,
			       NULL, pos, 1, &npos);

	if (r != CTL_CONTINUE)
		return r;
	if ((r = online_log_id(pos[0], id, sizeof(id))))
		return r;
	term_size(&cols, &rows);
	a = json_object_new_object();
	json_object_object_add(a, "log", json_object_new_string(id));
	json_object_object_add(a, "cells", json_object_new_uint64(
				       (uint64_t)cols * (rows -
							 MAP_ROWS_RESERVED)));
	r = ctl_request_once("map", a, &res);
	json_object_put(a);
	if (r)
		return r;
	if (ctx->json)
		return online_print_json("map", res);
	draw(res, cols, stdout);
	json_object_put(res);
	return CTL_EXIT_OK;
}

const struct ctl_command cmd_map = {
	.name = "map",
	.synopsis = "LOG [--json]",
	.positional = "LOG",
	.summary = "Draw the log's dirty and out-of-sync regions",
	.description =
"Draws the log as a grid sized to the terminal (COLUMNS and LINES\n"
"override it): each cell stands for an equal group of regions, shaded\n"
"by how many of them are dirty or out of sync.",
	.run = map_run,
};
