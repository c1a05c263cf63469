/* Dispatcher: CTR/DTR, instances keyed by (uuid, luid), the -ESRCH
 * restart path and the hand-off rule. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "helpers/fake_store.h"
#include "lockmgr.h"
#include "log_engine.h"
#include "log_server.h"

struct env_state {
	int opened;
	int fail;
	bool handoff[8];
	int destroyed[8];
	bool taken;		/* dev_taken()'s answer */
	int taken_asked;
};

static int open_store(void *ctx, const struct ctr_params *p, const char *uuid,
		      struct lockmgr *lm, struct log_store **out, char *err,
		      size_t errlen)
{
	struct env_state *e = ctx;
	struct fake_store *fs;

	(void)p;
	(void)uuid;
	(void)lm;
	if (e->fail) {
		snprintf(err, errlen, "no such device");
		return e->fail;
	}
	fs = fake_store_new("253:9");
	fs->handoff_flag = &e->handoff[e->opened];
	fs->destroyed_flag = &e->destroyed[e->opened];
	e->opened++;
	*out = &fs->base;
	return 0;
}

static struct log_server *server(struct env_state *e)
{
	struct log_server_env env = { .open_store = open_store, .ctx = e };

	memset(e, 0, sizeof(*e));
	return log_server_new(&env);
}

static bool dev_taken(void *ctx, const struct ctr_params *p)
{
	struct env_state *e = ctx;

	assert_string_equal(p->log_dev, "253:9");
	e->taken_asked++;
	return e->taken;
}

static int send_req(struct log_server *srv, uint32_t type, const char *uuid,
		    uint64_t luid, const void *payload, size_t len,
		    char *out, size_t *out_len)
{
	struct ulog_msg m;
	static char scratch[ULOG_MAX_PAYLOAD];

	memset(&m, 0, sizeof(m));
	m.type = type;
	m.req.request_type = type;
	m.req.luid = luid;
	snprintf(m.req.uuid, sizeof(m.req.uuid), "%s", uuid);
	m.payload = payload;
	m.payload_len = len;
	return log_server_handle(srv, &m, out ? out : scratch,
				 ULOG_MAX_PAYLOAD, out_len);
}

static int ctr(struct log_server *srv, const char *uuid, uint64_t luid,
	       const char *str, bool with_nul, char *out, size_t *out_len)
{
	return send_req(srv, DM_ULOG_CTR, uuid, luid, str,
			strlen(str) + (with_nul ? 1 : 0), out, out_len);
}

static int simple(struct log_server *srv, uint32_t type, const char *uuid,
		  uint64_t luid)
{
	size_t len;

	return send_req(srv, type, uuid, luid, NULL, 0, NULL, &len);
}

static void test_ctr_core_and_requests(void **st)
{
	struct env_state e;
	struct log_server *srv = server(&e);
	char out[ULOG_MAX_PAYLOAD];
	size_t len = 99;
	uint64_t rs;

	(void)st;
	assert_int_equal(ctr(srv, "LVM-a", 1, "2048 clustered-core 1024", false,
			     out, &len), 0);
	assert_int_equal(len, 0);	/* core: no device to return */
	assert_int_equal(log_server_count(srv), 1);
	assert_int_equal(send_req(srv, DM_ULOG_GET_REGION_SIZE, "LVM-a", 1,
				  NULL, 0, (char *)&rs, &len), 0);
	assert_int_equal(rs, 1024);
	assert_int_equal(log_server_active(srv), 0);
	assert_int_equal(simple(srv, DM_ULOG_RESUME, "LVM-a", 1), 0);
	assert_int_equal(log_server_active(srv), 1);
	assert_int_equal(simple(srv, DM_ULOG_DTR, "LVM-a", 1), 0);
	assert_int_equal(log_server_count(srv), 0);
	log_server_free(srv);
}

static void test_bad_ctr(void **st)
{
	struct env_state e;
	struct log_server *srv = server(&e);
	size_t len;

	(void)st;
	assert_int_equal(ctr(srv, "u", 1, "2048 clustered-core 1000", false,
			     NULL, &len), -EINVAL);
	assert_int_equal(ctr(srv, "u", 1, "nonsense", false, NULL, &len),
			 -EINVAL);
	e.fail = -ENOENT;
	assert_int_equal(ctr(srv, "u", 1, "2048 clustered-disk /dev/x 1024",
			     false, NULL, &len), -ENOENT);
	assert_int_equal(log_server_count(srv), 0);
	log_server_free(srv);
}

