/* The suspend/resume worker (see mirror_kick.h), through libdevmapper. */
#include <errno.h>
#include <libdevmapper.h>
#include <linux/dm-ioctl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dm_mirrors.h"
#include "dmlog_log.h"
#include "mirror_kick.h"
#include "mirror_table.h"

#define KICK_QUEUE 16
#define UUID_MAX 129

struct kick_job {
	char uuid[UUID_MAX];
	bool reload;			/* else suspend + resume */
};

struct mirror_kick {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct kick_job queue[KICK_QUEUE];
	unsigned head, count;
	bool stopping;
	unsigned long reloads, reload_failures;
};

/* Does this mirror target's parameter string use log `uuid`? */
static bool uses_log(const char *params, const void *uuid)
{
	char id[UUID_MAX];

	return mirror_params_log_uuid(params, id, sizeof(id)) &&
	       !strcmp(id, uuid);
}

/* The dm name of the device whose table uses log `uuid`. */
static int find_mirror(const char *uuid, char *name, size_t len)
{
	return dm_mirrors_find(uses_log, uuid, name, len);
}

static int dm_simple(int op, const char *name)
{
	struct dm_task *dmt = dm_task_create(op);
	int ok;

	if (!dmt)
		return -ENOMEM;
	ok = dm_task_set_name(dmt, name) && dm_task_run(dmt);
	dm_task_destroy(dmt);
	return ok ? 0 : -EIO;
}

static void kick(const char *uuid)
{
	char name[DM_NAME_LEN];
	int r = find_mirror(uuid, name, sizeof(name));

	if (r) {
		log_warn("%s: no mirror device uses this log (%s): cannot "
			 "restart its resync", uuid, strerror(-r));
		return;
	}
	log_notice("%s: suspending and resuming mirror %s so that its "
		   "kernel asks for resync work again (regions to copy are "
		   "ready)", uuid, name);
	r = dm_simple(DM_DEVICE_SUSPEND, name);
	if (!r)
		r = dm_simple(DM_DEVICE_RESUME, name);
	if (r)
		log_err("%s: suspend/resume of mirror %s failed: run "
			"'dmsetup suspend %s; dmsetup resume %s' by hand",
			uuid, name, name, name);
}

/* Copy the live table of `name` into a new inactive table (the same
 * targets: the kernel constructs a new mirror, hence a new region hash
 * and a new log instance). */
static int load_same_table(const char *name)
{
	struct dm_task *t = dm_task_create(DM_DEVICE_TABLE), *l = NULL;
	uint64_t start, length;
	char *type, *params;
	void *next = NULL;
	int r = -EIO, n = 0;

	if (!t)
		return -ENOMEM;
	if (!dm_task_set_name(t, name) || !dm_task_run(t))
		goto out;
	if (!(l = dm_task_create(DM_DEVICE_RELOAD)) ||
	    !dm_task_set_name(l, name))
		goto out;
	do {
		next = dm_get_next_target(t, next, &start, &length, &type,
					  &params);
		if (!type)
			break;
		if (!dm_task_add_target(l, start, length, type,
					params ? params : ""))
			goto out;
		n++;
	} while (next);
	if (n && dm_task_run(l))
		r = 0;
out:
	if (l)
		dm_task_destroy(l);
	dm_task_destroy(t);
	return r;
}

/* Reload: load the same table, suspend, resume. Unlike a suspend/resume,
 * this drops the kernel's region hash, NOSYNC entries included (the
 * cluster protocol's announcement, doc/design.md 7.7). The mirror may not
 * be listed yet when its first RESUME asks (dmsetup create): retry. */
static bool reload(struct mirror_kick *mk, const char *uuid)
{
	char name[DM_NAME_LEN];
	int r = -ENOENT;

	for (int attempt = 0; attempt < 25; attempt++) {
		if (attempt) {
			struct timespec ts = { 0, 200 * 1000 * 1000 };

			nanosleep(&ts, NULL);
			pthread_mutex_lock(&mk->lock);
			bool stop = mk->stopping;
			pthread_mutex_unlock(&mk->lock);
			if (stop)
				break;
		}
		if ((r = find_mirror(uuid, name, sizeof(name))))
			continue;
		if ((r = load_same_table(name)))
			continue;
		r = dm_simple(DM_DEVICE_SUSPEND, name);
		if (!r)
			r = dm_simple(DM_DEVICE_RESUME, name);
		if (!r) {
			log_info("%s: mirror %s reloaded (same table) so "
				 "the kernel re-reads the log", uuid, name);
			return true;
		}
		/* the next attempt loads the table again (replacing any
		 * inactive one) and suspends/resumes */
	}
	log_err("%s: reloading its mirror failed (%s): the cluster waits "
		"for this node; run 'dmsetup table <mirror> | dmsetup load "
		"<mirror>; dmsetup suspend <mirror>; dmsetup resume <mirror>' "
		"by hand", uuid, strerror(-r));
	return false;
}

