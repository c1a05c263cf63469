/* Unit tests for lib/ulog_codec.c: framing, validation and replies. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ulog_codec.h"

#define WHY_LEN 256
/* room for the largest frame cn_msg.len can describe */
#define BUF_LEN (ULOG_HDR_LEN + 0x10000)
#define TEST_UUID "LVM-Kq3ZbVvX0q4y9dQ0sCvX1HKNXlZq" \
		  "QeRQ2m6m8fDq0o3oYVbPqIxg4WQm2G2ZqVgL"
#define TEST_LUID 0xffff8881234abcd0ull

/* Wire offsets, derived from the installed headers. */
#define OFF_NL_LEN	offsetof(struct nlmsghdr, nlmsg_len)
#define OFF_NL_TYPE	offsetof(struct nlmsghdr, nlmsg_type)
#define OFF_NL_FLAGS	offsetof(struct nlmsghdr, nlmsg_flags)
#define OFF_NL_SEQ	offsetof(struct nlmsghdr, nlmsg_seq)
#define OFF_NL_PID	offsetof(struct nlmsghdr, nlmsg_pid)
#define OFF_CN		((size_t)NLMSG_HDRLEN)
#define OFF_CN_IDX	(OFF_CN + offsetof(struct cn_msg, id.idx))
#define OFF_CN_VAL	(OFF_CN + offsetof(struct cn_msg, id.val))
#define OFF_CN_SEQ	(OFF_CN + offsetof(struct cn_msg, seq))
#define OFF_CN_ACK	(OFF_CN + offsetof(struct cn_msg, ack))
#define OFF_CN_LEN	(OFF_CN + offsetof(struct cn_msg, len))
#define OFF_CN_FLAGS	(OFF_CN + offsetof(struct cn_msg, flags))
#define OFF_REQ		(OFF_CN + sizeof(struct cn_msg))
#define OFF_R(f)	(OFF_REQ + offsetof(struct dm_ulog_request, f))
#define OFF_DATA	(OFF_REQ + sizeof(struct dm_ulog_request))

static uint8_t buf[BUF_LEN] __attribute__((aligned(8)));
static uint8_t buf2[BUF_LEN] __attribute__((aligned(8)));
static char why[WHY_LEN];

/* ---- helpers ---------------------------------------------------------- */

static void put32(uint8_t *b, size_t off, uint32_t v)
{
	memcpy(b + off, &v, sizeof(v));
}

static void put16(uint8_t *b, size_t off, uint16_t v)
{
	memcpy(b + off, &v, sizeof(v));
}

static uint32_t get32(const uint8_t *b, size_t off)
{
	uint32_t v;

	memcpy(&v, b + off, sizeof(v));
	return v;
}

static uint16_t get16(const uint8_t *b, size_t off)
{
	uint16_t v;

	memcpy(&v, b + off, sizeof(v));
	return v;
}

static uint64_t get64(const uint8_t *b, size_t off)
{
	uint64_t v;

	memcpy(&v, b + off, sizeof(v));
	return v;
}

/* Set nlmsg_len, cn_msg.len and data_size consistently for a payload of
 * n bytes (contents left as they are). Returns the frame length. */
static size_t resize_frame(uint8_t *b, size_t n)
{
	size_t frame = ULOG_HDR_LEN + n;

	put32(b, OFF_NL_LEN, (uint32_t)frame);
	put16(b, OFF_CN_LEN, (uint16_t)(sizeof(struct dm_ulog_request) + n));
	put32(b, OFF_R(data_size), (uint32_t)n);
	return frame;
}

static const char ctr_str[] = "2097152 clustered-disk 253:3 1024";

/* A payload the daemon accepts for `type`; returns its length. */
static size_t valid_payload(uint32_t type, uint8_t *out)
{
	uint64_t v[4] = { 42, 7, 1, 99 };

	switch (type) {
	case DM_ULOG_CTR:
		memcpy(out, ctr_str, strlen(ctr_str));	/* no NUL */
		return strlen(ctr_str);
	case DM_ULOG_IS_CLEAN:
	case DM_ULOG_IN_SYNC:
	case DM_ULOG_IS_REMOTE_RECOVERING:
		memcpy(out, v, 8);
		return 8;
	case DM_ULOG_FLUSH:
		memcpy(out, v, 16);
		return 16;
	case DM_ULOG_MARK_REGION:
		memcpy(out, v, 24);
		return 24;
	case DM_ULOG_CLEAR_REGION:
		memcpy(out, v, 32);
		return 32;
	case DM_ULOG_SET_REGION_SYNC:
		memcpy(out, &v[1], 16);
		return 16;
	default:
		return 0;
	}
}

/* The payload sizes each request type accepts, stated independently of
 * the codec's table. */
static bool size_ok(uint32_t type, size_t n)
{
	switch (type) {
	case DM_ULOG_CTR:
		return n >= 1;
	case DM_ULOG_IS_CLEAN:
	case DM_ULOG_IN_SYNC:
	case DM_ULOG_IS_REMOTE_RECOVERING:
		return n == 8;
	case DM_ULOG_FLUSH:
	case DM_ULOG_MARK_REGION:
	case DM_ULOG_CLEAR_REGION:
		return n % 8 == 0;
	case DM_ULOG_SET_REGION_SYNC:
		return n == 16;
	default:
		return n == 0;
	}
}

static size_t make_request(uint8_t *b, uint32_t type, uint32_t seq)
{
	uint8_t payload[ULOG_MAX_PAYLOAD];
	size_t n = valid_payload(type, payload);
	size_t len = ulog_encode_request(b, BUF_LEN, seq, type, TEST_LUID,
					 TEST_UUID, payload, n);

	assert_int_equal(len, ULOG_HDR_LEN + n);
	return len;
}

static uint8_t *dup_exact(const uint8_t *src, size_t n)
{
	uint8_t *p = malloc(n ? n : 1);

	assert_non_null(p);
	memcpy(p, src, n);
	return p;
}

