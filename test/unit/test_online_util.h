/* Shared by the tests of dmlogctl's online commands: a dmlogd started
 * with --no-kernel on private sockets (dmlogd_harness.h), dmlogctl
 * pointed at its control socket, and a clustered-core log driven with
 * kernel-format frames into a known state.
 *
 * Include after <cmocka.h> and test_dmlogctl_util.h. */
#ifndef TEST_ONLINE_UTIL_H
#define TEST_ONLINE_UTIL_H

#include <linux/dm-log-userspace.h>

#include "helpers/dmlogd_harness.h"
#include "ulog_codec.h"

#define OL_UUID "LVM-onlinetest00000000000000000000000000000000000000000000000"
#define OL_LUID 77
/* 1024 regions of 8 sectors, all in sync */
#define OL_CTR "8192 clustered-core 8 nosync"

static UNUSED_FN int ol_req(int fd, uint32_t type, const void *data,
			    size_t len)
{
	uint64_t v;
	int err, rc = ulogc_call_u64(fd, type, OL_LUID, OL_UUID, data, len,
				     &v, &err);

	if (rc)
		fail_msg("%s: no reply: %s", ulog_type_name(type),
			 strerror(-rc));
	return err;
}

static UNUSED_FN void ol_mark(int fd, uint64_t region)
{
	assert_int_equal(ol_req(fd, DM_ULOG_MARK_REGION, &region,
				sizeof(region)), 0);
}

static UNUSED_FN void ol_set_sync(int fd, uint64_t region, int64_t in_sync)
{
	struct { uint64_t r; int64_t s; } q = { region, in_sync };

	assert_int_equal(ol_req(fd, DM_ULOG_SET_REGION_SYNC, &q, sizeof(q)),
			 0);
}

/* Start dmlogd, point dmlogctl at it, and build the log: regions 10-12
 * dirty (marked, flushed), region 5 out of sync. Returns the frame fd. */
static UNUSED_FN int ol_start(struct dmlogd_proc *d)
{
	static const char *const extra[] = { "--no-kernel", NULL };
	int r, fd;

	assert_int_equal(dmlogd_prepare(d, "dmlogd { log_level = \"info\" }\n"),
			 0);
	if ((r = dmlogd_start(d, extra)))
		fail_msg("dmlogd did not start (%d):\n%s", r,
			 dmlogd_log_text(d));
	setenv("DMLOG_CONTROL_SOCKET", d->ctl, 1);
	setenv("DMLOG_CONFIG", "/nonexistent/dmlog.conf", 1);
	fd = ulogc_connect(d->sock);
	assert_true(fd >= 0);
	assert_int_equal(ol_req(fd, DM_ULOG_CTR, OL_CTR, strlen(OL_CTR)), 0);
	assert_int_equal(ol_req(fd, DM_ULOG_RESUME, NULL, 0), 0);
	for (uint64_t i = 10; i <= 12; i++)
		ol_mark(fd, i);
	assert_int_equal(ol_req(fd, DM_ULOG_FLUSH, NULL, 0), 0);
	ol_set_sync(fd, 5, 0);
	return fd;
}

#endif
