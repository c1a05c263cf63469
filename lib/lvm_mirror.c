/* LVM mirror LVs and dmlog: selection, names, table rewrite, status
 * (see lvm_mirror.h). */
#include <errno.h>
#include <inttypes.h>
#include <libdevmapper.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dm_config_text.h"
#include "errbuf.h"
#include "lvm_mirror.h"

#define SECTION "lvm"
#define MAX_TOKENS 256
#define NAME_MAX_LVM 128

/* ---- selection ---- */

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '+' || c == '_' || c == '.' ||
	       c == '-';
}

static bool tag_char(char c)
{
	return name_char(c) || strchr("/=!:&#", c);
}

/* LVM's rules for VG and LV names, as far as they matter here. */
static bool valid_name(const char *s, size_t len)
{
	size_t i;

	if (!len || len > NAME_MAX_LVM || s[0] == '-')
		return false;
	if ((len == 1 && s[0] == '.') || (len == 2 && !strncmp(s, "..", 2)))
		return false;
	for (i = 0; i < len; i++)
		if (!name_char(s[i]))
			return false;
	return true;
}

int lvm_select_add(struct lvm_select *s, const char *item, char *err,
		   size_t errlen)
{
	const char *slash;
	char **items, *copy;
	size_t i;

	if (item[0] == '@') {
		if (!item[1] || strlen(item + 1) > NAME_MAX_LVM)
			goto bad;
		for (i = 1; item[i]; i++)
			if (!tag_char(item[i]))
				goto bad;
	} else if ((slash = strchr(item, '/'))) {
		if (!valid_name(item, (size_t)(slash - item)) ||
		    !valid_name(slash + 1, strlen(slash + 1)))
			goto bad;
	} else if (!valid_name(item, strlen(item))) {
		goto bad;
	}
	if (!(copy = strdup(item)))
		goto nomem;
	if (!(items = realloc(s->items, (s->n + 1) * sizeof(*items)))) {
		free(copy);
		goto nomem;
	}
	items[s->n++] = copy;
	s->items = items;
	return 0;
bad:
	errbuf_set(err, errlen, SECTION "/volume_list: \"%s\" is not a VG "
		   "name, \"vg/lv\" or \"@tag\"", item);
	return -EINVAL;
nomem:
	errbuf_set(err, errlen, "out of memory");
	return -ENOMEM;
}

void lvm_select_free(struct lvm_select *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->items[i]);
	free(s->items);
	s->items = NULL;
	s->n = 0;
}

bool lvm_select_needs_tags(const struct lvm_select *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->items[i][0] == '@')
			return true;
	return false;
}

bool lvm_select_match(const struct lvm_select *s, const char *vg,
		      const char *lv, const char *const *tags, size_t ntags)
{
	size_t i, j, vglen = strlen(vg);
	const char *it;

	for (i = 0; i < s->n; i++) {
		it = s->items[i];
		if (it[0] == '@') {
			for (j = 0; j < ntags; j++)
				if (!strcmp(it + 1, tags[j]))
					return true;
		} else if (strchr(it, '/')) {
			if (!strncmp(it, vg, vglen) && it[vglen] == '/' &&
			    !strcmp(it + vglen + 1, lv))
				return true;
		} else if (!strcmp(it, vg)) {
			return true;
		}
	}
	return false;
}