/* Decode from a heap copy of exactly len bytes, so that ASan reports any
 * read past the end. */
static enum ulog_verdict decode_exact(const uint8_t *src, size_t len,
				      struct ulog_msg *m)
{
	uint8_t *p = dup_exact(src, len);
	enum ulog_verdict v = ulog_decode(p, len, m, why, sizeof(why));

	if (v == ULOG_OK && m->payload_len) {
		assert_true(m->payload >= p + ULOG_HDR_LEN);
		assert_true(m->payload + m->payload_len <= p + len);
		m->payload = NULL;	/* about to be freed */
	}
	free(p);
	return v;
}

static void assert_why_contains(const char *needle)
{
	if (!strstr(why, needle))
		fail_msg("why \"%s\" does not contain \"%s\"", why, needle);
}

static void assert_rejected(enum ulog_verdict v, const struct ulog_msg *m,
			    const char *needle)
{
	if (v != ULOG_REJECT)
		fail_msg("verdict %d, expected REJECT (why: %s)", v, why);
	assert_int_equal(m->req.error, -EINVAL);
	assert_null(m->payload);
	assert_int_equal(m->payload_len, 0);
	assert_why_contains(needle);
}

static void assert_dropped(enum ulog_verdict v, const char *needle)
{
	if (v != ULOG_DROP)
		fail_msg("verdict %d, expected DROP (why: %s)", v, why);
	assert_why_contains(needle);
}

/* ---- round trips ------------------------------------------------------ */

static void check_decoded_request(const struct ulog_msg *m, uint32_t type,
				  uint32_t seq, const uint8_t *payload,
				  size_t n)
{
	assert_int_equal(m->type, type);
	assert_int_equal(m->req.request_type, type);
	assert_int_equal(m->req.seq, seq);
	assert_int_equal(m->cn_seq, seq);
	assert_int_equal(m->cn_ack, 0);
	assert_int_equal(m->req.luid, TEST_LUID);
	assert_string_equal(m->req.uuid, TEST_UUID);
	assert_int_equal(m->req.version, DM_ULOG_REQUEST_VERSION);
	assert_int_equal(m->req.error, 0);
	assert_int_equal(m->req.data_size, n);
	assert_int_equal(m->payload_len, n);
	if (n) {
		assert_non_null(m->payload);
		assert_memory_equal(m->payload, payload, n);
	}
}

static void test_roundtrip_all_types(void **state)
{
	uint32_t type;

	(void)state;
	for (type = 1; type <= 17; type++) {
		uint8_t payload[ULOG_MAX_PAYLOAD];
		size_t n = valid_payload(type, payload);
		uint32_t seq = 1000 + type;
		struct ulog_msg m;
		size_t len = make_request(buf, type, seq);

		assert_int_equal(ulog_decode(buf, len, &m, why, sizeof(why)),
				 ULOG_OK);
		assert_string_equal(why, "");
		check_decoded_request(&m, type, seq, payload, n);
	}
}