static void test_ctr_disk_returns_device(void **st)
{
	struct env_state e;
	struct log_server *srv = server(&e);
	char out[ULOG_MAX_PAYLOAD];
	size_t len;

	(void)st;
	assert_int_equal(ctr(srv, "u", 1, "2048 clustered-disk 253:9 1024",
			     false, out, &len), 0);
	assert_int_equal(len, strlen("253:9") + 1);
	assert_string_equal(out, "253:9");
	/* the same CTR again (reply lost, kernel resent): same answer */
	assert_int_equal(ctr(srv, "u", 1, "2048 clustered-disk 253:9 1024",
			     false, out, &len), 0);
	assert_int_equal(log_server_count(srv), 1);
	assert_string_equal(out, "253:9");
	/* ... but not with different arguments */
	assert_int_equal(ctr(srv, "u", 1, "4096 clustered-disk 253:9 1024",
			     false, out, &len), -EEXIST);
	log_server_free(srv);
}

static void test_restart_path(void **st)
{
	struct env_state e;
	struct log_server *srv = server(&e);
	char out[ULOG_MAX_PAYLOAD];
	uint64_t region = 1;
	size_t len = 5;

	(void)st;
	/* a request for a log we never saw: the kernel must re-create it */
	assert_int_equal(send_req(srv, DM_ULOG_FLUSH, "u", 3, NULL, 0, out,
				  &len), -ESRCH);
	assert_int_equal(len, 0);
	assert_int_equal(send_req(srv, DM_ULOG_IN_SYNC, "u", 3, &region, 8,
				  out, &len), -ESRCH);
	/* room for the answer of the kernel's retry: it keeps this size */
	assert_int_equal(len, 8);
	assert_int_equal(send_req(srv, DM_ULOG_GET_RESYNC_WORK, "u", 3, NULL,
				  0, out, &len), -ESRCH);
	assert_int_equal(len, 16);
	/* DTR of an unknown log is a no-op */
	assert_int_equal(simple(srv, DM_ULOG_DTR, "u", 3), 0);
	/* the re-CTR ends in a NUL and has no reply buffer: no device */
	assert_int_equal(ctr(srv, "u", 3, "2048 clustered-disk 253:9 1024",
			     true, out, &len), 0);
	assert_int_equal(len, 0);
	assert_int_equal(simple(srv, DM_ULOG_RESUME, "u", 3), 0);
	assert_int_equal(send_req(srv, DM_ULOG_FLUSH, "u", 3, NULL, 0, out,
				  &len), 0);
	/* any error reply (-EAGAIN from a cluster log is resent at once)
	 * keeps the room of the normal answer too */
	region = 1u << 30;
	assert_int_equal(send_req(srv, DM_ULOG_IN_SYNC, "u", 3, &region, 8,
				  out, &len), -EINVAL);
	assert_int_equal(len, 8);
	log_server_free(srv);
}

static void test_two_instances_and_handoff(void **st)
{
	struct env_state e;
	struct log_server *srv = server(&e);
	const char *t = "2048 clustered-disk 253:9 1024";
	size_t len;

	(void)st;
	/* live table */
	assert_int_equal(ctr(srv, "u", 1, t, false, NULL, &len), 0);
	assert_int_equal(simple(srv, DM_ULOG_RESUME, "u", 1), 0);
	/* reload: new instance of the same uuid, then suspend/resume swap */
	assert_int_equal(ctr(srv, "u", 2, t, false, NULL, &len), 0);
	assert_int_equal(log_server_count(srv), 2);
	assert_int_equal(simple(srv, DM_ULOG_PRESUSPEND, "u", 1), 0);
	assert_int_equal(simple(srv, DM_ULOG_POSTSUSPEND, "u", 1), 0);
	assert_int_equal(simple(srv, DM_ULOG_RESUME, "u", 2), 0);
	assert_int_equal(simple(srv, DM_ULOG_DTR, "u", 1), 0);
	/* the old instance must not hand the device to the kernel format
	 * while the new one serves it */
	assert_int_equal(e.destroyed[0], 1);
	assert_false(e.handoff[0]);
	/* remove: suspend then DTR with nobody else: hand off */
	assert_int_equal(simple(srv, DM_ULOG_PRESUSPEND, "u", 2), 0);
	assert_int_equal(simple(srv, DM_ULOG_POSTSUSPEND, "u", 2), 0);
	assert_int_equal(log_server_active(srv), 0);
	assert_int_equal(simple(srv, DM_ULOG_DTR, "u", 2), 0);
	assert_true(e.handoff[1]);
	assert_int_equal(log_server_count(srv), 0);
	log_server_free(srv);
}

/* A reload to the kernel's own disk log: the new table is live on the
 * device when the old instance's DTR comes; no hand-off under it. */
