/* Signatures on a device that format must not destroy silently
 * (filesystems, partition tables, LVM, swap, RAID, crypto...), found and
 * wiped with libblkid. */
#ifndef DMLOGCTL_SIGPROBE_H
#define DMLOGCTL_SIGPROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CTL_MAX_SIGS 16

struct ctl_signature {
	char type[64];		/* ext4, xfs, LVM2_member, swap, gpt, dos... */
	char usage[32];		/* filesystem, raid, crypto, other, "" */
	char uuid[64];		/* "" when none */
	char label[64];
	uint64_t offset;	/* of the magic */
	bool partition_table;
};

struct ctl_sigs {
	struct ctl_signature sig[CTL_MAX_SIGS];
	size_t n;
};

/* Every signature libblkid finds (superblocks and partition tables).
 * 0 or -errno. */
int sig_probe(const char *path, struct ctl_sigs *out);
/* Erase every signature libblkid finds (as wipefs does) and fsync;
 * wiped lists them. 0 or -errno. */
int sig_wipe(const char *path, struct ctl_sigs *wiped);

/* "an ext4 filesystem (UUID ..., label ...)" */
void sig_describe(const struct ctl_signature *s, char *buf, size_t len);

#endif
