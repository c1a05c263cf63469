/* libblkid signature probing and wiping (see sigprobe.h). */
#include <blkid.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sigprobe.h"

static void lookup(blkid_probe pr, const char *name, char *buf, size_t len)
{
	const char *v = NULL;

	buf[0] = '\0';
	if (!blkid_probe_lookup_value(pr, name, &v, NULL) && v)
		snprintf(buf, len, "%s", v);
}

/* The signature the last blkid_do_probe found. */
static void fill(blkid_probe pr, struct ctl_signature *s)
{
	char off[32];

	memset(s, 0, sizeof(*s));
	lookup(pr, "TYPE", s->type, sizeof(s->type));
	if (s->type[0]) {
		lookup(pr, "USAGE", s->usage, sizeof(s->usage));
		lookup(pr, "UUID", s->uuid, sizeof(s->uuid));
		lookup(pr, "LABEL", s->label, sizeof(s->label));
		lookup(pr, "SBMAGIC_OFFSET", off, sizeof(off));
	} else {
		s->partition_table = true;
		lookup(pr, "PTTYPE", s->type, sizeof(s->type));
		lookup(pr, "PTUUID", s->uuid, sizeof(s->uuid));
		lookup(pr, "PTMAGIC_OFFSET", off, sizeof(off));
	}
	if (!s->type[0])
		snprintf(s->type, sizeof(s->type), "unknown");
	s->offset = strtoull(off, NULL, 10);
}

static blkid_probe new_probe(int fd)
{
	blkid_probe pr = blkid_new_probe();

	if (!pr)
		return NULL;
	if (blkid_probe_set_device(pr, fd, 0, 0) ||
	    blkid_probe_enable_superblocks(pr, 1) ||
	    blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_TYPE |
			BLKID_SUBLKS_USAGE | BLKID_SUBLKS_UUID |
			BLKID_SUBLKS_LABEL | BLKID_SUBLKS_MAGIC |
			BLKID_SUBLKS_BADCSUM) ||
	    blkid_probe_enable_partitions(pr, 1) ||
	    blkid_probe_set_partitions_flags(pr, BLKID_PARTS_MAGIC)) {
		blkid_free_probe(pr);
		return NULL;
	}
	return pr;
}

/* Probe (and wipe when asked) every signature on fd. */
static int probe_fd(int fd, bool wipe, struct ctl_sigs *out)
{
	blkid_probe pr = new_probe(fd);
	unsigned rounds = 0;
	int r = 1;

	out->n = 0;
	if (!pr)
		return -ENOMEM;
	/* a bound, should a wipe ever leave its signature behind */
	while (rounds++ < 4 * CTL_MAX_SIGS && (r = blkid_do_probe(pr)) == 0) {
		struct ctl_signature s;

		fill(pr, &s);
		if (out->n < CTL_MAX_SIGS)
			out->sig[out->n++] = s;
		if (wipe && blkid_do_wipe(pr, 0)) {
			r = errno ? -errno : -EIO;
			break;
		}
		if (out->n >= CTL_MAX_SIGS && !wipe)
			break;
	}
	blkid_free_probe(pr);
	return r < 0 ? (r == -1 ? -EIO : r) : 0;
}

int sig_probe(const char *path, struct ctl_sigs *out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int r;

	out->n = 0;
	if (fd < 0)
		return -errno;
	r = probe_fd(fd, false, out);
	close(fd);
	return r;
}

int sig_wipe(const char *path, struct ctl_sigs *wiped)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);
	int r;

	wiped->n = 0;
	if (fd < 0)
		return -errno;
	r = probe_fd(fd, true, wiped);
	if (!r && fsync(fd))
		r = -errno;
	if (close(fd) && !r)
		r = -errno;
	return r;
}

/* "an" before a vowel sound: a vowel, or a letter read out as a letter
 * ("an xfs", "an LVM2...") in a name without a vowel up front. */
static const char *article(const char *word)
{
	const char *vowels = "aeiouAEIOU";
	const char *spelled = "fhlmnrsxFHLMNRSX";
	bool acronym = true;

	if (strchr(vowels, word[0]))
		return "an";
	for (int i = 0; i < 3 && word[i]; i++)
		if (strchr(vowels, word[i]))
			acronym = false;
	return acronym && word[0] && strchr(spelled, word[0]) ? "an" : "a";
}

static void sig_what(const struct ctl_signature *s, char *buf, size_t len)
{
	if (s->partition_table)
		snprintf(buf, len, "%s %s partition table", article(s->type),
			 s->type);
	else if (!strcmp(s->type, "swap"))
		snprintf(buf, len, "a swap area");
	else if (!strcmp(s->type, "LVM2_member"))
		snprintf(buf, len, "an LVM2 physical volume (LVM2_member)");
	else if (!strcmp(s->usage, "filesystem"))
		snprintf(buf, len, "%s %s filesystem", article(s->type),
			 s->type);
	else
		snprintf(buf, len, "%s %s signature", article(s->type),
			 s->type);
}

void sig_describe(const struct ctl_signature *s, char *buf, size_t len)
{
	char what[128];

	sig_what(s, what, sizeof(what));
	if (s->uuid[0] && s->label[0])
		snprintf(buf, len, "%s (UUID %s, label \"%s\")", what, s->uuid,
			 s->label);
	else if (s->uuid[0])
		snprintf(buf, len, "%s (UUID %s)", what, s->uuid);
	else if (s->label[0])
		snprintf(buf, len, "%s (label \"%s\")", what, s->label);
	else
		snprintf(buf, len, "%s", what);
}