static void test_no_handoff_under_a_live_kernel_log(void **st)
{
	struct env_state e;
	struct log_server_env env = { .open_store = open_store, .ctx = &e,
				      .log_dev_taken = dev_taken };
	struct log_server *srv;
	const char *t = "2048 clustered-disk 253:9 1024";
	size_t len;

	(void)st;
	memset(&e, 0, sizeof(e));
	srv = log_server_new(&env);
	e.taken = true;
	assert_int_equal(ctr(srv, "u", 1, t, false, NULL, &len), 0);
	assert_int_equal(simple(srv, DM_ULOG_RESUME, "u", 1), 0);
	assert_int_equal(simple(srv, DM_ULOG_PRESUSPEND, "u", 1), 0);
	assert_int_equal(simple(srv, DM_ULOG_POSTSUSPEND, "u", 1), 0);
	assert_int_equal(simple(srv, DM_ULOG_DTR, "u", 1), 0);
	assert_int_equal(e.destroyed[0], 1);
	assert_false(e.handoff[0]);
	assert_int_equal(e.taken_asked, 1);
	/* nobody else on the device: a removal hands off */
	e.taken = false;
	assert_int_equal(ctr(srv, "u", 2, t, false, NULL, &len), 0);
	assert_int_equal(simple(srv, DM_ULOG_RESUME, "u", 2), 0);
	assert_int_equal(simple(srv, DM_ULOG_PRESUSPEND, "u", 2), 0);
	assert_int_equal(simple(srv, DM_ULOG_POSTSUSPEND, "u", 2), 0);
	assert_int_equal(simple(srv, DM_ULOG_DTR, "u", 2), 0);
	assert_true(e.handoff[1]);
	log_server_free(srv);
}

static void test_never_resumed_no_handoff(void **st)
{
	struct env_state e;
	struct log_server *srv = server(&e);
	size_t len;

	(void)st;
	assert_int_equal(ctr(srv, "u", 1, "2048 clustered-disk 253:9 1024",
			     false, NULL, &len), 0);
	assert_int_equal(simple(srv, DM_ULOG_DTR, "u", 1), 0);
	assert_int_equal(e.destroyed[0], 1);
	assert_false(e.handoff[0]);
	log_server_free(srv);
}


/* A log re-created after a restart that resumes with regions out of sync
 * asks, once, for its mirror to be suspended and resumed; a first CTR, or
 * a re-created log that is all in sync, does not. */
static void test_kick_after_restart(void **st)
{
	struct env_state e;
	struct log_server *srv = server(&e);
	char uuid[DM_UUID_LEN];
	size_t len;

	(void)st;
	assert_int_equal(ctr(srv, "first", 1, "2048 clustered-core 1024",
			     false, NULL, &len), 0);
	assert_int_equal(simple(srv, DM_ULOG_RESUME, "first", 1), 0);
	assert_int_equal(log_server_take_kick(srv, uuid, sizeof(uuid)), 0);
	assert_int_equal(ctr(srv, "again", 2, "2048 clustered-core 1024",
			     true, NULL, &len), 0);
	assert_int_equal(simple(srv, DM_ULOG_RESUME, "again", 2), 0);
	assert_int_equal(log_server_take_kick(srv, uuid, sizeof(uuid)), 1);
	assert_string_equal(uuid, "again");
	assert_int_equal(log_server_take_kick(srv, uuid, sizeof(uuid)), 0);
	/* the resume that the kick causes does not ask again */
	assert_int_equal(simple(srv, DM_ULOG_POSTSUSPEND, "again", 2), 0);
	assert_int_equal(simple(srv, DM_ULOG_RESUME, "again", 2), 0);
	assert_int_equal(log_server_take_kick(srv, uuid, sizeof(uuid)), 0);
	assert_int_equal(ctr(srv, "insync", 3, "2048 clustered-core 1024 "
			     "nosync", true, NULL, &len), 0);
	assert_int_equal(simple(srv, DM_ULOG_RESUME, "insync", 3), 0);
	assert_int_equal(log_server_take_kick(srv, uuid, sizeof(uuid)), 0);
	log_server_free(srv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ctr_core_and_requests),
		cmocka_unit_test(test_bad_ctr),
		cmocka_unit_test(test_ctr_disk_returns_device),
		cmocka_unit_test(test_restart_path),
		cmocka_unit_test(test_two_instances_and_handoff),
		cmocka_unit_test(test_never_resumed_no_handoff),
		cmocka_unit_test(test_no_handoff_under_a_live_kernel_log),
		cmocka_unit_test(test_kick_after_restart),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
