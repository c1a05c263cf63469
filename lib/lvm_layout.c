/* LVM mirror layout from JSON reports, and its device-mapper tables
 * (lvm_layout.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "lvm_layout.h"
#include "lvm_report.h"

static int fail(char *err, size_t errlen, int r, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t errlen, int r, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return r;
}

static int copy_str(char *out, size_t len, const char *s)
{
	size_t n = strlen(s);

	if (n >= len)
		return -ENAMETOOLONG;
	memcpy(out, s, n + 1);
	return 0;
}

/* An LVM id with or without its dashes: 32 alphanumerics, no dashes. */
static int lvm_id(const char *in, char *out)
{
	size_t n = 0;

	for (; *in; in++) {
		if (*in == '-')
			continue;
		if (!((*in >= 'a' && *in <= 'z') || (*in >= 'A' && *in <= 'Z') ||
		      (*in >= '0' && *in <= '9')) || n == LVM_ID_LEN)
			return -EINVAL;
		out[n++] = *in;
	}
	if (n != LVM_ID_LEN)
		return -EINVAL;
	out[n] = '\0';
	return 0;
}

int lvm_dm_uuid(const char *vg_id, const char *lv_id, char *out, size_t len)
{
	char v[LVM_ID_LEN + 1], l[LVM_ID_LEN + 1];

	if (lvm_id(vg_id, v) || lvm_id(lv_id, l))
		return -EINVAL;
	if (len < LVM_DM_UUID_LEN + 1)
		return -ENAMETOOLONG;
	snprintf(out, len, "LVM-%s%s", v, l);
	return 0;
}

static int put_escaped(const char *s, char *out, size_t len, size_t *o)
{
	for (; *s; s++) {
		if (*o + (*s == '-' ? 2 : 1) >= len)
			return -ENAMETOOLONG;
		out[(*o)++] = *s;
		if (*s == '-')
			out[(*o)++] = '-';
	}
	return 0;
}

int lvm_dm_name(const char *vg, const char *lv, char *out, size_t len)
{
	size_t o = 0;

	if (!*vg || !*lv || strchr(vg, '/') || strchr(lv, '/'))
		return -EINVAL;
	if (put_escaped(vg, out, len, &o))
		return -ENAMETOOLONG;
	if (o + 1 >= len)
		return -ENAMETOOLONG;
	out[o++] = '-';
	if (put_escaped(lv, out, len, &o))
		return -ENAMETOOLONG;
	out[o] = '\0';
	return 0;
}

/* ---- JSON ---- */

/* The rows of report[*][key] (LVM prints one report object per command;
 * with several, the first that has key). */
static struct json_object *report_rows(struct json_object *root,
				       const char *key)
{
	struct json_object *rep, *rows;
	size_t i;

	if (!root || !json_object_object_get_ex(root, "report", &rep) ||
	    !json_object_is_type(rep, json_type_array))
		return NULL;
	for (i = 0; i < json_object_array_length(rep); i++)
		if (json_object_object_get_ex(json_object_array_get_idx(rep, i),
					      key, &rows) &&
		    json_object_is_type(rows, json_type_array))
			return rows;
	return NULL;
}

/* A number as LVM prints it with --units s: "8192S", or "8192". */
static bool num(const char *s, uint64_t *v)
{
	char *end;
	unsigned long long x;

	if (!s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno || (*end && strcmp(end, "S")))
		return false;
	*v = x;
	return true;
}

/* lv_name without the brackets of a hidden LV. */
static int bare_name(const char *s, char *out, size_t len)
{
	size_t n = strlen(s);

	if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
		s++;
		n -= 2;
	}
	if (!n || n >= len)
		return -EINVAL;
	memcpy(out, s, n);
	out[n] = '\0';
	return 0;
}

static struct json_object *parse_json(const char *text, const char *what,
				      char *err, size_t errlen)
{
	struct json_object *o;

	if (!text || !(o = json_tokener_parse(text))) {
		fail(err, errlen, -EINVAL, "%s: not a JSON report", what);
		return NULL;
	}
	return o;
}

/* The lvs rows (segments) of LV name, in report order. */
static size_t lv_rows(struct json_object *rows, const char *name,
		      struct json_object **out, size_t max)
{
	char n[LVM_NAME_MAX];
	size_t i, k = 0;
	const char *f;

