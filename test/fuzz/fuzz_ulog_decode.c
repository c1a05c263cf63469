/* libFuzzer target for the frame codec and the constructor parser (not
 * built by default):
 *
 *   clang -std=gnu11 -g -O1 -D_GNU_SOURCE -Ilib \
 *	-Wno-gnu-variable-sized-type-not-at-end \
 *	-fsanitize=fuzzer,address,undefined \
 *	test/fuzz/fuzz_ulog_decode.c lib/ulog_codec.c lib/ctr_parse.c \
 *	-o fuzz_ulog_decode
 *
 * Each input is decoded as a request and as a reply; an accepted request
 * is answered and the answer must decode again; a CTR payload, and the
 * raw input itself, go through ctr_parse. The input is copied to a heap buffer of exactly its
 * size at an odd address so that overreads and alignment faults show. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctr_parse.h"
#include "ulog_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Answer m and decode the answer. A REJECTed request may carry a bad
 * version, uuid or type, which the reply echoes, so then the reply need
 * only keep its envelope and seq (strict = false). */
static void check_reply(const struct ulog_msg *m, bool strict)
{
	static uint8_t out[ULOG_MAX_FRAME + 1];
	struct ulog_msg r;
	char why[128];
	size_t n = m->payload_len;
	size_t len;
	enum ulog_verdict v;

	if (n > ULOG_MAX_PAYLOAD)
		abort();
	len = ulog_encode_reply(out + 1, ULOG_MAX_FRAME, m, -EIO,
				m->payload, n);
	if (len != ULOG_HDR_LEN + n)
		abort();
	v = ulog_decode_reply(out + 1, len, &r, why, sizeof(why));
	if (v == ULOG_DROP || (strict && v != ULOG_OK))
		abort();
	if (r.req.seq != m->req.seq || r.cn_seq != m->cn_seq ||
	    r.req.luid != m->req.luid)
		abort();
	if (v == ULOG_OK && (r.req.error != -EIO || r.payload_len != n ||
			     (n && memcmp(r.payload, m->payload, n))))
		abort();
}

static void check_ctr(const struct ulog_msg *m)
{
	struct ctr_params p;
	char err[256];

	if (ctr_parse((const char *)m->payload, m->payload_len, &p, err,
		      sizeof(err)) == 0) {
		uint32_t rs = p.region_size;

		if (rs < 2 || (rs & (rs - 1)) || rs > p.target_sectors ||
		    p.region_count == 0)
			abort();
	} else if (err[0] == '\0') {
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *raw = malloc(size + 1);
	uint8_t *buf;
	struct ulog_msg m;
	char why[128];
	enum ulog_verdict v;

	if (!raw)
		return 0;
	buf = raw + 1;
	memcpy(buf, data, size);
	v = ulog_decode(buf, size, &m, why, sizeof(why));
	if (v == ULOG_OK) {
		if (m.payload_len && (m.payload < buf ||
				      m.payload + m.payload_len > buf + size))
			abort();
		check_reply(&m, true);
		if (m.type == DM_ULOG_CTR)
			check_ctr(&m);
	} else if (v == ULOG_REJECT) {
		if (m.req.error != -EINVAL || m.payload || m.payload_len)
			abort();
		check_reply(&m, false);
	}
	(void)ulog_decode_reply(buf, size, &m, why, sizeof(why));
	m.payload = buf;
	m.payload_len = size;
	check_ctr(&m);
	free(raw);
	return 0;
}