static void test_request_wire_layout(void **state)
{
	uint8_t payload[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	size_t len;

	(void)state;
	memset(buf, 0xa5, sizeof(buf));
	len = ulog_encode_request(buf, BUF_LEN, 77, DM_ULOG_IN_SYNC,
				  TEST_LUID, "abc", payload, 8);
	assert_int_equal(len, NLMSG_HDRLEN + 20 + 160 + 8);
	assert_int_equal(get32(buf, OFF_NL_LEN), len);
	assert_int_equal(get16(buf, OFF_NL_TYPE), NLMSG_DONE);
	assert_int_equal(get16(buf, OFF_NL_FLAGS), 0);
	assert_int_equal(get32(buf, OFF_NL_SEQ), 77);
	assert_int_equal(get32(buf, OFF_NL_PID), 0);
	assert_int_equal(get32(buf, OFF_CN_IDX), CN_IDX_DM);
	assert_int_equal(get32(buf, OFF_CN_VAL), CN_VAL_DM_USERSPACE_LOG);
	assert_int_equal(get32(buf, OFF_CN_SEQ), 77);
	assert_int_equal(get32(buf, OFF_CN_ACK), 0);
	assert_int_equal(get16(buf, OFF_CN_LEN), 168);
	assert_int_equal(get16(buf, OFF_CN_FLAGS), 0);
	assert_int_equal(get64(buf, OFF_R(luid)), TEST_LUID);
	assert_string_equal((const char *)buf + OFF_R(uuid), "abc");
	/* the rest of uuid and the padding are zero-filled */
	for (size_t i = OFF_R(uuid) + 3; i < OFF_R(version); i++)
		assert_int_equal(buf[i], 0);
	assert_int_equal(get32(buf, OFF_R(version)), 3);
	assert_int_equal(get32(buf, OFF_R(error)), 0);
	assert_int_equal(get32(buf, OFF_R(seq)), 77);
	assert_int_equal(get32(buf, OFF_R(request_type)), DM_ULOG_IN_SYNC);
	assert_int_equal(get32(buf, OFF_R(data_size)), 8);
	assert_memory_equal(buf + OFF_DATA, payload, 8);
	assert_int_equal(buf[len], 0xa5);	/* nothing written past it */
}

static void test_encode_request_limits(void **state)
{
	uint8_t payload[ULOG_MAX_PAYLOAD + 1];
	char long_uuid[300];
	struct ulog_msg m;
	size_t len;

	(void)state;
	memset(payload, 'x', sizeof(payload));
	assert_int_equal(ulog_encode_request(buf, BUF_LEN, 1, DM_ULOG_CTR, 1,
					     "u", payload,
					     ULOG_MAX_PAYLOAD + 1), 0);
	len = ulog_encode_request(buf, BUF_LEN, 1, DM_ULOG_CTR, 1, "u",
				  payload, ULOG_MAX_PAYLOAD);
	assert_int_equal(len, ULOG_MAX_FRAME);
	assert_int_equal(ulog_decode(buf, len, &m, why, sizeof(why)),
			 ULOG_OK);
	assert_int_equal(m.payload_len, ULOG_MAX_PAYLOAD);
	/* cap one short, and exact */
	assert_int_equal(ulog_encode_request(buf, ULOG_HDR_LEN + 7, 1,
					     DM_ULOG_IN_SYNC, 1, "u", payload,
					     8), 0);
	assert_int_equal(ulog_encode_request(buf, ULOG_HDR_LEN + 8, 1,
					     DM_ULOG_IN_SYNC, 1, "u", payload,
					     8), ULOG_HDR_LEN + 8);
	/* data_len without data */
	assert_int_equal(ulog_encode_request(buf, BUF_LEN, 1, DM_ULOG_FLUSH,
					     1, "u", NULL, 8), 0);
	/* uuid: bounded copy, always terminated */
	memset(long_uuid, 'U', sizeof(long_uuid) - 1);
	long_uuid[sizeof(long_uuid) - 1] = '\0';
	len = ulog_encode_request(buf, BUF_LEN, 1, DM_ULOG_DTR, 1, long_uuid,
				  NULL, 0);
	assert_int_equal(ulog_decode(buf, len, &m, why, sizeof(why)),
			 ULOG_OK);
	assert_int_equal(strlen(m.req.uuid), DM_UUID_LEN - 1);
	/* NULL uuid is the empty uuid */
	len = ulog_encode_request(buf, BUF_LEN, 1, DM_ULOG_DTR, 1, NULL, NULL,
				  0);
	assert_int_equal(ulog_decode(buf, len, &m, why, sizeof(why)),
			 ULOG_OK);
	assert_string_equal(m.req.uuid, "");
}

/* ---- truncation ------------------------------------------------------- */

/* Every prefix of every valid frame, as received (nlmsg_len untouched). */
static void test_truncated_every_prefix(void **state)
{
	uint32_t type;

	(void)state;
	for (type = 1; type <= 17; type++) {
		size_t len = make_request(buf, type, type);

		for (size_t p = 0; p < len; p++) {
			struct ulog_msg m;

			assert_int_equal(decode_exact(buf, p, &m), ULOG_DROP);
		}
	}
}

/* Prefixes whose nlmsg_len claims exactly the truncated length. */
static void test_truncated_consistent_nlmsg_len(void **state)
{
	uint32_t type;

	(void)state;
	for (type = 1; type <= 17; type++) {
		size_t len = make_request(buf, type, type);

		for (size_t p = NLMSG_HDRLEN; p < len; p++) {
			struct ulog_msg m;

			memcpy(buf2, buf, len);
			put32(buf2, OFF_NL_LEN, (uint32_t)p);
			assert_int_equal(decode_exact(buf2, p, &m), ULOG_DROP);
		}
	}
}

/* Prefixes with nlmsg_len and cn_msg.len both fixed up: only data_size
 * still claims the original payload. Header intact -> REJECT, and the
 * payload must never be touched. */
static void test_truncated_consistent_cn_len(void **state)
{
	uint32_t type;

	(void)state;
	for (type = 1; type <= 17; type++) {
		size_t len = make_request(buf, type, type);

		for (size_t p = OFF_REQ; p < len; p++) {
			struct ulog_msg m;
			enum ulog_verdict v;

			memcpy(buf2, buf, len);
			put32(buf2, OFF_NL_LEN, (uint32_t)p);
			put16(buf2, OFF_CN_LEN, (uint16_t)(p - OFF_REQ));
			v = decode_exact(buf2, p, &m);
			if (p < ULOG_HDR_LEN) {
				assert_int_equal(v, ULOG_DROP);
				continue;
			}
			assert_rejected(v, &m, "data_size");
			assert_int_equal(m.req.seq, type);
		}
	}
}

/* ---- envelope --------------------------------------------------------- */

static void test_short_and_null(void **state)
{
	struct ulog_msg m;

	(void)state;
	assert_dropped(ulog_decode(NULL, 100, &m, why, sizeof(why)),
		       "buffer");
	assert_dropped(ulog_decode(buf, 0, &m, why, sizeof(why)), "shorter");
	assert_dropped(ulog_decode(buf, NLMSG_HDRLEN - 1, &m, why,
				   sizeof(why)), "shorter");
}

static void test_bad_nlmsg_len(void **state)
{
	struct ulog_msg m;
	size_t len = make_request(buf, DM_ULOG_IN_SYNC, 5);
	const uint32_t smalls[] = { 0, 1, NLMSG_HDRLEN, OFF_REQ - 1 };

	(void)state;
	for (size_t i = 0; i < sizeof(smalls) / sizeof(smalls[0]); i++) {
		memcpy(buf2, buf, len);
		put32(buf2, OFF_NL_LEN, smalls[i]);
		assert_dropped(decode_exact(buf2, len, &m), "nlmsg_len");
	}
	memcpy(buf2, buf, len);
	put32(buf2, OFF_NL_LEN, (uint32_t)len + 1);
	assert_dropped(decode_exact(buf2, len, &m), "exceeds");
	put32(buf2, OFF_NL_LEN, UINT32_MAX);
	assert_dropped(decode_exact(buf2, len, &m), "exceeds");
	/* nlmsg_len one short of the frame: cn_msg.len now too big */
	put32(buf2, OFF_NL_LEN, (uint32_t)len - 1);
	assert_dropped(decode_exact(buf2, len, &m), "cn_msg.len");
}

static void test_bad_nlmsg_type(void **state)
{
	struct ulog_msg m;
	size_t len = make_request(buf, DM_ULOG_DTR, 5);
	const uint16_t types[] = { 0, NLMSG_NOOP, NLMSG_ERROR, NLMSG_OVERRUN,
				   16, 0xffff };

	(void)state;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		memcpy(buf2, buf, len);
		put16(buf2, OFF_NL_TYPE, types[i]);
		assert_dropped(decode_exact(buf2, len, &m), "NLMSG_DONE");
	}
}

