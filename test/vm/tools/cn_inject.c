/* cn_inject - a local process impersonating the kernel on the netlink
 * connector, for the dmlogd-security VM scenario.
 *
 * usage: cn_inject UUID DMLOGD_PORT [TIMEOUT_SECONDS]
 *
 * 1. Joins connector group CN_IDX_DM (7) and sniffs a request the kernel
 *    sends for the log UUID, to learn its luid (the kernel pointer dmlogd
 *    keys its logs on): the forged frames below name the live log exactly.
 * 2. Sends a CTR and a DTR for (UUID, luid), each multicast to group 7 (as
 *    the kernel does) and unicast to dmlogd's port DMLOGD_PORT.
 * 3. Listens 1 s for anything dmlogd sends to us (it must not answer).
 * Prints "port P", "sniffed luid L type T", "sent N", "replies R"; exits 0
 * when it sniffed and sent everything, 2 when nothing was sniffed in time,
 * 1 on errors. Built in the guest with gcc by the scenario. */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/connector.h>
#include <linux/dm-log-userspace.h>
#include <linux/netlink.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static size_t build(void *buf, size_t cap, uint32_t port, uint32_t seq,
		    uint32_t type, uint64_t luid, const char *uuid,
		    const char *payload)
{
	size_t plen = payload ? strlen(payload) : 0;
	size_t len = NLMSG_LENGTH(sizeof(struct cn_msg) +
				  sizeof(struct dm_ulog_request) + plen);
	struct nlmsghdr *nlh = buf;
	struct cn_msg *cn;
	struct dm_ulog_request *rq;

	if (len > cap)
		return 0;
	memset(buf, 0, len);
	nlh->nlmsg_len = len;
	nlh->nlmsg_type = NLMSG_DONE;
	nlh->nlmsg_seq = seq;
	nlh->nlmsg_pid = port;
	cn = NLMSG_DATA(nlh);
	cn->id.idx = CN_IDX_DM;
	cn->id.val = CN_VAL_DM_USERSPACE_LOG;
	cn->seq = seq;
	cn->len = sizeof(*rq) + plen;
	rq = (struct dm_ulog_request *)cn->data;
	rq->luid = luid;
	snprintf(rq->uuid, sizeof(rq->uuid), "%s", uuid);
	rq->version = DM_ULOG_REQUEST_VERSION;
	rq->seq = seq;
	rq->request_type = type;
	rq->data_size = plen;
	if (plen)
		memcpy(rq->data, payload, plen);
	return len;
}

int main(int argc, char **argv)
{
	struct sockaddr_nl me = { .nl_family = AF_NETLINK,
				  .nl_groups = 1u << (CN_IDX_DM - 1) };
	socklen_t melen = sizeof(me);
	uint64_t buf[8192 / 8], frame[1024 / 8];
	int group = CN_IDX_DM, fd, timeout_s, sent = 0, replies = 0;
	uint32_t dport;
	uint64_t luid = 0, deadline;
	bool sniffed = false;
	const char *uuid;

	if (argc < 3) {
		fprintf(stderr, "usage: %s UUID DMLOGD_PORT [TIMEOUT]\n",
			argv[0]);
		return 1;
	}
	uuid = argv[1];
	dport = (uint32_t)strtoul(argv[2], NULL, 10);
	timeout_s = argc > 3 ? atoi(argv[3]) : 20;

	fd = socket(PF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_CONNECTOR);
	if (fd < 0 || bind(fd, (struct sockaddr *)&me, sizeof(me)) < 0 ||
	    setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group,
		       sizeof(group)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&me, &melen) < 0) {
		perror("cn_inject: netlink connector socket");
		return 1;
	}
	printf("port %u\n", me.nl_pid);
	fflush(stdout);

	/* 1. sniff the live log's luid from a kernel request */
	deadline = now_ms() + (uint64_t)timeout_s * 1000;
	while (!sniffed && now_ms() < deadline) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		struct sockaddr_nl from;
		socklen_t flen = sizeof(from);
		struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
		struct cn_msg *cn;
		struct dm_ulog_request *rq;
		ssize_t n;

		if (poll(&pfd, 1, 200) <= 0)
			continue;
		n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from,
			     &flen);
		if (n < (ssize_t)NLMSG_LENGTH(sizeof(*cn) + sizeof(*rq)) ||
		    from.nl_pid != 0)
			continue;
		cn = NLMSG_DATA(nlh);
		rq = (struct dm_ulog_request *)cn->data;
		if (cn->id.idx != CN_IDX_DM ||
		    cn->id.val != CN_VAL_DM_USERSPACE_LOG ||
		    strncmp(rq->uuid, uuid, sizeof(rq->uuid)))
			continue;
		luid = rq->luid;
		sniffed = true;
		printf("sniffed luid %" PRIu64 " type %u\n", luid,
		       rq->request_type & DM_ULOG_REQUEST_MASK);
	}
	if (!sniffed) {
		printf("sniffed nothing\n");
		return 2;
	}

	/* 2. forged CTR and DTR for the live log: multicast and unicast */
	{
		static const struct {
			uint32_t type;
			const char *payload;
		} forged[] = {
			{ DM_ULOG_CTR, "16384 clustered-core 256" },
			{ DM_ULOG_DTR, NULL },
		};
		struct sockaddr_nl to_group = { .nl_family = AF_NETLINK,
						.nl_groups = 1u << (CN_IDX_DM - 1) };
		struct sockaddr_nl to_daemon = { .nl_family = AF_NETLINK,
						 .nl_pid = dport };

		for (size_t i = 0; i < sizeof(forged) / sizeof(forged[0]); i++) {
			for (int dst = 0; dst < 2; dst++) {
				/* seq far from the kernel's counter: the kernel's
				 * connector callback also sees the multicast and
				 * would take a matching seq as a reply */
				uint32_t seq = 0xfff00000u + (uint32_t)(2 * i + dst);
				size_t len = build(frame, sizeof(frame), me.nl_pid, seq,
						   forged[i].type, luid, uuid,
						   forged[i].payload);
				const struct sockaddr_nl *to = dst ? &to_daemon : &to_group;

				if (sendto(fd, frame, len, 0, (const struct sockaddr *)to,
					   sizeof(*to)) != (ssize_t)len) {
					fprintf(stderr, "cn_inject: send %s to %s: %s\n",
						forged[i].type == DM_ULOG_CTR ? "CTR" : "DTR",
						dst ? "dmlogd's port" : "group 7",
						strerror(errno));
					continue;
				}
				sent++;
			}
		}
	}
	printf("sent %d\n", sent);

	/* 3. dmlogd must not answer us */
	deadline = now_ms() + 1000;
	while (now_ms() < deadline) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		struct sockaddr_nl from;
		socklen_t flen = sizeof(from);

		if (poll(&pfd, 1, 100) <= 0)
			continue;
		if (recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from,
			     &flen) > 0 && from.nl_pid == dport)
			replies++;
	}
	printf("replies %d\n", replies);
	return sent == 4 ? 0 : 1;
}