	for (i = 0; i < json_object_array_length(rows); i++) {
		struct json_object *row = json_object_array_get_idx(rows, i);

		if (!(f = lvm_report_str(row, "lv_name")) ||
		    bare_name(f, n, sizeof(n)) || strcmp(n, name))
			continue;
		if (k < max)
			out[k] = row;
		k++;
	}
	return k;
}

/* "a(0),b(4)" -> names and first extents. */
static int split_devices(const char *devs, char names[][LVM_PV_NAME_MAX],
			 uint64_t *pe, unsigned max, unsigned *n)
{
	const char *p = devs, *comma, *open;
	size_t len;
	char num_buf[32];

	*n = 0;
	while (*p) {
		comma = strchr(p, ',');
		len = comma ? (size_t)(comma - p) : strlen(p);
		if (*n == max)
			return -E2BIG;
		if (!len || p[len - 1] != ')')
			return -EINVAL;
		open = NULL;
		for (const char *q = p; q < p + len; q++)
			if (*q == '(')
				open = q;
		if (!open || open == p || (size_t)(open - p) >= LVM_PV_NAME_MAX ||
		    (size_t)(p + len - 1 - open - 1) >= sizeof(num_buf))
			return -EINVAL;
		memcpy(names[*n], p, (size_t)(open - p));
		names[*n][open - p] = '\0';
		memcpy(num_buf, open + 1, (size_t)(p + len - 1 - open - 1));
		num_buf[p + len - 1 - open - 1] = '\0';
		if (!num(num_buf, &pe[*n]))
			return -EINVAL;
		(*n)++;
		p += len;
		if (*p == ',')
			p++;
	}
	return *n ? 0 : -EINVAL;
}

static bool pv_start(struct json_object *pvs, const char *pv, uint64_t *start)
{
	size_t i;
	const char *f;

	for (i = 0; i < json_object_array_length(pvs); i++) {
		struct json_object *row = json_object_array_get_idx(pvs, i);

		if ((f = lvm_report_str(row, "pv_name")) && !strcmp(f, pv))
			return num(lvm_report_str(row, "pe_start"), start);
	}
	return false;
}

/* An image or the log: linear/striped segments on PVs, contiguous from
 * 0, exactly size sectors long (log: any size). */