static void test_bad_cn_id(void **state)
{
	struct ulog_msg m;
	size_t len = make_request(buf, DM_ULOG_DTR, 5);
	const uint32_t ids[][2] = {
		{ 0, 0 }, { CN_IDX_DM, 0 }, { CN_IDX_DM, 2 },
		{ CN_IDX_DRBD, CN_VAL_DM_USERSPACE_LOG }, { 1, 1 },
		{ CN_VAL_DM_USERSPACE_LOG, CN_IDX_DM },
		{ CN_IDX_DM + 0x100, CN_VAL_DM_USERSPACE_LOG },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		memcpy(buf2, buf, len);
		put32(buf2, OFF_CN_IDX, ids[i][0]);
		put32(buf2, OFF_CN_VAL, ids[i][1]);
		assert_dropped(decode_exact(buf2, len, &m), "connector id");
	}
}

static void test_cn_len_mismatch(void **state)
{
	struct ulog_msg m;
	size_t len = make_request(buf, DM_ULOG_IN_SYNC, 5);
	uint16_t good = (uint16_t)(len - OFF_REQ);

	(void)state;
	/* larger than what follows */
	for (uint16_t d = 1; d < 8; d++) {
		memcpy(buf2, buf, len);
		put16(buf2, OFF_CN_LEN, (uint16_t)(good + d));
		assert_dropped(decode_exact(buf2, len, &m), "cn_msg.len");
	}
	memcpy(buf2, buf, len);
	put16(buf2, OFF_CN_LEN, 0xffff);
	assert_dropped(decode_exact(buf2, len, &m), "cn_msg.len");
	/* smaller by more than alignment padding */
	for (uint16_t d = 4; d < 12; d++) {
		memcpy(buf2, buf, len);
		put16(buf2, OFF_CN_LEN, (uint16_t)(good - d));
		assert_dropped(decode_exact(buf2, len, &m), "cn_msg.len");
	}
	/* smaller by 1..3: counted as padding, but then data_size no longer
	 * matches cn_msg.len: REJECT */
	for (uint16_t d = 1; d < 4; d++) {
		memcpy(buf2, buf, len);
		put16(buf2, OFF_CN_LEN, (uint16_t)(good - d));
		assert_rejected(decode_exact(buf2, len, &m), &m, "data_size");
	}
}

static void test_cn_len_too_short_for_request(void **state)
{
	struct ulog_msg m;

	(void)state;
	make_request(buf, DM_ULOG_DTR, 5);
	for (uint16_t cl = 1; cl < sizeof(struct dm_ulog_request); cl++) {
		size_t len = OFF_REQ + cl;

		memcpy(buf2, buf, ULOG_HDR_LEN);
		put32(buf2, OFF_NL_LEN, (uint32_t)len);
		put16(buf2, OFF_CN_LEN, cl);
		assert_dropped(decode_exact(buf2, len, &m), "shorter than");
	}
}

static void test_ack_frame_dropped(void **state)
{
	struct ulog_msg m;

	(void)state;
	make_request(buf, DM_ULOG_DTR, 5);
	put32(buf, OFF_NL_LEN, (uint32_t)OFF_REQ);
	put16(buf, OFF_CN_LEN, 0);
	put32(buf, OFF_CN_ACK, EAGAIN);
	assert_dropped(decode_exact(buf, OFF_REQ, &m), "ack");
	assert_dropped(ulog_decode_reply(buf, OFF_REQ, &m, why, sizeof(why)),
		       "ack");
}

/* nlmsg_len counting up to 3 bytes of alignment padding after the
 * payload is accepted, and bytes after nlmsg_len are ignored. */
static void test_alignment_padding_accepted(void **state)
{
	uint8_t payload[5] = { '8', ' ', 'c', 'o', 'r' };
	struct ulog_msg m;
	size_t len;

	(void)state;
	len = ulog_encode_request(buf, BUF_LEN, 9, DM_ULOG_CTR, 1, "u",
				  payload, sizeof(payload));
	assert_int_equal(len, ULOG_HDR_LEN + 5);
	for (size_t pad = 1; pad <= 3; pad++) {
		memcpy(buf2, buf, len);
		memset(buf2 + len, 0, pad);
		put32(buf2, OFF_NL_LEN, (uint32_t)(len + pad));
		assert_int_equal(decode_exact(buf2, len + pad, &m), ULOG_OK);
		assert_int_equal(m.payload_len, 5);
	}
	memcpy(buf2, buf, len);
	put32(buf2, OFF_NL_LEN, (uint32_t)(len + 4));
	assert_dropped(decode_exact(buf2, len + 4, &m), "cn_msg.len");
	/* a datagram longer than nlmsg_len (NLMSG_ALIGN'd) */
	memcpy(buf2, buf, len);
	memset(buf2 + len, 0xee, 3);
	assert_int_equal(decode_exact(buf2, NLMSG_ALIGN(len), &m), ULOG_OK);
	assert_int_equal(m.payload_len, 5);
}

/* ---- request header --------------------------------------------------- */

static void test_data_size_mismatch(void **state)
{
	struct ulog_msg m;
	size_t len = make_request(buf, DM_ULOG_MARK_REGION, 31);
	uint32_t good = (uint32_t)(len - ULOG_HDR_LEN);
	const uint32_t bad[] = { 0, good - 8, good - 1, good + 1, good + 8,
				 ULOG_MAX_PAYLOAD, ULOG_MAX_PAYLOAD + 1,
				 0x7fffffff, UINT32_MAX };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memcpy(buf2, buf, len);
		put32(buf2, OFF_R(data_size), bad[i]);
		assert_rejected(decode_exact(buf2, len, &m), &m, "data_size");
		/* enough header survived to answer */
		assert_int_equal(m.req.seq, 31);
		assert_int_equal(m.req.luid, TEST_LUID);
		assert_int_equal(m.type, DM_ULOG_MARK_REGION);
	}
}