static int get_path(const struct dm_config_node *k, const char *sec,
		    char **out, char *err, size_t errlen)
{
	if (!k->v || k->v->next || k->v->type != DM_CFG_STRING ||
	    k->v->v.str[0] != '/') {
		errbuf_set(err, errlen, "%s/%s: expected an absolute path in "
			   "quotes", sec, k->key);
		return -EINVAL;
	}
	free(*out);
	if (!(*out = strdup(k->v->v.str))) {
		errbuf_set(err, errlen, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

static int get_list(struct lvm_select *s, const struct dm_config_node *k,
		    char *err, size_t errlen)
{
	const struct dm_config_value *v;
	int r;

	if (!k->v) {
		errbuf_set(err, errlen, SECTION "/volume_list: expected a "
			   "list of strings, got a section");
		return -EINVAL;
	}
	for (v = k->v; v; v = v->next) {
		if (v->type == DM_CFG_EMPTY_ARRAY)
			continue;
		if (v->type != DM_CFG_STRING) {
			errbuf_set(err, errlen, SECTION "/volume_list: "
				   "expected a list of strings");
			return -EINVAL;
		}
		if ((r = lvm_select_add(s, v->v.str, err, errlen)))
			return r;
	}
	return 0;
}

static int apply_section(struct lvm_conf *c, const struct dm_config_node *sec,
			 char *err, size_t errlen)
{
	const struct dm_config_node *k;
	bool lvm = !strcmp(sec->key, SECTION);
	int r;

	if (sec->v) {
		errbuf_set(err, errlen, "%s: expected a section (%s { ... }), "
			   "got a value", sec->key, sec->key);
		return -EINVAL;
	}
	for (k = sec->child; k; k = k->sib) {
		if (!lvm) {	/* dmlogd's: only the key we need */
			if (!strcmp(k->key, "control_socket") &&
			    (r = get_path(k, sec->key, &c->control_socket,
					  err, errlen)))
				return r;
			continue;
		}
		if (!strcmp(k->key, "volume_list"))
			r = get_list(&c->sel, k, err, errlen);
		else if (!strcmp(k->key, "locking_dir"))
			r = get_path(k, SECTION, &c->locking_dir, err, errlen);
		else {
			errbuf_set(err, errlen, "unknown %s " SECTION "/%s",
				   k->v ? "setting" : "section", k->key);
			r = -EINVAL;
		}
		if (r)
			return r;
	}
	return 0;
}

void lvm_conf_free(struct lvm_conf *c)
{
	lvm_select_free(&c->sel);
	free(c->locking_dir);
	free(c->control_socket);
	c->locking_dir = c->control_socket = NULL;
}

int lvm_conf_parse(struct lvm_conf *c, const char *text, size_t len,
		   const char *name, char *err, size_t errlen)
{
	struct dm_config_tree *cft;
	const struct dm_config_node *n;
	char why[256] = "";
	bool empty;
	int r = 0;

	memset(c, 0, sizeof(*c));
	/* the plugin serialises the parse (dm_config_text.h) */
	if (!(cft = dm_config_text_parse(text, len, name, err, errlen,
					 &empty)))
		return -EINVAL;
	if (!empty) {
		for (n = cft->root; n && !r; n = n->sib)
			if (!strcmp(n->key, SECTION) ||
			    !strcmp(n->key, "dmlogd"))
				r = apply_section(c, n, why, sizeof(why));
		if (r)
			errbuf_set(err, errlen, "%s: %s", name, why);
	}
	dm_config_destroy(cft);
	if (r)
		lvm_conf_free(c);
	return r;
}

/* ---- names ---- */

static int copy_part(const char *from, size_t n, char *to, size_t cap)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		if (from[i] == '-')
			i++;	/* "--" is one '-' */
		if (o + 1 >= cap)
			return -ENAMETOOLONG;
		to[o++] = from[i];
	}
	to[o] = '\0';
	return 0;
}

int lvm_split_dm_name(const char *dmname, char *vg, size_t vglen, char *lv,
		      size_t lvlen, char *layer, size_t layerlen)
{
	const char *p, *sep[2] = { NULL, NULL };
	int nsep = 0, r;

	for (p = dmname; *p; p++) {
		if (*p != '-')
			continue;
		if (p[1] == '-') {
			p++;
			continue;
		}
		if (nsep == 2)
			return -EINVAL;
		sep[nsep++] = p;
	}
	if (!nsep || sep[0] == dmname || !sep[0][1] ||
	    (nsep == 2 && (sep[1] == sep[0] + 1 || !sep[1][1])))
		return -EINVAL;
	if ((r = copy_part(dmname, (size_t)(sep[0] - dmname), vg, vglen)))
		return r;
	p = sep[0] + 1;
	if ((r = copy_part(p, (size_t)((nsep == 2 ? sep[1] : p + strlen(p)) - p),
			   lv, lvlen)))
		return r;
	if (nsep == 2)
		return copy_part(sep[1] + 1, strlen(sep[1] + 1), layer,
				 layerlen);
	if (!layerlen)
		return -ENAMETOOLONG;
	layer[0] = '\0';
	return 0;
}

void lvm_mirror_top_name(char *lv)
{
	static const char *const suffixes[] = { "_mimagetmp_", "_mimage_",
						"_mlog" };
	size_t i;
	char *p;

	for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++)
		if ((p = strstr(lv, suffixes[i])) && p != lv) {
			*p = '\0';
			return;
		}
}

