/* Random identifiers (see randid.h). */
#include <errno.h>
#include <stdio.h>
#include <sys/random.h>

#include "randid.h"

static int random_bytes(void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = getrandom(p, len, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int randid_format_id(uint64_t avoid, uint64_t *out)
{
	uint64_t v = 0;

	do {
		int r = random_bytes(&v, sizeof(v));

		if (r)
			return r;
	} while (!v || v == avoid);
	*out = v;
	return 0;
}

int randid_uuid(char *buf, size_t len)
{
	uint8_t u[16];
	int r = random_bytes(u, sizeof(u));

	if (r)
		return r;
	if (len < 43)
		return -ENOSPC;
	u[6] = (uint8_t)((u[6] & 0x0f) | 0x40);	/* version 4 */
	u[8] = (uint8_t)((u[8] & 0x3f) | 0x80);	/* RFC 4122 variant */
	snprintf(buf, len, "dmlog-%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
		 "%02x%02x%02x%02x%02x%02x", u[0], u[1], u[2], u[3], u[4], u[5],
		 u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14],
		 u[15]);
	return 0;
}
