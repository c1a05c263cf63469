/* Constructor-string parser (see ctr_parse.h). The input is a counted
 * byte string that need not be NUL-terminated; it is walked with explicit
 * bounds and never handed to a str* function. */
#include "ctr_parse.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Longest piece of an offending argument quoted in an error message. */
#define QUOTE_MAX 48

struct tok {
	const char *s;
	size_t n;
};

struct cursor {
	const char *s;
	size_t len;
	size_t pos;
};

enum num_result { NUM_OK, NUM_NOT_DECIMAL, NUM_OVERFLOW };

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
	       c == '\v' || c == '\f';
}

/* Next whitespace-separated token; false at the end of the string. */
static bool next_tok(struct cursor *c, struct tok *t)
{
	while (c->pos < c->len && is_space(c->s[c->pos]))
		c->pos++;
	if (c->pos == c->len)
		return false;
	t->s = c->s + c->pos;
	while (c->pos < c->len && !is_space(c->s[c->pos]))
		c->pos++;
	t->n = (size_t)(c->s + c->pos - t->s);
	return true;
}

static bool tok_is(const struct tok *t, const char *word)
{
	size_t n = strlen(word);

	return t->n == n && memcmp(t->s, word, n) == 0;
}

/* A printable, bounded rendering of a token for messages: bytes outside
 * printable ASCII become \xNN, long tokens are cut and end in "...". */
struct quoted {
	char s[QUOTE_MAX * 4 + 4];
};

static const char *quote(const struct tok *t, struct quoted *q)
{
	size_t i, o = 0;

	for (i = 0; i < t->n && i < QUOTE_MAX; i++) {
		unsigned char ch = (unsigned char)t->s[i];

		if (ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\') {
			q->s[o++] = (char)ch;
		} else {
			snprintf(q->s + o, sizeof(q->s) - o, "\\x%02x", ch);
			o += 4;
		}
	}
	if (i < t->n) {
		memcpy(q->s + o, "...", 3);
		o += 3;
	}
	q->s[o] = '\0';
	return q->s;
}

/* Unsigned decimal, digits only (no sign, no space, no base prefix). */
static enum num_result parse_u64(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (n == 0)
		return NUM_NOT_DECIMAL;
	for (i = 0; i < n; i++) {
		unsigned int d;

		if (s[i] < '0' || s[i] > '9')
			return NUM_NOT_DECIMAL;
		d = (unsigned int)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return NUM_OVERFLOW;
		v = v * 10 + d;
	}
	*out = v;
	return NUM_OK;
}

/* Strip one trailing NUL (the re-sent CTR carries one); any other NUL
 * is an error. Sets the usable length. */
static int check_nuls(const char *str, size_t len, size_t *use,
		      char *err, size_t errlen)
{
	size_t n = len;
	const char *nul;

	if (n > 0 && str[n - 1] == '\0')
		n--;
	nul = memchr(str, '\0', n);
	if (nul)
		return fail(err, errlen, "constructor string has a NUL byte "
			    "at offset %zu of %zu", (size_t)(nul - str), len);
	*use = n;
	return 0;
}

static int parse_target(struct cursor *c, struct ctr_params *p,
			char *err, size_t errlen)
{
	struct tok t;
	struct quoted q;

	if (!next_tok(c, &t))
		return fail(err, errlen, "missing target length");
	switch (parse_u64(t.s, t.n, &p->target_sectors)) {
	case NUM_NOT_DECIMAL:
		return fail(err, errlen, "target length \"%s\" is not an "
			    "unsigned decimal number", quote(&t, &q));
	case NUM_OVERFLOW:
		return fail(err, errlen, "target length \"%s\" overflows "
			    "64 bits", quote(&t, &q));
	case NUM_OK:
		break;
	}
	if (p->target_sectors == 0)
		return fail(err, errlen, "target length \"%s\" must be at "
			    "least 1 sector", quote(&t, &q));
	return 0;
}

struct log_type {
	const char *name;
	enum ctr_log_kind kind;
	bool clustered;
};

