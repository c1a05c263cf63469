#include <stdarg.h>
#include <stdio.h>

#include "dmlog_log.h"

static dmlog_sink_fn log_sink;
static int log_level = LOG_NOTICE;

void dmlog_set_sink(dmlog_sink_fn sink, int max_level)
{
	log_sink = sink;
	log_level = max_level;
}

int dmlog_max_level(void)
{
	return log_sink ? log_level : -1;
}

void dmlog_msg(int level, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	if (!log_sink || level > log_level)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_sink(level, buf);
}
