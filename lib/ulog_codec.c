/* Frame codec for dm-log-userspace messages (see ulog_codec.h).
 *
 * Every header is copied out of the caller's buffer with memcpy before a
 * field is looked at, so the buffer may have any alignment, and every
 * offset is compared against the bytes actually present first. */
#include "ulog_codec.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define CN_HDR_LEN	sizeof(struct cn_msg)
#define REQ_HDR_LEN	sizeof(struct dm_ulog_request)
#define CN_OFF		((size_t)NLMSG_HDRLEN)
#define REQ_OFF		(CN_OFF + CN_HDR_LEN)
#define DATA_OFF	(REQ_OFF + REQ_HDR_LEN)
/* The largest NLMSG alignment padding a sender may count in nlmsg_len
 * beyond cn_msg.len. */
#define MAX_ALIGN_PAD	(NLMSG_ALIGNTO - 1u)

_Static_assert(sizeof(struct cn_msg) == 20, "cn_msg must be 20 bytes");
_Static_assert(sizeof(struct dm_ulog_request) == 160,
	       "dm_ulog_request must be 160 bytes");
_Static_assert(ULOG_HDR_LEN == 196, "frame header must be 196 bytes");
_Static_assert(REQ_HDR_LEN + ULOG_MAX_PAYLOAD <= UINT16_MAX,
	       "cn_msg.len must be able to hold a full request");

/* How big the payload of each request type must be (to the daemon). */
enum payload_rule {
	PAY_STRING,		/* CTR: at least one byte */
	PAY_NONE,		/* exactly 0 */
	PAY_U64,		/* exactly 8 */
	PAY_U64_ARRAY,		/* any multiple of 8, 0 included */
	PAY_U64_PAIR,		/* exactly 16 */
};

struct type_info {
	const char *name;
	enum payload_rule rule;
};

static const struct type_info type_table[] = {
	[DM_ULOG_CTR]			= { "CTR", PAY_STRING },
	[DM_ULOG_DTR]			= { "DTR", PAY_NONE },
	[DM_ULOG_PRESUSPEND]		= { "PRESUSPEND", PAY_NONE },
	[DM_ULOG_POSTSUSPEND]		= { "POSTSUSPEND", PAY_NONE },
	[DM_ULOG_RESUME]		= { "RESUME", PAY_NONE },
	[DM_ULOG_GET_REGION_SIZE]	= { "GET_REGION_SIZE", PAY_NONE },
	[DM_ULOG_IS_CLEAN]		= { "IS_CLEAN", PAY_U64 },
	[DM_ULOG_IN_SYNC]		= { "IN_SYNC", PAY_U64 },
	[DM_ULOG_FLUSH]			= { "FLUSH", PAY_U64_ARRAY },
	[DM_ULOG_MARK_REGION]		= { "MARK_REGION", PAY_U64_ARRAY },
	[DM_ULOG_CLEAR_REGION]		= { "CLEAR_REGION", PAY_U64_ARRAY },
	[DM_ULOG_GET_RESYNC_WORK]	= { "GET_RESYNC_WORK", PAY_NONE },
	[DM_ULOG_SET_REGION_SYNC]	= { "SET_REGION_SYNC", PAY_U64_PAIR },
	[DM_ULOG_GET_SYNC_COUNT]	= { "GET_SYNC_COUNT", PAY_NONE },
	[DM_ULOG_STATUS_INFO]		= { "STATUS_INFO", PAY_NONE },
	[DM_ULOG_STATUS_TABLE]		= { "STATUS_TABLE", PAY_NONE },
	[DM_ULOG_IS_REMOTE_RECOVERING]	=
		{ "IS_REMOTE_RECOVERING", PAY_U64 },
};

#define TYPE_MAX (sizeof(type_table) / sizeof(type_table[0]) - 1u)

static bool type_known(uint32_t type)
{
	return type >= 1 && type <= TYPE_MAX;
}

const char *ulog_type_name(uint32_t type)
{
	return type_known(type) ? type_table[type].name : "UNKNOWN";
}