#define LVM_UUID_PREFIX "LVM-"
#define LVM_ID_LEN 32

int lvm_log_uuid(const char *mirror_uuid, const char *log_dev_uuid,
		 char *out, size_t len)
{
	size_t plen = strlen(LVM_UUID_PREFIX) + LVM_ID_LEN;
	size_t i, n = strlen(log_dev_uuid);

	if (strncmp(mirror_uuid, LVM_UUID_PREFIX, strlen(LVM_UUID_PREFIX)) ||
	    strlen(mirror_uuid) < plen + LVM_ID_LEN ||
	    n < plen + LVM_ID_LEN || strncmp(mirror_uuid, log_dev_uuid, plen))
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (log_dev_uuid[i] <= ' ' || log_dev_uuid[i] > '~')
			return -EINVAL;
	if (n + 1 > len)
		return -ENAMETOOLONG;
	memcpy(out, log_dev_uuid, n + 1);
	return 0;
}

/* ---- table rewrite ---- */

struct tokens {
	char buf[4096];
	char *t[MAX_TOKENS];
	size_t n;
};

static int tokenize(const char *s, struct tokens *tk)
{
	char *p, *save = NULL;

	if (strlen(s) >= sizeof(tk->buf))
		return -E2BIG;
	memcpy(tk->buf, s, strlen(s) + 1);
	tk->n = 0;
	for (p = strtok_r(tk->buf, " \t\n", &save); p;
	     p = strtok_r(NULL, " \t\n", &save)) {
		if (tk->n == MAX_TOKENS)
			return -E2BIG;
		tk->t[tk->n++] = p;
	}
	return 0;
}

static bool parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (s[0] < '0' || s[0] > '9')
		return false;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return !errno && !*end;
}

static bool parse_majmin(const char *s, uint32_t *major, uint32_t *minor)
{
	unsigned ma, mi;
	int used = 0;

	if (sscanf(s, "%u:%u%n", &ma, &mi, &used) != 2 || s[used] ||
	    s[0] < '0' || s[0] > '9')
		return false;
	*major = ma;
	*minor = mi;
	return true;
}

int lvm_mirror_log_dev(const char *params, uint32_t *major, uint32_t *minor)
{
	struct tokens tk;
	size_t dev;

	if (tokenize(params, &tk) || tk.n < 2)
		return -EINVAL;
	if (!strcmp(tk.t[0], "disk"))
		dev = 2;
	else if (!strcmp(tk.t[0], "userspace") && tk.n > 4 &&
		 !strcmp(tk.t[3], "integrated_flush"))
		dev = strcmp(tk.t[4], "clustered-disk") ? 0 : 5;
	else if (!strcmp(tk.t[0], "userspace") && tk.n > 3)
		dev = strcmp(tk.t[3], "clustered-disk") ? 0 : 4;
	else if (!strcmp(tk.t[0], "core") ||
		 !strcmp(tk.t[0], "userspace"))
		return -ENOENT;
	else
		return -EINVAL;
	if (!dev)
		return -ENOENT;
	if (dev >= tk.n || !parse_majmin(tk.t[dev], major, minor))
		return -EINVAL;
	return 0;
}