static void test_oversize_payload(void **state)
{
	struct ulog_msg m;
	size_t len;

	(void)state;
	make_request(buf, DM_ULOG_CTR, 3);
	memset(buf + OFF_DATA, '1', ULOG_MAX_PAYLOAD + 8);
	len = resize_frame(buf, ULOG_MAX_PAYLOAD);
	assert_int_equal(decode_exact(buf, len, &m), ULOG_OK);
	for (size_t n = ULOG_MAX_PAYLOAD + 1; n <= ULOG_MAX_PAYLOAD + 8; n++) {
		len = resize_frame(buf, n);
		assert_rejected(decode_exact(buf, len, &m), &m, "exceeds");
		assert_int_equal(m.req.seq, 3);
	}
	/* the biggest frame cn_msg.len can describe */
	memset(buf + OFF_DATA, '1', BUF_LEN - OFF_DATA);
	len = resize_frame(buf, 0xffff - sizeof(struct dm_ulog_request));
	assert_rejected(decode_exact(buf, len, &m), &m, "exceeds");
}

static void test_wrong_version(void **state)
{
	struct ulog_msg m;
	size_t len = make_request(buf, DM_ULOG_IN_SYNC, 12);
	const uint32_t versions[] = { 0, 1, 2, 4, 0x03000000, UINT32_MAX };

	(void)state;
	for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
		memcpy(buf2, buf, len);
		put32(buf2, OFF_R(version), versions[i]);
		assert_rejected(decode_exact(buf2, len, &m), &m, "version");
		assert_int_equal(m.req.version, versions[i]);
		assert_int_equal(m.req.seq, 12);
	}
}

static void test_uuid_termination(void **state)
{
	struct ulog_msg m;
	size_t len = make_request(buf, DM_ULOG_DTR, 12);

	(void)state;
	memcpy(buf2, buf, len);
	memset(buf2 + OFF_R(uuid), 'A', DM_UUID_LEN);
	assert_rejected(decode_exact(buf2, len, &m), &m, "uuid");
	/* a NUL in the padding does not count */
	buf2[OFF_R(padding)] = '\0';
	assert_rejected(decode_exact(buf2, len, &m), &m, "uuid");
	/* NUL in the last byte: 128-character uuid */
	buf2[OFF_R(uuid) + DM_UUID_LEN - 1] = '\0';
	assert_int_equal(decode_exact(buf2, len, &m), ULOG_OK);
	assert_int_equal(strlen(m.req.uuid), DM_UUID_LEN - 1);
}

static void test_unknown_types(void **state)
{
	struct ulog_msg m;
	size_t len = make_request(buf, DM_ULOG_DTR, 12);
	const uint32_t types[] = { 0, 18, 19, 0x7f, 0xff, 0x100, 0x1200,
				   0xffffff00 };

	(void)state;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		memcpy(buf2, buf, len);
		put32(buf2, OFF_R(request_type), types[i]);
		assert_rejected(decode_exact(buf2, len, &m), &m,
				"unknown request type");
		assert_int_equal(m.req.request_type, types[i]);
	}
}

static void test_reserved_type_bits_kept(void **state)
{
	struct ulog_msg m;
	uint32_t type;

	(void)state;
	for (type = 1; type <= 17; type++) {
		size_t len = make_request(buf, type, 12);
		uint32_t rt = 0xabcd0000u | 0x100u | type;
		size_t rlen;

		put32(buf, OFF_R(request_type), rt);
		assert_int_equal(decode_exact(buf, len, &m), ULOG_OK);
		assert_int_equal(m.type, type);
		assert_int_equal(m.req.request_type, rt);
		/* echoed as-is in the reply */
		assert_int_equal(ulog_decode(buf, len, &m, why, sizeof(why)),
				 ULOG_OK);
		rlen = ulog_encode_reply(buf2, BUF_LEN, &m, 0, NULL, 0);
		assert_int_not_equal(rlen, 0);
		assert_int_equal(get32(buf2, OFF_R(request_type)), rt);
	}
}

/* ---- payload size per type -------------------------------------------- */

static void test_payload_sizes_per_type(void **state)
{
	const size_t sizes[] = { 0, 1, 2, 4, 7, 8, 9, 12, 15, 16, 17, 23, 24,
				 32, 256, 328, 331, 332 };
	uint32_t type;

	(void)state;
	for (type = 1; type <= 17; type++) {
		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			struct ulog_msg m;
			size_t len, n = sizes[i];
			enum ulog_verdict v;

			make_request(buf, type, 77);
			memset(buf + OFF_DATA, 0x5a, n);
			len = resize_frame(buf, n);
			v = decode_exact(buf, len, &m);
			if (size_ok(type, n)) {
				if (v != ULOG_OK)
					fail_msg("%s size %zu: %s",
						 ulog_type_name(type), n, why);
				assert_int_equal(m.payload_len, n);
				continue;
			}
			assert_rejected(v, &m, ulog_type_name(type));
			assert_int_equal(m.req.seq, 77);
		}
	}
}

static void test_payload_size_messages(void **state)
{
	struct ulog_msg m;
	size_t len;

	(void)state;
	make_request(buf, DM_ULOG_FLUSH, 1);
	len = resize_frame(buf, 12);
	(void)decode_exact(buf, len, &m);
	assert_string_equal(why, "FLUSH payload 12 bytes is not a multiple "
			    "of 8");
	make_request(buf, DM_ULOG_IN_SYNC, 1);
	len = resize_frame(buf, 16);
	(void)decode_exact(buf, len, &m);
	assert_string_equal(why, "IN_SYNC payload 16 bytes is not 8");
	make_request(buf, DM_ULOG_SET_REGION_SYNC, 1);
	len = resize_frame(buf, 8);
	(void)decode_exact(buf, len, &m);
	assert_string_equal(why, "SET_REGION_SYNC payload 8 bytes is not 16");
	make_request(buf, DM_ULOG_RESUME, 1);
	len = resize_frame(buf, 4);
	(void)decode_exact(buf, len, &m);
	assert_why_contains("RESUME payload 4 bytes");
	make_request(buf, DM_ULOG_CTR, 1);
	len = resize_frame(buf, 0);
	(void)decode_exact(buf, len, &m);
	assert_why_contains("CTR payload is empty");
}

