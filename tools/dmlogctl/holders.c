/* sysfs holders (see holders.h). */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "holders.h"

/* The first line of a small sysfs file, without its newline; "" when it
 * cannot be read. */
static void read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");

	buf[0] = '\0';
	if (!f)
		return;
	if (!fgets(buf, (int)len, f))
		buf[0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

static int holder_cmp(const void *a, const void *b)
{
	const struct holder *x = a, *y = b;

	return strcmp(x->name, y->name);
}

/* false when the name does not fit (not a kernel device name). */
static bool holder_fill(const char *dir, const char *name, struct holder *h)
{
	char path[512];
	size_t len = strlen(name);
	int n;

	if (len >= sizeof(h->name))
		return false;
	memcpy(h->name, name, len + 1);
	h->dm_name[0] = '\0';
	n = snprintf(path, sizeof(path), "%s/%s/dm/name", dir, name);
	if (n > 0 && (size_t)n < sizeof(path))
		read_line(path, h->dm_name, sizeof(h->dm_name));
	return true;
}

int holders_list(const char *sysfs, unsigned maj, unsigned min,
		 struct holder *out, size_t max, size_t *n)
{
	char dir[256];
	struct dirent *de;
	DIR *d;

	*n = 0;
	snprintf(dir, sizeof(dir), "%s/dev/block/%u:%u/holders", sysfs, maj,
		 min);
	d = opendir(dir);
	if (!d)
		return errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
	while ((de = readdir(d)) && *n < max) {
		if (de->d_name[0] == '.')
			continue;
		if (holder_fill(dir, de->d_name, &out[*n]))
			(*n)++;
	}
	closedir(d);
	qsort(out, *n, sizeof(*out), holder_cmp);
	return 0;
}

void holders_format(const struct holder *h, size_t n, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && used < len; i++) {
		int w;

		if (h[i].dm_name[0])
			w = snprintf(buf + used, len - used, "%s%s (%s)",
				     i ? ", " : "", h[i].name, h[i].dm_name);
		else
			w = snprintf(buf + used, len - used, "%s%s",
				     i ? ", " : "", h[i].name);
		if (w < 0)
			break;
		used += (size_t)w;
	}
}