int lvm_mirror_userspace_params(const char *params, const char *log_uuid,
				char *out, size_t outlen, char *err,
				size_t errlen)
{
	struct tokens tk;
	uint64_t nlog, region, nlegs, nfeat;
	uint32_t ma, mi;
	size_t i, rest, end, pos = 0;
	int n;

	if (tokenize(params, &tk) || tk.n < 1) {
		errbuf_set(err, errlen, "mirror table: empty or too long");
		return -EINVAL;
	}
	if (!strcmp(tk.t[0], "userspace")) {
		errbuf_set(err, errlen, "the log is already a userspace log");
		return -EALREADY;
	}
	if (strcmp(tk.t[0], "disk")) {
		errbuf_set(err, errlen, "log type \"%s\": only a \"disk\" log "
			   "(LVM's --mirrorlog disk) is switched to dmlogd",
			   tk.t[0]);
		return -ENOTSUP;
	}
	if (tk.n < 2 || !parse_u64(tk.t[1], &nlog) || nlog < 2 || nlog > 3 ||
	    tk.n < 2 + nlog) {
		errbuf_set(err, errlen, "mirror table: bad disk log argument "
			   "count");
		return -EINVAL;
	}
	if (!parse_majmin(tk.t[2], &ma, &mi) && tk.t[2][0] != '/') {
		errbuf_set(err, errlen, "mirror table: bad log device \"%s\"",
			   tk.t[2]);
		return -EINVAL;
	}
	if (!parse_u64(tk.t[3], &region) || region < 2 ||
	    (region & (region - 1))) {
		errbuf_set(err, errlen, "mirror table: bad region size \"%s\"",
			   tk.t[3]);
		return -EINVAL;
	}
	if (nlog == 3 && strcmp(tk.t[4], "sync") && strcmp(tk.t[4], "nosync")) {
		errbuf_set(err, errlen, "mirror table: unknown disk log flag "
			   "\"%s\"", tk.t[4]);
		return -EINVAL;
	}
	/* legs, then optional features: checked, copied unchanged */
	rest = 2 + nlog;
	if (rest >= tk.n || !parse_u64(tk.t[rest], &nlegs) || nlegs < 2 ||
	    nlegs > MIRROR_MAX_LEGS || rest + 1 + 2 * nlegs > tk.n) {
		errbuf_set(err, errlen, "mirror table: bad leg list");
		return -EINVAL;
	}
	end = rest + 1 + 2 * nlegs;
	if (end < tk.n) {
		if (!parse_u64(tk.t[end], &nfeat) || end + 1 + nfeat != tk.n) {
			errbuf_set(err, errlen,
				   "mirror table: bad feature list");
			return -EINVAL;
		}
	}
	if (!log_uuid[0] || strchr(log_uuid, ' ')) {
		errbuf_set(err, errlen, "bad log uuid \"%s\"", log_uuid);
		return -EINVAL;
	}

	n = snprintf(out, outlen, "userspace %" PRIu64 " %s clustered-disk",
		     nlog + 2, log_uuid);
	if (n < 0 || (size_t)n >= outlen)
		goto nospace;
	pos = (size_t)n;
	for (i = 2; i < tk.n; i++) {
		n = snprintf(out + pos, outlen - pos, " %s", tk.t[i]);
		if (n < 0 || (size_t)n >= outlen - pos)
			goto nospace;
		pos += (size_t)n;
	}
	return 0;
nospace:
	errbuf_set(err, errlen, "new mirror table too long");
	return -ENOSPC;
}

/* ---- status ---- */

