/* dmlog-lvm activate|deactivate --selected (dmlog-lvm(8)): every mirror LV
 * that dmlog.conf's lvm/volume_list selects, as the boot unit
 * dmlog-lvm.service runs it. The LVs come from one LVM JSON report over
 * all VGs, the selection from lib/lvm_mirror.c's matcher (the dmeventd
 * plugin's), the per-LV work from dmlog_lvm.c. Each LV is attempted;
 * every failure is named; the exit status is 1 if any failed. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dmlog_lvm.h"
#include "lvm_mirror.h"
#include "lvm_selected.h"

#define DEFAULT_CONFIG "/etc/dmlog/dmlog.conf"
#define DEFAULT_LVM_DIR "/etc/lvm"
#define CONFIG_MAX (1 << 20)

#define LVS_CMD "lvs --reportformat json -o vg_name,lv_name,segtype," \
	"lv_tags,vg_tags,lv_autoactivation,vg_autoactivation"

/* A whole regular file (at most 1 MiB) in *text, NUL-terminated. 0,
 * -ENOENT when it does not exist, other -errno (said why). */
static int read_file(const char *path, char **text, size_t *len)
{
	struct stat st;
	ssize_t n;
	size_t got = 0;
	int fd, r = 0;

	*text = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		if (errno == ENOENT)
			return -ENOENT;
		r = -errno;
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		return r;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size > CONFIG_MAX) {
		fprintf(stderr, "%s: %s: not a regular file of at most 1 MiB\n",
			prog, path);
		close(fd);
		return -EINVAL;
	}
	if (!(*text = malloc((size_t)st.st_size + 1))) {
		close(fd);
		return -ENOMEM;
	}
	while (got < (size_t)st.st_size) {
		n = read(fd, *text + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			fprintf(stderr, "%s: %s: %s\n", prog, path,
				strerror(errno));
			break;
		}
		if (!n)
			break;
		got += (size_t)n;
	}
	close(fd);
	(*text)[got] = '\0';
	*len = got;
	if (r) {
		free(*text);
		*text = NULL;
	}
	return r;
}

/* dmlog.conf ($DMLOG_CONFIG): a missing file selects nothing. */
static int read_dmlog_conf(struct lvm_conf *c, const char **path)
{
	char *text, err[512];
	size_t len = 0;
	int r;

	memset(c, 0, sizeof(*c));
	*path = getenv("DMLOG_CONFIG");
	if (!*path || !**path)
		*path = DEFAULT_CONFIG;
	if ((r = read_file(*path, &text, &len)))
		return r == -ENOENT ? 0 : r;
	r = lvm_conf_parse(c, text, len, *path, err, sizeof(err));
	free(text);
	if (r)
		fprintf(stderr, "%s: %s\n", prog, err);
	return r;
}

/* lvm.conf, then lvmlocal.conf, in $LVM_SYSTEM_DIR (as LVM reads them).
 * Errors are said and leave what was read. */
static void read_autoact(struct lvm_autoact *a)
{
	static const char *const files[] = { "lvm.conf", "lvmlocal.conf" };
	const char *dir = getenv("LVM_SYSTEM_DIR");
	char path[4096], err[512], *text;
	size_t i, len = 0;

	if (!dir || !*dir)
		dir = DEFAULT_LVM_DIR;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		if (read_file(path, &text, &len))
			continue;
		if (lvm_autoact_parse(a, text, len, path, err, sizeof(err)))
			fprintf(stderr, "%s: warning: %s\n", prog, err);
		free(text);
	}
}

/* Warn about each selected mirror LVM's auto-activation would activate
 * with its own log (dmlog.conf(5): auto_activation_volume_list). */
static void warn_autoact(const struct lvm_sel_list *l)
{
	struct lvm_autoact a = { 0 };
	bool unset_said = false;
	size_t i;

	read_autoact(&a);
	for (i = 0; i < l->n; i++) {
		const struct lvm_sel_lv *lv = &l->lvs[i];

		if (strcmp(lv->segtype, "mirror"))
			continue;
		switch (lvm_autoact_check(&a, lv)) {
		case LVM_AUTOACT_UNSET:
			if (!unset_said)
				fprintf(stderr, "%s: warning: lvm.conf sets no "
					"activation/auto_activation_volume_list"
					": LVM's auto-activation (vgchange "
					"-aay) activates the selected mirrors "
					"with its own log (see dmlog.conf(5))"
					"\n", prog);
			unset_said = true;
			break;
		case LVM_AUTOACT_INCLUDED:
			fprintf(stderr, "%s: warning: %s/%s: lvm.conf's "
				"activation/auto_activation_volume_list "
				"includes it: LVM's auto-activation would "
				"activate it with its own log\n", prog, lv->vg,
				lv->lv);
			break;
		case LVM_AUTOACT_UNKNOWN:
			fprintf(stderr, "%s: warning: %s/%s: lvm.conf's "
				"activation/auto_activation_volume_list may "
				"include it (entry \"%s\")\n", prog, lv->vg,
				lv->lv, a.unknown);
			break;
		default:
			break;
		}
	}
	lvm_autoact_free(&a);
}