static void test_ctr_payload_forms(void **state)
{
	struct ulog_msg m;
	size_t len;

	(void)state;
	/* re-sent CTR carries a trailing NUL; the first one does not */
	len = ulog_encode_request(buf, BUF_LEN, 1, DM_ULOG_CTR, 1, "u",
				  ctr_str, sizeof(ctr_str));
	assert_int_equal(decode_exact(buf, len, &m), ULOG_OK);
	assert_int_equal(m.payload_len, sizeof(ctr_str));
	len = ulog_encode_request(buf, BUF_LEN, 1, DM_ULOG_CTR, 1, "u",
				  ctr_str, 1);
	assert_int_equal(decode_exact(buf, len, &m), ULOG_OK);
	assert_int_equal(m.payload_len, 1);
}

/* ---- alignment -------------------------------------------------------- */

static void test_unaligned_buffers(void **state)
{
	uint32_t type;

	(void)state;
	for (type = 1; type <= 17; type++) {
		for (size_t off = 1; off < 8; off++) {
			uint8_t payload[ULOG_MAX_PAYLOAD];
			size_t n = valid_payload(type, payload);
			struct ulog_msg m, r;
			size_t len, rlen;

			len = ulog_encode_request(buf + off, BUF_LEN - off, 40,
						  type, TEST_LUID, TEST_UUID,
						  payload, n);
			assert_int_equal(len, ULOG_HDR_LEN + n);
			assert_int_equal(ulog_decode(buf + off, len, &m, why,
						     sizeof(why)), ULOG_OK);
			check_decoded_request(&m, type, 40, payload, n);
			rlen = ulog_encode_reply(buf2 + 8 - off,
						 BUF_LEN - 8, &m, -EIO,
						 payload, n);
			assert_int_equal(rlen, ULOG_HDR_LEN + n);
			assert_int_equal(ulog_decode_reply(buf2 + 8 - off,
							   rlen, &r, why,
							   sizeof(why)),
					 ULOG_OK);
			assert_int_equal(r.req.error, -EIO);
			assert_int_equal(r.req.seq, 40);
		}
	}
}

/* ---- replies ---------------------------------------------------------- */

static void test_reply_echoes_request(void **state)
{
	uint8_t data[16] = { 9, 8, 7, 6, 5, 4, 3, 2, 1 };
	struct ulog_msg m, r;
	size_t len, rlen;

	(void)state;
	len = make_request(buf, DM_ULOG_GET_RESYNC_WORK, 0xdeadbeef);
	put32(buf, OFF_CN_SEQ, 0x1234);	/* cn seq differs from req.seq */
	assert_int_equal(ulog_decode(buf, len, &m, why, sizeof(why)),
			 ULOG_OK);
	memset(buf2, 0xa5, sizeof(buf2));
	rlen = ulog_encode_reply(buf2, BUF_LEN, &m, 0, data, sizeof(data));
	assert_int_equal(rlen, NLMSG_LENGTH(20 + 160 + sizeof(data)));
	assert_int_equal(buf2[rlen], 0xa5);
	assert_int_equal(get32(buf2, OFF_NL_LEN), rlen);
	assert_int_equal(get16(buf2, OFF_NL_TYPE), NLMSG_DONE);
	assert_int_equal(get16(buf2, OFF_NL_FLAGS), 0);
	assert_int_equal(get32(buf2, OFF_NL_SEQ), 0);
	assert_int_equal(get32(buf2, OFF_NL_PID), 0);
	assert_int_equal(get32(buf2, OFF_CN_IDX), CN_IDX_DM);
	assert_int_equal(get32(buf2, OFF_CN_VAL), CN_VAL_DM_USERSPACE_LOG);
	assert_int_equal(get32(buf2, OFF_CN_SEQ), 0x1234);
	assert_int_equal(get32(buf2, OFF_CN_ACK), 0);
	assert_int_equal(get16(buf2, OFF_CN_LEN), 160 + sizeof(data));
	assert_int_equal(get16(buf2, OFF_CN_FLAGS), 0);
	assert_int_equal(get64(buf2, OFF_R(luid)), TEST_LUID);
	assert_memory_equal(buf2 + OFF_R(uuid), buf + OFF_R(uuid),
			    DM_UUID_LEN);
	assert_int_equal(get32(buf2, OFF_R(version)), 3);
	assert_int_equal(get32(buf2, OFF_R(error)), 0);
	assert_int_equal(get32(buf2, OFF_R(seq)), 0xdeadbeef);
	assert_int_equal(get32(buf2, OFF_R(request_type)),
			 DM_ULOG_GET_RESYNC_WORK);
	assert_int_equal(get32(buf2, OFF_R(data_size)), sizeof(data));
	assert_memory_equal(buf2 + OFF_DATA, data, sizeof(data));

	assert_int_equal(ulog_decode_reply(buf2, rlen, &r, why, sizeof(why)),
			 ULOG_OK);
	assert_int_equal(r.cn_seq, 0x1234);
	assert_int_equal(r.req.seq, 0xdeadbeef);
	assert_int_equal(r.req.luid, TEST_LUID);
	assert_string_equal(r.req.uuid, TEST_UUID);
	assert_int_equal(r.payload_len, sizeof(data));
	assert_memory_equal(r.payload, data, sizeof(data));
}

