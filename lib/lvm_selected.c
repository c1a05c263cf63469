/* dmlog-lvm's --selected mode: the selected LVs of an LVM report and
 * lvm.conf's auto_activation_volume_list (see lvm_selected.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <libdevmapper.h>

#include "dm_config_text.h"
#include "errbuf.h"
#include "lvm_selected.h"
#include "lvm_report.h"

#define AUTOACT_KEY "activation/auto_activation_volume_list"

/* ---- the report ---- */

/* {"report":[{"lv":[ rows ]}]} */
static struct json_object *lv_rows(struct json_object *root)
{
	struct json_object *rep, *rows;

	if (!root || !json_object_object_get_ex(root, "report", &rep) ||
	    !json_object_is_type(rep, json_type_array) ||
	    json_object_array_length(rep) < 1 ||
	    !json_object_object_get_ex(json_object_array_get_idx(rep, 0), "lv",
				      &rows) ||
	    !json_object_is_type(rows, json_type_array))
		return NULL;
	return rows;
}

/* Split "a,b" (lv_tags) and "c" (vg_tags) into lv->tags. */
static int split_tags(struct lvm_sel_lv *lv, const char *lvt,
		      const char *vgt)
{
	size_t n = 2, i;
	const char *c;
	char *p, *save = NULL;

	for (c = lvt; *c; c++)
		n += *c == ',';
	for (c = vgt; *c; c++)
		n += *c == ',';
	if (!(lv->tagbuf = malloc(strlen(lvt) + strlen(vgt) + 2)) ||
	    !(lv->tags = calloc(n, sizeof(*lv->tags))))
		return -ENOMEM;
	sprintf(lv->tagbuf, "%s,%s", lvt, vgt);
	i = 0;
	for (p = strtok_r(lv->tagbuf, ",", &save); p && i < n;
	     p = strtok_r(NULL, ",", &save))
		lv->tags[i++] = p;
	lv->ntags = i;
	return 0;
}

static bool copy_field(char *to, size_t cap, const char *s)
{
	if (!s || !*s || strlen(s) >= cap)
		return false;
	memcpy(to, s, strlen(s) + 1);
	return true;
}

/* One row into lv (its tags allocated). -EINVAL for a row that is not
 * what the command asked for. */
static int read_row(struct json_object *row, struct lvm_sel_lv *lv)
{
	const char *lvt = lvm_report_str(row, "lv_tags");
	const char *vgt = lvm_report_str(row, "vg_tags");
	const char *lva = lvm_report_str(row, "lv_autoactivation");
	const char *vga = lvm_report_str(row, "vg_autoactivation");

	memset(lv, 0, sizeof(*lv));
	if (!copy_field(lv->vg, sizeof(lv->vg),
			lvm_report_str(row, "vg_name")) ||
	    !copy_field(lv->lv, sizeof(lv->lv),
			lvm_report_str(row, "lv_name")) ||
	    !copy_field(lv->segtype, sizeof(lv->segtype),
			lvm_report_str(row, "segtype")) ||
	    !lvt || !vgt || !lva || !vga)
		return -EINVAL;
	lv->autoact = *lva && *vga;
	return split_tags(lv, lvt, vgt);
}

static void sel_lv_free(struct lvm_sel_lv *lv)
{
	free(lv->tagbuf);
	free(lv->tags);
	lv->tagbuf = NULL;
	lv->tags = NULL;
}

void lvm_sel_free(struct lvm_sel_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		sel_lv_free(&l->lvs[i]);
	for (i = 0; i < l->nmissing; i++)
		free(l->missing[i]);
	free(l->lvs);
	free(l->missing);
	memset(l, 0, sizeof(*l));
}

/* Is "vg/lv" entry e the LV of this row? */
static bool names(const char *e, const struct lvm_sel_lv *lv)
{
	size_t n = strlen(lv->vg);

	return !strncmp(e, lv->vg, n) && e[n] == '/' &&
	       !strcmp(e + n + 1, lv->lv);
}

/* The "vg/lv" entries of s that no row named. */
static int find_missing(struct lvm_sel_list *out, const struct lvm_select *s,
			const bool *found)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		if (found[i] || s->items[i][0] == '@' ||
		    !strchr(s->items[i], '/'))
			continue;
		if (!(out->missing[out->nmissing] = strdup(s->items[i])))
			return -ENOMEM;
		out->nmissing++;
	}
	return 0;
}

/* Keep row lv when s selects it; note the "vg/lv" entries it names. */
static int take_row(struct lvm_sel_list *out, const struct lvm_select *s,
		    struct lvm_sel_lv *lv, bool *found)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (names(s->items[i], lv))
			found[i] = true;
	/* a mirror report lists an LV once; skip any repeat */
	for (i = 0; i < out->n; i++)
		if (!strcmp(out->lvs[i].vg, lv->vg) &&
		    !strcmp(out->lvs[i].lv, lv->lv))
			return 1;
	if (!lvm_select_match(s, lv->vg, lv->lv, lv->tags, lv->ntags))
		return 1;
	out->lvs[out->n++] = *lv;
	return 0;
}