static int read_sublv(struct lvm_mirror_layout *l, struct json_object *lvs,
		      struct json_object *pvs, const char *name,
		      const char *role, uint64_t size, struct lvm_sublv *s,
		      char *err, size_t errlen)
{
	struct json_object *rows[LVM_LAYOUT_MAX_SEGS];
	char names[LVM_LAYOUT_MAX_STRIPES][LVM_PV_NAME_MAX];
	uint64_t pe[LVM_LAYOUT_MAX_STRIPES], v, pos = 0;
	size_t nrows, i;
	unsigned n, k;
	const char *f;

	memset(s, 0, sizeof(*s));
	if (copy_str(s->name, sizeof(s->name), name))
		return fail(err, errlen, -ENAMETOOLONG, "%s: name too long",
			    name);
	nrows = lv_rows(lvs, name, rows, LVM_LAYOUT_MAX_SEGS);
	if (!nrows)
		return fail(err, errlen, -EINVAL, "%s/%s: the %s LV %s is not "
			    "in LVM's report", l->vg, l->lv, role, name);
	if (nrows > LVM_LAYOUT_MAX_SEGS)
		return fail(err, errlen, -ENOTSUP, "%s/%s: the %s LV %s has %zu "
			    "segments (at most %d)", l->vg, l->lv, role, name,
			    nrows, LVM_LAYOUT_MAX_SEGS);
	if (!(f = lvm_report_str(rows[0], "lv_uuid")) || lvm_id(f, s->id))
		return fail(err, errlen, -EINVAL, "%s: bad lv_uuid", name);
	for (i = 0; i < nrows; i++) {
		struct lvm_seg *g = &s->segs[i];
		uint64_t start_pe, size_pe, stripes, chunk;

		f = lvm_report_str(rows[i], "segtype");
		if (!f || (strcmp(f, "linear") && strcmp(f, "striped")))
			return fail(err, errlen, -ENOTSUP, "%s/%s: the %s LV %s "
				    "is %s; dmlog activates only linear or "
				    "striped images and logs", l->vg, l->lv,
				    role, name, f ? f : "of an unknown type");
		if (!num(lvm_report_str(rows[i], "seg_start_pe"), &start_pe) ||
		    !num(lvm_report_str(rows[i], "seg_size_pe"), &size_pe) ||
		    !num(lvm_report_str(rows[i], "stripes"), &stripes) ||
		    !num(lvm_report_str(rows[i], "stripe_size"), &chunk) ||
		    !size_pe || !stripes)
			return fail(err, errlen, -EINVAL, "%s: bad segment "
				    "fields", name);
		if (!(f = lvm_report_str(rows[i], "devices")))
			return fail(err, errlen, -EINVAL, "%s: no devices field",
				    name);
		if (split_devices(f, names, pe, LVM_LAYOUT_MAX_STRIPES, &n))
			return fail(err, errlen, -ENOTSUP, "%s: devices \"%s\": "
				    "not a list of at most %d PV areas", name,
				    f, LVM_LAYOUT_MAX_STRIPES);
		if (n != stripes || size_pe % stripes ||
		    (stripes > 1 && !chunk))
			return fail(err, errlen, -EINVAL, "%s: %u devices for "
				    "%" PRIu64 " stripes", name, n, stripes);
		g->start = start_pe * l->extent_sectors;
		g->len = size_pe * l->extent_sectors;
		if (g->start != pos)
			return fail(err, errlen, -EINVAL, "%s: segments not "
				    "contiguous", name);
		pos += g->len;
		g->stripes = (unsigned)stripes;
		g->stripe_sectors = stripes > 1 ? chunk : 0;
		for (k = 0; k < n; k++) {
			if (!pv_start(pvs, names[k], &v))
				return fail(err, errlen, -ENOTSUP, "%s/%s: the %s "
					    "LV %s is on %s, which is not a PV "
					    "(nested layers are not "
					    "supported)", l->vg, l->lv, role,
					    name, names[k]);
			memcpy(g->areas[k].pv, names[k], sizeof(names[k]));
			g->areas[k].offset = v + pe[k] * l->extent_sectors;
		}
	}
	s->nsegs = (unsigned)nrows;
	if (size && pos != size)
		return fail(err, errlen, -EINVAL, "%s: %" PRIu64 " sectors, the "
			    "mirror has %" PRIu64, name, pos, size);
	return 0;
}

static int parse_vg(struct lvm_mirror_layout *l, struct json_object *vgs,
		    char *err, size_t errlen)
{
	size_t i;
	const char *f;

	for (i = 0; i < json_object_array_length(vgs); i++) {
		struct json_object *row = json_object_array_get_idx(vgs, i);

		if (!(f = lvm_report_str(row, "vg_name")) || strcmp(f, l->vg))
			continue;
		if (!(f = lvm_report_str(row, "vg_uuid")) ||
		    lvm_id(f, l->vg_id))
			return fail(err, errlen, -EINVAL, "%s: bad vg_uuid",
				    l->vg);
		if (!num(lvm_report_str(row, "vg_extent_size"),
			 &l->extent_sectors) || !l->extent_sectors)
			return fail(err, errlen, -EINVAL, "%s: bad "
				    "vg_extent_size", l->vg);
		f = lvm_report_str(row, "vg_lock_type");
		if (copy_str(l->lock_type, sizeof(l->lock_type), f ? f : ""))
			return fail(err, errlen, -EINVAL, "%s: bad lock type",
				    l->vg);
		f = lvm_report_str(row, "vg_lock_args");
		if (copy_str(l->lock_args, sizeof(l->lock_args), f ? f : ""))
			return fail(err, errlen, -EINVAL, "%s: bad lock args",
				    l->vg);
		if (*l->lock_type && strcmp(l->lock_type, "none") &&
		    strcmp(l->lock_type, "dlm"))
			return fail(err, errlen, -ENOTSUP, "%s: lock type %s; "
				    "dmlog activates mirrors in local VGs and "
				    "in lvmlockd VGs of lock type dlm",
				    l->vg, l->lock_type);
		if (!strcmp(l->lock_type, "none"))
			l->lock_type[0] = '\0';
		return 0;
	}
	return fail(err, errlen, -ENOENT, "volume group %s not found", l->vg);
}