int mirror_status_parse(const char *status, struct mirror_status *st,
			char *err, size_t errlen)
{
	struct tokens tk;
	uint64_t nlegs, nhealth, nlog;
	size_t i, p;
	const char *h;
	int used = 0;

	memset(st, 0, sizeof(*st));
	if (tokenize(status, &tk) || !tk.n) {
		errbuf_set(err, errlen, "mirror status: empty or too long");
		return -EINVAL;
	}
	if (!parse_u64(tk.t[0], &nlegs) || nlegs < 1 ||
	    nlegs > MIRROR_MAX_LEGS || tk.n < 1 + nlegs + 3) {
		errbuf_set(err, errlen, "mirror status: bad leg count");
		return -EINVAL;
	}
	st->nlegs = (unsigned)nlegs;
	for (i = 0; i < nlegs; i++)
		if (!parse_majmin(tk.t[1 + i], &st->legs[i].major,
				  &st->legs[i].minor)) {
			errbuf_set(err, errlen, "mirror status: bad leg device "
				   "\"%s\"", tk.t[1 + i]);
			return -EINVAL;
		}
	p = 1 + nlegs;
	if (sscanf(tk.t[p], "%" SCNu64 "/%" SCNu64 "%n", &st->insync,
		   &st->total, &used) != 2 || tk.t[p][used] ||
	    st->insync > st->total) {
		errbuf_set(err, errlen, "mirror status: bad sync ratio \"%s\"",
			   tk.t[p]);
		return -EINVAL;
	}
	p++;
	if (!parse_u64(tk.t[p], &nhealth) || nhealth != 1) {
		errbuf_set(err, errlen,
			   "mirror status: bad health field count");
		return -EINVAL;
	}
	h = tk.t[++p];
	if (strlen(h) != nlegs) {
		errbuf_set(err, errlen, "mirror status: %zu health characters "
			   "for %u legs", strlen(h), st->nlegs);
		return -EINVAL;
	}
	for (i = 0; i < nlegs; i++)
		st->legs[i].health = h[i];
	p++;
	if (p >= tk.n || !parse_u64(tk.t[p], &nlog) || nlog < 1 ||
	    p + 1 + nlog != tk.n) {
		errbuf_set(err, errlen, "mirror status: bad log status");
		return -EINVAL;
	}
	p++;
	if (strlen(tk.t[p]) >= sizeof(st->log_type)) {
		errbuf_set(err, errlen, "mirror status: bad log type");
		return -EINVAL;
	}
	snprintf(st->log_type, sizeof(st->log_type), "%s", tk.t[p]);
	if (nlog >= 3) {
		/* "<type> <dev> <health>" (disk, clustered-disk) */
		if (!parse_majmin(tk.t[p + 1], &st->log_major,
				  &st->log_minor) ||
		    strlen(tk.t[p + 2]) != 1) {
			errbuf_set(err, errlen, "mirror status: bad log device "
				   "status");
			return -EINVAL;
		}
		st->log_has_dev = true;
		st->log_health = tk.t[p + 2][0];
	}
	return 0;
}

/* 1: failure, 0: reported only, -1: alive */
static int classify(char health)
{
	switch (health) {
	case 'A':
		return -1;
	case 'S':
	case 'R':
		return 0;
	default:	/* 'D', 'F', 'U', anything new */
		return 1;
	}
}

enum mirror_event mirror_status_event(const struct mirror_status *st,
				      void (*report)(const char *what,
						     uint32_t major,
						     uint32_t minor,
						     char health, void *ctx),
				      void *ctx)
{
	bool failed = false;
	unsigned i;
	int c;

	for (i = 0; i < st->nlegs; i++) {
		if ((c = classify(st->legs[i].health)) < 0)
			continue;
		if (report)
			report(i ? "Secondary mirror" : "Primary mirror",
			       st->legs[i].major, st->legs[i].minor,
			       st->legs[i].health, ctx);
		failed |= c > 0;
	}
	if (st->log_has_dev && (c = classify(st->log_health)) >= 0) {
		if (report)
			report("Log", st->log_major, st->log_minor,
			       st->log_health, ctx);
		failed |= c > 0;
	}
	if (failed)
		return MIRROR_EV_FAILURE;
	if (st->insync == st->total)
		return MIRROR_EV_INSYNC;
	return MIRROR_EV_IGNORE;
}