static int parse_rows(struct lvm_sel_list *out, const struct lvm_select *s,
		      struct json_object *rows, bool *found, char *err,
		      size_t errlen)
{
	size_t i, nrows = json_object_array_length(rows);
	struct lvm_sel_lv lv;
	int r;

	if (!(out->lvs = calloc(nrows + 1, sizeof(*out->lvs))) ||
	    !(out->missing = calloc(s->n + 1, sizeof(*out->missing)))) {
		errbuf_set(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (i = 0; i < nrows; i++) {
		if ((r = read_row(json_object_array_get_idx(rows, i), &lv))) {
			sel_lv_free(&lv);
			errbuf_set(err, errlen, r == -ENOMEM ? "out of memory"
				   : "row %zu of LVM's lvs report lacks a "
				   "field", i);
			return r;
		}
		if (take_row(out, s, &lv, found))
			sel_lv_free(&lv);
	}
	if (find_missing(out, s, found)) {
		errbuf_set(err, errlen, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

int lvm_sel_parse(struct lvm_sel_list *out, const struct lvm_select *s,
		  const char *lvs_json, char *err, size_t errlen)
{
	struct json_object *root = json_tokener_parse(lvs_json);
	struct json_object *rows = lv_rows(root);
	bool *found;
	int r;

	memset(out, 0, sizeof(*out));
	if (!rows) {
		json_object_put(root);
		errbuf_set(err, errlen, "not LVM's JSON lvs report");
		return -EINVAL;
	}
	if (!(found = calloc(s->n + 1, sizeof(*found)))) {
		json_object_put(root);
		errbuf_set(err, errlen, "out of memory");
		return -ENOMEM;
	}
	r = parse_rows(out, s, rows, found, err, errlen);
	free(found);
	json_object_put(root);
	if (r)
		lvm_sel_free(out);
	return r;
}

/* ---- lvm.conf ---- */

void lvm_autoact_free(struct lvm_autoact *a)
{
	lvm_select_free(&a->sel);
	free(a->unknown);
	a->unknown = NULL;
	a->set = false;
}

/* One entry: into sel when dmlog's matcher takes it, else the first
 * such entry is kept as unknown (LVM's "@*": host tags). */
static int add_entry(struct lvm_autoact *a, const char *item, char *err,
		     size_t errlen)
{
	int r = lvm_select_add(&a->sel, item, NULL, 0);

	if (r == -EINVAL) {
		if (a->unknown)
			return 0;
		if ((a->unknown = strdup(item)))
			return 0;
		r = -ENOMEM;
	}
	if (r)
		errbuf_set(err, errlen, "out of memory");
	return r;
}

static int read_list(struct lvm_autoact *a, const struct dm_config_node *k,
		     const char *name, char *err, size_t errlen)
{
	const struct dm_config_value *v;
	int r;

	if (!k->v) {
		errbuf_set(err, errlen, "%s: " AUTOACT_KEY ": expected a list "
			   "of strings, got a section", name);
		return -EINVAL;
	}
	a->set = true;
	for (v = k->v; v; v = v->next) {
		if (v->type == DM_CFG_EMPTY_ARRAY)
			continue;
		if (v->type != DM_CFG_STRING) {
			errbuf_set(err, errlen, "%s: " AUTOACT_KEY ": expected "
				   "a list of strings", name);
			return -EINVAL;
		}
		if ((r = add_entry(a, v->v.str, err, errlen)))
			return r;
	}
	return 0;
}

int lvm_autoact_parse(struct lvm_autoact *a, const char *text, size_t len,
		      const char *name, char *err, size_t errlen)
{
	struct lvm_autoact tmp = { 0 };
	const struct dm_config_node *k;
	struct dm_config_tree *cft;
	bool empty;
	int r = 0;

	if (!(cft = dm_config_text_parse(text, len, name, err, errlen, &empty)))
		return -EINVAL;
	if (!empty && (k = dm_config_find_node(cft->root, AUTOACT_KEY)))
		r = read_list(&tmp, k, name, err, errlen);
	dm_config_destroy(cft);
	if (r) {
		lvm_autoact_free(&tmp);
		return r;
	}
	if (tmp.set) {
		lvm_autoact_free(a);
		*a = tmp;
	}
	return 0;
}

enum lvm_autoact_verdict lvm_autoact_check(const struct lvm_autoact *a,
					   const struct lvm_sel_lv *lv)
{
	if (!lv->autoact)
		return LVM_AUTOACT_PROPERTY_OFF;
	if (!a->set)
		return LVM_AUTOACT_UNSET;
	if (lvm_select_match(&a->sel, lv->vg, lv->lv, lv->tags, lv->ntags))
		return LVM_AUTOACT_INCLUDED;
	return a->unknown ? LVM_AUTOACT_UNKNOWN : LVM_AUTOACT_EXCLUDED;
}