static const struct log_type log_types[] = {
	{ "clustered-disk", CTR_LOG_DISK, true },
	{ "clustered-core", CTR_LOG_CORE, true },
	{ "disk", CTR_LOG_DISK, false },
	{ "core", CTR_LOG_CORE, false },
};

static int parse_type(struct cursor *c, struct ctr_params *p,
		      char *err, size_t errlen)
{
	struct tok t;
	struct quoted q;
	size_t i;

	if (!next_tok(c, &t))
		return fail(err, errlen, "missing log type");
	for (i = 0; i < sizeof(log_types) / sizeof(log_types[0]); i++) {
		const struct log_type *lt = &log_types[i];

		if (!tok_is(&t, lt->name))
			continue;
		p->kind = lt->kind;
		p->clustered = lt->clustered;
		_Static_assert(sizeof("clustered-disk") <=
			       sizeof(p->type_name), "type_name too small");
		memcpy(p->type_name, lt->name, strlen(lt->name) + 1);
		return 0;
	}
	return fail(err, errlen, "unknown log type \"%s\" (expected "
		    "clustered-disk, clustered-core, disk or core)",
		    quote(&t, &q));
}

/* "major:minor", each part decimal and fitting 32 bits. */
static int parse_majmin(const struct tok *t, const char *colon,
			struct ctr_params *p, char *err, size_t errlen)
{
	struct quoted q;
	size_t nmaj = (size_t)(colon - t->s);
	uint64_t maj = 0, min = 0;
	enum num_result rmaj = parse_u64(t->s, nmaj, &maj);
	enum num_result rmin = parse_u64(colon + 1, t->n - nmaj - 1, &min);

	if (rmaj == NUM_NOT_DECIMAL || rmin == NUM_NOT_DECIMAL)
		return fail(err, errlen, "log device \"%s\" is neither an "
			    "absolute path nor major:minor", quote(t, &q));
	if (rmaj == NUM_OVERFLOW || maj > UINT32_MAX)
		return fail(err, errlen, "log device \"%s\": major number "
			    "does not fit in 32 bits", quote(t, &q));
	if (rmin == NUM_OVERFLOW || min > UINT32_MAX)
		return fail(err, errlen, "log device \"%s\": minor number "
			    "does not fit in 32 bits", quote(t, &q));
	p->log_dev_is_majmin = true;
	p->log_dev_major = (uint32_t)maj;
	p->log_dev_minor = (uint32_t)min;
	return 0;
}

static int parse_log_dev(struct cursor *c, struct ctr_params *p,
			 char *err, size_t errlen)
{
	struct tok t;
	struct quoted q;
	const char *colon;
	int r;

	if (!next_tok(c, &t))
		return fail(err, errlen, "missing log device");
	if (t.n >= CTR_DEV_MAX)
		return fail(err, errlen, "log device \"%s\" is too long "
			    "(%zu bytes, at most %d)", quote(&t, &q), t.n,
			    CTR_DEV_MAX - 1);
	colon = memchr(t.s, ':', t.n);
	if (t.s[0] != '/') {
		if (!colon)
			return fail(err, errlen, "log device \"%s\" is "
				    "neither an absolute path nor "
				    "major:minor", quote(&t, &q));
		r = parse_majmin(&t, colon, p, err, errlen);
		if (r)
			return r;
	}
	memcpy(p->log_dev, t.s, t.n);
	p->log_dev[t.n] = '\0';
	return 0;
}