static int parse_all(struct lvm_mirror_layout *l, struct json_object *vgs,
		     struct json_object *lvs, struct json_object *pvs,
		     char *err, size_t errlen)
{
	struct json_object *rows[2];
	char names[LVM_LAYOUT_MAX_LEGS + 1][LVM_PV_NAME_MAX];
	uint64_t pe[LVM_LAYOUT_MAX_LEGS + 1], size_pe, start_pe;
	char logname[LVM_NAME_MAX];
	unsigned n, i;
	size_t nrows;
	const char *f;
	int r;

	if ((r = parse_vg(l, vgs, err, errlen)))
		return r;
	nrows = lv_rows(lvs, l->lv, rows, 2);
	if (!nrows)
		return fail(err, errlen, -ENOENT, "logical volume %s/%s not "
			    "found", l->vg, l->lv);
	f = lvm_report_str(rows[0], "segtype");
	if (!f || strcmp(f, "mirror"))
		return fail(err, errlen, -ENOTSUP, "%s/%s is a %s LV, not a "
			    "mirror (lvcreate --type mirror)", l->vg, l->lv,
			    f ? f : "unknown");
	if (nrows > 1)
		return fail(err, errlen, -ENOTSUP, "%s/%s: a mirror of %zu "
			    "segments (extended); dmlog activates mirrors of "
			    "one segment", l->vg, l->lv, nrows);
	if (!(f = lvm_report_str(rows[0], "lv_uuid")) || lvm_id(f, l->lv_id) ||
	    copy_str(l->lv_uuid, sizeof(l->lv_uuid), f))
		return fail(err, errlen, -EINVAL, "%s/%s: bad lv_uuid", l->vg,
			    l->lv);
	if (!num(lvm_report_str(rows[0], "seg_start_pe"), &start_pe) ||
	    start_pe ||
	    !num(lvm_report_str(rows[0], "seg_size_pe"), &size_pe) ||
	    !size_pe ||
	    !num(lvm_report_str(rows[0], "region_size"), &l->region_sectors) ||
	    !l->region_sectors)
		return fail(err, errlen, -EINVAL, "%s/%s: bad segment fields",
			    l->vg, l->lv);
	l->size = size_pe * l->extent_sectors;
	f = lvm_report_str(rows[0], "mirror_log");
	if (!f || !*f)
		return fail(err, errlen, -ENOTSUP, "%s/%s has a core log "
			    "(--mirrorlog core): nothing on disk to share; "
			    "lvconvert --mirrorlog disk first", l->vg, l->lv);
	if (bare_name(f, logname, sizeof(logname)))
		return fail(err, errlen, -EINVAL, "%s/%s: bad mirror_log",
			    l->vg, l->lv);
	if (!(f = lvm_report_str(rows[0], "devices")) ||
	    split_devices(f, names, pe, LVM_LAYOUT_MAX_LEGS + 1, &n))
		return fail(err, errlen, -EINVAL, "%s/%s: bad devices field",
			    l->vg, l->lv);
	if (n < 2 || n > LVM_LAYOUT_MAX_LEGS)
		return fail(err, errlen, -ENOTSUP, "%s/%s has %u images; dmlog "
			    "activates mirrors of 2 or 3", l->vg, l->lv, n);
	for (i = 0; i < n; i++) {
		if (pe[i])
			return fail(err, errlen, -ENOTSUP, "%s/%s: image %s at "
				    "extent %" PRIu64 ", not 0", l->vg, l->lv,
				    names[i], pe[i]);
		if ((r = read_sublv(l, lvs, pvs, names[i], "image", l->size,
				    &l->legs[i], err, errlen)))
			return r;
	}
	l->nlegs = n;
	return read_sublv(l, lvs, pvs, logname, "log", 0, &l->log, err,
			  errlen);
}

