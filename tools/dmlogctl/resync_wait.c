/* Following a resync (see resync_wait.h). */
#include <json.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl_exit.h"
#include "ctlsock.h"
#include "jget.h"
#include "msg.h"
#include "resync_wait.h"

#define POLL_MS 250
#define PLAIN_EVERY_MS 2000
#define BAR_WIDTH 30

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);	/* EINTR (Ctrl-C) ends it early: fine */
}

/* dmlogd's "progress" over the range: regions still out of sync, and
 * whether a resync asked there is still queued (not on the device). */
static int progress(struct ctl_conn *c, const struct resync_range *r,
		    uint64_t *left, bool *queued)
{
	struct json_object *a = json_object_new_object(), *res;
	int e;

	json_object_object_add(a, "log", json_object_new_string(r->id));
	json_object_object_add(a, "first_region",
			       json_object_new_uint64(r->first));
	json_object_object_add(a, "count", json_object_new_uint64(r->count));
	e = ctl_request(c, "progress", a, &res);
	json_object_put(a);
	if (e)
		return e;
	if (left)
		*left = jget_u64(res, "out_of_sync");
	if (queued)
		*queued = jget_bool(res, "resync_queued");
	json_object_put(res);
	return CTL_EXIT_OK;
}

static int query(struct ctl_conn *c, const struct resync_range *r,
		 uint64_t *left)
{
	return progress(c, r, left, NULL);
}

static void eta_words(uint64_t left, double rate, char *buf, size_t len)
{
	if (rate <= 0)
		snprintf(buf, len, "ETA --");
	else
		snprintf(buf, len, "ETA %.0f s", (double)left / rate);
}

static void show(FILE *out, bool tty, const struct resync_range *r,
		 uint64_t left, double rate)
{
	uint64_t done = r->count - left;
	unsigned fill = (unsigned)(BAR_WIDTH * done / r->count);
	char eta[32], bar[BAR_WIDTH + 1];

	eta_words(left, rate, eta, sizeof(eta));
	if (!tty) {
		fprintf(out, "resync: %llu/%llu regions copied (%.1f%%), "
			"%.1f regions/s, %s\n", (unsigned long long)done,
			(unsigned long long)r->count,
			100.0 * (double)done / (double)r->count, rate, eta);
		fflush(out);
		return;
	}
	memset(bar, '#', fill);
	memset(bar + fill, '.', BAR_WIDTH - fill);
	bar[BAR_WIDTH] = '\0';
	fprintf(out, "\r[%s] %5.1f%% %llu/%llu  %.1f regions/s  %s   ", bar,
		100.0 * (double)done / (double)r->count,
		(unsigned long long)done, (unsigned long long)r->count, rate,
		eta);
	fflush(out);
}

/* The copy rate over the whole wait. */
static double rate_of(uint64_t left0, uint64_t left, uint64_t t0)
{
	uint64_t dt = now_ms() - t0;

	return dt && left0 > left ? (double)(left0 - left) * 1000.0 /
	       (double)dt : 0.0;
}

static int follow(struct ctl_conn *c, const struct resync_range *r,
		  FILE *out, uint64_t *left)
{
	bool tty = isatty(fileno(out));
	uint64_t t0 = now_ms(), shown = 0, left0;
	int e = query(c, r, left);

	left0 = *left;
	while (!e && *left && !interrupted) {
		if (tty || now_ms() - shown >= PLAIN_EVERY_MS) {
			show(out, tty, r, *left, rate_of(left0, *left, t0));
			shown = now_ms();
		}
		sleep_ms(POLL_MS);
		if (!interrupted)
			e = query(c, r, left);
	}
	if (!e)
		show(out, tty, r, *left, rate_of(left0, *left, t0));
	if (tty)
		fputc('\n', out);
	return e;
}

int resync_wait(const struct resync_range *r, FILE *out, uint64_t *left)
{
	struct sigaction sa, old;
	struct ctl_conn c;
	int e;

	if ((e = ctl_connect(&c)))
		return e;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigint;
	sigaction(SIGINT, &sa, &old);
	e = follow(&c, r, out, left);
	sigaction(SIGINT, &old, NULL);
	ctl_disconnect(&c);
	if (e)
		return e;
	if (interrupted) {
		ctl_err("interrupted: the resync goes on in the background "
			"(%llu regions of the range left); follow it with "
			"'dmlogctl status %s'", (unsigned long long)*left,
			r->id);
		return CTL_EXIT_INTERRUPTED;
	}
	return CTL_EXIT_OK;
}

int resync_recorded(const struct resync_range *r, unsigned timeout_ms)
{
	uint64_t t0 = now_ms();
	struct ctl_conn c;
	bool q = true;
	int e;

	if ((e = ctl_connect(&c)))
		goto lost;
	while (!(e = progress(&c, r, NULL, &q)) && q &&
	       now_ms() - t0 < timeout_ms)
		sleep_ms(POLL_MS);
	ctl_disconnect(&c);
	if (e)
		goto lost;
	if (q) {
		ctl_err("%s: the resync is still queued for the cluster's "
			"table lock after %u s (another node holds it); dmlogd "
			"records it when it gets the lock, but loses it if it "
			"stops before: check 'dmlogctl status %s'", r->id,
			timeout_ms / 1000, r->id);
		return CTL_EXIT_BUSY;
	}
	return CTL_EXIT_OK;
lost:
	ctl_err("%s: lost contact with dmlogd before the resync was on the "
		"log device: it may be lost; check 'dmlogctl status %s' and "
		"run the resync again", r->id, r->id);
	return e;
}
