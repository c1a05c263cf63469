/* Number parsing (see numparse.h). */
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "numparse.h"

/* Leading digits of s into *v; returns the first non-digit, or NULL on
 * no digits / overflow of 64 bits (*overflow set). */
static const char *digits(const char *s, uint64_t *v, int *overflow)
{
	const char *p = s;

	*v = 0;
	*overflow = 0;
	for (; isdigit((unsigned char)*p); p++) {
		uint64_t d = (uint64_t)(*p - '0');

		if (*v > (UINT64_MAX - d) / 10)
			*overflow = 1;
		else
			*v = *v * 10 + d;
	}
	return p == s ? NULL : p;
}

int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	int overflow;
	uint64_t v;
	const char *end = digits(s, &v, &overflow);

	if (!end || *end)
		return -EINVAL;
	if (overflow || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

struct unit {
	const char *name;
	unsigned shift;		/* bytes = value << shift */
};

static const struct unit units[] = {
	{ "b", 0 }, { "s", 9 },
	{ "k", 10 }, { "kib", 10 }, { "m", 20 }, { "mib", 20 },
	{ "g", 30 }, { "gib", 30 }, { "t", 40 }, { "tib", 40 },
};

static int unit_shift(const char *suffix, unsigned *shift)
{
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (!strcasecmp(suffix, units[i].name)) {
			*shift = units[i].shift;
			return 0;
		}
	}
	return -EINVAL;
}

int parse_sectors(const char *s, uint64_t max, uint64_t *out)
{
	int overflow;
	unsigned shift;
	uint64_t v, sectors;
	const char *end = digits(s, &v, &overflow);

	if (!end)
		return -EINVAL;
	if (!*end)
		return parse_u64(s, max, out);
	if (unit_shift(end, &shift))
		return -EINVAL;
	if (overflow || (shift && v > (UINT64_MAX >> shift)))
		return -ERANGE;
	v <<= shift;
	if (v % 512)
		return -EINVAL;
	sectors = v / 512;
	if (sectors > max)
		return -ERANGE;
	*out = sectors;
	return 0;
}
