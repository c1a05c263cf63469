/* Codec for the frames dm-log-userspace exchanges over the netlink
 * connector, in both directions:
 *
 *   struct nlmsghdr | struct cn_msg | struct dm_ulog_request | payload
 *
 * The Unix-socket transport carries exactly the same frames, so one codec
 * serves both. Pure: no I/O, no allocation. Every length is checked
 * before it is used; nothing is read past `len`. */
#ifndef DMLOG_ULOG_CODEC_H
#define DMLOG_ULOG_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/netlink.h>
#include <linux/connector.h>
#include <linux/dm-log-userspace.h>

/* The kernel's preallocated request buffer leaves this much payload
 * (512 - sizeof(cn_msg) - sizeof(dm_ulog_request)). Replies never exceed
 * it and requests the kernel builds never do either. */
#define ULOG_MAX_PAYLOAD 332u

#define ULOG_HDR_LEN (NLMSG_HDRLEN + sizeof(struct cn_msg) + \
		      sizeof(struct dm_ulog_request))
#define ULOG_MAX_FRAME (ULOG_HDR_LEN + ULOG_MAX_PAYLOAD)

/* A decoded request. `req` is a copy of the wire header (aligned);
 * payload points into the caller's buffer. */
struct ulog_msg {
	uint32_t cn_seq;
	uint32_t cn_ack;
	struct dm_ulog_request req;
	uint32_t type;			/* DM_ULOG_REQUEST_TYPE(request_type) */
	const uint8_t *payload;
	size_t payload_len;
};

enum ulog_verdict {
	ULOG_OK = 0,		/* well formed: process it */
	ULOG_REJECT,		/* header intact, request invalid: reply
				 * with msg->req.error (negative errno) */
	ULOG_DROP,		/* cannot be answered: log and drop */
};

/* Decode and validate one frame. Checks nlmsg length and type, connector
 * id {CN_IDX_DM, CN_VAL_DM_USERSPACE_LOG}, cn_msg.len against the buffer,
 * data_size against cn_msg.len, version, request type and the payload size
 * each request type requires. On ULOG_REJECT, m->req.error holds the errno
 * to return; on REJECT and DROP `why` (if not NULL) says what was wrong. */
enum ulog_verdict ulog_decode(const void *buf, size_t len,
			      struct ulog_msg *m, char *why, size_t whylen);

/* Encode the reply to `m`: the request header echoed with error and
 * data_size set, followed by `data`. Returns the frame length, or 0 when
 * data_len > ULOG_MAX_PAYLOAD or the frame does not fit in cap. */
size_t ulog_encode_reply(void *buf, size_t cap, const struct ulog_msg *m,
			 int error, const void *data, size_t data_len);

/* Encode a request as the kernel would send it (tests, replayer). */
size_t ulog_encode_request(void *buf, size_t cap, uint32_t seq,
			   uint32_t request_type, uint64_t luid,
			   const char *uuid, const void *data,
			   size_t data_len);

/* Decode a reply frame (what the daemon sends back): for tests and the
 * replayer. Same validation rules as ulog_decode for the envelope. */
enum ulog_verdict ulog_decode_reply(const void *buf, size_t len,
				    struct ulog_msg *m, char *why,
				    size_t whylen);

/* "CTR", "FLUSH", ... or "UNKNOWN". */
const char *ulog_type_name(uint32_t type);

#endif