static void test_reply_errors_and_limits(void **state)
{
	uint8_t data[ULOG_MAX_PAYLOAD + 1];
	struct ulog_msg m, r;
	size_t len, rlen;

	(void)state;
	memset(data, 'd', sizeof(data));
	len = make_request(buf, DM_ULOG_STATUS_INFO, 8);
	assert_int_equal(ulog_decode(buf, len, &m, why, sizeof(why)),
			 ULOG_OK);
	assert_int_equal(ulog_encode_reply(buf2, BUF_LEN, &m, 0, data,
					   ULOG_MAX_PAYLOAD + 1), 0);
	assert_int_equal(ulog_encode_reply(buf2, BUF_LEN, &m, 0, data,
					   SIZE_MAX), 0);
	assert_int_equal(ulog_encode_reply(buf2, BUF_LEN, &m, 0, NULL, 4), 0);
	assert_int_equal(ulog_encode_reply(NULL, BUF_LEN, &m, 0, NULL, 0), 0);
	assert_int_equal(ulog_encode_reply(buf2, BUF_LEN, NULL, 0, NULL, 0),
			 0);
	for (size_t cap = 0; cap < ULOG_HDR_LEN + 10; cap++)
		assert_int_equal(ulog_encode_reply(buf2, cap, &m, 0, data, 10),
				 0);
	rlen = ulog_encode_reply(buf2, ULOG_HDR_LEN + 10, &m, 0, data, 10);
	assert_int_equal(rlen, ULOG_HDR_LEN + 10);
	rlen = ulog_encode_reply(buf2, BUF_LEN, &m, 0, data,
				 ULOG_MAX_PAYLOAD);
	assert_int_equal(rlen, ULOG_MAX_FRAME);
	assert_int_equal(ulog_decode_reply(buf2, rlen, &r, why, sizeof(why)),
			 ULOG_OK);
	assert_int_equal(r.payload_len, ULOG_MAX_PAYLOAD);
	/* errors travel as negative errno */
	rlen = ulog_encode_reply(buf2, BUF_LEN, &m, -ENOSPC, NULL, 0);
	assert_int_equal(ulog_decode_reply(buf2, rlen, &r, why, sizeof(why)),
			 ULOG_OK);
	assert_int_equal(r.req.error, -ENOSPC);
	assert_int_equal(r.payload_len, 0);
	assert_null(r.payload);
}

/* The payload may be built in place right after the header. */
static void test_reply_in_place_payload(void **state)
{
	struct ulog_msg m, r;
	size_t len, rlen;
	const char name[] = "253:4";

	(void)state;
	len = make_request(buf, DM_ULOG_CTR, 8);
	assert_int_equal(ulog_decode(buf, len, &m, why, sizeof(why)),
			 ULOG_OK);
	memcpy(buf2 + ULOG_HDR_LEN, name, sizeof(name));
	rlen = ulog_encode_reply(buf2, BUF_LEN, &m, 0, buf2 + ULOG_HDR_LEN,
				 sizeof(name));
	assert_int_equal(ulog_decode_reply(buf2, rlen, &r, why, sizeof(why)),
			 ULOG_OK);
	assert_string_equal((const char *)r.payload, name);
}

/* Replies may carry any payload size for any type. */
static void test_decode_reply_any_size(void **state)
{
	uint8_t data[ULOG_MAX_PAYLOAD] = { 0 };
	uint32_t type;

	(void)state;
	for (type = 1; type <= 17; type++) {
		for (size_t n = 0; n <= ULOG_MAX_PAYLOAD; n += 3) {
			struct ulog_msg m, r;
			size_t len = make_request(buf, type, 2), rlen;

			assert_int_equal(ulog_decode(buf, len, &m, why,
						     sizeof(why)), ULOG_OK);
			rlen = ulog_encode_reply(buf2, BUF_LEN, &m, 0, data, n);
			assert_int_equal(ulog_decode_reply(buf2, rlen, &r, why,
							   sizeof(why)),
					 ULOG_OK);
			assert_int_equal(r.payload_len, n);
		}
	}
}

static void test_decode_reply_validation(void **state)
{
	struct ulog_msg m, r;
	size_t len = make_request(buf, DM_ULOG_IS_CLEAN, 2), rlen;

	(void)state;
	assert_int_equal(ulog_decode(buf, len, &m, why, sizeof(why)), ULOG_OK);
	rlen = ulog_encode_reply(buf2, BUF_LEN, &m, -EIO, "12345678", 8);
	put32(buf2, OFF_R(version), 2);
	assert_rejected(ulog_decode_reply(buf2, rlen, &r, why, sizeof(why)),
			&r, "version");
	rlen = ulog_encode_reply(buf2, BUF_LEN, &m, 0, "12345678", 8);
	put32(buf2, OFF_R(data_size), 9);
	assert_rejected(ulog_decode_reply(buf2, rlen, &r, why, sizeof(why)),
			&r, "data_size");
	rlen = ulog_encode_reply(buf2, BUF_LEN, &m, 0, "12345678", 8);
	put32(buf2, OFF_CN_VAL, 2);
	assert_dropped(ulog_decode_reply(buf2, rlen, &r, why, sizeof(why)),
		       "connector id");
	rlen = ulog_encode_reply(buf2, BUF_LEN, &m, 0, "12345678", 8);
	for (size_t p = 0; p < rlen; p++) {
		uint8_t *copy;

		copy = dup_exact(buf2, p);
		assert_int_equal(ulog_decode_reply(copy, p, &r, why,
						   sizeof(why)), ULOG_DROP);
		free(copy);
	}
}

/* A rejected request can still be answered, and the kernel would match
 * the answer by req.seq. */
static void test_reject_then_reply(void **state)
{
	struct ulog_msg m, r;
	size_t len, rlen;

	(void)state;
	make_request(buf, DM_ULOG_FLUSH, 4242);
	len = resize_frame(buf, 12);
	assert_int_equal(ulog_decode(buf, len, &m, why, sizeof(why)),
			 ULOG_REJECT);
	rlen = ulog_encode_reply(buf2, BUF_LEN, &m, m.req.error, NULL, 0);
	assert_int_not_equal(rlen, 0);
	assert_int_equal(ulog_decode_reply(buf2, rlen, &r, why, sizeof(why)),
			 ULOG_OK);
	assert_int_equal(r.req.seq, 4242);
	assert_int_equal(r.req.error, -EINVAL);
	assert_int_equal(r.type, DM_ULOG_FLUSH);
}

/* ---- misc ------------------------------------------------------------- */

