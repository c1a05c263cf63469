/* stderr and syslog sinks for dmlog_log (see logsink.h). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <syslog.h>

#include "dmlog_log.h"
#include "logsink.h"

static dmlog_sink_fn current_sink;
static bool journal_prefix;

static const char *level_prefix(int level)
{
	switch (level) {
	case LOG_EMERG:
	case LOG_ALERT:
	case LOG_CRIT:
		return "critical";
	case LOG_ERR:
		return "error";
	case LOG_WARNING:
		return "warning";
	case LOG_NOTICE:
		return "notice";
	case LOG_INFO:
		return "info";
	default:
		return "debug";
	}
}

static void stderr_sink(int level, const char *msg)
{
	if (journal_prefix)
		fprintf(stderr, "<%d>%s\n", level, msg);
	else
		fprintf(stderr, "dmlogd: %s: %s\n", level_prefix(level), msg);
	fflush(stderr);
}

static void syslog_sink(int level, const char *msg)
{
	syslog(level, "%s", msg);
}

/* JOURNAL_STREAM is "<dev>:<inode>" of the journal stream systemd gave
 * us; it counts only while stderr is still that stream. */
static bool stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (!js || sscanf(js, "%llu:%llu", &dev, &ino) != 2)
		return false;
	if (fstat(2, &st) < 0)
		return false;
	return (unsigned long long)st.st_dev == dev &&
	       (unsigned long long)st.st_ino == ino;
}

void logsink_use_stderr(int max_level)
{
	journal_prefix = stderr_is_journal();
	current_sink = stderr_sink;
	dmlog_set_sink(current_sink, max_level);
}

void logsink_use_syslog(int max_level)
{
	openlog("dmlogd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	current_sink = syslog_sink;
	dmlog_set_sink(current_sink, max_level);
}

void logsink_set_level(int max_level)
{
	dmlog_set_sink(current_sink, max_level);
}
