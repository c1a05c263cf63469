/* stderr messages (see msg.h). */
#include <stdarg.h>
#include <stdio.h>

#include "dmlog_log.h"
#include "msg.h"

static void vmsg(const char *prefix, const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: %s", CTL_PROG, prefix);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void ctl_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("", fmt, ap);
	va_end(ap);
}

void ctl_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("warning: ", fmt, ap);
	va_end(ap);
}

void ctl_info(int verbose, const char *fmt, ...)
{
	va_list ap;

	if (verbose <= 0)
		return;
	va_start(ap, fmt);
	vmsg("", fmt, ap);
	va_end(ap);
}

static void stderr_sink(int level, const char *msg)
{
	fprintf(stderr, "%s: %s%s\n", CTL_PROG,
		level <= LOG_WARNING ? "warning: " : "", msg);
}

void ctl_install_log_sink(int verbose)
{
	dmlog_set_sink(stderr_sink, verbose > 0 ? LOG_INFO : LOG_WARNING);
}