static void test_type_names(void **state)
{
	static const char *const names[] = {
		"UNKNOWN", "CTR", "DTR", "PRESUSPEND", "POSTSUSPEND",
		"RESUME", "GET_REGION_SIZE", "IS_CLEAN", "IN_SYNC", "FLUSH",
		"MARK_REGION", "CLEAR_REGION", "GET_RESYNC_WORK",
		"SET_REGION_SYNC", "GET_SYNC_COUNT", "STATUS_INFO",
		"STATUS_TABLE", "IS_REMOTE_RECOVERING",
	};

	(void)state;
	for (uint32_t t = 0; t <= 17; t++)
		assert_string_equal(ulog_type_name(t), names[t]);
	assert_string_equal(ulog_type_name(18), "UNKNOWN");
	assert_string_equal(ulog_type_name(0x101), "UNKNOWN");
	assert_string_equal(ulog_type_name(UINT32_MAX), "UNKNOWN");
}

static void test_why_optional_and_bounded(void **state)
{
	struct ulog_msg m;
	char small[8];
	size_t len = make_request(buf, DM_ULOG_FLUSH, 1);

	(void)state;
	len = resize_frame(buf, 12);
	assert_int_equal(ulog_decode(buf, len, &m, NULL, 0), ULOG_REJECT);
	assert_int_equal(ulog_decode(buf, len, &m, NULL, 100), ULOG_REJECT);
	memset(small, 'z', sizeof(small));
	assert_int_equal(ulog_decode(buf, len, &m, small, 0), ULOG_REJECT);
	assert_int_equal(small[0], 'z');
	assert_int_equal(ulog_decode(buf, len, &m, small, sizeof(small)),
			 ULOG_REJECT);
	assert_string_equal(small, "FLUSH p");
	assert_int_equal(ulog_decode(buf, 3, &m, small, sizeof(small)),
			 ULOG_DROP);
	assert_int_equal(strlen(small), sizeof(small) - 1);
}

/* Deterministic random corruption of valid frames: whatever the verdict,
 * the codec's promises hold and nothing is read out of bounds. */
static uint32_t rng_state = 0x2545f491u;

static uint32_t rng(void)
{
	/* xorshift32, with the shifts done in 64 bits so that no bits are
	 * shifted out (keeps -fsanitize=integer quiet) */
	uint64_t x = rng_state;

	x ^= (x << 13) & UINT32_MAX;
	x ^= x >> 17;
	x ^= (x << 5) & UINT32_MAX;
	rng_state = (uint32_t)x;
	return rng_state;
}

static void mutate(uint8_t *b, size_t *len)
{
	switch (rng() % 4) {
	case 0:
		b[rng() % *len] ^= (uint8_t)(1u << (rng() % 8));
		break;
	case 1:
		b[rng() % *len] = (uint8_t)rng();
		break;
	case 2:
		*len = rng() % (*len + 1);
		break;
	default:
		put32(b, (rng() % (*len / 4)) * 4, rng() % 600);
		break;
	}
}

static void test_random_corruption(void **state)
{
	(void)state;
	for (int iter = 0; iter < 20000; iter++) {
		uint32_t type = rng() % 19;
		size_t len = make_request(buf, type ? type : 1, 1);
		int rounds = 1 + (int)(rng() % 4);
		struct ulog_msg m;
		uint8_t *p;
		enum ulog_verdict v;

		for (int i = 0; i < rounds && len > 4; i++)
			mutate(buf, &len);
		p = dup_exact(buf, len);
		v = ulog_decode(p, len, &m, why, sizeof(why));
		if (v == ULOG_OK) {
			assert_int_equal(m.payload_len, m.req.data_size);
			assert_true(m.payload_len <= ULOG_MAX_PAYLOAD);
			assert_true(size_ok(m.type, m.payload_len));
			if (m.payload_len)
				assert_true(m.payload + m.payload_len <=
					    p + len);
		} else if (v == ULOG_REJECT) {
			assert_int_equal(m.req.error, -EINVAL);
			assert_null(m.payload);
		} else {
			assert_int_equal(v, ULOG_DROP);
		}
		assert_true(why[0] != '\0' || v == ULOG_OK);
		(void)ulog_decode_reply(p, len, &m, why, sizeof(why));
		free(p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_all_types),
		cmocka_unit_test(test_request_wire_layout),
		cmocka_unit_test(test_encode_request_limits),
		cmocka_unit_test(test_truncated_every_prefix),
		cmocka_unit_test(test_truncated_consistent_nlmsg_len),
		cmocka_unit_test(test_truncated_consistent_cn_len),
		cmocka_unit_test(test_short_and_null),
		cmocka_unit_test(test_bad_nlmsg_len),
		cmocka_unit_test(test_bad_nlmsg_type),
		cmocka_unit_test(test_bad_cn_id),
		cmocka_unit_test(test_cn_len_mismatch),
		cmocka_unit_test(test_cn_len_too_short_for_request),
		cmocka_unit_test(test_ack_frame_dropped),
		cmocka_unit_test(test_alignment_padding_accepted),
		cmocka_unit_test(test_data_size_mismatch),
		cmocka_unit_test(test_oversize_payload),
		cmocka_unit_test(test_wrong_version),
		cmocka_unit_test(test_uuid_termination),
		cmocka_unit_test(test_unknown_types),
		cmocka_unit_test(test_reserved_type_bits_kept),
		cmocka_unit_test(test_payload_sizes_per_type),
		cmocka_unit_test(test_payload_size_messages),
		cmocka_unit_test(test_ctr_payload_forms),
		cmocka_unit_test(test_unaligned_buffers),
		cmocka_unit_test(test_reply_echoes_request),
		cmocka_unit_test(test_reply_errors_and_limits),
		cmocka_unit_test(test_reply_in_place_payload),
		cmocka_unit_test(test_decode_reply_any_size),
		cmocka_unit_test(test_decode_reply_validation),
		cmocka_unit_test(test_reject_then_reply),
		cmocka_unit_test(test_type_names),
		cmocka_unit_test(test_why_optional_and_bounded),
		cmocka_unit_test(test_random_corruption),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
