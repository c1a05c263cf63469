/* The cluster lock manager: lockmgr.h's async interface over libdlm (the
 * kernel DLM through /dev/misc/dlm-control), with the node id and the
 * membership from corosync (libcpg, libquorum). doc/design.md section 7.
 *
 * One DLM lockspace per name given to ls_open (create or open: needs
 * CAP_SYS_ADMIN); two opens of one name share it. Everything is driven by
 * the caller's event loop: poll lockmgr_dlm_fd() for readable and call
 * lockmgr_dlm_dispatch(), which runs the lock ASTs, blocking ASTs and
 * membership callbacks (never from inside a lock call).
 *
 * Mapping of lockmgr.h onto libdlm:
 *  - lock/convert: dlm_ls_lockx (LKF_CONVERT for convert; PERSISTENT is
 *    kept across conversions, or the lock would not survive the daemon);
 *  - unlock: takes effect for the caller at once; underneath, a waiting
 *    request is cancelled (LKF_CANCEL) and a held lock unlocked. A lock
 *    held PW/EX whose last request carried VALBLK is first converted to
 *    NL without VALBLK, so an unlock can never write the LVB (libdlm trap);
 *  - ORPHAN adoption: the kernel answers it synchronously, with no AST;
 *    the result (0, or -ENOENT when there is no orphan in that mode) is
 *    delivered as an AST from the next dispatch, as the interface says;
 *  - blocking ASTs: libdlm does not report the blocking mode, so `bast`
 *    gets LM_EX ("something incompatible waits");
 *  - ls_close of the last opener closes the lockspace device: the kernel
 *    orphans PERSISTENT locks and drops the rest (exactly a daemon crash);
 *    the lockspace is released only when nothing is held any more;
 *  - watch_nodes: called for every node that leaves corosync's membership;
 *    node_alive: is the node in the current membership.
 *
 * The libdlm/corosync layer is a table of functions (struct lmdlm_sys) so
 * the tests run the state machine on the host, which has no DLM. */
#ifndef DMLOG_LOCKMGR_DLM_H
#define DMLOG_LOCKMGR_DLM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lockmgr.h"

struct dlm_lksb;

/* What lies underneath: libdlm (lockmgr_dlm_new) or a test's fake. All
 * return 0 / a handle, or -1 / NULL with errno set. */
struct lmdlm_sys {
	void *(*ls_open)(void *ctx, const char *name);
	/* release: leave the lockspace (nothing held); else just close. */
	void (*ls_close)(void *ctx, const char *name, void *h, bool release);
	int (*ls_fd)(void *ctx, void *h);
	/* Run the ASTs that are ready on fd. */
	int (*dispatch)(void *ctx, int fd);
	/* dlm_ls_lockx semantics: mode/flags are DLM's; sets lksb->sb_lkid
	 * when the request is accepted (adoption included). */
	int (*lock)(void *ctx, void *h, uint32_t mode, struct dlm_lksb *lksb,
		    uint32_t flags, const char *name, void (*ast)(void *),
		    void *arg, void (*bast)(void *));
	int (*unlock)(void *ctx, void *h, uint32_t lkid, uint32_t flags,
		      struct dlm_lksb *lksb, void *arg);
	int (*purge)(void *ctx, void *h, int nodeid, int pid);
	/* Optional: release corosync connections etc. */
	void (*destroy)(void *ctx);
};

/* Requests sent to the DLM by this manager (the "lock traffic" count). */
struct lockmgr_dlm_stats {
	uint64_t lock, convert, unlock, cancel, purge;
	uint64_t ast, bast, node_down;
};

/* The real manager: checks the DLM control device, asks corosync for the
 * node id and membership (waits up to 10 s for the first membership).
 * NULL with a message in err. */
struct lockmgr *lockmgr_dlm_new(char *err, size_t errlen);

/* The same state machine over another layer (tests). members: the first
 * membership (nodeid included). */
struct lockmgr *lockmgr_dlm_new_sys(const struct lmdlm_sys *sys, void *ctx,
				    uint32_t nodeid, const uint32_t *members,
				    size_t nr_members, char *err,
				    size_t errlen);

bool lockmgr_is_dlm(const struct lockmgr *lm);
/* The one descriptor to poll (an epoll set of every lockspace, the
 * corosync connection and the manager's own wake-up). */
int lockmgr_dlm_fd(struct lockmgr *lm);
/* Run what is ready: lock ASTs, blocking ASTs, membership changes, and
 * deferred results. Never blocks. */
void lockmgr_dlm_dispatch(struct lockmgr *lm);
/* A new membership (corosync; tests call it directly): every node of the
 * previous membership missing from this one is reported to watchers. */
void lockmgr_dlm_set_members(struct lockmgr *lm, const uint32_t *ids,
			     size_t n);
void lockmgr_dlm_get_stats(const struct lockmgr *lm,
			   struct lockmgr_dlm_stats *st);
/* One line: node id, members, lockspaces, locks held, the counters. */
int lockmgr_dlm_describe(const struct lockmgr *lm, char *buf, size_t cap);

#endif