static void set_why(char *why, size_t whylen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_why(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (!why || whylen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

static enum ulog_verdict reject(struct ulog_msg *m, char *why, size_t whylen,
				const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Header intact, request unusable: answer it with -EINVAL. The payload
 * is never handed out with a REJECT. */
static enum ulog_verdict reject(struct ulog_msg *m, char *why, size_t whylen,
				const char *fmt, ...)
{
	va_list ap;

	m->req.error = -EINVAL;
	m->payload = NULL;
	m->payload_len = 0;
	if (why && whylen) {
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return ULOG_REJECT;
}

/* nlmsghdr and cn_msg: everything that decides whether the frame can be
 * answered at all. On success *cn holds the connector header and the
 * frame is known to hold a full dm_ulog_request. */
static enum ulog_verdict check_envelope(const uint8_t *p, size_t len,
					struct cn_msg *cn, char *why,
					size_t whylen)
{
	struct nlmsghdr nlh;
	size_t rest;

	if (len < NLMSG_HDRLEN) {
		set_why(why, whylen, "frame of %zu bytes is shorter than "
			"a netlink header", len);
		return ULOG_DROP;
	}
	memcpy(&nlh, p, sizeof(nlh));
	if (nlh.nlmsg_len < REQ_OFF) {
		set_why(why, whylen, "nlmsg_len %u is shorter than the "
			"netlink and connector headers", nlh.nlmsg_len);
		return ULOG_DROP;
	}
	if (nlh.nlmsg_len > len) {
		set_why(why, whylen, "nlmsg_len %u exceeds the %zu bytes "
			"received", nlh.nlmsg_len, len);
		return ULOG_DROP;
	}
	if (nlh.nlmsg_type != NLMSG_DONE) {
		set_why(why, whylen, "nlmsg_type %u is not NLMSG_DONE",
			(unsigned int)nlh.nlmsg_type);
		return ULOG_DROP;
	}
	memcpy(cn, p + CN_OFF, sizeof(*cn));
	if (cn->id.idx != CN_IDX_DM || cn->id.val != CN_VAL_DM_USERSPACE_LOG) {
		set_why(why, whylen, "connector id {%u,%u} is not "
			"dm-log-userspace", cn->id.idx, cn->id.val);
		return ULOG_DROP;
	}
	rest = nlh.nlmsg_len - REQ_OFF;
	if (cn->len > rest || rest - cn->len > MAX_ALIGN_PAD) {
		set_why(why, whylen, "cn_msg.len %u does not match the %zu "
			"bytes that follow it", (unsigned int)cn->len, rest);
		return ULOG_DROP;
	}
	if (cn->len == 0) {
		set_why(why, whylen, "connector ack frame (ack %u), "
			"not a request", cn->ack);
		return ULOG_DROP;
	}
	if (cn->len < REQ_HDR_LEN) {
		set_why(why, whylen, "cn_msg.len %u is shorter than a "
			"dm_ulog_request", (unsigned int)cn->len);
		return ULOG_DROP;
	}
	return ULOG_OK;
}

/* Checks on the dm_ulog_request header shared by requests and replies. */
static enum ulog_verdict check_request_header(struct ulog_msg *m,
					      size_t cn_len, char *why,
					      size_t whylen)
{
	const struct dm_ulog_request *r = &m->req;
	size_t present = cn_len - REQ_HDR_LEN;

	if (r->data_size != present)
		return reject(m, why, whylen, "data_size %u does not match "
			      "the %zu payload bytes present",
			      r->data_size, present);
	if (r->data_size > ULOG_MAX_PAYLOAD)
		return reject(m, why, whylen, "data_size %u exceeds the "
			      "%u byte maximum", r->data_size,
			      ULOG_MAX_PAYLOAD);
	if (r->version != DM_ULOG_REQUEST_VERSION)
		return reject(m, why, whylen, "version %u is not %u",
			      r->version, DM_ULOG_REQUEST_VERSION);
	if (!memchr(r->uuid, '\0', sizeof(r->uuid)))
		return reject(m, why, whylen, "uuid is not NUL-terminated "
			      "within %d bytes", DM_UUID_LEN);
	if (!type_known(m->type))
		return reject(m, why, whylen, "unknown request type %u "
			      "(request_type 0x%x)", m->type,
			      r->request_type);
	return ULOG_OK;
}

static enum ulog_verdict check_payload_size(struct ulog_msg *m, char *why,
					    size_t whylen)
{
	size_t n = m->payload_len;
	const char *name = ulog_type_name(m->type);

	switch (type_table[m->type].rule) {
	case PAY_STRING:
		if (n == 0)
			return reject(m, why, whylen, "%s payload is empty",
				      name);
		break;
	case PAY_NONE:
		if (n != 0)
			return reject(m, why, whylen, "%s payload %zu bytes "
				      "where none are expected", name, n);
		break;
	case PAY_U64:
		if (n != 8)
			return reject(m, why, whylen, "%s payload %zu bytes "
				      "is not 8", name, n);
		break;
	case PAY_U64_ARRAY:
		if (n % 8 != 0)
			return reject(m, why, whylen, "%s payload %zu bytes "
				      "is not a multiple of 8", name, n);
		break;
	case PAY_U64_PAIR:
		if (n != 16)
			return reject(m, why, whylen, "%s payload %zu bytes "
				      "is not 16", name, n);
		break;
	}
	return ULOG_OK;
}

/* Envelope plus request header; fills *m. Shared by both decoders. */
static enum ulog_verdict decode_common(const void *buf, size_t len,
				       struct ulog_msg *m, char *why,
				       size_t whylen)
{
	const uint8_t *p = buf;
	struct cn_msg cn;
	enum ulog_verdict v;

	memset(m, 0, sizeof(*m));
	if (why && whylen)
		why[0] = '\0';
	if (!buf) {
		set_why(why, whylen, "no buffer");
		return ULOG_DROP;
	}
	v = check_envelope(p, len, &cn, why, whylen);
	if (v != ULOG_OK)
		return v;
	m->cn_seq = cn.seq;
	m->cn_ack = cn.ack;
	memcpy(&m->req, p + REQ_OFF, sizeof(m->req));
	m->type = DM_ULOG_REQUEST_TYPE(m->req.request_type);
	v = check_request_header(m, cn.len, why, whylen);
	if (v != ULOG_OK)
		return v;
	/* data_size == cn.len - header, and the envelope check put cn.len
	 * inside the buffer: the payload is all there. */
	m->payload = m->req.data_size ? p + DATA_OFF : NULL;
	m->payload_len = m->req.data_size;
	return ULOG_OK;
}

enum ulog_verdict ulog_decode(const void *buf, size_t len,
			      struct ulog_msg *m, char *why, size_t whylen)
{
	enum ulog_verdict v = decode_common(buf, len, m, why, whylen);

	if (v != ULOG_OK)
		return v;
	return check_payload_size(m, why, whylen);
}

enum ulog_verdict ulog_decode_reply(const void *buf, size_t len,
				    struct ulog_msg *m, char *why,
				    size_t whylen)
{
	/* Replies carry any payload size up to the maximum and their own
	 * error, which survives an OK decode untouched. */
	return decode_common(buf, len, m, why, whylen);
}

/* Write nlmsghdr + cn_msg + request header + payload. The payload may
 * already sit at its final place in buf (memmove). */
static size_t encode_frame(void *buf, size_t cap, uint32_t nl_seq,
			   uint32_t cn_seq, const struct dm_ulog_request *req,
			   const void *data, size_t data_len)
{
	struct nlmsghdr nlh;
	struct cn_msg cn;
	size_t frame;
	uint8_t *p = buf;

	if (data_len > ULOG_MAX_PAYLOAD || (data_len && !data) || !buf)
		return 0;
	frame = NLMSG_LENGTH(CN_HDR_LEN + REQ_HDR_LEN + data_len);
	if (frame > cap)
		return 0;
	memset(&nlh, 0, sizeof(nlh));
	nlh.nlmsg_len = (uint32_t)frame;
	nlh.nlmsg_type = NLMSG_DONE;
	nlh.nlmsg_seq = nl_seq;
	memset(&cn, 0, sizeof(cn));
	cn.id.idx = CN_IDX_DM;
	cn.id.val = CN_VAL_DM_USERSPACE_LOG;
	cn.seq = cn_seq;
	cn.len = (uint16_t)(REQ_HDR_LEN + data_len);
	if (data_len)
		memmove(p + DATA_OFF, data, data_len);
	memcpy(p, &nlh, sizeof(nlh));
	memcpy(p + CN_OFF, &cn, sizeof(cn));
	memcpy(p + REQ_OFF, req, sizeof(*req));
	return frame;
}

size_t ulog_encode_reply(void *buf, size_t cap, const struct ulog_msg *m,
			 int error, const void *data, size_t data_len)
{
	struct dm_ulog_request r;

	if (!m)
		return 0;
	memset(&r, 0, sizeof(r));
	r.luid = m->req.luid;
	memcpy(r.uuid, m->req.uuid, sizeof(r.uuid));
	r.version = m->req.version;
	r.error = error;
	r.seq = m->req.seq;
	r.request_type = m->req.request_type;
	r.data_size = (uint32_t)data_len;
	return encode_frame(buf, cap, 0, m->cn_seq, &r, data, data_len);
}

size_t ulog_encode_request(void *buf, size_t cap, uint32_t seq,
			   uint32_t request_type, uint64_t luid,
			   const char *uuid, const void *data,
			   size_t data_len)
{
	struct dm_ulog_request r;

	memset(&r, 0, sizeof(r));
	r.luid = luid;
	/* Bounded copy, always NUL-terminated, rest zero-filled. */
	if (uuid)
		memcpy(r.uuid, uuid, strnlen(uuid, sizeof(r.uuid) - 1));
	r.version = DM_ULOG_REQUEST_VERSION;
	r.seq = seq;
	r.request_type = request_type;
	r.data_size = (uint32_t)data_len;
	return encode_frame(buf, cap, seq, seq, &r, data, data_len);
}