static void *worker(void *arg)
{
	struct mirror_kick *mk = arg;
	char uuid[UUID_MAX];

	/* No udev cookies: the worker must never wait for udev. */
	dm_udev_set_sync_support(0);
	pthread_mutex_lock(&mk->lock);
	for (;;) {
		while (!mk->count && !mk->stopping)
			pthread_cond_wait(&mk->cond, &mk->lock);
		if (!mk->count)
			break;
		struct kick_job job = mk->queue[mk->head];
		bool ok = true;

		mk->head = (mk->head + 1) % KICK_QUEUE;
		mk->count--;
		pthread_mutex_unlock(&mk->lock);
		memcpy(uuid, job.uuid, UUID_MAX);
		if (job.reload)
			ok = reload(mk, uuid);
		else
			kick(uuid);
		pthread_mutex_lock(&mk->lock);
		mk->reloads += job.reload && ok;
		mk->reload_failures += job.reload && !ok;
	}
	pthread_mutex_unlock(&mk->lock);
	return NULL;
}

struct mirror_kick *mirror_kick_start(void)
{
	struct mirror_kick *mk = calloc(1, sizeof(*mk));
	int r;

	if (!mk)
		return NULL;
	pthread_mutex_init(&mk->lock, NULL);
	pthread_cond_init(&mk->cond, NULL);
	/* The worker must never take a signal: the main loop reads them
	 * from a signalfd, and a thread with SIGTERM unblocked would let it
	 * kill the daemon. A new thread inherits this mask. */
	sigset_t all, old;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	r = pthread_create(&mk->thread, NULL, worker, mk);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r) {
		log_err("cannot start the suspend/resume worker: %s",
			strerror(r));
		free(mk);
		return NULL;
	}
	return mk;
}

static void enqueue(struct mirror_kick *mk, const char *uuid, bool rl)
{
	pthread_mutex_lock(&mk->lock);
	/* a reload already waiting for this log covers another one */
	for (unsigned i = 0; rl && i < mk->count; i++) {
		struct kick_job *j = &mk->queue[(mk->head + i) % KICK_QUEUE];

		if (j->reload && !strcmp(j->uuid, uuid)) {
			pthread_mutex_unlock(&mk->lock);
			return;
		}
	}
	if (mk->count == KICK_QUEUE) {
		log_err("%s: suspend/resume queue full: run dmsetup suspend "
			"and resume on its mirror by hand", uuid);
	} else {
		struct kick_job *j =
			&mk->queue[(mk->head + mk->count) % KICK_QUEUE];

		snprintf(j->uuid, UUID_MAX, "%s", uuid);
		j->reload = rl;
		mk->count++;
		pthread_cond_signal(&mk->cond);
	}
	pthread_mutex_unlock(&mk->lock);
}

void mirror_kick_queue(struct mirror_kick *mk, const char *uuid)
{
	enqueue(mk, uuid, false);
}

void mirror_kick_reload(struct mirror_kick *mk, const char *uuid)
{
	enqueue(mk, uuid, true);
}

void mirror_kick_counts(struct mirror_kick *mk, unsigned long *reloads,
			unsigned long *failures)
{
	pthread_mutex_lock(&mk->lock);
	*reloads = mk->reloads;
	*failures = mk->reload_failures;
	pthread_mutex_unlock(&mk->lock);
}

void mirror_kick_stop(struct mirror_kick *mk)
{
	if (!mk)
		return;
	pthread_mutex_lock(&mk->lock);
	mk->stopping = true;
	pthread_cond_signal(&mk->cond);
	pthread_mutex_unlock(&mk->lock);
	pthread_join(mk->thread, NULL);
	pthread_cond_destroy(&mk->cond);
	pthread_mutex_destroy(&mk->lock);
	free(mk);
}