/* The selected LVs from one report over every VG. A VG that LVM cannot
 * read (an lvmlockd VG without lvmlockd) fails the command but not the
 * others' rows: that failure counts in *failures. */
static int list_selected(void *h, const struct lvm_select *sel,
			 struct lvm_sel_list *l, unsigned *failures)
{
	char *json = NULL, err[512];
	bool failed = false;
	size_t i;
	int r;

	if ((r = lvm_report_partial(h, LVS_CMD, &json, &failed)))
		return r;
	if (failed) {
		fprintf(stderr, "%s: \"lvs\" failed: LVM could not read every "
			"VG (its messages above); going on with the LVs it "
			"reported\n", prog);
		(*failures)++;
	}
	r = lvm_sel_parse(l, sel, json, err, sizeof(err));
	free(json);
	if (r) {
		fprintf(stderr, "%s: %s\n", prog, err);
		return r;
	}
	for (i = 0; i < l->nmissing; i++) {
		fprintf(stderr, "%s: %s: selected in dmlog.conf (lvm/"
			"volume_list), but LVM reports no such LV\n", prog,
			l->missing[i]);
		(*failures)++;
	}
	return 0;
}

struct tally {
	unsigned n[SEL_FAILED + 1];
	unsigned skipped;
};

static const char *done_text(bool act, enum sel_outcome o)
{
	switch (o) {
	case SEL_DONE:
		return act ? "activated with dmlogd's clustered-disk log" :
			     "deactivated";
	case SEL_ALREADY:
		return "already active with dmlogd's clustered-disk log";
	case SEL_NOTHING:
		return "inactive already";
	case SEL_LVM_OWN:
		return "active with LVM's own log: left alone";
	case SEL_NOT_OURS:
		return "not a mirror dmlog activates: left alone";
	default:
		return "FAILED";
	}
}

static void one(void *h, bool act, const struct lvm_sel_lv *lv,
		struct tally *t)
{
	enum sel_outcome o;

	if (strcmp(lv->segtype, "mirror")) {
		fprintf(stderr, "%s: note: %s/%s: selected in dmlog.conf, but "
			"a %s LV, not a mirror: skipped\n", prog, lv->vg,
			lv->lv, lv->segtype);
		t->skipped++;
		return;
	}
	o = selected_one(h, act, lv->vg, lv->lv);
	t->n[o]++;
	if (o == SEL_FAILED)
		fprintf(stderr, "%s: %s/%s: %s FAILED (see above)\n", prog,
			lv->vg, lv->lv, act ? "activation" : "deactivation");
	else if (verbose)
		printf("%s/%s: %s\n", lv->vg, lv->lv, done_text(act, o));
}

static void summary(bool act, const struct tally *t, unsigned failures)
{
	unsigned mirrors = 0, i;

	for (i = 0; i <= SEL_FAILED; i++)
		mirrors += t->n[i];
	printf("%s %s --selected: %u mirror LV%s: %u %s, %u %s, %u active "
	       "with LVM's own log (left alone), %u failed; %u not a "
	       "mirror (skipped)%s\n", prog, act ? "activate" : "deactivate",
	       mirrors, mirrors == 1 ? "" : "s", t->n[SEL_DONE],
	       act ? "activated" : "deactivated",
	       act ? t->n[SEL_ALREADY] : t->n[SEL_NOTHING] + t->n[SEL_NOT_OURS],
	       act ? "already active" : "inactive", t->n[SEL_LVM_OWN],
	       t->n[SEL_FAILED], t->skipped,
	       failures ? "; other errors above" : "");
}

int run_selected(bool act)
{
	struct lvm_sel_list l = { 0 };
	struct tally t = { { 0 }, 0 };
	struct lvm_conf c;
	unsigned failures = 0;
	const char *path;
	size_t i;
	void *h;

	if (read_dmlog_conf(&c, &path))
		return 1;
	if (!c.sel.n) {
		printf("%s: %s selects no LV (lvm/volume_list): nothing to "
		       "do\n", prog, path);
		lvm_conf_free(&c);
		return 0;
	}
	if (!(h = lvm_open()) || list_selected(h, &c.sel, &l, &failures)) {
		lvm_close(h);
		lvm_conf_free(&c);
		return 1;
	}
	if (act)
		warn_autoact(&l);
	for (i = 0; i < l.n; i++)
		one(h, act, &l.lvs[i], &t);
	summary(act, &t, failures);
	lvm_close(h);
	lvm_sel_free(&l);
	lvm_conf_free(&c);
	/* LVM's own activation is a failure of activate (not of dmlog's
	 * log): the admin has to act; for deactivate it is not ours */
	if (act)
		failures += t.n[SEL_LVM_OWN];
	return failures || t.n[SEL_FAILED] ? 1 : 0;
}