static int parse_region_size(struct cursor *c, struct ctr_params *p,
			     char *err, size_t errlen)
{
	struct tok t;
	struct quoted q;
	uint64_t rs;

	if (!next_tok(c, &t))
		return fail(err, errlen, "missing region size");
	switch (parse_u64(t.s, t.n, &rs)) {
	case NUM_NOT_DECIMAL:
		return fail(err, errlen, "region size \"%s\" is not an "
			    "unsigned decimal number", quote(&t, &q));
	case NUM_OVERFLOW:
		return fail(err, errlen, "region size \"%s\" does not fit "
			    "in 32 bits", quote(&t, &q));
	case NUM_OK:
		break;
	}
	if (rs > UINT32_MAX)
		return fail(err, errlen, "region size \"%s\" does not fit "
			    "in 32 bits", quote(&t, &q));
	if (rs < 2)
		return fail(err, errlen, "region size \"%s\" is less than 2",
			    quote(&t, &q));
	if (rs & (rs - 1))
		return fail(err, errlen, "region size \"%s\" is not a power "
			    "of two", quote(&t, &q));
	if (rs > p->target_sectors)
		return fail(err, errlen, "region size \"%s\" is larger than "
			    "the target length (%llu sectors)", quote(&t, &q),
			    (unsigned long long)p->target_sectors);
	p->region_size = (uint32_t)rs;
	p->region_count = p->target_sectors / rs +
			  (p->target_sectors % rs != 0);
	return 0;
}

struct flag_state {
	bool seen_sync, seen_nosync, seen_boe;
};

static int apply_sync_flag(const struct tok *t, bool nosync,
			   struct flag_state *fs, struct ctr_params *p,
			   char *err, size_t errlen)
{
	bool *mine = nosync ? &fs->seen_nosync : &fs->seen_sync;
	bool other = nosync ? fs->seen_sync : fs->seen_nosync;
	struct quoted q;

	if (*mine)
		return fail(err, errlen, "duplicate flag \"%s\"",
			    quote(t, &q));
	if (other)
		return fail(err, errlen, "flag \"%s\" conflicts with \"%s\"",
			    quote(t, &q), nosync ? "sync" : "nosync");
	*mine = true;
	p->sync = nosync ? CTR_SYNC_NONE : CTR_SYNC_FORCE;
	return 0;
}

static int parse_flag(const struct tok *t, struct flag_state *fs,
		      struct ctr_params *p, char *err, size_t errlen)
{
	struct quoted q;

	if (tok_is(t, "sync"))
		return apply_sync_flag(t, false, fs, p, err, errlen);
	if (tok_is(t, "nosync"))
		return apply_sync_flag(t, true, fs, p, err, errlen);
	if (!tok_is(t, "block_on_error"))
		return fail(err, errlen, "unexpected argument \"%s\"",
			    quote(t, &q));
	if (!p->clustered)
		return fail(err, errlen, "flag \"block_on_error\" is not "
			    "accepted by log type \"%s\" (only by the "
			    "clustered types)", p->type_name);
	if (fs->seen_boe)
		return fail(err, errlen, "duplicate flag \"block_on_error\"");
	fs->seen_boe = true;
	p->block_on_error = true;
	return 0;
}

static int parse_flags(struct cursor *c, struct ctr_params *p,
		       char *err, size_t errlen)
{
	struct flag_state fs = { false, false, false };
	struct tok t;
	int r;

	while (next_tok(c, &t)) {
		r = parse_flag(&t, &fs, p, err, errlen);
		if (r)
			return r;
	}
	return 0;
}

static int parse_all(const char *str, size_t len, struct ctr_params *p,
		     char *err, size_t errlen)
{
	struct cursor c = { str, 0, 0 };
	int r;

	if (!str && len)
		return fail(err, errlen, "no constructor string");
	if (len == 0)
		return fail(err, errlen, "empty constructor string");
	r = check_nuls(str, len, &c.len, err, errlen);
	if (!r)
		r = parse_target(&c, p, err, errlen);
	if (!r)
		r = parse_type(&c, p, err, errlen);
	if (!r && p->kind == CTR_LOG_DISK)
		r = parse_log_dev(&c, p, err, errlen);
	if (!r)
		r = parse_region_size(&c, p, err, errlen);
	if (!r)
		r = parse_flags(&c, p, err, errlen);
	return r;
}

int ctr_parse(const char *str, size_t len, struct ctr_params *p,
	      char *err, size_t errlen)
{
	int r;

	if (!p)
		return fail(err, errlen, "no result buffer");
	memset(p, 0, sizeof(*p));
	if (err && errlen)
		err[0] = '\0';
	r = parse_all(str, len, p, err, errlen);
	if (r)
		memset(p, 0, sizeof(*p));
	return r;
}