int lvm_layout_parse(struct lvm_mirror_layout *l, const char *vg,
		     const char *lv, const char *vgs_json,
		     const char *lvs_json, const char *pvs_json, char *err,
		     size_t errlen)
{
	struct json_object *jv = NULL, *jl = NULL, *jp = NULL;
	struct json_object *vgs, *lvs, *pvs;
	int r = -EINVAL;

	memset(l, 0, sizeof(*l));
	if (copy_str(l->vg, sizeof(l->vg), vg) ||
	    copy_str(l->lv, sizeof(l->lv), lv))
		return fail(err, errlen, -ENAMETOOLONG, "name too long");
	if (!(jv = parse_json(vgs_json, "vgs", err, errlen)) ||
	    !(jl = parse_json(lvs_json, "lvs", err, errlen)) ||
	    !(jp = parse_json(pvs_json, "pvs", err, errlen)))
		goto out;
	if (!(vgs = report_rows(jv, "vg")) || !(lvs = report_rows(jl, "lv")) ||
	    !(pvs = report_rows(jp, "pv"))) {
		fail(err, errlen, -EINVAL, "not LVM's JSON report "
		     "(report[].vg/lv/pv missing)");
		goto out;
	}
	r = parse_all(l, vgs, lvs, pvs, err, errlen);
out:
	json_object_put(jv);
	json_object_put(jl);
	json_object_put(jp);
	if (r)
		memset(l, 0, sizeof(*l));
	return r;
}

/* ---- tables ---- */

int lvm_sublv_table(const struct lvm_sublv *s, lvm_pv_resolve_fn resolve,
		    void *ctx, struct lvm_table_line *lines, unsigned max,
		    unsigned *n, char *err, size_t errlen)
{
	unsigned i, k;
	uint32_t ma, mi;
	size_t o;
	int r, w;

	*n = 0;
	if (s->nsegs > max)
		return fail(err, errlen, -ENOSPC, "%s: too many segments",
			    s->name);
	for (i = 0; i < s->nsegs; i++) {
		const struct lvm_seg *g = &s->segs[i];
		struct lvm_table_line *t = &lines[i];

		t->start = g->start;
		t->len = g->len;
		o = 0;
		if (g->stripes > 1) {
			snprintf(t->target, sizeof(t->target), "striped");
			w = snprintf(t->params, sizeof(t->params),
				     "%u %" PRIu64, g->stripes,
				     g->stripe_sectors);
			o = (size_t)w;
		} else {
			snprintf(t->target, sizeof(t->target), "linear");
		}
		for (k = 0; k < g->stripes; k++) {
			if ((r = resolve(g->areas[k].pv, &ma, &mi, ctx)))
				return fail(err, errlen, r, "%s: cannot find "
					    "PV %s", s->name, g->areas[k].pv);
			w = snprintf(t->params + o, sizeof(t->params) - o,
				     "%s%" PRIu32 ":%" PRIu32 " %" PRIu64,
				     o ? " " : "", ma, mi, g->areas[k].offset);
			if (w < 0 || (size_t)w >= sizeof(t->params) - o)
				return fail(err, errlen, -ENOSPC, "%s: table "
					    "too long", s->name);
			o += (size_t)w;
		}
	}
	*n = s->nsegs;
	return 0;
}

int lvm_mirror_top_table(const struct lvm_mirror_layout *l,
			 const char *log_uuid, uint32_t log_major,
			 uint32_t log_minor, const uint32_t *leg_major,
			 const uint32_t *leg_minor,
			 struct lvm_table_line *line, char *err,
			 size_t errlen)
{
	size_t o, cap = sizeof(line->params);
	unsigned i;
	int w;

	if (l->nlegs < 2 || l->nlegs > LVM_LAYOUT_MAX_LEGS || !*log_uuid ||
	    strchr(log_uuid, ' '))
		return fail(err, errlen, -EINVAL, "bad mirror layout");
	line->start = 0;
	line->len = l->size;
	snprintf(line->target, sizeof(line->target), "mirror");
	w = snprintf(line->params, cap, "userspace 4 %s clustered-disk "
		     "%" PRIu32 ":%" PRIu32 " %" PRIu64 " %u", log_uuid,
		     log_major, log_minor, l->region_sectors, l->nlegs);
	if (w < 0 || (size_t)w >= cap)
		return fail(err, errlen, -ENOSPC, "table too long");
	o = (size_t)w;
	for (i = 0; i < l->nlegs; i++) {
		w = snprintf(line->params + o, cap - o, " %" PRIu32 ":%" PRIu32
			     " 0", leg_major[i], leg_minor[i]);
		if (w < 0 || (size_t)w >= cap - o)
			return fail(err, errlen, -ENOSPC, "table too long");
		o += (size_t)w;
	}
	w = snprintf(line->params + o, cap - o, " 1 handle_errors");
	if (w < 0 || (size_t)w >= cap - o)
		return fail(err, errlen, -ENOSPC, "table too long");
	return 0;
}
